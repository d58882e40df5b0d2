"""Untrusted text stays text, in a real browser (docs/SECURITY.md, finding 3).

One app server (open demo mode) on a copy of the seeded database whose names are hostile
(tests/hostile.py: Markdown links and images, <img onerror>, <b>, a formula, :red[..], $math$, a
zero-width space, a right-to-left override, a line break in province, city, partner, project,
milestone and upload-history fields), one browser context at 1440 px whose requests to anything
but loopback are refused and recorded. Every page is walked and must show the hostile names as
characters: no <a> leaving loopback, no <img> from data, no alert() dialog, no request out. Then
the briefing pack (built on the reports page, downloaded) and a digest (e-mail bodies and robot
Markdown) must carry the same names literally.

Not walked here: the admin page (sign-in as an admin; its texts are the AppTest's and
tests/components/test_untrusted.py's) and map tooltips (on hover; components test).
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from components.commands.launch import AppServer
from components.i18n import t
from data_access.untrusted import ZERO_WIDTH_SPACE, clean
from tests.e2e.test_signin import settle
from tests.hostile import EVIL_HOST, make_hostile_copy

pytestmark = pytest.mark.browser

LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
TIMEOUT = 30_000
# Links that are the app's own chrome, not data: deck.gl's attribution on the map.
APP_LINKS = {"https://www.mapbox.com/"}
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def hostile_app(app_db_url, tmp_path_factory, chromium_path):
    """(base URL, Hostile) of an app in open demo mode on the hostile copy."""
    tmp = tmp_path_factory.mktemp("hostile")
    h = make_hostile_copy(app_db_url, tmp / "cockpit.db")
    app = AppServer(tmp, env={"DATABASE_URL": h.url})
    try:
        app.wait_healthy()
        yield app.base, h
    finally:
        app.stop()
        if TIMINGS:  # shown with -s
            print("\nhostile names, seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in TIMINGS.items()))


class Watched:
    """One browser page whose outside requests are refused and recorded, and whose dialogs are counted."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _route(self, r) -> None:
        url = r.request.url
        if url.startswith(("data:", "blob:", "about:")) or (urlparse(url).hostname or "") in LOOPBACK:
            r.continue_()
        else:
            self.blocked.append(url)
            r.abort()

    def open(self, base: str, path: str) -> None:
        """Go to ``path`` (a new Streamlit session) and let it draw; what the last page did is forgotten."""
        self.page.goto("about:blank")
        self.blocked.clear()
        self.dialogs.clear()
        t0 = time.perf_counter()
        self.page.goto(f"{base}/{path}")
        settle(self.page)
        self.page.wait_for_timeout(1500)  # charts draw after the script run; an image would be fetched by now
        TIMINGS[path or "overview"] = time.perf_counter() - t0

    def text(self) -> str:
        """What the page shows: its text and the text of its SVG charts (zero-width spaces are invisible)."""
        shown = self.page.evaluate("""() => document.body.innerText + '\\n' +
            [...document.querySelectorAll('svg text')].map(e => e.textContent).join('\\n')""")
        return shown.replace(ZERO_WIDTH_SPACE, "")

    def assert_inert(self, base: str) -> None:
        """No link leaving loopback, no image from data, no dialog, no request out."""
        hrefs = self.page.evaluate("""() => [...document.querySelectorAll('a')]
            .map(a => a.getAttribute('href') || a.getAttribute('xlink:href') || '')""")
        outside = [h for h in hrefs if h and h not in APP_LINKS and (urlparse(urljoin(base + "/", h)).hostname or "") not in LOOPBACK]
        assert outside == [], f"links out of the app: {outside}"
        images = self.page.evaluate("""() => [...document.querySelectorAll('img, image')]
            .map(i => i.getAttribute('src') || i.getAttribute('href') || i.getAttribute('xlink:href') || '')""")
        foreign = [
            s for s in images if not s.startswith(("data:", "blob:")) and (urlparse(urljoin(base + "/", s)).hostname or "") not in LOOPBACK
        ]
        assert foreign == [], f"images from outside: {foreign}"
        assert self.dialogs == [], f"dialogs: {self.dialogs}"
        assert self.blocked == [], f"requests to the internet: {self.blocked}"
        assert EVIL_HOST not in " ".join(hrefs + images)


@pytest.fixture(scope="module")
def watched(browser, hostile_app):
    w = Watched(browser)
    yield w
    w.context.close()


def shows(text: str, *expected: str) -> None:
    missing = [e for e in expected if clean(e) not in text]
    assert not missing, f"not shown literally: {missing}"


# --- the pages -------------------------------------------------------------------------------------

PAGES = {
    "overview": ("?province=420000", ("province_zh",)),
    "coverage": ("coverage", ("province_zh", "city_zh")),
    "investment": ("investment?province=420000", ("province_zh",)),
    "funnels": ("funnels", ("province_zh",)),
    "reports": ("reports", ("province_zh", "city_zh")),
    "alerts": ("alerts?province=420000", ("project_zh",)),
}
PENDING: dict[str, str] = {}  # pages known to still render hostile text (none)


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=PENDING[n])) if n in PENDING else n for n in PAGES]
)
def test_every_page_shows_hostile_names_as_text(watched, hostile_app, name):
    base, h = hostile_app
    path, fields = PAGES[name]
    watched.open(base, path)
    text = watched.text()
    shows(text, *(getattr(h, f) for f in fields))
    assert "\\[" not in text and "\\(" not in text  # no escape shows
    watched.assert_inert(base)


