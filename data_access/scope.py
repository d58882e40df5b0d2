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

    def __post_init__(self) -> None:
        provinces = _clean(self.provinces, None, "provinces")
        if len(provinces) > MAX_PROVINCES:
            raise ScopeError(f"provinces: {len(provinces)} codes given, at most {MAX_PROVINCES} allowed")
        bad = [p for p in provinces if not _ADCODE.match(p)]
        if bad:
            raise ScopeError(f"provinces: not 6-digit adcodes: {bad[:5]}")
        if not (isinstance(self.start, dt.date) and isinstance(self.end, dt.date)) or self.start >= self.end:
            raise ScopeError(f"period: start {self.start!r} must be a date before end {self.end!r}")
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

    def previous(self) -> Scope:
        """The same scope over the period of equal length just before this one (for deltas).

        Whole years map to the previous whole years (calendar-aligned), others shift by length.
        """
        if self.start.month == 1 and self.start.day == 1 and self.end.month == 1 and self.end.day == 1:
            n = self.end.year - self.start.year
            start, end = self.start.replace(year=self.start.year - n), self.start
        elif self.start.day == 1 and self.end.day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
            m = self.start.year * 12 + self.start.month - 1 - months
            start, end = dt.date(m // 12, m % 12 + 1, 1), self.start
        else:
            length = self.end - self.start
            start, end = self.start - length, self.start
        return self.with_period(start, end)

    def year_earlier(self) -> Scope:
        """The same dates one year earlier ("vs last year"; a year-to-date compares with the same
        months of last year). 29 February maps to the 28th."""

        def back(d: dt.date) -> dt.date:
            return d.replace(year=d.year - 1) if not (d.month == 2 and d.day == 29) else dt.date(d.year - 1, 2, 28)

        return self.with_period(back(self.start), back(self.end))

    def with_period(self, start: dt.date, end: dt.date) -> Scope:
        """The same slices over another period."""
        return replace(self, start=start, end=end)

    def with_provinces(self, provinces) -> Scope:
        """The same scope narrowed or widened to other provinces (callers intersect with the allowed set)."""
        return replace(self, provinces=tuple(provinces))


def year_scope(provinces, year: int, **slices) -> Scope:
    """A scope over one calendar year."""
    provinces = provinces if isinstance(provinces, str) else tuple(provinces)  # a str is refused by Scope
    return Scope(provinces, dt.date(year, 1, 1), dt.date(year + 1, 1, 1), **slices)


def selection_scope(
    provinces, start: dt.date, end: dt.date, *, ends, channels, tiers, programmes=codes.PROGRAMMES, project_kinds=codes.PROJECT_KINDS
) -> Scope:
    """The Scope for a filter selection: partner ends (G/B/S) become the partner kinds they hold."""
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
    )
