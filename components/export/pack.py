"""The briefing pack (汇报材料): the same sections as a 16:9 PowerPoint deck or a PDF.

A pack is a title slide, one slide per ``Slide`` (title, one-line takeaway, chart and/or
table) and appendix slides with tables of at most ``ROWS_PER_SLIDE`` rows. Every slide carries
a footer with the scope, period and data-as-of time, the caller's footer text and a page number.

Both builders render every chart through one Chromium (``image_session``). A chart is rendered
at the logical size of its box on the slide (96 px per inch, PNG at scale 2), so its 12 px text
reads as 9 pt on the slide, as it did on screen; a 1280x720 image shrunk into the box would
print at 6 pt. The figure's own title is dropped by default because the slide title says it.

PDF text uses Noto Sans CJK (fonts-noto-cjk); fpdf2 reads the face out of the .ttc collection.

Text is drawn literally (python-pptx runs, fpdf2 without markdown), so names from the database need
no escaping here, only ``clean``: no control, zero-width or direction-override characters
(``_plain``, applied to everything a builder is given).
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from components.i18n import normalize_lang, t, tn
from data_access.untrusted import clean

from .images import ExportUnavailable, figure_to_bytes, image_session
from .tables import clean_frame, display_width, format_cell, infer_number_format

ROWS_PER_SLIDE = 15
WRAPPED_ROWS_PER_SLIDE = 10  # an appendix of sentences (the definitions): a row wraps over two lines at most

# Latin and east-asian typeface of every run. YaHei is on every Windows PC that opens the deck;
# LibreOffice and Macs substitute a CJK face for it.
PPTX_FONT = "Microsoft YaHei"

CJK_FONT_HINT = (
    "The PDF pack needs a Chinese font: on Debian/Ubuntu run `apt-get install fonts-noto-cjk`, "
    "or set CJK_FONT_PATH to a .ttf/.otf/.ttc file with Simplified Chinese glyphs."
)
# (regular, bold) candidates; the bold file is optional.
CJK_FONT_FILES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/opentype/noto/NotoSansSC-Regular.otf", "/usr/share/fonts/opentype/noto/NotoSansSC-Bold.otf"),
    ("C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/msyhbd.ttc"),
)

# Typography per language (not text to translate); the words come from the catalogue (export.*).
_TYPOGRAPHY = {
    "zh": {"sep": "：", "gap": "　｜　", "lang_tag": "zh-CN"},
    "en": {"sep": ": ", "gap": "   |   ", "lang_tag": "en-US"},
}


def _labels(lang: str) -> dict[str, str]:
    """Words printed on every slide, from the translation catalogue."""
    words = {k: t(f"export.{k}", lang) for k in ("scope", "period", "as_of", "appendix", "rows")}
    return {**words, **_TYPOGRAPHY[lang]}


# Colours (hex RGB): one navy for titles and table headers, one accent, greys for secondary text.
_NAVY = "1F3864"
_ACCENT = "2E75B6"
_TEXT = "374151"
_MUTED = "6B7280"
_RULE = "D1D5DB"
_BAND = "F3F4F6"
_WHITE = "FFFFFF"

# Slide geometry in inches (16:9). Both builders draw from these boxes.
_SLIDE_W, _SLIDE_H = 13.333, 7.5
_MARGIN = 0.5
_CONTENT_W = _SLIDE_W - 2 * _MARGIN
_TITLE_BOX = (_MARGIN + 0.22, 0.32, _CONTENT_W - 0.22, 0.7)
_ACCENT_BAR = (_MARGIN, 0.42, 0.08, 0.5)
_TAKEAWAY_BOX = (_MARGIN, 1.05, _CONTENT_W, 0.6)
_BODY_TOP, _BODY_BOTTOM = 1.75, 6.8
_NOTES_H = 0.62  # two lines of notes (12 pt) under the body of a slide whose view has notes
_NOTES_PT = 12
_APPENDIX_TOP = 1.55
_FOOTER_RULE_Y = 6.95
_FOOTER_BOX_Y, _FOOTER_BOX_H = 7.0, 0.32
_SPLIT_CHART_W = 7.7  # chart share of the body when a section has a chart and a table
_SPLIT_GAP = 0.3
_PX_PER_INCH = 96  # CSS pixels: what plotly's font sizes are measured in

_TITLE_PT, _TAKEAWAY_PT, _FOOTER_PT, _TABLE_PT = 26, 16, 9, 10.5
_MAX_CELL_UNITS = 40  # display width of a table cell before it is cut with "…"


@dataclass
class Slide:
    """One slide of the pack: a title, the one-line message, a chart and/or a table."""

    title: str
    takeaway: str
    figure: go.Figure | None
    table: pd.DataFrame | None = None
    notes: str = ""  # the leaders' notes on the view, one a line: drawn under the body and in the speaker notes


@dataclass
class Appendix:
    """An appendix table of the pack; ``wrap``: its cells are sentences, wrapped, never cut."""

    title: str
    frame: pd.DataFrame
    wrap: bool = False


AppendixTables = Sequence["tuple[str, pd.DataFrame] | Appendix"]


@dataclass
class PackMeta:
    """What the pack is about; scope, period and data-as-of appear on the title slide and every footer."""

    title: str
    subtitle: str
    scope_text: str
    period_text: str
    data_as_of: str
    lang: str
    footer: str


# ---------------------------------------------------------------------------------------------
# Shared planning: which slides exist, what each box holds, the chart images.


@dataclass
class _Planned:
    kind: str  # "title" | "section" | "appendix"
    section: Slide | None = None
    table_title: str = ""
    table: pd.DataFrame | None = None
    first_row: int = 0
    total_rows: int = 0
    wrap: bool = False


def rows_per_slide(wrap: bool) -> int:
    """Rows an appendix slide holds (fewer when its cells wrap)."""
    return WRAPPED_ROWS_PER_SLIDE if wrap else ROWS_PER_SLIDE


def _plan(sections: Sequence[Slide], appendix_tables: Sequence[Appendix]) -> list[_Planned]:
    slides = [_Planned("title")]
    slides += [_Planned("section", section=s) for s in sections]
    for a in appendix_tables:
        per = rows_per_slide(a.wrap)
        for start in range(0, max(len(a.frame), 1), per):
            part = a.frame.iloc[start : start + per]
            slides.append(_Planned("appendix", table_title=a.title, table=part, first_row=start, total_rows=len(a.frame), wrap=a.wrap))
    return slides


def _body_bottom(section: Slide) -> float:
    """Where the chart and table end: above the notes' lines when the view has notes."""
    return _BODY_BOTTOM - (_NOTES_H if section.notes else 0.0)


