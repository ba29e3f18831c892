"""Report figures against hand-computed values on a small fixed history made by the real queue rules."""

import csv
import io

import pytest

from conftest import login
from loket import reports, tickets

KTP, KK, PASPOR = 1, 2, 5


@pytest.fixture
def history(db, clock):
    """Wednesday 25 Nov 2026, WIB. Minutes are local times after 10:00.

    T1 KTP: issued 10:00, called 10:05, started 10:06, done 10:16.
    T2 KTP: issued 10:00, called 10:16, no-show 10:18.
    T3 KTP: issued 10:02, called 10:20, started 10:21, transferred to Imigrasi PASPOR 10:25;
            called there 10:30, started 10:31, done 10:51.
    T4 KTP: issued 10:03, cancelled 10:04.
    T5 KTP: issued 10:26, called 10:27, transferred to KK (same agency) 10:28; called 10:30 at counter 3, done 10:35.
    T6 PASPOR: issued 10:40, still waiting.
    """
    duk = db.execute("SELECT id FROM users WHERE username = 'petugas.dukcapil'").fetchone()[0]
    imi = db.execute("SELECT id FROM users WHERE username = 'petugas.imigrasi'").fetchone()[0]

    def at(minute):
        clock.set_local(f"2026-11-25T10:{minute:02d}:00")
        return clock()

    for counter, user in ((1, duk), (3, duk), (5, imi)):
        tickets.set_counter_state(db, counter, "open", at(0), user)
    t4 = None
    for minute, service in ((0, KTP), (0, KTP), (2, KTP), (3, KTP)):
        t4 = tickets.issue(db, service, at(minute))
    tickets.cancel(db, t4["token"], at(4))
    tickets.call_next(db, 1, at(5), duk)
    tickets.start(db, 1, at(6), duk)
    tickets.complete(db, 1, at(16), duk)
    tickets.call_next(db, 1, at(16), duk)
    tickets.no_show(db, 1, at(18), duk)
    tickets.call_next(db, 1, at(20), duk)
    tickets.start(db, 1, at(21), duk)
    tickets.transfer(db, 1, PASPOR, at(25), duk)
    tickets.issue(db, KTP, at(26))
    tickets.call_next(db, 1, at(27), duk)
    tickets.transfer(db, 1, KK, at(28), duk)
    called, _ = tickets.call_next(db, 3, at(30), duk)
    assert called["number"] == "A005"
    tickets.complete(db, 3, at(35), duk)
    called, _ = tickets.call_next(db, 5, at(30), imi)
    assert called["number"] == "A003"
    tickets.start(db, 5, at(31), imi)
    tickets.complete(db, 5, at(51), imi)
    tickets.issue(db, PASPOR, at(40))
    clock.set_local("2026-11-25T10:51:00")
    return {"duk": duk, "imi": imi}


def rows_by_id(client, group, **params):
    query = "&".join(f"{k}={v}" for k, v in {"from": "2026-11-25", "to": "2026-11-25", "group": group, **params}.items())
    response = client.get(f"/api/admin/reports/summary?{query}")
    assert response.status_code == 200, response.get_json()
    return {r["id"]: r for r in response.get_json()["rows"]}


def test_service_figures_match_the_hand_computed_history(client, history):
    login(client, "admin")
    rows = rows_by_id(client, "service")
    ktp = rows[KTP]
    assert (ktp["issued"], ktp["served"], ktp["no_show"], ktp["transferred"], ktp["cancelled"]) == (5, 1, 1, 2, 1)
    # waits 5, 16, 18, 1 → sorted 1 5 16 18
    assert (ktp["wait_avg_min"], ktp["wait_median_min"], ktp["wait_p90_min"]) == (10.0, 10.5, 17.4)
    assert (ktp["service_avg_min"], ktp["service_median_min"], ktp["service_p90_min"]) == (10.0, 10.0, 10.0)
    assert ktp["within_promised_pct"] == 100.0
    # KK only received a transfer: nothing issued there, one served after a 2-minute wait from the transfer
    assert (rows[KK]["issued"], rows[KK]["served"], rows[KK]["wait_avg_min"], rows[KK]["service_avg_min"]) == (0, 1, 2.0, 5.0)
    paspor = rows[PASPOR]
    assert (paspor["issued"], paspor["served"], paspor["unfinished"], paspor["wait_avg_min"], paspor["service_avg_min"]) == (
        1,
        1,
        1,
        5.0,
        20.0,
    )
    assert paspor["quota"] == 50 and paspor["quota_use_pct"] == 2.0


