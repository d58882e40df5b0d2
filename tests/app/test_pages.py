"""One AppTest block per page: defaults, one province, an empty scope, hostile values, and the
figures shown equal what the query layer returns for that scope."""

from __future__ import annotations

import json

import pytest

from components.i18n import format_money, format_number, label, t
from data_access import queries
from tests.app.helpers import assert_clean, default_scope, open_directly, run_query, shown

PAGES = {
    "overview": "pages/overview.py",
    "coverage": "pages/coverage.py",
    "investment": "pages/investment.py",
    "funnels": "pages/funnels.py",
    "reports": "pages/reports.py",
}
SCOPES = {
    "defaults": {},
    "one_province": {"province": "420000"},
    "empty_scope": {"tier": ""},
    "hostile": {"province": ["410000", "1 OR 1=1"], "period": "'; DROP TABLE partner; --", "lang": "<b>"},
}


DROPPED = t("notice.dropped_values", "zh", values="")


def open_page(app, page: str, params: dict):
    """The page opened directly with ``params`` in its URL (helpers.open_directly)."""
    return open_directly(app(params), PAGES[page])


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(app, page, scope):
    at = open_page(app, page, SCOPES[scope])
    assert_clean(at, warnings=(DROPPED,) if scope == "hostile" else ())
    assert at.title[0].value == t(f"{page}.title", "zh")
    if scope == "empty_scope":
        assert any(i.value == t("empty.scope", "zh") for i in at.info)
    if scope == "hostile":  # this page dropped them, said so, and keeps only the valid province in its URL
        notices = [w.value for w in at.warning if w.value.startswith(DROPPED)]
        assert len(notices) == 1 and "1 OR 1=1" in notices[0] and "DROP TABLE" in notices[0], at.warning
        assert at.query_params.get("province") == "410000"
        assert "period" not in at.query_params and "lang" not in at.query_params


def test_overview_cards_equal_the_kpi_query(app, app_db_url):
    at = open_page(app, "overview", {"province": ["410000", "420000"]})
    kpis = run_query(app_db_url, queries.get_kpis, default_scope(app_db_url, ["410000", "420000"])).set_index("metric")
    shown = {m.label: m.value for m in at.metric}
    assert shown[t("metric.schools", "zh")] == format_number(kpis.loc["schools", "value"], "zh")
    assert shown[t("metric.disbursed_yuan", "zh")] == format_money(kpis.loc["disbursed_yuan", "value"], "zh")
    assert shown[t("metric.enrolled", "zh")] == format_number(kpis.loc["enrolled", "value"], "zh")


def test_coverage_gap_table_lists_the_query_gaps(app, app_db_url):
    at = open_page(app, "coverage", {"province": "410000"})
    gaps = run_query(app_db_url, queries.get_coverage_gaps, default_scope(app_db_url, ["410000"]))
    table = at.dataframe[-1].value
    assert list(table.iloc[:, 0]) == list(gaps["name_zh"])
    assert at.get("deck_gl_json_chart"), "the map is drawn"


def test_a_national_gap_table_lists_the_first_200_and_says_how_many_there_are(app, app_db_url):
    from components.i18n import tn

    at = open_page(app, "coverage", {})
    gaps = run_query(app_db_url, queries.get_coverage_gaps, default_scope(app_db_url, None))
    assert len(gaps) > 200, "the demo must have more gaps than the page lists, or this proves nothing"
    table = at.dataframe[-1].value
    assert list(table.iloc[:, 0]) == list(gaps["name_zh"][:200])
    assert tn("coverage.gaps_note_top", len(gaps), "zh", shown=200) in [shown(c.value) for c in at.caption]


def test_the_static_map_is_the_exports_figure_without_webgl(app):
    at = open_page(app, "coverage", {})
    dot_legend = "●</span> " + label("kind", "enterprise", "zh")  # a chip of the partner dots' colours
    assert at.get("deck_gl_json_chart") and any(dot_legend in m.value for m in at.markdown)
    at.segmented_control(key="coverage_map_style").set_value("static").run()
    assert not at.exception and not at.get("deck_gl_json_chart")
    assert not any(dot_legend in m.value for m in at.markdown), "the static map draws no dots: no legend of their colours"
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    filled = [sum(d.get("fill") == "toself" for d in spec["data"]) for spec in specs]
    assert max(filled) >= 5, filled  # the provinces as filled shapes, a trace per colour class: the choropleth, in SVG
    assert t("coverage.static_note", "zh") in [c.value for c in at.caption]
    at.switch_page("pages/coverage.py").run()  # the choice is kept for the session
    assert not at.get("deck_gl_json_chart")