def _notes_box(section: Slide) -> tuple[float, float, float, float]:
    """The leaders' notes on the view: under the chart and table, above the footer."""
    return (_MARGIN, _body_bottom(section) + 0.08, _CONTENT_W, _NOTES_H - 0.1)


def _chart_box(section: Slide) -> tuple[float, float, float, float]:
    width = _SPLIT_CHART_W if section.table is not None else _CONTENT_W
    return (_MARGIN, _BODY_TOP, width, _body_bottom(section) - _BODY_TOP)


def _side_table_box(section: Slide) -> tuple[float, float, float, float]:
    if section.figure is None:
        return (_MARGIN, _BODY_TOP, _CONTENT_W, _body_bottom(section) - _BODY_TOP)
    left = _MARGIN + _SPLIT_CHART_W + _SPLIT_GAP
    return (left, _BODY_TOP, _SLIDE_W - _MARGIN - left, _body_bottom(section) - _BODY_TOP)


def render_charts(sections: Sequence[Slide], *, keep_figure_titles: bool = False) -> list[bytes | None]:
    """PNG of every section's chart, sized to its slide box, all through one Chromium.

    Pass the result as ``charts=`` to both build_pptx and build_pdf to render a pack's charts once.
    """
    charts: list[bytes | None] = []
    if not any(s.figure is not None for s in sections):
        return [None] * len(sections)
    with image_session():
        for section in sections:
            if section.figure is None:
                charts.append(None)
                continue
            _, _, w, h = _chart_box(section)
            fig = _pack_figure(section.figure, keep_title=keep_figure_titles)
            charts.append(figure_to_bytes(fig, "png", width=round(w * _PX_PER_INCH), height=round(h * _PX_PER_INCH)))
    return charts


