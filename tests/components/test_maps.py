"""Coverage map builders on small literal frames: the deck's layers and tooltips, selection events, the static figure."""

from __future__ import annotations

import ast
import json
import math
import os
import re
import shutil
import urllib.parse
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.elements.deck_gl_json_chart import PydeckSelectionSerde

from components import i18n
from components.charts import maps, palette
from components.charts.maps import (
    PARTNER_LAYER,
    PROVINCE_LAYER,
    TOOLTIP_FIELDS,
    coverage_deck,
    coverage_legend,
    coverage_static_figure,
    metric_values,
    partner_from_selection,
    province_from_selection,
)

HUBEI, HENAN, TAIWAN = "420000", "410000", "710000"


@pytest.fixture
def provinces() -> pd.DataFrame:
    """Three provinces; Taiwan has no leads (so no partners-per-lead value)."""
    return pd.DataFrame(
        {
            "province_code": [HENAN, HUBEI, TAIWAN],
            "name_zh": ["河南省", "湖北省", "台湾省"],
            "name_en": ["Henan", "Hubei", "Taiwan"],
            "region": ["central", "central", "east"],
            "lon": [113.6, 114.3, 121.5],
            "lat": [34.8, 30.6, 25.0],
            "partners": [12, 3, 0],
            "schools": [7, 2, 0],
            "enterprises": [3, 1, 0],
            "governments": [2, 0, 0],
            "leads": [800, 1_500, 0],
        }
    )


@pytest.fixture
def points() -> pd.DataFrame:
    """Four partners, two of them in Wuhan (same city, same coordinates)."""
    return pd.DataFrame(
        {
            "partner_id": [1, 6, 3, 42],
            "name_zh": ["中国地质大学（武汉）", "汉口学院", "河南大学", "郑州市人社局"],
            "name_en": ["China University of Geosciences", "Hankou University", "Henan University", "Zhengzhou HR Bureau"],
            "kind": ["university", "vocational_college", "university", "government"],
            "end": ["S", "S", "S", "G"],
            "agreement_level": ["strategic", "core", "core", "general"],
            "status": ["active", "active", "active", "paused"],
            "since": [date(2019, 9, 1), date(2020, 3, 15), date(2020, 6, 1), date(2021, 1, 4)],
            "city_code": ["420100", "420100", "410200", "410100"],
            "city_name_zh": ["武汉市", "武汉市", "开封市", "郑州市"],
            "city_name_en": ["Wuhan", "Wuhan", "Kaifeng", "Zhengzhou"],
            "province_code": [HUBEI, HUBEI, HENAN, HENAN],
            "tier": ["capital", "capital", "prefecture", "capital"],
            "lon": [114.305, 114.305, 114.307, 113.625],
            "lat": [30.593, 30.593, 34.797, 34.746],
            "projects": [3, 4, 2, 0],
        }
    )


@pytest.fixture(autouse=True)
def _fresh_i18n_records():
    i18n.clear_records()
    yield
    i18n.clear_records()


def deck_json(deck) -> dict:
    return json.loads(deck.to_json())


def layer(deck, layer_id: str):
    return next(lay for lay in deck.layers if lay.id == layer_id)


def features(data) -> list[dict]:
    return data["features"] if isinstance(data, dict) else data


def by_code(deck, layer_id: str = PROVINCE_LAYER) -> dict[str, dict]:
    return {f["properties"]["code"]: f for f in features(layer(deck, layer_id).data)}


# ---- layers ---------------------------------------------------------------------------------


def test_deck_layers_in_drawing_order(provinces, points):
    deck = coverage_deck(provinces, points, metric="partners", lang="zh", selected=(HUBEI,))
    assert [lay.id for lay in deck.layers] == [
        "provinces_context",
        PROVINCE_LAYER,
        "maritime_boundary",
        "selected_halo",
        "selected_outline",
        PARTNER_LAYER,
    ]


