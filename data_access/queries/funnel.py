"""Enrolment funnels: learners through lead → … → employed, by channel, tier, province and period.

Two readings, both useful:
- **cohort** (get_funnel_by_stage, get_cohort_lag): learners whose *lead* falls in the period,
  and how far each has got by now. Conversion computed this way never rises stage to stage.
- **flow** (get_events_by_month): events that *happened* in the period (the KPI reading:
  "enrolments this year").
Funnel queries filter by provinces, channels and city tiers; partner kinds do not apply.

Since migration 0003 they read the summary tables (summary_funnel_cohort, summary_funnel_flow,
summary_leads) for whole months and the raw tables only for the part of a month a summary cannot
answer (queries/_summary.py); each part is aggregated in SQL, the parts are unioned and summed
once, and the result equals what the raw tables give (tests/raw_oracle holds the raw versions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import codes, schema
from data_access.queries._sql import (
    c,
    days_between,
    frame,
    month_of,
    month_start,
    next_ym,
    prov,
    to_int,
    unindexed,
    year_of,
    ym_month,
    ym_year,
)
from data_access.queries._summary import EVENTS, LEADS, Split, split
from data_access.scope import Scope

lr, fe = schema.learner, schema.funnel_event
sc, sf, sl = schema.summary_funnel_cohort, schema.summary_funnel_flow, schema.summary_leads
# The lean copies (migration 0011): the cohort without event month and lag, the leads without the city.
sr, slt = schema.summary_funnel_reach, schema.summary_leads_tier

# A dimension of the cohort reading: (its raw expression, its expression on a cohort summary table).
DIMENSIONS = {
    "channel": lambda t: (lr.c.channel, t.c.channel),
    "tier": lambda t: (c.c.tier, t.c.tier),
    "province": lambda t: (lr.c.province_code, t.c.province_code),
    "programme": lambda t: (lr.c.programme, t.c.programme),
    "year": lambda t: (year_of(lr.c.lead_on), ym_year(t.c.lead_ym)),
    "month": lambda t: (month_of(lr.c.lead_on), ym_month(t.c.lead_ym)),
}
LAG_BUCKETS = ((0, 30, "0-30"), (31, 90, "31-90"), (91, 180, "91-180"), (181, 365, "181-365"), (366, None, "366+"))


def lag_bucket(days) -> sa.ColumnElement:
    """The lag bucket label of a number of days (the refresh stores it in summary_funnel_cohort)."""
    return sa.case(*[((days <= hi) if hi is not None else (days >= lo), label) for lo, hi, label in LAG_BUCKETS])


def slices(scope: Scope, province, channel, tier, programme) -> list[sa.ColumnElement]:
    """The scope's provinces, channels, city tiers and programmes, on the given columns."""
    return [province.in_(scope.provinces), channel.in_(scope.channels), tier.in_(scope.tiers), programme.in_(scope.programmes)]


def _raw_slices(scope: Scope) -> list[sa.ColumnElement]:
    """The slices on learner. The province list is kept off learner's (province, lead_on) index
    (``unindexed``): the raw parts read at most a month of leads, which the covering
    (lead_on, …) index holds without a lookup into the table. With the province index SQLite
    read 35,000 learner rows one by one for a cut half-month at 10 M events: 2.8 s, not 0.1 s."""
    return slices(scope, unindexed(lr.c.province_code), lr.c.channel, c.c.tier, lr.c.programme)


def _cohort_from():
    return lr.join(c, c.c.code == lr.c.city_code).join(fe, fe.c.learner_id == lr.c.id)


Part = Callable[[list], sa.Select]  # (where conditions) -> a select


