"""One definition per view: what a page shows (AppTest) equals what the briefing pack shows for the
same filters, for every section, at a few scopes.

The pack side is built the way the ``report`` command builds it: ``build_views`` on a direct
(uncached) Reader over the same database, for the Context the page ran with. Compared:
every takeaway (the page prints it), every chart (plotly data and title), every plain table, and
the Overview's cards against the pack's KPI table.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from components.sections import SECTIONS, View, build_views
from components.ui import state
from data_access import config, reader
from tests.app.helpers import assert_clean, open_directly, shown

PAGES = {
    "overview": "pages/overview.py",
    "coverage": "pages/coverage.py",
    "investment": "pages/investment.py",
    "funnels": "pages/funnels.py",
}
SCOPES = {
    "national": {},
    "henan": {"province": "410000"},  # one province: movers by channel, per-lead takeaway as a single figure
    "central_en": {"region": "central", "lang": "en"},
    "sliced_quarter": {"province": ["410000", "420000", "430000"], "channel": ["online", "campus"], "period": "2025Q3"},
}
# The variant each page shows before any widget is touched.
PAGE_VARIANTS = {"coverage_per_lead": "partners"}
# Sections whose figure a page does not draw with st.plotly_chart (the maps are pydeck on the page;
# their static figures are what exports and the pack use).
NOT_PLOTLY_ON_PAGE = {"coverage_map", "city_map"}
# Sections whose page table lists every row where the pack's slide shows the first ones.
ALL_ROWS_ON_PAGE = ("kpis", "investment_summary", "risk", "coverage_gaps", "city_channels")


def page_sections(page: str) -> list[str]:
    return [k for k, s in SECTIONS.items() if s.page == page]


def plotly_specs(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def same_figure(spec: dict, fig) -> bool:
    mine = json.loads(fig.to_json())
    return spec.get("data") == mine.get("data") and spec["layout"].get("title") == mine["layout"].get("title")


def texts(at) -> list[str]:
    """The page's Markdown as the screen shows it (names and takeaways reach Markdown escaped), with
    its info boxes and captions (a view that needs another scope says how to get there in one)."""
    return [shown(m.value) for m in at.markdown] + [shown(i.value) for i in at.info] + [shown(c.value) for c in at.caption]


@pytest.fixture(scope="module")
def direct(app_db_url) -> reader.Reader:
    return reader.direct(config.make_engine(app_db_url))


def pack_views(direct, ctx, page: str) -> list[View]:
    out = []
    for key in page_sections(page):
        section = SECTIONS[key]
        if key in PAGE_VARIANTS:
            section = section.variant(PAGE_VARIANTS[key])
        out.append(section.view(direct, ctx))
    return out


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("page", PAGES)
def test_the_page_shows_what_the_pack_shows_for_the_same_filters(app, direct, page, scope):
    at = open_directly(app(SCOPES[scope]), PAGES[page])
    assert_clean(at)
    ctx = at.session_state[state.CONTEXT]
    views = pack_views(direct, ctx, page)
    assert views, f"no sections registered for {page}"
    shown_text, specs, tables = texts(at), plotly_specs(at), [d.value for d in at.dataframe]
    for v in views:
        assert any(v.takeaway in x for x in shown_text), f"{v.id}: takeaway {v.takeaway!r} not on the page"
        if v.empty:
            continue
        if v.figure is not None and v.id not in NOT_PLOTLY_ON_PAGE:
            assert any(same_figure(s, v.figure) for s in specs), f"{v.id}: the page's chart differs from the pack's"
        if v.table is not None and v.figure is None and v.id not in ALL_ROWS_ON_PAGE:
            assert any(isinstance(x, pd.DataFrame) and x.reset_index(drop=True).equals(v.table.reset_index(drop=True)) for x in tables), (
                f"{v.id}: the page's table differs from the pack's"
            )
    if page == "overview":
        cards = {shown(m.label): m.value for m in at.metric}
        kpis = next(v for v in views if v.id == "kpis").table
        for label, value in zip(kpis.iloc[:, 0], kpis.iloc[:, 1]):
            assert cards[label] == value, f"card {label}: page {cards[label]!r}, pack {value!r}"


def test_the_pack_of_the_reports_page_is_the_sections_of_the_pages(app, direct):
    """The Reports page previews the takeaways of exactly the views the pages show."""
    at = open_directly(app({"province": "420000"}), "pages/reports.py")
    ids = ["kpis", "movers", "spend", "funnel_compare", "lag_certified"]
    at.multiselect(key="reports_sections").set_value(ids).run()
    assert_clean(at)
    ctx = at.session_state[state.CONTEXT]
    want = build_views(direct, ctx, ids)
    previews = [m.value for m in at.markdown if m.value.startswith("**")]
    assert [shown(p.split("** — ", 1)[1]) for p in previews[: len(want)]] == [v.takeaway for v in want]
