"""A real Chromium opens the running app: deep links, both languages, the map, no tracebacks."""

from __future__ import annotations

import pytest

from components.i18n import t

PAGES = {"overview": "", "coverage": "coverage", "investment": "investment", "funnels": "funnels"}


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(url)
    page.wait_for_selector("h1", timeout=30_000)
    page.wait_for_timeout(1500)  # let the script run finish
    return page


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_deep_link_opens_the_page_with_its_filters(browser, server, name, lang):
    page = open_page(browser, f"{server}/{PAGES[name]}?province=420000&lang={lang}")
    try:
        assert page.locator("h1").first.inner_text().strip() == t(f"{name}.title", lang)
        body = page.inner_text("body")
        assert "Traceback" not in body and "KeyError" not in body
        assert ("湖北省" if lang == "zh" else "Hubei") in body
        assert "province=420000" in page.url
    finally:
        page.close()


def test_the_coverage_map_draws_on_a_canvas_without_a_basemap(browser, server):
    page = open_page(browser, f"{server}/coverage")
    try:
        page.wait_for_selector("canvas", timeout=30_000)
        assert page.locator("canvas").count() >= 1
    finally:
        page.close()


def test_a_bad_link_shows_a_notice_and_the_page(browser, server):
    page = open_page(browser, f"{server}/funnels?province=999999&period=20x6")
    try:
        body = page.inner_text("body")
        assert "province=999999" in body and "period=20x6" in body
        assert t("funnels.title", "zh") in body
    finally:
        page.close()
