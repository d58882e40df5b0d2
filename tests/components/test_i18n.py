"""Tests of the translation catalogues and the number/date formatters in components.i18n."""

from __future__ import annotations

import ast
import math
import re
import string
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from components import i18n

# Code-list groups: catalogue key prefix -> the codes that need a label.
from components import metrics as registry  # noqa: E402
from components.i18n import (
    LANGS,
    catalogue,
    format_date,
    format_delta,
    format_money,
    format_month,
    format_number,
    format_percent,
    format_period,
    label,
    money_unit,
    money_unit_scale,
    normalize_lang,
    plurals,
    t,
)
from data_access import codes, events  # only the test may look at the code lists
from data_access.queries.kpi import METRICS as KPI_METRICS  # noqa: E402 - tests may import data_access

CODE_GROUPS: dict[str, tuple[str, ...]] = {
    "event_kind": events.KINDS,
    "stage": codes.STAGES + (codes.REFUNDED,),
    "channel": codes.CHANNELS,
    "kind": codes.PARTNER_KINDS,
    "end": codes.ENDS,
    "tier": codes.TIERS,
    "region": codes.REGIONS,
    "sector": codes.SECTORS,
    "project_kind": codes.PROJECT_KINDS,
    "project_status": codes.PROJECT_STATUSES,
    "category": codes.DISBURSEMENT_CATEGORIES,
    "programme": codes.PROGRAMMES,
    # Target metrics, the KPI metrics of the query layer, and the registry's metrics with their full
    # names, definitions (components/metrics.py) and bases.
    "metric": tuple(
        dict.fromkeys(
            codes.TARGET_METRICS
            + KPI_METRICS
            + tuple(f"{m}{part}" for m in registry.METRICS for part in ("", ".name", ".def"))
            + tuple(f"basis.{b}{part}" for b in registry.BASES for part in ("", ".short"))
        )
    ),
    "level": codes.AGREEMENT_LEVELS,
    "partner_status": codes.PARTNER_STATUSES,
    "agreement_kind": codes.AGREEMENT_KINDS,
    "role": codes.ROLES,
}
APP_SHELL_KEYS = (
    "app.title",
    "app.data_as_of",
    "nav.overview",
    "nav.coverage",
    "nav.investment",
    "nav.funnels",
    "nav.reports",
    "filter.provinces",
    "filter.period",
    "filter.kinds",
    "filter.channels",
    "filter.tiers",
    "filter.all",
    "filter.lang",
    "notice.dropped_values",
    "error.db_unavailable",
)
# Chinese texts that may legitimately be Latin letters only (none are needed today).
ZH_ASCII_ALLOWED = frozenset({"G", "B", "1+X", "AI"})

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
I18N_DIR = Path(i18n.__file__).resolve().parent


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _raw_catalogue(lang: str):
    with i18n.po_path(lang).open("rb") as fh:
        return read_po(fh)


def _texts(lang: str) -> dict[str, tuple[str, ...]]:
    """Every message of a language, ordinary and plural, key -> its texts (a plural entry's forms)."""
    return {**{k: (v,) for k, v in catalogue(lang).items()}, **plurals(lang)}


@pytest.fixture(autouse=True)
def _fresh_records():
    i18n.clear_records()
    yield
    i18n.clear_records()


# ---- catalogues ----------------------------------------------------------------------------


def test_catalogues_have_the_same_keys():
    zh, en = set(catalogue("zh")), set(catalogue("en"))
    assert zh - en == set(), "keys only in zh"
    assert en - zh == set(), "keys only in en"
    # a plural entry in one language is a plural entry in the other (tests/components/test_plurals.py)
    assert set(plurals("zh")) == set(plurals("en"))


@pytest.mark.parametrize("lang", LANGS)
def test_no_entry_is_empty_or_fuzzy(lang):
    def empty(string) -> bool:
        forms = string if isinstance(string, tuple) else (string,)
        return not forms or any(not f or not f.strip() for f in forms)

    bad = [m.id for m in _raw_catalogue(lang) if m.id and (empty(m.string) or m.fuzzy)]
    assert bad == []


