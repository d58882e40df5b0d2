"""The views inside one province (the Coverage page's city map, the Funnels page's city × channel
table) and region against region (the Overview), at one province and at the national scope: what
the page shows equals what the query layer returns for that scope."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest

from components import metrics
from components.i18n import format_number, label, t, tn
from components.sections.funnels import MIN_LEADS
from data_access import config, queries
from tests.app.helpers import assert_clean, catalogue, default_scope, open_directly, run_query, shown


@pytest.fixture
def app_db_url(app_db_url_every_dialect):
    """These views on SQLite, PostgreSQL and MariaDB (their SQL differs by dialect)."""
    return app_db_url_every_dialect


HUBEI = "420000"


def texts(at) -> str:
    """Everything a reader sees as text: markdown, captions and info boxes, unescaped."""
    return " ".join(shown(x.value) for x in [*at.markdown, *at.caption, *at.info])


def test_funnels_page_lists_every_city_and_channel_of_one_province_worst_first(app, app_db_url):
    at = open_directly(app({"province": HUBEI}), "pages/funnels.py")
    assert_clean(at)
    rows = run_query(app_db_url, queries.get_funnel_by_city, default_scope(app_db_url, [HUBEI]), by=("channel",))
    table = next(d.value for d in at.dataframe if t("funnels.col_city", "zh") in d.value.columns)
    assert len(table) == len(rows)  # every row, not the slide's first ones
    ranked = rows[rows["leads"] >= MIN_LEADS].assign(rate=lambda d: d["enrolled"] / d["leads"])
    worst = ranked.sort_values(["rate", "leads", "city_code"], ascending=[True, False, True]).iloc[0]
    first = table.iloc[0]
    assert first[t("funnels.col_city", "zh")] == worst["name_zh"]
    assert first[t("funnels.col_channel", "zh")] == label("channel", worst["channel"], "zh")
    assert first[metrics.label("cohort_leads", "zh")] == format_number(worst["leads"], "zh")
    assert first[metrics.label("enrol_rate", "zh")] == metrics.fmt("enrol_rate", worst["rate"], "zh")
    overall = metrics.fmt("enrol_rate", rows["enrolled"].sum() / rows["leads"].sum(), "zh")
    assert f"{worst['name_zh']} · {label('channel', worst['channel'], 'zh')}" in texts(at) and overall in texts(at)
    assert t("funnels.city_title", "zh", province="湖北省") in [s.value for s in at.subheader]


def test_funnels_page_at_the_national_scope_says_how_to_see_cities(app):
    at = open_directly(app({}), "pages/funnels.py")
    assert_clean(at)
    assert t("funnels.city_hint", "zh") in texts(at)
    assert not any(t("funnels.col_city", "zh") in d.value.columns for d in at.dataframe)


def test_coverage_page_of_one_province_maps_its_cities(app, app_db_url):
    at = open_directly(app({"province": HUBEI}), "pages/coverage.py")
    assert_clean(at)
    cities = run_query(app_db_url, queries.get_coverage_by_city, default_scope(app_db_url, [HUBEI]), grain="prefecture")
    covered = int((cities["partners"] > 0).sum())
    top = cities.sort_values(["partners", "leads"], ascending=False, kind="stable").iloc[0]
    expected = tn(
        "coverage.city_map_takeaway",
        len(cities),
        "zh",
        province="湖北省",
        covered=format_number(covered, "zh"),
        name=top["name_zh"],
        top=format_number(top["partners"], "zh"),
    )
    assert expected in texts(at)
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1 and '"id":"cities"' in decks[0].proto.json
    assert t("coverage.city_map_hint", "zh") not in texts(at)
    # Beside the map, every city ranked by partners (not a bar chart of one province).
    ranked = next(d.value for d in at.dataframe if t("funnels.col_city", "zh") in d.value.columns)
    order = cities.sort_values(["partners", "leads", "city_code"], ascending=[False, False, True])
    assert list(ranked[t("funnels.col_city", "zh")]) == list(order["name_zh"])
    assert list(ranked[metrics.label("partners", "zh")]) == [format_number(v, "zh") for v in order["partners"]]
    assert list(ranked[metrics.label("leads", "zh")]) == [format_number(v, "zh") for v in order["leads"]]
    bars = t("coverage.bar_title", "zh", metric=t("map.metric.partners", "zh"))
    assert not [el for el in at.get("plotly_chart") if bars in el.proto.spec]


def test_coverage_page_at_the_national_scope_keeps_the_country_and_says_how_to_see_cities(app):
    at = open_directly(app({}), "pages/coverage.py")
    assert_clean(at)
    assert t("coverage.city_map_hint", "zh") in texts(at)
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1 and '"id":"provinces"' in decks[0].proto.json


def test_overview_compares_the_regions_on_the_chosen_metric(app, app_db_url):
    at = open_directly(app({}), "pages/overview.py")
    assert_clean(at)
    cat = catalogue(app_db_url)
    scope = default_scope(app_db_url)
    now = run_query(app_db_url, queries.get_events_by_month, scope, by=("province",))
    before = run_query(app_db_url, queries.get_events_by_month, scope.year_earlier(), by=("province",))

    def by_region(df: pd.DataFrame, stage: str) -> pd.Series:
        part = df[df["stage"] == stage]
        return part.groupby(part["province"].map(cat.region_of))["events"].sum()

    table = next(d.value for d in at.dataframe if t("overview.growth_col_region", "zh") in d.value.columns)
    a, b = by_region(now, "lead"), by_region(before, "lead")
    growth = (a / b - 1).sort_values(ascending=False)
    assert list(table[t("overview.growth_col_region", "zh")]) == [label("region", r, "zh") for r in growth.index]
    assert list(table[metrics.label("leads", "zh")]) == [format_number(a[r], "zh") for r in growth.index]
    assert label("region", growth.index[0], "zh") in texts(at)
    # Another metric: the same view, re-read.
    at.segmented_control(key="overview_growth_metric").set_value("enrolled").run()
    assert_clean(at)
    table = next(d.value for d in at.dataframe if t("overview.growth_col_region", "zh") in d.value.columns)
    e = by_region(now, "enrolled")
    assert sorted(table[metrics.label("enrolled", "zh")]) == sorted(format_number(e[r], "zh") for r in e.index)


def test_overview_of_one_province_says_how_to_compare(app):
    at = open_directly(app({"province": HUBEI}), "pages/overview.py")
    assert_clean(at)
    assert t("overview.growth_one", "zh") in texts(at)
    assert not any(t("overview.growth_col_region", "zh") in d.value.columns for d in at.dataframe)


def plotly_figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def values(array) -> list:
    """A trace's array as the browser reads it: plotly's JSON writes numbers as base64 of a typed
    array ({"dtype": "f8", "bdata": …}), text as a list."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