def test_only_provinces_and_partners_are_pickable(provinces, points):
    deck = coverage_deck(provinces, points, metric="partners", lang="zh", selected=(HUBEI,))
    assert {lay.id for lay in deck.layers if lay.pickable} == {PROVINCE_LAYER, PARTNER_LAYER}


def test_province_borders_are_drawn_but_not_picked(provinces, points):
    # Picking the border paths made a click take longer than a tap in software WebGL.
    spec = deck_json(coverage_deck(provinces, points, metric="partners", lang="zh"))
    province = next(lay for lay in spec["layers"] if lay["id"] == PROVINCE_LAYER)
    assert province["stroked"] is True
    assert province["_subLayerProps"] == {"polygons-stroke": {"pickable": False}}


def test_units_are_literal_pixels_not_accessor_expressions(provinces, points):
    # pydeck turns bare strings into "@@=" expressions; "@@=pixels" silently means metres.
    spec = deck_json(coverage_deck(provinces, points, metric="partners", lang="zh", selected=(HUBEI,)))
    units = {(lay["id"], key): value for lay in spec["layers"] for key, value in lay.items() if key.endswith("Units")}
    assert units and set(units.values()) == {"pixels"}


def test_no_basemap_and_a_view_on_all_of_china(provinces, points):
    deck = coverage_deck(provinces, points, metric="partners", lang="zh")
    spec = deck_json(deck)
    # An inline style with nothing in it: no basemap drawn, nothing fetched (None would make
    # Streamlit's front end load Carto's positron style from the internet).
    style = spec.get("mapStyle")
    assert isinstance(style, str) and style.startswith("data:application/json,") and spec.get("mapProvider") is None
    assert json.loads(urllib.parse.unquote(style.split(",", 1)[1])) == {"version": 8, "sources": {}, "layers": []}
    view = spec["initialViewState"]
    assert (view["longitude"], view["latitude"]) == (104.0, 33.5)
    assert 2.0 <= view["zoom"] <= 3.3 and view["pitch"] == 0


def test_zoom_can_be_set_for_a_narrow_column(provinces, points):
    spec = deck_json(coverage_deck(provinces, points, metric="partners", lang="zh", zoom=2.2))
    assert spec["initialViewState"]["zoom"] == 2.2


def test_deck_json_is_compact(provinces, points):
    text = coverage_deck(provinces, points, metric="partners", lang="zh").to_json()
    assert "\n" not in text and json.loads(text)["layers"]
    # Chinese as UTF-8 (3 bytes a character), not "\\u4e2d" escapes (6): the national map is 11 % smaller.
    assert "\\u" not in text and "河南省" in text


def test_province_layer_data_is_a_list_of_features(provinces, points):
    # Streamlit drops stale selection indices only for array data.
    data = layer(coverage_deck(provinces, points, metric="partners", lang="zh"), PROVINCE_LAYER).data
    assert isinstance(data, list) and {f["type"] for f in data} == {"Feature"}


def test_provinces_outside_the_frame_are_grey_context(provinces, points):
    deck = coverage_deck(provinces, points, metric="partners", lang="zh")
    assert set(by_code(deck)) == {HENAN, HUBEI, TAIWAN}
    context = by_code(deck, "provinces_context")
    assert len(context) == 34 - 3 and HENAN not in context
    assert {tuple(f["properties"]["fill"]) for f in context.values()} == {tuple(palette.hex_to_rgb(palette.NO_DATA))}


def test_the_ten_dash_line_is_drawn(provinces, points):
    dashes = features(layer(coverage_deck(provinces, points, metric="partners", lang="zh"), "maritime_boundary").data)
    assert len(dashes) == 10 and {f["geometry"]["type"] for f in dashes} == {"LineString"}


# ---- colours ----------------------------------------------------------------------------------


def test_more_partners_never_means_a_lighter_province(provinces, points):
    feats = by_code(coverage_deck(provinces, points, metric="partners", lang="zh"))
    steps = {code: list(palette.SEQUENTIAL).index(_hex(f["properties"]["fill"])) for code, f in feats.items()}
    assert steps[HENAN] > steps[HUBEI] > steps[TAIWAN]


