"""Events on the timeline (docs/SCHEMA.md §10): what happened in a period, where the viewer looks."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.queries._sql import frame
from data_access.scope import Scope

ev, ep = schema.event, schema.event_province
# What a reader of an event sees: the page's query and the upkeep list select these, then their own.
SHOWN = (ev.c.id, ev.c.starts_on, ev.c.ends_on, ev.c.kind, ev.c.title_zh, ev.c.title_en, ev.c.note, ev.c.reach, ev.c.region)
EVENT_COLUMNS = ["event_id", "starts_on", "ends_on", "kind", "title_zh", "title_en", "note", "reach", "region", "partner_id", "project_id"]


def get_events(conn: Connection, *, scope: Scope) -> pd.DataFrame:
    """The events of the scope's period (a span counts when it overlaps it) that concern one of the
    scope's provinces (a national event concerns every province), by date.

    Columns: event_id, starts_on, ends_on (None: one day), kind, title_zh, title_en, note, reach
    (national | region | provinces), region, partner_id, project_id, provinces (the event's
    provinces *within the scope*, comma-separated: a viewer never learns which others it concerns).
    """
    stmt = (
        sa.select(*SHOWN, ev.c.partner_id, ev.c.project_id)
        .where(
            ev.c.id.in_(touching(scope.provinces)),
            ev.c.starts_on < scope.end,
            sa.func.coalesce(ev.c.ends_on, ev.c.starts_on) >= scope.start,
        )
        .order_by(ev.c.starts_on, ev.c.id)
    )
    df = frame(conn, stmt, EVENT_COLUMNS)
    inside = provinces_within(conn, [int(x) for x in df["event_id"]], scope.provinces)
    df["event_id"] = df["event_id"].astype("int64")
    df["provinces"] = [",".join(inside.get(int(i), [])) for i in df["event_id"]]
    return df


def touching(provinces: Sequence[str]) -> sa.Select:
    """The ids of the events that concern one of ``provinces``: the one rule of who sees an event."""
    return sa.select(ep.c.event_id).where(ep.c.province_code.in_(list(provinces))).distinct()


def provinces_within(conn: Connection, event_ids: Sequence[int], provinces: Sequence[str]) -> dict[int, list[str]]:
    """Each event's provinces among ``provinces`` (sorted): what a viewer may learn of its reach."""
    inside: dict[int, list[str]] = {}
    if not event_ids:
        return inside
    rows = conn.execute(
        sa.select(ep.c.event_id, ep.c.province_code)
        .where(ep.c.event_id.in_(list(event_ids)), ep.c.province_code.in_(list(provinces)))
        .order_by(ep.c.event_id, ep.c.province_code)
    ).all()
    for event_id, code in rows:
        inside.setdefault(int(event_id), []).append(str(code))
    return inside
