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


def choose_interactive_map(page) -> None:
    """This Chromium draws WebGL in software (SwiftShader): the page turns to the static map once
    the probe has answered (a rerun), and then the user picks the interactive one. Clicking before
    the answer would pick what is already picked, and the answer would then turn the map static."""
    page.wait_for_function("() => document.body.innerText.includes(%r)" % t("coverage.static_auto", "zh")[:12], timeout=30_000)
    page.get_by_role("radio", name=t("coverage.map_style.interactive", "zh"), exact=True).click()


def test_a_browser_without_graphics_acceleration_opens_coverage_on_the_static_map(browser, server):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server}/coverage")
        page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=30_000)
        page.wait_for_function("() => document.body.innerText.includes(%r)" % t("coverage.static_auto", "zh")[:12], timeout=30_000)
        assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 0
        # Remembered for the browser: a new session (a reload) starts static without asking again.
        assert {"name": "cockpit_webgl", "value": "software"}.items() <= next(
            c for c in context.cookies() if c["name"] == "cockpit_webgl"
        ).items()
        page.reload()
        page.wait_for_selector("h1", timeout=30_000)
        page.wait_for_function("() => document.body.innerText.includes(%r)" % t("coverage.static_auto", "zh")[:12], timeout=30_000)
        assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 0
    finally:
        context.close()


def test_the_coverage_map_draws_on_a_canvas_without_a_basemap(browser, server):
    page = open_page(browser, f"{server}/coverage")
    try:
        choose_interactive_map(page)
        # The deck's own canvas (st.dataframe draws on canvases too), and no front-end error box.
        page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=30_000)
        assert "Error" not in page.locator('[data-testid="stDeckGlJsonChart"]').first.inner_text()
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


def test_a_deep_link_as_the_very_first_request_after_a_start_gets_the_full_frame(browser, app_db_url, tmp_path):
    """No page request reaches the server before the deep link (readiness is a bare TCP connect)."""
    from components.commands.launch import AppServer

    with AppServer(tmp_path, env={"DATABASE_URL": app_db_url}) as app:
        app.wait_listening()
        page = open_page(browser, f"{app.base}/funnels?province=420000&lang=en")
        try:
            assert page.locator("h1").first.inner_text().strip() == t("funnels.title", "en")
            nav = page.inner_text("header") if page.locator("header").count() else page.inner_text("body")
            assert t("nav.overview", "en") in nav and t("nav.coverage", "en") in nav, "the frame's navigation is there"
            assert page.locator("[data-testid='stSidebar']").count() == 1, "the frame's filter bar is there"
            assert "Hubei" in page.inner_text("[data-testid='stSidebar']")
            assert "province=420000" in page.url and "lang=en" in page.url
        finally:
            page.close()
