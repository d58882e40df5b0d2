"""Notes on a view (docs/SCHEMA.md §11): the remarks leaders left on the sections of a scope."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.queries._sql import frame
from data_access.scope import Scope

vn, vp = schema.view_note, schema.view_note_province
NOTE_COLUMNS = ["note_id", "section", "starts_on", "ends_on", "body", "created_by", "created_at"]


def get_notes(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """The notes of every section whose view lies within the scope: written for a period inside
    the scope's ([starts_on, ends_on) within [start, end)) and for provinces all of which are the
    scope's (a Henan note shows on Henan's view and the national one; a national note only on a
    national view; a Hubei note never on Henan's). Newest first.

    Columns: note_id, section (registry id), starts_on, ends_on, body, created_by, created_at (UTC).
    """
    outside = sa.select(vp.c.note_id).where(vp.c.province_code.not_in(list(scope.provinces))).distinct()
    stmt = (
        sa.select(vn.c.id, vn.c.section, vn.c.starts_on, vn.c.ends_on, vn.c.body, vn.c.created_by, vn.c.created_at)
        .where(
            vn.c.starts_on >= scope.start,
            vn.c.ends_on <= (scope.plan_end or scope.end),
            vn.c.id.not_in(outside),
            vn.c.id.in_(sa.select(vp.c.note_id)),
        )
        .order_by(vn.c.created_at.desc(), vn.c.id.desc())
    )
    df = frame(conn, stmt, NOTE_COLUMNS)
    df["note_id"] = df["note_id"].astype("int64")
    return df
