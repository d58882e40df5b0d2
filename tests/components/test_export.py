"""The export engine, tested on real files: a real Chromium draws the charts, and every export
is opened again (Pillow-free PNG header, pypdf, openpyxl, python-pptx) to check what it holds.

Tests that need Chromium skip when it is missing, except under CI=true, where they fail.
"""

from __future__ import annotations

import csv
import io
import os
import struct
from datetime import date

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pypdf
import pytest
from pptx import Presentation
from pptx.oxml.ns import qn

from components.export import (
    ExportError,
    ExportUnavailable,
    PackMeta,
    Slide,
    build_pdf,
    build_pptx,
    export_filename,
    figure_to_bytes,
    image_session,
    images,
    pack,
    to_csv_bytes,
    to_xlsx_bytes,
)
from data_access.untrusted import clean

CHART_TITLE = "各省合作企业数量"


def _require(found: bool, what: str) -> None:
    """Skip when a system dependency is missing, but fail under CI, where it must be installed."""
    if found:
        return
    message = f"{what} is not installed (apt-get install chromium fonts-noto-cjk)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must provide it")
    pytest.skip(message)


def _bar_figure(title: str = CHART_TITLE) -> go.Figure:
    return go.Figure(go.Bar(x=["广东", "江苏", "浙江"], y=[820, 640, 515]), layout_title_text=title)


def _funnel_figure() -> go.Figure:
    return go.Figure(go.Funnel(y=["线索", "咨询", "报名", "就业"], x=[1200, 830, 310, 165]))


def _pack_meta() -> PackMeta:
    return PackMeta(
        title="产教融合经营分析汇报",
        subtitle="2026 年 1–10 月",
        scope_text="广东、江苏",
        period_text="2026-01-01 至 2026-10-31",
        data_as_of="2026-11-28 08:00",
        lang="zh",
        footer="产教融合事业部",
    )


def _pack_sections() -> list[Slide]:
    return [
        Slide(title="合作企业分布", takeaway="广东领先。", figure=_bar_figure()),
        Slide(title="招生转化漏斗", takeaway="报名环节流失最大。", figure=_funnel_figure(), notes="讲解要点"),
        Slide(title="重点院校明细", takeaway="只看表。", figure=None, table=pd.DataFrame({"院校": ["甲", "乙"], "就业率": [0.91, 0.83]})),
    ]


def _appendix(rows: int) -> list[tuple[str, pd.DataFrame]]:
    return [("分省明细", pd.DataFrame({"省份": [f"省{i}" for i in range(rows)], "学员数": range(rows)}))]


def _sample_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "省份": ["广东", "江苏", "浙江"],
            "合作企业数": [1200, 35, 7],
            "投入金额（万元）": [1234.5, 0.25, 88.0],
            "就业率": [0.9312, 0.5, 0.875],
        }
    )


def _xlsx(frame: pd.DataFrame | None = None, **overrides) -> openpyxl.Workbook:
    kwargs = dict(
        filters=[("省份", "广东、江苏、浙江"), ("期间", "2026-01 至 2026-10")],
        data_as_of="2026-11-28 08:00",
        title="合作企业统计",
        lang="zh",
    )
    kwargs.update(overrides)
    data = to_xlsx_bytes({"合作企业": _sample_frame() if frame is None else frame}, **kwargs)
    return openpyxl.load_workbook(io.BytesIO(data))


# --- static images (real Chromium) ---------------------------------------------------------


@pytest.fixture(scope="class")
def chromium_session():
    """One Chromium for a whole class of tests, as a briefing pack uses it."""
    _require(images.find_chromium() is not None, "Chromium")
    with image_session():
        yield