@pytest.mark.parametrize("lang", LANGS)
def test_no_msgid_is_duplicated(lang):
    # read_po keeps the last of two equal msgids silently, so count them in the raw file.
    ids = re.findall(r'^msgid "(.+)"$', i18n.po_path(lang).read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert [k for k in set(ids) if ids.count(k) > 1] == []


def test_keys_are_dotted_identifiers():
    pattern = re.compile(r"[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+")
    assert [k for k in _texts("zh") if not pattern.fullmatch(k)] == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("group", sorted(CODE_GROUPS))
def test_every_code_has_a_label(group, lang):
    missing = [code for code in CODE_GROUPS[group] if f"{group}.{code}" not in catalogue(lang)]
    assert missing == []


def test_code_groups_have_no_stale_labels():
    stale = [
        key
        for key in catalogue("zh")
        if key.split(".", 1)[0] in CODE_GROUPS and key.split(".", 1)[1] not in CODE_GROUPS[key.split(".", 1)[0]]
    ]
    assert stale == []


def test_region_labels_agree_with_codes_region_zh():
    assert {code: label("region", code, "zh") for code in codes.REGIONS} == codes.REGION_ZH


def test_app_shell_keys_exist():
    assert [k for k in APP_SHELL_KEYS if k not in catalogue("zh") or k not in catalogue("en")] == []


def test_labels_within_a_group_are_distinct():
    # Two codes with one label would merge in a legend or a filter.
    for lang in LANGS:
        for group, group_codes in CODE_GROUPS.items():
            labels = [label(group, c, lang) for c in group_codes]
            assert len(set(labels)) == len(labels), (lang, group)


def test_chinese_catalogue_has_no_untranslated_english():
    untranslated = [
        (key, text)
        for key, texts in _texts("zh").items()
        for text in texts
        if re.search(r"[A-Za-z]", string.Formatter().vformat(text, (), _Blank())) and not CJK.search(text) and text not in ZH_ASCII_ALLOWED
    ]
    assert untranslated == []


def test_english_catalogue_has_no_chinese():
    assert [(k, v) for k, texts in _texts("en").items() for v in texts if CJK.search(v)] == []


def test_placeholders_are_the_same_in_both_languages():
    """Of a plural entry, the placeholders of all its forms together: an English form for one may
    leave ``{n}`` out ("The only project is at risk")."""
    zh, en = _texts("zh"), _texts("en")

    def used(texts: tuple[str, ...]) -> set[str]:
        return set().union(*(_placeholders(x) for x in texts))

    assert [k for k in zh if used(zh[k]) != used(en.get(k, ("",)))] == []


def test_catalogue_is_read_once_and_cached():
    assert catalogue("zh") is catalogue("zh")


def test_translations_differ_between_languages():
    zh, en = catalogue("zh"), catalogue("en")
    assert zh["app.title"] != en["app.title"]
    assert CJK.search(zh["app.title"]) and not CJK.search(en["app.title"])


# ---- every key is used --------------------------------------------------------------------

ROOT = I18N_DIR.parents[1]
# Keys the code builds at run time instead of writing them out (regular expressions matched from the
# key's start), each with where it is built. The label groups of CODE_GROUPS (``label(group, code)``)
# are checked exactly above.
DYNAMIC_KEYS: dict[str, str] = {
    r"(overview|coverage|investment|funnels|reports)\.(title|intro)$": "components/ui/context.py: t(f'{page}.title')",
    r"admin\.col_": "pages/admin.py: the audit log's column headers, t(f'admin.col_{col}')",
    r"alerts\.rule\.": "components/delivery/alerts.py: t(f'alerts.rule.{rule}')",
    r"auth\.refused\.": "components/ui/auth.py: t(f'auth.refused.{outcome}') and its '_help'",
    r"col\.": "components/ui/exports.py: an exported table's column headers, t(f'col.{col}')",
    r"digest\.schedule\.": "components/delivery/digest.py, pages/alerts.py: t(f'digest.schedule.{schedule}')",
    r"export\.(scope|period|as_of|appendix|rows)$": "components/export/pack.py: t(f'export.{k}')",
    r"export\.xlsx_": "components/export/tables.py: t(f'export.xlsx_{k}')",
    r"map\.metric\.": "components/charts/maps.py, components/sections/coverage.py: t(f'map.metric.{metric}')",
    r"overview\.movers_title_": "components/sections/overview.py: t(f'overview.movers_title_{grain}')",
    r"money\.": "components/charts/investment.py: a project's plan by year, t(f'money.{col}')",
    r"compare\.": "components/filters.py, components/sections/, components/ui/filter_bar.py: t(f'compare.{rule}') and its siblings",
    r"brief\.col_vs\.": "components/sections/overview.py: the pack's delta column, t(f'brief.col_vs.{rule}')",
    r"period\.h[12]$": "components/i18n/numbers.py: half years, t(f'period.h{n}')",
    r"subs\.(channel|dcol|error|status|weekday)\.": "pages/alerts.py: t(f'subs.status.{v}') and its siblings",
    r"upkeep\.(col|pcol|ecol|note|pnote|enote|op|problem)\.": "components/upkeep/: t(f'upkeep.problem.{code}') and its siblings",
    r"upkeep\.(count_|error\.|hcol\.|kind\.|source\.)": "pages/upkeep.py, components/commands/upkeep.py",
    r"upkeep\.[pe]?template_(button|help)$": "pages/upkeep.py: t(f'upkeep.{prefix}template_button')",
    r"ask\.(dim|dims|unsupported|status|chip\.compare|chip\.rank|chip\.rank_n|rank_one|rank_n|example|bar\.compared)\.": (
        "components/ask/, components/ui/ask.py: t(f'ask.dim.{dim}') and its siblings"
    ),
    r"events\.(reach|refused|lcol)\.": "pages/upkeep.py: t(f'events.reach.{r}') and its siblings",
    r"notes\.refused\.": "components/ui/notes.py: t(f'notes.refused.{reason}')",
    r"coverage\.map_style\.": "pages/coverage.py: t(f'coverage.map_style.{s}')",
    r"admin\.ask_(kind|refused)\.": "pages/admin.py: t(f'admin.ask_kind.{k}'), t(f'admin.ask_refused.{reason}')",
}


def _code_strings() -> tuple[set[str], set[str]]:
    """Every string literal of the code outside tests/ (keys are used as literals: ``t("a.b")``,
    ``title_key = "a.b"``), and the shape of every f-string key of a t()/t_md()/tn() call
    (``t(f"subs.status.{v}")`` -> "subs.status.{}")."""
    literals, shapes = set(), set()
    files = [ROOT / "app.py", *(p for d in ("pages", "components", "data_access", "bench", "deploy") for p in (ROOT / d).rglob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.JoinedStr):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in ("t", "t_md", "tn"):
                    shapes.add("".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.args[0].values))
    return literals, shapes


def test_every_key_of_the_catalogue_is_used_by_the_code():
    literals, _ = _code_strings()
    unused = [
        key
        for key in _texts("zh")
        if key not in literals and key.split(".", 1)[0] not in CODE_GROUPS and not any(re.match(pattern, key) for pattern in DYNAMIC_KEYS)
    ]
    assert not unused, f"keys no code uses (delete them from both catalogues, or say where they are built): {unused}"


def test_the_dynamic_keys_are_still_built_by_the_code():
    """Each DYNAMIC_KEYS pattern matches keys of the catalogue, and each of those keys can be built by
    an f-string key of the code: a pattern that outlived its code would keep unused keys alive.
    (``label``'s own ``f"{group}.{code}"`` builds anything and is not counted: CODE_GROUPS is checked above.)"""
    _, shapes = _code_strings()
    built = [re.compile(re.escape(s).replace(r"\{\}", ".*")) for s in shapes if s.replace("{}", "") != "."]
    for pattern in DYNAMIC_KEYS:
        keys = [k for k in _texts("zh") if re.match(pattern, k)]
        assert keys, f"{pattern}: no key of the catalogue"
        assert [k for k in keys if not any(b.fullmatch(k) for b in built)] == [], f"{pattern}: keys no f-string builds"


class _Blank(dict):
    """Format mapping that replaces every placeholder with nothing (to inspect the bare text)."""

    def __missing__(self, key):
        return ""


# ---- the i18n package boundary --------------------------------------------------------------


def test_i18n_imports_neither_streamlit_nor_data_access():
    """No streamlit, and from data_access only the stdlib escaping of untrusted text (t_md)."""
    imported = set()
    for path in I18N_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module)
    assert not {m for m in imported if m.split(".")[0] == "streamlit"}
    assert {m for m in imported if m.split(".")[0] == "data_access"} <= {"data_access.untrusted"}


