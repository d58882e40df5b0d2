"""Project investment: planned vs committed vs disbursed, per project, sector, province, partner, time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import periods, schema
from data_access.queries._sql import c, count_if, fen_to_yuan, frame, month_of, p, prov, sum_if, to_int, year_of
from data_access.scope import Scope

pj, bp, db, ms = schema.project, schema.budget_plan, schema.disbursement, schema.milestone

# Spend more than this share above the pro-rated plan counts as running ahead of plan.
AHEAD_TOLERANCE = 0.05

PROJECT_COLUMNS = [
    "project_id",
    "code",
    "name_zh",
    "name_en",
    "kind",
    "sector",
    "status",
    "partner_id",
    "partner_name_zh",
    "partner_name_en",
    "partner_kind",
    "province_code",
    "province_name_zh",
    "province_name_en",
    "city_name_zh",
    "city_name_en",
    "start_on",
    "end_on",
    "committed_fen",
    "planned_fen",
    "planned_to_date_fen",
    "disbursed_fen",
    "disbursed_to_date_fen",
    "milestones",
    "overdue_milestones",
]


def _projects_in_scope(scope: Scope) -> list[sa.ColumnElement]:
    """Projects in the scope's provinces and tiers, with partners of its kinds, alive in its period."""
    return [
        c.c.province_code.in_(scope.provinces),
        c.c.tier.in_(scope.tiers),
        p.c.kind.in_(scope.kinds),
        pj.c.kind.in_(scope.project_kinds),
        pj.c.start_on < scope.end,
        pj.c.end_on >= scope.start,
    ]


def _year_fraction(scope: Scope, as_of: dt.date | None) -> tuple[int, float]:
    """The last year of the period and the share of its plan due by ``as_of`` (data_access/periods.py)."""
    last = min(scope.end - dt.timedelta(days=1), as_of or scope.end)
    return last.year, periods.year_share(last.year, dt.date(last.year, 1, 1), last + dt.timedelta(days=1))


def _period_plan(scope: Scope) -> sa.ColumnElement:
    """A budget_plan row's part of the period's plan (fen): its year's figure times the year's share
    of [start, plan_until) by the one pro-rating rule (data_access/periods.py)."""
    shares = periods.year_shares(scope.start, scope.plan_until)
    share = sa.case({y: sa.literal(s) for y, s in shares.items()}, value=bp.c.year, else_=sa.literal(0.0))
    return bp.c.planned_fen * share


def _project_rows(scope: Scope, as_of: dt.date | None) -> sa.Select:
    last_year, fraction = _year_fraction(scope, as_of)
    plan = (
        sa.select(
            bp.c.project_id,
            sa.func.sum(_period_plan(scope)).label("planned"),
            (
                sum_if(bp.c.year < last_year, bp.c.planned_fen) + sum_if(bp.c.year == last_year, bp.c.planned_fen) * sa.literal(fraction)
            ).label("to_date"),
        )
        .group_by(bp.c.project_id)
        .subquery()
    )
    paid = (
        sa.select(
            db.c.project_id,
            sum_if(sa.and_(db.c.paid_on >= scope.start, db.c.paid_on < scope.end), db.c.amount_fen).label("period"),
            sum_if(db.c.paid_on < scope.end, db.c.amount_fen).label("to_date"),
        )
        .group_by(db.c.project_id)
        .subquery()
    )
    open_by = min(scope.end, (as_of + dt.timedelta(days=1)) if as_of else scope.end)
    miles = (
        sa.select(
            ms.c.project_id, sa.func.count().label("n"), count_if(sa.and_(ms.c.due_on < open_by, ms.c.done_on.is_(None))).label("overdue")
        )
        .group_by(ms.c.project_id)
        .subquery()
    )
    return (
        sa.select(
            pj.c.id,
            pj.c.code,
            pj.c.name_zh,
            pj.c.name_en,
            pj.c.kind,
            pj.c.sector,
            pj.c.status,
            p.c.id,
            p.c.name_zh,
            p.c.name_en,
            p.c.kind,
            c.c.province_code,
            prov.c.name_zh,
            prov.c.name_en,
            c.c.name_zh,
            c.c.name_en,
            pj.c.start_on,
            pj.c.end_on,
            pj.c.committed_fen,
            sa.func.coalesce(plan.c.planned, 0),
            sa.func.coalesce(plan.c.to_date, 0),
            sa.func.coalesce(paid.c.period, 0),
            sa.func.coalesce(paid.c.to_date, 0),
            sa.func.coalesce(miles.c.n, 0),
            sa.func.coalesce(miles.c.overdue, 0),
        )
        .select_from(
            pj.join(p, p.c.id == pj.c.partner_id)
            .join(c, c.c.code == pj.c.city_code)
            .join(prov, prov.c.code == c.c.province_code)
            .outerjoin(plan, plan.c.project_id == pj.c.id)
            .outerjoin(paid, paid.c.project_id == pj.c.id)
            .outerjoin(miles, miles.c.project_id == pj.c.id)
        )
        .where(*_projects_in_scope(scope))
    )


