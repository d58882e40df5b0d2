"""Server time of a warm rerun of each page, with and without the per-process view cache.

Usage: python bench/rerun_bench.py [--database-url URL] [--rounds 5]

A rerun with the same filters is what every widget click that changes one view costs the rest of
the page (a segmented control, an expander's table, a map click that is not a province): the
queries are cached already, so what is left is building the views (takeaways, tables, plotly
figures) and Streamlit serialising them. Each page runs in Streamlit's AppTest (the script as the
server runs it, without a browser) on the configured database, once to warm the caches, then
``--rounds`` reruns; the median is printed, with the view cache on and with it bypassed (each
view built on every run, as before issue 24). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("pages/overview.py", "pages/coverage.py", "pages/investment.py", "pages/funnels.py")


def median_rerun_ms(page: str, rounds: int) -> float:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest
    from streamlit.testing.v1 import app_test as app_test_module

    class _V2(PagesManager):  # as tests/app/conftest.py: no v1 pages/ mode under AppTest
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    app_test_module.PagesManager = _V2  # type: ignore[misc]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if page != "pages/overview.py":
        at.switch_page(page)
    at.run()
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].value}")
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    from components.ui import sections

    kept = {page: median_rerun_ms(page, args.rounds) for page in PAGES}
    built_each_time = sections._built.__wrapped__  # type: ignore[attr-defined]
    original = sections._built
    sections._built = lambda *a, **kw: built_each_time(*a, **kw)  # type: ignore[assignment]
    try:
        rebuilt = {page: median_rerun_ms(page, args.rounds) for page in PAGES}
    finally:
        sections._built = original
    print(f"{'page':<12}{'views built each run':>22}{'views kept':>14}")
    for page in PAGES:
        name = Path(page).stem
        print(f"{name:<12}{rebuilt[page]:>19.0f} ms{kept[page]:>11.0f} ms")


if __name__ == "__main__":
    main()