def test_no_compiled_catalogue_is_shipped():
    assert list(I18N_DIR.rglob("*.mo")) == []


# ---- t, label, normalize_lang ---------------------------------------------------------------


def test_t_returns_the_catalogue_text_of_the_language():
    assert t("nav.overview", "zh") == catalogue("zh")["nav.overview"]
    assert t("nav.overview", "en") == catalogue("en")["nav.overview"]


def test_t_formats_keyword_arguments():
    text = t("app.data_as_of", "en", date="28 Nov 2026")
    assert "28 Nov 2026" in text and "{" not in text


def test_t_accepts_placeholders_named_key_or_lang():
    # key and lang are positional-only, so a text may use {key} or {lang} as placeholders.
    assert t("app.title", "zh", key="x", lang="y") == catalogue("zh")["app.title"]


def test_unknown_key_returns_the_key_and_is_recorded():
    assert t("page.no_such_key", "zh") == "page.no_such_key"
    assert "page.no_such_key" in i18n.missing_keys()


def test_unknown_key_with_arguments_does_not_raise():
    assert t("page.no_such_key", "en", n=3) == "page.no_such_key"


def test_missing_format_argument_does_not_raise_and_is_recorded():
    text = t("app.data_as_of", "zh", day="x")
    assert text == catalogue("zh")["app.data_as_of"]
    assert "app.data_as_of" in i18n.format_failures()


