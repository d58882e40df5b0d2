"""Screenshots of every page in both languages, with Debian's Chromium (docs/screenshots/).

Usage: python bench/screenshots.py [--out docs/screenshots] [--params "province=420000"]
Starts the app (components.cli serve) on the configured database on a free port, opens each page at
1440 px wide and saves the whole page (Streamlit scrolls its main block: the viewport is made as tall
as the page, up to 7,000 px) as ``<page>-<lang>.png``; then the views inside one province (Hubei:
its cities on the Coverage map, its city × channel table on Funnels, 2026Q4) as
``<page>-hubei-<lang>.png``; and the Overview, Coverage, Investment and Hubei's Funnels on a phone
(390 px wide, touch) as ``<name>-phone-<lang>.png``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import running_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# name -> (path, extra query string)
PAGES = {
    "overview": ("", ""),
    "coverage": ("coverage", ""),
    "investment": ("investment", ""),
    "funnels": ("funnels", ""),
    "reports": ("reports", ""),
    "upkeep": ("upkeep", ""),
    "alerts": ("alerts", ""),
    "coverage-hubei": ("coverage", "province=420000"),
    "funnels-hubei": ("funnels", "province=420000&period=2026Q4"),
}
PHONE = ("overview", "coverage", "investment", "funnels-hubei")
TALLEST = 7000


def settle_and_shoot(page, target: Path, *, width: int) -> None:
    """Wait for the script to finish and the charts to draw, grow the viewport to the page, shoot."""
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
    page.wait_for_timeout(4000)
    height = page.evaluate("() => (document.querySelector('[data-testid=\"stMain\"]') || document.body).scrollHeight")
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, TALLEST)})
    page.wait_for_timeout(2500)  # the map and the charts redraw at the new size
    page.screenshot(path=str(target))
    shrink(target)
    print(target)


def shrink(target: Path) -> None:
    """256 colours, optimised: a page is mostly flat colour, and the repository keeps every retake."""
    from PIL import Image

    with Image.open(target) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(target, optimize=True)


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
            for name, (path, params) in PAGES.items():
                for lang in ("zh", "en"):
                    page = browser.new_page(viewport={"width": 1440, "height": 900})
                    query = "&".join(x for x in (f"lang={lang}", params, args.params) if x)
                    page.goto(f"{base}/{path}?{query}")
                    settle_and_shoot(page, args.out / f"{name}-{lang}.png", width=1440)
                    page.close()
            for name in PHONE:
                path, params = PAGES[name]
                for lang in ("zh", "en"):
                    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
                    page = context.new_page()
                    query = "&".join(x for x in (f"lang={lang}", params, args.params) if x)
                    page.goto(f"{base}/{path}?{query}")
                    settle_and_shoot(page, args.out / f"{name}-phone-{lang}.png", width=390)
                    context.close()
            browser.close()


if __name__ == "__main__":
    main()
