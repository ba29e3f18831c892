"""Every event Loket tells the world, as a small type: what a committed transaction says happened.

A rule says an event inside its transaction with `after_commit(db, SomeEvent(...))`; the emitter
(loket/emitter.py) sends it after the COMMIT, in commit order, without holding the write lock. Nothing
else emits: a rolled-back transaction says nothing. `EVENTS` below is the one list that
docs/events.md is checked against, with each event's Socket.IO names and rooms.

Two events carry a ticket and are turned into their payloads when sent, from rows read then
(loket/broadcasts.py); the others carry their payload as it was when said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

CONFIG_ROOMS = ("display:any", "kiosk:any", "staff:any", "counter:any")


@dataclass(frozen=True)
class Event:
    """Base of every event. `names`: the Socket.IO events it becomes; `rooms`: where they go (a pattern)."""

    names: ClassVar[tuple[str, ...]] = ()
    rooms: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class TicketCalled(Event):
    """A ticket was called or recalled to a counter: the lobby speaks it, the citizen's phone rings."""

    ticket: dict
    call_id: int
    recall: bool
    now: datetime
    names: ClassVar = ("ticket_called",)
    rooms: ClassVar = (
        "display:all",
        "display:agency:<agency_id>",
        "counter:<counter_id>",
        "staff:all",
        "staff:agency:<agency_id>",
        "ticket:<token>",
    )


@dataclass(frozen=True)
class QueueChanged(Event):
    """A line changed (issued, called, finished, counter opened …); the counts are read when it is sent.

    The changes of a burst are merged into one message per room (COALESCE_SECONDS in the emitter).
    """

    kind: str
    now: datetime
    ticket: dict | None = None
    counter_ids: tuple[int, ...] = ()
    service_ids: tuple[int, ...] = ()
    names: ClassVar = ("queue_changed", "ticket_changed")
    rooms: ClassVar = (
        "staff:all",
        "staff:agency:<agency_id>",
        "counter:<counter_id>",
        "display:all",
        "display:agency:<agency_id>",
        "kiosk",
        "service:<service_id>",
        "ticket:<token>",
    )


@dataclass(frozen=True)
class Message(Event):
    """An event whose payload is complete when said: sent as it is to its rooms."""

    def payload(self) -> dict:
        raise NotImplementedError

    def to(self) -> list[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class TicketPrinted(Message):
    """The outcome of a kiosk's print job, for the kiosk screen that issued the ticket."""

    kiosk: str
    ticket_id: int
    number: str
    printed: bool
    error: str
    names: ClassVar = ("ticket_printed",)
    rooms: ClassVar = ("kiosk:<name>",)

    def payload(self) -> dict:
        return {"ticket_id": self.ticket_id, "number": self.number, "printed": self.printed, "error": self.error}

    def to(self) -> list[str]:
        return [f"kiosk:{self.kiosk}"]


@dataclass(frozen=True)
class PrintRequested(Message):
    """A ticket for the printer on a kiosk PC: only that kiosk's agent (holding its key) is in the room."""

    kiosk: str
    job: dict
    names: ClassVar = ("print_ticket",)
    rooms: ClassVar = ("kiosk-agent:<name>",)

    def payload(self) -> dict:
        return self.job

    def to(self) -> list[str]:
        return [f"kiosk-agent:{self.kiosk}"]


@dataclass(frozen=True)
class PrintWanted(Event):
    """A ticket issued or checked in at a kiosk (or a reprint) wants paper. No socket hears it: the kiosk's
    print worker subscribes to it (kiosk/service.py) and prints off the request path, so the core never
    calls into the kiosk. `base_url` and `lang` are the request's: the QR opens the ticket page in the
    kiosk's language."""

    ticket_id: int
    kiosk_id: int
    base_url: str
    lang: str
    reprint: bool = False


@dataclass(frozen=True)
class ConfigChanged(Message):
    """The admin changed something screens show: they subscribe again and redraw from a fresh snapshot."""

    what: str
    data: dict = field(default_factory=dict)
    names: ClassVar = ("config_changed",)
    rooms: ClassVar = CONFIG_ROOMS

    def payload(self) -> dict:
        return {"what": self.what, **self.data}

    def to(self) -> list[str]:
        return list(CONFIG_ROOMS)


@dataclass(frozen=True)
class ComplaintChanged(Message):
    """A complaint moved a step: its public tracking page redraws (no identity, no internal notes)."""

    code: str
    public: dict
    names: ClassVar = ("complaint_changed",)
    rooms: ClassVar = ("complaint:<code>",)

    def payload(self) -> dict:
        return self.public

    def to(self) -> list[str]:
        return [f"complaint:{self.code}"]


@dataclass(frozen=True)
class BookingSlotsChanged(Message):
    """A booking was made, cancelled or checked in: booking pages showing that service and day redraw."""

    service_id: int
    day: str
    slots: dict
    names: ClassVar = ("booking_slots_changed",)
    rooms: ClassVar = ("booking-slots:<service_id>:<day>",)

    def payload(self) -> dict:
        return self.slots

    def to(self) -> list[str]:
        return [slots_room(self.service_id, self.day)]


@dataclass(frozen=True)
class SessionsEnded(Event):
    """Staff sessions ended (logout, a new login, a password reset): their sockets are disconnected on
    every process, only once the end is committed, so a rolled-back reset drops nobody."""

    keys: tuple[str, ...]
    rooms: ClassVar = ("session:<key>",)


@dataclass(frozen=True)
class ClosureRequestChanged(Message):
    """A closure waiting for approval was asked for, approved or rejected: the agency's supervisors and
    the admin see it live, and the officer's console learns the answer (and the note, if rejected)."""

    request: dict
    names: ClassVar = ("closure_request_changed",)
    rooms: ClassVar = ("staff:all", "staff:agency:<agency_id>", "counter:<counter_id>")

    def payload(self) -> dict:
        return self.request

    def to(self) -> list[str]:
        return ["staff:all", f"staff:agency:{self.request['agency_id']}", f"counter:{self.request['counter_id']}"]


@dataclass(frozen=True)
class StandardAlert(Message):
    """A service crossed its waiting or service time target (`state` "raised"), or came back within it
    ("cleared"): a banner for the agency's supervisors and the MPP admin, once per crossing."""

    alert: dict
    names: ClassVar = ("standard_alert",)
    rooms: ClassVar = ("staff:all", "staff:agency:<agency_id>")

    def payload(self) -> dict:
        return self.alert

    def to(self) -> list[str]:
        return ["staff:all", f"staff:agency:{self.alert['agency_id']}"]


def slots_room(service_id: int, day: str) -> str:
    return f"booking-slots:{service_id}:{day}"


EVENTS: tuple[type[Event], ...] = (
    TicketCalled,
    QueueChanged,
    TicketPrinted,
    PrintRequested,
    PrintWanted,
    ConfigChanged,
    ComplaintChanged,
    BookingSlotsChanged,
    SessionsEnded,
    ClosureRequestChanged,
    StandardAlert,
)