def test_known_keys_are_not_recorded():
    t("app.title", "zh")
    label("stage", "lead", "en")
    assert i18n.missing_keys() == frozenset()


def test_unknown_language_falls_back_to_chinese():
    assert t("app.title", "fr") == t("app.title", "zh")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zh", "zh"),
        ("en", "en"),
        ("EN", "en"),
        (" en-US ", "en"),
        ("en_GB", "en"),
        ("zh-CN", "zh"),
        ("fr", "zh"),
        ("", "zh"),
        (None, "zh"),
        (["en"], "zh"),
    ],
)
def test_normalize_lang(value, expected):
    assert normalize_lang(value) == expected


def test_label_is_t_of_group_and_code():
    assert label("channel", "campus", "en") == t("channel.campus", "en")


def test_label_of_a_missing_code_is_a_dash_and_not_recorded():
    assert label("sector", None, "zh") == "—"
    assert label("sector", float("nan"), "en") == "—"
    assert i18n.missing_keys() == frozenset()


def test_label_of_an_unknown_code_is_recorded():
    label("stage", "no_such_stage", "zh")
    assert "stage.no_such_stage" in i18n.missing_keys()


def test_a_label_inside_an_english_sentence_is_lower_cased_but_not_an_acronym_or_chinese():
    assert i18n.in_sentence(label("stage", "enrolled", "en"), "en") == "enrolled"
    assert i18n.in_sentence("Cohort refund rate", "en-US") == "cohort refund rate"
    assert i18n.in_sentence("YoY growth", "en") == "YoY growth" and i18n.in_sentence("AI", "en") == "AI"
    assert i18n.in_sentence(label("stage", "enrolled", "zh"), "zh") == label("stage", "enrolled", "zh")
    assert i18n.in_sentence("", "en") == ""


# ---- money ---------------------------------------------------------------------------------


def test_zh_money_in_wan():
    text = format_money(12_800_000, "zh")
    assert f"{12_800_000 // 10**4:,}" in text and text.endswith("万元")


def test_zh_money_in_yi():
    text = format_money(356_000_000, "zh")
    assert f"{356_000_000 / 10**8:.2f}" in text and text.endswith("亿元")


def test_zh_money_below_ten_thousand_in_yuan():
    text = format_money(8_500, "zh")
    assert f"{8_500:,}" in text and text.endswith("元") and "万" not in text


