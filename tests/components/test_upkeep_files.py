"""Files an upload must refuse or neutralise, each with a clear message: wrong headers, merged cells,
formulas, empty sheets, a CSV renamed .xlsx, an old .xls, a 20 MB file, hostile cell text."""

from __future__ import annotations

import io

import openpyxl
import pytest

from components.i18n import t
from components.upkeep.text import problem_text, targets_template
from data_access import upkeep

HENAN, HUBEI = "410000", "420000"
REF = upkeep.Reference({HENAN: ("河南省", "Henan"), HUBEI: ("湖北省", "Hubei")})
OPERATOR = upkeep.Uploader("cli:test", "operator", (HENAN, HUBEI), True)


def book_with(rows, edit=None) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(targets_template(REF.provinces, year=2026, lang="zh")))
    for row in rows:
        book.worksheets[0].append(list(row))
    if edit:
        edit(book.worksheets[0])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def codes_of(data: bytes) -> list[str]:
    return [p.code for p in upkeep.read_targets(data, ref=REF, uploader=OPERATOR)[1]]


GOOD = [(2027, "河南省 (410000)", "线索数 (leads)", 100, "个")]


def test_a_good_file_reads_with_no_problem():
    rows, problems = upkeep.read_targets(book_with(GOOD), ref=REF, uploader=OPERATOR)
    assert problems == [] and [(r.year, r.province_code, r.metric, r.value) for r in rows] == [(2027, HENAN, "leads", 100)]


@pytest.mark.parametrize(
    "make, code",
    [
        (lambda: b"year,province,metric,value,unit\n2027,410000,leads,1,\n", "not_xlsx"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old_xls"),
        (lambda: b"PK\x03\x04" + b"\0" * 100, "not_xlsx"),  # a broken zip
        (lambda: b"PK\x03\x04" + b"\0" * (20 * 1024 * 1024), "too_big"),
        (lambda: book_with([]), "empty_sheet"),
        (lambda: book_with(GOOD, lambda ws: ws.cell(1, 3, "指标 metric?")), "header_missing"),
        (lambda: book_with(GOOD + GOOD, lambda ws: ws.merge_cells("A2:A3")), "merged"),
        (lambda: book_with(GOOD, lambda ws: ws.cell(2, 4, "=SUM(1,2)")), "formula"),
        (lambda: book_with(GOOD, lambda ws: ws.cell(2, 4, "=cmd|' /C calc'!A0")), "formula"),
    ],
)
def test_a_file_that_is_not_a_clean_template_is_refused_whole(make, code):
    assert codes_of(make()) == [code]


@pytest.mark.parametrize(
    "cells, code",
    [
        ((2027, "'; DROP TABLE target; --", "leads", 1, ""), "bad_province"),
        ((2027, "<script>alert(1)</script>", "leads", 1, ""), "bad_province"),
        ((2027, HENAN, "@SUM(A1)", 1, ""), "bad_metric"),
        ((2027, HENAN, "leads", "<b>1</b>", ""), "bad_value"),
        ((2027, HENAN, "leads", -5, ""), "bad_value"),
        ((2027, HENAN, "leads", 1.5, ""), "not_whole"),
        ((2027, HENAN, "planned_fen", 100, ""), "unit_missing"),
        ((2027, HENAN, "planned_fen", 100, "美元"), "bad_money_unit"),
        ((2027, HENAN, "leads", 100, "万元"), "bad_count_unit"),
        ((2027, HENAN, "leads\u202e", 1, ""), "control_chars"),  # a bidi override: text that reads other than it is
    ],
)
def test_hostile_or_wrong_cells_are_named_and_never_stored(cells, code):
    rows, problems = upkeep.read_targets(book_with([cells]), ref=REF, uploader=OPERATOR)
    assert rows == [] and code in [p.code for p in problems]


def test_a_problem_reads_with_sheet_row_column_and_reason_in_both_languages():
    _, problems = upkeep.read_targets(book_with(GOOD * 10 + [(2027, "河兰省", "leads", 1, "")]), ref=REF, uploader=OPERATOR)
    dup, bad = problems[0], problems[-1]
    assert dup.code == "duplicate" and dup.row == 3
    assert problem_text(bad, "zh") == "年度目标 第 12 行 省份（或 全国）：'河兰省' 不是有效省份。"
    assert problem_text(bad, "en") == "年度目标 row 12 Province (or National): '河兰省' is not a valid province."


def test_money_is_stored_in_fen_by_the_unit_column():
    rows, _ = upkeep.read_targets(
        book_with(
            [(2027, HENAN, "planned_fen", 1.5, "亿元"), (2027, HUBEI, "planned_fen", 1280, "万元"), (2027, "全国", "planned_fen", 99, "元")]
        ),
        ref=REF,
        uploader=OPERATOR,
    )
    assert [r.value for r in rows] == [15_000_000_000, 1_280_000_000, 9_900]


def test_ten_thousand_rows_read_with_progress_and_every_repeat_is_named():
    seen: list[float] = []
    big = book_with([(2015 + i % 12, HENAN, "leads", i, "") for i in range(10_000)])
    rows, problems = upkeep.read_targets(big, ref=REF, uploader=OPERATOR, progress=seen.append)
    assert len(rows) == 12 and len(problems) == 10_000 - 12 and {p.code for p in problems} == {"duplicate"}
    assert seen and seen == sorted(seen) and max(seen) <= 1.0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_templates_own_example_rows_read_back_without_a_problem(lang):
    """The guide's example rows, pasted into the data sheet as they stand, are valid in both languages."""
    book = openpyxl.load_workbook(io.BytesIO(targets_template(REF.provinces, year=2026, lang=lang)))
    guide, data = book.worksheets[1], book.worksheets[0]
    for row in guide.iter_rows(min_row=6, max_row=7, values_only=True):
        data.append(list(row[:6]))
    out = io.BytesIO()
    book.save(out)
    rows, problems = upkeep.read_targets(out.getvalue(), ref=REF, uploader=OPERATOR)
    assert problems == [] and [(r.metric, r.value) for r in rows] == [("leads", 12000), ("disbursed_fen", 1_280_000_000)]


def test_history_rows_read_in_words_and_in_the_metrics_unit():
    import pandas as pd

    from components.upkeep.text import changes_frame

    rows = pd.DataFrame(
        [
            {
                "table_name": "target",
                "row_key": "2027|410000|planned_fen",
                "province_code": HENAN,
                "op": "update",
                "before": '{"value": 1000000000}',
                "after": '{"value": 1280000000}',
            },
            {
                "table_name": "target",
                "row_key": "2027|*|leads",
                "province_code": None,
                "op": "insert",
                "before": None,
                "after": '{"value": 15000}',
            },
        ]
    )
    frame = changes_frame(rows, REF.provinces, "zh")
    assert frame.values.tolist() == [
        ["2027", "河南省", t("metric.planned_yuan", "zh"), "修改", "1,000 万元", "1,280 万元"],
        ["2027", "全国", t("metric.leads", "zh"), "新增", "—", "15,000"],
    ]