def test_funnels_page_shows_each_channels_refund_rate_this_period_and_a_year_earlier(app, app_db_url):
    at = open_directly(app({}), "pages/funnels.py")
    assert_clean(at)
    scope = default_scope(app_db_url)
    now = run_query(app_db_url, queries.get_events_by_month, scope, by=("channel",))
    before = run_query(app_db_url, queries.get_events_by_month, scope.year_earlier(), by=("channel",))

    def rates(df: pd.DataFrame) -> pd.Series:
        counts = df.pivot_table(index="channel", columns="stage", values="events", aggfunc="sum", fill_value=0)
        return counts["refunded"] / counts["enrolled"]

    a, b = rates(now), rates(before)
    name_now, name_before = t("funnels.col_now_period", "zh"), t("funnels.col_before_period", "zh")
    fig = next(f for f in plotly_figures(at) if any(tr.get("name") == name_now for tr in f["data"]))
    bars = {tr["name"]: dict(zip(values(tr["y"]), values(tr["x"]))) for tr in fig["data"]}
    assert bars[name_now] == pytest.approx({label("channel", ch, "zh"): a[ch] for ch in a.index})
    assert bars[name_before] == pytest.approx({label("channel", ch, "zh"): b[ch] for ch in b.index})
    overall = metrics.fmt(
        "refund_rate", now.loc[now["stage"] == "refunded", "events"].sum() / now.loc[now["stage"] == "enrolled", "events"].sum(), "zh"
    )
    assert any(overall in x and metrics.label("refund_rate", "zh") in x for x in texts_list(at))


def texts_list(at) -> list[str]:
    return [shown(x.value) for x in [*at.markdown, *at.caption, *at.info]]


def test_overview_targets_chart_is_each_targets_share_reached(app, app_db_url):
    at = open_directly(app({}), "pages/overview.py")
    assert_clean(at)
    scope = default_scope(app_db_url)
    with config.make_engine(app_db_url).connect() as conn:
        kpis = queries.get_kpis(conn, scope=scope).set_index("metric")
    fig = next(f for f in plotly_figures(at) if f["layout"].get("title", {}).get("text") == t("overview.targets_title", "zh"))
    shares = dict(zip(values(fig["data"][0]["y"]), values(fig["data"][0]["x"])))
    for metric in ("leads", "enrolled", "disbursed_yuan", "partners"):
        row = kpis.loc[metric]
        assert shares[metrics.label(metric, "zh")] == pytest.approx(row["value"] / row["target"]), metric
