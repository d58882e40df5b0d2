"""Screenshots of every page in both languages, with Debian's Chromium (docs/screenshots/).

Usage: python bench/screenshots.py [--out docs/screenshots] [--params "province=420000"] [--ask-only]
Starts the app (components.cli serve) on the configured database on a free port, opens each page at
1440 px wide and saves the whole page (Streamlit scrolls its main block: the viewport is made as tall
as the page, up to 7,000 px) as ``<page>-<lang>.png``; then the views inside one province (Hubei:
its cities on the Coverage map, its city × channel table on Funnels, 2026Q4) as
``<page>-hubei-<lang>.png``; and the Overview, Coverage, Investment and Hubei's Funnels on a phone
(390 px wide, touch) as ``<name>-phone-<lang>.png``; then ten questions typed into the box
(docs/ASK.md), each on a laptop (the box and its answer: ``ask-<n>.png``) and on a phone (the first
screen: ``ask-<n>-phone.png``). Not part of the test suite.
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
QUESTIONS = (
    "河南今年报名多少，比去年呢？",
    "哪个大区线索增长最快",
    "汉口学院的项目付了多少",
    "which channel converts best in Hubei this quarter",
    "湖北各市线索",
    "近三个月线上退费",
    "退费最多的三个省",
    "长沙的线索",
    "胡北报明多少",
    "top 5 provinces by leads growth",
)
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


def ask_and_shoot(page, question: str, target: Path, *, phone: bool) -> None:
    """Type ``question`` into the box, wait for the answer, shoot the box and the answer (laptop) or
    the first screen (phone)."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
    box = page.locator(".st-key-ask_box input")
    box.fill(question)
    box.press("Enter")
    page.locator(".st-key-ask_answer").wait_for(timeout=120_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
    page.wait_for_timeout(2500)
    if phone:
        page.screenshot(path=str(target))
    else:
        top = page.locator(".st-key-ask_box").bounding_box()
        bottom = page.locator(".st-key-ask_answer").bounding_box()
        assert top is not None and bottom is not None
        page.screenshot(
            path=str(target),
            clip={
                "x": top["x"] - 16,
                "y": top["y"] - 16,
                "width": top["width"] + 32,
                "height": bottom["y"] + bottom["height"] - top["y"] + 32,
            },
        )
    shrink(target)
    print(target)


def shoot_questions(browser, base: str, out: Path) -> None:
    for n, question in enumerate(QUESTIONS, start=1):
        lang = "en" if question.isascii() else "zh"
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base}/?lang={lang}")
        ask_and_shoot(page, question, out / f"ask-{n:02d}.png", phone=False)
        page.close()
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.goto(f"{base}/?lang={lang}")
        ask_and_shoot(page, question, out / f"ask-{n:02d}-phone.png", phone=True)
        context.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--params", default="", help="extra query string, e.g. province=420000")
    ap.add_argument("--ask-only", action="store_true", help="only the question box's ten answers")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with running_app() as base:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            shoot_questions(browser, base, args.out)
            if args.ask_only:
                browser.close()
                return
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