def test_a_browser_drawing_webgl_in_software_gets_the_static_map_until_it_asks_for_the_other(app):
    """The probe (components/ui/webgl.py) says so from the browser; AppTest runs no JavaScript, so its
    answer is set as the browser's would arrive."""
    at = open_page(app, "coverage", {})
    assert at.get("deck_gl_json_chart"), "no answer yet: the interactive map"
    at.session_state["webgl_probe"] = {"software": True}  # what the probe's one message sets
    at.run()
    assert not at.exception and not at.get("deck_gl_json_chart")
    assert t("coverage.static_auto", "zh") in [c.value for c in at.caption]
    at.segmented_control(key="coverage_map_style").set_value("interactive").run()  # the user's choice wins
    assert at.get("deck_gl_json_chart") and t("coverage.static_auto", "zh") not in [c.value for c in at.caption]
    at.switch_page("pages/coverage.py").run()
    assert at.get("deck_gl_json_chart")


def test_investment_at_risk_card_equals_the_project_query(app, app_db_url):
    at = open_page(app, "investment", {"province": "420000"})
    scope = default_scope(app_db_url, ["420000"])
    projects = run_query(app_db_url, queries.get_investment_by_project, scope)
    shown = {m.label: m.value for m in at.metric}
    assert shown[t("metric.committed_yuan", "zh")] == format_money(projects["committed_yuan"].sum(), "zh")


def test_a_quarter_is_held_against_its_own_plan(app, app_db_url):
    """The Investment page for a quarter shows the quarter's share of the plan (not the year's) and
    an execution rate against it: the registry's figures, which docs/METRICS.md's rule defines."""
    from components import metrics
    from components.context import context_from_params
    from data_access.scope import year_scope
    from tests.app.helpers import catalogue

    cat = catalogue(app_db_url)
    quarter = f"{cat.as_of.year - 1}Q3"  # a whole quarter of a whole year
    at = open_page(app, "investment", {"period": quarter})
    assert_clean(at)
    ctx, _ = context_from_params(cat, {"period": [quarter]}, cat.provinces)
    k = run_query(app_db_url, queries.get_kpis, ctx.scope).set_index("metric")["value"]
    year = run_query(app_db_url, queries.get_kpis, year_scope(cat.provinces, cat.as_of.year - 1)).set_index("metric")["value"]
    planned, paid = k["planned_yuan"], k["disbursed_yuan"]
    assert 0 < planned < 0.5 * year["planned_yuan"]  # a quarter of the year's plan, give or take the projects alive
    shown_cards = {m.label: m.value for m in at.metric}
    assert shown_cards[metrics.label("planned_yuan", "zh")] == format_money(planned, "zh")
    assert shown_cards[metrics.label("execution", "zh")] == metrics.fmt("execution", paid / planned, "zh")


def test_investment_only_at_risk_toggle_shrinks_the_table(app):
    at = open_page(app, "investment", {})
    all_rows = len(at.dataframe[0].value)
    at.toggle(key="investment_only_risk").set_value(True).run()
    risky = len(at.dataframe[0].value)
    assert 0 < risky < all_rows


def test_investment_drill_down_shows_the_chosen_project(app, app_db_url):
    at = open_page(app, "investment", {"province": "420000"})
    box = at.selectbox(key="investment_project")
    projects = run_query(app_db_url, queries.get_investment_by_project, default_scope(app_db_url, ["420000"]))
    first = int(projects.sort_values("planned_yuan", ascending=False).iloc[0]["project_id"])
    box.set_value(first).run()
    # The verdict may warn (this project ends within 90 days well short of its plan: issue 23).
    assert_clean(at, warnings=(t("investment.verdict_risk", "zh", reasons="")[:4],))
    detail = run_query(app_db_url, queries.get_project_detail, default_scope(app_db_url, ["420000"]), project_id=first)
    payments = at.dataframe[-1].value
    assert len(payments) == len(detail.payments)


def test_funnel_table_counts_equal_the_cohort_query(app, app_db_url):
    at = open_page(app, "funnels", {"province": "430000"})
    df = run_query(app_db_url, queries.get_funnel_by_stage, default_scope(app_db_url, ["430000"]), by=("channel",))
    leads = df.loc[df["stage"] == "lead", "learners"].sum()
    enrolled = df.loc[df["stage"] == "enrolled", "learners"].sum()
    table = at.dataframe[0].value
    col = t("funnels.col_now", "zh")
    assert table[col].iloc[0] == format_number(leads, "zh")
    assert table[col].iloc[3] == format_number(enrolled, "zh")


