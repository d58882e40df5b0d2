"""Events on the timeline, written (docs/SCHEMA.md §10): a signing, a policy change, a campaign, an
opening — when, and the provinces it concerns. Admins and analysts add, change and remove the
events of the provinces they may see; every change is audited (audit_log ``event_add``,
``event_set``, ``event_del``). Reading is ``data_access.queries.get_events`` (scoped like every
query). Plain functions on a connection; the app calls them through data_access.runners.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import access, codes, schema
from data_access.queries.events import SHOWN, provinces_within, touching
from data_access.untrusted import clean, unsafe_name

ev, ep = schema.event, schema.event_province
KINDS: tuple[str, ...] = codes.TIMELINE_KINDS
REACHES: tuple[str, ...] = ("national", "region", "provinces")
EDITOR_ROLES: tuple[str, ...] = ("admin", "analyst")
TITLE_ZH_MAX, TITLE_EN_MAX, NOTE_MAX = 80, 120, 500
LIST_COLUMNS = ["event_id", "starts_on", "ends_on", "kind", "title_zh", "title_en", "note", "reach", "region", "provinces", "created_by"]


class EventRefused(ValueError):
    """An event that cannot be saved or removed; ``str()`` is the reason's code (the page words it)."""


@dataclass(frozen=True)
class EventInput:
    """An event as entered (a form or a row of the upkeep file)."""

    starts_on: dt.date
    kind: str
    title_zh: str = ""
    title_en: str = ""
    note: str = ""
    reach: str = "provinces"
    region: str = ""
    provinces: tuple[str, ...] = ()
    ends_on: dt.date | None = None
    partner_id: int | None = None
    project_id: int | None = None


def may_edit(role: str) -> bool:
    return role in EDITOR_ROLES


def provinces_of(e: EventInput, region_of: Mapping[str, str]) -> tuple[str, ...]:
    """Every province the event concerns: all of them, a region's, or the ones chosen."""
    if e.reach == "national":
        return tuple(sorted(region_of))
    if e.reach == "region":
        return tuple(sorted(p for p, r in region_of.items() if r == e.region))
    return tuple(sorted(set(e.provinces)))


def check(e: EventInput, *, role: str, allowed: Sequence[str], region_of: Mapping[str, str]) -> tuple[str, ...]:
    """The provinces of a valid event for this editor; EventRefused with the reason otherwise."""
    if not may_edit(role):
        raise EventRefused("role")
    if e.kind not in KINDS:
        raise EventRefused("kind")
    if e.reach not in REACHES or (e.reach == "region" and e.region not in codes.REGIONS):
        raise EventRefused("reach")
    if e.ends_on is not None and e.ends_on < e.starts_on:
        raise EventRefused("dates")
    titles = (clean(e.title_zh).strip(), clean(e.title_en).strip())
    if not any(titles):
        raise EventRefused("title")
    if len(titles[0]) > TITLE_ZH_MAX or len(titles[1]) > TITLE_EN_MAX or len(clean(e.note)) > NOTE_MAX:
        raise EventRefused("length")
    if any(unsafe_name(x) for x in (e.title_zh, e.title_en, e.note) if x):
        raise EventRefused("markup")
    provinces = provinces_of(e, region_of)
    if not provinces or any(p not in region_of for p in provinces):
        raise EventRefused("provinces")
    if not set(provinces) <= set(allowed):
        raise EventRefused("scope")  # a national event needs a national editor; a province, its editor
    return provinces


