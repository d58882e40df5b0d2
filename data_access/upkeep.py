"""Data upkeep: the year's targets from an Excel workbook, validated in full, applied
all-or-nothing, recorded and revertible (docs/SCHEMA.md §7).

The flow, for the page and for ``python -m components.cli import`` alike:

1. ``read_targets(data, ...)`` reads the workbook and validates every row against the reference
   data and the uploader's provinces. It returns the rows and every problem found (sheet, row,
   column, a problem code and its arguments); the caller words them (components/upkeep/text.py).
2. ``plan_targets(conn, rows, ...)`` compares the rows with the database: what would be inserted
   or changed (before → after), and what is unchanged. It also catches unit mistakes that only
   the database can show (a money target 1,000× or 1/1,000 of the same target's neighbours).
3. ``apply_plan(engine_conn, plan, ...)`` re-plans inside the caller's transaction, refuses when
   the database moved since the preview, and writes the targets, one ``data_upload`` row, one
   ``data_change`` row per key and one ``audit_log`` row. The caller owns the transaction
   (``with engine.begin() as conn``): all of it commits, or none of it.
4. ``revert_upload`` undoes one applied upload as a new upload (history is never deleted).

Nothing here formats text for people, and nothing imports streamlit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import codes, events, schema

tg, up, ch = schema.target, schema.data_upload, schema.data_change

MAX_BYTES = 10 * 1024 * 1024  # a target or partner list is kilobytes; 10 MB is ~100,000 rows
MAX_ROWS = 20_000
# An XLSX is a zip, and its size says little about what it unpacks to: 1.5 MB can inflate to 1.5 GB
# of sheet XML. read_sheet checks the zip's directory against these before it opens a part
# (docs/SECURITY.md, finding 5). Measured on a full 20,000-row partners file with long names and notes:
# written by openpyxl (text inline) its sheet is 21 MB packed ~20:1; written like Excel (shared
# strings) its sheet is 9 MB and its shared strings 5 MB (~27:1). Each limit leaves 2-2.5× of that.
MAX_PARTS = 200  # the templates have 14-15 parts, a workbook from Excel 10-30
MAX_SHEET_MB = 50  # one worksheet part, unpacked: streamed row by row, it costs time, not memory
MAX_PART_MB = 10  # any other part (shared strings, styles, ...): openpyxl parses these whole, into memory
MAX_UNZIPPED_MB = 100  # all parts together, unpacked
MAX_RATIO = 200  # unpacked:packed for a part over RATIO_FROM_MB: sheet XML packs 10-25:1, a zip bomb ~1,000:1
RATIO_FROM_MB = 1
MAX_SECONDS = 20.0  # reading stops after this long (20,000 legitimate rows take a few seconds)
MAX_PROBLEMS = 200  # a file with more is reported by its first 200 problems (the count says how many)
UPLOAD_ROLES = ("admin", "analyst")  # who may change data (issue: only admin and analyst)


def may_change_data(role: str, actor: str) -> bool:
    """Who may upload and revert: a signed-in admin or analyst (never the open demo's visitor), or
    the operator at the command line (``cli:<os user>``). The page, the command and Uploader ask here."""
    return actor.startswith("cli:") or (role in UPLOAD_ROLES and actor != "demo")


FIRST_YEAR = 2015
NATIONAL = "*"  # row_key part of a national target

# Target metrics and their kind of unit. Money targets are stored in fen; the file says its unit.
MONEY_METRICS = frozenset(m for m in codes.TARGET_METRICS if m.endswith("_fen"))
MONEY_UNITS: Mapping[str, int] = {
    "元": 1,
    "yuan": 1,
    "cny": 1,
    "rmb": 1,
    "万元": 10_000,
    "万": 10_000,
    "10k yuan": 10_000,
    "亿元": 100_000_000,
    "亿": 100_000_000,
    "100m yuan": 100_000_000,
}
COUNT_UNITS = frozenset({"", "个", "人", "项", "家", "所", "count", "number", "people"})
# A money target this many times (or this fraction of) the same target's nearest year is a unit
# mix-up (元 typed as 万元 is 10,000×), not a plan: no division multiplies a target by 1,000 in a year.
UNIT_SCALE_LIMIT = 1_000

TARGET_FIELDS = codes.UPKEEP_TARGET_FIELDS
TARGET_REQUIRED = ("year", "province", "metric", "value", "unit")
_HEADER_CODE = re.compile(r"\(([a-z_]+)\)\s*$")
_ADCODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_NATIONAL_WORDS = frozenset({"全国", "national", "nationwide", "china", "*", "全国 (national)"})
_MB = 1024 * 1024
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Excel writes; bzip2/lzma inflate unbounded per read
_MERGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b([^>]{0,400})")  # any namespace prefix
_MERGE_REF = re.compile(rb"\bref\s*=\s*[\"']([A-Za-z0-9:$]{1,40})")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (sheet, 1-based row, column field) and what (a code
    with arguments; components/upkeep/text.py words it in either language)."""

    code: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    args: tuple[tuple[str, str], ...] = ()

    def arg(self, name: str) -> str:
        return dict(self.args).get(name, "")


@dataclass(frozen=True)
class TargetRow:
    """One valid target row: its key, and its value in the stored unit (fen for money metrics)."""

    row: int
    year: int
    province_code: str | None  # None = national
    metric: str
    value: int

    @property
    def key(self) -> str:
        return target_key(self.year, self.province_code, self.metric)


@dataclass(frozen=True)
class Change:
    """One key an upload inserts, changes, ends or deletes, with the row before and after (JSON-able)."""

    table: str
    key: str
    province_code: str | None
    op: str  # insert | update | end | delete
    before: Mapping[str, object] | None
    after: Mapping[str, object] | None
    row: int | None = None  # the file's row, for the preview


@dataclass(frozen=True)
class Plan:
    """What an upload would do. ``problems`` non-empty: it cannot be applied."""

    kind: str
    changes: tuple[Change, ...] = ()
    unchanged: int = 0
    problems: tuple[Problem, ...] = ()
    problem_count: int = 0

    @property
    def counts(self) -> dict[str, int]:
        ops = [c.op for c in self.changes]
        return {"inserted": ops.count("insert"), "changed": ops.count("update"), "ended": ops.count("end"), "unchanged": self.unchanged}

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Uploader:
    """Who uploads: role and the provinces they may see; ``national`` may set national targets."""

    actor: str
    role: str
    allowed: tuple[str, ...]
    national: bool

    @property
    def may_upload(self) -> bool:
        return may_change_data(self.role, self.actor)


@dataclass(frozen=True)
class Reference:
    """What a file is checked against: provinces (code → zh, en names) and cities
    (code → province code, zh name, en name)."""

    provinces: Mapping[str, tuple[str, str]]
    today: dt.date = field(default_factory=dt.date.today)
    cities: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, today: dt.date | None = None) -> Reference:
        p, c = schema.province, schema.city
        rows = conn.execute(sa.select(p.c.code, p.c.name_zh, p.c.name_en).order_by(p.c.code)).all()
        cities = conn.execute(sa.select(c.c.code, c.c.province_code, c.c.name_zh, c.c.name_en)).all()
        return cls(
            {r.code: (r.name_zh, r.name_en) for r in rows},
            today or dt.date.today(),
            {r.code: (r.province_code, r.name_zh, r.name_en) for r in cities},
        )


