"""Screenshots of every page in both languages, with Debian's Chromium (docs/screenshots/).

Usage: python bench/screenshots.py [--out docs/screenshots] [--params "province=420000"]
Starts the app (components.cli serve) on the configured database on a free port, opens each page at
1440 px wide and saves ``<page>-<lang>.png``, and the Overview and Coverage on a phone (390 px wide,
touch; a tall viewport, since Streamlit scrolls its main block) as ``<page>-phone-zh.png``. Not part
of the test suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import running_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "overview": ("", 2000),
    "coverage": ("coverage", 1900),
    "investment": ("investment", 2500),
    "funnels": ("funnels", 3000),
    "reports": ("reports", 1500),
    "upkeep": ("upkeep", 1100),
    "alerts": ("alerts", 1400),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--params", default="", help="extra query string, e.g. province=420000")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with running_app() as base:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            for name, (path, height) in PAGES.items():
                for lang in ("zh", "en"):
                    page = browser.new_page(viewport={"width": 1440, "height": height})
                    query = "&".join(x for x in (f"lang={lang}", args.params) if x)
                    page.goto(f"{base}/{path}?{query}")
                    page.wait_for_selector("h1", timeout=60_000)
                    page.wait_for_timeout(8000 if name == "coverage" else 4000)
                    target = args.out / f"{name}-{lang}.png"
                    page.screenshot(path=str(target))
                    print(target)
                    page.close()
            for name in ("overview", "coverage"):
                path, _ = PAGES[name]
                context = browser.new_context(viewport={"width": 390, "height": 2600}, is_mobile=True, has_touch=True)
                page = context.new_page()
                page.goto(f"{base}/{path}?{args.params}")
                page.wait_for_selector("h1", timeout=60_000)
                page.wait_for_timeout(8000 if name == "coverage" else 5000)
                target = args.out / f"{name}-phone-zh.png"
                page.screenshot(path=str(target))
                print(target)
                context.close()
            browser.close()


if __name__ == "__main__":
    main()
