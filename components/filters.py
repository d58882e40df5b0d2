"""The shared filter bar: URL query parameters <-> Filters, and the sidebar widgets.

URL scheme (documented in the README):
  province=410000&province=420000   provinces by 6-digit adcode (repeatable; absent = all you may see)
  region=central                    adds a region group's provinces (repeatable)
  period=2025 | 2025Q3 | 2026-10     a year, a quarter or a month (default: the latest year with data)
  compare=yoy | prev                deltas against the same period last year (default) or the
                                    previous period of the same length
  end=G&end=B&end=S                 partner ends (absent = all; empty ``end=`` = none)
  channel=campus&channel=online     enrolment channels (same rules)
  tier=capital&tier=county          city tiers (same rules)
  programme=cert_1x                 learner programmes, e.g. 1+X certificates (same rules)
  project_kind=industry_college     project kinds, e.g. industry colleges (same rules)
  lang=zh | en                      language (default zh)
Unknown parameters and values are dropped and reported, never raised.

Pure (no Streamlit): the command line uses it too. The sidebar widgets are in filter_bar.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from components.i18n import LANGS, format_date, format_period, label, t
from data_access.codes import CHANNELS, ENDS, PROGRAMMES, PROJECT_KINDS, REGIONS, TIERS
from data_access.scope import COMPARE_RULES, DEFAULT_COMPARE, Scope, selection_scope
from data_access.untrusted import clean

KNOWN_PARAMS = ("province", "region", "period", "compare", "end", "channel", "tier", "programme", "project_kind", "lang")
# Parameters Streamlit itself may put in a URL; they are neither ours nor errors.
IGNORED_PARAMS = ("embed", "embed_options")


@dataclass(frozen=True)
class Filters:
    """What the user asked to see. ``provinces`` empty means "all I may see"."""

    provinces: tuple[str, ...] = ()
    period: str = ""
    ends: tuple[str, ...] = ENDS
    channels: tuple[str, ...] = CHANNELS
    tiers: tuple[str, ...] = TIERS
    programmes: tuple[str, ...] = PROGRAMMES
    project_kinds: tuple[str, ...] = PROJECT_KINDS
    lang: str = "zh"
    compare: str = DEFAULT_COMPARE  # what every delta compares with (COMPARE_RULES)


@dataclass(frozen=True)
class Slice:
    """A multi-choice filter: its Filters field, URL parameter, code list, label group and title key.
    "All" is the whole code list (left out of links); an empty choice means "none"."""

    field: str
    param: str
    codes: tuple[str, ...]
    group: str
    title_key: str


SLICES: tuple[Slice, ...] = (
    Slice("ends", "end", ENDS, "end", "filter.kinds"),
    Slice("channels", "channel", CHANNELS, "channel", "filter.channels"),
    Slice("tiers", "tier", TIERS, "tier", "filter.tiers"),
    Slice("programmes", "programme", PROGRAMMES, "programme", "filter.programmes"),
    Slice("project_kinds", "project_kind", PROJECT_KINDS, "project_kind", "filter.project_kinds"),
)


def period_options(first: dt.date, as_of: dt.date) -> list[str]:
    """Years (newest first), each followed by its quarters that have started by ``as_of``; the
    latest year's months ("2026-10") follow its quarters."""
    out: list[str] = []
    for year in range(as_of.year, first.year - 1, -1):
        out.append(str(year))
        for q in range(4, 0, -1):
            start = dt.date(year, 3 * q - 2, 1)
            if first <= dt.date(year, 3 * q, 28) and start <= as_of:
                out.append(f"{year}Q{q}")
        if year == as_of.year:
            out.extend(f"{year}-{m:02d}" for m in range(as_of.month, 0, -1) if dt.date(year, m, 1) >= first.replace(day=1))
    return out


