"""JSON shapes of tickets, counters and agencies as screens and the API see them.

Serializers are pure functions over rows already loaded. `Loaded` fetches what a request or a
broadcast needs with a few set-based statements and keeps it for the rest of that request, so a
list of fifty tickets costs the same few statements as one ticket.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from sqlite_utils import Database

from . import tickets
from .db import rows, settings
from .i18n import DEFAULT_LANGUAGE, current_language
from .priority import PRIORITY_REASONS
from .speech import announcement, short_announcement
from .timeutil import iso, local_day

# Never leave the server for a public room: the token is the key to a citizen's ticket page.
PRIVATE_FIELDS = ("token", "status_url", "officer_id", "priority_granted_by", "kiosk_id", "print_error", "booking_code")


def public_base_url() -> str:
    """Where phones reach this server: LOKET_PUBLIC_URL on a LAN behind a proxy, else the request's host."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return ""


COUNTERS_SQL = (
    "SELECT c.*, coalesce(nullif(u.full_name, ''), u.username) AS officer_name, r.label AS reason_label, r.label_en AS reason_label_en,"
    " (SELECT group_concat(service_id) FROM (SELECT service_id FROM counter_services WHERE counter_id = c.id ORDER BY service_id))"
    " AS service_list FROM counters c LEFT JOIN users u ON u.id = c.officer_id LEFT JOIN counter_reasons r ON r.code = c.pause_reason"
)


# Up to this many tickets of one agency are placed by counting (one statement, a column each); more,
# and reading the agency's line once is cheaper (a phone page's place pushes). Counting is a statement
# per agency: for more agencies than FEW_AGENCIES (a screen's snapshot of the whole MPP) one read of
# all their lines is one statement, unless the Loaded counts any number (a broadcast).
FEW_ASKED = 3
FEW_AGENCIES = 3