@pytest.mark.usefixtures("chromium_session")
class TestRenderedImages:
    def test_png_is_slide_size_at_scale_2(self):
        png = figure_to_bytes(_bar_figure(), "png")
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (2560, 1440)  # IHDR width, height

    def test_svg_contains_the_chinese_title(self):
        svg = figure_to_bytes(_bar_figure(), "svg").decode("utf-8")
        assert CHART_TITLE in svg

    def test_pdf_of_a_chart_has_a_page(self):
        pdf = pypdf.PdfReader(io.BytesIO(figure_to_bytes(_bar_figure(), "pdf")))
        assert len(pdf.pages) >= 1

    def test_pptx_has_title_section_and_appendix_slides(self):
        sections = _pack_sections()
        deck = Presentation(io.BytesIO(build_pptx(_pack_meta(), sections, appendix_tables=_appendix(20))))
        # 1 title slide + 3 sections + 20 appendix rows at 15 per slide = 2 slides
        assert len(deck.slides) == 1 + len(sections) + 2

    def test_pptx_section_slides_carry_their_titles(self):
        sections = _pack_sections()
        deck = Presentation(io.BytesIO(build_pptx(_pack_meta(), sections)))
        texts = [[shape.text_frame.text for shape in slide.shapes if shape.has_text_frame] for slide in deck.slides]
        assert _pack_meta().title in texts[0]
        for section, slide_texts in zip(sections, texts[1:]):
            assert section.title in slide_texts

    def test_every_pptx_slide_title_is_a_title_placeholder(self):
        sections = _pack_sections()
        deck = Presentation(io.BytesIO(build_pptx(_pack_meta(), sections, appendix_tables=_appendix(20))))
        titles = [slide.shapes.title for slide in deck.slides]
        assert all(t is not None and t.is_placeholder for t in titles)
        assert titles[0].text_frame.text == _pack_meta().title
        assert [t.text_frame.text for t in titles[1 : 1 + len(sections)]] == [s.title for s in sections]
        assert all(t.text_frame.text for t in titles[1 + len(sections) :])  # the appendix slides too

    def test_pptx_runs_name_an_east_asian_font(self):
        deck = Presentation(io.BytesIO(build_pptx(_pack_meta(), _pack_sections()[:1])))
        runs = [r for shape in deck.slides[1].shapes if shape.has_text_frame for p in shape.text_frame.paragraphs for r in p.runs]
        assert runs
        for run in runs:
            ea = run._r.find(qn("a:rPr")).find(qn("a:ea"))
            assert ea is not None and ea.get("typeface") == pack.PPTX_FONT

    def test_pack_pdf_has_one_page_per_slide(self):
        _require(_has_cjk_font(), "A Noto CJK font")
        sections = _pack_sections()
        pdf = pypdf.PdfReader(io.BytesIO(build_pdf(_pack_meta(), sections, appendix_tables=_appendix(20))))
        assert len(pdf.pages) == 1 + len(sections) + 2

    def test_pack_pdf_text_is_chinese(self):
        _require(_has_cjk_font(), "A Noto CJK font")
        pdf = pypdf.PdfReader(io.BytesIO(build_pdf(_pack_meta(), _pack_sections()[:1])))
        # pypdf 7 puts a NUL before each CID glyph of fpdf2's Identity-H text; poppler does not
        assert "合作企业分布" in pdf.pages[1].extract_text().replace("\x00", "")


def _has_cjk_font() -> bool:
    try:
        pack._find_cjk_font()
    except ExportUnavailable:
        return False
    return True


# --- one warm browser per server process -------------------------------------------------------


@pytest.mark.browser
def test_the_browser_stays_warm_between_exports_and_closes_when_idle(monkeypatch):
    _require(images.find_chromium() is not None, "Chromium")
    monkeypatch.setattr(images, "EXPORT_IDLE_S", 1.0)
    figure_to_bytes(_bar_figure(), "png")
    first = images._renderer
    assert first is not None and first.alive(), "kept warm after the export"
    figure_to_bytes(_bar_figure(), "svg")
    assert images._renderer is first, "the next export reuses it"
    for _ in range(40):
        if images._renderer is None:
            break
        import time

        time.sleep(0.1)
    assert images._renderer is None, "closed after being idle"


