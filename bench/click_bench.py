"""The speed of a filter click, with a stopwatch, in Debian's Chromium (not part of the test suite).

Usage: python bench/click_bench.py [--rounds 5] [--page funnels] [--json out.json]
Starts the app (components.cli serve) on the configured database (DATABASE_URL, secrets.toml or
the embedded default) and, per round, opens ``/<page>?province=410000``, then takes three filter
edits in a row in the sidebar — deselecting three channels — and, where the filter bar has an
Apply button, presses it. It reports the time from each click to a settled page (no script run,
no spinner, the DOM quiet for 500 ms; bench/load.py's definition) and from the first click to
the last settled page: what a manager waits for three edits.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import running_app  # noqa: E402
from load import INIT_JS, QUIET_MS, SETTLED_JS  # noqa: E402

CHANNEL_LABELS = {"zh": ("线上", "线下分校", "政府项目")}
APPLY = '[class*="st-key-w_apply"] button'


def settle(page, since: float, timeout_s: float = 120) -> float:
    """Wait for a settled page; seconds from ``since`` (time.time() of the action) to the moment
    the page last changed before it went quiet."""
    page.evaluate("() => { if (window.__lb) { window.__lb.last = Date.now(); window.__lb.busyAt = Date.now(); } }")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rec = page.evaluate(SETTLED_JS, QUIET_MS)
        if rec:
            return round(max(rec["settled"] / 1000 - since, 0.0), 3)
        page.wait_for_timeout(50)
    raise TimeoutError("the page did not settle")


def pill(page, text: str):
    return page.locator('[data-testid="stSidebar"] button').filter(has_text=text).first


def one_round(page, base: str, path: str) -> dict:
    page.goto(f"{base}/{path}?province=410000")
    page.wait_for_selector("h1", timeout=60_000)
    settle(page, time.time())
    clicks = []
    first = time.time()
    for text in CHANNEL_LABELS["zh"]:
        t0 = time.time()
        pill(page, text).click()
        clicks.append(settle(page, t0))
    applied = None
    if page.locator(APPLY).count():
        t0 = time.time()
        page.locator(APPLY).first.click()
        applied = settle(page, t0)
    total = round(t0 + (applied if applied is not None else clicks[-1]) - first, 3)
    shown = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
    return {"clicks_s": clicks, "apply_s": applied, "three_edits_s": total, "scope_line": shown}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--page", default="funnels", choices=("", "coverage", "investment", "funnels"))
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with running_app() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.add_init_script(INIT_JS)
        page = context.new_page()
        one_round(page, base, args.page)  # warm-up: imports, first queries
        rounds = [one_round(page, base, args.page) for _ in range(args.rounds)]
        browser.close()
    clicks = [c for r in rounds for c in r["clicks_s"]]
    totals = [r["three_edits_s"] for r in rounds]
    applies = [r["apply_s"] for r in rounds if r["apply_s"] is not None]
    print(f"page /{args.page}, {args.rounds} rounds of three channel edits (after one warm-up round)")
    print(f"  each click to a settled page: median {statistics.median(clicks):.2f} s, max {max(clicks):.2f} s")
    if applies:
        print(f"  apply to a settled page:      median {statistics.median(applies):.2f} s, max {max(applies):.2f} s")
    waits = [sum(r["clicks_s"]) + (r["apply_s"] or 0) for r in rounds]
    print(
        f"  waiting for three edits (clicks + apply): median {statistics.median(waits):.2f} s, max {max(waits):.2f} s; "
        f"page runs per three edits: {1 if applies else 3}"
    )
    print(
        f"  three edits, first click to the last settled page (with the bench's {QUIET_MS} ms quiet checks): "
        f"median {statistics.median(totals):.2f} s"
    )
    print(f"  scope line after the edits: {rounds[-1]['scope_line']}")
    if args.json:
        args.json.write_text(json.dumps({"page": args.page, "rounds": rounds}, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