def get_investment_by_project(conn: Connection, *, scope: Scope, as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per project alive in the period, with money in yuan and risk flags.

    Columns: project_id, code, name_zh, name_en, kind, sector, status, partner_id, partner_name_zh,
    partner_name_en, partner_kind, province_code, province_name_zh, province_name_en, city_name_zh,
    city_name_en, start_on, end_on, milestones, overdue_milestones, committed_yuan (whole project),
    planned_yuan (the period's share of the plan years, data_access/periods.py), planned_to_date_yuan
    (plan up to ``as_of``, the last year pro-rated by the same rule), disbursed_yuan (paid in the
    period), disbursed_to_date_yuan (paid before the period ends), pct_executed (disbursed / planned in the period; NaN without a plan),
    ahead_of_plan (paid to date > planned to date by more than 5 %), at_risk (ahead of plan or a
    milestone overdue). ``as_of`` is the data-as-of date (defaults to the period end).
    """
    stmt = _project_rows(scope, as_of).order_by(pj.c.code)
    df = frame(conn, stmt, PROJECT_COLUMNS)
    df = to_int(df, ["milestones", "overdue_milestones"])
    df = fen_to_yuan(df, ["committed_fen", "planned_fen", "planned_to_date_fen", "disbursed_fen", "disbursed_to_date_fen"])
    planned = df["planned_yuan"].where(df["planned_yuan"] > 0)
    df["pct_executed"] = df["disbursed_yuan"] / planned
    df["ahead_of_plan"] = df["disbursed_to_date_yuan"] > df["planned_to_date_yuan"] * (1 + AHEAD_TOLERANCE) + 0.005
    df["at_risk"] = df["ahead_of_plan"] | (df["overdue_milestones"] > 0)
    return df


Grain = Literal["sector", "province", "partner", "kind", "status"]
_GRAIN_KEYS = {
    "sector": [pj.c.sector],
    "kind": [pj.c.kind],
    "status": [pj.c.status],
    "province": [c.c.province_code, prov.c.name_zh, prov.c.name_en],
    "partner": [p.c.id, p.c.name_zh, p.c.name_en, p.c.kind],
}
_GRAIN_NAMES = {
    "sector": ["sector"],
    "kind": ["kind"],
    "status": ["status"],
    "province": ["province_code", "province_name_zh", "province_name_en"],
    "partner": ["partner_id", "partner_name_zh", "partner_name_en", "partner_kind"],
}


def get_investment_by(conn: Connection, *, scope: Scope, grain: Grain) -> pd.DataFrame:
    """Investment totals per ``grain`` (sector, province, partner, kind or status), largest plan first.

    Columns: the grain's key columns (sector | province_code, province_name_zh, province_name_en |
    partner_id, partner_name_zh, partner_name_en, partner_kind | kind | status), projects,
    committed_yuan, planned_yuan, disbursed_yuan, pct_executed (same definitions as
    get_investment_by_project, summed).
    """
    if grain not in _GRAIN_KEYS:
        raise ValueError(f"grain must be one of {sorted(_GRAIN_KEYS)}, not {grain!r}")
    plan = sa.select(bp.c.project_id, sa.func.sum(_period_plan(scope)).label("planned")).group_by(bp.c.project_id).subquery()
    paid = (
        sa.select(db.c.project_id, sum_if(sa.and_(db.c.paid_on >= scope.start, db.c.paid_on < scope.end), db.c.amount_fen).label("paid"))
        .group_by(db.c.project_id)
        .subquery()
    )
    keys = _GRAIN_KEYS[grain]
    stmt = (
        sa.select(
            *keys,
            sa.func.count(pj.c.id),
            sa.func.sum(pj.c.committed_fen),
            sa.func.sum(sa.func.coalesce(plan.c.planned, 0)),
            sa.func.sum(sa.func.coalesce(paid.c.paid, 0)),
        )
        .select_from(
            pj.join(p, p.c.id == pj.c.partner_id)
            .join(c, c.c.code == pj.c.city_code)
            .join(prov, prov.c.code == c.c.province_code)
            .outerjoin(plan, plan.c.project_id == pj.c.id)
            .outerjoin(paid, paid.c.project_id == pj.c.id)
        )
        .where(*_projects_in_scope(scope))
        .group_by(*keys)
        .order_by(*keys)
    )
    names = _GRAIN_NAMES[grain]
    df = frame(conn, stmt, names + ["projects", "committed_fen", "planned_fen", "disbursed_fen"])
    df = fen_to_yuan(to_int(df, ["projects"]), ["committed_fen", "planned_fen", "disbursed_fen"])
    df["pct_executed"] = df["disbursed_yuan"] / df["planned_yuan"].where(df["planned_yuan"] > 0)
    return df.sort_values(["planned_yuan"] + names, ascending=[False] + [True] * len(names), kind="stable").reset_index(drop=True)


def get_disbursed_by_month(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """Money paid per calendar month of the period, for projects in scope.

    Columns: year, month, disbursed_yuan. Months without payments are absent.
    """
    y, m = year_of(db.c.paid_on), month_of(db.c.paid_on)
    stmt = (
        sa.select(y, m, sa.func.sum(db.c.amount_fen))
        .select_from(db.join(pj, pj.c.id == db.c.project_id).join(p, p.c.id == pj.c.partner_id).join(c, c.c.code == pj.c.city_code))
        .where(*_projects_in_scope(scope), db.c.paid_on >= scope.start, db.c.paid_on < scope.end)
        .group_by(y, m)
        .order_by(y, m)
    )
    df = to_int(frame(conn, stmt, ["year", "month", "disbursed_fen"]), ["year", "month"])
    return fen_to_yuan(df, ["disbursed_fen"])


def get_planned_by_year(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """Planned money per fiscal year of the period, for projects in scope. Columns: year, planned_yuan."""
    stmt = (
        sa.select(bp.c.year, sa.func.sum(bp.c.planned_fen))
        .select_from(bp.join(pj, pj.c.id == bp.c.project_id).join(p, p.c.id == pj.c.partner_id).join(c, c.c.code == pj.c.city_code))
        .where(*_projects_in_scope(scope), bp.c.year.between(scope.start.year, (scope.end - dt.timedelta(days=1)).year))
        .group_by(bp.c.year)
        .order_by(bp.c.year)
    )
    df = to_int(frame(conn, stmt, ["year", "planned_fen"]), ["year"])
    return fen_to_yuan(df, ["planned_fen"])


@dataclass(frozen=True)
class ProjectDetail:
    """One project's plan by year (year, planned_yuan, disbursed_yuan), payments (paid_on,
    amount_yuan, category) and milestones (name_zh, name_en, due_on, done_on). Empty frames when
    the project is not in the scope's provinces."""

    plan: pd.DataFrame
    payments: pd.DataFrame
    milestones: pd.DataFrame


