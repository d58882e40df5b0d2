"""DataFrames as download files: CSV for any tool, formatted XLSX for Excel, and safe file names.

Number formats are chosen per column: an explicit ``number_formats`` entry wins, then the
column name (percent words before money words, so "投入占比" is a percent), then the dtype.
Percent columns must hold fractions (0.123 shows as 12.3%).

No export writes a cell a spreadsheet would run as a formula (CSV/formula injection): text from
the database can come from users' Excel uploads. CSV text cells that start like a formula get a
leading ``'`` (``neutralise_formula``); XLSX writes every text cell as a string cell, never a
formula or a link. Both drop control, zero-width and direction-override characters from text
(``clean_frame``): a name must read in a cell as it reads everywhere else.
"""

from __future__ import annotations

import io
import numbers
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from typing import cast

import numpy as np
import pandas as pd

from components.i18n import DASH, format_number, format_percent, is_missing, normalize_lang, t
from data_access.untrusted import clean

INTEGER_FORMAT = "#,##0"
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DECIMAL_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# Column-name hints. Chinese hints match as substrings; English hints match whole words of the
# snake_case/space-separated name, so "generate" is not a "rate".
_PERCENT_HINTS_ZH = ("率", "占比", "比例", "比重", "百分比", "同比", "环比")
_PERCENT_HINTS_EN = frozenset({"pct", "percent", "percentage", "rate", "ratio", "share"})
_MONEY_HINTS_ZH = ("金额", "投入", "投资", "资金", "经费", "收入", "营收", "费用", "成本", "预算", "元")
_MONEY_HINTS_EN = frozenset(
    {
        "amount",
        "money",
        "investment",
        "invest",
        "cost",
        "budget",
        "revenue",
        "income",
        "funding",
        "fee",
        "fees",
        "price",
        "yuan",
        "cny",
        "rmb",
    }
)

_HEADER_FILL = "#1F3864"
_HEADER_FONT = "#FFFFFF"
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_WIDTH_SAMPLE_ROWS = 2000

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_FILENAME_BAD = re.compile(r'[\\/:*?"<>|\s\x00-\x1f\x7f]+')
_MAX_FILENAME_BYTES = 150  # well under the 255-byte limit of common filesystems, in UTF-8


# A text cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets when a
# CSV is opened (OWASP "CSV injection"): ``=cmd|' /C calc'!A0``, ``@SUM(...)``, ``+1+1``, ``-2+3``.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column labels pass through ``data_access.untrusted.clean``
    (no control, zero-width or bidi characters); other cells are left as they are.

    For grids (st.dataframe draws text as typed, but a U+202E would still reverse it) and files."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: clean(v) if isinstance(v, str) else v)
    out.columns = [clean(c) if isinstance(c, str) else c for c in out.columns]
    return out