def test_zero_partners_is_a_value_not_missing(provinces, points):
    feats = by_code(coverage_deck(provinces, points, metric="partners", lang="zh"))
    assert _hex(feats[TAIWAN]["properties"]["fill"]) == palette.SEQUENTIAL[0]
    assert feats[TAIWAN]["properties"]["value"] == 0


def test_partner_points_are_coloured_by_kind(provinces, points):
    records = layer(coverage_deck(provinces, points, metric="partners", lang="zh"), PARTNER_LAYER).data
    assert len(records) == 4
    for rec in records:
        kind = points.set_index("partner_id").loc[rec["partner_id"], "kind"]
        assert rec["fill"][:3] == palette.hex_to_rgb(palette.KIND_COLORS[kind])[:3]


def test_partner_points_are_sized_in_pixels_within_bounds(provinces, points):
    spec = deck_json(coverage_deck(provinces, points, metric="partners", lang="zh"))
    partners = next(lay for lay in spec["layers"] if lay["id"] == PARTNER_LAYER)
    assert partners["radiusUnits"] == "pixels" and partners["radiusMinPixels"] >= 2
    radii = [rec["radius"] for rec in partners["data"]]
    assert all(partners["radiusMinPixels"] <= r <= partners["radiusMaxPixels"] for r in radii)


# ---- selected provinces -------------------------------------------------------------------------


def test_selected_province_is_outlined(provinces, points):
    deck = coverage_deck(provinces, points, metric="partners", lang="zh", selected=(HUBEI,))
    for layer_id in ("selected_halo", "selected_outline"):
        outlined = features(layer(deck, layer_id).data)
        assert [f["properties"]["code"] for f in outlined] == [HUBEI]
    outline, borders = layer(deck, "selected_outline"), layer(deck, PROVINCE_LAYER)
    assert outline.get_line_width > borders.get_line_width
    assert sum(outline.get_line_color[:3]) < sum(borders.get_line_color[:3])  # darker


def test_no_outline_layers_without_a_selection(provinces, points):
    deck = coverage_deck(provinces, points, metric="partners", lang="zh")
    assert not {"selected_halo", "selected_outline"} & {lay.id for lay in deck.layers}


# ---- partners per 10k leads -------------------------------------------------------------------


def test_per_10k_leads_is_partners_over_leads(provinces):
    values = metric_values(provinces, "per_10k_leads")
    assert values[0] == pytest.approx(12 / 800 * 10_000)
    assert values[1] == pytest.approx(3 / 1_500 * 10_000)


def test_per_10k_leads_is_missing_without_leads(provinces):
    assert math.isnan(metric_values(provinces, "per_10k_leads")[2])


def test_province_without_leads_is_grey_with_a_dash(provinces, points):
    feats = by_code(coverage_deck(provinces, points, metric="per_10k_leads", lang="zh"))
    taiwan = feats[TAIWAN]["properties"]
    assert _hex(taiwan["fill"]) == palette.NO_DATA and taiwan["value"] is None
    assert "—" in taiwan["line3"]
    assert _hex(feats[HENAN]["properties"]["fill"]) in palette.SEQUENTIAL


def test_unknown_metric_is_a_programming_error(provinces):
    with pytest.raises(ValueError):
        metric_values(provinces, "revenue")


def test_legend_lists_each_class_and_no_data(provinces):
    legend = coverage_legend(provinces, metric="per_10k_leads", lang="en")
    assert legend[-1] == (palette.NO_DATA, "No data")
    assert all(colour in palette.SEQUENTIAL for colour, _ in legend[:-1]) and len(legend) >= 2


def test_one_class_of_zeros_looks_empty(provinces, points):
    nobody = provinces.assign(partners=0, schools=0, enterprises=0, governments=0)
    legend = coverage_legend(nobody, metric="partners", lang="zh")
    assert legend[0] == (palette.SEQUENTIAL[0], "0")


# ---- tooltips ---------------------------------------------------------------------------------


