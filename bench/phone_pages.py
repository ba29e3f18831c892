"""Phone pages on the MPP's weak Wi-Fi: bytes and time until usable, cold and warm, in headless Chromium.

Chromium's own throttling through CDP: 400 kbit/s down and up, 400 ms round trip, CPU 4× slower,
360×740. "Usable" is the moment the citizen can act: /ambil/ shows its agency cards, /t/<token> is
connected live, /reservasi/ shows its agencies, timed in the page from the start of its navigation.
Medians of --runs, each cold in a new browser context and then warm (the same context, loaded again).
Example:

    .venv/bin/python bench/phone_pages.py --runs 5

Run it alone on a quiet machine; record the figures in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import statistics

import requests
from common import OUT, Server, machine, prepare_db

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PROFILE = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}


def pages(server: Server) -> dict[str, tuple[str, str]]:
    ticket = requests.post(server.url + "/api/phone/tickets", json={"service_id": 1}, timeout=10)
    ticket.raise_for_status()
    token = ticket.json()["ticket"]["token"]
    return {
        "/ambil/": ("/ambil/", "() => document.querySelector('.k-card') !== null"),
        "/t/<token>": (f"/t/{token}", "() => /Terhubung/.test(document.getElementById('live-state')?.textContent || '')"),
        "/reservasi/": ("/reservasi/", "() => document.querySelector('#screen .b-card') !== null"),
    }


# The moment the page first becomes usable, taken in the page itself: its ready test runs on every change
# of the document (a MutationObserver, from the document's creation on) and keeps performance.now(), time
# since the navigation started. Polling from here every 50 ms added up to 50 ms to each figure.
WATCH = """(test) => {
  const check = () => {
    if (window.__usableAt === undefined && test()) window.__usableAt = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  document.addEventListener("DOMContentLoaded", check);
}"""


def load(page, cdp, url: str, ready: str, sizes: dict) -> tuple[float, int]:
    sizes.clear()
    page.goto(url, wait_until="commit")
    try:
        page.wait_for_function("() => window.__usableAt !== undefined", timeout=60_000, polling=100)
    except Exception as err:
        raise RuntimeError(f"{url} never became usable: {page.inner_text('body')[:300]!r}") from err
    usable = page.evaluate("window.__usableAt") / 1000
    page.wait_for_load_state("networkidle")
    return usable, sum(sizes.values())


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server = Server(prepare_db(OUT / "phone" / "bench.db")).start()
    results: dict[str, dict] = {}
    try:
        targets = pages(server)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, (path, ready) in targets.items():
                cold, warm = [], []
                for _ in range(args.runs):
                    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", is_mobile=True, has_touch=True)
                    context.add_init_script(f"({WATCH})({ready})")
                    page = context.new_page()
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.enable")
                    cdp.send("Network.emulateNetworkConditions", PROFILE)
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
                    sizes: dict = {}
                    cdp.on("Network.loadingFinished", lambda e, sizes=sizes: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
                    cold.append(load(page, cdp, server.url + path, ready, sizes))
                    warm.append(load(page, cdp, server.url + path, ready, sizes))
                    context.close()
                results[name] = {
                    "cold_usable_s": round(statistics.median(c[0] for c in cold), 2),
                    "cold_kb": round(statistics.median(c[1] for c in cold) / 1024, 1),
                    "warm_usable_s": round(statistics.median(w[0] for w in warm), 2),
                    "warm_kb": round(statistics.median(w[1] for w in warm) / 1024, 1),
                }
            browser.close()
    finally:
        server.stop()
    print(
        json.dumps(
            {"profile": "400 kbit/s, 400 ms RTT, CPU ×4, 360×740", "runs": args.runs, "pages": results, "machine": machine()}, indent=1
        )
    )


if __name__ == "__main__":
    main()
