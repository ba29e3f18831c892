"""The print agent on a kiosk PC: `python -m kiosk.agent --server URL --kiosk NAME --printer usb://04b8:0202`.

A USB or serial printer hangs off the kiosk PC, not the server. The agent joins its kiosk's room,
prints each `print_ticket` it is sent, and reports the outcome so the ticket shows printed or not.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import threading

import requests
import socketio

from . import printing

log = logging.getLogger("kiosk.agent")

REPORT_TIMEOUT = 10


class Agent:
    """One kiosk's printer: jobs are printed one at a time, in the order the server sent them."""

    def __init__(
        self, server: str, kiosk: str, printer_url: str, profile: str | None = None, qr_mode: str | None = None, key: str = ""
    ) -> None:
        printing.parse_printer_url(printer_url)  # a typo in the URL stops the agent at once, not at the first ticket
        self.server = server.rstrip("/")
        self.kiosk = kiosk
        self.key = key
        self.printer_url = printer_url
        self.profile = profile
        self.qr_mode = qr_mode
        self.jobs: queue.Queue[dict | None] = queue.Queue()
        self.http = requests.Session()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=1, reconnection_delay_max=5)
        self.sio.on("connect", self._subscribe)
        self.sio.on("print_ticket", self.jobs.put)
        self.sio.on("error", lambda data: log.error("server refused: %s", data))
        self.worker = threading.Thread(target=self._work, name="print-worker", daemon=True)

    def _subscribe(self) -> None:
        # Every (re)connect joins the room again; a ticket issued while disconnected is reprinted from the kiosk screen.
        self.sio.emit("subscribe", {"room": "kiosk", "kiosk": self.kiosk, "agent_key": self.key})
        log.info("connected to %s as kiosk %s", self.server, self.kiosk)

    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            self.handle(job)

    def handle(self, job: dict) -> printing.PrintResult:
        """Print one job and tell the server how it went."""
        ticket = job.get("ticket") or {}
        result = printing.print_ticket(
            self.printer_url,
            ticket,
            job.get("mpp") or {"name": ""},
            qr_mode=self.qr_mode or job.get("qr_mode") or "native",
            profile=self.profile or job.get("profile"),
        )
        self.report(ticket.get("token", ""), result)
        return result

    def report(self, token: str, result: printing.PrintResult) -> None:
        try:
            response = self.http.post(
                f"{self.server}/api/kiosks/{self.kiosk}/print-result",
                json={"token": token, "ok": result.ok, "error": result.error or ""},
                headers={"X-Agent-Key": self.key},
                timeout=REPORT_TIMEOUT,
            )
            if response.status_code != 200:
                log.warning("server did not take the report for %s: %s %s", token[:6], response.status_code, response.text[:200])
        except requests.RequestException as exc:
            log.warning("could not report a print result: %s", exc)

    def run(self) -> None:
        """Connect (retrying until the server is up) and serve print jobs until stopped."""
        self.worker.start()
        self.sio.connect(self.server, transports=["websocket", "polling"], wait_timeout=10, retry=True)
        try:
            self.sio.wait()
        finally:
            self.stop()

    def stop(self) -> None:
        self.jobs.put(None)
        if self.sio.connected:
            self.sio.disconnect()
        self.http.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kiosk.agent", description="Loket print agent for a kiosk's USB or serial printer")
    parser.add_argument("--server", required=True, help="the Loket server, e.g. http://192.168.1.10:5000")
    parser.add_argument("--kiosk", required=True, help="the kiosk's registered name (flask --app server add-kiosk)")
    parser.add_argument(
        "--printer", required=True, help="usb://VENDOR:PRODUCT, serial:///dev/ttyS0?baudrate=9600, file:///dev/usb/lp0, tcp://…, dummy"
    )
    parser.add_argument("--profile", default=None, help="printer profile (default: the kiosk's, from the server)")
    parser.add_argument("--qr", choices=("native", "image"), default=None, help="QR as a native command or an image")
    parser.add_argument(
        "--key", default=os.environ.get("LOKET_AGENT_KEY", ""), help="the kiosk's agent key (printed by add-kiosk; or LOKET_AGENT_KEY)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        agent = Agent(args.server, args.kiosk, args.printer, args.profile, args.qr, args.key)
    except printing.PrinterError as err:
        parser.error(str(err))
    try:
        agent.run()
    except KeyboardInterrupt:
        log.info("stopped")


if __name__ == "__main__":
    main()
