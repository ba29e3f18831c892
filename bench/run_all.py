"""`make bench`: every bench script with modest defaults; figures written into docs/performance.md.

    .venv/bin/python bench/run_all.py [--full]

--full runs the sizes named in issue 8 (5,000-ticket day); the default day is shorter so the whole
run takes a few minutes. Only the section between the BENCH markers is rewritten; the rest of
docs/performance.md (the hand-written parts, the "Reports" section) stays as it is.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime

import call_latency
import day_sim
import issue_rate
from common import OUT, ROOT, machine

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- BENCH:BEGIN (written by bench/run_all.py) -->", "<!-- BENCH:END -->"


def write_doc(section: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n\n"
    block = f"{BEGIN}\n{section.strip()}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    m = machine()
    results = {"machine": m, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    results["issue_rate"] = issue_rate.run(600)
    print(issue_rate.report(results["issue_rate"]), flush=True)
    results["call_latency"] = call_latency.run(150, 30, 1000, 2)
    print(call_latency.report(results["call_latency"]), flush=True)
    results["day_sim"] = day_sim.run(tickets=5000 if args.full else 1500, minutes=6 if args.full else 2.5, phones=200)
    print(day_sim.report(results["day_sim"]), flush=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
    section = f"""
## Measured figures

Written by `make bench` (`bench/run_all.py{" --full" if args.full else ""}`) at {results["at"]} on commit {commit or "?"}.
Machine: {m["nproc"]} CPUs ({m["cpu"]}), {m["ram_mib"]} MiB RAM, Python {m["python"]}, SQLite {m["sqlite"]}, {m["os"]};
load average when the run started {", ".join(f"{x:.1f}" for x in m["load_avg_at_start"])} (other work on the machine inflates latencies).

### Issuing tickets (`bench/issue_rate.py`)

{issue_rate.report(results["issue_rate"])}

### Call → screen (`bench/call_latency.py`)

{call_latency.report(results["call_latency"])}

### A simulated day (`bench/day_sim.py`)

{day_sim.report(results["day_sim"])}
"""
    write_doc(section)
    print(f"figures written to {DOC}")
    if any(results["day_sim"]["problems"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
