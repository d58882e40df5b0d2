"""Data upkeep for partners and their agreements: the business-development teams' list, from an
Excel workbook, validated in full, applied all-or-nothing, recorded and revertible — the same flow
as the targets in data_access/upkeep.py (read → plan → apply in the caller's transaction → revert).

One row of the file is one agreement of one partner:

* the **partner** is keyed by its Chinese name (``partner.name_zh`` is unique); its English name,
  kind, city, agreement level and status must read the same on every row that names it;
* the **agreement** is keyed by partner, agreement kind and signing date; its expiry and value may
  change. ``partner.since`` becomes the earliest signing date known for the partner.

A partner whose status the file sets to ``ended`` is **ended** (the row stays; coverage stops
counting it). A partner absent from the file is left alone: a team's file holds its own partners,
never the whole list, so absence ends nothing.

Scope: every city must be in the uploader's provinces, and so must an existing partner's current
city (nobody moves another region's partner into their own). The names are shown everywhere (pages,
map tooltips, exports, messages), so each is refused for what it could do, by
``data_access.untrusted.unsafe_name``: ``name_formula`` (starts with ``= + - @``: a spreadsheet would
run it), ``name_markup`` (HTML brackets, Markdown link or image syntax, a URL: a link or a fetch from
outside), ``name_invisible`` (control, line-break, zero-width or direction-override characters: it
would read as something else). Ordinary punctuation stays allowed: 北京(中关村)学院, A&B 科技有限公司.
The other cells are codes, dates and numbers, and the note is never stored: the row checks suffice.

Change keys in ``data_change``: ``partner`` rows by ``name_zh``; ``agreement`` rows by
``name_zh|kind|signed (ISO date)``. Before/after hold the fields as JSON (dates as ISO text).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import codes, schema
from data_access.untrusted import unsafe_name
from data_access.upkeep import (
    _ADCODE,
    _CONTROL,
    _HEADER_CODE,
    MAX_PROBLEMS,
    MONEY_UNITS,
    Change,
    Plan,
    Problem,
    Reference,
    UpkeepError,
    Uploader,
    _number,
    _text,
    read_sheet,
)

pt, ag, cy = schema.partner, schema.agreement, schema.city

PARTNER_FIELDS = codes.UPKEEP_PARTNER_FIELDS
PARTNER_REQUIRED = ("name_zh", "kind", "city", "level", "agreement", "signed", "status")
FIRST_SIGNED = dt.date(1990, 1, 1)
MAX_TERM_YEARS = 30  # no cooperation agreement runs longer; a later expiry is a typo (2205 for 2025)
MAX_VALUE_FEN = 10_000_000_000 * 100  # 100 亿元: far above any single agreement; more is a unit mix-up
MAX_NAME = 200
NAME_FIELDS = ("name_zh", "name_en")  # the free text of a row that is stored and shown
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
CHOICES = codes.UPKEEP_PARTNER_CHOICES  # file field → (code list, catalogue group of their labels)


@dataclass(frozen=True)
class PartnerRow:
    """One valid row: a partner's fields and one of its agreements, in stored units (fen, dates)."""

    row: int
    name_zh: str
    name_en: str  # "" = keep the stored English name (a new partner takes its Chinese name)
    kind: str
    city_code: str
    province_code: str
    level: str
    status: str
    agreement: str
    signed_on: dt.date
    expires_on: dt.date | None
    value_fen: int

    @property
    def agreement_key(self) -> str:
        return agreement_key(self.name_zh, self.agreement, self.signed_on)


def agreement_key(name_zh: str, kind: str, signed_on: dt.date) -> str:
    return f"{name_zh}|{kind}|{signed_on.isoformat()}"