def period_span(period: str) -> tuple[dt.date, dt.date]:
    """[start, end) of a period label as chosen: a year, a quarter ("2026Q3") or a month ("2026-10")."""
    year = int(period[:4])
    if "Q" in period:
        q = int(period[-1])
        return dt.date(year, 3 * q - 2, 1), dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    if len(period) == 7 and period[4] == "-":
        m = int(period[5:])
        return dt.date(year, m, 1), dt.date(year + (m == 12), 1 if m == 12 else m + 1, 1)
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def period_bounds(period: str, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end) of a period label, the end clamped to the day after ``as_of``."""
    start, end = period_span(period)
    end = min(end, as_of + dt.timedelta(days=1))
    return start, max(end, start + dt.timedelta(days=1))


def _short(value: str, limit: int = 24) -> str:
    """A dropped value as shown in the notice (a pasted link may carry anything, of any length)."""
    return value if len(value) <= limit else value[:limit] + "…"


def as_literal(value: str) -> str:
    """Link text made safe for a Markdown notice: a code span, so ``[x](//evil)``, ``![i](//x)``,
    headings and e-mail addresses show as typed instead of becoming links, images or markup.
    Backticks and line breaks inside cannot close the span or start a block; control, zero-width
    and direction-override characters are dropped (``data_access.untrusted.clean``)."""
    shown = clean("".join(" " if ch in "\r\n\t" else ch for ch in value)).replace("`", "ˋ")
    return f"`{shown}`"


def dropped_text(dropped: Sequence[str], lang: str) -> str:
    """The dropped ``name=value`` items for the notice, each shown literally."""
    return ("、" if lang == "zh" else ", ").join(as_literal(d) for d in dropped)


def _codes(raw: list[str] | None, allowed: Sequence[str], name: str, dropped: list[str]) -> tuple[str, ...] | None:
    """None when the parameter is absent; () for an explicit empty value; else the valid codes."""
    if raw is None:
        return None
    values = [v for v in raw if v != ""]
    good = tuple(dict.fromkeys(v for v in values if v in allowed))
    dropped.extend(f"{name}={_short(v)}" for v in values if v not in allowed)
    if values and not good:
        return None  # nothing valid: fall back to the default rather than to "nothing"
    return tuple(v for v in allowed if v in good)


def parse_params(
    params: Mapping[str, list[str]], *, allowed: Sequence[str], regions: Mapping[str, Sequence[str]], periods: Sequence[str]
) -> tuple[Filters, list[str]]:
    """Filters from URL parameters (each a list of values) and the ``name=value`` items dropped.

    ``allowed`` are the provinces this user may see; a province outside it is dropped like an
    unknown one. ``periods`` are the valid period labels, the first being the default.
    """
    dropped: list[str] = []
    for name in params:
        if name not in KNOWN_PARAMS and name not in IGNORED_PARAMS:
            dropped.append(f"{_short(name)}={_short(','.join(params[name]))}")
    provinces = _codes(params.get("province"), allowed, "province", dropped) or ()
    region_codes = _codes(params.get("region"), REGIONS, "region", dropped) or ()
    if region_codes:
        extra = [p for r in region_codes for p in regions.get(r, ()) if p in allowed]
        provinces = tuple(p for p in allowed if p in set(provinces) | set(extra))
    if set(provinces) == set(allowed):
        provinces = ()
    period_raw = [v for v in params.get("period", []) if v]
    period = periods[0] if periods else ""
    if period_raw:
        if period_raw[0] in periods:
            period = period_raw[0]
        else:
            dropped.append(f"period={_short(period_raw[0])}")
        dropped.extend(f"period={_short(v)}" for v in period_raw[1:])
    compare_raw = [v for v in params.get("compare", []) if v]
    compare = DEFAULT_COMPARE
    if compare_raw:
        if compare_raw[0] in COMPARE_RULES:
            compare = compare_raw[0]
        else:
            dropped.append(f"compare={_short(compare_raw[0])}")
    lang_raw = [v for v in params.get("lang", []) if v]
    lang = "zh"
    if lang_raw:
        if lang_raw[0] in LANGS:
            lang = lang_raw[0]
        else:
            dropped.append(f"lang={_short(lang_raw[0])}")
    slices = {s.field: _or(_codes(params.get(s.param), s.codes, s.param, dropped), s.codes) for s in SLICES}
    return Filters(provinces=provinces, period=period, lang=lang, compare=compare, **slices), dropped


def _or(value: tuple[str, ...] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    return default if value is None else value


def to_params(f: Filters, *, default_period: str) -> dict[str, list[str]]:
    """The URL parameters for ``f``: defaults are left out to keep links short."""
    out: dict[str, list[str]] = {}
    if f.provinces:
        out["province"] = list(f.provinces)
    if f.period and f.period != default_period:
        out["period"] = [f.period]
    if f.compare != DEFAULT_COMPARE:
        out["compare"] = [f.compare]
    for sl in SLICES:
        value = getattr(f, sl.field)
        if tuple(value) != sl.codes:
            out[sl.param] = list(value) if value else [""]
    if f.lang != "zh":
        out["lang"] = [f.lang]
    return out


def selected_provinces(f: Filters, allowed: Sequence[str]) -> tuple[str, ...]:
    """The provinces a scope should use: the selection, or everything allowed when none is chosen."""
    return tuple(p for p in allowed if p in f.provinces) if f.provinces else tuple(allowed)


def filter_scope(f: Filters, allowed: Sequence[str], as_of: dt.date) -> Scope:
    """The Scope of a selection for a user who may see ``allowed``: the chosen provinces (or all
    allowed), the period's dates up to ``as_of``, and every slice. App and report both use it."""
    start, end = period_bounds(f.period, as_of)
    chosen_end = period_span(f.period)[1]
    return selection_scope(
        selected_provinces(f, allowed),
        start,
        end,
        ends=f.ends,
        channels=f.channels,
        tiers=f.tiers,
        programmes=f.programmes,
        project_kinds=f.project_kinds,
        plan_end=chosen_end if chosen_end > end else None,
    )


def scope_label(provinces: Sequence[str], national: Sequence[str], names: Mapping[str, tuple[str, str]], lang: str) -> str:
    """Short text for the provinces in a scope (captions, file names, pack footers): 全国 / National
    only when the scope is every province of the country (``national``: the whole catalogue, never
    just what one user may see: a regional manager's "all" is their provinces, named), else up to
    three names and "+N"."""
    if not provinces:
        return "—"
    if set(provinces) == set(national):
        return "全国" if lang == "zh" else "National"

    def name(code: str) -> str:
        pair = names.get(code)
        return code if pair is None else pair[0 if lang == "zh" else 1]

    shown = ("、" if lang == "zh" else ", ").join(name(p) for p in provinces[:3])
    return shown + (f" +{len(provinces) - 3}" if len(provinces) > 3 else "")


@dataclass(frozen=True)
class FilterText:
    """The active filters in words, made once (``describe_filters``) for every place that names them:
    the page's scope line, export file names, the pack's title slide and footers, the XLSX filter
    sheet and the report command's log. Every non-default filter is named in each."""

    lang: str
    scope: str  # the provinces: 全国 / 河南、湖北 +2
    period: str  # 2026年（2026-01-01 至 2026-11-28）
    period_code: str  # 2026 / 2026Q3
    slices: tuple[tuple[str, str], ...]  # (name, value) of each partner-end / channel / tier filter not at "all"
    rows: tuple[tuple[str, str], ...]  # (name, value) of every filter
    compare: str = ""  # what deltas compare with, in words: 同比（较去年同期）
    compare_short: str = ""  # the same for a file name: 同比 / yoy

    def _colon(self, name: str, value: str) -> str:
        return f"{name}：{value}" if self.lang == "zh" else f"{name}: {value}"

    @property
    def line(self) -> str:
        """The page's scope line: provinces, period with its dates, then the narrowed slices."""
        tail = "".join(f" · {self._colon(n, v)}" for n, v in self.slices)
        return t("page.scope_line", self.lang, scope=self.scope, period=self.period) + tail + self._compared

    @property
    def _compared(self) -> str:
        return f" · {self._colon(t('filter.compare', self.lang), self.compare)}" if self.compare else ""

    @property
    def scope_and_slices(self) -> str:
        """Provinces, the narrowed slices and the comparison (the pack's title slide and every footer)."""
        return self.scope + "".join(f" · {self._colon(n, v)}" for n, v in self.slices) + self._compared

    @property
    def file_part(self) -> str:
        """For file names: provinces, period code, the narrowed slices' values and the comparison."""
        parts = [self.scope, self.period_code, *(v.replace("、", "+").replace(", ", "+") for _, v in self.slices)]
        return "_".join(parts + ([self.compare_short] if self.compare_short else []))


def describe_filters(
    f: Filters, *, provinces: Sequence[str], start: dt.date, end: dt.date, names: Mapping[str, tuple[str, str]], lang: str
) -> FilterText:
    """The filters ``f`` over the scope's ``provinces`` and [start, end) as text in ``lang``.

    ``names`` holds every province of the catalogue (全国 is said only for all of them).
    """
    sep = "、" if lang == "zh" else ", "
    scope = scope_label(provinces, tuple(names), names, lang)
    period = (
        f"{format_period(f.period, lang)}（{format_date(start, lang)} 至 {format_date(end - dt.timedelta(days=1), lang)}）"
        if lang == "zh"
        else f"{format_period(f.period, lang)} ({format_date(start, lang)} to {format_date(end - dt.timedelta(days=1), lang)})"
    )
    none = t("filter.none", lang)
    rows = [(t("filter.provinces", lang), scope), (t("filter.period", lang), period)]
    narrowed = []
    for sl in SLICES:
        chosen = getattr(f, sl.field)
        if set(chosen) == set(sl.codes):
            value = t("filter.all", lang)
        else:
            value = sep.join(label(sl.group, x, lang) for x in sl.codes if x in chosen) or none
            narrowed.append((t(sl.title_key, lang), value))
        rows.append((t(sl.title_key, lang), value))
    compare = t(f"compare.{f.compare}", lang)
    rows.append((t("filter.compare", lang), compare))
    return FilterText(
        lang=lang,
        scope=scope,
        period=period,
        period_code=f.period,
        slices=tuple(narrowed),
        rows=tuple(rows),
        compare=compare,
        compare_short=t(f"compare.short.{f.compare}", lang),
    )
