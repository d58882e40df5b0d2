"""How fresh the data is: the latest date loaded per source, within a scope's provinces."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.queries._sql import c, p, to_int

FRESHNESS_COLUMNS = ["source", "earliest_on", "latest_on", "rows"]


def get_data_freshness(conn: Connection, *, scope) -> pd.DataFrame:
    """One row per source table: source (funnel_event, disbursement, partner), earliest_on and
    latest_on (dates or None), rows (in the scope's provinces; all periods)."""
    fe, db, pj = schema.funnel_event, schema.disbursement, schema.project
    stmts = {
        "funnel_event": sa.select(sa.func.min(fe.c.occurred_on), sa.func.max(fe.c.occurred_on), sa.func.count()).where(
            fe.c.province_code.in_(scope.provinces)
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
        rows.append((source, _date(earliest), _date(latest), n))
    return to_int(pd.DataFrame(rows, columns=FRESHNESS_COLUMNS), ["rows"])


def _date(value) -> dt.date | None:
    # SQLite returns min()/max() of a DATE as text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def data_as_of(freshness: pd.DataFrame) -> dt.date | None:
    """The newest date across sources (None for an empty database or scope)."""
    dates = [d for d in freshness["latest_on"] if d is not None and not pd.isna(d)]
    return max(dates) if dates else None
