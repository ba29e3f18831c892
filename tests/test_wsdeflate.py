"""Websocket compression once per broadcast (loket/wsdeflate.py, framed by loket/wssend.py): the same message
makes the same bytes for every socket, every message still decodes, and the real server negotiates it with a
browser-like offer."""

import json
import socket

from engineio import packet as eio_packet
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Message, Request, TextMessage
from wsproto.extensions import PerMessageDeflate

from loket import wssend
from loket.wsdeflate import SharedDeflate


def connected_pair():
    client = WSConnection(ConnectionType.CLIENT)
    server = WSConnection(ConnectionType.SERVER)
    server.receive_data(client.send(Request(host="loket", target="/", extensions=[PerMessageDeflate()])))
    list(server.events())
    client.receive_data(server.send(AcceptConnection(extensions=[SharedDeflate()])))
    accepted = list(client.events())
    assert isinstance(accepted[0], AcceptConnection)
    return server, client


def received(client) -> str:
    return "".join(e.data for e in client.events() if isinstance(e, TextMessage))


def window_bits(server) -> int:
    """The server's window as the handshake settled it (what loket/wssend.py reads of each socket)."""
    (extension,) = server.connection._proto.extensions
    assert extension.server_no_context_takeover
    return int(extension.server_max_window_bits)


def test_a_broadcast_is_compressed_once_and_the_same_for_every_socket():
    pairs = [connected_pair() for _ in range(3)]
    message = '42["queue_changed",' + json.dumps({"services": [{"id": i, "waiting": i * 7} for i in range(40)]}) + "]"
    pkt = eio_packet.Packet(eio_packet.MESSAGE, message[1:])
    frames = [wssend.packet_frame(pkt, window_bits(server)) for server, _ in pairs]
    assert all(frame is frames[0] for frame in frames), "compressed and framed once for every socket"
    assert len(frames[0]) < len(message) / 2
    for (_, client), frame in zip(pairs, frames, strict=True):
        client.receive_data(frame)
        assert received(client) == message


def test_every_message_decodes_without_the_shared_window():
    server, client = connected_pair()
    messages = [f'42["called",{{"number":"A{n:03d}"}}]' for n in range(30)] + ["x" * 70_000, "é" * 5_000, "2", ""]
    for message in messages:
        client.receive_data(wssend.message_frame(message, window_bits(server)))
        assert received(client) == message


def test_a_small_message_goes_plain():
    # A phone's place is a small message of its own: deflating it saved little and cost the phone an inflate.
    server, client = connected_pair()
    place = '42["ticket_place",{"id":7,"status":"waiting","service_id":1,"ahead":3,"estimated_wait_minutes":12}]'
    frame = wssend.message_frame(place, window_bits(server))
    assert frame[0] & 0x40 == 0 and place.encode() in frame  # RSV1 off: not compressed
    client.receive_data(frame)
    assert received(client) == place


def read_events(sock, client, until) -> list:
    seen = []
    while not any(until(m) for m in seen):
        data = sock.recv(65536)
        assert data, "the server closed the websocket"
        client.receive_data(data)
        seen += [e.data for e in client.events() if isinstance(e, TextMessage)]
    return seen


def test_the_server_negotiates_it_and_its_snapshot_arrives_whole(live_server):
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
        client = WSConnection(ConnectionType.CLIENT)
        target = "/socket.io/?EIO=4&transport=websocket"
        sock.sendall(client.send(Request(host="127.0.0.1", target=target, extensions=[PerMessageDeflate()])))
        accepted = None
        while accepted is None:
            client.receive_data(sock.recv(65536))
            accepted = next((e for e in client.events() if isinstance(e, AcceptConnection)), None)
        offered = [ext for ext in accepted.extensions if isinstance(ext, PerMessageDeflate)]
        assert offered and offered[0].server_no_context_takeover
        read_events(sock, client, lambda m: m.startswith("0{"))
        sock.sendall(client.send(Message(data="40")))
        read_events(sock, client, lambda m: m.startswith("40{"))
        sock.sendall(client.send(Message(data='42["subscribe",{"room":"kiosk"}]')))
        seen = read_events(sock, client, lambda m: m.startswith('42["snapshot"'))
        snapshot = json.loads(next(m for m in seen if m.startswith('42["snapshot"'))[2:])[1]
        assert snapshot["room"] == "kiosk" and len(snapshot["agencies"]) >= 5
