"""Partner names from an upload are shown everywhere (pages, map tooltips, exports, robot messages), so
a name that could run as a formula, render as a link or picture, or read as something else is refused
with one problem that says what to change (data_access.untrusted.unsafe_name); real names with
parentheses, & or · pass."""

from __future__ import annotations

import io

import openpyxl
import pytest

from components.upkeep.partners import PARTNER_FIELDS
from components.upkeep.text import problem_text
from data_access import upkeep_partners
from tests.components.test_upkeep_partner_files import EVERYONE, REF, book, codes_of, good


def book_as_text(rows) -> bytes:
    """Like ``book``, but every cell is stored as text: "=HYPERLINK(...)" typed as a name, not a formula."""
    wb = openpyxl.load_workbook(io.BytesIO(book([])))
    ws = wb.worksheets[0]
    for r in rows:
        ws.append(list(r))
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read(rows):
    _, parsed, problems = upkeep_partners.read_partners(book_as_text(rows), ref=REF, uploader=EVERYONE)
    return parsed, problems


HOSTILE = [
    ("[x](https://evil.example)", "name_markup"),  # a Markdown link
    ("![](http://evil.example/a.png)", "name_markup"),  # a Markdown image: the browser would fetch it
    ("<img src=x onerror=alert(1)>", "name_markup"),
    ("测试学院 https://evil.example", "name_markup"),
    ('=HYPERLINK("https://evil.example","点我")', "name_formula"),
    ("+86 测试学院", "name_formula"),
    ("测试\u200b学院", "name_invisible"),  # a zero-width space
    ("测试\u202e院学", "name_invisible"),  # a right-to-left override: reads other than it is
    ("测试\n学院", "name_invisible"),  # a line break inside the name
    ("测试\t学院", "name_invisible"),
]


@pytest.mark.parametrize("field", ["name_zh", "name_en"])
@pytest.mark.parametrize("name, code", HOSTILE)
def test_a_hostile_name_is_refused_with_one_problem_that_names_the_reason(field, name, code):
    parsed, problems = read([good(**{field: name})])
    assert parsed == [] and codes_of(problems) == [(2, field, code)]


@pytest.mark.parametrize(
    "name",
    [
        "北京(中关村)学院",
        "A&B 科技有限公司",
        "河南·郑州 3·5 实训基地",
        "郑州（中原）职业技术学院",
        "O'Neil & Sons (China) Co., Ltd.",
        "科大讯飞 #2 基地",
    ],
)
def test_ordinary_names_with_punctuation_pass(name):
    parsed, problems = read([good(name_zh=name, name_en=name)])
    assert problems == [] and [(r.name_zh, r.name_en) for r in parsed] == [(name, name)]


def test_a_name_with_spaces_around_it_is_stored_trimmed():
    parsed, problems = read([good(name_zh="  测试学院\n")])
    assert problems == [] and parsed[0].name_zh == "测试学院"


@pytest.mark.parametrize(
    "code, zh, en",
    [
        ("name_formula", "= + - @", "formula"),
        ("name_markup", "只写名称本身", "plain name"),
        ("name_invisible", "在一行内重新输入", "retype it on one line"),
    ],
)
def test_each_reason_tells_the_uploader_what_to_change(code, zh, en):
    name = dict((c, n) for n, c in HOSTILE)[code]
    _, problems = read([good(name_zh=name)])
    assert zh in problem_text(problems[0], "zh", "partners") and en in problem_text(problems[0], "en", "partners")
    assert problem_text(problems[0], "zh", "partners").startswith("合作方与协议 第 2 行")


def test_other_cells_keep_the_control_character_check():
    _, problems = read([good(note="备注\u202e")])
    assert codes_of(problems) == [(2, "note", "control_chars")] and "note" in PARTNER_FIELDS