def _cohort_parts(
    conn: Connection, scope: Scope, raw: Part, summary: Part, observed_until: dt.date | None = None, table: sa.Table = sc
) -> list[sa.Select]:
    """The selects whose union is the cohort reading of ``scope``: ``summary(conditions)`` over
    the whole lead months of ``table`` (summary_funnel_cohort, or summary_funnel_reach without
    ``observed_until``), ``raw(conditions)`` over the cut ones (and, with ``observed_until``, over
    the part of its month the event summary cannot cut)."""
    if observed_until is not None and table is not sc:
        raise ValueError("observed_until needs the event month: summary_funnel_cohort")
    leads = split(conn, LEADS, scope.start, scope.end)
    events = split(conn, EVENTS, None, observed_until) if observed_until else None
    parts = [summary([leads.whole(table.c.lead_ym), *([events.whole(sc.c.event_ym)] if events else [])])]
    until = [fe.c.occurred_on < observed_until] if observed_until else []
    parts += [raw([Split.raw(lr.c.lead_on, edge), *until]) for edge in leads.edges]
    if events and leads.lo <= leads.hi:
        whole = (max(scope.start, month_start(leads.lo)), min(scope.end, month_start(next_ym(leads.hi))))
        parts += [raw([Split.raw(unindexed(lr.c.lead_on), whole), Split.raw(fe.c.occurred_on, edge)]) for edge in events.edges]
    return parts


def _sum_union(
    conn: Connection, parts: Sequence[sa.Select], keys: Sequence[str], measures: Sequence[str], order: bool = False
) -> pd.DataFrame:
    """SUM(measures) GROUP BY keys over the UNION ALL of ``parts`` (selects labelled keys + measures)."""
    u = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    cols = [u.c[k] for k in keys]
    stmt = sa.select(*cols, *[sa.func.sum(u.c[m]) for m in measures]).group_by(*cols)
    return frame(conn, stmt.order_by(*cols) if order else stmt, [*keys, *measures])


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

    # Without observed_until no event month is needed: the lean table, half the rows.
    table = sc if observed_until else sr

    def raw(where: list) -> sa.Select:
        dims = [DIMENSIONS[d](table)[0] for d in by]
        return (
            sa.select(fe.c.stage.label("stage"), *[x.label(d) for x, d in zip(dims, by)], sa.func.count().label("learners"))
            .select_from(_cohort_from())
            .where(*_raw_slices(scope), *where)
            .group_by(fe.c.stage, *dims)
        )

    def summary(where: list) -> sa.Select:
        dims = [DIMENSIONS[d](table)[1] for d in by]
        learners = sa.func.sum(table.c.learners).label("learners")
        return (
            sa.select(table.c.stage.label("stage"), *[x.label(d) for x, d in zip(dims, by)], learners)
            .where(*slices(scope, table.c.province_code, table.c.channel, table.c.tier, table.c.programme), *where)
            .group_by(table.c.stage, *dims)
        )

    parts = _cohort_parts(conn, scope, raw, summary, observed_until, table)
    df = to_int(_sum_union(conn, parts, ["stage", *by], ["learners"]), ["learners", *[d for d in by if d in ("year", "month")]])
    return _ordered(df, by)


def get_cohort_lag(conn: Connection, *, scope: Scope, stages: Sequence[str] = ("enrolled", "certified")) -> pd.DataFrame:
    """How long the period's lead cohort took from lead to ``stages``, per channel.

    Columns: channel, stage, bucket (days: 0-30, 31-90, 91-180, 181-365, 366+), learners,
    total_days (sum of days in the bucket; with learners gives the mean).
    """
    bad = [s for s in stages if s not in codes.STAGES]
    if bad:
        raise ValueError(f"unknown stages {bad}")

    def raw(where: list) -> sa.Select:
        days = days_between(fe.c.occurred_on, lr.c.lead_on)
        bucket = lag_bucket(days)
        return (
            sa.select(
                lr.c.channel.label("channel"),
                fe.c.stage.label("stage"),
                bucket.label("bucket"),
                sa.func.count().label("learners"),
                sa.func.sum(days).label("total_days"),
            )
            .select_from(_cohort_from())
            .where(*_raw_slices(scope), fe.c.stage.in_(list(stages)), *where)
            .group_by(lr.c.channel, fe.c.stage, bucket)
        )

    def summary(where: list) -> sa.Select:
        return (
            sa.select(
                sc.c.channel.label("channel"),
                sc.c.stage.label("stage"),
                sc.c.lag_bucket.label("bucket"),
                sa.func.sum(sc.c.learners).label("learners"),
                sa.func.sum(sc.c.lag_days).label("total_days"),
            )
            .where(*slices(scope, sc.c.province_code, sc.c.channel, sc.c.tier, sc.c.programme), sc.c.stage.in_(list(stages)), *where)
            .group_by(sc.c.channel, sc.c.stage, sc.c.lag_bucket)
        )

    parts = _cohort_parts(conn, scope, raw, summary)
    df = to_int(_sum_union(conn, parts, ["channel", "stage", "bucket"], ["learners", "total_days"]), ["learners", "total_days"])
    order = {label: i for i, (_, _, label) in enumerate(LAG_BUCKETS)}
    return df.assign(_o=df["bucket"].map(order)).sort_values(["channel", "stage", "_o"]).drop(columns="_o").reset_index(drop=True)