def test_a_ticket_counts_once_per_agency_it_visited(client, history):
    login(client, "admin")
    rows = rows_by_id(client, "agency")
    dukcapil, imigrasi = rows[1], rows[2]
    # T5 moved KTP → KK inside Dukcapil: one served ticket for Dukcapil, not a transfer
    assert (dukcapil["issued"], dukcapil["served"], dukcapil["no_show"], dukcapil["transferred"], dukcapil["cancelled"]) == (5, 2, 1, 1, 1)
    # T3 moved Dukcapil → Imigrasi: transferred for Dukcapil, served for Imigrasi
    assert (imigrasi["issued"], imigrasi["served"], imigrasi["unfinished"]) == (1, 1, 1)
    # waits per segment in Dukcapil: 5 16 18 1 2; service times: 10 and 5; the no-show has none
    assert (dukcapil["wait_avg_min"], dukcapil["wait_median_min"], dukcapil["wait_p90_min"]) == (8.4, 5.0, 17.2)
    assert (dukcapil["service_avg_min"], dukcapil["service_median_min"], dukcapil["service_p90_min"]) == (7.5, 7.5, 9.5)


def test_counter_and_officer_figures(client, history):
    login(client, "admin")
    counters = rows_by_id(client, "counter")
    assert (counters[1]["served"], counters[1]["no_show"], counters[1]["transferred"]) == (1, 1, 2)
    assert counters[3]["served"] == 1 and counters[5]["served"] == 1
    officers = rows_by_id(client, "officer")
    assert (officers[history["duk"]]["served"], officers[history["duk"]]["transferred"]) == (2, 2)
    assert officers[history["imi"]]["served"] == 1


def test_heatmap_month_grid_and_live_dashboard(client, history):
    login(client, "admin")
    heat = client.get("/api/admin/reports/heatmap?from=2026-11-25&to=2026-11-25").get_json()
    assert heat["cells"][2][10] == 6 and sum(map(sum, heat["cells"])) == 6  # Wednesday, 10:00–10:59 WIB
    month = client.get("/api/admin/reports/month?month=2026-11").get_json()
    assert len(month["days"]) == 30
    dukcapil = next(r for r in month["rows"] if r["kind"] == "agency" and r["id"] == 1)
    assert dukcapil["days"][24] == 5 and dukcapil["total"] == 5
    live = {r["id"]: r for r in client.get("/api/admin/reports/live").get_json()["rows"]}
    assert (live[2]["waiting"], live[2]["serving"], live[2]["longest_wait_min"]) == (1, 0, 11.0)
    assert live[1]["waiting"] == 0


def test_csv_export_matches_the_json_table(client, history):
    login(client, "admin")
    json_rows = client.get("/api/admin/reports/summary?from=2026-11-25&group=service").get_json()["rows"]
    response = client.get("/api/admin/reports/summary?from=2026-11-25&group=service&format=csv")
    assert response.mimetype == "text/csv"
    parsed = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [int(r["id"]) for r in parsed] == [r["id"] for r in json_rows]
    for text_row, row in zip(parsed, json_rows, strict=True):
        assert text_row["served"] == str(row["served"])
        assert text_row["wait_median_min"] == ("" if row["wait_median_min"] is None else str(row["wait_median_min"]))


def test_supervisor_sees_only_their_agency_and_officers_see_nothing(client, history):
    login(client, "supervisor.dukcapil")
    rows = rows_by_id(client, "service")
    assert set(rows) == {KTP, KK}
    assert client.get("/api/admin/reports/summary?from=2026-11-25&agency_id=2").status_code == 403
    client.post("/api/logout")
    login(client, "petugas.dukcapil")
    assert client.get("/api/admin/reports/summary").status_code == 403
    client.post("/api/logout")
    assert client.get("/api/admin/reports/live").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("from=2026-11-25&to=2026-11-01", "to"),
        ("from=2024-01-01&to=2026-01-01", "to"),
        ("group=zone", "group"),
    ],
)
def test_bad_report_parameters_are_400_with_the_field(client, query, field):
    login(client, "admin")
    response = client.get(f"/api/admin/reports/summary?{query}")
    assert response.status_code == 400
    assert response.get_json()["field"] == field