class Loaded:
    """What serializers need, fetched once: settings, services with their agency, counters, stats."""

    def __init__(
        self, db: Database, now: datetime, base_url: str | None = None, lang: str | None = None, count_agencies: int | None = FEW_AGENCIES
    ) -> None:
        self.db = db
        self.now = now
        # Up to how many agencies' places are counted (tickets.counted_places), None: any number. A
        # broadcast counts every agency it can (time); a whole-MPP snapshot reads all lines at once.
        self.count_agencies = count_agencies
        # The ticket link opens in the language the ticket was taken in (an English kiosk's QR, /ambil/?lang=en).
        self.lang = lang or current_language()
        self._settings: dict | None = None
        self._services: dict[int, dict] = {}
        self._all_services = False
        self._counters: dict[int, dict] = {}
        self._all_counters = False
        self._stats: dict[int, dict] = {}
        self._current: dict[int, dict | None] = {}
        self._codes: dict[int, str | None] = {}
        self._lines: dict[int, tickets.Line] = {}
        self._base_url = base_url

    @property
    def settings(self) -> dict:
        if self._settings is None:
            self._settings = settings(self.db)
        return self._settings

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            self._base_url = public_base_url()
        return self._base_url

    def services(self, ids: list[int] | None = None) -> dict[int, dict]:
        """Service rows (with agency fields and today's issuing rules) by id; None = all of them."""
        if ids is None:
            if not self._all_services:
                self._services.update(tickets.service_rows(self.db, self.now, self.settings["timezone"]))
                self._all_services = True
            return self._services
        missing = [i for i in set(ids) if i is not None and i not in self._services]
        if missing and not self._all_services:
            self._services.update(tickets.service_rows(self.db, self.now, self.settings["timezone"], missing))
        return self._services

    def service(self, service_id: int) -> dict:
        return self.services([service_id]).get(service_id) or {}

    def counters(self, ids: list[int] | None = None) -> dict[int, dict]:
        """Counter rows with their officer's name and the services they serve."""
        if ids is None:
            if not self._all_counters:
                self._counters.update({c["id"]: c for c in rows(self.db, COUNTERS_SQL + " ORDER BY c.agency_id, c.number, c.id")})
                self._all_counters = True
            return self._counters
        missing = [i for i in set(ids) if i is not None and i not in self._counters]
        if missing and not self._all_counters:
            marks = ",".join(str(int(i)) for i in missing)
            self._counters.update({c["id"]: c for c in rows(self.db, COUNTERS_SQL + f" WHERE c.id IN ({marks})")})
        return self._counters

    def counter(self, counter_id: int | None) -> dict:
        if counter_id is None:
            return {}
        return self.counters([counter_id]).get(counter_id) or {}

    def stats(self, ids: list[int] | None = None) -> dict[int, dict]:
        wanted = None if ids is None else [i for i in set(ids) if i not in self._stats]
        if wanted is None or wanted:
            self._stats.update(tickets.service_stats(self.db, self.now, wanted, self.settings))
        return self._stats

    def lines(self, agency_ids: set[int]) -> dict[int, tickets.Line]:
        """Each agency's counters and waiting tickets (`tickets.load_lines`), one statement for the missing ones."""
        missing = {int(a) for a in agency_ids if a is not None and a not in self._lines}
        if missing:
            self._lines.update(tickets.load_lines(self.db, missing, self.now, self.settings))
        return self._lines

    def new_ticket_places(self, service_ids: list[int]) -> dict[int, tickets.Place]:
        """Where a ticket taken now would stand in each service's line: counted in SQL where the agency's
        counters allow (`tickets.counted_places`), else by playing its line."""
        services = [s for s in (self.service(i) for i in service_ids) if s]
        places: dict[int, tickets.Place] = {}
        played = []
        agencies = sorted({s["agency_id"] for s in services})
        for agency in agencies:
            wanted = frozenset(s["id"] for s in services if s["agency_id"] == agency)
            found = self._counted(agency, [], wanted, len(agencies))
            if found is None:
                played += [s for s in services if s["agency_id"] == agency]
            else:
                places.update({-key: place for key, place in found.items()})
        if played:
            lines = self.lines({s["agency_id"] for s in played})
            places.update(tickets.new_ticket_places(lines, played, self.now, self.settings))
        return places

    def _counted(self, agency: int, asked: list[dict], newcomers: frozenset[int], agencies: int) -> dict[int, tickets.Place] | None:
        """`tickets.counted_places` of one of `agencies` agencies asked about, unless its line is read
        already or there are more agencies than this Loaded counts (None: the caller plays the line)."""
        if agency in self._lines or (self.count_agencies is not None and agencies > self.count_agencies):
            return None
        return tickets.counted_places(self.db, agency, asked, newcomers, self.now, self.settings)

    def places(self, waiting: list[dict]) -> dict[int, tickets.Place]:
        """Each waiting ticket's place (`tickets.places_in_line`): for an agency asked about a few tickets,
        counted in SQL where its counters allow (`tickets.counted_places`); else from its line read once."""
        today = local_day(self.now, self.settings["timezone"])
        asked: dict[int, list[dict]] = {}
        for ticket in waiting:
            if ticket["status"] == "waiting" and ticket["issued_on"] == today:
                asked.setdefault(ticket["agency_id"], []).append(ticket)
        places: dict[int, tickets.Place] = {}
        played = []
        for agency, group in sorted(asked.items()):
            found = self._counted(agency, group, frozenset(), len(asked)) if len(group) <= FEW_ASKED else None
            if found is None:
                played += group
            else:
                places.update(found)
        if played:
            lines = self.lines({t["agency_id"] for t in played})
            places.update(tickets.places_in_line(self.db, played, self.now, self.settings, lines))
        return places

    def current(self, counter_ids: list[int]) -> dict[int, dict | None]:
        missing = [i for i in counter_ids if i not in self._current]
        if missing:
            found = tickets.current_tickets(self.db, missing)
            self._current.update({i: found.get(i) for i in missing})
        return self._current

    def booking_code(self, ticket: dict) -> str | None:
        """The booking code of a checked-in booking's ticket (a statement only for tickets of source "booking")."""
        if ticket.get("source") != "booking":
            return None
        if ticket["id"] not in self._codes:
            self.booking_codes([ticket["id"]])
        return self._codes.get(ticket["id"])

    def booking_codes(self, ticket_ids: list[int]) -> None:
        wanted = [int(i) for i in ticket_ids if i not in self._codes]
        if wanted:
            found = dict(self.db.conn.execute(f"SELECT ticket_id, code FROM bookings WHERE ticket_id IN ({','.join(map(str, wanted))})"))
            self._codes.update({i: found.get(i) for i in wanted})