def save_event(
    conn: Connection,
    e: EventInput,
    *,
    actor: str,
    role: str,
    allowed: Sequence[str],
    region_of: Mapping[str, str],
    event_id: int | None = None,
) -> int:
    """Add an event (``event_id`` None) or change one; returns its id. Audited. An event may be
    changed only by an editor who may see every province it concerns, before and after."""
    provinces = check(e, role=role, allowed=allowed, region_of=region_of)
    values = dict(
        starts_on=e.starts_on,
        ends_on=e.ends_on,
        kind=e.kind,
        title_zh=clean(e.title_zh).strip(),
        title_en=clean(e.title_en).strip(),
        note=clean(e.note).strip(),
        reach=e.reach,
        region=e.region if e.reach == "region" else "",
        partner_id=e.partner_id,
        project_id=e.project_id,
    )
    if event_id is None:
        key = conn.execute(ev.insert().values(**values, created_by=actor[:254], created_at=access.now())).inserted_primary_key
        assert key is not None
        event_id = int(key[0])
        action = "event_add"
    else:
        _own(conn, event_id, allowed)
        conn.execute(ev.update().where(ev.c.id == event_id).values(**values, changed_by=actor[:254], changed_at=access.now()))
        conn.execute(ep.delete().where(ep.c.event_id == event_id))
        action = "event_set"
    conn.execute(ep.insert(), [{"event_id": event_id, "province_code": p} for p in provinces])
    bump(conn)
    access.record(
        conn,
        actor=actor,
        action=action,
        page="upkeep",
        item=str(values["title_zh"] or values["title_en"])[:200],
        provinces=",".join(provinces)[:400] if e.reach != "national" else access.ALL_PROVINCES,
        detail=f"{event_id}: {e.kind} {e.starts_on.isoformat()}{'..' + e.ends_on.isoformat() if e.ends_on else ''} {e.reach}",
    )
    return event_id


VERSION_KEY = "events_version"  # dataset_info: grows with every event change (part of data_version)
NOTES_VERSION_KEY = "notes_version"  # and with every note added or removed (data_access/notes.py)


def bump(conn: Connection, key: str = VERSION_KEY) -> None:
    """One more change of events (or, by ``key``, of notes): the caches keyed by
    upkeep.data_version read them anew."""
    info = schema.dataset_info
    done = conn.execute(
        info.update().where(info.c.key == key).values(value=sa.cast(sa.cast(info.c.value, sa.Integer) + 1, sa.String))
    ).rowcount
    if not done:
        conn.execute(info.insert().values(key=key, value="1"))


def version(conn: Connection, key: str = VERSION_KEY) -> int:
    """How many times events (or, by ``key``, notes) were changed (0: never)."""
    info = schema.dataset_info
    value = conn.execute(sa.select(info.c.value).where(info.c.key == key)).scalar_one_or_none()
    return int(value) if value else 0


def _own(conn: Connection, event_id: int, allowed: Sequence[str]) -> tuple[str, ...]:
    """The event's provinces, when the editor may see them all; EventRefused otherwise."""
    if conn.execute(sa.select(ev.c.id).where(ev.c.id == event_id)).first() is None:
        raise EventRefused("missing")
    provinces = tuple(conn.execute(sa.select(ep.c.province_code).where(ep.c.event_id == event_id)).scalars())
    if not set(provinces) <= set(allowed):
        raise EventRefused("scope")
    return provinces


def delete_event(conn: Connection, event_id: int, *, actor: str, role: str, allowed: Sequence[str]) -> None:
    """Remove an event the editor may see whole (audited)."""
    if not may_edit(role):
        raise EventRefused("role")
    provinces = _own(conn, event_id, allowed)
    title = conn.execute(sa.select(ev.c.title_zh, ev.c.title_en).where(ev.c.id == event_id)).one()
    conn.execute(ep.delete().where(ep.c.event_id == event_id))
    conn.execute(ev.delete().where(ev.c.id == event_id))
    bump(conn)
    access.record(
        conn,
        actor=actor,
        action="event_del",
        page="upkeep",
        item=(title[0] or title[1])[:200],
        provinces=",".join(provinces)[:400],
        detail=str(event_id),
    )


def list_events(conn: Connection, *, provinces: Sequence[str], limit: int = 500) -> pd.DataFrame:
    """Every event that concerns one of ``provinces``, newest first, whatever its date (the upkeep
    page's list). Columns: LIST_COLUMNS (provinces: those within ``provinces``, comma-separated)."""
    rows = conn.execute(
        sa.select(*SHOWN, ev.c.created_by)
        .where(ev.c.id.in_(touching(provinces)))
        .order_by(ev.c.starts_on.desc(), ev.c.id.desc())
        .limit(limit)
    ).all()
    inside = provinces_within(conn, [int(r[0]) for r in rows], provinces)
    out = [(*r[:9], ",".join(inside.get(int(r[0]), [])), r[9]) for r in rows]
    return pd.DataFrame(out, columns=LIST_COLUMNS)