def _pack_figure(fig: go.Figure, *, keep_title: bool) -> go.Figure:
    """A copy for the slide: no duplicate title, compact margins where the builder set none."""
    fig = go.Figure(fig)
    has_title = keep_title and bool(fig.layout.title.text)
    if not keep_title:
        fig.update_layout(title_text=None)
    m = fig.layout.margin
    fig.update_layout(
        margin=dict(
            l=60 if m.l is None else m.l,
            r=30 if m.r is None else m.r,
            t=(70 if has_title else 30) if m.t is None else m.t,
            b=50 if m.b is None else m.b,
        )
    )
    return fig


def _footer_left(meta: PackMeta, labels: dict[str, str], fits: Callable[[str], bool]) -> str:
    """Scope, period and data-as-of on one line; a long scope is cut so the other two survive."""
    sep, gap = labels["sep"], labels["gap"]
    tail = f"{gap}{labels['period']}{sep}{meta.period_text}{gap}{labels['as_of']}{sep}{meta.data_as_of}"
    scope = meta.scope_text
    text = f"{labels['scope']}{sep}{scope}{tail}"
    while scope and not fits(text):
        scope = scope[:-1].rstrip()
        text = f"{labels['scope']}{sep}{scope}…{tail}"
    return text


def _footer_right(meta: PackMeta, page: int, pages: int) -> str:
    return f"{meta.footer}   {page} / {pages}" if meta.footer else f"{page} / {pages}"


def _table_cells(frame: pd.DataFrame, lang: str, wrap: bool = False) -> tuple[list[str], list[list[str]], list[bool]]:
    """Header texts, body texts (numbers formatted, long text cut unless ``wrap``) and which columns are numeric."""
    headers = [str(c) for c in frame.columns]
    codes = [infer_number_format(str(c), frame[c]) for c in frame.columns]
    numeric = [code is not None and pd.api.types.is_numeric_dtype(frame[c]) for c, code in zip(frame.columns, codes)]
    limit = float("inf") if wrap else _MAX_CELL_UNITS
    body = [[_cut(format_cell(v, code, lang), limit) for v, code in zip(row, codes)] for row in frame.itertuples(index=False, name=None)]
    return headers, body, numeric


def _column_weights(headers: list[str], body: list[list[str]], wrap: bool = False) -> list[float]:
    weights: list[float] = []
    for i, header in enumerate(headers):
        widest = max([display_width(header), *(display_width(r[i]) for r in body)])
        weights.append(min(max(widest, 6), _MAX_CELL_UNITS * (3 if wrap else 1)) + 2)
    return weights


def _cut(text: str, units: float) -> str:
    """Cut text to a display width (CJK counts two), ending with "…" when cut."""
    if display_width(text) <= units:
        return text
    out, used = [], 0
    for ch in text:
        used += display_width(ch)
        if used > units - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


def _estimate_width_in(text: str, size_pt: float) -> float:
    """Printed width of one line, for PowerPoint where we cannot measure: CJK 1 em, Latin 0.62 em."""
    ems = sum(1.0 if display_width(ch) == 2 else 0.62 for ch in text)
    return ems * size_pt / 72


def _fit_size(text: str, width_in: float, base_pt: float, min_pt: float) -> float:
    """Largest font size <= base at which text (estimated) fits one line."""
    width_at_1pt = _estimate_width_in(text, 1) or 1
    return max(min_pt, min(base_pt, width_in / width_at_1pt))


def _has_wide(text: str) -> bool:
    return any(display_width(ch) == 2 for ch in text)


