"""Monthly series of the paced KPIs and their year-end projections (data_access/pacing.py holds
the method; this module reads what it needs, aggregated in SQL, and applies it)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.pacing import (
    HISTORY_YEARS,
    MIN_YEARS,
    PACED_METRICS,
    Projection,
    elapsed_months,
    own_min_total,
    project_year_end,
    usable_years,
)
from data_access.queries._sql import c, frame, month_of, p, year_of
from data_access.queries.funnel import flow
from data_access.queries.kpi import _targets
from data_access.scope import Scope

pj, db = schema.project, schema.disbursement
# Funnel stage of each paced funnel metric.
STAGE_OF = {"leads": "lead", "enrolled": "enrolled", "certified": "certified", "employed": "employed"}
SERIES_COLUMNS = ["metric", "year", "month", "value"]
PACING_COLUMNS = ["metric", "ytd", "value", "low", "high", "basis", "target", "share", "low_share", "high_share"]


def _disbursed(conn: Connection, scope: Scope, first: int, by: Sequence[str]) -> pd.DataFrame:
    """Money paid per year and month (and province), for projects in the scope's slices that were
    alive in the year of the payment: each year reads as get_kpis reads it for that year."""
    years = range(first, (scope.end - dt.timedelta(days=1)).year + 1)
    alive = []
    for y in years:
        lo, hi = dt.date(y, 1, 1), min(dt.date(y + 1, 1, 1), scope.end)
        alive.append(sa.and_(db.c.paid_on >= lo, db.c.paid_on < hi, pj.c.start_on < hi, pj.c.end_on >= lo))
    yy, mm = year_of(db.c.paid_on), month_of(db.c.paid_on)
    dims = [c.c.province_code] if "province" in by else []
    stmt = (
        sa.select(yy, mm, *dims, sa.func.sum(db.c.amount_fen))
        .select_from(db.join(pj, pj.c.id == db.c.project_id).join(p, p.c.id == pj.c.partner_id).join(c, c.c.code == pj.c.city_code))
        .where(
            c.c.province_code.in_(scope.provinces),
            c.c.tier.in_(scope.tiers),
            p.c.kind.in_(scope.kinds),
            pj.c.kind.in_(scope.project_kinds),
            sa.or_(*alive),
        )
        .group_by(yy, mm, *dims)
    )
    df = frame(conn, stmt, ["year", "month", *by, "value"])
    return df.assign(metric="disbursed_yuan", value=pd.to_numeric(df["value"]).astype("float64") / 100)


def get_kpi_series_by_month(conn: Connection, *, scope: Scope, history_years: int = HISTORY_YEARS, by: Sequence[str] = ()) -> pd.DataFrame:
    """The paced KPIs (leads, enrolled, certified, employed, disbursed_yuan) per calendar month,
    from 1 January ``history_years`` years before the scope's first year up to the scope's end,
    in the scope's provinces and slices: what the year-end projection reads.

    Each month counts as the KPI cards count it (funnel events that happened; money paid to
    projects alive in that year). ``by``: () or ("province",). Columns: metric, year, month, the
    ``by`` columns, value (float). Months with nothing are absent.
    """
    by = tuple(by)
    if any(d != "province" for d in by):
        raise ValueError(f"unknown dimensions {list(by)}; use ['province']")
    first = scope.start.year - history_years
    wide = scope.with_period(dt.date(first, 1, 1), scope.end)
    events = flow(conn, wide, by=by, stages=tuple(STAGE_OF.values()))
    metric_of = {s: m for m, s in STAGE_OF.items()}
    funnel = events.assign(metric=events["stage"].map(metric_of), value=events["events"].astype("float64"))
    cols = ["metric", "year", "month", *by, "value"]
    df = pd.concat([funnel[cols], _disbursed(conn, scope, first, by)[cols]], ignore_index=True)
    df = df[df["value"] != 0]
    order = {m: i for i, m in enumerate(PACED_METRICS)}
    df = df.assign(_o=df["metric"].map(order)).sort_values(["_o", "year", "month", *by], kind="stable")
    df[["year", "month"]] = df[["year", "month"]].astype("int64")
    return df.drop(columns="_o").reset_index(drop=True)


def monthly_history(series: pd.DataFrame, metric: str) -> dict[int, list[float]]:
    """{year: 12 monthly values} of one metric of a get_kpi_series_by_month frame (one grain)."""
    out: dict[int, list[float]] = {}
    for (y, m), v in series[series["metric"] == metric].groupby(["year", "month"])["value"].sum().items():
        out.setdefault(int(y), [0.0] * 12)[int(m) - 1] = float(v)
    return out


def project_series(
    series: pd.DataFrame,
    *,
    year: int,
    elapsed: float,
    is_national: bool,
    targets: Mapping[str, float] | None = None,
    national: pd.DataFrame | None = None,
) -> dict[str, Projection]:
    """The projection of every paced metric of a series frame (one grain: no ``by`` columns);
    ``is_national``: the series is the whole country's (its own shape needs less history)."""
    out = {}
    for metric in PACED_METRICS:
        history = monthly_history(series, metric)
        ytd = sum(history.pop(year, [0.0]))
        shape = monthly_history(national, metric) if national is not None else None
        out[metric] = project_year_end(
            ytd,
            elapsed,
            history,
            year=year,
            national=shape,
            target=(targets or {}).get(metric, math.nan),
            own_min=own_min_total(metric, national=is_national),
            counts=not metric.endswith("_yuan"),
        )
    return out