def test_reports_preview_lists_every_chosen_section(app):
    at = open_page(app, "reports", {"province": "420000"})
    at.multiselect(key="reports_sections").set_value(["kpis", "funnel"]).run()
    assert_clean(at)
    previews = [m.value for m in at.markdown if m.value.startswith(("**1.", "**2.", "**3."))]
    assert len(previews) == 2


def test_reports_page_explains_a_missing_browser_instead_of_failing(app, monkeypatch, tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    at = open_page(app, "reports", {"province": "420000"})
    at.multiselect(key="reports_sections").set_value(["funnel"]).run()
    at.button(key="reports_build").click().run()
    assert_clean(at, errors=(t("reports.unavailable", "zh"),))
    assert at.error and at.error[0].value == t("reports.unavailable", "zh")


def test_the_scope_line_names_every_narrowed_filter(app):
    from components.i18n import label

    at = open_page(app, "funnels", {"province": "410000", "channel": "online", "programme": "cert_1x", "project_kind": "industry_college"})
    assert_clean(at)
    line = shown(at.caption[0].value)
    for part in (
        "河南省",
        label("channel", "online", "zh"),
        label("programme", "cert_1x", "zh"),
        label("project_kind", "industry_college", "zh"),
        t("filter.channels", "zh"),
        t("filter.programmes", "zh"),
    ):
        assert part in line, (part, line)
    assert t("filter.tiers", "zh") not in line  # tiers are at "all"


def test_the_programme_filter_narrows_the_funnel_to_that_programme(app, app_db_url):
    at = open_page(app, "funnels", {"province": "430000", "programme": "cert_1x"})
    assert_clean(at)
    scope = default_scope(app_db_url, ["430000"], programmes=("cert_1x",))
    df = run_query(app_db_url, queries.get_funnel_by_stage, scope, by=("channel",))
    everyone = run_query(app_db_url, queries.get_funnel_by_stage, default_scope(app_db_url, ["430000"]), by=("channel",))
    leads = df.loc[df["stage"] == "lead", "learners"].sum()
    assert 0 < leads < everyone.loc[everyone["stage"] == "lead", "learners"].sum()
    assert at.dataframe[0].value[t("funnels.col_now", "zh")].iloc[0] == format_number(leads, "zh")


def test_the_project_kind_filter_narrows_the_money(app, app_db_url):
    at = open_page(app, "investment", {"province": "420000", "project_kind": "industry_college"})
    assert_clean(at)
    projects = run_query(
        app_db_url, queries.get_investment_by_project, default_scope(app_db_url, ["420000"], project_kinds=("industry_college",))
    )
    shown = {m.label: m.value for m in at.metric}
    assert shown[t("metric.committed_yuan", "zh")] == format_money(projects["committed_yuan"].sum(), "zh")


def test_new_partners_and_tier_shares_are_on_the_coverage_page(app, app_db_url):
    at = open_page(app, "coverage", {"province": ["410000", "420000"]})
    assert_clean(at)
    scope = default_scope(app_db_url, ["410000", "420000"])
    new = run_query(app_db_url, queries.get_new_partners_by_end, scope)
    text = " ".join(m.value for m in at.markdown) + " ".join(i.value for i in at.info)
    if new["partners"].sum():
        assert format_number(new["partners"].sum(), "zh") in text
    assert t("sections.new_partners", "zh") in [s.value for s in at.subheader]


def test_a_project_of_another_year_is_found_and_gets_a_verdict(app, app_db_url):
    import datetime as dt

    from data_access.scope import Scope

    at = open_page(app, "investment", {"province": "420000"})
    every = run_query(app_db_url, queries.get_investment_by_project, Scope(("420000",), dt.date(2000, 1, 1), dt.date(2100, 1, 1)))
    period = run_query(app_db_url, queries.get_investment_by_project, default_scope(app_db_url, ["420000"]))
    outside = every[~every["project_id"].isin(period["project_id"])]
    assert len(outside), "the seed has projects outside the default year"
    pid = int(outside.iloc[0]["project_id"])
    at.selectbox(key="investment_project").set_value(pid).run()
    assert_clean(at, warnings=(t("investment.verdict_risk", "zh", reasons="")[:4],))
    verdicts = [s.value for s in at.success] + [w.value for w in at.warning]
    assert len(verdicts) == 1