def _plain(meta: PackMeta, sections: Sequence[Slide], appendix_tables: AppendixTables) -> tuple[PackMeta, list[Slide], list[Appendix]]:
    """Copies of what a builder draws with every text cleaned (figures stay: their labels are
    escaped by the chart builders, and kaleido draws them as the page does)."""

    def table(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if frame is None else clean_frame(frame)

    meta = replace(meta, **{f: clean(getattr(meta, f)) for f in ("title", "subtitle", "scope_text", "period_text", "data_as_of", "footer")})
    sections = [
        replace(
            s,
            title=clean(s.title),
            takeaway=clean(s.takeaway),
            table=table(s.table),
            notes="\n".join(clean(line) for line in s.notes.split("\n")),
        )
        for s in sections
    ]
    tables = [a if isinstance(a, Appendix) else Appendix(*a) for a in appendix_tables]
    return meta, sections, [replace(a, title=clean(a.title), frame=clean_frame(a.frame)) for a in tables]


def _prepare(
    meta: PackMeta, sections: Sequence[Slide], appendix_tables, keep_figure_titles: bool, charts: Sequence[bytes | None] | None
) -> tuple[dict[str, str], dict[int, bytes | None], list[_Planned]]:
    """What both builders start from: the slide words, each section's chart PNG, the slide plan."""
    labels = _labels(normalize_lang(meta.lang))
    if charts is None:
        charts = render_charts(sections, keep_figure_titles=keep_figure_titles)
    chart_of = {id(s): c for s, c in zip(sections, charts, strict=True)}
    return labels, chart_of, _plan(sections, appendix_tables)


# ---------------------------------------------------------------------------------------------
# PowerPoint


def build_pptx(
    meta: PackMeta,
    sections: Sequence[Slide],
    *,
    appendix_tables: AppendixTables = (),
    keep_figure_titles: bool = False,
    charts: Sequence[bytes | None] | None = None,
) -> bytes:
    """Return the pack as a 16:9 PPTX: title slide, one slide per section, appendix table slides.

    ``charts`` are PNGs from render_charts (rendered here when not given).
    """
    lang = normalize_lang(meta.lang)
    meta, sections, appendix_tables = _plain(meta, sections, appendix_tables)
    labels, chart_of, plan = _prepare(meta, sections, appendix_tables, keep_figure_titles, charts)

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(_SLIDE_W), Inches(_SLIDE_H)
    # "Title Only": every slide's title is a real title placeholder (the outline, the navigator
    # and the accessibility checker read it); the rest is drawn in text boxes as before.
    title_only = prs.slide_layouts[5]
    for number, item in enumerate(plan, start=1):
        slide = prs.slides.add_slide(title_only)
        if item.kind == "title":
            _pptx_title_slide(slide, meta, labels)
        elif item.kind == "section":
            s = item.section
            assert s is not None
            statement_only = s.figure is None and s.table is None
            _pptx_heading(slide, s.title, "" if statement_only else s.takeaway, labels)
            if statement_only:  # a message slide: the takeaway is the content
                _pptx_text(
                    slide, (_MARGIN + 0.22, _BODY_TOP, _CONTENT_W - 0.44, 3.0), s.takeaway, 28, _TEXT, labels, anchor=MSO_ANCHOR.MIDDLE
                )
            if s.figure is not None:
                x, y, w, h = _chart_box(s)
                png = chart_of[id(s)]
                assert png is not None  # render_charts makes one for every section with a figure
                slide.shapes.add_picture(io.BytesIO(png), Inches(x), Inches(y), Inches(w), Inches(h))
            if s.table is not None:
                shown = s.table.iloc[:ROWS_PER_SLIDE]
                x, y, w, h = _side_table_box(s)
                note_h = 0.3 if len(s.table) > ROWS_PER_SLIDE else 0
                _pptx_table(slide, shown, (x, y, w, h - note_h), labels, lang)
                if note_h:
                    note = tn("export.first_rows", len(s.table), lang, shown=len(shown))
                    _pptx_text(slide, (x, y + h - note_h, w, note_h), note, 10, _MUTED, labels)
            if s.notes:  # on the slide for the reader, and in the speaker notes for the presenter
                _pptx_text(slide, _notes_box(s), s.notes.splitlines()[:2], _NOTES_PT, _ACCENT, labels)
                slide.notes_slide.notes_text_frame.text = s.notes
        else:
            assert item.table is not None  # every appendix slide holds its rows
            rows = labels["rows"].format(first=item.first_row + 1, last=item.first_row + len(item.table), total=item.total_rows)
            _pptx_heading(slide, f"{labels['appendix']}{labels['sep']}{item.table_title}", rows, labels)
            _pptx_table(slide, item.table, (_MARGIN, _APPENDIX_TOP, _CONTENT_W, _BODY_BOTTOM - _APPENDIX_TOP), labels, lang, wrap=item.wrap)
        _pptx_footer(slide, meta, labels, number, len(plan))

    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def _pptx_title_slide(slide, meta: PackMeta, labels: dict[str, str]) -> None:
    _pptx_rect(slide, (0, 0, _SLIDE_W, 0.18), _NAVY)
    _pptx_rect(slide, (0.9, 2.05, 0.12, 1.75), _ACCENT)
    size = _fit_size(meta.title, 11.2, 40, 24)
    _pptx_text(slide, (1.2, 1.9, 11.2, 1.1), meta.title, size, _NAVY, labels, bold=True, anchor=MSO_ANCHOR.BOTTOM, title=True)
    _pptx_text(slide, (1.2, 3.0, 11.2, 0.8), meta.subtitle, 22, _TEXT, labels)
    sep = labels["sep"]
    lines = [
        f"{labels['scope']}{sep}{meta.scope_text}",
        f"{labels['period']}{sep}{meta.period_text}",
        f"{labels['as_of']}{sep}{meta.data_as_of}",
    ]
    _pptx_text(slide, (1.2, 4.4, 11.2, 1.6), lines, 16, _MUTED, labels)


def _pptx_heading(slide, title: str, takeaway: str, labels: dict[str, str]) -> None:
    _pptx_rect(slide, _ACCENT_BAR, _ACCENT)
    size = _fit_size(title, _TITLE_BOX[2], _TITLE_PT, 18)
    _pptx_text(slide, _TITLE_BOX, title, size, _NAVY, labels, bold=True, anchor=MSO_ANCHOR.MIDDLE, title=True)
    if takeaway:
        _pptx_text(slide, _TAKEAWAY_BOX, takeaway, _TAKEAWAY_PT, _TEXT, labels, anchor=MSO_ANCHOR.TOP)


def _right_width(width_in: float) -> float:
    """The footer's right box: as wide as its text (the page number must never be cut), 3.2 in at least."""
    return min(max(3.2, width_in + 0.15), _CONTENT_W / 2)


def _pptx_footer(slide, meta: PackMeta, labels: dict[str, str], page: int, pages: int) -> None:
    right_w = _right_width(_estimate_width_in(_footer_right(meta, page, pages), _FOOTER_PT))
    left_w = _CONTENT_W - right_w
    left = _footer_left(meta, labels, lambda t: _estimate_width_in(t, _FOOTER_PT) <= left_w - 0.1)
    _pptx_rect(slide, (_MARGIN, _FOOTER_RULE_Y, _CONTENT_W, 0.01), _RULE)
    _pptx_text(slide, (_MARGIN, _FOOTER_BOX_Y, left_w, _FOOTER_BOX_H), left, _FOOTER_PT, _MUTED, labels)
    _pptx_text(
        slide,
        (_MARGIN + left_w, _FOOTER_BOX_Y, right_w, _FOOTER_BOX_H),
        _footer_right(meta, page, pages),
        _FOOTER_PT,
        _MUTED,
        labels,
        align=PP_ALIGN.RIGHT,
    )


def _pptx_rect(slide, box, color: str) -> None:
    x, y, w, h = box
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(x), Inches(y), Inches(w), Inches(h))
    shape.fill.solid()
    shape.fill.fore_color.rgb = RGBColor.from_string(color)
    shape.line.fill.background()
    shape.shadow.inherit = False