def _pick_project(page, code: str) -> None:
    box = page.locator(".st-key-investment_project")
    box.scroll_into_view_if_needed()
    box.locator("input").click()
    box.locator("input").fill(code)
    page.keyboard.press("Enter")
    settle(page)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_project_detail_shows_hostile_names_as_text(watched, hostile_app, lang):
    """The finding itself: a project's (English) name, its partner and its milestones in the drill-down."""
    base, h = hostile_app
    watched.open(base, f"investment?province=420000&lang={lang}")
    _pick_project(watched.page, h.project_code)
    watched.page.wait_for_timeout(1500)
    text = watched.text()
    if lang == "zh":
        shows(text, h.project_zh, h.partner_zh, h.province_zh)
    else:
        shows(text, h.project_en, h.partner_en, h.province_en)
    # the picker's option (plain text, shown as its input's value)
    picked = watched.page.locator(".st-key-investment_project input").input_value()
    assert picked.startswith(f"{h.project_code} · {clean(h.project_zh if lang == 'zh' else h.project_en)} · ")
    assert "\\[" not in text
    watched.assert_inert(base)


def test_the_upload_history_shows_a_hostile_file_name_as_text(watched, hostile_app):
    base, h = hostile_app
    watched.open(base, "upkeep")
    watched.page.get_by_role("tab", name=t("upkeep.tab_history", "zh")).click()
    settle(watched.page)
    picked = watched.page.locator(".st-key-upkeep_pick input").input_value()  # the newest upload: ours
    assert picked.endswith(f" · {clean(h.upload_file)}"), picked
    watched.assert_inert(base)


# --- the briefing pack -----------------------------------------------------------------------------


def test_the_briefing_pack_carries_hostile_names_literally(watched, hostile_app):
    from pptx import Presentation
    from pypdf import PdfReader

    base, h = hostile_app
    page = watched.page
    watched.open(base, "reports?province=420000")
    t0 = time.perf_counter()
    page.get_by_role("button", name=t("reports.build", "zh")).click()
    files = {}
    for fmt in ("PPTX", "PDF"):
        button = page.locator('[data-testid="stDownloadButton"]').filter(has_text=fmt)
        button.wait_for(timeout=120_000)  # charts are drawn by Chromium
        with page.expect_download(timeout=TIMEOUT) as info:
            button.click()
        files[fmt] = Path(info.value.path()).read_bytes()
    TIMINGS["pack"] = time.perf_counter() - t0
    watched.assert_inert(base)

    deck = Presentation(io.BytesIO(files["PPTX"]))
    runs = [r.text for s in deck.slides for shape in s.shapes if shape.has_text_frame for p in shape.text_frame.paragraphs for r in p.runs]
    runs += [
        c.text
        for s in deck.slides
        for shape in s.shapes
        if getattr(shape, "has_table", False) and shape.has_table
        for row in shape.table.rows
        for c in row.cells
    ]
    text = "\n".join(runs)
    # the scope (every footer), the gap city in its takeaway, the at-risk projects in the risk table
    shows(text, h.province_zh, h.city_zh, h.other_project_zh)
    assert not re.search("[\u200b-\u200f\u202a-\u202e\u2060]", text)
    assert "\\[" not in text and "\\(" not in text  # no Markdown escape leaks into a slide

    pdf = PdfReader(io.BytesIO(files["PDF"]))
    pdf_text = "\n".join(p.extract_text() for p in pdf.pages).replace("\x00", "")
    # CJK extraction depends on the font's maps: look for the ASCII of the hostile names
    assert "https://evil.example/phish" in pdf_text and "<img src=https://evil.example/i.png" in pdf_text
    assert "\\[" not in pdf_text
    annots = [a.get_object() for p in pdf.pages for a in (p.get("/Annots") or [])]
    assert not [a for a in annots if "/URI" in str(a.get("/A", {}))], "a link in the PDF"


# --- a digest --------------------------------------------------------------------------------------


def test_a_digest_carries_hostile_names_as_text(hostile_app):
    from components.context import context_from_params, read_catalogue
    from components.delivery import channels as delivery
    from components.delivery import digest
    from components.sections import SECTIONS
    from data_access import alerts, config, reader

    _, h = hostile_app
    engine = config.make_engine(h.url)
    try:
        with engine.connect() as conn:  # as the digest runner builds one (components/commands/digest.py)
            cat = read_catalogue(conn)
            ctx, _ = context_from_params(cat, {"province": [h.province]}, cat.provinces)
            kpis = SECTIONS["kpis"].view(reader.direct(engine), ctx)
            found = alerts.evaluate(conn, scope=ctx.scope, as_of=cat.as_of)
    finally:
        engine.dispose()
    d = digest.build(ctx, kpis, found, url="http://localhost:8501/?province=420000", schedule="weekly")
    text, page = delivery.email_bodies(d)
    shows(text, h.province_zh, h.project_zh)
    assert not re.search("[\u200b-\u200f\u202a-\u202e]", text)
    assert "<img" not in page and "<b>bold" not in page
    assert re.findall(r"<a\s[^>]*href=\"([^\"]*)\"", page) == ["http://localhost:8501/?province=420000"]
    assert "&lt;img src=https://evil.example/i.png" in page or clean(h.project_zh).split()[0] in page
    for kind in delivery.ROBOT_KINDS:
        body = delivery.robot_markdown(d, kind)
        links = re.findall(r"\]\(([^)]*)\)", body)
        assert links == ["http://localhost:8501/?province=420000"], (kind, links)
        assert "![" not in body and "<img" not in body and "https://evil" not in body, kind
