"""Headline KPIs for a scope, held against the annual targets and the previous period."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import codes, periods, schema
from data_access.queries._sql import c, count_if, end_of_kind, p, partners_in_scope
from data_access.queries.funnel import flow
from data_access.queries.investment import _projects_in_scope
from data_access.scope import DEFAULT_COMPARE, Scope

pj, bp, db, ag, tg = schema.project, schema.budget_plan, schema.disbursement, schema.agreement, schema.target

METRICS: tuple[str, ...] = (
    "partners",
    "partners_G",
    "partners_B",
    "partners_S",
    "schools",
    "active_projects",
    "planned_yuan",
    "committed_yuan",
    "disbursed_yuan",
    "leads",
    "enrolled",
    "certified",
    "employed",
    "refunded",
)
# Stock metrics are a level at the end of the period; the others are flows over it.
STOCK_METRICS = {"partners", "partners_G", "partners_B", "partners_S", "schools", "active_projects"}
# metric -> (target.metric, divisor to the metric's unit)
TARGET_OF = {
    "partners": ("partners", 1),
    "schools": ("schools", 1),
    "active_projects": ("active_projects", 1),
    "planned_yuan": ("planned_fen", 100),
    "disbursed_yuan": ("disbursed_fen", 100),
    "leads": ("leads", 1),
    "enrolled": ("enrolled", 1),
    "certified": ("certified", 1),
    "employed": ("employed", 1),
}
KPI_COLUMNS = ["metric", "value", "previous", "target"]


def _values(conn: Connection, scope: Scope) -> dict[str, float]:
    out: dict[str, float] = {}
    end = end_of_kind()
    row = conn.execute(
        sa.select(sa.func.count(), count_if(end == "G"), count_if(end == "B"), count_if(end == "S"))
        .select_from(p.join(c, c.c.code == p.c.city_code))
        .where(*partners_in_scope(scope))
    ).one()
    out.update(zip(("partners", "partners_G", "partners_B", "partners_S"), map(int, row)))
    # Schools in the "joint running of 100 schools" plan: school partners with a joint-school agreement.
    out["schools"] = int(
        conn.execute(
            sa.select(sa.func.count(sa.distinct(p.c.id)))
            .select_from(p.join(c, c.c.code == p.c.city_code).join(ag, ag.c.partner_id == p.c.id))
            .where(*partners_in_scope(scope), p.c.kind.in_(codes.SCHOOL_KINDS), ag.c.kind == "joint_school", ag.c.signed_on < scope.end)
        ).scalar_one()
    )
    projects = pj.join(p, p.c.id == pj.c.partner_id).join(c, c.c.code == pj.c.city_code)
    n, committed = conn.execute(
        sa.select(count_if(pj.c.status.in_(("active", "completed"))), sa.func.coalesce(sa.func.sum(pj.c.committed_fen), 0))
        .select_from(projects)
        .where(*_projects_in_scope(scope))
    ).one()
    out["active_projects"], out["committed_yuan"] = int(n), float(committed) / 100
    # The period's plan: each plan year's figure times its share of the period (data_access/periods.py).
    plan_years = conn.execute(
        sa.select(bp.c.year, sa.func.coalesce(sa.func.sum(bp.c.planned_fen), 0))
        .select_from(bp.join(projects, pj.c.id == bp.c.project_id))
        .where(*_projects_in_scope(scope), bp.c.year.between(scope.start.year, (scope.plan_until - dt.timedelta(days=1)).year))
        .group_by(bp.c.year)
    ).all()
    out["planned_yuan"] = periods.period_amount({int(y): float(v) for y, v in plan_years}, scope.start, scope.plan_until) / 100
    out["disbursed_yuan"] = (
        float(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(db.c.amount_fen), 0))
                .select_from(db.join(projects, pj.c.id == db.c.project_id))
                .where(*_projects_in_scope(scope), db.c.paid_on >= scope.start, db.c.paid_on < scope.end)
            ).scalar_one()
        )
        / 100
    )
    stages = ("lead", "enrolled", "certified", "employed", codes.REFUNDED)
    counts = dict.fromkeys(stages, 0)
    counts.update(flow(conn, scope, stages=stages).groupby("stage")["events"].sum().astype(int).to_dict())
    out.update(
        leads=counts["lead"],
        enrolled=counts["enrolled"],
        certified=counts["certified"],
        employed=counts["employed"],
        refunded=counts[codes.REFUNDED],
    )
    return out


def _targets(conn: Connection, scope: Scope) -> dict[str, float]:
    """Targets for the scope: national rows for a national scope, else the sum of its provinces.

    Flow metrics get the period's share of their annual targets (data_access/periods.py: a quarter
    a quarter of the year's); stock metrics the target for the end of the period's last year.
    Targets are set per province and year, not per channel, tier or partner kind: a scope that
    slices those has no target (NaN), rather than a wrong one.
    """
    sliced = (set(scope.channels), set(scope.tiers), set(scope.kinds), set(scope.programmes), set(scope.project_kinds))
    if sliced != (set(codes.CHANNELS), set(codes.TIERS), set(codes.PARTNER_KINDS), set(codes.PROGRAMMES), set(codes.PROJECT_KINDS)):
        return {}
    shares = periods.year_shares(scope.start, scope.plan_until)
    years = list(shares)
    # National rows apply only to a scope of every province there is. (They once applied whenever
    # the scope covered the provinces that happen to have targets: with targets loaded for Henan
    # alone, a Henan manager would have been shown the national target as theirs.)
    everywhere = {r[0] for r in conn.execute(sa.select(schema.province.c.code))}
    national = bool(everywhere) and everywhere <= set(scope.provinces)
    where = tg.c.province_code.is_(None) if national else tg.c.province_code.in_(scope.provinces)
    rows = conn.execute(
        sa.select(tg.c.year, tg.c.metric, sa.func.sum(tg.c.value)).where(where, tg.c.year.in_(years)).group_by(tg.c.year, tg.c.metric)
    ).all()
    by = {(int(y), m): float(v) for y, m, v in rows}
    out: dict[str, float] = {}
    for metric, (tmetric, div) in TARGET_OF.items():
        if metric in STOCK_METRICS:
            v = by.get((years[-1], tmetric))
        else:
            parts = [by[(y, tmetric)] * shares[y] for y in years if (y, tmetric) in by]
            v = sum(parts) if len(parts) == len(years) else None
        if v is not None:
            out[metric] = v / div
    return out


def get_kpis(conn: Connection, *, scope: Scope, compare: str = DEFAULT_COMPARE) -> pd.DataFrame:
    """One row per metric in METRICS: its value in the period, in the period it is compared with
    (``Scope.compared(compare)``: the same period last year, or the previous one) and the period's
    target (NaN where none applies; components/metrics.py says which metric has which rule).

    Columns: metric, value, previous, target. Money metrics end in ``_yuan``; stock metrics
    (partners*, schools, active_projects) are levels at the end of the period, the rest flows.
    """
    now, before, targets = _values(conn, scope), _values(conn, scope.compared(compare)), _targets(conn, scope)
    rows = [(m, now[m], before[m], targets.get(m, float("nan"))) for m in METRICS]
    return pd.DataFrame(rows, columns=KPI_COLUMNS)