def test_every_pickable_layer_carries_the_tooltip_fields(provinces, points):
    deck = coverage_deck(provinces, points, metric="partners", lang="zh")
    for lay in deck.layers:
        if not lay.pickable:
            continue
        rows = [f["properties"] for f in features(lay.data)] if lay.id == PROVINCE_LAYER else lay.data
        assert rows, lay.id
        for row in rows:
            assert all(isinstance(row.get(field), str) and row[field] for field in TOOLTIP_FIELDS), (lay.id, row)


def test_the_tooltip_uses_only_the_shared_fields(provinces, points):
    deck = coverage_deck(provinces, points, metric="partners", lang="zh")
    assert set(re.findall(r"{(\w+)}", deck._tooltip["html"])) == set(TOOLTIP_FIELDS)


def test_province_tooltip_in_chinese(provinces, points):
    henan = by_code(coverage_deck(provinces, points, metric="partners", lang="zh"))[HENAN]["properties"]
    assert henan["title"] == "河南省"
    assert "12" in henan["line1"] and "2" in henan["line1"] and "院校" in henan["line1"]
    assert "800" in henan["line2"]
    assert "150.0" in henan["line3"]  # 12 / 800 x 10,000


def test_partner_tooltip_in_english(provinces, points):
    records = {r["partner_id"]: r for r in layer(coverage_deck(provinces, points, metric="partners", lang="en"), PARTNER_LAYER).data}
    hankou = records[6]
    assert hankou["title"] == "Hankou University"
    assert hankou["line1"] == i18n.label("kind", "vocational_college", "en")
    assert "Wuhan" in hankou["line2"] and i18n.label("tier", "capital", "en") in hankou["line2"]
    assert "15 Mar 2020" in hankou["line3"] and "4" in hankou["line3"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_builders_use_only_known_translation_keys(provinces, points, lang):
    for metric in ("partners", "per_10k_leads"):
        coverage_deck(provinces, points, metric=metric, lang=lang, selected=(HUBEI,))
        coverage_legend(provinces, metric=metric, lang=lang)
    assert i18n.missing_keys() == frozenset() and i18n.format_failures() == frozenset()


# ---- jitter -------------------------------------------------------------------------------------


def test_same_city_partners_are_apart_but_near_their_city(provinces, points):
    records = {r["partner_id"]: r for r in layer(coverage_deck(provinces, points, metric="partners", lang="zh"), PARTNER_LAYER).data}
    a, b = records[1]["position"], records[6]["position"]
    assert math.dist(a, b) > 0.02  # > ~2 km apart
    for pid in (1, 6):
        assert math.dist(records[pid]["position"], (114.305, 30.593)) < 0.2


def test_jitter_is_stable_across_builds_and_filters(provinces, points):
    first = layer(coverage_deck(provinces, points, metric="partners", lang="zh"), PARTNER_LAYER).data
    only_hubei = points[points["province_code"] == HUBEI]
    again = layer(coverage_deck(provinces, only_hubei, metric="per_10k_leads", lang="en"), PARTNER_LAYER).data
    positions = {r["partner_id"]: r["position"] for r in first}
    assert all(positions[r["partner_id"]] == r["position"] for r in again)


def test_partner_records_are_plain_json(provinces, points):
    records = layer(coverage_deck(provinces, points.astype({"partner_id": "int64"}), metric="partners", lang="zh"), PARTNER_LAYER).data
    json.dumps(records)  # no numpy scalars, no dates
    assert all(type(r["partner_id"]) is int for r in records)


def test_empty_frames_still_draw_the_country():
    empty_p = pd.DataFrame(
        columns=[
            "province_code",
            "name_zh",
            "name_en",
            "region",
            "lon",
            "lat",
            "partners",
            "schools",
            "enterprises",
            "governments",
            "leads",
        ]
    )
    empty_pts = pd.DataFrame(
        columns=[
            "partner_id",
            "name_zh",
            "name_en",
            "kind",
            "end",
            "agreement_level",
            "status",
            "since",
            "city_code",
            "city_name_zh",
            "city_name_en",
            "province_code",
            "tier",
            "lon",
            "lat",
            "projects",
        ]
    )
    deck = coverage_deck(empty_p, empty_pts, metric="per_10k_leads", lang="zh")
    assert len(by_code(deck, "provinces_context")) == 34 and layer(deck, PARTNER_LAYER).data == []
    fig = coverage_static_figure(empty_p, metric="partners", lang="zh", title="空")
    assert [tr.name for tr in fig.data if tr.showlegend] == [i18n.t("map.legend.no_data", "zh")]


# ---- reading the selection back -------------------------------------------------------------------


def _event(objects: dict) -> object:
    """A selection event as st.pydeck_chart returns it (through Streamlit's own deserialiser)."""
    indices = {key: list(range(len(value))) for key, value in objects.items()}
    return PydeckSelectionSerde().deserialize(json.dumps({"selection": {"indices": indices, "objects": objects}}))


def _feature(code: object) -> dict:
    square = [[[[110, 30], [111, 30], [111, 31], [110, 30]]]]
    return {
        "type": "Feature",
        "geometry": {"type": "MultiPolygon", "coordinates": square},
        "properties": {"code": code, "title": "x", "line1": "", "line2": "", "line3": ""},
    }


def test_province_from_a_province_click():
    assert province_from_selection(_event({PROVINCE_LAYER: [_feature(HUBEI)]})) == HUBEI


def test_province_from_a_plain_dict_event():
    event = {"selection": {"indices": {PROVINCE_LAYER: [3]}, "objects": {PROVINCE_LAYER: [_feature(HENAN)]}}}
    assert province_from_selection(event) == HENAN


def test_province_from_an_integer_code():
    assert province_from_selection(_event({PROVINCE_LAYER: [_feature(420000)]})) == HUBEI


def test_no_province_when_nothing_is_selected():
    assert province_from_selection(PydeckSelectionSerde().deserialize(None)) is None
    assert province_from_selection(_event({})) is None
    assert province_from_selection(_event({PROVINCE_LAYER: []})) is None


def test_no_province_when_a_partner_is_selected(points):
    assert province_from_selection(_event({PARTNER_LAYER: [{"partner_id": 6}]})) is None


@pytest.mark.parametrize(
    "event",
    [
        None,
        object(),  # what st.pydeck_chart returns with on_select="ignore"
        "provinces",
        {},
        {"selection": None},
        {"selection": {"objects": None}},
        {"selection": {"objects": {PROVINCE_LAYER: {"properties": {"code": HUBEI}}}}},
        {"selection": {"objects": {PROVINCE_LAYER: ["420000"]}}},
        {"selection": {"objects": {PROVINCE_LAYER: [{"properties": None}]}}},
        {"selection": {"objects": {PROVINCE_LAYER: [{"properties": {"name": "湖北省"}}]}}},
        {"selection": {"objects": {PROVINCE_LAYER: [{"properties": {"code": ""}}]}}},
        {"selection": {"objects": {PROVINCE_LAYER: [{"properties": {"code": True}}]}}},
    ],
)
def test_malformed_events_give_no_province(event):
    assert province_from_selection(event) is None


def test_partner_from_a_partner_click():
    assert partner_from_selection(_event({PARTNER_LAYER: [{"partner_id": 42, "title": "x"}]})) == 42
    assert partner_from_selection({"selection": {"objects": {PARTNER_LAYER: [{"partner_id": "7"}]}}}) == 7


@pytest.mark.parametrize("value", [None, True, "abc", 4.5, [1]])
def test_partner_ids_that_are_not_ids_give_none(value):
    assert partner_from_selection({"selection": {"objects": {PARTNER_LAYER: [{"partner_id": value}]}}}) is None


def test_no_partner_when_a_province_is_selected():
    assert partner_from_selection(_event({PROVINCE_LAYER: [_feature(HUBEI)]})) is None


# ---- the static figure ------------------------------------------------------------------------------


@pytest.fixture
def static_fig(provinces):
    return coverage_static_figure(
        provinces, metric="per_10k_leads", lang="zh", title="每万条线索合作单位数", caption="数据截至 2026年11月28日"
    )


def test_static_figure_has_a_bounded_number_of_scatter_traces(static_fig, provinces):
    classes = len(coverage_legend(provinces, metric="per_10k_leads", lang="zh"))
    # fill traces per (nesting depth, class) + one legend swatch per class + the ten dashes
    assert len(static_fig.data) <= 3 * classes + 1
    assert {tr.type for tr in static_fig.data} == {"scatter"}


def test_static_figure_has_no_geo_subplot(static_fig):
    assert "geo" not in static_fig.to_plotly_json()["layout"]


def test_static_figure_keeps_equal_aspect_and_hides_axes(static_fig):
    assert static_fig.layout.yaxis.scaleanchor == "x" and static_fig.layout.yaxis.scaleratio == 1
    assert static_fig.layout.xaxis.visible is False and static_fig.layout.yaxis.visible is False


def test_static_figure_has_title_legend_and_caption(static_fig, provinces):
    assert static_fig.layout.title.text == "每万条线索合作单位数"
    assert static_fig.layout.legend.title.text == i18n.t("map.metric.per_10k_leads", "zh")
    legend = [tr.name for tr in static_fig.data if tr.showlegend]
    assert legend == [name for _, name in coverage_legend(provinces, metric="per_10k_leads", lang="zh")]
    caption = static_fig.layout.annotations[0].text
    assert "2026年11月28日" in caption and i18n.t("map.caption.boundaries", "zh") in caption


def test_static_figure_fills_with_palette_colours(static_fig):
    fills = {tr.fillcolor for tr in static_fig.data if tr.fill == "toself"}
    assert fills and fills <= set(palette.SEQUENTIAL) | {palette.NO_DATA}


def test_static_figure_draws_taiwan_the_south_china_sea_and_the_ten_dashes(static_fig):
    def ys(tr):
        return np.array([y for y in tr.y if y is not None], dtype=float)

    fill_y = np.concatenate([ys(tr) for tr in static_fig.data if tr.fill == "toself"])
    fill_x = np.concatenate([np.array([x for x in tr.x if x is not None], dtype=float) for tr in static_fig.data if tr.fill == "toself"])
    assert fill_y.min() < maps._mercator(np.array([5.0]))[0]  # islands near James Shoal (3.9°N)
    taiwan = (fill_x > 120) & (fill_x < 122.1) & (fill_y > maps._mercator(np.array([22.0]))[0])
    assert taiwan.any()
    dashes = [tr for tr in static_fig.data if tr.name == "maritime_boundary"]
    assert len(dashes) == 1 and sum(y is None for y in dashes[0].y) == 10


def test_static_figure_draws_enclaves_after_their_surroundings(static_fig):
    # Hebei's enclaves lie inside Beijing/Tianjin rings; they must come in a later trace.
    depth = {code: d for code, _, _, d in maps._static_rings() if d > 0}
    assert "130000" in depth


@pytest.mark.browser
def test_static_figure_exports_without_network(static_fig):
    # No geo trace means no topojson to fetch. kaleido needs Chromium: skip without it,
    # except under CI=true, where a missing browser must fail (as in test_export.py).
    if shutil.which("chromium") is None and os.environ.get("CI", "").lower() != "true":
        pytest.skip("Chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    png = static_fig.to_image(format="png", width=640, height=450)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


# ---- boundaries of the module ---------------------------------------------------------------------


@pytest.mark.parametrize("module", [maps, palette])
def test_builders_import_neither_streamlit_nor_data_access(module):
    """No streamlit, and from data_access only its stdlib vocabulary (untrusted: the tooltips' escaping)."""
    imported = set()
    for node in ast.walk(ast.parse(Path(module.__file__).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module)
    assert not {m for m in imported if m.split(".")[0] == "streamlit"}
    assert {m for m in imported if m.split(".")[0] == "data_access"} <= {"data_access.untrusted"}


def _hex(rgba: list[int]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgba[:3])