def _pptx_text(
    slide,
    box,
    text: str | list[str],
    size: float,
    color: str,
    labels: dict[str, str],
    *,
    bold: bool = False,
    align=PP_ALIGN.LEFT,
    anchor=MSO_ANCHOR.TOP,
    title: bool = False,
) -> None:
    """A text box at ``box`` (inches); with ``title``, the slide's title placeholder moved there."""
    x, y, w, h = box
    if title:
        shape = slide.shapes.title
        shape.left, shape.top, shape.width, shape.height = Inches(x), Inches(y), Inches(w), Inches(h)
    else:
        shape = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    frame = shape.text_frame
    frame.word_wrap = True
    # sizes are chosen by estimate; "shrink text on overflow" lets the viewer correct a miss
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.02)
    for i, line in enumerate([text] if isinstance(text, str) else text):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        if i:
            paragraph.space_before = Pt(size * 0.4)
        _style_run(paragraph.add_run(), line, size=size, color=color, bold=bold, labels=labels)


def _style_run(run, text: str, *, size: float, color: str, bold: bool, labels: dict[str, str]) -> None:
    """Set text, size, colour and the Latin + east-asian typeface of one run.

    python-pptx's ``font.name`` only writes ``<a:latin>``; without ``<a:ea>`` PowerPoint draws
    Chinese in the theme's east-asian font, whatever the run says.
    """
    run.text = text
    font = run.font
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = RGBColor.from_string(color)
    font.name = PPTX_FONT
    rpr = run._r.get_or_add_rPr()
    rpr.set("lang", labels["lang_tag"])
    latin = rpr.find(qn("a:latin"))
    anchor = latin
    for tag in ("a:ea", "a:cs"):  # schema order: latin, ea, cs
        element = rpr.find(qn(tag))
        if element is None:
            element = rpr.makeelement(qn(tag), {})
            anchor.addnext(element)
        element.set("typeface", PPTX_FONT)
        anchor = element