def neutralise_formula(text: str) -> str:
    """``text`` as a spreadsheet shows it but never runs it: a leading quote before a formula start.

    Partner names and other text come from loaders and Excel uploads; a cell such as
    ``=HYPERLINK(...)`` must reach an export as text. Applied to text only: numbers stay numbers.
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column labels pass through ``neutralise_formula``."""
    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_datetime64_any_dtype(out[col])):
            out[col] = out[col].map(lambda v: neutralise_formula(v) if isinstance(v, str) else v)
    out.columns = [neutralise_formula(c) if isinstance(c, str) else c for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """Return the frame as UTF-8 CSV with a BOM, so Excel opens Chinese text correctly; text that
    a spreadsheet would run as a formula is neutralised (``neutralise_formula``)."""
    # CRLF rows, as Excel writes them: a field holding a bare CR is then quoted, not split into two rows.
    return neutralise_frame(clean_frame(df)).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(
    sheets: Mapping[str, pd.DataFrame] | pd.DataFrame,
    *,
    filters: Sequence[tuple[str, str]],
    data_as_of: str,
    title: str,
    number_formats: Mapping[str, str] | None = None,
    lang: str = "zh",
    definitions: Sequence[tuple[str, str]] = (),
) -> bytes:
    """Return an XLSX workbook: one formatted sheet per frame, then a sheet of filters.

    Each data sheet has a bold filled header, frozen header row, autofilter, widths fitted to
    the content (CJK characters count double) and number formats per column (see the module
    docstring). The last sheet ("筛选条件"/"Filters") lists the title, data-as-of and filters, then
    the definitions (口径) of the metrics the data shows (``definitions``: label, definition).
    Text is always written as a string cell, never as a formula or a link, so no quote prefix
    is needed (and the text in the cell equals the text in the frame).
    """
    labels = {k: t(f"export.xlsx_{k}", normalize_lang(lang)) for k in ("sheet", "title", "as_of", "name", "value", "metric", "definition")}
    if isinstance(sheets, pd.DataFrame):
        sheets = {title or "Sheet1": sheets}
    formats_by_name = dict(number_formats or {})

    buffer = io.BytesIO()
    used_names: set[str] = set()
    with pd.ExcelWriter(
        buffer,
        engine="xlsxwriter",
        date_format=DATE_FORMAT,
        datetime_format=DATETIME_FORMAT,
        # Text is always a string cell: by default xlsxwriter writes "=..." as a formula and
        # "http..." as a link. A string cell is never evaluated, so no quote prefix is needed here.
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        book = writer.book
        header_fmt = book.add_format(
            {"bold": True, "font_color": _HEADER_FONT, "bg_color": _HEADER_FILL, "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        cached_formats: dict[str, object] = {}

        def number_format(code: str) -> object:
            if code not in cached_formats:
                cached_formats[code] = book.add_format({"num_format": code})
            return cached_formats[code]

        for raw_name, frame in sheets.items():
            name = _unique_sheet_name(clean(raw_name), used_names)
            frame = clean_frame(_excel_ready(frame))
            frame.to_excel(writer, sheet_name=name, index=False, header=False, startrow=1)
            sheet = writer.sheets[name]
            for col_idx, column in enumerate(frame.columns):
                sheet.write_string(0, col_idx, str(column), header_fmt)
                code = formats_by_name.get(str(column)) or infer_number_format(str(column), frame[column])
                sheet.set_column(
                    col_idx,
                    col_idx,
                    _column_width(str(column), frame[column], code),
                    number_format(code) if code else None,
                )
            sheet.freeze_panes(1, 0)
            if len(frame.columns):
                sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)

        _write_filters_sheet(
            writer,
            _unique_sheet_name(labels["sheet"], used_names),
            labels,
            filters=filters,
            data_as_of=data_as_of,
            title=title,
            header_fmt=header_fmt,
            definitions=definitions,
        )
    return buffer.getvalue()


def infer_number_format(column: str, values: pd.Series) -> str | None:
    """Return the Excel number format for a column (None for text and booleans)."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        if pd.api.types.is_datetime64_any_dtype(values):
            return DATETIME_FORMAT
        return None
    name = column.lower()
    words = set(re.split(r"[^a-z0-9]+", name))
    if any(h in column for h in _PERCENT_HINTS_ZH) or words & _PERCENT_HINTS_EN or "%" in column:
        return PERCENT_FORMAT
    if any(h in column for h in _MONEY_HINTS_ZH) or words & _MONEY_HINTS_EN:
        return MONEY_FORMAT
    if pd.api.types.is_integer_dtype(values):
        return INTEGER_FORMAT
    return DECIMAL_FORMAT


def format_cell(value: object, code: str | None, lang: str) -> str:
    """Text of one value as ``code`` shows it in Excel, through the app's formatter (slides, PDFs)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        if is_missing(value):
            return DASH
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%d" if value == value.normalize() else "%Y-%m-%d %H:%M")
        return str(value)
    number = cast(float, value)  # any numbers.Real (int, float, numpy scalars): the formatters read them all
    if code == PERCENT_FORMAT:
        return format_percent(number, lang)
    if code == INTEGER_FORMAT:
        return format_number(number, lang)
    return format_number(number, lang, digits=2)


def display_width(text: str) -> int:
    """Width of text in monospace cells: CJK (wide/fullwidth) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def export_filename(page: str, scope_label: str, when: date, ext: str) -> str:
    """Return "<page>_<scope>_<YYYY-MM-DD>.<ext>", safe on Windows, macOS and Linux.

    Chinese characters are kept; path separators, reserved characters and whitespace become
    "-"; an empty scope is left out; the name is capped at 150 UTF-8 bytes.
    """
    extension = re.sub(r"[^A-Za-z0-9]", "", ext).lower()[:10] or "bin"
    tail = f"_{when.strftime('%Y-%m-%d')}.{extension}"
    page_part = _filename_part(page) or "export"
    scope_part = _filename_part(scope_label)
    budget = _MAX_FILENAME_BYTES - len(tail.encode("utf-8"))
    if scope_part:
        budget -= 1  # the "_" between page and scope
        # the page keeps at least half the budget; the scope gets what the page leaves
        page_part = _truncate_bytes(page_part, max(budget // 2, budget - len(scope_part.encode("utf-8"))))
        scope_part = _truncate_bytes(scope_part, budget - len(page_part.encode("utf-8")))
    else:
        page_part = _truncate_bytes(page_part, budget)
    # the date tail also keeps names like "CON" or "NUL" from being Windows device names
    stem = f"{page_part}_{scope_part}" if scope_part else page_part
    return stem + tail


def _filename_part(text: str) -> str:
    cleaned = _FILENAME_BAD.sub("-", unicodedata.normalize("NFC", str(text)))
    cleaned = re.sub(r"-{2,}", "-", cleaned)
    return cleaned.strip("-._ ")


def _truncate_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: max(limit, 0)].decode("utf-8", errors="ignore").rstrip("-._ ")


def _unique_sheet_name(raw: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 chars, none of []:*?/\\, no edge quote, unique ignoring case."""
    base = _SHEET_BAD.sub("_", str(raw)).strip("'").strip() or "Sheet"
    if base.lower() == "history":  # reserved by Excel
        base = "History_"
    base = base[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Flatten column labels, drop time zones (Excel has none) and turn midnight-only datetimes
    into dates, without touching the caller's frame."""
    frame = frame.reset_index(drop=True) if not isinstance(frame.index, pd.RangeIndex) else frame
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.copy()
        frame.columns = [" / ".join(str(p) for p in col if str(p)) for col in frame.columns]
    datetime_columns = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if datetime_columns:
        frame = frame.copy()
        for c in datetime_columns:
            if isinstance(frame[c].dtype, pd.DatetimeTZDtype):
                frame[c] = frame[c].dt.tz_localize(None)  # keeps the wall-clock time
            if (frame[c].dropna() == frame[c].dropna().dt.normalize()).all():
                frame[c] = frame[c].dt.date  # all at midnight: a date column, written as yyyy-mm-dd
    return frame


def _column_width(header: str, values: pd.Series, code: str | None) -> float:
    sample = values.iloc[:_WIDTH_SAMPLE_ROWS]
    widths = [display_width(format_cell(v, code, "en")) for v in sample.tolist()]
    widest = max([display_width(header), *widths])
    return float(min(max(widest + 2, _MIN_WIDTH), _MAX_WIDTH))


def _write_filters_sheet(
    writer: pd.ExcelWriter,
    name: str,
    labels: Mapping[str, str],
    *,
    filters: Sequence[tuple[str, str]],
    data_as_of: str,
    title: str,
    header_fmt: object,
    definitions: Sequence[tuple[str, str]] = (),
) -> None:
    sheet = writer.book.add_worksheet(name)
    bold = writer.book.add_format({"bold": True})
    sheet.write_string(0, 0, labels["title"], bold)
    sheet.write_string(0, 1, clean(title))
    sheet.write_string(1, 0, labels["as_of"], bold)
    sheet.write_string(1, 1, str(data_as_of))
    sheet.write_string(3, 0, labels["name"], header_fmt)
    sheet.write_string(3, 1, labels["value"], header_fmt)
    for row, (key, value) in enumerate(filters, start=4):
        sheet.write_string(row, 0, clean(key))
        sheet.write_string(row, 1, clean(value))
    if definitions:
        first = 4 + len(filters) + 1
        sheet.write_string(first, 0, labels["metric"], header_fmt)
        sheet.write_string(first, 1, labels["definition"], header_fmt)
        for row, (key, value) in enumerate(definitions, start=first + 1):
            sheet.write_string(row, 0, clean(key))
            sheet.write_string(row, 1, clean(value))
    left = [labels["title"], labels["as_of"], labels["name"], *(str(k) for k, _ in filters), *(str(k) for k, _ in definitions)]
    right = [title, data_as_of, labels["value"], *(str(v) for _, v in filters)]
    sheet.set_column(0, 0, min(max(map(display_width, left)) + 2, _MAX_WIDTH))
    sheet.set_column(1, 1, min(max(map(display_width, right)) + 2, 100))
