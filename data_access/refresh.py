"""Keep the summary tables current: ``python -m data_access.refresh --database-url URL [--since D] [--full]``.

Recomputes only the months that changed, each month in its own transaction (delete the month's
summary rows, insert them again from the raw tables), so a refresh can be stopped at any point
and run again, and running it twice changes nothing. Which months changed:

- rows appended since the last refresh (ids above the ``*_max_id`` it recorded): the months of
  their dates, and for funnel events also the lead months of their learners (the cohort table);
- ``--since D``: every month from D on, and the lead months of learners with events from D on —
  for corrections and deletions, which ids cannot reveal (loaders pass the earliest date they
  touched);
- ``--full`` (and the first refresh): every month of the raw tables, and months that no longer
  have rows are emptied.

Loaders (CRM, finance, enrolment platform) run it after each load; the seed and ``make run``'s
bootstrap run it too. docs/SCHEMA.md §6 documents the tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from data_access import config, schema
from data_access.queries._sql import as_date, c, days_between, month_start, next_ym, ym, ym_of
from data_access.queries._summary import EVENTS, LEADS
from data_access.queries.funnel import lag_bucket

lr, fe = schema.learner, schema.funnel_event
flow, cohort, leads = schema.summary_funnel_flow, schema.summary_funnel_cohort, schema.summary_leads
reach, leads_tier = schema.summary_funnel_reach, schema.summary_leads_tier
sm, state = schema.summary_month, schema.summary_state


@dataclass
class RefreshReport:
    """Which months were recomputed, and how long it took."""

    event_months: list[int] = field(default_factory=list)
    lead_months: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def __str__(self) -> str:
        def span(ms: list[int]) -> str:
            return f"{len(ms)} ({ms[0]}–{ms[-1]})" if ms else "0"

        return f"refreshed {span(self.event_months)} event months and {span(self.lead_months)} lead months in {self.seconds:.1f} s"


def _bounds(m: int) -> tuple[dt.date, dt.date]:
    return month_start(m), month_start(next_ym(m))


def _state(conn: Connection) -> dict[str, str]:
    return {k: v for k, v in conn.execute(sa.select(state.c.key, state.c.value))}


def _months(conn: Connection, col, where=()) -> set[int]:
    return {int(m) for (m,) in conn.execute(sa.select(ym_of(col)).where(*where).group_by(ym_of(col)))}


def _summarised(conn: Connection, source: str, *where) -> set[int]:
    """Months the summaries hold for ``source`` (so that months whose rows are gone empty out)."""
    return {int(m) for (m,) in conn.execute(sa.select(sm.c.ym).where(sm.c.source == source, *where))}


def _lead_months_of_events(conn: Connection, where) -> set[int]:
    """Lead months of the learners of the events matching ``where`` (their cohort rows change)."""
    return {
        int(m)
        for (m,) in conn.execute(
            sa.select(ym_of(lr.c.lead_on)).select_from(fe.join(lr, lr.c.id == fe.c.learner_id)).where(where).group_by(ym_of(lr.c.lead_on))
        )
    }


def _changed(conn: Connection, since: dt.date | None, full: bool, seen: dict[str, str]) -> tuple[set[int], set[int]]:
    """(event months, lead months) to recompute."""
    if full or "funnel_event_max_id" not in seen:
        # Everything there is, and whatever the summaries still hold.
        return (_months(conn, fe.c.occurred_on) | _summarised(conn, EVENTS), _months(conn, lr.c.lead_on) | _summarised(conn, LEADS))
    new_event, new_learner = fe.c.id > int(seen["funnel_event_max_id"]), lr.c.id > int(seen["learner_max_id"])
    events = _months(conn, fe.c.occurred_on, [new_event])
    lead = _months(conn, lr.c.lead_on, [new_learner]) | _lead_months_of_events(conn, new_event)
    if since is not None:
        events |= _months(conn, fe.c.occurred_on, [fe.c.occurred_on >= since]) | _summarised(conn, EVENTS, sm.c.ym >= ym(since))
        lead |= (
            _months(conn, lr.c.lead_on, [lr.c.lead_on >= since])
            | _summarised(conn, LEADS, sm.c.ym >= ym(since))
            | _lead_months_of_events(conn, fe.c.occurred_on >= since)
        )
    return events, lead


# Each summary's rows for one month, computed from the raw tables: the definitions docs/SCHEMA.md §6
# describes (tests/data_access/test_summaries.py holds them equal to pandas aggregates of the raw rows).
FLOW_COLUMNS = ["event_ym", "province_code", "tier", "channel", "programme", "stage", "events", "first_on", "last_on"]
COHORT_COLUMNS = ["lead_ym", "event_ym", "province_code", "tier", "channel", "programme", "stage", "lag_bucket", "learners", "lag_days"]
LEADS_COLUMNS = ["lead_ym", "city_code", "province_code", "tier", "channel", "programme", "leads"]
SLICES = ["province_code", "tier", "channel", "programme"]
REACH_COLUMNS = ["lead_ym", *SLICES, "stage", "learners"]
LEADS_TIER_COLUMNS = ["lead_ym", *SLICES, "leads"]


def flow_rows(m: int) -> sa.Select:
    a, b = _bounds(m)
    return (
        sa.select(
            sa.literal(m, sa.Integer),
            fe.c.province_code,
            c.c.tier,
            fe.c.channel,
            fe.c.programme,
            fe.c.stage,
            sa.func.count(),
            sa.func.min(fe.c.occurred_on),
            sa.func.max(fe.c.occurred_on),
        )
        .select_from(fe.join(c, c.c.code == fe.c.city_code))
        .where(fe.c.occurred_on >= a, fe.c.occurred_on < b)
        .group_by(fe.c.province_code, c.c.tier, fe.c.channel, fe.c.programme, fe.c.stage)
    )


def cohort_rows(m: int) -> sa.Select:
    a, b = _bounds(m)
    days = days_between(fe.c.occurred_on, lr.c.lead_on)
    event_ym, bucket = ym_of(fe.c.occurred_on), lag_bucket(days)
    return (
        sa.select(
            sa.literal(m, sa.Integer),
            event_ym,
            lr.c.province_code,
            c.c.tier,
            lr.c.channel,
            lr.c.programme,
            fe.c.stage,
            bucket,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(days), 0),
        )
        .select_from(lr.join(c, c.c.code == lr.c.city_code).join(fe, fe.c.learner_id == lr.c.id))
        .where(lr.c.lead_on >= a, lr.c.lead_on < b)
        .group_by(event_ym, lr.c.province_code, c.c.tier, lr.c.channel, lr.c.programme, fe.c.stage, bucket)
    )


def leads_rows(m: int) -> sa.Select:
    a, b = _bounds(m)
    return (
        sa.select(sa.literal(m, sa.Integer), lr.c.city_code, lr.c.province_code, c.c.tier, lr.c.channel, lr.c.programme, sa.func.count())
        .select_from(lr.join(c, c.c.code == lr.c.city_code))
        .where(lr.c.lead_on >= a, lr.c.lead_on < b)
        .group_by(lr.c.city_code, lr.c.province_code, c.c.tier, lr.c.channel, lr.c.programme)
    )


def summed(finer: sa.Table, columns: list[str]) -> Callable[[int], sa.Select]:
    """The rows of a lean summary for lead month ``m``: ``finer``'s rows of that month (written just
    before in the same transaction) summed over what ``columns`` leaves out; the last column is the
    measure. summary_funnel_reach drops the event month and lag, summary_leads_tier the city."""
    *keys, measure = columns

    def rows(m: int) -> sa.Select:
        by = [finer.c[k] for k in keys]
        return sa.select(*by, sa.func.sum(finer.c[measure])).where(finer.c.lead_ym == m).group_by(*by)

    return rows


# source -> its raw date column, and the summaries keyed by that date's month.
Summary = tuple[sa.Table, str, list[str], Callable[[int], sa.Select]]  # table, month column, columns, rows of a month
SOURCES: dict[str, tuple[sa.ColumnElement, list[Summary]]] = {
    EVENTS: (fe.c.occurred_on, [(flow, "event_ym", FLOW_COLUMNS, flow_rows)]),
    # In this order: the lean tables are summed from the finer ones of the same month.
    LEADS: (
        lr.c.lead_on,
        [
            (cohort, "lead_ym", COHORT_COLUMNS, cohort_rows),
            (leads, "lead_ym", LEADS_COLUMNS, leads_rows),
            (reach, "lead_ym", REACH_COLUMNS, summed(cohort, REACH_COLUMNS)),
            (leads_tier, "lead_ym", LEADS_TIER_COLUMNS, summed(leads, LEADS_TIER_COLUMNS)),
        ],
    ),
}


def _month_row(conn: Connection, source: str, m: int, now: dt.datetime) -> None:
    col = SOURCES[source][0]
    a, b = _bounds(m)
    conn.execute(sm.delete().where(sm.c.source == source, sm.c.ym == m))
    first, last, n = conn.execute(sa.select(sa.func.min(col), sa.func.max(col), sa.func.count()).where(col >= a, col < b)).one()
    if n:
        conn.execute(
            sm.insert().values(source=source, ym=m, first_on=as_date(first), last_on=as_date(last), row_count=int(n), refreshed_at=now)
        )


def refresh_month(conn: Connection, source: str, m: int, now: dt.datetime) -> None:
    """Recompute month ``m`` of the summaries keyed by ``source``'s date, from the raw tables."""
    for table, key, columns, rows in SOURCES[source][1]:
        conn.execute(table.delete().where(table.c[key] == m))
        conn.execute(table.insert().from_select(columns, rows(m)))
    _month_row(conn, source, m, now)