# ---------------------------------------------------------------- the daily roll-up

DAYS = ("2026-11-23", "2026-11-24", "2026-11-25")  # Monday to Wednesday


def play_day(db, clock, day: str, duk: int, imi: int, extra: int) -> None:
    """One morning by the real queue rules; `extra` minutes vary the times from day to day.

    Dukcapil (counters 1 and 3) and Imigrasi (counter 5): served tickets, a no-show, a cancellation,
    KTP → PASPOR (another agency), KTP → KK (same agency), KTP → PASPOR → KK (back to Dukcapil),
    and tickets left waiting and left called at the end of the day (the next day's first call at
    counter 1 finishes that one).
    """

    def at(minute):
        clock.set_local(f"{day}T09:00:00")
        return clock.advance(minutes=minute)

    for counter, user in ((1, duk), (3, duk), (5, imi)):
        tickets.set_counter_state(db, counter, "open", at(0), user)
    for minute in range(8):
        tickets.issue(db, KTP, at(minute + extra * (minute % 2)))
    cancelled = tickets.issue(db, KTP, at(7))
    tickets.issue(db, PASPOR, at(8))
    tickets.issue(db, KK, at(9 + extra))
    tickets.cancel(db, cancelled["token"], at(10 + extra))
    steps = [
        (1, "serve", 12), (1, "no_show", 20 + extra), (1, "to_paspor", 25), (1, "to_kk", 31 + extra), (1, "to_paspor", 38),
        (5, "serve", 40 + 2 * extra), (5, "to_kk", 55), (5, "serve", 61 + extra), (3, "serve", 64), (3, "serve", 70 + extra),
        (3, "serve", 83), (1, "serve", 90 + 3 * extra), (1, "leave_open", 104),
    ]  # fmt: skip
    for counter, action, minute in steps:
        user = imi if counter == 5 else duk
        called, _ = tickets.call_next(db, counter, at(minute), user)
        if called is None:
            continue
        if action == "serve":
            tickets.start(db, counter, at(minute + 1), user)
            tickets.complete(db, counter, at(minute + 4 + extra), user)
        elif action == "no_show":
            tickets.no_show(db, counter, at(minute + 2), user)
        elif action == "to_paspor":
            tickets.transfer(db, counter, PASPOR, at(minute + 3), user)
        elif action == "to_kk":
            tickets.start(db, counter, at(minute + 1), user)
            tickets.transfer(db, counter, KK, at(minute + 2 + extra), user)
    tickets.issue(db, PASPOR, at(110))


@pytest.fixture
def three_days(db, clock):
    users = {u: db.execute("SELECT id FROM users WHERE username = ?", (u,)).fetchone()[0] for u in ("petugas.dukcapil", "petugas.imigrasi")}
    for extra, day in enumerate(DAYS):
        play_day(db, clock, day, users["petugas.dukcapil"], users["petugas.imigrasi"], extra)
    return users