@pytest.mark.browser
def test_a_browser_that_died_is_replaced_on_the_next_export():
    _require(images.find_chromium() is not None, "Chromium")
    figure_to_bytes(_bar_figure(), "png")
    dead = images._renderer
    dead._kaleido.subprocess.kill()
    dead._kaleido.subprocess.wait(10)
    assert not dead.alive()
    png = figure_to_bytes(_bar_figure(), "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and images._renderer is not dead and images._renderer.alive()


@pytest.mark.browser
def test_concurrent_exports_from_several_threads_all_succeed():
    _require(images.find_chromium() is not None, "Chromium")
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(5) as pool:
        results = list(pool.map(lambda i: figure_to_bytes(_bar_figure(f"用户 {i}"), "svg"), range(5)))
    assert all(f"用户 {i}" in r.decode() for i, r in enumerate(results))


# --- failures that must reach the user as a clear message ----------------------------------


def test_missing_chromium_raises_export_unavailable_with_install_hint(monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: shutil.which finds nothing
    monkeypatch.setattr(images, "BROWSER_PATHS", ())
    with pytest.raises(ExportUnavailable, match="apt-get install chromium"):
        figure_to_bytes(_bar_figure(), "png")


def test_browser_that_fails_to_start_raises_export_unavailable(monkeypatch, tmp_path):
    # an executable that exits at once: kaleido's own sync server would wait forever here
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    with pytest.raises(ExportUnavailable, match="BROWSER_PATH"):
        figure_to_bytes(_bar_figure(), "png")


def test_geo_trace_is_refused_before_rendering():
    fig = go.Figure(go.Scattergeo(lon=[113.3], lat=[23.1]))
    with pytest.raises(ExportError, match="scattergeo"):
        figure_to_bytes(fig, "png")


def test_export_sets_a_cjk_font_without_changing_the_callers_figure():
    fig = _bar_figure()
    prepared = images.prepare_figure(fig)
    assert "Noto Sans CJK SC" in prepared.layout.font.family
    assert fig.layout.font.family is None


def test_missing_cjk_font_raises_export_unavailable_with_install_hint(monkeypatch):
    monkeypatch.setattr(pack, "CJK_FONT_FILES", ())
    monkeypatch.delenv("CJK_FONT_PATH", raising=False)
    pack._find_cjk_font.cache_clear()
    try:
        with pytest.raises(ExportUnavailable, match="fonts-noto-cjk"):
            build_pdf(_pack_meta(), _pack_sections())
    finally:
        pack._find_cjk_font.cache_clear()


# --- CSV and XLSX ---------------------------------------------------------------------------


def test_csv_starts_with_bom_and_round_trips_chinese():
    frame = _sample_frame()
    data = to_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    pd.testing.assert_frame_equal(pd.read_csv(io.BytesIO(data), encoding="utf-8-sig"), frame, check_dtype=False)


def test_xlsx_cells_equal_the_dataframe():
    frame = _sample_frame()
    sheet = _xlsx(frame)["合作企业"]
    assert [c.value for c in sheet[1]] == list(frame.columns)
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert body == frame.astype(object).values.tolist()


def test_xlsx_header_row_is_frozen_with_autofilter():
    sheet = _xlsx()["合作企业"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D4"


def test_xlsx_filters_sheet_lists_title_as_of_and_filters():
    book = _xlsx()
    assert book.sheetnames[-1] == "筛选条件"
    rows = [tuple(r) for r in book["筛选条件"].iter_rows(values_only=True)]
    assert ("标题", "合作企业统计") in rows
    assert ("数据截至", "2026-11-28 08:00") in rows
    assert ("省份", "广东、江苏、浙江") in rows and ("期间", "2026-01 至 2026-10") in rows


def test_xlsx_filters_sheet_is_named_by_language():
    assert _xlsx(lang="en").sheetnames[-1] == "Filters"


def test_xlsx_number_formats_follow_column_kind():
    sheet = _xlsx()["合作企业"]
    assert sheet["B2"].number_format == "#,##0"  # integer count
    assert sheet["C2"].number_format == "#,##0.00"  # money, by its name
    assert sheet["D2"].number_format == "0.0%"  # rate, by its name


def test_xlsx_explicit_number_format_wins():
    sheet = _xlsx(number_formats={"合作企业数": "0"})["合作企业"]
    assert sheet["B2"].number_format == "0"


def test_xlsx_sheet_names_are_sanitised_and_capped():
    data = to_xlsx_bytes(
        {"覆盖/统计:2026[全国]*" + "很长" * 20: _sample_frame()}, filters=[], data_as_of="2026-11-28", title="t", lang="zh"
    )
    name = openpyxl.load_workbook(io.BytesIO(data)).sheetnames[0]
    assert len(name) <= 31
    assert not set(name) & set("[]:*?/\\")


# --- file names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page, scope",
    [
        ("覆盖地图", '广东/广西\\华南:*?"<>|'),
        ("../../etc/passwd", "全国"),
        ("投入 分析\t", "a\nb"),
    ],
)
def test_export_filename_sanitises_hostile_names(page, scope):
    name = export_filename(page, scope, date(2026, 11, 28), "xlsx")
    assert not set(name) & set('/\\:*?"<>| \t\n')
    assert not name.startswith(".")
    assert name.endswith("_2026-11-28.xlsx")


def test_export_filename_keeps_chinese():
    assert export_filename("覆盖地图", "广东", date(2026, 11, 28), ".PNG") == "覆盖地图_广东_2026-11-28.png"


def test_export_filename_caps_length():
    name = export_filename("很长的页面名" * 50, "范围" * 100, date(2026, 11, 28), "pdf")
    assert len(name.encode("utf-8")) <= 150
    assert name.endswith("_2026-11-28.pdf")


HOSTILE = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "<script>alert(1)</script>",
    "'; DROP TABLE partner; --",
    "河南大学",
]
# What a file holds for each: control, zero-width and bidi characters are dropped (untrusted.clean),
# so "\t=1" arrives as "=1" — and is still never a formula.
CLEANED = [clean(h) for h in HOSTILE]


def _hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"名称": HOSTILE, "金额": [-5.5 * i for i in range(len(HOSTILE))]})


