from test_reports import *  # noqa
def test_trace(db, three_days):
    for d in DAYS:
        print(d, [(r["number"], r["status"], r["service_id"], r["counter_id"]) for r in db.query("SELECT * FROM tickets WHERE issued_on=? ORDER BY id", (d,))])