class UpkeepError(ValueError):
    """An upload or revert that cannot go ahead; ``code`` and ``params`` say why (worded by components)."""

    def __init__(self, code: str, **args: str):
        super().__init__(f"{code}: {args}")
        self.code, self.params = code, args


def target_key(year: int, province_code: str | None, metric: str) -> str:
    """The row_key of a target in data_change: ``2027|410000|leads`` (``*`` = national)."""
    return f"{year}|{province_code or NATIONAL}|{metric}"


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- reading a workbook ---------------------------------------------------------------------------


def header_field(text: object) -> str | None:
    """The field a header cell names: the code in brackets at its end ("年份 (year)"), or a bare code."""
    value = str(text or "").strip().lower()
    m = _HEADER_CODE.search(value)
    return m.group(1) if m else value if re.fullmatch(r"[a-z_]+", value) else None


def read_sheet(
    data: bytes, *, fields: Sequence[str], required: Sequence[str], progress: Callable[[float], object] | None = None
) -> tuple[str, list[tuple[int, dict[str, object]]], list[Problem]]:
    """The first worksheet's rows as ``(row number, {field: value})``, with the structural problems.

    Refused whole (one problem, no rows): not an XLSX (a CSV renamed, an old .xls, a broken zip),
    over MAX_BYTES, a zip that would unpack too far (more than MAX_PARTS parts, a part or the whole
    too big unpacked, a part packed over MAX_RATIO:1), no worksheet, an empty sheet, required headers
    missing, merged cells, formulas, more than MAX_ROWS rows, more than MAX_SECONDS of reading.

    The zip's directory is checked before any part is opened; then the sheet is streamed (openpyxl
    read-only) and reading stops at the first refusal, so a hostile file costs seconds and megabytes,
    not minutes and gigabytes. The directory's sizes are not trusted alone: zipfile stops inflating a
    part at its declared size (a lie leaves broken XML or a failed CRC: ``not_xlsx``), and the one part
    read here as bytes is counted as it is read.
    """
    from openpyxl import load_workbook  # only the upkeep needs it; import costs 0.2 s

    deadline = time.monotonic() + MAX_SECONDS
    if len(data) > MAX_BYTES:
        return "", [], [Problem("too_big", args=(("mb", f"{len(data) / _MB:.1f}"), ("max", str(MAX_BYTES // _MB))))]
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "", [], [Problem("old_xls")]
    if not data.startswith(b"PK\x03\x04"):
        return "", [], [Problem("not_xlsx")]
    # Below, any exception is the file's fault, and openpyxl and zipfile raise a zoo of them on broken
    # parts (BadZipFile, KeyError, ValueError, TypeError, XML SyntaxError, zlib.error, ...): each is
    # one "not an XLSX" problem, never a traceback.
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001
        return "", [], [_not_xlsx(exc)]
    with archive:
        problem = _zip_problem(archive)
        if problem is not None:
            return "", [], [problem]
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:  # noqa: BLE001
            return "", [], [_not_xlsx(exc)]
        try:
            return _read_first_sheet(book, archive, fields=fields, required=required, progress=progress, deadline=deadline)
        except Exception as exc:  # noqa: BLE001 - a part that breaks only as it is streamed
            return "", [], [_not_xlsx(exc)]
        finally:
            book.close()


def _not_xlsx(exc: BaseException) -> Problem:
    return Problem("not_xlsx", args=(("detail", exc.__class__.__name__),))


def _unzipped_too_big(size: int, limit_mb: int) -> Problem:
    return Problem("unzipped_too_big", args=(("mb", f"{size / _MB:,.0f}"), ("max", str(limit_mb))))


def _zip_problem(archive: zipfile.ZipFile) -> Problem | None:
    """What the zip's directory shows is wrong before anything is unpacked, or None: too many parts,
    a compression Excel never writes, a part packed too tightly, a part or the whole too big unpacked."""
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        return Problem("too_many_parts", args=(("parts", f"{len(parts):,}"), ("max", str(MAX_PARTS))))
    total = 0
    for part in parts:
        size, packed = part.file_size, max(part.compress_size, 1)
        if part.compress_type not in _ZIP_METHODS:
            return Problem("not_xlsx", args=(("detail", f"compression {part.compress_type}"),))
        if size > RATIO_FROM_MB * _MB and size > MAX_RATIO * packed:
            return Problem("zip_ratio", args=(("ratio", f"{size / packed:,.0f}"), ("max", str(MAX_RATIO))))
        limit = MAX_SHEET_MB if _SHEET_PART.fullmatch(part.filename) else MAX_PART_MB
        if size > limit * _MB:
            return _unzipped_too_big(size, limit)
        total += size
    if total > MAX_UNZIPPED_MB * _MB:
        return _unzipped_too_big(total, MAX_UNZIPPED_MB)
    return None


def _merged_problem(archive: zipfile.ZipFile, path: str, sheet: str, deadline: float) -> Problem | None:
    """Merged cells in a sheet part (``<mergeCell ref="A2:A3"/>``, under any namespace prefix): read-only
    worksheets do not parse merges, so the part is scanned as bytes, counted as they come."""
    seen, tail = 0, b""
    with archive.open(path) as part:
        while chunk := part.read(_MB):
            seen += len(chunk)
            if seen > MAX_SHEET_MB * _MB:
                return _unzipped_too_big(seen, MAX_SHEET_MB)
            if time.monotonic() > deadline:
                return Problem("too_slow", sheet=sheet, args=(("seconds", f"{MAX_SECONDS:g}"),))
            text = tail + chunk
            if b"mergeCell" in text:
                m = _MERGE_TAG.search(text)
                if m is not None:
                    ref = _MERGE_REF.search(m.group(1))
                    return Problem("merged", sheet=sheet, args=(("cells", ref.group(1).decode() if ref else "?"),))
            tail = text[-512:]  # a tag cut between two chunks is found in the next
    return None


def _too_many_rows(sheet: str, rows: str) -> Problem:
    return Problem("too_many_rows", sheet=sheet, args=(("rows", rows), ("max", str(MAX_ROWS))))


def _read_first_sheet(
    book,
    archive: zipfile.ZipFile,
    *,
    fields: Sequence[str],
    required: Sequence[str],
    progress: Callable[[float], object] | None,
    deadline: float,
) -> tuple[str, list[tuple[int, dict[str, object]]], list[Problem]]:
    from openpyxl.utils import get_column_letter

    if not book.worksheets:
        return "", [], [Problem("empty_sheet")]
    ws = book.worksheets[0]
    name = ws.title
    declared = ws.max_row  # the sheet's <dimension>: may be absent or wrong, so only a hint
    ws.reset_dimensions()  # read every row there is, not as many as the dimension claims
    header = next(ws.iter_rows(min_row=1, max_row=1), ())
    if all(c.value is None for c in header):
        return name, [], [Problem("empty_sheet", sheet=name)]
    merged = _merged_problem(archive, ws._worksheet_path, name, deadline)  # openpyxl 3.1: the part's path
    if merged is not None:
        return name, [], [merged]
    columns: dict[int, str] = {}
    for col, cell in enumerate(header, start=1):
        f = header_field(cell.value)
        if f is not None and f in fields and f not in columns.values():
            columns[col] = f
    missing = [f for f in required if f not in columns.values()]
    if missing:
        return name, [], [Problem("header_missing", sheet=name, row=1, args=(("fields", ", ".join(missing)),))]
    rows: list[tuple[int, dict[str, object]]] = []
    total = min(max((declared or MAX_ROWS) - 1, 1), MAX_ROWS)
    for i, cells in enumerate(ws.iter_rows(min_row=2, max_col=max(columns, default=1)), start=2):
        if i > MAX_ROWS + 1:  # counted as read; the dimension, when it agrees, gives the whole count
            rows_text = str(declared - 1) if declared is not None and declared > i else f"{MAX_ROWS}+"
            return name, [], [_too_many_rows(name, rows_text)]
        if i % 256 == 0 and time.monotonic() > deadline:
            return name, [], [Problem("too_slow", sheet=name, args=(("seconds", f"{MAX_SECONDS:g}"),))]
        values: dict[str, object] = {}
        for col, cell in enumerate(cells, start=1):
            f = columns.get(col)
            if f is None:
                continue
            if cell.data_type == "f":  # a formula (array formulas too): refused, never evaluated
                return name, [], [Problem("formula", sheet=name, row=i, column=f, args=(("cell", f"{get_column_letter(col)}{i}"),))]
            values[f] = cell.value
        if any(v not in (None, "") for v in values.values()):
            rows.append((i, values))
        if progress is not None and i % 500 == 0:
            progress(min(i / total, 1.0) * 0.5)
    if not rows:
        return name, [], [Problem("empty_sheet", sheet=name)]
    return name, rows, []


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = _text(value).replace(",", "").replace("，", "").replace(" ", "")
    try:
        return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else None
    except ValueError:
        return None


def _province(value: object, ref: Reference) -> tuple[str | None, bool]:
    """(code, is national); (None, False) when it names no province."""
    text = _text(value)
    if text.lower() in _NATIONAL_WORDS or text.lower().startswith(("全国", "national")):
        return None, True
    m = _ADCODE.search(text)
    if m:
        return (m.group(1), False) if m.group(1) in ref.provinces else (None, False)
    low = text.lower()
    for code, (zh, en) in ref.provinces.items():
        short = re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", zh)
        if text in (zh, short) or (low and low == en.lower()):
            return code, False
    return None, False


def read_targets(
    data: bytes,
    *,
    ref: Reference,
    uploader: Uploader,
    metric_labels: Mapping[str, str] | None = None,
    progress: Callable[[float], object] | None = None,
) -> tuple[list[TargetRow], list[Problem]]:
    """Every row of a targets workbook, validated; all problems found (none: the rows may be planned).

    ``metric_labels`` maps the metric names people type ("线索数", "Leads") to codes, besides the
    codes themselves and "label (code)".
    """
    _, rows, problems = _read_targets(data, ref=ref, uploader=uploader, metric_labels=metric_labels, progress=progress)
    return rows, problems


def preview_targets(
    conn: Connection,
    data: bytes,
    *,
    uploader: Uploader,
    metric_labels: Mapping[str, str] | None = None,
    progress: Callable[[float], object] | None = None,
    ref: Reference | None = None,
) -> tuple[list[TargetRow], Plan]:
    """Read, check and plan one targets file: the page and the command line both preview through
    this. The plan's problems hold the file's problems, or else the database's (unit mix-ups)."""
    sheet, rows, problems = _read_targets(
        data, ref=ref or Reference.load(conn), uploader=uploader, metric_labels=metric_labels, progress=progress
    )
    if problems:
        return rows, Plan("targets", problems=tuple(problems[:MAX_PROBLEMS]), problem_count=len(problems))
    return rows, plan_targets(conn, rows, sheet=sheet)


def _read_targets(
    data: bytes, *, ref: Reference, uploader: Uploader, metric_labels: Mapping[str, str] | None, progress: Callable[[float], object] | None
) -> tuple[str, list[TargetRow], list[Problem]]:
    sheet, raw, problems = read_sheet(data, fields=TARGET_FIELDS, required=TARGET_REQUIRED, progress=progress)
    if problems:
        return sheet, [], problems
    labels = {k.strip().lower(): v for k, v in (metric_labels or {}).items()}
    out: list[TargetRow] = []
    seen: dict[tuple[int, str | None, str], int] = {}
    last_year = ref.today.year + 5
    total = max(len(raw), 1)

    def bad(code: str, row: int, column: str, **args: object) -> None:
        problems.append(Problem(code, sheet, row, column, tuple((k, str(v)) for k, v in args.items())))

    for n, (i, v) in enumerate(raw):
        before = len(problems)
        for f in TARGET_FIELDS:
            if isinstance(v.get(f), str) and _CONTROL.search(str(v[f])):
                bad("control_chars", i, f)
        year_n = _number(v.get("year"))
        if year_n is None or year_n != int(year_n) or not FIRST_YEAR <= year_n <= last_year:
            bad("bad_year", i, "year", value=_text(v.get("year")), first=FIRST_YEAR, last=last_year)
        province, national = _province(v.get("province"), ref)
        if province is None and not national:
            bad("bad_province", i, "province", value=_text(v.get("province")))
        elif national and not uploader.national:
            bad("national_not_allowed", i, "province")
        elif province is not None and province not in uploader.allowed:
            bad("province_not_allowed", i, "province", value=_text(v.get("province")))
        metric_text = _text(v.get("metric"))
        m = _HEADER_CODE.search(metric_text.lower())
        metric = m.group(1) if m else labels.get(metric_text.lower(), metric_text.lower())
        if metric not in codes.TARGET_METRICS:
            bad("bad_metric", i, "metric", value=metric_text)
            metric = ""
        unit = _text(v.get("unit")).lower()
        scale = 1
        if metric in MONEY_METRICS:
            if not unit:
                bad("unit_missing", i, "unit")
            elif unit not in MONEY_UNITS:
                bad("bad_money_unit", i, "unit", value=_text(v.get("unit")))
            else:
                scale = MONEY_UNITS[unit] * 100  # stored in fen
        elif metric and unit not in COUNT_UNITS:
            bad("bad_count_unit", i, "unit", value=_text(v.get("unit")))
        value = _number(v.get("value"))
        stored = 0
        if value is None or value < 0:
            bad("bad_value", i, "value", value=_text(v.get("value")))
        else:
            exact = value * scale
            stored = round(exact)
            if abs(exact - stored) > 1e-6 * max(1.0, abs(exact)):
                bad("not_whole" if metric not in MONEY_METRICS else "below_fen", i, "value", value=_text(v.get("value")))
        if len(problems) == before:
            key = (int(year_n or 0), province, metric)
            if key in seen:
                bad("duplicate", i, "metric", first=seen[key])
            else:
                seen[key] = i
                out.append(TargetRow(i, int(year_n or 0), province, metric, stored))
        if progress is not None and n % 500 == 0:
            progress(0.5 + 0.4 * n / total)
    return sheet, out, problems


# --- planning, applying, reverting ----------------------------------------------------------------


def _current_targets(conn: Connection, years: Sequence[int]) -> dict[tuple[int, str | None, str], int]:
    out: dict[tuple[int, str | None, str], int] = {}
    for chunk in range(0, len(years), 500):
        part = list(years[chunk : chunk + 500])
        for y, p, m, v in conn.execute(sa.select(tg.c.year, tg.c.province_code, tg.c.metric, tg.c.value).where(tg.c.year.in_(part))):
            out[(int(y), p, m)] = int(v)
    return out


def _unit_scale_problem(
    r: TargetRow, current: Mapping[tuple[int, str | None, str], int], incoming: Mapping[tuple[int, str | None, str], int]
) -> Problem | None:
    """A money target far off its own history: same key before, else the nearest year either side."""
    if r.metric not in MONEY_METRICS or r.value == 0:
        return None
    for key in ((r.year, r.province_code, r.metric), (r.year - 1, r.province_code, r.metric), (r.year + 1, r.province_code, r.metric)):
        ref = current.get(key) if key[0] == r.year else incoming.get(key, current.get(key))
        if ref:
            ratio = r.value / ref
            if ratio >= UNIT_SCALE_LIMIT or ratio <= 1 / UNIT_SCALE_LIMIT:
                return Problem(
                    "unit_scale",
                    row=r.row,
                    column="value",
                    args=(("year", str(key[0])), ("ratio", f"{ratio:,.0f}" if ratio >= 1 else f"1/{1 / ratio:,.0f}")),
                )
            return None
    return None


def plan_targets(conn: Connection, rows: Sequence[TargetRow], *, sheet: str = "") -> Plan:
    """What applying ``rows`` would change: inserts and updates (before → after), unchanged rows,
    and unit mix-ups against the database. Targets absent from the file are left alone: a file
    may hold one province, or one metric, and never ends what it does not name."""
    years = sorted({y for r in rows for y in (r.year - 1, r.year, r.year + 1)})
    current = _current_targets(conn, years)
    incoming = {(r.year, r.province_code, r.metric): r.value for r in rows}
    changes: list[Change] = []
    problems: list[Problem] = []
    unchanged = 0
    for r in rows:
        problem = _unit_scale_problem(r, current, incoming)
        if problem is not None:
            problems.append(Problem(problem.code, sheet, problem.row, problem.column, problem.args))
            continue
        old = current.get((r.year, r.province_code, r.metric))
        after = {"value": r.value}
        if old is None:
            changes.append(Change("target", r.key, r.province_code, "insert", None, after, r.row))
        elif old != r.value:
            changes.append(Change("target", r.key, r.province_code, "update", {"value": old}, after, r.row))
        else:
            unchanged += 1
    return Plan("targets", tuple(changes), unchanged, tuple(problems[:MAX_PROBLEMS]), len(problems))


def _target_where(key: str):
    year, province, metric = key.split("|")
    return sa.and_(
        tg.c.year == int(year),
        tg.c.metric == metric,
        tg.c.province_code.is_(None) if province == NATIONAL else tg.c.province_code == province,
    )


def _write_target(conn: Connection, c: Change) -> None:
    year, province, metric = c.key.split("|")
    if c.before is None and c.after is not None:
        value = int(c.after["value"])  # type: ignore[call-overload]
        conn.execute(
            tg.insert().values(year=int(year), province_code=None if province == NATIONAL else province, metric=metric, value=value)
        )
    elif c.after is None:
        conn.execute(tg.delete().where(_target_where(c.key)))
    else:
        conn.execute(tg.update().where(_target_where(c.key)).values(value=int(c.after["value"])))  # type: ignore[call-overload]


# --- history --------------------------------------------------------------------------------------

UPLOAD_COLUMNS = [
    "id",
    "at",
    "actor",
    "kind",
    "source",
    "file_name",
    "file_sha256",
    "inserted",
    "changed",
    "ended",
    "reverts_upload_id",
    "reverted_by",
]
CHANGE_COLUMNS = ["table_name", "row_key", "province_code", "op", "before", "after"]


def _visible(provinces: Sequence[str] | None, national: bool):
    """data_change rows the viewer may see: every row for None, else their provinces (+ national)."""
    if provinces is None:
        return sa.true()
    cond = ch.c.province_code.in_(list(provinces))
    return sa.or_(cond, ch.c.province_code.is_(None)) if national else cond


def list_uploads(
    conn: Connection,
    *,
    provinces: Sequence[str] | None,
    national: bool,
    kind: str | None = None,
    actor: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Uploads newest first, only those touching what the viewer may see, filtered by actor and
    day (``end`` inclusive). Columns: UPLOAD_COLUMNS
    (``reverted_by``: the id of the upload that reverted it, or NaN)."""
    undo = up.alias("undo")
    seen = sa.select(ch.c.upload_id).where(_visible(provinces, national)).distinct()
    stmt = (
        sa.select(*[up.c[c] for c in UPLOAD_COLUMNS[:-1]], undo.c.id.label("reverted_by"))
        .select_from(up.outerjoin(undo, undo.c.reverts_upload_id == up.c.id))
        .where(up.c.id.in_(seen))
        .order_by(up.c.id.desc())
        .limit(limit)
    )
    if kind:
        stmt = stmt.where(up.c.kind == kind)
    if actor:
        stmt = stmt.where(up.c.actor == actor)
    if start:
        stmt = stmt.where(up.c.at >= dt.datetime.combine(start, dt.time()))
    if end:  # inclusive: the whole day
        stmt = stmt.where(up.c.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    return pd.DataFrame([tuple(r) for r in conn.execute(stmt)], columns=UPLOAD_COLUMNS)


def list_changes(conn: Connection, upload_id: int, *, provinces: Sequence[str] | None, national: bool) -> pd.DataFrame:
    """The change rows of one upload that the viewer may see. Columns: CHANGE_COLUMNS (before/after JSON text)."""
    stmt = sa.select(*[ch.c[c] for c in CHANGE_COLUMNS]).where(ch.c.upload_id == upload_id, _visible(provinces, national)).order_by(ch.c.id)
    return pd.DataFrame([tuple(r) for r in conn.execute(stmt)], columns=CHANGE_COLUMNS)


def data_version(conn: Connection) -> int:
    """A number that grows with every applied upload or revert and every change of events or notes: part of
    every cached query's key, so each app process shows the new targets (and marks) on its next view."""
    return (
        int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(up.c.id), 0))).scalar_one())
        + events.version(conn)
        + events.version(conn, events.NOTES_VERSION_KEY)
    )
