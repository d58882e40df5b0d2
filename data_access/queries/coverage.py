"""Partner coverage: where partners are, where leads are, and where leads have no partner."""

from __future__ import annotations

from typing import Literal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import codes, schema
from data_access.queries._sql import c, count_if, end_of_kind, frame, p, partners_in_scope, prov, to_int, unindexed
from data_access.queries.funnel import lead_parts, prefecture_of, slices
from data_access.scope import Scope

lr, pj, sl, slt = schema.learner, schema.project, schema.summary_leads, schema.summary_leads_tier

PROVINCE_COLUMNS = [
    "province_code",
    "name_zh",
    "name_en",
    "region",
    "lon",
    "lat",
    "partners",
    "schools",
    "enterprises",
    "governments",
    "leads",
]
CITY_COLUMNS = [
    "city_code",
    "name_zh",
    "name_en",
    "province_code",
    "province_name_zh",
    "province_name_en",
    "tier",
    "lon",
    "lat",
    "partners",
    "leads",
]
POINT_COLUMNS = [
    "partner_id",
    "name_zh",
    "name_en",
    "kind",
    "end",
    "agreement_level",
    "status",
    "since",
    "city_code",
    "city_name_zh",
    "city_name_en",
    "province_code",
    "tier",
    "lon",
    "lat",
    "projects",
]


def _partner_counts(scope: Scope, key) -> sa.Subquery:
    end = end_of_kind()
    return (
        sa.select(
            key.label("key"),
            sa.func.count(p.c.id).label("partners"),
            count_if(end == "S").label("schools"),
            count_if(end == "B").label("enterprises"),
            count_if(end == "G").label("governments"),
        )
        .select_from(p.join(c, c.c.code == p.c.city_code))
        .where(*partners_in_scope(scope))
        .group_by(key)
        .subquery()
    )


def _lead_parts(conn: Connection, scope: Scope, key: str) -> list[sa.Select]:
    """Selects (key, leads) whose union counts the period's leads (learners by lead date) per
    ``key`` (province_code or city_code)."""

    def raw(where: list) -> sa.Select:
        return (
            sa.select(lr.c[key].label("key"), sa.func.count().label("leads"))
            .select_from(lr.join(c, c.c.code == lr.c.city_code))
            .where(*slices(scope, unindexed(lr.c.province_code), lr.c.channel, c.c.tier, lr.c.programme), *where)
            .group_by(lr.c[key])
        )

    # Per province the lean table (no city: an eighth of the rows) answers; per city only summary_leads.
    t = sl if key == "city_code" else slt

    def summary(where: list) -> sa.Select:
        return (
            sa.select(t.c[key].label("key"), sa.func.sum(t.c.leads).label("leads"))
            .where(*slices(scope, t.c.province_code, t.c.channel, t.c.tier, t.c.programme), *where)
            .group_by(t.c[key])
        )

    return lead_parts(conn, scope, raw, summary, t)


def _lead_counts(conn: Connection, scope: Scope, key: str) -> sa.Subquery:
    """Leads per ``key``: (key, leads)."""
    parts = _lead_parts(conn, scope, key)
    u = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    return sa.select(u.c.key, sa.func.sum(u.c.leads).label("leads")).group_by(u.c.key).subquery()


