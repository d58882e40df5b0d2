"""Agreements coming due: which signed agreements expire soon, what they are worth, and what their
partners have brought in lately (the renewals a leader has to decide on)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import periods, schema
from data_access.queries._sql import c, end_of_kind, fen_to_yuan, frame, p, partners_in_scope, prov, to_int
from data_access.queries.funnel import slices
from data_access.scope import Scope

ag, lr, fe = schema.agreement, schema.learner, schema.funnel_event

DEFAULT_MONTHS = 6  # the horizon when none is given: the pack's
ACTIVITY_MONTHS = 12  # a partner's recent activity: leads and enrolments of the last 12 months

AGREEMENT_COLUMNS = [
    "agreement_id",
    "kind",
    "signed_on",
    "expires_on",
    "value_fen",
    "partner_id",
    "partner_name_zh",
    "partner_name_en",
    "partner_kind",
    "end",
    "agreement_level",
    "province_code",
    "province_name_zh",
    "province_name_en",
    "city_name_zh",
    "city_name_en",
    "tier",
    "leads_12m",
    "enrolled_12m",
]


def due_window(scope: Scope, as_of: dt.date | None, within_days: int | None) -> tuple[dt.date, dt.date]:
    """(as_of, until): agreements expiring in (as_of, until] are coming due. ``as_of`` defaults to the
    last day of the scope's period (the data-as-of date for the current one), ``until`` to
    ``DEFAULT_MONTHS`` calendar months after it."""
    day = as_of or scope.end - dt.timedelta(days=1)
    if within_days is None:
        return day, periods.months_after(day, DEFAULT_MONTHS)
    if isinstance(within_days, bool) or not isinstance(within_days, int) or within_days < 0:
        raise ValueError(f"within_days must be a whole number of days >= 0, not {within_days!r}")
    return day, day + dt.timedelta(days=within_days)


def _due(scope: Scope, as_of: dt.date, until: dt.date) -> sa.CTE:
    """The agreements coming due: of partners in scope (partners_in_scope), signed by ``as_of``,
    expiring in (as_of, until], and not renewed — no other agreement of the same partner and kind,
    signed by ``as_of``, runs past this one's expiry (or is open-ended)."""
    renewal = ag.alias("renewal")
    renewed = sa.exists().where(
        renewal.c.partner_id == ag.c.partner_id,
        renewal.c.kind == ag.c.kind,
        renewal.c.id != ag.c.id,
        renewal.c.signed_on <= as_of,
        sa.or_(renewal.c.expires_on.is_(None), renewal.c.expires_on > ag.c.expires_on),
    )
    return (
        sa.select(ag.c.id, ag.c.partner_id)
        .select_from(ag.join(p, p.c.id == ag.c.partner_id).join(c, c.c.code == p.c.city_code))
        .where(*partners_in_scope(scope), ag.c.signed_on <= as_of, ag.c.expires_on > as_of, ag.c.expires_on <= until, ~renewed)
        .cte("due")
    )


def get_agreements_by_expiry(
    conn: Connection, *, scope: Scope, as_of: dt.date | None = None, within_days: int | None = None
) -> pd.DataFrame:
    """One row per agreement coming due: expiring after ``as_of`` and at most ``within_days`` days
    later (default: ``DEFAULT_MONTHS`` calendar months), not renewed, of a partner in scope (the
    scope's provinces, tiers and kinds, signed before its end, not ended). Biggest value first,
    then the earliest expiry.

    Columns: agreement_id, kind (agreement kind), signed_on, expires_on, days_left (from ``as_of``),
    value_yuan, partner_id, partner_name_zh, partner_name_en, partner_kind, end (G/B/S),
    agreement_level, province_code, province_name_zh, province_name_en, city_name_zh, city_name_en,
    tier (of the partner's city), leads_12m and enrolled_12m: the partner's activity in the
    ``ACTIVITY_MONTHS`` months to ``as_of`` — learners it brought (``learner.partner_id``) whose
    lead, or whose enrolment event, falls in them, in the scope's provinces, channels, tiers and
    programmes. ``as_of`` defaults to the last day of the scope's period.
    """
    day, until = due_window(scope, as_of, within_days)
    due = _due(scope, day, until)
    since, after = periods.months_after(day, -ACTIVITY_MONTHS) + dt.timedelta(days=1), day + dt.timedelta(days=1)
    partners = sa.select(due.c.partner_id)
    leads = (
        sa.select(lr.c.partner_id.label("partner_id"), sa.func.count().label("n"))
        .select_from(lr.join(c, c.c.code == lr.c.city_code))
        .where(
            lr.c.partner_id.in_(partners),
            lr.c.lead_on >= since,
            lr.c.lead_on < after,
            *slices(scope, lr.c.province_code, lr.c.channel, c.c.tier, lr.c.programme),
        )
        .group_by(lr.c.partner_id)
        .subquery()
    )
    # At most one event per learner and stage (docs/SCHEMA.md), so events count learners.
    enrolled = (
        sa.select(lr.c.partner_id.label("partner_id"), sa.func.count().label("n"))
        .select_from(fe.join(lr, lr.c.id == fe.c.learner_id).join(c, c.c.code == fe.c.city_code))
        .where(
            lr.c.partner_id.in_(partners),
            fe.c.stage == "enrolled",
            fe.c.occurred_on >= since,
            fe.c.occurred_on < after,
            *slices(scope, fe.c.province_code, fe.c.channel, c.c.tier, fe.c.programme),
        )
        .group_by(lr.c.partner_id)
        .subquery()
    )
    stmt = (
        sa.select(
            ag.c.id,
            ag.c.kind,
            ag.c.signed_on,
            ag.c.expires_on,
            ag.c.value_fen,
            p.c.id,
            p.c.name_zh,
            p.c.name_en,
            p.c.kind,
            end_of_kind(),
            p.c.agreement_level,
            c.c.province_code,
            prov.c.name_zh,
            prov.c.name_en,
            c.c.name_zh,
            c.c.name_en,
            c.c.tier,
            sa.func.coalesce(leads.c.n, 0),
            sa.func.coalesce(enrolled.c.n, 0),
        )
        .select_from(
            due.join(ag, ag.c.id == due.c.id)
            .join(p, p.c.id == ag.c.partner_id)
            .join(c, c.c.code == p.c.city_code)
            .join(prov, prov.c.code == c.c.province_code)
            .outerjoin(leads, leads.c.partner_id == p.c.id)
            .outerjoin(enrolled, enrolled.c.partner_id == p.c.id)
        )
        .order_by(ag.c.value_fen.desc(), ag.c.expires_on, ag.c.id)
    )
    df = to_int(frame(conn, stmt, AGREEMENT_COLUMNS), ["agreement_id", "partner_id", "leads_12m", "enrolled_12m"])
    df = fen_to_yuan(df, ["value_fen"])
    for col in ("signed_on", "expires_on"):
        df[col] = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in df[col]]
    df.insert(4, "days_left", pd.Series([(e - day).days for e in df["expires_on"]], index=df.index, dtype="int64"))
    return df[[*AGREEMENT_COLUMNS[:4], "days_left", "value_yuan", *AGREEMENT_COLUMNS[5:]]]