def rolled_days(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT day FROM report_days ORDER BY day")]


@pytest.mark.parametrize("today", ["2026-11-24", "2026-11-25", "2026-11-26"])
def test_rolled_up_days_give_exactly_the_live_figures(db, three_days, today):
    for group in reports.GROUPS:
        for agency_id in (None, 1, 2):
            live = reports.summary(db, DAYS[0], DAYS[-1], group, agency_id)
            assert reports.summary(db, DAYS[0], DAYS[-1], group, agency_id, today=today) == live, (group, agency_id)
    for agency_id in (None, 1, 2):
        assert reports.heatmap(db, DAYS[0], DAYS[-1], agency_id, today=today) == reports.heatmap(db, DAYS[0], DAYS[-1], agency_id)
        assert reports.month_grid(db, "2026-11", agency_id, today=today) == reports.month_grid(db, "2026-11", agency_id)
    assert rolled_days(db) == [f"2026-11-{d:02d}" for d in range(1, int(today[8:]))]  # the month grid asked from the 1st


def test_the_multi_day_history_counts_transfers_once_per_agency(db, three_days):
    agencies = {r["id"]: r for r in reports.summary(db, DAYS[0], DAYS[-1], "agency", today="2026-11-26")}
    dukcapil, imigrasi = agencies[1], agencies[2]
    # per day at Dukcapil: 9 KTP and 1 KK taken; served 5 (KTP → KK and KTP → PASPOR → KK end served in
    # Dukcapil), 1 no-show, 1 transferred out to Imigrasi, 1 cancelled, KK B001 left waiting, and A008
    # left called: the next morning's first "next" at counter 1 finishes it (served), the last day not
    assert (dukcapil["issued"], dukcapil["served"], dukcapil["no_show"], dukcapil["transferred"]) == (30, 17, 3, 3)
    assert (dukcapil["cancelled"], dukcapil["unfinished"]) == (3, 4)
    # Imigrasi per day: 2 PASPOR taken, 1 of them left waiting; served 2 (one from Dukcapil); the ticket
    # passing through on its way back to KK is a transfer there
    assert (imigrasi["issued"], imigrasi["served"], imigrasi["transferred"], imigrasi["unfinished"]) == (6, 6, 3, 3)
    services = {r["id"]: r for r in reports.summary(db, DAYS[0], DAYS[-1], "service", today="2026-11-26")}
    assert (services[KTP]["transferred"], services[KK]["issued"], services[PASPOR]["transferred"]) == (9, 3, 3)
    assert rolled_days(db) == list(DAYS)


def test_today_is_live_while_yesterday_is_rolled_up(client, db, clock, three_days):
    clock.set_local("2026-11-26T08:00:00")
    login(client, "admin")
    tickets.issue(db, KTP, clock())

    def dukcapil():
        return rows_by_id(client, "agency", **{"from": "2026-11-25", "to": "2026-11-26"})[1]

    assert (dukcapil()["issued"], dukcapil()["unfinished"]) == (11, 3)
    assert rolled_days(db) == ["2026-11-25"]
    assert db.execute("SELECT count(*) FROM report_day_segments WHERE day = '2026-11-26'").fetchone()[0] == 0
    tickets.issue(db, KTP, clock.advance(minutes=1))
    assert (dukcapil()["issued"], dukcapil()["unfinished"]) == (12, 4)  # today moves at once; yesterday stays rolled up
    month = client.get("/api/admin/reports/month?month=2026-11").get_json()
    ktp = next(r for r in month["rows"] if r["kind"] == "service" and r["id"] == KTP)
    assert ktp["days"][22:26] == [9, 9, 9, 2]


def test_a_ticket_finished_the_next_morning_rolls_its_day_up_again(client, db, clock, three_days):
    clock.set_local("2026-11-26T07:30:00")
    login(client, "admin")
    before = rows_by_id(client, "counter", **{"from": "2026-11-25", "to": "2026-11-25"})[1]
    assert rolled_days(db) == ["2026-11-25"]
    # the ticket left called at counter 1 on the 25th: "next" in the morning finishes it
    _called, finished = tickets.call_next(db, 1, clock(), three_days["petugas.dukcapil"])
    assert finished["issued_on"] == "2026-11-25"
    after = rows_by_id(client, "counter", **{"from": "2026-11-25", "to": "2026-11-25"})[1]
    assert (after["served"], after["unfinished"]) == (before["served"] + 1, before["unfinished"] - 1)
    assert after["service_p90_min"] > before["service_p90_min"]  # a night at the counter
    assert reports.summary(db, "2026-11-25", "2026-11-25", "counter") == reports.summary(
        db, "2026-11-25", "2026-11-25", "counter", today="2026-11-26"
    )


def test_the_rollup_command_rolls_up_finished_days_only(app, db, clock, three_days):
    clock.set_local("2026-11-25T16:00:00")
    result = app.test_cli_runner().invoke(args=["rollup"])
    assert result.exit_code == 0, result.output
    assert "2 hari" in result.output and rolled_days(db) == list(DAYS[:2])
    assert "0 hari" in app.test_cli_runner().invoke(args=["rollup"]).output
    assert "2 hari" in app.test_cli_runner().invoke(args=["rollup", "--rebuild"]).output