def test_csv_never_starts_a_text_cell_with_a_formula_character_and_keeps_negative_numbers():
    back = pd.read_csv(io.BytesIO(to_csv_bytes(_hostile_frame())), encoding="utf-8-sig", keep_default_na=False)
    for sent, got in zip(CLEANED, back["名称"]):
        assert not got.startswith(("=", "+", "-", "@", "\t", "\r")), got
        assert got.lstrip("'") == sent if sent[0] in "=+-@" else got == sent
    assert back["金额"].tolist() == [-5.5 * i for i in range(len(HOSTILE))]  # numbers are not quoted


def test_xlsx_writes_formula_like_text_as_text_cells():
    sheet = openpyxl.load_workbook(
        io.BytesIO(to_xlsx_bytes(_hostile_frame(), filters=[("=x", "@y")], data_as_of="", title="t")), data_only=False
    ).worksheets
    cells = [row[0] for row in sheet[0].iter_rows(min_row=2)]
    # openpyxl reads a CR back as the escape _x000D_; the cell is still the text that was written.
    assert [str(c.value) for c in cells] == CLEANED
    assert all(c.data_type == "s" for c in cells), [c.data_type for c in cells]
    assert [c.value for c in sheet[1]["A"] if c.value == "=x"] and sheet[1]["A5"].data_type == "s"


def test_csv_header_cells_are_neutralised_and_negative_numbers_stay_bare():
    rows = list(csv.reader(io.StringIO(to_csv_bytes(pd.DataFrame({h: [-1.5] for h in HOSTILE})).decode("utf-8-sig"))))
    assert rows[0] == ["'" + h if h[0] in "=+-@" else h for h in CLEANED]
    assert rows[1] == ["-1.5"] * len(HOSTILE)  # a number column is never quoted


def test_xlsx_has_no_formula_cell_anywhere_and_keeps_hostile_headers_as_text():
    frame = _hostile_frame().rename(columns={"名称": "=名称", "金额": "-金额"})
    data = to_xlsx_bytes(frame, filters=[("=x", "+1+1"), ("@SUM(A1)", "-2+3")], data_as_of="=NOW()", title="@title")
    book = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    cells = [c for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    data_sheet, filters_sheet = book.worksheets
    assert [(c.value, c.data_type) for c in data_sheet[1]] == [("=名称", "s"), ("-金额", "s")]
    assert [(c.value, c.data_type) for c in data_sheet["B"][1:]] == [(-5.5 * i, "n") for i in range(len(HOSTILE))]
    text = {c.value for c in cells if c.data_type == "s" and c.parent is filters_sheet}
    assert {"@title", "=NOW()", "=x", "+1+1", "@SUM(A1)", "-2+3"} <= text