def _pptx_table(slide, frame: pd.DataFrame, box, labels: dict[str, str], lang: str, wrap: bool = False) -> None:
    headers, body, numeric = _table_cells(frame, lang, wrap)
    x, y, w, h = box
    n_rows = len(body) + 1
    row_h = min(0.34, h / n_rows) if not wrap else min(0.9, h / n_rows)
    shape = slide.shapes.add_table(n_rows, max(len(headers), 1), Inches(x), Inches(y), Inches(w), Inches(row_h * n_rows))
    table = shape.table
    table.horz_banding = False
    weights = _column_weights(headers, body, wrap) or [1.0]
    total_emu = Inches(w)
    for i, weight in enumerate(weights):
        table.columns[i].width = Emu(int(total_emu * weight / sum(weights)))
    size = _TABLE_PT if len(headers) <= 8 else 9
    for r in range(n_rows):
        table.rows[r].height = Inches(row_h)
        values = headers if r == 0 else body[r - 1]
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(0.06)
            cell.margin_top = cell.margin_bottom = Inches(0.02)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.text_frame.word_wrap = True
            cell.fill.solid()
            cell.fill.fore_color.rgb = RGBColor.from_string(_NAVY if r == 0 else (_BAND if r % 2 == 0 else _WHITE))
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if numeric[c] else PP_ALIGN.LEFT
            _style_run(paragraph.add_run(), value, size=size, color=_WHITE if r == 0 else _TEXT, bold=r == 0, labels=labels)


# ---------------------------------------------------------------------------------------------
# PDF


def build_pdf(
    meta: PackMeta,
    sections: Sequence[Slide],
    *,
    appendix_tables: AppendixTables = (),
    keep_figure_titles: bool = False,
    charts: Sequence[bytes | None] | None = None,
) -> bytes:
    """Return the pack as a PDF with one landscape 16:9 page per slide of ``build_pptx``.

    ``charts`` are PNGs from render_charts (rendered here when not given).
    """
    lang = normalize_lang(meta.lang)
    regular, bold, face = _find_cjk_font()  # before Chromium starts: fail fast on a missing font
    meta, sections, appendix_tables = _plain(meta, sections, appendix_tables)
    labels, chart_of, plan = _prepare(meta, sections, appendix_tables, keep_figure_titles, charts)

    pdf = FPDF(orientation="L", unit="in", format=(_SLIDE_H, _SLIDE_W))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(meta.title)
    pdf.set_lang(labels["lang_tag"])
    try:
        pdf.add_font("cjk", "", regular, collection_font_number=face[0])
        pdf.add_font("cjk", "B", bold or regular, collection_font_number=face[1] if bold else face[0])
    except Exception as exc:  # noqa: BLE001 - an unreadable font file is the same as a missing one
        raise ExportUnavailable(CJK_FONT_HINT, detail=f"{regular}: {exc}") from None

    for number, item in enumerate(plan, start=1):
        pdf.add_page()
        if item.kind == "title":
            _pdf_title_page(pdf, meta, labels)
        elif item.kind == "section":
            s = item.section
            assert s is not None
            statement_only = s.figure is None and s.table is None
            _pdf_heading(pdf, s.title, "" if statement_only else s.takeaway)
            if statement_only:  # a message slide: the takeaway is the content
                pdf.set_font("cjk", "", 28)
                # fpdf2 types the result as a union of every output= shape; LINES gives the list of lines
                lines = len(
                    cast(
                        "list[str]",
                        pdf.multi_cell(
                            _CONTENT_W - 0.44, 28 / 72 * 1.4, s.takeaway, dry_run=True, output="LINES", wrapmode=_wrapmode(s.takeaway)
                        ),
                    )
                )
                top = _BODY_TOP + max(0.0, (3.0 - lines * 28 / 72 * 1.4) / 2)
                _pdf_text(pdf, (_MARGIN + 0.22, top, _CONTENT_W - 0.44, 3.0), s.takeaway, 28, _TEXT, wrap=True)
            if s.figure is not None:
                x, y, w, h = _chart_box(s)
                png = chart_of[id(s)]
                assert png is not None  # render_charts makes one for every section with a figure
                pdf.image(io.BytesIO(png), x=x, y=y, w=w, h=h)
            if s.table is not None:
                x, y, w, h = _side_table_box(s)
                note_h = 0.3 if len(s.table) > ROWS_PER_SLIDE else 0
                _pdf_table(pdf, s.table.iloc[:ROWS_PER_SLIDE], (x, y, w, h - note_h), lang)
                if note_h:
                    note = tn("export.first_rows", len(s.table), lang, shown=ROWS_PER_SLIDE)
                    _pdf_text(pdf, (x, y + h - note_h, w, note_h), note, 10, _MUTED)
            if s.notes:  # one line a note, two at most, each cut with "…" rather than run into the footer
                x, y, w, h = _notes_box(s)
                for i, line in enumerate(s.notes.splitlines()[:2]):
                    _pdf_text(pdf, (x, y + i * h / 2, w, h / 2), line, _NOTES_PT, _ACCENT)
        else:
            assert item.table is not None  # every appendix slide holds its rows
            rows = labels["rows"].format(first=item.first_row + 1, last=item.first_row + len(item.table), total=item.total_rows)
            _pdf_heading(pdf, f"{labels['appendix']}{labels['sep']}{item.table_title}", rows)
            _pdf_table(pdf, item.table, (_MARGIN, _APPENDIX_TOP, _CONTENT_W, _BODY_BOTTOM - _APPENDIX_TOP), lang, wrap=item.wrap)
        _pdf_footer(pdf, meta, labels, number, len(plan))
    return bytes(pdf.output())


