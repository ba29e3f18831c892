"""What a ticket costs as the line grows: in-process issue time with N tickets already waiting in the agency.

    .venv/bin/python bench/line_cost.py [--at 50 300 1000 2000] [--root DIR]

Every issue computes the new ticket's place the way call-next will take the line (loket/tickets.py,
`places_in_line`): the agency's waiting tickets are read and the counters' calls simulated. This
prints the median milliseconds per issue (Flask's test client, no network, counters of the demo MPP)
at each line length, so the cost per waiting ticket shows. `--root DIR` measures another checkout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--at", type=int, nargs="+", default=[50, 300, 1000, 2000])
    parser.add_argument("--sample", type=int, default=50, help="issues timed at each length")
    parser.add_argument("--root", type=Path, default=HERE.parent)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from common import KIOSK, OUT, machine, prepare_db

    # after common, which puts this checkout first on the path: the code measured is --root's
    sys.path.insert(0, str(args.root.resolve()))
    import loket
    from server import create_app

    measured = Path(loket.__file__).resolve().parent.parent
    assert measured == args.root.resolve(), f"measuring {measured}, not {args.root}"

    db = prepare_db(OUT / "line_cost" / "line.db")
    app = create_app({"DATABASE": str(db), "TESTING": False})
    client = app.test_client()
    issued = 0

    def issue() -> float:
        nonlocal issued
        issued += 1
        # one agency (Dukcapil's three services), each ticket from an address of its own (no phone limits)
        where = {"X-Forwarded-For": f"10.{issued // 62500}.{issued // 250 % 250}.{issued % 250}"}
        started = time.perf_counter()
        r = client.post("/api/tickets", json={"service_id": 1 + issued % 3}, headers={**KIOSK, **where})
        took = time.perf_counter() - started
        assert r.status_code == 201, r.get_data(as_text=True)[:200]
        return took

    results = {}
    for target in sorted(args.at):
        while issued < target:
            issue()
        results[target] = round(statistics.median(issue() for _ in range(args.sample)) * 1000, 2)
        print(f"{target:>6} waiting: {results[target]} ms per issue", flush=True)
    print(json.dumps({"root": str(measured), "ms_per_issue": results, "machine": machine()}))


if __name__ == "__main__":
    main()