def _date(value: object) -> dt.date | None:
    """A date cell: a date, a datetime, an Excel serial number or text like 2026-03-01 / 2026年3月1日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20_000 <= value <= 80_000 and value == int(value):
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    m = _DATE_TEXT.match(_text(value))
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _choice(value: object, field: str, labels: Mapping[str, Mapping[str, str]]) -> str | None:
    """The code a choice cell names: the code itself, "label (code)", or a label in either language."""
    text = _text(value)
    low = text.lower()
    allowed = CHOICES[field][0]
    m = _HEADER_CODE.search(low)
    code = m.group(1) if m else labels.get(field, {}).get(low, low)
    return code if code in allowed else None


def _city(value: object, ref: Reference) -> str | None:
    m = _ADCODE.search(_text(value))
    return m.group(1) if m and m.group(1) in ref.cities else None


def _name_problem(text: str) -> str | None:
    """The problem code of a name: name_formula, name_markup, name_invisible, too_long, or None."""
    why = unsafe_name(text)
    if why is not None:
        return f"name_{why}"
    if len(text) > MAX_NAME:
        return "too_long"
    return None


def read_partners(
    data: bytes,
    *,
    ref: Reference,
    uploader: Uploader,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    progress: Callable[[float], object] | None = None,
) -> tuple[str, list[PartnerRow], list[Problem]]:
    """Every row of a partners workbook, validated: (sheet name, valid rows, all problems).

    ``labels`` maps, per choice field (kind, level, agreement, status), the words people type
    ("本科高校", "University") to codes, lower-cased; codes and "label (code)" always work.
    """
    sheet, raw, problems = read_sheet(data, fields=PARTNER_FIELDS, required=PARTNER_REQUIRED, progress=progress)
    if problems:
        return sheet, [], problems
    words = {f: {k.strip().lower(): v for k, v in m.items()} for f, m in (labels or {}).items()}
    out: list[PartnerRow] = []
    seen: dict[str, int] = {}
    first_of: dict[str, tuple[int, dict[str, str]]] = {}
    total = max(len(raw), 1)

    def bad(code: str, row: int, column: str, **args: object) -> None:
        problems.append(Problem(code, sheet, row, column, tuple((k, str(v)) for k, v in args.items())))

    for n, (i, v) in enumerate(raw):
        before = len(problems)
        for f in PARTNER_FIELDS:  # the names have their own, wider check (name_invisible)
            if f not in NAME_FIELDS and isinstance(v.get(f), str) and _CONTROL.search(str(v[f])):
                bad("control_chars", i, f)
        names = {}
        for f in NAME_FIELDS:
            text = _text(v.get(f))
            names[f] = text
            why = _name_problem(text)
            if why:
                bad(why, i, f, max=MAX_NAME)
        if not names["name_zh"]:
            bad("required", i, "name_zh")
        choice: dict[str, str] = {}
        for f in CHOICES:
            code = _choice(v.get(f), f, words)
            if code is None:
                bad("bad_choice", i, f, value=_text(v.get(f)))
            else:
                choice[f] = code
        city = _city(v.get("city"), ref)
        province = ""
        if city is None:
            bad("bad_city", i, "city", value=_text(v.get("city")))
        else:
            province = ref.cities[city][0]
            if province not in uploader.allowed:
                bad("city_not_allowed", i, "city", value=_text(v.get("city")))
        signed = _date(v.get("signed"))
        if signed is None:
            bad("bad_date", i, "signed", value=_text(v.get("signed")))
        elif not FIRST_SIGNED <= signed <= ref.today:
            bad("signed_out_of_range", i, "signed", value=signed.isoformat(), first=FIRST_SIGNED.isoformat(), today=ref.today.isoformat())
        expires: dt.date | None = None
        if _text(v.get("expires")):
            expires = _date(v.get("expires"))
            if expires is None:
                bad("bad_date", i, "expires", value=_text(v.get("expires")))
            elif signed is not None and not signed <= expires <= _plus_years(signed, MAX_TERM_YEARS):
                bad("expires_out_of_range", i, "expires", value=expires.isoformat(), signed=signed.isoformat(), years=MAX_TERM_YEARS)
        value_fen = 0
        amount = _number(v.get("value")) if _text(v.get("value")) else 0.0
        unit = _text(v.get("unit")).lower()
        if amount is None or amount < 0:
            bad("bad_value", i, "value", value=_text(v.get("value")))
        elif amount > 0 and not unit:
            bad("value_unit_missing", i, "unit")
        elif unit and unit not in MONEY_UNITS:
            bad("bad_money_unit", i, "unit", value=_text(v.get("unit")))
        else:
            exact = amount * MONEY_UNITS.get(unit, 1) * 100
            value_fen = round(exact)
            if abs(exact - value_fen) > 1e-6 * max(1.0, exact):
                bad("below_fen", i, "value", value=_text(v.get("value")))
            elif value_fen > MAX_VALUE_FEN:
                bad("value_too_big", i, "value", value=_text(v.get("value")), unit=_text(v.get("unit")))
        if len(problems) == before and signed is not None and city is not None:
            r = PartnerRow(
                i,
                names["name_zh"],
                names["name_en"],
                choice["kind"],
                city,
                province,
                choice["level"],
                choice["status"],
                choice["agreement"],
                signed,
                expires,
                value_fen,
            )
            fields = {"name_en": r.name_en, "kind": r.kind, "city": r.city_code, "level": r.level, "status": r.status}
            first = first_of.setdefault(r.name_zh, (i, fields))
            clash = [f for f in fields if fields[f] != first[1][f] and not (f == "name_en" and "" in (fields[f], first[1][f]))]
            if clash:
                bad("partner_mismatch", i, clash[0], first=first[0])
            elif r.agreement_key in seen:
                bad("duplicate_agreement", i, "agreement", first=seen[r.agreement_key])
            else:
                seen[r.agreement_key] = i
                out.append(r)
        if progress is not None and n % 500 == 0:
            progress(0.5 + 0.4 * n / total)
    return sheet, out, problems


def preview_partners(
    conn: Connection,
    data: bytes,
    *,
    uploader: Uploader,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    progress: Callable[[float], object] | None = None,
    ref: Reference | None = None,
) -> tuple[list[PartnerRow], Plan]:
    """Read, check and plan one partners file (the page and the command line both use this)."""
    sheet, rows, problems = read_partners(data, ref=ref or Reference.load(conn), uploader=uploader, labels=labels, progress=progress)
    if problems:
        return rows, Plan("partners", problems=tuple(problems[:MAX_PROBLEMS]), problem_count=len(problems))
    return rows, plan_partners(conn, rows, allowed=uploader.allowed, sheet=sheet)


# --- planning ---------------------------------------------------------------------------------------


def _agreement_fields(expires_on: dt.date | None, value_fen: int) -> dict[str, object]:
    return {"expires_on": None if expires_on is None else expires_on.isoformat(), "value_fen": int(value_fen)}


def _as_date(value: object) -> dt.date:
    return (
        value
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        else value.date()
        if isinstance(value, dt.datetime)
        else dt.date.fromisoformat(str(value)[:10])
    )


def _existing(
    conn: Connection, names: Sequence[str]
) -> tuple[dict[str, tuple[int, str, dict[str, object]]], dict[tuple[int, str, dt.date], tuple[int, dict[str, object]]]]:
    """Stored partners by name (id, province, fields) and their agreements by (partner id, kind, signed)."""
    partners: dict[str, tuple[int, str, dict[str, object]]] = {}
    for start in range(0, len(names), 500):
        part = list(names[start : start + 500])
        stmt = (
            sa.select(
                pt.c.id,
                pt.c.name_zh,
                pt.c.name_en,
                pt.c.kind,
                pt.c.city_code,
                pt.c.agreement_level,
                pt.c.since,
                pt.c.status,
                cy.c.province_code,
            )
            .select_from(pt.join(cy, cy.c.code == pt.c.city_code))
            .where(pt.c.name_zh.in_(part))
        )
        for r in conn.execute(stmt):
            partners[r.name_zh] = (
                int(r.id),
                r.province_code,
                {
                    "name_en": r.name_en,
                    "kind": r.kind,
                    "city_code": r.city_code,
                    "agreement_level": r.agreement_level,
                    "since": _as_date(r.since).isoformat(),
                    "status": r.status,
                },
            )
    agreements: dict[tuple[int, str, dt.date], tuple[int, dict[str, object]]] = {}
    ids = [v[0] for v in partners.values()]
    for start in range(0, len(ids), 500):
        stmt = (
            sa.select(ag.c.id, ag.c.partner_id, ag.c.kind, ag.c.signed_on, ag.c.expires_on, ag.c.value_fen)
            .where(ag.c.partner_id.in_(ids[start : start + 500]))
            .order_by(ag.c.id.desc())
        )
        for a in conn.execute(stmt):  # newest first: the lowest id of duplicates wins
            expires = None if a.expires_on is None else _as_date(a.expires_on)
            agreements[(int(a.partner_id), a.kind, _as_date(a.signed_on))] = (int(a.id), _agreement_fields(expires, a.value_fen))
    return partners, agreements


def plan_partners(conn: Connection, rows: Sequence[PartnerRow], *, allowed: Sequence[str] | None, sheet: str = "") -> Plan:
    """What applying ``rows`` would change: partners inserted, changed or ended (status → ended),
    agreements inserted or changed, with before → after; and existing partners that sit in a
    province outside ``allowed`` (None: no limit), which refuse the file."""
    by_name: dict[str, list[PartnerRow]] = {}
    for r in rows:
        by_name.setdefault(r.name_zh, []).append(r)
    partners, agreements = _existing(conn, sorted(by_name))
    partner_changes: list[Change] = []
    agreement_changes: list[Change] = []
    problems: list[Problem] = []
    unchanged = 0
    for name, group in by_name.items():
        first = group[0]
        stored = partners.get(name)
        if stored is not None and allowed is not None and stored[1] not in allowed:
            problems.append(Problem("partner_other_province", sheet, first.row, "name_zh", (("name", name),)))
            continue
        earliest = min(r.signed_on for r in group)
        name_en = next((r.name_en for r in group if r.name_en), "")
        after: dict[str, object]
        if stored is None:
            after = {
                "name_en": name_en or name,
                "kind": first.kind,
                "city_code": first.city_code,
                "agreement_level": first.level,
                "since": earliest.isoformat(),
                "status": first.status,
            }
            partner_changes.append(Change("partner", name, first.province_code, "insert", None, after, first.row))
        else:
            before = stored[2]
            after = {
                "name_en": name_en or before["name_en"],
                "kind": first.kind,
                "city_code": first.city_code,
                "agreement_level": first.level,
                "since": min(earliest, dt.date.fromisoformat(str(before["since"]))).isoformat(),
                "status": first.status,
            }
            if after != before:
                op = "end" if after["status"] == "ended" and before["status"] != "ended" else "update"
                partner_changes.append(Change("partner", name, first.province_code, op, before, after, first.row))
            else:
                unchanged += 1
        pid = None if stored is None else stored[0]
        for r in group:
            new = _agreement_fields(r.expires_on, r.value_fen)
            old = None if pid is None else agreements.get((pid, r.agreement, r.signed_on))
            if old is None:
                agreement_changes.append(Change("agreement", r.agreement_key, r.province_code, "insert", None, new, r.row))
            elif old[1] != new:
                agreement_changes.append(Change("agreement", r.agreement_key, r.province_code, "update", old[1], new, r.row))
            else:
                unchanged += 1
    # Partners first: an agreement of a new partner finds its partner's id when it is written.
    return Plan("partners", tuple(partner_changes + agreement_changes), unchanged, tuple(problems[:MAX_PROBLEMS]), len(problems))


# --- reading and writing one change ---------------------------------------------------------------


def _partner_id(conn: Connection, name: str) -> int | None:
    value = conn.execute(sa.select(pt.c.id).where(pt.c.name_zh == name)).scalar_one_or_none()
    return None if value is None else int(value)


def _agreement_id(conn: Connection, key: str) -> int | None:
    name, kind, signed = key.split("|")
    pid = _partner_id(conn, name)
    if pid is None:
        return None
    value = conn.execute(
        sa.select(sa.func.min(ag.c.id)).where(ag.c.partner_id == pid, ag.c.kind == kind, ag.c.signed_on == dt.date.fromisoformat(signed))
    ).scalar_one()
    return None if value is None else int(value)


def current(conn: Connection, table: str, key: str) -> dict[str, object] | None:
    """The stored row a partner or agreement key names, shaped like a change's before/after."""
    if table == "partner":
        partners, _ = _existing(conn, [key])
        return partners[key][2] if key in partners else None
    aid = _agreement_id(conn, key)
    if aid is None:
        return None
    r = conn.execute(sa.select(ag.c.expires_on, ag.c.value_fen).where(ag.c.id == aid)).one()
    return _agreement_fields(None if r.expires_on is None else _as_date(r.expires_on), r.value_fen)