@functools.cache
def _find_cjk_font() -> tuple[str, str | None, tuple[int, int]]:
    """Return (regular path, bold path or None, (regular face, bold face) in a collection)."""
    candidates = list(CJK_FONT_FILES)
    configured = os.environ.get("CJK_FONT_PATH")
    if configured:
        candidates.insert(0, (configured, configured.replace("Regular", "Bold")))
    for regular, bold in candidates:
        if Path(regular).is_file():
            bold_path = bold if bold != regular and Path(bold).is_file() else None
            return regular, bold_path, (_sc_face(regular), _sc_face(bold_path) if bold_path else 0)
    raise ExportUnavailable(CJK_FONT_HINT, detail="no CJK font file found")


def _sc_face(path: str) -> int:
    """Index of the Simplified Chinese face in a .ttc/.otc collection (0 for a single font).

    Noto CJK collections hold JP, KR, SC, TC, HK faces; the order differs between releases.
    """
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection  # fpdf2 depends on fontTools

    with TTCollection(path, lazy=True) as collection:
        for index, font in enumerate(collection.fonts):
            family = font["name"].getDebugName(1) or ""
            if family.endswith(" SC") and "Mono" not in family:
                return index
    return 0


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def _pdf_text(pdf: FPDF, box, text: str, size: float, color: str, *, bold: bool = False, align: str = "L", wrap: bool = False) -> None:
    x, y, w, h = box
    pdf.set_font("cjk", "B" if bold else "", size)
    pdf.set_text_color(*_rgb(color))
    pdf.set_xy(x, y)
    if wrap:
        pdf.multi_cell(w, size / 72 * 1.35, text, align=align, wrapmode=_wrapmode(text))
        return
    while text and pdf.get_string_width(text) > w:  # one line: cut with "…" rather than overflow
        text = text[:-2] + "…"
    pdf.cell(w, h, text, align=align)


def _wrapmode(text: str) -> WrapMode:
    # fpdf2 breaks lines only at spaces in WORD mode, which strands Chinese; CHAR splits English words
    return WrapMode.CHAR if _has_wide(text) else WrapMode.WORD


def _pdf_rect(pdf: FPDF, box: tuple[float, float, float, float], color: str) -> None:
    pdf.set_fill_color(*_rgb(color))
    pdf.rect(*box, style="F")


