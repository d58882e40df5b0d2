"""Hostile names from the database reach Markdown escaped (docs/SECURITY.md, finding 3): the
pages run on a copy of the seeded database with Markdown links, images and HTML in its province,
city, partner, project, milestone and upload names (tests/hostile.py), and every Markdown body,
caption, notice and label they produce must hold the names escaped (``md``), never as syntax.
The browser test (tests/e2e/test_hostile_names.py) looks at the same in Chromium."""

from __future__ import annotations

import re

import pytest

from data_access.untrusted import clean, md
from tests.app.helpers import assert_clean, open_directly
from tests.hostile import make_hostile_copy

# Markdown that would make a link, an image, HTML or a Streamlit directive, once escapes are taken out.
LIVE = re.compile(r"\]\(|!\[|<img|<b>|:red\[|\$x\^2\$|https://")


@pytest.fixture
def hostile(app, app_db_url, tmp_path, monkeypatch):
    """(AppTest factory, Hostile): the app on the hostile copy."""
    h = make_hostile_copy(app_db_url, tmp_path / "hostile.db")
    monkeypatch.setenv("DATABASE_URL", h.url)
    return app, h


def markdown_bodies(at) -> list[str]:
    """Every text AppTest sees that Streamlit renders as Markdown."""
    kinds = ("markdown", "caption", "info", "success", "warning", "error", "subheader", "title")
    return [str(e.value) for k in kinds for e in getattr(at, k)] + [str(m.label) for m in at.metric]


def live_markdown(bodies: list[str]) -> list[str]:
    """The bodies in which, escapes removed, Markdown syntax from the data is still live."""
    return [b for b in bodies if LIVE.search(re.sub(r"\\.", "", b.replace("\u200b", "")))]


def open_page(app, path: str, params: dict):
    return open_directly(app(params), path)


def test_the_project_detail_escapes_the_project_and_partner_names(hostile):
    app, h = hostile
    at = open_page(app, "pages/investment.py", {"province": h.province})
    at.selectbox(key="investment_project").set_value(h.project_id).run()
    assert_clean(at, warnings=("进展",))
    detail = next(
        m.value for m in at.markdown if m.value.startswith("**") and h.project_code not in m.value and md(h.project_zh) in m.value
    )
    assert detail.startswith(f"**{md(h.project_zh)}** · {md(h.partner_zh)} · ")
    assert live_markdown(markdown_bodies(at)) == []
    # the picker's options are plain text: cleaned, not escaped
    label = at.selectbox(key="investment_project").format_func(h.project_id)
    assert label.startswith(f"{h.project_code} · {clean(h.project_zh)} · ")


def test_the_english_project_detail_escapes_the_english_names(hostile):
    app, h = hostile
    at = open_page(app, "pages/investment.py", {"province": h.province, "lang": "en"})
    at.selectbox(key="investment_project").set_value(h.project_id).run()
    bodies = markdown_bodies(at)
    assert any(b.startswith(f"**{md(h.project_en)}** · {md(h.partner_en)} · ") for b in bodies)
    assert live_markdown(bodies) == []


def test_section_takeaways_and_the_scope_line_escape_the_names(hostile):
    app, h = hostile
    at = open_page(app, "pages/coverage.py", {"province": h.province})
    bodies = markdown_bodies(at)
    assert any(md(h.province_zh) in b for b in bodies)  # the scope line
    gaps = [b for b in bodies if b.startswith(":material/lightbulb:") and md(h.city_zh) in b]
    assert gaps, "the gap takeaway names the hostile city, escaped"
    assert live_markdown(bodies) == []


@pytest.mark.parametrize("path", ["pages/overview.py", "pages/funnels.py", "pages/reports.py"])
def test_no_page_lets_a_hostile_name_become_markdown(hostile, path):
    app, h = hostile
    at = open_page(app, path, {"province": h.province})
    assert not at.exception
    bodies = markdown_bodies(at)
    assert any(md(h.province_zh) in b for b in bodies)
    assert live_markdown(bodies) == []


def test_the_upload_history_shows_a_hostile_file_name_as_plain_text(hostile):
    app, h = hostile
    at = open_page(app, "pages/upkeep.py", {})
    pick = at.selectbox(key="upkeep_pick")
    assert pick.format_func(pick.value).endswith(f" · {clean(h.upload_file)}")
    assert live_markdown(markdown_bodies(at)) == []
