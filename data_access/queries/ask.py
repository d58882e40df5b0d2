"""The names a typed question may use (docs/ASK.md): the partners and projects of a scope."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.queries._sql import c, frame, p
from data_access.scope import Scope

pj = schema.project

NAME_COLUMNS = ["kind", "id", "code", "name_zh", "name_en", "province_code"]


def get_ask_names(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """Every partner and project in the scope's provinces, whatever the period (a question may name
    an ended partner; the answer then says what there is): the vocabulary of names for one asker, so
    a regional manager's questions never learn another province's names.

    Columns: kind ("partner" | "project"), id, code (the project's code; "" for a partner), name_zh,
    name_en, province_code; partners first, each by id.
    """
    partners = (
        sa.select(sa.literal("partner").label("kind"), p.c.id, sa.literal("").label("code"), p.c.name_zh, p.c.name_en, c.c.province_code)
        .select_from(p.join(c, c.c.code == p.c.city_code))
        .where(c.c.province_code.in_(scope.provinces))
    )
    projects = (
        sa.select(sa.literal("project").label("kind"), pj.c.id, pj.c.code, pj.c.name_zh, pj.c.name_en, c.c.province_code)
        .select_from(pj.join(c, c.c.code == pj.c.city_code))
        .where(c.c.province_code.in_(scope.provinces))
    )
    stmt = sa.union_all(partners, projects).subquery()
    df = frame(conn, sa.select(stmt).order_by(stmt.c.kind, stmt.c.id), NAME_COLUMNS)
    df["id"] = df["id"].astype("int64")
    return df
