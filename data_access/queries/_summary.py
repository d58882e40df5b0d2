"""Which part of a period the summary tables answer, and which part only the raw tables can.

The summaries (docs/SCHEMA.md §6) hold whole months. A period [start, end) covers most months
whole; a month it cuts is still answered by the summary when every row of that month lies inside
the period (``summary_month`` keeps each month's first and last date): a period ending the day
after the data's last date — the current year or quarter — is answered by summaries alone.
What is left, at most the cut month at each end, is read from the raw tables over those dates
only. Query functions union the two parts in SQL and aggregate once, so the result equals what
the raw tables give, row for row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.queries._sql import as_date, month_start, next_ym, ym

sm = schema.summary_month

# summary_month.source
EVENTS, LEADS = "funnel_event", "learner"


@dataclass(frozen=True)
class Split:
    """Months [lo, hi] (year-month integers) read from a summary, and date ranges read raw (each
    inside one month: the cut part of the first or the last month)."""

    lo: int
    hi: int
    edges: tuple[tuple[dt.date, dt.date], ...]

    def whole(self, col) -> sa.ColumnElement:
        """The condition on a summary's month column (false when no month is whole)."""
        return sa.and_(col >= self.lo, col <= self.hi) if self.lo <= self.hi else sa.false()

    @staticmethod
    def raw(col, edge: tuple[dt.date, dt.date]) -> sa.ColumnElement:
        """The condition on a raw date column for one edge."""
        return sa.and_(col >= edge[0], col < edge[1])


def _extent(conn: Connection, source: str, months: tuple[int, ...]) -> dict[int, tuple[dt.date, dt.date]]:
    if not months:
        return {}
    rows = conn.execute(sa.select(sm.c.ym, sm.c.first_on, sm.c.last_on).where(sm.c.source == source, sm.c.ym.in_(months))).all()
    # first_on / last_on are NOT NULL
    return {int(m): (cast(dt.date, as_date(f)), cast(dt.date, as_date(last))) for m, f, last in rows}


def split(conn: Connection, source: str, start: dt.date | None, end: dt.date) -> Split:
    """Split [start, end) (start None: since the beginning) into whole months and raw edges."""
    last = ym(end - dt.timedelta(days=1))
    first = ym(start) if start is not None else None
    ends = tuple({m for m in (first, last) if m is not None})
    extent = _extent(conn, source, ends)

    def is_edge(m: int) -> bool:
        a0, b0 = month_start(m), month_start(next_ym(m))
        a, b = max(start, a0) if start is not None else a0, min(end, b0)
        if (a, b) == (a0, b0) or m not in extent:  # whole, or no data that month (nothing to read)
            return False
        f, l_ = extent[m]
        return not (a <= f and l_ < b)

    edges: list[tuple[dt.date, dt.date]] = []
    lo, hi = (first if first is not None else 0), last
    if first is not None and is_edge(first):
        edges.append((start, min(end, month_start(next_ym(first)))))  # type: ignore[arg-type]
        lo = next_ym(first)
    if last != first and is_edge(last):
        edges.append((month_start(last), end))
        hi = _prev_ym(last)
    elif last == first and edges:
        hi = _prev_ym(last)
    return Split(lo, hi, tuple(edges))


def _prev_ym(m: int) -> int:
    return m - 1 if m % 100 > 1 else (m // 100 - 1) * 100 + 12
