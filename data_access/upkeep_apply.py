"""Apply and revert an upload of any kind (targets, partners and agreements, events), all or nothing.

The one place that knows every kind: data_access/upkeep.py reads, checks and plans targets (and
holds what all share: problems, plans, the history); data_access/upkeep_partners.py builds on
it for partners and agreements, data_access/upkeep_events.py for events; this module builds on
them all, so none imports another back.
Functions take an open connection; the caller owns the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import access, upkeep_events, upkeep_partners
from data_access.upkeep import (
    NATIONAL,
    Change,
    Plan,
    UpkeepError,
    Uploader,
    _target_where,
    _write_target,
    ch,
    plan_targets,
    tg,
    up,
)


def _fingerprint(plan: Plan) -> list[tuple[str, str, str, str]]:
    return sorted((c.key, c.op, json.dumps(c.before, sort_keys=True), json.dumps(c.after, sort_keys=True)) for c in plan.changes)


def _record(
    conn: Connection,
    *,
    kind: str,
    source: str,
    actor: str,
    file_name: str,
    sha256: str,
    changes: Sequence[Change],
    reverts: int | None = None,
) -> int:
    ops = [c.op for c in changes]
    result = conn.execute(
        up.insert().values(
            at=access.now(),
            actor=actor[:254],
            kind=kind,
            source=source,
            file_name=file_name[:255],
            file_sha256=sha256,
            inserted=ops.count("insert"),
            changed=ops.count("update") + ops.count("delete"),
            ended=ops.count("end"),
            reverts_upload_id=reverts,
        )
    )
    upload_id = result.inserted_primary_key[0]  # type: ignore[index]
    rows = [
        {
            "upload_id": upload_id,
            "table_name": c.table,
            "row_key": c.key[:400],
            "province_code": c.province_code,
            "op": c.op,
            "before": None if c.before is None else json.dumps(c.before, sort_keys=True),
            "after": None if c.after is None else json.dumps(c.after, sort_keys=True),
        }
        for c in changes
    ]
    for start in range(0, len(rows), 500):  # batches: one statement per 500 change rows
        conn.execute(ch.insert(), rows[start : start + 500])
    provinces = sorted({c.province_code or NATIONAL for c in changes})
    access.record(
        conn,
        actor=actor,
        action="upkeep_revert" if reverts else "upkeep_apply",
        page="upkeep",
        item=f"{kind}#{upload_id}",
        fmt="xlsx" if source != "revert" else "",
        provinces=",".join(provinces),
        detail=json.dumps(
            {"file": file_name, "sha256": sha256, "inserted": ops.count("insert"), "changed": ops.count("update"), "reverts": reverts},
            ensure_ascii=False,
        ),
    )
    return int(upload_id)


def _plan_again(conn: Connection, plan: Plan, rows: Sequence, uploader: Uploader | None) -> Plan:
    if plan.kind == "targets":
        return plan_targets(conn, rows)
    if plan.kind == "events":
        return upkeep_events.plan_events(conn, rows, allowed=None if uploader is None else uploader.allowed)
    return upkeep_partners.plan_partners(conn, rows, allowed=None if uploader is None else uploader.allowed)


def _write(conn: Connection, c: Change, actor: str) -> None:
    if c.table == "target":
        _write_target(conn, c)
    elif c.table == "event":
        upkeep_events.write_change(conn, c, actor=actor)
    else:
        upkeep_partners.write_change(conn, c)


def _now(conn: Connection, table: str, key: str) -> Mapping[str, object] | None:
    """The row a change key names as it is now, in the shape of a change's before/after."""
    if table == "target":
        value = conn.execute(sa.select(tg.c.value).where(_target_where(key))).scalar_one_or_none()
        return None if value is None else {"value": int(value)}
    if table == "event":
        return upkeep_events.current(conn, key)
    return upkeep_partners.current(conn, table, key)


def _event_allowed(before: str | None, after: Mapping[str, object] | None, allowed: Sequence[str]) -> bool:
    """An event change may be reverted only by who may see every province of it, before and after."""
    provinces = set()
    for fields in (None if before is None else json.loads(before), after):
        provinces |= {p for p in str((fields or {}).get("provinces", "")).split(",") if p}
    return provinces <= set(allowed)


def apply_plan(
    conn: Connection, plan: Plan, rows: Sequence, *, actor: str, file_name: str, sha256: str, source: str, uploader: Uploader | None = None
) -> int | None:
    """Write what ``plan`` previewed, in the caller's transaction; the new upload id, or None when
    the database already holds the file (a re-upload changes nothing and records nothing).

    The plan is made again from ``rows`` inside the transaction: if another upload moved the
    database since the preview, UpkeepError("stale_preview") and nothing is written.
    """
    if not plan.ok:
        raise UpkeepError("has_problems", count=str(plan.problem_count))
    fresh = _plan_again(conn, plan, rows, uploader)
    if not fresh.ok or _fingerprint(fresh) != _fingerprint(plan):
        raise UpkeepError("stale_preview")
    if not fresh.changes:
        return None
    upload_id = _record(conn, kind=plan.kind, source=source, actor=actor, file_name=file_name, sha256=sha256, changes=fresh.changes)
    for c in fresh.changes:
        _write(conn, c, actor)
    return upload_id


def revert_upload(conn: Connection, upload_id: int, *, actor: str, allowed: Sequence[str], national: bool) -> int:
    """Undo one applied upload as a new upload (source ``revert``) whose changes restore the values
    before it, last change first; the upload's own history stays. Refused (UpkeepError) when it is
    unknown, already reverted, touches a province the actor may not see, a later change moved one
    of its keys, or a partner it added is now used by projects, leads or later agreements."""
    row = conn.execute(sa.select(up).where(up.c.id == upload_id)).first()
    if row is None:
        raise UpkeepError("no_upload", id=str(upload_id))
    if conn.execute(sa.select(up.c.id).where(up.c.reverts_upload_id == upload_id)).first() is not None:
        raise UpkeepError("already_reverted", id=str(upload_id))
    changes = conn.execute(sa.select(ch).where(ch.c.upload_id == upload_id).order_by(ch.c.id.desc())).all()
    undo: list[Change] = []
    for c in changes:
        if (c.province_code is None and not national) or (c.province_code is not None and c.province_code not in allowed):
            raise UpkeepError("revert_not_allowed", key=c.row_key)
        if c.table_name not in ("target", "partner", "agreement", "event"):
            raise UpkeepError("revert_unsupported", table=c.table_name)
        after = None if c.after is None else json.loads(c.after)
        if c.table_name == "event" and not _event_allowed(c.before, after, allowed):
            raise UpkeepError("revert_not_allowed", key=c.row_key)
        if _now(conn, c.table_name, c.row_key) != after:
            raise UpkeepError("revert_conflict", key=c.row_key)
        before = None if c.before is None else json.loads(c.before)
        op = "delete" if before is None else "insert" if after is None else "update"
        undo.append(Change(c.table_name, c.row_key, c.province_code, op, after, before))
    new_id = _record(
        conn, kind=row.kind, source="revert", actor=actor, file_name=row.file_name, sha256=row.file_sha256, changes=undo, reverts=upload_id
    )
    for u in undo:
        _write(conn, u, actor)
    return new_id
