"""The names of places, without their suffixes: 武汉市 → 武汉, 恩施土家族苗族自治州 → 恩施.

Pure (standard library): the place catalogue (data_access/places.py) composes English names from
it, and the question parser (components/ask) reads a place by its short name, as people say it.
"""

from __future__ import annotations

# The 55 minority ethnic groups (plus 各族 "all ethnic groups"), to strip from the names of
# autonomous areas: 恩施土家族苗族自治州 → 恩施. Bare forms only for names of two or more
# characters, so that a one-character group (回, 土, 水) never eats part of a place name.
_ETHNIC_GROUPS = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
    "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC_TOKENS = tuple(
    sorted(
        {g + "族" for g in _ETHNIC_GROUPS} | {g for g in _ETHNIC_GROUPS if len(g) >= 2} | {"各族"},
        key=len,
        reverse=True,
    )
)
_AUTONOMOUS_SUFFIXES = ("自治区", "自治州", "自治县", "自治旗")
# Longest first, so that 自治县 wins over 县.
_ADMIN_SUFFIXES = (
    "特别行政区",
    *_AUTONOMOUS_SUFFIXES,
    "地区",
    "林区",
    "特区",
    "省",
    "市",
    "县",
    "旗",
    "盟",
    "区",
)


def short_name_zh(name_zh: str) -> str:
    """The Chinese name without administrative and ethnic suffixes, for composing other names.

    武汉市 → 武汉, 恩施土家族苗族自治州 → 恩施, 长阳土家族自治县 → 长阳, 忠县 → 忠县.
    """
    stem, suffix = _strip_suffix(name_zh)
    if suffix in _AUTONOMOUS_SUFFIXES:
        stem = _strip_ethnic(stem)
    return stem if len(stem) > 1 else name_zh


def _strip_suffix(name: str) -> tuple[str, str]:
    for suffix in _ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


def _strip_ethnic(stem: str) -> str:
    rest = stem
    stripped = True
    while stripped:
        stripped = False
        for token in _ETHNIC_TOKENS:
            if rest.endswith(token):
                rest = rest[: -len(token)]
                stripped = True
                break
    if rest:
        return rest
    # The whole stem was an ethnic group (东乡族自治县, 鄂伦春自治旗): keep it as the name.
    return stem.removesuffix("族")