@pytest.mark.parametrize(
    ("yuan", "number", "suffix"),
    [(12_800_000, "12.8", "M"), (356_000_000, "356", "M"), (8_500, "8.5", "K"), (2_500_000_000, "2.5", "B"), (850, "850", "")],
)
def test_en_money_uses_yen_sign_and_k_m_b(yuan, number, suffix):
    assert format_money(yuan, "en") == f"¥{number}{suffix}"


@pytest.mark.parametrize("missing", [None, float("nan"), math.inf, Decimal("NaN"), "n/a"])
@pytest.mark.parametrize("lang", LANGS)
def test_missing_money_is_a_dash(missing, lang):
    assert format_money(missing, lang) == "—"


def test_pandas_missing_values_are_dashes():
    pd = pytest.importorskip("pandas")
    assert format_money(pd.NA, "zh") == "—"
    assert format_date(pd.NaT, "en") == "—"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("yuan", [8_500, 12_800_000, 356_000_000])
def test_negative_money_is_the_positive_with_a_minus_sign(yuan, lang):
    assert format_money(-yuan, lang) == "-" + format_money(yuan, lang)


def test_money_accepts_decimal_and_numpy_values():
    np = pytest.importorskip("numpy")
    expected = format_money(12_800_000, "zh")
    assert format_money(Decimal("12800000.00"), "zh") == expected
    assert format_money(np.int64(12_800_000), "zh") == expected
    assert format_money(np.float64(12_800_000), "zh") == expected


def test_money_rounds_half_up():
    # 2.345 亿 must read 2.35, not banker's 2.34 nor float-artefact 2.34.
    assert format_money(234_500_000, "zh").startswith("2.35")


def test_rounding_carry_moves_to_the_next_unit():
    assert format_money(99_999_999, "zh") == format_money(10**8, "zh")
    assert format_money(999_999, "en") == format_money(10**6, "en")
    assert format_money(9_999.6, "zh").endswith("万元")


def test_forced_unit_overrides_the_automatic_one():
    assert format_money(356_000_000, "zh", unit="wan") == f"{356_000_000 // 10**4:,} 万元"
    assert format_money(356_000_000, "zh", unit="yuan") == f"{356_000_000:,} 元"
    assert format_money(8_500, "zh", unit="yi").endswith("亿元")


def test_a_chinese_unit_forced_in_english_maps_to_the_nearest_smaller_unit():
    assert format_money(12_800_000, "en", unit="wan").endswith("K")
    assert format_money(12_800_000, "en", unit="yi").endswith("M")


def test_unknown_unit_is_a_programming_error():
    with pytest.raises(ValueError):
        format_money(1, "zh", unit="lakh")


def test_fixed_decimals_keep_trailing_zeros():
    assert format_money(35_000, "zh", unit="wan", decimals=2) == "3.50 万元"


def test_money_without_unit_is_the_bare_number():
    assert format_money(12_800_000, "zh", unit="wan", with_unit=False) == f"{12_800_000 // 10**4:,}"


def test_money_unit_scale_follows_the_largest_amount():
    values = [8_500, None, -356_000_000, 12_800_000]
    assert money_unit_scale(values, "zh") == (1e8, "亿元")
    assert money_unit_scale(values, "en") == (1e6, "¥M")
    assert money_unit_scale([8_500, 12_800], "zh") == (1e4, "万元")


def test_money_unit_scale_of_no_amounts_is_yuan():
    assert money_unit_scale([], "zh") == (1.0, "元")
    assert money_unit_scale([None, float("nan")], "en") == (1.0, "¥")


@pytest.mark.parametrize("lang", LANGS)
def test_money_unit_is_the_unit_of_the_largest_amount(lang):
    values = [8_500, 12_800_000, -356_000_000]
    unit = money_unit(values, lang)
    assert i18n.MONEY_UNITS[unit] == money_unit_scale(values, lang)[0]
    # Formatting the whole table in that unit leaves its largest amount as it reads on its own.
    assert format_money(-356_000_000, lang, unit=unit) == format_money(-356_000_000, lang)


