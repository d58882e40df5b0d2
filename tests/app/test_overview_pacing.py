"""The Overview's cards show the year-end projection of the pacing query for this year so far."""

from __future__ import annotations

from components.i18n import format_number, format_percent, t
from data_access import queries
from tests.app.helpers import assert_clean, default_scope, run_query


def test_the_overview_cards_show_the_projection_of_the_pacing_query(app, app_db_url):
    at = app({"province": ["410000", "420000"]})
    at.run()
    at.switch_page("pages/overview.py").run()
    assert_clean(at)
    pacing = run_query(app_db_url, queries.get_kpi_pacing, default_scope(app_db_url, ["410000", "420000"])).set_index("metric")
    row = pacing.loc["leads"]
    expected = t(
        "kpi.pacing_line",
        "zh",
        value=format_number(row["value"], "zh"),
        pct=format_percent(row["share"], "zh", digits=0),
        low=format_percent(row["low_share"], "zh", digits=0),
        high=format_percent(row["high_share"], "zh", digits=0),
    )
    assert any(expected in c.value for c in at.caption)  # under the target line, in its caption


def test_a_past_year_shows_no_projection(app):
    at = app({"period": "2025"})
    at.run()
    at.switch_page("pages/overview.py").run()
    assert_clean(at)
    prefix = t("kpi.pacing_line", "zh", value="", pct="", low="", high="").split(" ")[0]
    assert not [c.value for c in at.caption if prefix in c.value]