def flow(conn: Connection, scope: Scope, by: Sequence[str] = (), stages: Sequence[str] | None = None) -> pd.DataFrame:
    """Funnel events that happened in the period, per year, month, stage and ``by`` (channel,
    province), of ``stages`` (default: every kind). The one definition behind the events-by-month
    views and the KPI counts. Columns: year, month, stage, the ``by`` columns, events."""
    raw_cols = {"channel": fe.c.channel, "province": fe.c.province_code}
    sum_cols = {"channel": sf.c.channel, "province": sf.c.province_code}
    unknown = [d for d in by if d not in raw_cols]
    if unknown:
        raise ValueError(f"unknown dimensions {unknown}; use {sorted(raw_cols)}")
    which = [fe.c.stage.in_(list(stages))] if stages is not None else []
    part = split(conn, EVENTS, scope.start, scope.end)

    def raw(edge: tuple[dt.date, dt.date]) -> sa.Select:
        # An edge lies inside one month: its year and month are constants, not a function of each
        # row's date (half the time of a cut half-month at 10 M events, SQLite).
        y, m = (sa.literal_column(str(int(v)), sa.Integer) for v in (edge[0].year, edge[0].month))
        dims = [raw_cols[d] for d in by]
        return (
            sa.select(
                y.label("year"),
                m.label("month"),
                fe.c.stage.label("stage"),
                *[x.label(d) for x, d in zip(dims, by)],
                sa.func.count().label("events"),
            )
            .select_from(fe.join(c, c.c.code == fe.c.city_code))
            .where(*slices(scope, fe.c.province_code, fe.c.channel, c.c.tier, fe.c.programme), *which, Split.raw(fe.c.occurred_on, edge))
            .group_by(fe.c.stage, *dims)
        )

    y, m, dims = ym_year(sf.c.event_ym), ym_month(sf.c.event_ym), [sum_cols[d] for d in by]
    summary = (
        sa.select(
            y.label("year"),
            m.label("month"),
            sf.c.stage.label("stage"),
            *[x.label(d) for x, d in zip(dims, by)],
            sa.func.sum(sf.c.events).label("events"),
        )
        .where(
            *slices(scope, sf.c.province_code, sf.c.channel, sf.c.tier, sf.c.programme),
            *([sf.c.stage.in_(list(stages))] if stages is not None else []),
            part.whole(sf.c.event_ym),
        )
        .group_by(y, m, sf.c.stage, *dims)
    )
    parts = [summary, *[raw(edge) for edge in part.edges]]
    return to_int(_sum_union(conn, parts, ["year", "month", "stage", *by], ["events"], order=True), ["year", "month", "events"])


def get_events_by_month(conn: Connection, *, scope: Scope, by: Sequence[str] = ()) -> pd.DataFrame:
    """Funnel events that happened in the period, per calendar month and stage (the flow reading).

    ``by`` is a subset of channel, province. Columns: year, month, stage, the ``by`` columns, events.
    """
    return flow(conn, scope, by)


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


# The dimensions get_funnel_by_city may add to the city: learner columns.
CITY_DIMENSIONS = ("channel", "programme")


def prefecture_of(place) -> sa.ColumnElement:
    """The prefecture-level unit of a city row: its parent for a county under a prefecture, the row
    itself for a capital, a prefecture or a county under the province (仙桃, Hainan's counties)."""
    return sa.func.coalesce(place.c.parent_code, place.c.code)


