"""Websocket writes (loket/wssend.py): frames as RFC 6455 has them, a broadcast framed once, and every message
whole and in order on a socket that is not being read (a phone on weak Wi-Fi), on the real gevent server."""

import json
import socket
import time

from engineio import packet as eio_packet
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Message, Request, TextMessage
from wsproto.extensions import PerMessageDeflate

from loket import wssend
from loket.wsdeflate import SharedDeflate


def decoded(frames: bytes, deflate: bool) -> list[str]:
    """What a browser-like client reads from these server frames."""
    client = WSConnection(ConnectionType.CLIENT)
    server = WSConnection(ConnectionType.SERVER)
    offer = [PerMessageDeflate()] if deflate else []
    server.receive_data(client.send(Request(host="loket", target="/", extensions=offer)))
    list(server.events())
    client.receive_data(server.send(AcceptConnection(extensions=[SharedDeflate()] if deflate else [])))
    assert isinstance(next(iter(client.events())), AcceptConnection)
    client.receive_data(frames)
    return [e.data for e in client.events() if isinstance(e, TextMessage)]


def test_frames_of_every_length_decode_plain_and_deflated():
    messages = ["x", "a" * 125, "b" * 126, "c" * 300, "é" * 40_000, json.dumps({"n": list(range(9000))})]
    for bits in (None, 15, 12):
        frames = b"".join(wssend.message_frame(m, bits) for m in messages)
        assert decoded(frames, deflate=bits is not None) == messages, bits
    assert wssend.message_frame("a" * 1500, 15)[0] & 0x40, "a long message is deflated"
    assert not wssend.message_frame("a" * 1500, None)[0] & 0x40
    assert not wssend.message_frame("a" * 300, 15)[0] & 0x40, "a short one goes plain"


def test_a_broadcast_packet_is_framed_once_per_window():
    pkt = eio_packet.Packet(eio_packet.MESSAGE, '2["ticket_called",' + json.dumps({"x": "y" * 500}) + "]")
    first = wssend.packet_frame(pkt, 15)
    assert wssend.packet_frame(pkt, 15) is first
    assert wssend.packet_frame(pkt, None) is not first
    assert decoded(first, deflate=True) == [pkt.encode()]


def open_websocket(port: int, receive_buffer: int | None = None, deflate: bool = False, query: str = ""):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    client = WSConnection(ConnectionType.CLIENT)
    offer = [PerMessageDeflate()] if deflate else []
    sock.sendall(client.send(Request(host="127.0.0.1", target="/socket.io/?EIO=4&transport=websocket" + query, extensions=offer)))
    return sock, client


def read_until(sock, client, count: int, prefix: str, seen: list, wire: list | None = None) -> list:
    part = ""
    while sum(m.startswith(prefix) for m in seen) < count:
        data = sock.recv(65536)
        assert data, "the server closed the websocket"
        if wire is not None:
            wire.append(data)
        client.receive_data(data)  # a cut frame would make wsproto raise or misread here
        for event in client.events():
            if isinstance(event, TextMessage):
                part += event.data
                if event.message_finished:
                    seen.append(part)
                    part = ""
    return seen


def test_large_messages_to_a_socket_not_being_read_arrive_whole_and_in_order(live_server):
    """A lobby snapshot is ~26 KB: twenty of them, asked for while the client reads nothing, overfill
    both sockets' buffers; simple-websocket's single send cut such frames."""
    sock, client = open_websocket(live_server.port, receive_buffer=4096)
    with sock:
        seen = read_until(sock, client, 1, "0{", [])
        sock.sendall(client.send(Message(data="40")))
        read_until(sock, client, 1, "40{", seen)
        rooms = ["display", "kiosk"] * 120
        for room in rooms:
            sock.sendall(client.send(Message(data=json.dumps(["subscribe", {"room": room}]).join(("42", "")))))
        time.sleep(4)  # the server writes what the kernel takes and queues the rest
        seen = read_until(sock, client, len(rooms), '42["snapshot"', [])
        snapshots = [json.loads(m[2:])[1] for m in seen if m.startswith('42["snapshot"')]
        assert [s["room"] for s in snapshots] == rooms
        assert sum(len(m) for m in seen) > 200_000, "big enough to overfill the socket buffers"


def test_a_browser_like_client_gets_the_lobby_snapshot_deflated(live_server):
    sock, client = open_websocket(live_server.port, deflate=True)
    with sock:
        seen = read_until(sock, client, 1, "0{", [])
        sock.sendall(client.send(Message(data="40")))
        read_until(sock, client, 1, "40{", seen)
        sock.sendall(client.send(Message(data='42["subscribe",{"room":"display"}]')))
        wire: list[bytes] = []
        seen = read_until(sock, client, 1, '42["snapshot"', [], wire)
        snapshot = next(m for m in seen if m.startswith('42["snapshot"'))
        assert json.loads(snapshot[2:])[1]["room"] == "display"
        assert sum(map(len, wire)) < len(snapshot.encode()) / 3, "sent deflated"


def test_a_websocket_opened_with_connect_is_connected_as_it_opens(live_server):
    """early-socket.js opens with connect=1: Engine.IO's open packet and Socket.IO's CONNECT answer come
    without the client asking (realtime.connect_on_opening); the socket then subscribes as any other."""
    sock, client = open_websocket(live_server.port, query="&connect=1")
    with sock:
        seen = read_until(sock, client, 1, "40{", [])
        assert [m[:2] for m in seen] == ["0{", "40"]
        assert json.loads(seen[1][2:])["sid"]
        sock.sendall(client.send(Message(data='42["subscribe",{"room":"kiosk"}]')))
        seen = read_until(sock, client, 1, '42["snapshot"', [])
        assert json.loads(seen[-1][2:])[1]["room"] == "kiosk"
    sock, client = open_websocket(live_server.port)
    with sock:
        seen = read_until(sock, client, 1, "0{", [])
        sock.settimeout(0.5)
        try:
            read_until(sock, client, 1, "40", seen)
        except TimeoutError:
            pass
        assert [m[:2] for m in seen] == ["0{"], "without it, the client's own CONNECT is waited for"
