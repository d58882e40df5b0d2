"""Example briefing packs for docs/examples/: one from the command line, one from the Reports page.

Usage: python bench/examples.py   (uses the configured database; needs Debian chromium)
The page pack is built by a real browser: open the Reports page (all sections, East China,
English), click build, download the PPTX. Both are also rendered to PNG pages (LibreOffice + pdftoppm) for a look.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import running_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "examples"
SECTIONS = ["kpis", "coverage_map", "spend", "funnel", "channels"]


def cli_pack() -> None:
    for suffix in ("pptx", "pdf"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "components.cli",
                "report",
                "--province",
                "420000",
                "--province",
                "410000",
                "--lang",
                "zh",
                "--sections",
                ",".join(SECTIONS),
                "--out",
                str(OUT / f"cli-henan-hubei-zh.{suffix}"),
            ],
            cwd=ROOT,
            check=True,
        )


def page_pack() -> None:
    with running_app() as base:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            page = browser.new_page(viewport={"width": 1440, "height": 1400}, accept_downloads=True)
            page.goto(f"{base}/reports?lang=en&region=east")
            page.wait_for_selector("h1", timeout=60_000)
            page.wait_for_timeout(3000)
            page.get_by_role("button", name="Build PPTX and PDF").wait_for(timeout=60_000)
            page.get_by_role("button", name="Build PPTX and PDF").click()
            pptx = page.locator("[data-testid=stDownloadButton] button").filter(has_text="PPTX")
            pptx.wait_for(timeout=120_000)
            with page.expect_download() as d:
                pptx.click()
            d.value.save_as(OUT / "page-east-china-en.pptx")
            page.screenshot(path=str(OUT / "reports-page-en.png"))
            browser.close()


def pngs() -> None:
    look = OUT / "pages"
    look.mkdir(exist_ok=True)
    for deck in OUT.glob("*.pptx"):
        subprocess.run(
            ["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", "/tmp/examples-pdf", str(deck)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        pdf = Path("/tmp/examples-pdf") / f"{deck.stem}.pdf"
        subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(look / deck.stem)], check=True)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    cli_pack()
    page_pack()
    if "--no-png" not in sys.argv:
        pngs()
    for f in sorted(OUT.rglob("*")):
        if f.is_file():
            print(f.relative_to(ROOT), f"{f.stat().st_size // 1024} KB")