def get_coverage_by_province(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """One row per province in scope (also those with nothing): partners by end and leads in the period.

    Columns: province_code, name_zh, name_en, region, lon, lat, partners, schools, enterprises,
    governments, leads. Partners are those signed before the period ends and not ended,
    of the scope's kinds, in cities of the scope's tiers; leads are learners whose lead falls
    in the period, of the scope's channels and tiers.
    """
    ps, ls = _partner_counts(scope, c.c.province_code), _lead_counts(conn, scope, "province_code")
    stmt = (
        sa.select(
            prov.c.code,
            prov.c.name_zh,
            prov.c.name_en,
            prov.c.region,
            prov.c.lon,
            prov.c.lat,
            ps.c.partners,
            ps.c.schools,
            ps.c.enterprises,
            ps.c.governments,
            ls.c.leads,
        )
        .select_from(prov.outerjoin(ps, ps.c.key == prov.c.code).outerjoin(ls, ls.c.key == prov.c.code))
        .where(prov.c.code.in_(scope.provinces))
        .order_by(prov.c.code)
    )
    return to_int(frame(conn, stmt, PROVINCE_COLUMNS), PROVINCE_COLUMNS[6:])


def _city_counts(conn: Connection, scope: Scope) -> sa.Subquery:
    """(key, partners, leads) rows per place: partner counts and lead counts as rows of one union,
    summed by the caller. (Outer joins of two aggregated subqueries led PostgreSQL to a nested loop
    that rescanned the lead counts for each of 2,203 cities: 0.4-0.7 s at 1 M events.)"""
    ps = _partner_counts(scope, p.c.city_code)
    zero: sa.ColumnElement[int] = sa.literal_column("0", sa.Integer)
    parts = [sa.select(ps.c.key, ps.c.partners.label("partners"), zero.label("leads"))]
    for part in _lead_parts(conn, scope, "city_code"):
        sub = part.subquery()
        parts.append(sa.select(sub.c.key, zero.label("partners"), sub.c.leads))
    return sa.union_all(*parts).subquery()


def _by_city(conn: Connection, scope: Scope) -> sa.Select:
    u = _city_counts(conn, scope)
    partners, leads = sa.func.sum(u.c.partners).label("partners"), sa.func.sum(u.c.leads).label("leads")
    cols = [c.c.code, c.c.name_zh, c.c.name_en, c.c.province_code, prov.c.name_zh, prov.c.name_en, c.c.tier, c.c.lon, c.c.lat]
    return (
        sa.select(*cols, partners, leads)
        .select_from(c.join(prov, prov.c.code == c.c.province_code).join(u, u.c.key == c.c.code))
        .where(c.c.province_code.in_(scope.provinces), c.c.tier.in_(scope.tiers))
        .group_by(*cols)
    )


def _by_prefecture(conn: Connection, scope: Scope) -> sa.Select:
    u = _city_counts(conn, scope)
    key = prefecture_of(c)
    counts = (
        sa.select(key.label("key"), sa.func.sum(u.c.partners).label("partners"), sa.func.sum(u.c.leads).label("leads"))
        .select_from(c.join(u, u.c.key == c.c.code))
        .where(c.c.province_code.in_(scope.provinces), c.c.tier.in_(scope.tiers))
        .group_by(key)
        .subquery()
    )
    unit = c.alias("prefecture")  # a prefecture-level unit: a city row without a parent
    return (
        sa.select(
            unit.c.code,
            unit.c.name_zh,
            unit.c.name_en,
            unit.c.province_code,
            prov.c.name_zh,
            prov.c.name_en,
            unit.c.tier,
            unit.c.lon,
            unit.c.lat,
            sa.func.coalesce(counts.c.partners, 0),
            sa.func.coalesce(counts.c.leads, 0),
        )
        .select_from(unit.join(prov, prov.c.code == unit.c.province_code).outerjoin(counts, counts.c.key == unit.c.code))
        .where(unit.c.province_code.in_(scope.provinces), unit.c.parent_code.is_(None))
        .order_by(unit.c.code)
    )


def get_coverage_by_city(conn: Connection, *, scope: Scope, grain: Literal["place", "prefecture"] = "place") -> pd.DataFrame:
    """One row per city or county in scope that has partners or leads; with ``grain="prefecture"``
    one row per prefecture-level city of the scope's provinces (also those with nothing), its
    counties' partners and leads counted in it (funnel.prefecture_of; the scope's tiers select the
    places counted).

    Columns: city_code, name_zh, name_en, province_code, province_name_zh, province_name_en,
    tier, lon, lat, partners, leads (definitions as in get_coverage_by_province).
    """
    if grain not in ("place", "prefecture"):
        raise ValueError(f"grain must be 'place' or 'prefecture', not {grain!r}")
    stmt = _by_prefecture(conn, scope) if grain == "prefecture" else _by_city(conn, scope).order_by(c.c.code)
    return to_int(frame(conn, stmt, CITY_COLUMNS), ["partners", "leads"])


def get_coverage_gaps(conn: Connection, *, scope: Scope, limit: int | None = None) -> pd.DataFrame:
    """Cities and counties with leads in the period but no partner: the channel-sinking gaps.

    Same columns as get_coverage_by_city, most leads first (then by code). Every such place by
    default: there are at most as many as cities and counties (about 2,200), and the page, its
    export and the takeaway's count need them all; ``limit`` keeps only the first rows.
    """
    sub = _by_city(conn, scope).subquery()
    partners, leads, code = sub.c.partners, sub.c.leads, sub.c.code
    stmt = sa.select(sub).where(partners == 0, leads > 0).order_by(leads.desc(), code)
    if limit is not None:
        stmt = stmt.limit(int(limit))
    return to_int(frame(conn, stmt, CITY_COLUMNS), ["partners", "leads"])


def get_partner_points(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """One row per partner in scope, located at its city, for the map.

    Columns: partner_id, name_zh, name_en, kind, end (G/B/S), agreement_level, status, since,
    city_code, city_name_zh, city_name_en, province_code, tier, lon, lat (GCJ-02),
    projects (number of projects with this partner).
    """
    projects = sa.select(pj.c.partner_id, sa.func.count().label("n")).group_by(pj.c.partner_id).subquery()
    stmt = (
        sa.select(
            p.c.id,
            p.c.name_zh,
            p.c.name_en,
            p.c.kind,
            end_of_kind(),
            p.c.agreement_level,
            p.c.status,
            p.c.since,
            c.c.code,
            c.c.name_zh,
            c.c.name_en,
            c.c.province_code,
            c.c.tier,
            c.c.lon,
            c.c.lat,
            sa.func.coalesce(projects.c.n, 0),
        )
        .select_from(p.join(c, c.c.code == p.c.city_code).outerjoin(projects, projects.c.partner_id == p.c.id))
        .where(*partners_in_scope(scope))
        .order_by(p.c.id)
    )
    return to_int(frame(conn, stmt, POINT_COLUMNS), ["projects"])


def get_partner_counts_by_end(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """Partners in scope per end (G / B / S) and kind. Columns: end, kind, partners."""
    end = end_of_kind()
    stmt = (
        sa.select(end, p.c.kind, sa.func.count())
        .select_from(p.join(c, c.c.code == p.c.city_code))
        .where(*partners_in_scope(scope))
        .group_by(end, p.c.kind)
        .order_by(end, p.c.kind)
    )
    df = to_int(frame(conn, stmt, ["end", "kind", "partners"]), ["partners"])
    df["kind"] = pd.Categorical(df["kind"], categories=list(codes.PARTNER_KINDS))
    return df.sort_values(["end", "kind"]).reset_index(drop=True).astype({"kind": str})


def get_new_partners_by_end(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """Partners signed in the period (first agreement in [start, end)), per end (G / B / S) and
    kind, in the scope's provinces, tiers and kinds. Columns: end, kind, partners."""
    end = end_of_kind()
    stmt = (
        sa.select(end, p.c.kind, sa.func.count())
        .select_from(p.join(c, c.c.code == p.c.city_code))
        .where(*partners_in_scope(scope), p.c.since >= scope.start)
        .group_by(end, p.c.kind)
        .order_by(end, p.c.kind)
    )
    return to_int(frame(conn, stmt, ["end", "kind", "partners"]), ["partners"])
