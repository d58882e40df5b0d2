"""The one shape of every data-upkeep template (targets, partners, events): a data sheet whose headers
carry the field code the reader keys on and a note, drop-down lists kept on a hidden sheet, other
validations per column, and a guide sheet with the rules and example rows. Pure (xlsxwriter only).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

ROWS = 20_000  # validations reach this far down (data_access.upkeep.MAX_ROWS)


def province_choice(code: str, names: tuple[str, str], lang: str) -> str:
    """A province in a template's list: "河南省 (410000)" (the readers key on the adcode)."""
    return f"{names[0] if lang == 'zh' else names[1]} ({code})"


@dataclass(frozen=True)
class Column:
    """One column of a template: header text, its note, width, and either a drop-down list
    (``items``, softened by ``validation``) or another xlsxwriter validation (``validation``,
    without the error message)."""

    header: str
    note: str
    width: int
    items: Sequence[str] = ()
    validation: Mapping[str, object] = field(default_factory=dict)
    date: bool = False


def template(
    *,
    sheet: str,
    guide_sheet: str,
    lists_sheet: str,
    columns: Sequence[Column],
    guide_title: str,
    guide_body: str,
    example_title: str,
    examples: Sequence[Sequence[object]],
    freeze_cols: int = 0,
    guide_height: int = 60,
) -> bytes:
    """The workbook: ``sheet`` to fill in, ``guide_sheet`` with the rules, the notes and
    ``examples`` (numbers stay numbers), and the lists on the hidden ``lists_sheet``."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    head = book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864", "border": 1, "text_wrap": True})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    data = book.add_worksheet(sheet)
    guide = book.add_worksheet(guide_sheet)
    lists = book.add_worksheet(lists_sheet)
    listed = 0
    for col, c in enumerate(columns):
        data.write_string(0, col, c.header, head)
        data.write_comment(0, col, c.note, {"x_scale": 2})
        data.set_column(col, col, c.width, day if c.date else None)
        if c.items:
            for row, item in enumerate(c.items):
                lists.write_string(row, listed, item)
            letter = chr(ord("A") + listed)
            listed += 1
            # ``validation`` may soften the list (error_type "information": other text is allowed)
            rule: Mapping[str, object] = {
                "validate": "list",
                "source": f"='{lists_sheet}'!${letter}$1:${letter}${len(c.items)}",
                **c.validation,
            }
        else:
            rule = c.validation
        if rule:
            data.data_validation(1, col, ROWS, col, {**rule, "error_message": c.note[:255]})
    lists.hide()
    data.freeze_panes(1, freeze_cols)
    guide.set_column(0, 0, 30)
    guide.set_column(1, len(columns), 20)
    guide.write_string(0, 0, guide_title, bold)
    guide.merge_range(1, 0, 1, min(len(columns), 8) - 1, guide_body, wrap)
    guide.set_row(1, guide_height)
    guide.write_string(3, 0, example_title, bold)
    for col, c in enumerate(columns):
        guide.write_string(4, col, c.header, head)
    for r, cells in enumerate(examples, start=5):
        for col, value in enumerate(cells):
            (guide.write_number if isinstance(value, (int, float)) else guide.write_string)(r, col, value)
    notes_at = 6 + len(examples)
    for r, c in enumerate(columns, start=notes_at):
        guide.write_string(r, 0, c.header, bold)
        guide.write_string(r, 1, c.note)
    book.close()
    return buffer.getvalue()
