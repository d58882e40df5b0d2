"""The first page after a server start against a warm page (issue 24, goal 2: first <= 1.5 x warm).

Usage: python bench/first_page_bench.py [--rounds 2]

Each round starts the app (components.cli serve, the configured database) on a free port, waits
until it reports healthy, opens the Overview in Debian's Chromium at 1,440 px and times until the
script has finished and a chart is drawn; then the same in a new tab (the server warm). Not part
of the test suite.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import running_app  # noqa: E402

DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def settle(page, url: str) -> float:
    t0 = time.time()
    page.goto(url)
    page.wait_for_selector("h1", timeout=120_000)
    page.wait_for_selector(DONE, timeout=120_000)
    page.locator('[data-testid="stPlotlyChart"]').filter(visible=True).first.wait_for(timeout=120_000)
    return time.time() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        for rnd in range(args.rounds):
            with running_app() as base:
                times = []
                for _ in range(2):
                    page = browser.new_page(viewport={"width": 1440, "height": 900})
                    times.append(settle(page, base + "/"))
                    page.close()
            print(f"round {rnd}: first page {times[0]:.2f} s, warm (new tab) {times[1]:.2f} s, ratio {times[0] / times[1]:.2f}")
        browser.close()


if __name__ == "__main__":
    main()