def get_project_detail(conn: Connection, *, scope: Scope, project_id: int) -> ProjectDetail:
    """Drill into one project; the scope's provinces guard it (another province's project shows nothing)."""
    visible = (
        sa.select(pj.c.id).join(c, c.c.code == pj.c.city_code).where(pj.c.id == int(project_id), c.c.province_code.in_(scope.provinces))
    )
    allowed = conn.execute(visible).first() is not None
    pid = int(project_id) if allowed else -1
    paid_year = year_of(db.c.paid_on)
    paid = (
        sa.select(paid_year.label("year"), sa.func.sum(db.c.amount_fen).label("paid"))
        .where(db.c.project_id == pid)
        .group_by(paid_year)
        .subquery()
    )
    plan_stmt = (
        sa.select(bp.c.year, bp.c.planned_fen, sa.func.coalesce(paid.c.paid, 0))
        .outerjoin(paid, paid.c.year == bp.c.year)
        .where(bp.c.project_id == pid)
        .order_by(bp.c.year)
    )
    plan = fen_to_yuan(to_int(frame(conn, plan_stmt, ["year", "planned_fen", "disbursed_fen"]), ["year"]), ["planned_fen", "disbursed_fen"])
    pay_stmt = sa.select(db.c.paid_on, db.c.amount_fen, db.c.category).where(db.c.project_id == pid).order_by(db.c.paid_on, db.c.id)
    payments = fen_to_yuan(frame(conn, pay_stmt, ["paid_on", "amount_fen", "category"]), ["amount_fen"])
    ms_stmt = sa.select(ms.c.name_zh, ms.c.name_en, ms.c.due_on, ms.c.done_on).where(ms.c.project_id == pid).order_by(ms.c.due_on, ms.c.id)
    milestones = frame(conn, ms_stmt, ["name_zh", "name_en", "due_on", "done_on"])
    return ProjectDetail(plan=plan, payments=payments, milestones=milestones)
