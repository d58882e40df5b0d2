"""Data upkeep for events on the timeline, from an Excel workbook: the same flow as targets and
partners (read → plan → apply all-or-nothing in the caller's transaction → revert), for the
planning teams that keep a year's signings, campaigns and openings in a spreadsheet.

One row of the file is one event. An event is keyed by its first day and its title (the Chinese
one, else the English one): a row whose key is stored changes that event (its end, kind, other
title, note and provinces); any other row adds one. An event absent from the file is left alone (a
team's file holds its own events); the Data upkeep page's form removes one.

The scope cell says where it happened: 全国 / national, a region group (华中, "华中 (central)",
Central China), or provinces — names or adcodes separated by 、，,；; or spaces ("河南省、湖北省",
"410000 420000"). Every province must be one the uploader may see (a national event needs a
national uploader), and so must every province of a stored event the file changes.

Titles and notes are shown on charts, lists, slides and digests: each is refused for what it could
do (``data_access.untrusted.unsafe_name``: a formula, markup or a link, invisible characters), like
partner names. Change keys in ``data_change``: ``event`` rows by ``YYYY-MM-DD|title``, the
province when the event concerns exactly one (else NULL: a national editor's to see and revert).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import access, codes, events, schema
from data_access.untrusted import clean, unsafe_name
from data_access.upkeep import (
    _ADCODE,
    _CONTROL,
    _HEADER_CODE,
    MAX_PROBLEMS,
    Change,
    Plan,
    Problem,
    Reference,
    UpkeepError,
    Uploader,
    _text,
    read_sheet,
)
from data_access.upkeep_partners import _as_date, _date

ev, ep = schema.event, schema.event_province

EVENT_FIELDS = codes.UPKEEP_EVENT_FIELDS
EVENT_REQUIRED = ("starts", "kind", "title_zh", "title_en", "scope")
FIRST_DAY = dt.date(2000, 1, 1)
PLAN_YEARS = 2  # an event may be planned this far ahead (a campaign next year); later is a typo
TEXT_FIELDS = {"title_zh": events.TITLE_ZH_MAX, "title_en": events.TITLE_EN_MAX, "note": events.NOTE_MAX}
NATIONAL_WORDS = frozenset({"全国", "national", "nationwide", "all", "*", "全国 (national)"})
_SPLIT = re.compile(r"[、，,；;/\s]+")
_SHORT = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")


@dataclass(frozen=True)
class EventRow:
    """One valid row: an event as the form would enter it, with the provinces it concerns."""

    row: int
    entry: events.EventInput
    provinces: tuple[str, ...]

    @property
    def key(self) -> str:
        return event_key(self.entry.starts_on, self.entry.title_zh or self.entry.title_en)


def event_key(starts_on: dt.date, title: str) -> str:
    return f"{starts_on.isoformat()}|{title}"


def _scope(
    value: object, ref: Reference, regions: Mapping[str, str], region_of: Mapping[str, str]
) -> tuple[str, str, tuple[str, ...]] | None:
    """(reach, region, provinces) a scope cell names; None when any part of it names nothing."""
    text = _text(value)
    low = text.lower()
    if not text:
        return None
    if low in NATIONAL_WORDS or low.endswith("(national)"):
        return "national", "", tuple(sorted(region_of))
    m = _HEADER_CODE.search(low)
    region = m.group(1) if m and m.group(1) in codes.REGIONS else regions.get(low, low if low in codes.REGIONS else "")
    if region:
        return "region", region, tuple(sorted(p for p, r in region_of.items() if r == region))
    found: list[str] = []
    names: dict[str, str] = {}
    for code, (zh, en) in ref.provinces.items():
        names.update({zh: code, _SHORT.sub("", zh): code, en.lower(): code})
    for part in _SPLIT.split(text):
        if not part:
            continue
        adcode = _ADCODE.search(part)
        hit = adcode.group(1) if adcode and adcode.group(1) in ref.provinces else names.get(part) or names.get(part.lower())
        if hit is None:
            return None
        found.append(hit)
    return ("provinces", "", tuple(sorted(set(found)))) if found else None


def read_events(
    data: bytes,
    *,
    ref: Reference,
    uploader: Uploader,
    region_of: Mapping[str, str],
    labels: Mapping[str, Mapping[str, str]] | None = None,
    progress: Callable[[float], object] | None = None,
) -> tuple[str, list[EventRow], list[Problem]]:
    """Every row of an events workbook, validated: (sheet name, valid rows, all problems).

    ``labels``: per field (``kind``, ``scope``) the words people type ("签约", "Signing", "华中",
    "Central China") to codes (a kind, a region), lower-cased; codes and "label (code)" always work.
    """
    sheet, raw, problems = read_sheet(data, fields=EVENT_FIELDS, required=EVENT_REQUIRED, progress=progress)
    if problems:
        return sheet, [], problems
    words = {f: {k.strip().lower(): v for k, v in m.items()} for f, m in (labels or {}).items()}
    out: list[EventRow] = []
    seen: dict[str, int] = {}
    total = max(len(raw), 1)
    last = dt.date(ref.today.year + PLAN_YEARS, 12, 31)

    def bad(code: str, row: int, column: str, **args: object) -> None:
        problems.append(Problem(code, sheet, row, column, tuple((k, str(v)) for k, v in args.items())))

    for n, (i, v) in enumerate(raw):
        before = len(problems)
        for f in ("starts", "ends", "kind", "scope"):
            if isinstance(v.get(f), str) and _CONTROL.search(str(v[f])):
                bad("control_chars", i, f)
        text = {}
        for f, most in TEXT_FIELDS.items():
            text[f] = clean(_text(v.get(f))).strip()
            why = unsafe_name(_text(v.get(f)))
            if why:
                bad(f"name_{why}", i, f)
            elif len(text[f]) > most:
                bad("too_long", i, f, max=most)
        if not text["title_zh"] and not text["title_en"]:
            bad("title_required", i, "title_zh")
        starts = _date(v.get("starts"))
        if starts is None:
            bad("bad_date", i, "starts", value=_text(v.get("starts")))
        elif not FIRST_DAY <= starts <= last:
            bad("event_out_of_range", i, "starts", value=starts.isoformat(), first=FIRST_DAY.isoformat(), last=last.isoformat())
        ends: dt.date | None = None
        if _text(v.get("ends")):
            ends = _date(v.get("ends"))
            if ends is None:
                bad("bad_date", i, "ends", value=_text(v.get("ends")))
            elif starts is not None and not starts <= ends <= last:
                bad("ends_out_of_range", i, "ends", value=ends.isoformat(), starts=starts.isoformat(), last=last.isoformat())
        kind_text = _text(v.get("kind")).lower()
        m = _HEADER_CODE.search(kind_text)
        kind = m.group(1) if m else words.get("kind", {}).get(kind_text, kind_text)
        if kind not in events.KINDS:
            bad("bad_choice", i, "kind", value=_text(v.get("kind")))
        scope = _scope(v.get("scope"), ref, words.get("scope", {}), region_of)
        if scope is None:
            bad("bad_scope", i, "scope", value=_text(v.get("scope")))
        elif not set(scope[2]) <= set(uploader.allowed):
            bad("scope_not_allowed", i, "scope", value=_text(v.get("scope")))
        if len(problems) == before and starts is not None and scope is not None:
            entry = events.EventInput(
                starts_on=starts,
                ends_on=ends if ends != starts else None,
                kind=kind,
                title_zh=text["title_zh"],
                title_en=text["title_en"],
                note=text["note"],
                reach=scope[0],
                region=scope[1],
                provinces=scope[2] if scope[0] == "provinces" else (),
            )
            r = EventRow(i, entry, scope[2])
            if r.key in seen:
                bad("duplicate_event", i, "title_zh", first=seen[r.key])
            else:
                seen[r.key] = i
                out.append(r)
        if progress is not None and n % 500 == 0:
            progress(0.5 + 0.4 * n / total)
    return sheet, out, problems


def preview_events(
    conn: Connection,
    data: bytes,
    *,
    uploader: Uploader,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    progress: Callable[[float], object] | None = None,
    ref: Reference | None = None,
) -> tuple[list[EventRow], Plan]:
    """Read, check and plan one events file (the page and the command line both use this)."""
    region_of = dict(conn.execute(sa.select(schema.province.c.code, schema.province.c.region)).all())
    sheet, rows, problems = read_events(
        data, ref=ref or Reference.load(conn), uploader=uploader, region_of=region_of, labels=labels, progress=progress
    )
    if problems:
        return rows, Plan("events", problems=tuple(problems[:MAX_PROBLEMS]), problem_count=len(problems))
    return rows, plan_events(conn, rows, allowed=uploader.allowed, sheet=sheet)


# --- planning ---------------------------------------------------------------------------------------


def fields_of(e: events.EventInput, provinces: Sequence[str]) -> dict[str, object]:
    """An event as a change's before/after (JSON-able; the key holds its first day and title)."""
    return {
        "ends_on": None if e.ends_on is None else e.ends_on.isoformat(),
        "kind": e.kind,
        "title_zh": e.title_zh,
        "title_en": e.title_en,
        "note": e.note,
        "reach": e.reach,
        "region": e.region if e.reach == "region" else "",
        "provinces": ",".join(sorted(provinces)),
    }