def ticket_json(db: Database, ticket: dict, now: datetime, *, private: bool = True, loaded: Loaded | None = None) -> dict:
    """The ticket as the API documents it; `private=False` strips what only its holder may see."""
    return tickets_json(db, [ticket], now, private=private, loaded=loaded)[0]


def tickets_json(db: Database, found: list[dict], now: datetime, *, private: bool = False, loaded: Loaded | None = None) -> list[dict]:
    """Many tickets, labels and stats loaded once; "ahead" from each ticket's place in the line call-next takes."""
    loaded = loaded or Loaded(db, now)
    loaded.services([t["service_id"] for t in found])
    loaded.counters([t["counter_id"] for t in found if t["counter_id"] and t["status"] in tickets.OPEN_STATUSES])
    waiting = [t for t in found if t["status"] == "waiting"]
    stats = loaded.stats(sorted({t["service_id"] for t in waiting})) if waiting else {}
    places = loaded.places(waiting) if waiting else {}
    loaded.booking_codes([t["id"] for t in found if t.get("source") == "booking"])
    return [ticket_data(t, loaded, places.get(t["id"]), stats.get(t["service_id"]), private=private) for t in found]


def place_fields(ticket: dict, place: tickets.Place | None, stat: dict | None, now: datetime) -> dict:
    """What a ticket's holder reads of its place: the ticket's `ahead`, `estimated_wait_minutes`,
    `open_counters` and `called_around` (the `ticket_place` message is these with the status)."""
    waiting = ticket["status"] == "waiting"
    place = place if waiting else None
    ahead = place.ahead if place else 0
    estimate = tickets.estimate_minutes(stat, ahead, place.open_counters) if place and stat else None
    return {
        "ahead": ahead,
        "estimated_wait_minutes": estimate,
        "open_counters": place.open_counters if place else None,
        "called_around": called_around(ticket, estimate, now) if waiting else None,
    }


def ticket_data(ticket: dict, loaded: Loaded, place: tickets.Place | None, stat: dict | None, *, private: bool = True) -> dict:
    where = place_fields(ticket, place, stat, loaded.now)
    service = loaded.service(ticket["service_id"])
    at_counter = ticket["status"] in tickets.OPEN_STATUSES
    counter = loaded.counter(ticket["counter_id"]) if at_counter else {}
    data = {
        "id": ticket["id"],
        "token": ticket["token"],
        "number": ticket["number"],
        "service_id": ticket["service_id"],
        "agency_id": ticket["agency_id"],
        "service": service.get("name"),
        "service_en": service.get("name_en") or "",
        "agency": service.get("agency_name"),
        "agency_color": service.get("agency_color"),
        "priority": bool(ticket["priority"]),
        "priority_reason": ticket["priority_reason"],
        "status": ticket["status"],
        "held": bool(ticket["held"]),
        "ahead": where["ahead"],
        "issued_on": ticket["issued_on"],
        "issued_at": ticket["issued_at"],
        "called_at": ticket["called_at"],
        "started_at": ticket["started_at"],
        "finished_at": ticket["finished_at"],
        "call_count": ticket["call_count"],
        "counter_id": ticket["counter_id"] if at_counter else None,
        "counter": counter.get("name"),
        "counter_number": counter.get("number"),
        "transfer_count": ticket["transfer_count"],
        "transfer_note": ticket["transfer_note"],
        "estimated_wait_minutes": where["estimated_wait_minutes"],
        "open_counters": where["open_counters"],
        "called_around": where["called_around"],
        "printed": None if ticket["printed"] is None else bool(ticket["printed"]),
        "source": ticket["source"],
        "booking_code": loaded.booking_code(ticket),
        "status_url": status_url(loaded.base_url, ticket["token"], loaded.lang),
    }
    return data if private else public(data)