def get_funnel_by_city(conn: Connection, *, scope: Scope, by: Sequence[str] = ("channel",)) -> pd.DataFrame:
    """The period's lead cohort per prefecture-level city and ``by`` (a subset of channel,
    programme): its leads and how many of them have enrolled so far (the cohort reading of
    get_funnel_by_stage: the same learners, the same events, at the city grain).

    A lead counts in the prefecture-level unit of its place (a county's leads in its city's;
    ``prefecture_of``). Raw tables: the cohort summary has no city grain; the scope's provinces,
    channels, city tiers (of the lead's place) and programmes apply.
    Columns: city_code, name_zh, name_en, province_code, tier (of the city), lon, lat, the ``by``
    columns, leads, enrolled. One row per city and ``by`` value with leads, by city code then ``by``.
    """
    by = tuple(by)
    unknown = [d for d in by if d not in CITY_DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown city funnel dimensions {unknown}; use {list(CITY_DIMENSIONS)}")
    place, city = c.alias("place"), c.alias("prefecture")
    enrolled = fe.alias("enrolled")
    dims = [lr.c[d] for d in by]
    keys = [city.c.code, city.c.name_zh, city.c.name_en, city.c.province_code, city.c.tier, city.c.lon, city.c.lat]
    stmt = (
        sa.select(*keys, *dims, sa.func.count().label("leads"), sa.func.count(enrolled.c.id).label("enrolled"))
        .select_from(
            lr.join(place, place.c.code == lr.c.city_code)
            .join(city, city.c.code == prefecture_of(place))
            # Enrolment events counted as get_funnel_by_stage counts them (learner ⋈ funnel_event rows).
            .outerjoin(enrolled, sa.and_(enrolled.c.learner_id == lr.c.id, enrolled.c.stage == "enrolled"))
        )
        .where(
            *slices(scope, lr.c.province_code, lr.c.channel, place.c.tier, lr.c.programme),
            Split.raw(lr.c.lead_on, (scope.start, scope.end)),
        )
        .group_by(*keys, *dims)
        .order_by(city.c.code, *dims)
    )
    columns = ["city_code", "name_zh", "name_en", "province_code", "tier", "lon", "lat", *by, "leads", "enrolled"]
    return to_int(frame(conn, stmt, columns), ["leads", "enrolled"])


def lead_parts(conn: Connection, scope: Scope, raw: Part, summary: Part, table: sa.Table = slt) -> list[sa.Select]:
    """The selects whose union counts the period's leads (learners by lead date): ``summary`` over
    ``table`` for whole months (summary_leads_tier; summary_leads where the city matters), ``raw``
    over learner for the cut ones."""
    part = split(conn, LEADS, scope.start, scope.end)
    return [summary([part.whole(table.c.lead_ym)]), *[raw([Split.raw(lr.c.lead_on, edge)]) for edge in part.edges]]


def get_leads_by_tier_year(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """Leads per calendar year and city tier (capital, prefecture, county) in the scope: the
    "channel sinking" reading. Columns: year, tier, leads; years without leads are absent."""

    def raw(where: list) -> sa.Select:
        year = year_of(lr.c.lead_on)
        return (
            sa.select(year.label("year"), c.c.tier.label("tier"), sa.func.count().label("leads"))
            .select_from(lr.join(c, c.c.code == lr.c.city_code))
            .where(*_raw_slices(scope), *where)
            .group_by(year, c.c.tier)
        )

    def summary(where: list) -> sa.Select:
        year = ym_year(slt.c.lead_ym)
        return (
            sa.select(year.label("year"), slt.c.tier.label("tier"), sa.func.sum(slt.c.leads).label("leads"))
            .where(*slices(scope, slt.c.province_code, slt.c.channel, slt.c.tier, slt.c.programme), *where)
            .group_by(year, slt.c.tier)
        )

    df = _sum_union(conn, lead_parts(conn, scope, raw, summary), ["year", "tier"], ["leads"], order=True)
    return to_int(df, ["year", "leads"])
