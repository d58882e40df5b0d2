"""Enrolment funnels: learners through lead → … → employed, by channel, tier, province and period.

Two readings, both useful:
- **cohort** (get_funnel_by_stage, get_cohort_lag): learners whose *lead* falls in the period,
  and how far each has got by now. Conversion computed this way never rises stage to stage.
- **flow** (get_events_by_month): events that *happened* in the period (the KPI reading:
  "enrolments this year").
Funnel queries filter by provinces, channels and city tiers; partner kinds do not apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import codes, schema
from data_access.queries._sql import c, days_between, frame, month_of, prov, to_int, year_of
from data_access.scope import Scope

lr, fe = schema.learner, schema.funnel_event

DIMENSIONS = {
    "channel": lambda: lr.c.channel,
    "tier": lambda: c.c.tier,
    "province": lambda: lr.c.province_code,
    "programme": lambda: lr.c.programme,
    "year": lambda: year_of(lr.c.lead_on),
    "month": lambda: month_of(lr.c.lead_on),
}
LAG_BUCKETS = ((0, 30, "0-30"), (31, 90, "31-90"), (91, 180, "91-180"), (181, 365, "181-365"), (366, None, "366+"))


def _cohort(scope: Scope) -> list[sa.ColumnElement]:
    return [
        lr.c.province_code.in_(scope.provinces),
        lr.c.lead_on >= scope.start,
        lr.c.lead_on < scope.end,
        lr.c.channel.in_(scope.channels),
        c.c.tier.in_(scope.tiers),
        lr.c.programme.in_(scope.programmes),
    ]


def _ordered(df: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    order = {s: i for i, s in enumerate(codes.EVENT_KINDS)}
    df = df.assign(_o=df["stage"].map(order)).sort_values(["_o", *by], kind="stable").drop(columns="_o")
    return df.reset_index(drop=True)


def get_funnel_by_stage(
    conn: Connection, *, scope: Scope, by: Sequence[str] = ("channel",), observed_until: dt.date | None = None
) -> pd.DataFrame:
    """Learners of the period's lead cohort who reached each stage, per ``by`` dimensions.

    ``by`` is a subset of channel, tier, province, programme, year, month (lead year / month).
    ``observed_until`` counts only events before that date, to compare two cohorts at the same
    age (an older cohort has had longer to progress).
    Columns: stage (the seven stages and 'refunded', in funnel order), the ``by`` columns,
    learners. Combinations with no learners are absent.
    """
    by = tuple(by)
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown funnel dimensions {unknown}; use {sorted(DIMENSIONS)}")
    dims = [DIMENSIONS[d]() for d in by]
    stmt = (
        sa.select(fe.c.stage, *dims, sa.func.count())
        .select_from(lr.join(c, c.c.code == lr.c.city_code).join(fe, fe.c.learner_id == lr.c.id))
        .where(*_cohort(scope), *([fe.c.occurred_on < observed_until] if observed_until else []))
        .group_by(fe.c.stage, *dims)
    )
    df = to_int(frame(conn, stmt, ["stage", *by, "learners"]), ["learners", *[d for d in by if d in ("year", "month")]])
    return _ordered(df, by)


def get_cohort_lag(conn: Connection, *, scope: Scope, stages: Sequence[str] = ("enrolled", "certified")) -> pd.DataFrame:
    """How long the period's lead cohort took from lead to ``stages``, per channel.

    Columns: channel, stage, bucket (days: 0-30, 31-90, 91-180, 181-365, 366+), learners,
    total_days (sum of days in the bucket; with learners gives the mean).
    """
    bad = [s for s in stages if s not in codes.STAGES]
    if bad:
        raise ValueError(f"unknown stages {bad}")
    days = days_between(fe.c.occurred_on, lr.c.lead_on)
    bucket = sa.case(*[((days <= hi) if hi is not None else (days >= lo), label) for lo, hi, label in LAG_BUCKETS])
    stmt = (
        sa.select(lr.c.channel, fe.c.stage, bucket, sa.func.count(), sa.func.sum(days))
        .select_from(lr.join(c, c.c.code == lr.c.city_code).join(fe, fe.c.learner_id == lr.c.id))
        .where(*_cohort(scope), fe.c.stage.in_(list(stages)))
        .group_by(lr.c.channel, fe.c.stage, bucket)
        .order_by(lr.c.channel, fe.c.stage, bucket)
    )
    df = to_int(frame(conn, stmt, ["channel", "stage", "bucket", "learners", "total_days"]), ["learners", "total_days"])
    order = {label: i for i, (_, _, label) in enumerate(LAG_BUCKETS)}
    return df.assign(_o=df["bucket"].map(order)).sort_values(["channel", "stage", "_o"]).drop(columns="_o").reset_index(drop=True)


def get_events_by_month(conn: Connection, *, scope: Scope, by: Sequence[str] = ()) -> pd.DataFrame:
    """Funnel events that happened in the period, per calendar month and stage (the flow reading).

    ``by`` is a subset of channel, province. Columns: year, month, stage, the ``by`` columns, events.
    """
    cols = {"channel": fe.c.channel, "province": fe.c.province_code}
    unknown = [d for d in by if d not in cols]
    if unknown:
        raise ValueError(f"unknown dimensions {unknown}; use {sorted(cols)}")
    dims = [cols[d] for d in by]
    y, m = year_of(fe.c.occurred_on), month_of(fe.c.occurred_on)
    stmt = (
        sa.select(y, m, fe.c.stage, *dims, sa.func.count())
        .select_from(fe.join(c, c.c.code == fe.c.city_code))
        .where(
            fe.c.province_code.in_(scope.provinces),
            fe.c.occurred_on >= scope.start,
            fe.c.occurred_on < scope.end,
            fe.c.channel.in_(scope.channels),
            c.c.tier.in_(scope.tiers),
            fe.c.programme.in_(scope.programmes),
        )
        .group_by(y, m, fe.c.stage, *dims)
        .order_by(y, m, fe.c.stage, *dims)
    )
    return to_int(frame(conn, stmt, ["year", "month", "stage", *by, "events"]), ["year", "month", "events"])


def get_funnel_by_province(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """The cohort funnel per province with names. Columns: province_code, name_zh, name_en, stage, learners."""
    df = get_funnel_by_stage(conn, scope=scope, by=("province",))
    names = frame(
        conn,
        sa.select(prov.c.code, prov.c.name_zh, prov.c.name_en).where(prov.c.code.in_(scope.provinces)),
        ["province_code", "name_zh", "name_en"],
    )
    out = df.rename(columns={"province": "province_code"}).merge(names, on="province_code", how="left")
    return out[["province_code", "name_zh", "name_en", "stage", "learners"]]


def get_leads_by_tier_year(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """Leads per calendar year and city tier (capital, prefecture, county) in the scope: the
    "channel sinking" reading. Columns: year, tier, leads; years without leads are absent."""
    year = year_of(lr.c.lead_on)
    stmt = (
        sa.select(year, c.c.tier, sa.func.count())
        .select_from(lr.join(c, c.c.code == lr.c.city_code))
        .where(*_cohort(scope))
        .group_by(year, c.c.tier)
        .order_by(year, c.c.tier)
    )
    return to_int(frame(conn, stmt, ["year", "tier", "leads"]), ["year", "leads"])