def get_kpi_pacing(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """Year-end projections of the paced KPIs for a scope that starts on 1 January (its
    year-to-date ends at the scope's end; a whole year projects to itself).

    One row per metric of PACED_METRICS that has a projection (none without a year-to-date,
    see data_access.pacing). Columns: metric, ytd, value (projected year-end), low,
    high (the plausible range), basis (actual, own, national, linear or none; see
    data_access.pacing), target (NaN: none applies), share, low_share, high_share (of the
    target). A scope that does not start on 1 January projects nothing (no rows).
    The national shape, when used, enters only as shares: no figure of a province outside the
    scope is returned.
    """
    year = scope.start.year
    ytd = dict.fromkeys(PACED_METRICS, math.nan)
    if scope.start != dt.date(year, 1, 1) or scope.end > dt.date(year + 1, 1, 1):
        projections = {m: Projection(math.nan, math.nan, math.nan, "none") for m in PACED_METRICS}
    else:
        elapsed = 12.0 if scope.end == dt.date(year + 1, 1, 1) else elapsed_months(scope.end)
        series = get_kpi_series_by_month(conn, scope=scope)
        national = None
        everywhere = sorted(r[0] for r in conn.execute(sa.select(schema.province.c.code)))
        is_national = not set(everywhere) - set(scope.provinces)
        short = any(
            len(usable_years(monthly_history(series, m), year, min_total=own_min_total(m, national=is_national))) < MIN_YEARS
            for m in PACED_METRICS
        )
        if short and elapsed < 12 and not is_national:
            national = get_kpi_series_by_month(conn, scope=scope.with_provinces(everywhere))
        # A year-end projection is held against the whole year's target, wherever the data stops.
        whole_year = scope.with_period(scope.start, scope.end, plan_end=dt.date(year + 1, 1, 1))
        projections = project_series(
            series, year=year, elapsed=elapsed, is_national=is_national, targets=_targets(conn, whole_year), national=national
        )
        ytd = {m: sum(monthly_history(series, m).get(year, [0.0])) for m in PACED_METRICS}
    rows = [
        (m, ytd[m], pr.value, pr.low, pr.high, pr.basis, pr.target, pr.share_of_target, pr.low_share, pr.high_share)
        for m, pr in projections.items()
        if pr.basis != "none"
    ]
    return pd.DataFrame(rows, columns=PACING_COLUMNS)
