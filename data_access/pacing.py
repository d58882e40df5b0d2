"""Year-end pacing: where a flow KPI will land by 31 December, from its year-to-date and the
seasonal shape of the previous years (pure: numbers in, a Projection out; no SQL, no streamlit).

The method (chosen by ``bench/backtest_pacing.py``; numbers in docs/PACING.md):

- the **share** of a prior year's total that fell before the same point of its year
  (``cumulative_share``; a part-month counts pro rata of its days);
- the projection is ``YTD ÷ last year's share`` (``METHOD = "last_year"``: the simplest seasonal
  method, and the one with the lowest error in the backtest). The shape is the series' own when
  it has ``MIN_YEARS`` prior years with a non-trivial total (for a part of the country: at least
  ``OWN_MIN_EVENTS`` events each; money never), else the national shape, else — no history at
  all — the linear pace ``YTD × 12 ÷ elapsed months``;
- the **range** spans the projections each of the last ``HISTORY_YEARS`` years' shares gives (how
  much the shape moves from year to year), widened by the noise of the months still to come:
  ``Z`` × the Poisson spread of the projection for counts, ``MONEY_MARGIN`` × the share of the
  year to come for money, ``LINEAR_MARGIN`` × that share for the linear pace;
- a complete year projects to itself; a zero year-to-date (also of a complete year), or a point
  of the year before which last year held less than ``MIN_SHARE`` of its total, projects nothing.

Flow metrics only (``PACED_METRICS``): stock metrics (partners, schools, active projects) are
levels the card already holds against the target, and planned money is a plan, not a flow.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

# Flow KPIs with an annual target that accrue month by month.
PACED_METRICS: tuple[str, ...] = ("leads", "enrolled", "certified", "employed", "disbursed_yuan")
HISTORY_YEARS = 3  # prior years whose shape is read (for the range; the point uses the last of them)
MIN_YEARS = 2  # "enough history": at least this many prior years with a non-trivial total
MIN_YEAR_TOTAL = 30.0  # a year whose total is below this (events, or yuan) says nothing about shape
# A part of the country (a province, a region) uses its own shape only when each of those years
# held at least this many events: below it, the backtest found the national shape closer
# (docs/PACING.md). Money of a part of the country always takes the national shape: a province's
# payments are a handful of lumpy project instalments, not a shape.
OWN_MIN_EVENTS = 3000.0
MIN_SHARE = 0.02  # before prior years held 2 % of their total, scaling the YTD is noise
Z = 1.28  # the range is a central 80 % band
MONEY_MARGIN = 0.25  # money: ± this × the share of the year still to come (no count noise to read)
LINEAR_MARGIN = 0.5  # linear pace: ± 50 % of the value × the share of the year still to come

Method = Literal["mean_share", "last_year", "pooled_share", "linear"]
METHOD: Method = "last_year"  # the backtest's choice (docs/PACING.md)
Basis = Literal["actual", "own", "national", "linear", "none"]


@dataclass(frozen=True)
class Projection:
    """A projected year-end value with its plausible range, and what it was projected from.

    ``basis``: ``actual`` (the year is complete), ``own`` (the series' own seasonal shape),
    ``national`` (the national shape: too little own history), ``linear`` (no history at all:
    the linear pace), ``none`` (nothing to project from: value, low and high are NaN).
    """

    value: float
    low: float
    high: float
    basis: Basis
    target: float = math.nan

    def _share(self, x: float) -> float:
        return x / self.target if self.target > 0 and not math.isnan(x) else math.nan

    @property
    def share_of_target(self) -> float:
        """The projected value over the target (NaN without a target)."""
        return self._share(self.value)

    @property
    def low_share(self) -> float:
        """The low end of the range over the target."""
        return self._share(self.low)

    @property
    def high_share(self) -> float:
        """The high end of the range over the target."""
        return self._share(self.high)


def elapsed_months(end: dt.date) -> float:
    """Months of ``end``'s year before ``end`` (exclusive): 1 Nov → 10.0, 16 Nov → 10.5. (A
    whole year, ``end`` on 1 January of the next, is 12: the caller says so.)"""
    days = calendar.monthrange(end.year, end.month)[1]
    return end.month - 1 + (end.day - 1) / days


def cumulative_share(months: Sequence[float], elapsed: float) -> float:
    """The share of a year's total (12 monthly values) that fell in its first ``elapsed`` months
    (a fractional month counts pro rata). NaN when the year's total is not positive."""
    total = float(sum(months))
    if total <= 0:
        return math.nan
    whole = int(elapsed)
    part = sum(months[:whole]) + (months[whole] * (elapsed - whole) if whole < 12 else 0.0)
    return float(part) / total


