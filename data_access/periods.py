"""The one rule that turns a year's plan or target into the plan or target of any period.

Plans (``budget_plan``) and targets (``target``) are set per calendar year. A period that is not a
whole year gets its share by this rule, everywhere (the Overview and Investment cards, the sector
and province bars, a project's plan to date, the spend chart, the pack, digests and alerts):

- every calendar month carries 1/12 of its year's figure (a quarter 1/4, a year all of it);
- a month the period covers in part carries its 1/12 times the share of the month's days covered;
- a period over several years adds each year's share.

So a quarter's plan is the sum of its three months' plans, a year the sum of its quarters, and a
custom range [1 Feb, 16 Mar) is 1/12 + 15/31 × 1/12 of that year's figure. A plan has no finer
grain than the year, so the rule spreads it evenly over the months: a season-heavy plan is not
modelled (docs/METRICS.md says so). Pure: no database, no Streamlit.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping

RULE_ZH = "年度计划、目标按月平均分摊：每个自然月占全年的 1/12，不满一个月的按该月天数比例折算；跨年的期间逐年相加。"
RULE_EN = (
    "A year's plan or target is spread evenly over its months: each calendar month carries 1/12 of the year, "
    "a month covered in part carries that twelfth times the share of its days covered; a period over several years adds each year's part."
)


def _month_part(year: int, month: int, start: dt.date, end: dt.date) -> float:
    """The share of month (year, month) inside [start, end), 0..1, by its days."""
    days = calendar.monthrange(year, month)[1]
    first = dt.date(year, month, 1)
    after = first + dt.timedelta(days=days)
    covered = (min(end, after) - max(start, first)).days
    return max(covered, 0) / days


def year_share(year: int, start: dt.date, end: dt.date) -> float:
    """The part of ``year``'s plan or target that falls in [start, end): 0..1 by the monthly rule."""
    if end <= dt.date(year, 1, 1) or start >= dt.date(year + 1, 1, 1):
        return 0.0
    return sum(_month_part(year, m, start, end) for m in range(1, 13)) / 12


def year_shares(start: dt.date, end: dt.date) -> dict[int, float]:
    """Every year [start, end) touches and its share (years with a share of 0 left out)."""
    years = range(start.year, (end - dt.timedelta(days=1)).year + 1)
    shares = {y: year_share(y, start, end) for y in years}
    return {y: s for y, s in shares.items() if s > 0}


def period_amount(by_year: Mapping[int, float], start: dt.date, end: dt.date) -> float:
    """A period's plan or target from per-year figures: the sum of each year's figure times its share."""
    return sum(float(by_year.get(y, 0.0)) * s for y, s in year_shares(start, end).items())


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later (earlier when negative), the month's last day
    when it is shorter: 31 October + 6 months is 30 April, 31 August − 6 months is 28 February."""
    m = day.year * 12 + day.month - 1 + months
    year, month = divmod(m, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


__all__ = ["RULE_EN", "RULE_ZH", "months_after", "period_amount", "year_share", "year_shares"]
