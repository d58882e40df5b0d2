"""Money, number, percent, date and period formatting in the conventions of each language.

Chinese readers take large amounts in 万元 (10^4) and 亿元 (10^8): "1,280 万元", "3.56 亿元".
English readers take ¥ with K/M/B: "¥12.8M". The two systems do not map key-for-key, so the money
units live here as locale data (like CLDR's), not as catalogue entries; grouping, month and
quarter names come from Babel/CLDR.

Every function returns display text: "—" for a missing value (None, NaN, NaT, pd.NA), the
locale's minus sign ("-", which is also what ``st.metric`` reads to colour a delta red), and
half-up rounding ("2.345" -> "2.35"), which is what a reader checking by hand expects.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, NamedTuple, SupportsFloat, SupportsIndex, cast

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal, get_minus_sign_symbol, get_plus_sign_symbol

from .catalog import BABEL_LOCALES, is_missing, normalize_lang, t

__all__ = [
    "DASH",
    "MONEY_UNITS",
    "format_date",
    "format_delta",
    "format_money",
    "format_month",
    "format_number",
    "format_percent",
    "format_period",
    "money_unit",
    "money_unit_scale",
]

DASH = "—"


class _MoneyUnit(NamedTuple):
    code: str
    divisor: int
    label: str  # for an axis title or a table header: "万元", "¥M"
    prefix: str  # around the number in running text: "¥" + "12.8" + "M", "1,280" + " 万元"
    suffix: str


_UNITS: dict[str, tuple[_MoneyUnit, ...]] = {
    "zh": (
        _MoneyUnit("yuan", 1, "元", "", " 元"),
        _MoneyUnit("wan", 10**4, "万元", "", " 万元"),
        _MoneyUnit("yi", 10**8, "亿元", "", " 亿元"),
    ),
    "en": (
        _MoneyUnit("yuan", 1, "¥", "¥", ""),
        _MoneyUnit("k", 10**3, "¥K", "¥", "K"),
        _MoneyUnit("m", 10**6, "¥M", "¥", "M"),
        _MoneyUnit("b", 10**9, "¥B", "¥", "B"),
    ),
}
# Every unit code either language understands, with its size. A code from the other language is
# mapped to the largest unit of this language not above it ("wan" in English -> "k"), so a page
# that forces one unit for a table keeps working when the user switches language.
MONEY_UNITS: dict[str, int] = {"yuan": 1, "k": 10**3, "wan": 10**4, "m": 10**6, "yi": 10**8, "b": 10**9}

_PATTERNS: dict[str, dict[str, str]] = {
    "zh": {"date": "y年M月d日", "month": "y年M月", "year": "y年", "quarter": "y年QQQQ"},
    "en": {"date": "d MMM y", "month": "MMM y", "year": "y", "quarter": "QQQ y"},
}


# ---- helpers -------------------------------------------------------------------------------


def _to_decimal(value: object) -> Decimal | None:
    """The value as a finite Decimal, or None when it is missing or not a number."""
    if is_missing(value) or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    try:
        return Decimal(operator.index(cast(SupportsIndex, value)))  # ints, numpy ints: exact (others: TypeError)
    except TypeError:
        pass
    try:
        f = float(cast("SupportsFloat | str", value))  # floats, numpy floats, numeric strings (others: TypeError)
    except (TypeError, ValueError):
        return None
    if f != f or f in (float("inf"), float("-inf")):
        return None
    return Decimal(repr(f))  # repr, not Decimal(f): 2.675 must stay 2.675, not 2.67499...


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _sig_decimals(magnitude: Decimal) -> int:
    """Decimals that leave about three significant digits: 1,280 / 35.6 / 3.56."""
    if magnitude >= 100:
        return 0
    if magnitude >= 10:
        return 1
    return 2


def _digits(magnitude: Decimal, decimals: int, lang: str, *, fixed: bool) -> str:
    """Group a non-negative, already rounded number; ``fixed`` keeps trailing zeros."""
    pattern = "#,##0"
    if decimals > 0:
        pattern += "." + ("0" if fixed else "#") * decimals
    return format_decimal(magnitude, format=pattern, locale=BABEL_LOCALES[lang])


def _sign(negative: bool, rounded_magnitude: Decimal, lang: str, *, explicit_plus: bool) -> str:
    # Decided on the rounded value, so -0.0004 shows as "0.0%", never "-0.0%".
    if rounded_magnitude == 0:
        return ""
    if negative:
        return get_minus_sign_symbol(BABEL_LOCALES[lang])
    return get_plus_sign_symbol(BABEL_LOCALES[lang]) if explicit_plus else ""


def _resolve_unit(unit: str, lang: str) -> _MoneyUnit:
    try:
        size = MONEY_UNITS[unit.lower()]
    except (KeyError, AttributeError):
        raise ValueError(f"unknown money unit {unit!r}; use one of {sorted(MONEY_UNITS)}") from None
    return [u for u in _UNITS[lang] if u.divisor <= size][-1]


def _auto_unit(magnitude: Decimal, lang: str) -> _MoneyUnit:
    """The unit a headline figure of this size reads best in, after rounding.

    99,995,000 yuan rounds to 10,000 万元, which is written 1 亿元: the unit moves up on carry.
    """
    units = _UNITS[lang]
    i = max((k for k, u in enumerate(units) if magnitude >= u.divisor), default=0)
    if i + 1 < len(units):
        scaled = magnitude / units[i].divisor
        if _round(scaled, _sig_decimals(scaled)) * units[i].divisor >= units[i + 1].divisor:
            i += 1
    return units[i]


def _money_text(amount: Decimal, lang: str, unit: str | None, decimals: int | None, with_unit: bool, explicit_plus: bool) -> str:
    magnitude = abs(amount)
    u = _resolve_unit(unit, lang) if unit is not None else _auto_unit(magnitude, lang)
    scaled = magnitude / u.divisor
    places = _sig_decimals(scaled) if decimals is None else decimals
    rounded = _round(scaled, places)
    sign = _sign(amount < 0, rounded, lang, explicit_plus=explicit_plus)
    number = _digits(rounded, places, lang, fixed=decimals is not None)
    if not with_unit:
        return sign + number
    return f"{sign}{u.prefix}{number}{u.suffix}"


# ---- money -------------------------------------------------------------------------------


def format_money(
    yuan: float | int | Decimal | None,
    lang: str,
    *,
    unit: str | None = None,
    decimals: int | None = None,
    with_unit: bool = True,
) -> str:
    """An amount in yuan as read in ``lang``: "1,280 万元" / "¥12.8M"; "—" when missing.

    ``unit`` forces one unit ("yuan", "wan", "yi"; in English "yuan", "k", "m", "b") so a table
    can share it; by default the unit follows the size, with about three significant digits.
    ``decimals`` fixes the number of decimals (trailing zeros kept, for aligned columns).
    ``with_unit=False`` leaves the unit out, for cells under a header such as "投入（万元）".
    Amounts stored in fen must be divided by 100 first.
    """
    lang = normalize_lang(lang)
    amount = _to_decimal(yuan)
    if amount is None:
        return DASH
    return _money_text(amount, lang, unit, decimals, with_unit, explicit_plus=False)


def money_unit(values: Iterable[object], lang: str) -> str:
    """The unit code ("wan", "m", ...) that the largest absolute amount among ``values`` reads in.

    Missing values are ignored; no amounts at all give "yuan". Pass the result as
    ``format_money(..., unit=...)`` to format a whole table in one unit.
    """
    lang = normalize_lang(lang)
    amounts = [abs(d) for d in map(_to_decimal, values) if d is not None]
    return _auto_unit(max(amounts, default=Decimal(0)), lang).code


def money_unit_scale(values: Iterable[object], lang: str) -> tuple[float, str]:
    """One unit for a whole axis or table: (divisor, label), e.g. (1e4, "万元") or (1e6, "¥M").

    Divide the amounts by the divisor and put the label in the axis title or column header.
    The largest absolute amount decides, so the biggest bar reads like its headline figure.
    """
    lang = normalize_lang(lang)
    u = _resolve_unit(money_unit(values, lang), lang)
    return float(u.divisor), u.label


# ---- plain numbers ---------------------------------------------------------------------------


def format_number(n: float | int | Decimal | None, lang: str, *, digits: int = 0) -> str:
    """A count grouped by thousands: "12,345"; ``digits`` fixed decimals; "—" when missing."""
    lang = normalize_lang(lang)
    value = _to_decimal(n)
    if value is None:
        return DASH
    rounded = _round(abs(value), digits)
    return _sign(value < 0, rounded, lang, explicit_plus=False) + _digits(rounded, digits, lang, fixed=True)


def format_percent(x: float | Decimal | None, lang: str, digits: int = 1) -> str:
    """A ratio as a percentage: 0.456 -> "45.6%"; "—" when missing."""
    lang = normalize_lang(lang)
    value = _to_decimal(x)
    if value is None:
        return DASH
    rounded = _round(abs(value) * 100, digits)
    sign = _sign(value < 0, rounded, lang, explicit_plus=False)
    return f"{sign}{_digits(rounded, digits, lang, fixed=True)}%"


def format_delta(
    x: float | int | Decimal | None,
    lang: str,
    kind: Literal["number", "percent", "points", "money"] = "number",
    *,
    digits: int | None = None,
    unit: str | None = None,
) -> str:
    """A change with an explicit sign: "+3", "-2.1%", "+1,280 万元", "+2.1 个百分点".

    ``percent`` takes a ratio (0.021 -> "+2.1%"); ``points`` takes the difference of two ratios
    and names it in percentage points; ``money`` takes yuan and accepts ``unit`` like
    ``format_money``. No change after rounding has no sign. ``digits`` defaults to 0 for
    numbers, 1 for percent and points, automatic for money.
    """
    lang = normalize_lang(lang)
    value = _to_decimal(x)
    if value is None:
        return DASH
    if kind == "money":
        return _money_text(value, lang, unit, digits, True, explicit_plus=True)
    if kind == "number":
        places, scaled, suffix = (0 if digits is None else digits), abs(value), ""
    elif kind in ("percent", "points"):
        places, scaled, suffix = (1 if digits is None else digits), abs(value) * 100, "%"
    else:
        raise ValueError(f"unknown delta kind {kind!r}")
    rounded = _round(scaled, places)
    text = _sign(value < 0, rounded, lang, explicit_plus=True) + _digits(rounded, places, lang, fixed=True)
    if kind == "points":
        return t("delta.points", lang, value=text)
    return text + suffix


# ---- dates and periods -----------------------------------------------------------------------


def _to_date(d: object) -> date | str | None:
    """A date for Babel, None when missing, or the original text when it is not a date."""
    if is_missing(d):
        return None
    if isinstance(d, date):  # datetime and pandas.Timestamp are dates too
        return d
    if isinstance(d, str):
        try:
            return datetime.fromisoformat(d.strip())
        except ValueError:
            return d
    return str(d)


def format_date(d: date | datetime | str | None, lang: str) -> str:
    """A day: "2026年11月28日" / "28 Nov 2026"; ISO strings accepted; "—" when missing."""
    lang = normalize_lang(lang)
    value = _to_date(d)
    if value is None:
        return DASH
    if isinstance(value, str):
        return value
    return _babel_date(value, _PATTERNS[lang]["date"], locale=BABEL_LOCALES[lang])


def format_month(d: date | datetime | str | None, lang: str) -> str:
    """A month: "2026年11月" / "Nov 2026"; "—" when missing."""
    lang = normalize_lang(lang)
    value = _to_date(d)
    if value is None:
        return DASH
    if isinstance(value, str):
        # "2026-11" is not an ISO date for fromisoformat; let format_period read it.
        return format_period(value, lang) if _MONTH.match(value.strip()) else value
    return _babel_date(value, _PATTERNS[lang]["month"], locale=BABEL_LOCALES[lang])


_YEAR = re.compile(r"(\d{4})")
_QUARTER = re.compile(r"(\d{4})\s*[-_/ ]?\s*Q([1-4])", re.IGNORECASE)
_HALF = re.compile(r"(\d{4})\s*[-_/ ]?\s*H([12])", re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def format_period(label: str | int | None, lang: str) -> str:
    """A period label as read in ``lang``.

    "2025" -> "2025年" / "2025"; "2025Q3" -> "2025年第三季度" / "Q3 2025";
    "2025H1" -> "2025年上半年" / "H1 2025"; "2025-08" -> like ``format_month``;
    "2025-08-01" -> like ``format_date``. Any other label comes back unchanged.
    """
    lang = normalize_lang(lang)
    if is_missing(label):
        return DASH
    text = str(label).strip()
    patterns, locale = _PATTERNS[lang], BABEL_LOCALES[lang]
    if m := _YEAR.fullmatch(text):
        return _babel_date(date(int(m[1]), 1, 1), patterns["year"], locale=locale)
    if m := _QUARTER.fullmatch(text):
        first_month = 3 * int(m[2]) - 2
        return _babel_date(date(int(m[1]), first_month, 1), patterns["quarter"], locale=locale)
    if m := _HALF.fullmatch(text):
        return t(f"period.h{m[2]}", lang, year=m[1])
    if (m := _MONTH.fullmatch(text)) and 1 <= int(m[2]) <= 12:
        return _babel_date(date(int(m[1]), int(m[2]), 1), patterns["month"], locale=locale)
    parsed = _to_date(text)
    if isinstance(parsed, date):
        return _babel_date(parsed, patterns["date"], locale=locale)
    return str(label)