def _find(conn: Connection, key: str) -> int | None:
    """The stored event a key names (the oldest, should the form have added it twice)."""
    day, title = key.split("|", 1)
    starts = dt.date.fromisoformat(day)
    same = sa.or_(ev.c.title_zh == title, sa.and_(ev.c.title_zh == "", ev.c.title_en == title))
    value = conn.execute(sa.select(sa.func.min(ev.c.id)).where(ev.c.starts_on == starts, same)).scalar_one()
    return None if value is None else int(value)


def current(conn: Connection, key: str) -> dict[str, object] | None:
    """The stored event a key names, shaped like a change's before/after."""
    event_id = _find(conn, key)
    if event_id is None:
        return None
    r = conn.execute(sa.select(ev).where(ev.c.id == event_id)).one()
    provinces = sorted(conn.execute(sa.select(ep.c.province_code).where(ep.c.event_id == event_id)).scalars())
    entry = events.EventInput(
        starts_on=_as_date(r.starts_on),
        ends_on=None if r.ends_on is None else _as_date(r.ends_on),
        kind=r.kind,
        title_zh=r.title_zh,
        title_en=r.title_en,
        note=r.note,
        reach=r.reach,
        region=r.region,
    )
    return fields_of(entry, provinces)


def change_province(provinces: Sequence[str]) -> str | None:
    """The province a change row is filed under: the event's one province, else None (national)."""
    return provinces[0] if len(provinces) == 1 else None


