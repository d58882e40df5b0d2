"""How fresh the data is: the latest date loaded per source, within a scope's provinces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.queries._sql import as_date, c, p, to_int

FRESHNESS_COLUMNS = ["source", "earliest_on", "latest_on", "rows"]


def get_data_freshness(conn: Connection, *, scope) -> pd.DataFrame:
    """One row per source table: source (funnel_event, disbursement, partner), earliest_on and
    latest_on (dates or None), rows (in the scope's provinces; all periods)."""
    sf, sm, db, pj = schema.summary_funnel_flow, schema.summary_month, schema.disbursement, schema.project
    everywhere = {code for (code,) in conn.execute(sa.select(schema.province.c.code))}
    stmts = {
        # From the summaries (as of their last refresh): a count over 10 M raw rows takes seconds.
        # The app asks for every province (the "data as of" stamp): summary_month's 70-odd rows
        # answer that; a narrower scope sums the flow summary of its provinces.
        "funnel_event": sa.select(
            sa.func.min(sm.c.first_on), sa.func.max(sm.c.last_on), sa.func.coalesce(sa.func.sum(sm.c.row_count), 0)
        ).where(sm.c.source == "funnel_event")
        if everywhere and everywhere <= set(scope.provinces)
        else sa.select(sa.func.min(sf.c.first_on), sa.func.max(sf.c.last_on), sa.func.coalesce(sa.func.sum(sf.c.events), 0)).where(
            sf.c.province_code.in_(scope.provinces)
        ),
        "disbursement": sa.select(sa.func.min(db.c.paid_on), sa.func.max(db.c.paid_on), sa.func.count())
        .select_from(db.join(pj, pj.c.id == db.c.project_id).join(c, c.c.code == pj.c.city_code))
        .where(c.c.province_code.in_(scope.provinces)),
        "partner": sa.select(sa.func.min(p.c.since), sa.func.max(p.c.since), sa.func.count())
        .select_from(p.join(c, c.c.code == p.c.city_code))
        .where(c.c.province_code.in_(scope.provinces)),
    }
    rows = []
    for source, stmt in stmts.items():
        earliest, latest, n = conn.execute(stmt).one()
        rows.append((source, as_date(earliest), as_date(latest), n))
    return to_int(pd.DataFrame(rows, columns=FRESHNESS_COLUMNS), ["rows"])


def data_as_of(freshness: pd.DataFrame) -> dt.date | None:
    """The newest date across sources (None for an empty database or scope)."""
    dates = [d for d in freshness["latest_on"] if d is not None and not pd.isna(d)]
    return max(dates) if dates else None


@dataclass(frozen=True)
class SummaryStatus:
    """When the summary tables were last refreshed, and whether the raw tables have rows since."""

    refreshed_at: dt.datetime | None  # UTC; None: never refreshed
    stale: bool  # learner or funnel_event holds rows the last refresh did not see


def get_summary_status(conn: Connection) -> SummaryStatus:
    """The summaries' refresh time and staleness (rows appended after the last refresh; corrections
    in place are not seen here: loaders run the refresh with ``--since``). No business data, the
    same for every user, hence no scope. Two primary-key lookups and one small table."""
    seen = {k: v for k, v in conn.execute(sa.select(schema.summary_state.c.key, schema.summary_state.c.value))}
    if "refreshed_at" not in seen:
        has_rows = conn.execute(sa.select(schema.funnel_event.c.id).limit(1)).first() is not None
        return SummaryStatus(None, has_rows)
    newest = {
        t.name: conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.c.id), 0))).scalar_one()
        for t in (schema.funnel_event, schema.learner)
    }
    stale = any(int(newest[name]) > int(seen.get(f"{name}_max_id", "0")) for name in newest)
    return SummaryStatus(dt.datetime.fromisoformat(seen["refreshed_at"]), stale)


def get_replica_lag(conn: Connection) -> float | None:
    """How far a PostgreSQL streaming standby is behind its primary, in seconds; None on a primary
    or another dialect. 0 when everything received is replayed (an idle primary is not "behind"),
    else the age of the last transaction replayed. No business data, the same for every user."""
    if conn.dialect.name != "postgresql":
        return None
    row = conn.execute(
        sa.text(
            "SELECT pg_is_in_recovery(), pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(),"
            " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
        )
    ).one()
    in_recovery, caught_up, age = row
    if not in_recovery:
        return None
    if caught_up or age is None:
        return 0.0
    return max(0.0, float(age))