def _pdf_title_page(pdf: FPDF, meta: PackMeta, labels: dict[str, str]) -> None:
    _pdf_rect(pdf, (0, 0, _SLIDE_W, 0.18), _NAVY)
    _pdf_rect(pdf, (0.9, 2.05, 0.12, 1.75), _ACCENT)
    pdf.set_font("cjk", "B", 40)
    size = 40
    while size > 24 and pdf.get_string_width(meta.title) > 11.2:
        size -= 1
        pdf.set_font("cjk", "B", size)
    _pdf_text(pdf, (1.2, 2.2, 11.2, 0.8), meta.title, size, _NAVY, bold=True)
    _pdf_text(pdf, (1.2, 3.05, 11.2, 0.6), meta.subtitle, 22, _TEXT)
    sep = labels["sep"]
    for i, line in enumerate(
        (
            f"{labels['scope']}{sep}{meta.scope_text}",
            f"{labels['period']}{sep}{meta.period_text}",
            f"{labels['as_of']}{sep}{meta.data_as_of}",
        )
    ):
        _pdf_text(pdf, (1.2, 4.4 + i * 0.36, 11.2, 0.36), line, 16, _MUTED)


def _pdf_heading(pdf: FPDF, title: str, takeaway: str) -> None:
    _pdf_rect(pdf, _ACCENT_BAR, _ACCENT)
    pdf.set_font("cjk", "B", _TITLE_PT)
    size = _TITLE_PT
    while size > 18 and pdf.get_string_width(title) > _TITLE_BOX[2]:
        size -= 1
        pdf.set_font("cjk", "B", size)
    _pdf_text(pdf, _TITLE_BOX, title, size, _NAVY, bold=True)
    if takeaway:
        _pdf_text(pdf, _TAKEAWAY_BOX, takeaway, _TAKEAWAY_PT, _TEXT, wrap=True)


def _pdf_footer(pdf: FPDF, meta: PackMeta, labels: dict[str, str], page: int, pages: int) -> None:
    pdf.set_font("cjk", "", _FOOTER_PT)
    right_w = _right_width(pdf.get_string_width(_footer_right(meta, page, pages)))
    left_w = _CONTENT_W - right_w
    left = _footer_left(meta, labels, lambda t: pdf.get_string_width(t) <= left_w - 0.05)
    _pdf_rect(pdf, (_MARGIN, _FOOTER_RULE_Y, _CONTENT_W, 0.01), _RULE)
    _pdf_text(pdf, (_MARGIN, _FOOTER_BOX_Y, left_w, _FOOTER_BOX_H), left, _FOOTER_PT, _MUTED)
    _pdf_text(
        pdf, (_MARGIN + left_w, _FOOTER_BOX_Y, right_w, _FOOTER_BOX_H), _footer_right(meta, page, pages), _FOOTER_PT, _MUTED, align="R"
    )


def _pdf_table(pdf: FPDF, frame: pd.DataFrame, box, lang: str, wrap: bool = False) -> None:
    headers, body, numeric = _table_cells(frame, lang, wrap)
    if not headers:
        return
    x, y, w, h = box
    n_rows = len(body) + 1
    row_h = min(0.34, h / n_rows) if not wrap else 0.3  # a wrapped cell grows by lines of this height
    size = _TABLE_PT if len(headers) <= 8 else 9
    pad_y = 0.03
    pdf.set_font("cjk", "", size)
    pdf.set_text_color(*_rgb(_TEXT))
    pdf.set_draw_color(*_rgb(_RULE))
    pdf.set_line_width(0.01)
    pdf.set_fill_color(*_rgb(_WHITE))  # fpdf2 tables start from the current fill colour
    pdf.set_xy(x, y)
    heading = FontFace(family="cjk", emphasis="BOLD", color=_rgb(_WHITE), fill_color=_rgb(_NAVY), size_pt=size)
    with pdf.table(
        width=w,
        col_widths=_column_weights(headers, body, wrap),
        align="LEFT",
        line_height=row_h - 2 * pad_y,
        headings_style=heading,
        cell_fill_color=_rgb(_BAND),
        cell_fill_mode="EVEN_ROWS",
        text_align=tuple("RIGHT" if n else "LEFT" for n in numeric),
        wrapmode=WrapMode.WORD if wrap and lang == "en" else WrapMode.CHAR,  # sentences: English breaks between words
        padding=(pad_y, 0.06),
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        header_row = table.row()
        for text, is_number in zip(headers, numeric):
            header_row.cell(text, align="RIGHT" if is_number else "LEFT")
        for values in body:
            row = table.row()
            for text in values:
                row.cell(text)
