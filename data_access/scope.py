"""What a query may see: the provinces, period and slices a user asked for and is allowed.

``Scope`` is a frozen, hashable value (it is part of every cache key). An empty sequence
means "nothing": no provinces → no rows. "All" is always an explicit list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from data_access import codes

_ADCODE = re.compile(r"^\d{6}$")
# How a delta is computed (the URL's compare=): the same period last year (the default) or the
# previous period of the same length. Chosen once for the whole cockpit.
COMPARE_RULES: tuple[str, ...] = ("yoy", "prev")
DEFAULT_COMPARE = "yoy"
# There are 34 provincial-level divisions; a longer list is not a real request.
MAX_PROVINCES = 64


class ScopeError(ValueError):
    """A scope value is malformed; the message says which and why."""


def _clean(values, allowed: tuple[str, ...] | None, name: str) -> tuple[str, ...]:
    if isinstance(values, str):
        raise ScopeError(f"{name} must be a sequence of codes, not a single string")
    out = set()
    for v in values:
        if not isinstance(v, str):
            raise ScopeError(f"{name}: {v!r} is not a code")
        if allowed is not None and v not in allowed:
            raise ScopeError(f"{name}: unknown code {v!r}")
        out.add(v)
    return tuple(sorted(out))


@dataclass(frozen=True)
class Scope:
    """Provinces (adcodes), a half-open period [start, end), and the slices to include."""

    provinces: tuple[str, ...]
    start: dt.date
    end: dt.date
    channels: tuple[str, ...] = codes.CHANNELS
    kinds: tuple[str, ...] = codes.PARTNER_KINDS
    tiers: tuple[str, ...] = codes.TIERS
    programmes: tuple[str, ...] = codes.PROGRAMMES  # learners' programmes: funnel and lead figures
    project_kinds: tuple[str, ...] = codes.PROJECT_KINDS  # projects' kinds: money figures
    label: str = field(default="", compare=False)
    # The end of the period as chosen, when the data stops before it (2026 viewed on 28 November:
    # end is 29 November, plan_end 1 January 2027). Plans and targets run to it (data_access/periods.py);
    # None: the period is whole (plan_end is end).
    plan_end: dt.date | None = None

    def __post_init__(self) -> None:
        provinces = _clean(self.provinces, None, "provinces")
        if len(provinces) > MAX_PROVINCES:
            raise ScopeError(f"provinces: {len(provinces)} codes given, at most {MAX_PROVINCES} allowed")
        bad = [p for p in provinces if not _ADCODE.match(p)]
        if bad:
            raise ScopeError(f"provinces: not 6-digit adcodes: {bad[:5]}")
        if not (isinstance(self.start, dt.date) and isinstance(self.end, dt.date)) or self.start >= self.end:
            raise ScopeError(f"period: start {self.start!r} must be a date before end {self.end!r}")
        if self.plan_end is not None and (not isinstance(self.plan_end, dt.date) or self.plan_end < self.end):
            raise ScopeError(f"period: plan_end {self.plan_end!r} must be a date not before end {self.end!r}")
        if self.plan_end == self.end:
            object.__setattr__(self, "plan_end", None)
        object.__setattr__(self, "provinces", provinces)
        object.__setattr__(self, "channels", _clean(self.channels, codes.CHANNELS, "channels"))
        object.__setattr__(self, "kinds", _clean(self.kinds, codes.PARTNER_KINDS, "kinds"))
        object.__setattr__(self, "tiers", _clean(self.tiers, codes.TIERS, "tiers"))
        object.__setattr__(self, "programmes", _clean(self.programmes, codes.PROGRAMMES, "programmes"))
        object.__setattr__(self, "project_kinds", _clean(self.project_kinds, codes.PROJECT_KINDS, "project_kinds"))

    @property
    def is_empty(self) -> bool:
        """True when the scope can match nothing."""
        return not (self.provinces and self.channels and self.kinds and self.tiers)

    @property
    def years(self) -> range:
        """The calendar years the period touches."""
        return range(self.start.year, (self.end - dt.timedelta(days=1)).year + 1)

    @property
    def plan_until(self) -> dt.date:
        """The end of the period as chosen: plans and targets run to it (``end`` stops at the data)."""
        return self.plan_end or self.end

    def previous(self) -> Scope:
        """The same scope over the period of equal length just before this one ("vs the previous
        period"). Whole years map to the previous whole years and whole months to as many months
        before (calendar-aligned), others shift by their length. A period the data stops inside
        (``plan_end``) maps to the period before the chosen one, cut after as many days as this one
        has: 2026Q4 to 28 November compares with 1 July – 28 August."""
        start, end = _previous_bounds(self.start, self.plan_until)
        if self.plan_end is None:
            return self.with_period(start, end)
        return self.with_period(start, min(start + (self.end - self.start), end), plan_end=end)

    def year_earlier(self) -> Scope:
        """The same dates one year earlier ("vs the same period last year"; a year-to-date compares
        with the same months of last year). 29 February maps to the 28th."""

        def back(d: dt.date) -> dt.date:
            return d.replace(year=d.year - 1) if not (d.month == 2 and d.day == 29) else dt.date(d.year - 1, 2, 28)

        return self.with_period(back(self.start), back(self.end), plan_end=back(self.plan_end) if self.plan_end else None)

    def compared(self, rule: str) -> Scope:
        """The scope a delta compares with under a comparison rule (``COMPARE_RULES``): "yoy" the same
        period last year, "prev" the previous period of the same length."""
        if rule not in COMPARE_RULES:
            raise ScopeError(f"compare: {rule!r} is not one of {COMPARE_RULES}")
        return self.previous() if rule == "prev" else self.year_earlier()

    def with_period(self, start: dt.date, end: dt.date, *, plan_end: dt.date | None = None) -> Scope:
        """The same slices over another period (whole unless ``plan_end`` says where it was to end)."""
        return replace(self, start=start, end=end, plan_end=plan_end)

    def with_provinces(self, provinces) -> Scope:
        """The same scope narrowed or widened to other provinces (callers intersect with the allowed set)."""
        return replace(self, provinces=tuple(provinces))


def _previous_bounds(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    if start.month == 1 and start.day == 1 and end.month == 1 and end.day == 1:
        n = end.year - start.year
        return start.replace(year=start.year - n), start
    if start.day == 1 and end.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month
        m = start.year * 12 + start.month - 1 - months
        return dt.date(m // 12, m % 12 + 1, 1), start
    return start - (end - start), start


def year_scope(provinces, year: int, **slices) -> Scope:
    """A scope over one calendar year."""
    provinces = provinces if isinstance(provinces, str) else tuple(provinces)  # a str is refused by Scope
    return Scope(provinces, dt.date(year, 1, 1), dt.date(year + 1, 1, 1), **slices)


def selection_scope(
    provinces,
    start: dt.date,
    end: dt.date,
    *,
    ends,
    channels,
    tiers,
    programmes=codes.PROGRAMMES,
    project_kinds=codes.PROJECT_KINDS,
    plan_end: dt.date | None = None,
) -> Scope:
    """The Scope for a filter selection: partner ends (G/B/S) become the partner kinds they hold;
    ``plan_end`` is where the chosen period ends when the data stops before it."""
    kinds = tuple(k for k, e in codes.END_OF_KIND.items() if e in set(ends))
    return Scope(
        tuple(provinces),
        start,
        end,
        channels=tuple(channels),
        kinds=kinds,
        tiers=tuple(tiers),
        programmes=tuple(programmes),
        project_kinds=tuple(project_kinds),
        plan_end=plan_end,
    )
