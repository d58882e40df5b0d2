"""Notes on a view, written (docs/SCHEMA.md §11): a leader's short remark on one section for the
period and provinces of the view it was written on ("河南三季度退费偏高，已约谈线下分校"). Every
signed-in role may leave one on a view it sees; its author or an admin who sees all its provinces
removes it. Audited (audit_log ``note_add``, ``note_del``). Reading is
``data_access.queries.get_notes`` (scoped like every query). Plain functions on a connection; the
app calls them through data_access.runners.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import access, codes, events, schema
from data_access.untrusted import clean, unsafe_name

vn, vp = schema.view_note, schema.view_note_province
BODY_MAX = 200  # a remark, not a report: two lines under a chart, one on a slide
SECTION_MAX = 40


class NoteRefused(ValueError):
    """A note that cannot be saved or removed; ``str()`` is the reason's code (the page words it)."""


def save_note(
    conn: Connection,
    *,
    section: str,
    start: dt.date,
    end: dt.date,
    provinces: Sequence[str],
    body: str,
    actor: str,
    role: str,
    allowed: Sequence[str],
) -> int:
    """Leave a note on the view of ``section`` for [start, end) and ``provinces`` (the view's);
    returns its id. Refused (NoteRefused): an unknown role, an empty, over-long or marked-up body,
    no provinces or one the writer may not see, a period that is not one."""
    if role not in codes.ROLES:
        raise NoteRefused("role")
    body = re.sub(r"\s*[\r\n]+\s*", " ", body)  # a note is one line: the lines a text box allows become spaces
    text = clean(body).strip()
    if not text:
        raise NoteRefused("empty")
    if len(text) > BODY_MAX:
        raise NoteRefused("length")
    if unsafe_name(body):
        raise NoteRefused("markup")
    if not section or len(section) > SECTION_MAX or not start < end:
        raise NoteRefused("view")
    chosen = sorted(set(provinces))
    if not chosen or not set(chosen) <= set(allowed):
        raise NoteRefused("scope")
    key = conn.execute(
        vn.insert().values(section=section, starts_on=start, ends_on=end, body=text, created_by=actor[:254], created_at=access.now())
    ).inserted_primary_key
    assert key is not None
    note_id = int(key[0])
    conn.execute(vp.insert(), [{"note_id": note_id, "province_code": p} for p in chosen])
    events.bump(conn, events.NOTES_VERSION_KEY)
    access.record(
        conn,
        actor=actor,
        action="note_add",
        page="notes",
        item=section,
        provinces=",".join(chosen)[:400],
        detail=f"{note_id}: {start.isoformat()}..{end.isoformat()} {text[:120]}",
    )
    return note_id


def delete_note(conn: Connection, note_id: int, *, actor: str, role: str, allowed: Sequence[str]) -> None:
    """Remove a note: its author, or an admin; either only when they see every province it concerns."""
    row = conn.execute(sa.select(vn.c.section, vn.c.created_by).where(vn.c.id == note_id)).first()
    if row is None:
        raise NoteRefused("missing")
    if row.created_by != actor and role != "admin":
        raise NoteRefused("author")
    provinces = tuple(conn.execute(sa.select(vp.c.province_code).where(vp.c.note_id == note_id)).scalars())
    if not set(provinces) <= set(allowed):
        raise NoteRefused("scope")
    conn.execute(vp.delete().where(vp.c.note_id == note_id))
    conn.execute(vn.delete().where(vn.c.id == note_id))
    events.bump(conn, events.NOTES_VERSION_KEY)
    access.record(
        conn, actor=actor, action="note_del", page="notes", item=row.section, provinces=",".join(provinces)[:400], detail=str(note_id)
    )