def analyze(conn: Connection) -> None:
    """Fresh planner statistics for every table (sampled: a second or two at 10 M events). Without them
    PostgreSQL planned the coverage-by-city join as a nested loop that re-sorted the leads for each
    of 2,203 cities: 5.7 s instead of 26 ms at 1 M events."""
    # Every table: the pages join the summaries to city, province and partner, and PostgreSQL
    # without statistics for those chose a nested loop again (coverage by city: 1.06 s, not 42 ms).
    names = [t.name for t in schema.metadata.sorted_tables]
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA analysis_limit=1000")  # sample, do not scan 10 M-row indexes
        for name in names:
            conn.exec_driver_sql(f"ANALYZE {name}")  # our own table names, not input
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {', '.join(names)}")
    else:
        conn.exec_driver_sql(f"ANALYZE TABLE {', '.join(names)}")


def _write_state(conn: Connection, values: dict[str, str]) -> None:
    conn.execute(state.delete().where(state.c.key.in_(list(values))))
    conn.execute(state.insert(), [dict(key=k, value=v) for k, v in values.items()])


def refresh(engine: Engine, *, since: dt.date | None = None, full: bool = False, log=None) -> RefreshReport:
    """Bring the summaries up to date with the raw tables (see the module docstring)."""
    t0 = time.perf_counter()
    with engine.connect() as conn:
        # The ids seen now: rows appended while the refresh runs are picked up by the next one.
        max_event = conn.execute(sa.select(sa.func.coalesce(sa.func.max(fe.c.id), 0))).scalar_one()
        max_learner = conn.execute(sa.select(sa.func.coalesce(sa.func.max(lr.c.id), 0))).scalar_one()
        seen = _state(conn)
        event_months, lead_months = _changed(conn, since, full, seen)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    for source, months in ((EVENTS, sorted(event_months)), (LEADS, sorted(lead_months))):
        for m in months:
            with engine.begin() as conn:
                config.for_bulk_work(conn)
                refresh_month(conn, source, m, now)
            if log:
                log(f"{source} month {m}")
    if event_months or lead_months:
        with engine.begin() as conn:
            analyze(conn)
    with engine.begin() as conn:
        _write_state(
            conn, {"refreshed_at": now.isoformat(), "funnel_event_max_id": str(int(max_event)), "learner_max_id": str(int(max_learner))}
        )
    return RefreshReport(sorted(event_months), sorted(lead_months), time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_access.refresh", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=None, help="SQLAlchemy URL; default: DATABASE_URL, secrets.toml, or the embedded data/cockpit.db"
    )
    parser.add_argument(
        "--since",
        type=dt.date.fromisoformat,
        default=None,
        help="also recompute every month from this date (YYYY-MM-DD) on: after corrections or deletions",
    )
    parser.add_argument("--full", action="store_true", help="recompute every month")
    parser.add_argument("--verbose", action="store_true", help="print each month as it is done")
    args = parser.parse_args(argv)
    url = args.database_url or config.database_url()
    try:
        report = refresh(
            config.bulk_engine(url),
            since=args.since,
            full=args.full,
            log=(lambda s: print(s, file=sys.stderr)) if args.verbose else None,
        )
    except SQLAlchemyError as exc:
        print(f"refresh: cannot refresh {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"{config.describe(url)}: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
