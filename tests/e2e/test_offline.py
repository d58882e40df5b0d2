"""Offline-safe: with every request that leaves the machine blocked, each page (and its favicon,
fonts, icons and map) loads from the app alone — nothing is fetched from the internet."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from components.i18n import t
from tests.e2e.test_browser import choose_interactive_map

PAGES = {
    "overview": "",
    "coverage": "coverage",
    "investment": "investment",
    "funnels": "funnels",
    "reports": "reports",
    "upkeep": "upkeep",
    "alerts": "alerts",
}
TITLES = {"alerts": "subs.title"}  # the page's title key, when it is not "<name>.title"
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


@pytest.fixture
def offline_page(browser):
    """A page whose requests to anything but loopback are aborted and recorded."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    blocked: list[str] = []

    def route(r):
        url = r.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in LOOPBACK:
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda req: failed.append(f"{req.url} ({req.failure})"))
    yield page, blocked, failed
    context.close()


@pytest.mark.parametrize("name", PAGES)
def test_no_page_fetches_anything_from_the_internet(offline_page, server, name):
    page, blocked, failed = offline_page
    page.goto(f"{server}/{PAGES[name]}?province=420000")
    page.wait_for_selector("h1", timeout=30_000)
    page.wait_for_timeout(4000 if name == "coverage" else 2500)  # charts, map tiles (none), icons, favicon
    assert page.locator("h1").first.inner_text().strip() == t(TITLES.get(name, f"{name}.title"), "zh")
    body = page.inner_text("body")
    assert "TypeError" not in body and "Traceback" not in body
    if name == "coverage":  # the map itself drew (a table also draws on a canvas: look inside the deck)
        # This Chromium draws WebGL in software: the static map first, the interactive one on request.
        choose_interactive_map(page)
        page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=30_000)
    assert blocked == [], f"requests to the internet: {blocked}"
    # A request that failed on loopback would be a broken asset; websocket upgrades are not failures.
    assert [f for f in failed if "/_stcore/stream" not in f] == []


def test_the_favicon_is_served_by_the_app(offline_page, server):
    page, blocked, _ = offline_page
    page.goto(server)
    page.wait_for_selector("h1", timeout=30_000)
    page.wait_for_timeout(1500)
    icon = page.evaluate("() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
    assert icon and all(urlparse(h).hostname in LOOPBACK or h.startswith("data:") for h in icon), icon
    assert blocked == []