def usable_years(
    history: Mapping[int, Sequence[float]], year: int, *, years: int = HISTORY_YEARS, min_total: float = MIN_YEAR_TOTAL
) -> list[int]:
    """The prior years (newest first, at most ``years``) whose totals are not trivial."""
    prior = sorted((y for y in history if y < year and float(sum(history[y])) >= min_total), reverse=True)
    return prior[:years]


def own_min_total(metric: str, *, national: bool) -> float:
    """The smallest yearly total for which a series of ``metric`` uses its own shape."""
    if national:
        return MIN_YEAR_TOTAL
    return math.inf if metric.endswith("_yuan") else OWN_MIN_EVENTS


def _point_share(history: Mapping[int, Sequence[float]], used: list[int], elapsed: float, method: Method) -> float:
    shares = [cumulative_share(history[y], elapsed) for y in used]
    if method == "last_year":
        return shares[0]
    if method == "pooled_share":
        return sum(s * sum(history[y]) for s, y in zip(shares, used)) / sum(sum(history[y]) for y in used)
    return statistics.fmean(shares)


def _range(ytd: float, value: float, elapsed: float, each: list[float], counts: bool) -> tuple[float, float]:
    """The lowest and highest projection the single years' shapes give, widened by the noise of
    what is still to come: for counts, Z × the Poisson spread of a projection from a share s,
    sqrt(value × (1 − s) / s); for money, MONEY_MARGIN × the share of the year still to come."""
    s = ytd / value
    noise = Z * math.sqrt(value * (1 - s) / s) if counts else value * MONEY_MARGIN * (1 - elapsed / 12)
    return max(ytd, min(*each, value) - noise), max(*each, value) + noise


def project_year_end(
    ytd: float,
    elapsed: float,
    history: Mapping[int, Sequence[float]],
    *,
    year: int,
    national: Mapping[int, Sequence[float]] | None = None,
    target: float = math.nan,
    method: Method = METHOD,
    min_years: int = MIN_YEARS,
    own_min: float = MIN_YEAR_TOTAL,
    counts: bool = True,
) -> Projection:
    """Project the year-end total of a flow from its year-to-date.

    ``ytd``: the total of ``year`` so far; ``elapsed``: months of the year it covers (0–12,
    fractional for a part-month, see ``elapsed_months``); ``history``: {prior year: 12 monthly
    values} of the same series, whose shape is used when at least ``min_years`` of the last
    HISTORY_YEARS hold ``own_min`` or more; ``national``: the same for the national series,
    whose shape stands in otherwise (then the linear pace). ``target``: the annual target
    (NaN: none), for the shares; ``counts``: the series counts events (False: money).
    """
    none = Projection(math.nan, math.nan, math.nan, "none", target)
    if ytd <= 0 or elapsed <= 0:
        return none
    if elapsed >= 12:
        return Projection(ytd, ytd, ytd, "actual", target)
    if method != "linear":
        for basis, series, least in (("own", history, own_min), ("national", national or {}, MIN_YEAR_TOTAL)):
            used = usable_years(series, year, min_total=least)
            if len(used) < min_years:
                continue
            point = _point_share(series, used, elapsed, method)
            if point < MIN_SHARE:
                return none
            value = ytd / point
            # A prior year that had next to nothing by now would put no bound on the range: left out.
            shares = [s for s in (cumulative_share(series[y], elapsed) for y in used) if s >= MIN_SHARE]
            low, high = _range(ytd, value, elapsed, [ytd / s for s in shares], counts)
            return Projection(value, low, high, "own" if basis == "own" else "national", target)
    if elapsed / 12 < MIN_SHARE:
        return none
    value = ytd * 12 / elapsed
    margin = LINEAR_MARGIN * (12 - elapsed) / 12
    return Projection(value, max(ytd, value * (1 - margin)), value * (1 + margin), "linear", target)