# ---- numbers, percents, deltas --------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_numbers_are_grouped_by_thousands(lang):
    assert format_number(12_345, lang) == f"{12_345:,}"
    assert format_number(-1_234_567, lang) == f"{-1_234_567:,}"


def test_number_rounds_to_an_integer_by_default():
    assert format_number(2.5, "zh") == "3"
    assert format_number(1234.5678, "en", digits=2) == "1,234.57"


def test_missing_number_and_percent_are_dashes():
    assert format_number(None, "zh") == "—"
    assert format_percent(float("nan"), "en") == "—"


@pytest.mark.parametrize("lang", LANGS)
def test_percent_of_a_ratio(lang):
    assert format_percent(0.456, lang) == f"{0.456 * 100:.1f}%"
    assert format_percent(0.456, lang, digits=0) == "46%"
    assert format_percent(-0.021, lang) == "-2.1%"


def test_delta_has_an_explicit_sign():
    assert format_delta(3, "zh") == "+3"
    assert format_delta(-3, "en") == "-3"


def test_negative_delta_starts_with_ascii_minus_for_st_metric():
    # st.metric colours a string delta red only when it starts with "-" (U+002D).
    for kind in ("number", "percent", "points", "money"):
        assert format_delta(-0.5 if kind != "money" else -12_800_000, "zh", kind).startswith("-")


def test_percent_delta():
    assert format_delta(-0.021, "en", "percent") == "-2.1%"
    assert format_delta(0.021, "zh", "percent") == "+2.1%"


def test_points_delta_names_percentage_points():
    zh, en = format_delta(0.021, "zh", "points"), format_delta(0.021, "en", "points")
    assert zh.startswith("+2.1") and "百分点" in zh
    assert en.startswith("+2.1") and en != zh


def test_money_delta_uses_the_money_format_with_a_sign():
    assert format_delta(12_800_000, "zh", "money") == "+" + format_money(12_800_000, "zh")
    assert format_delta(-12_800_000, "en", "money") == format_money(-12_800_000, "en")


def test_delta_that_rounds_to_zero_has_no_sign():
    assert format_delta(0, "zh") == "0"
    assert format_delta(-0.0004, "en", "percent") == "0.0%"


def test_missing_delta_is_a_dash():
    assert format_delta(None, "zh", "percent") == "—"


# ---- dates and periods ----------------------------------------------------------------------


def test_date_in_chinese():
    assert format_date(date(2026, 11, 28), "zh") == "2026年11月28日"


def test_date_in_english():
    assert format_date(date(2026, 11, 28), "en") == "28 Nov 2026"


def test_date_accepts_datetimes_and_iso_strings():
    expected = format_date(date(2026, 11, 28), "zh")
    assert format_date(datetime(2026, 11, 28, 23, 59), "zh") == expected
    assert format_date("2026-11-28", "zh") == expected


def test_missing_date_is_a_dash():
    assert format_date(None, "zh") == "—"


def test_month():
    assert format_month(date(2026, 11, 5), "zh") == "2026年11月"
    assert format_month(date(2026, 11, 5), "en") == "Nov 2026"


def test_year_period():
    assert format_period("2025", "zh") == "2025年"
    assert format_period("2025", "en") == "2025"


@pytest.mark.parametrize("raw", ["2025Q3", "2025-Q3", "2025 q3"])
def test_quarter_period(raw):
    assert format_period(raw, "zh") == "2025年第三季度"
    assert format_period(raw, "en") == "Q3 2025"


def test_half_year_period():
    assert format_period("2025H1", "zh") == "2025年上半年"
    assert format_period("2025H2", "en") == "H2 2025"


def test_month_period_reads_like_format_month():
    assert format_period("2025-08", "zh") == format_month(date(2025, 8, 1), "zh")


def test_unrecognised_period_is_returned_unchanged():
    assert format_period("FY25", "zh") == "FY25"
    assert format_period("2025-13", "en") == "2025-13"


def test_formatters_normalise_unknown_languages_to_chinese():
    assert format_money(12_800_000, "fr") == format_money(12_800_000, "zh")
    assert format_period("2025Q3", None) == format_period("2025Q3", "zh")
