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
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from data_access import config, schema
from data_access.queries._sql import c, days_between, month_start, next_ym, ym, ym_of
from data_access.queries._summary import EVENTS, LEADS
from data_access.queries.funnel import lag_bucket

lr, fe = schema.learner, schema.funnel_event
flow, cohort, leads = schema.summary_funnel_flow, schema.summary_funnel_cohort, schema.summary_leads
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
        return (f"refreshed {span(self.event_months)} event months and {span(self.lead_months)} lead months "
                f"in {self.seconds:.1f} s")


def _bounds(m: int) -> tuple[dt.date, dt.date]:
    return month_start(m), month_start(next_ym(m))


def _state(conn: Connection) -> dict[str, str]:
    return {k: v for k, v in conn.execute(sa.select(state.c.key, state.c.value))}


def _months(conn: Connection, col, where=()) -> set[int]:
    return {int(m) for (m,) in conn.execute(sa.select(ym_of(col)).where(*where).group_by(ym_of(col)))}


def _changed(conn: Connection, since: dt.date | None, full: bool, seen: dict[str, str]) -> tuple[set[int], set[int]]:
    """(event months, lead months) to recompute."""
    if full or "funnel_event_max_id" not in seen:
        # Everything there is, and whatever the summaries still hold (so deleted months empty out).
        events = _months(conn, fe.c.occurred_on) | {int(m) for (m,) in conn.execute(
            sa.select(sm.c.ym).where(sm.c.source == EVENTS))}
        lead = _months(conn, lr.c.lead_on) | {int(m) for (m,) in conn.execute(
            sa.select(sm.c.ym).where(sm.c.source == LEADS))}
        return events, lead
    new_event, new_learner = fe.c.id > int(seen["funnel_event_max_id"]), lr.c.id > int(seen["learner_max_id"])
    events = _months(conn, fe.c.occurred_on, [new_event])
    lead = _months(conn, lr.c.lead_on, [new_learner])
    lead |= {int(m) for (m,) in conn.execute(
        sa.select(ym_of(lr.c.lead_on)).select_from(fe.join(lr, lr.c.id == fe.c.learner_id))
        .where(new_event).group_by(ym_of(lr.c.lead_on)))}
    if since is not None:
        events |= {m for m in _months(conn, fe.c.occurred_on, [fe.c.occurred_on >= since])}
        events |= {int(m) for (m,) in conn.execute(
            sa.select(sm.c.ym).where(sm.c.source == EVENTS, sm.c.ym >= ym(since)))}
        lead |= _months(conn, lr.c.lead_on, [lr.c.lead_on >= since])
        lead |= {int(m) for (m,) in conn.execute(
            sa.select(ym_of(lr.c.lead_on)).select_from(fe.join(lr, lr.c.id == fe.c.learner_id))
            .where(fe.c.occurred_on >= since).group_by(ym_of(lr.c.lead_on)))}
        lead |= {int(m) for (m,) in conn.execute(
            sa.select(sm.c.ym).where(sm.c.source == LEADS, sm.c.ym >= ym(since)))}
    return events, lead


def _month_row(conn: Connection, source: str, m: int, stmt: sa.Select, now: dt.datetime) -> None:
    conn.execute(sm.delete().where(sm.c.source == source, sm.c.ym == m))
    first, last, n = conn.execute(stmt).one()
    if n:
        conn.execute(sm.insert().values(source=source, ym=m, first_on=_date(first), last_on=_date(last),
                                        row_count=int(n), refreshed_at=now))