def called_around(ticket: dict, estimate: int | None, now: datetime) -> str | None:
    """A checked-in booking whose slot is still ahead: walk-ins until then go first, so the honest
    answer is a time (the slot, or later when the line is longer), not a count."""
    if ticket["source"] != "booking" or not ticket["queued_at"] or ticket["queued_at"] <= iso(now):
        return None
    if estimate is None:
        return ticket["queued_at"]
    return max(ticket["queued_at"], iso(now + timedelta(minutes=estimate)))


def status_url(base_url: str, token: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The ticket page's address; a ticket taken in English carries ?lang=en, so its page opens in English."""
    return f"{base_url}/t/{token}" + ("" if lang == DEFAULT_LANGUAGE else f"?lang={lang}")


def public(ticket: dict) -> dict:
    """A ticket's JSON without what only its holder may see."""
    return {k: v for k, v in ticket.items() if k not in PRIVATE_FIELDS}


def counter_json(db: Database, counter: dict, now: datetime, loaded: Loaded | None = None) -> dict:
    """A counter with its current ticket; `counter` may be a bare row (its state is taken from it)."""
    loaded = loaded or Loaded(db, now)
    full = {**loaded.counter(counter["id"]), **counter}
    current = loaded.current([counter["id"]]).get(counter["id"])
    return counter_data(full, current, loaded)


def counter_data(counter: dict, current: dict | None, loaded: Loaded) -> dict:
    service_list = counter.get("service_list")
    return {
        "id": counter["id"],
        "name": counter["name"],
        "number": counter["number"],
        "agency_id": counter["agency_id"],
        "zone": counter["zone"],
        "service_ids": [int(i) for i in service_list.split(",")] if service_list else [],
        "state": counter["state"],
        "officer": counter.get("officer_name") if counter.get("officer_id") else None,
        "current_ticket": ticket_data(current, loaded, None, None, private=False) if current else None,
        **reason_data(counter),
    }


def reason_data(counter: dict) -> dict:
    """Why a paused or closed counter is so, and when it is expected back (issue 24); all null when open."""
    reason = counter.get("pause_reason") if counter.get("state") != "open" else None
    label = counter.get("reason_label") or reason
    return {
        "reason": reason,
        "reason_label": label,
        "reason_label_en": (counter.get("reason_label_en") or label) if reason else None,
        "reason_note": (counter.get("pause_note") or "") if reason else "",
        "until": counter.get("pause_until") if reason else None,
        "closed_for_day": bool(counter.get("closed_for_day")) if reason else False,
    }


def counters_json(db: Database, now: datetime, agency_id: int | None = None, loaded: Loaded | None = None) -> list[dict]:
    loaded = loaded or Loaded(db, now)
    found = [c for c in loaded.counters().values() if agency_id is None or c["agency_id"] == agency_id]
    current = loaded.current([c["id"] for c in found])
    loaded.services([t["service_id"] for t in current.values() if t])
    return [counter_data(c, current.get(c["id"]), loaded) for c in found]


AGENCIES_SQL = (
    "SELECT id, code, name, color, zone, sort_order, active, maklumat, maklumat_signer, short_code,"
    " CASE WHEN logo = '' THEN NULL ELSE length(logo) || '-' || hex(substr(logo, -6)) END AS logo_version FROM agencies"
)


def agencies_json(
    db: Database, now: datetime, agency_ids: list[int] | None = None, include_inactive: bool = False, loaded: Loaded | None = None
) -> list[dict]:
    """Agencies with their services, each with live waiting counts, open state and estimate."""
    loaded = loaded or Loaded(db, now)
    tz = loaded.settings["timezone"]
    services = loaded.services()
    stats = loaded.stats()
    places = loaded.new_ticket_places([s["id"] for s in services.values() if include_inactive or s["active"]])
    where = "" if include_inactive else " WHERE active = 1"
    by_agency: dict[int, list[dict]] = {}
    for s in sorted(services.values(), key=lambda r: (r["sort_order"], r["name"])):
        if include_inactive or s["active"]:
            by_agency.setdefault(s["agency_id"], []).append(s)
    out = []
    for agency in rows(db, AGENCIES_SQL + where + " ORDER BY sort_order, name"):
        if agency_ids and agency["id"] not in agency_ids:
            continue
        listed = [
            service_data(s, stats.get(s["id"]), tickets.refusal(s, now, tz), places.get(s["id"])) for s in by_agency.get(agency["id"], [])
        ]
        out.append(
            {
                "id": agency["id"],
                "code": agency["code"],
                "name": agency["name"],
                "color": agency["color"],
                "zone": agency["zone"],
                "short_code": agency.get("short_code") or "",
                # the logo itself stays in the database: its length and tail are enough to version its URL
                "logo_url": f"/api/agencies/{agency['id']}/logo?v={agency['logo_version']}" if agency.get("logo_version") else "",
                "maklumat": agency["maklumat"],
                "maklumat_signer": agency["maklumat_signer"],
                "waiting": sum(s["waiting"] for s in listed),
                "services": listed,
            }
        )
    return out


# What a service's card shows that changes while a screen is open (a ticket issued or called, a counter
# opened, the hour passing a break): the snapshot and every `queue_changed` send exactly this, so a screen
# merges an update into its service whole. The rest of `service_data` (names, the standard) changes only
# with configuration, which sends `config_changed` and a fresh snapshot: it stays out of the broadcast
# every screen receives.
LIVE_SERVICE_FIELDS = (
    "id",
    "open",
    "closed_reason",
    "closed_message",
    "closed_detail",
    "waiting",
    "quota",
    "issued_today",
    "quota_left",
    "open_counters",
    "ahead",
    "estimated_wait_minutes",
)


def service_live(s: dict, stat: dict | None, refusal, place: tickets.Place | None = None) -> dict:
    """The service's live figures and open state, one shape for the snapshot and `queue_changed`."""
    stat = stat or {"waiting": 0, "issued_today": 0, "open_counters": 0, "avg_service_minutes": s["default_service_minutes"]}
    return {
        "id": s["id"],
        "open": refusal is None,
        "closed_reason": refusal.code if refusal else None,
        "closed_message": refusal.message(current_language()) if refusal else None,
        "closed_detail": closed_detail(s, refusal),
        "waiting": stat["waiting"],
        "quota": s["daily_quota"],
        "issued_today": stat["issued_today"],
        "quota_left": None if s["daily_quota"] is None else max(s["daily_quota"] - stat["issued_today"] - stat.get("held", 0), 0),
        "open_counters": stat["open_counters"],
        **new_ticket_wait(stat, place),
    }


def service_data(s: dict, stat: dict | None, refusal, place: tickets.Place | None = None) -> dict:
    """A service as `GET /api/agencies` and the snapshots list it: its configuration and `service_live`."""
    return {
        "id": s["id"],
        "code": s["code"],
        "name": s["name"],
        "name_en": s.get("name_en") or "",
        "short_name": s.get("short_name") or s["name"],
        "prefix": s["prefix"],
        **service_live(s, stat, refusal, place),
        "booking_enabled": bool(s.get("booking_enabled")),
        "requires_open_counter": bool(s.get("requires_open_counter")),
        "standard": {
            "requirements": s["requirements"],
            "requirements_en": s.get("requirements_en") or "",
            "procedure": s["procedure"],
            "procedure_en": s.get("procedure_en") or "",
            "completion_time": s["completion_time"],
            "fee": s["fee"],
            "product": s["product"],
            "complaint_channel": s["complaint_channel"],
            "sk_number": s["sk_number"],
        },
    }


def new_ticket_wait(stat: dict, place: tickets.Place | None) -> dict:
    """`ahead`: the calls a ticket taken now would wait for (every service its counters call, as
    call-next takes them); the estimate from it, null while no counter that serves it is open."""
    ahead = place.ahead if place else stat["waiting"]
    counters = place.open_counters if place else stat["open_counters"]
    return {"ahead": ahead, "estimated_wait_minutes": tickets.estimate_minutes(stat, ahead, counters)}


def closed_detail(service: dict, refusal) -> dict | None:
    """What a screen needs to word a refusal itself, in its own language: today's hours ("08:00–15:00",
    None when the service has none today), the closure's reason as the admin wrote it (None: a holiday
    with no reason given), the issuing cutoff, the break's label and end."""
    if refusal is None:
        return None
    opens, closes = service.get("rule_opens"), service.get("rule_closes")
    params = refusal.params
    return {
        "hours": f"{opens}–{closes}" if opens else None,
        "reason": service.get("rule_closed") or None,
        "cutoff": params.get("cutoff"),
        "label": params.get("label"),
        "until": params.get("until"),
    }


def called_event(db: Database, ticket: dict, now: datetime, recall: bool, loaded: Loaded | None = None) -> dict:
    """The `ticket_called` payload, with the Indonesian sentence the lobby speaks."""
    loaded = loaded or Loaded(db, now)
    service = loaded.service(ticket["service_id"])
    counter = loaded.counter(ticket["counter_id"])
    return {
        "ticket_id": ticket["id"],
        "number": ticket["number"],
        "counter_id": ticket["counter_id"],
        "counter": counter.get("name"),
        "counter_number": counter.get("number"),
        "agency_id": ticket["agency_id"],
        "agency": service.get("agency_name"),
        "service_id": ticket["service_id"],
        "service": service.get("name"),
        "service_en": service.get("name_en") or "",
        "service_short_name": service.get("short_name") or service.get("name"),
        "priority": bool(ticket["priority"]),
        "recall": recall,
        "call_count": ticket["call_count"],
        "called_at": ticket["called_at"],
        "announced_at": iso(now),
        "announcement": announcement(ticket["number"], counter.get("number") or 0, loaded.settings["number_reading"]),
        "announcement_short": short_announcement(ticket["number"], counter.get("number") or 0, loaded.settings["number_reading"]),
    }


def mpp_json(db: Database, conf: dict | None = None) -> dict:
    conf = conf or settings(db)
    return {
        "name": conf["mpp_name"],
        "address": conf["mpp_address"],
        "logo_url": conf["mpp_logo_url"],
        "timezone": conf["timezone"],
        "self_priority": conf["self_priority"] == "1",
        "phone_tickets": conf["phone_tickets"] == "1",
        "number_reading": conf["number_reading"],
        "announcement_repeat": int(conf["announcement_repeat"] or 1),
        "ticket_header": conf["ticket_header"],
        "ticket_footer": conf["ticket_footer"],
        # the one table of priority reasons (loket/priority.py): catalog texts the screens translate with t()
        "priority_reasons": PRIORITY_REASONS,
    }


def lobby_counters(data: dict, conf: dict) -> dict:
    """What a public room may know of counters: the counter, its state and reason, not who works there
    (unless the MPP opts in with `public_officer_names`) nor the officer's own note."""
    if not data.get("counters"):
        return data
    if conf.get("public_officer_names") == "1":
        return {**data, "counters": [{**c, "reason_note": ""} for c in data["counters"]]}
    return {**data, "counters": [{**c, "officer": None, "reason_note": ""} for c in data["counters"]]}