def plan_events(conn: Connection, rows: Sequence[EventRow], *, allowed: Sequence[str] | None, sheet: str = "") -> Plan:
    """What applying ``rows`` would change: events added or changed, with before → after; a stored
    event that concerns a province outside ``allowed`` (None: no limit) refuses the file."""
    changes: list[Change] = []
    problems: list[Problem] = []
    unchanged = 0
    for r in rows:
        after = fields_of(r.entry, r.provinces)
        before = current(conn, r.key)
        if before is None:
            changes.append(Change("event", r.key, change_province(r.provinces), "insert", None, after, r.row))
            continue
        stored = [p for p in str(before["provinces"]).split(",") if p]
        if allowed is not None and not set(stored) <= set(allowed):
            problems.append(Problem("event_other_province", sheet, r.row, "title_zh", (("title", r.key.split("|", 1)[1]),)))
        elif before != after:
            changes.append(Change("event", r.key, change_province(sorted(set(stored) | set(r.provinces))), "update", before, after, r.row))
        else:
            unchanged += 1
    return Plan("events", tuple(changes), unchanged, tuple(problems[:MAX_PROBLEMS]), len(problems))


# --- writing one change -----------------------------------------------------------------------------


def write_change(conn: Connection, c: Change, *, actor: str) -> None:
    """Write one event change (insert, update, or delete when reverting an insert); events' version grows."""
    day, _ = c.key.split("|", 1)
    event_id = _find(conn, c.key)
    if c.after is None:
        if event_id is not None:
            conn.execute(ep.delete().where(ep.c.event_id == event_id))
            conn.execute(ev.delete().where(ev.c.id == event_id))
        events.bump(conn)
        return
    a = c.after
    values = {
        "ends_on": None if a["ends_on"] is None else dt.date.fromisoformat(str(a["ends_on"])),
        "kind": a["kind"],
        "title_zh": a["title_zh"],
        "title_en": a["title_en"],
        "note": a["note"],
        "reach": a["reach"],
        "region": a["region"],
    }
    if event_id is None:
        key = conn.execute(
            ev.insert().values(starts_on=dt.date.fromisoformat(day), **values, created_by=actor[:254], created_at=access.now())
        ).inserted_primary_key
        if key is None:  # pragma: no cover - every dialect returns the new id
            raise UpkeepError("stale_preview")
        event_id = int(key[0])
    else:
        conn.execute(ev.update().where(ev.c.id == event_id).values(**values, changed_by=actor[:254], changed_at=access.now()))
        conn.execute(ep.delete().where(ep.c.event_id == event_id))
    conn.execute(ep.insert(), [{"event_id": event_id, "province_code": p} for p in str(a["provinces"]).split(",") if p])
    events.bump(conn)


__all__ = ["EventRow", "event_key", "plan_events", "preview_events", "read_events", "write_change"]