def _date(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def refresh_event_month(conn: Connection, m: int, now: dt.datetime) -> None:
    """summary_funnel_flow for month ``m``, from funnel_event (and summary_month)."""
    a, b = _bounds(m)
    conn.execute(flow.delete().where(flow.c.event_ym == m))
    src = (sa.select(sa.literal(m, sa.Integer), fe.c.province_code, c.c.tier, fe.c.channel, fe.c.programme, fe.c.stage,
                     sa.func.count(), sa.func.min(fe.c.occurred_on), sa.func.max(fe.c.occurred_on))
           .select_from(fe.join(c, c.c.code == fe.c.city_code))
           .where(fe.c.occurred_on >= a, fe.c.occurred_on < b)
           .group_by(fe.c.province_code, c.c.tier, fe.c.channel, fe.c.programme, fe.c.stage))
    conn.execute(flow.insert().from_select(
        ["event_ym", "province_code", "tier", "channel", "programme", "stage", "events", "first_on", "last_on"], src))
    _month_row(conn, EVENTS, m, sa.select(sa.func.min(fe.c.occurred_on), sa.func.max(fe.c.occurred_on), sa.func.count())
               .where(fe.c.occurred_on >= a, fe.c.occurred_on < b), now)


def refresh_lead_month(conn: Connection, m: int, now: dt.datetime) -> None:
    """summary_funnel_cohort and summary_leads for the learners whose lead falls in month ``m``."""
    a, b = _bounds(m)
    in_month = [lr.c.lead_on >= a, lr.c.lead_on < b]
    conn.execute(cohort.delete().where(cohort.c.lead_ym == m))
    days = days_between(fe.c.occurred_on, lr.c.lead_on)
    bucket, event_ym = lag_bucket(days), ym_of(fe.c.occurred_on)
    src = (sa.select(sa.literal(m, sa.Integer), event_ym, lr.c.province_code, c.c.tier, lr.c.channel, lr.c.programme,
                     fe.c.stage, bucket, sa.func.count(), sa.func.coalesce(sa.func.sum(days), 0))
           .select_from(lr.join(c, c.c.code == lr.c.city_code).join(fe, fe.c.learner_id == lr.c.id))
           .where(*in_month)
           .group_by(event_ym, lr.c.province_code, c.c.tier, lr.c.channel, lr.c.programme, fe.c.stage, bucket))
    conn.execute(cohort.insert().from_select(
        ["lead_ym", "event_ym", "province_code", "tier", "channel", "programme", "stage", "lag_bucket", "learners",
         "lag_days"], src))
    conn.execute(leads.delete().where(leads.c.lead_ym == m))
    src = (sa.select(sa.literal(m, sa.Integer), lr.c.city_code, lr.c.province_code, c.c.tier, lr.c.channel,
                     lr.c.programme, sa.func.count())
           .select_from(lr.join(c, c.c.code == lr.c.city_code))
           .where(*in_month)
           .group_by(lr.c.city_code, lr.c.province_code, c.c.tier, lr.c.channel, lr.c.programme))
    conn.execute(leads.insert().from_select(
        ["lead_ym", "city_code", "province_code", "tier", "channel", "programme", "leads"], src))
    _month_row(conn, LEADS, m, sa.select(sa.func.min(lr.c.lead_on), sa.func.max(lr.c.lead_on), sa.func.count())
               .where(*in_month), now)


def _write_state(conn: Connection, values: dict[str, str]) -> None:
    conn.execute(state.delete().where(state.c.key.in_(list(values))))
    conn.execute(state.insert(), [dict(key=k, value=v) for k, v in values.items()])


def refresh(engine: Engine, *, since: dt.date | None = None, full: bool = False,
            log=None) -> RefreshReport:
    """Bring the summaries up to date with the raw tables (see the module docstring)."""
    t0 = time.perf_counter()
    with engine.connect() as conn:
        # The ids seen now: rows appended while the refresh runs are picked up by the next one.
        max_event = conn.execute(sa.select(sa.func.coalesce(sa.func.max(fe.c.id), 0))).scalar_one()
        max_learner = conn.execute(sa.select(sa.func.coalesce(sa.func.max(lr.c.id), 0))).scalar_one()
        seen = _state(conn)
        event_months, lead_months = _changed(conn, since, full, seen)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    for m in sorted(event_months):
        with engine.begin() as conn:
            config.for_bulk_work(conn)
            refresh_event_month(conn, m, now)
        if log:
            log(f"event month {m}")
    for m in sorted(lead_months):
        with engine.begin() as conn:
            config.for_bulk_work(conn)
            refresh_lead_month(conn, m, now)
        if log:
            log(f"lead month {m}")
    with engine.begin() as conn:
        _write_state(conn, {"refreshed_at": now.isoformat(), "funnel_event_max_id": str(int(max_event)),
                            "learner_max_id": str(int(max_learner))})
    return RefreshReport(sorted(event_months), sorted(lead_months), time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_access.refresh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL; default: DATABASE_URL, secrets.toml, or the embedded data/cockpit.db")
    parser.add_argument("--since", type=dt.date.fromisoformat, default=None,
                        help="also recompute every month from this date (YYYY-MM-DD) on: after corrections or deletions")
    parser.add_argument("--full", action="store_true", help="recompute every month")
    parser.add_argument("--verbose", action="store_true", help="print each month as it is done")
    args = parser.parse_args(argv)
    url = args.database_url or config.database_url()
    try:
        report = refresh(config.make_engine(url, statement_timeout_s=3600), since=args.since, full=args.full,
                         log=(lambda s: print(s, file=sys.stderr)) if args.verbose else None)
    except SQLAlchemyError as exc:
        print(f"refresh: cannot refresh {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return 1
    print(f"{config.describe(url)}: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