def _partner_values(after: Mapping[str, object]) -> dict[str, object]:
    return {
        "name_en": after["name_en"],
        "kind": after["kind"],
        "city_code": after["city_code"],
        "agreement_level": after["agreement_level"],
        "since": dt.date.fromisoformat(str(after["since"])),
        "status": after["status"],
    }


def _agreement_values(after: Mapping[str, object]) -> dict[str, object]:
    expires = after.get("expires_on")
    return {"expires_on": None if expires is None else dt.date.fromisoformat(str(expires)), "value_fen": int(after["value_fen"])}  # type: ignore[call-overload]


def write_change(conn: Connection, c: Change) -> None:
    """Write one partner or agreement change (insert, update, end, or delete when reverting an insert)."""
    if c.table == "partner":
        if c.before is None and c.after is not None:
            conn.execute(pt.insert().values(name_zh=c.key, **_partner_values(c.after)))
        elif c.after is None:
            pid = _partner_id(conn, c.key)
            # learner.partner_id has no index: a full scan, only ever for reverting a partner an upload added
            used = [
                t.name
                for t in (schema.project, schema.agreement, schema.learner)
                if conn.execute(sa.select(t.c.id).where(t.c.partner_id == pid).limit(1)).first() is not None
            ]
            if used:
                raise UpkeepError("revert_in_use", key=c.key, tables=", ".join(used))
            conn.execute(pt.delete().where(pt.c.id == pid))
        else:
            conn.execute(pt.update().where(pt.c.name_zh == c.key).values(**_partner_values(c.after)))
        return
    name, kind, signed = c.key.split("|")
    if c.before is None and c.after is not None:
        pid = _partner_id(conn, name)
        if pid is None:  # cannot happen when partners are written first; refuse rather than half-write
            raise UpkeepError("stale_preview")
        conn.execute(ag.insert().values(partner_id=pid, kind=kind, signed_on=dt.date.fromisoformat(signed), **_agreement_values(c.after)))
        return
    aid = _agreement_id(conn, c.key)
    if c.after is None:
        conn.execute(ag.delete().where(ag.c.id == aid))
    else:
        conn.execute(ag.update().where(ag.c.id == aid).values(**_agreement_values(c.after)))
