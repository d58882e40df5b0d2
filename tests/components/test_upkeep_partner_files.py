"""Reading a partners workbook without a database: every rule of a row (names safe for a
spreadsheet and for the map's HTML tooltips, dates, values and units, choices in either language,
one partner's rows agreeing), the template's own example rows reading back, and changes in words."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pandas as pd
import pytest

from components.upkeep.partners import PARTNER_FIELDS, partner_labels, partners_template, pheader
from components.upkeep.text import changes_frame, plan_frame, problem_text
from data_access import upkeep, upkeep_partners

HENAN, HUBEI = "410000", "420000"
TODAY = dt.date(2026, 12, 2)
REF = upkeep.Reference(
    {HENAN: ("河南省", "Henan"), HUBEI: ("湖北省", "Hubei")},
    TODAY,
    {"410100": (HENAN, "郑州市", "Zhengzhou"), "420100": (HUBEI, "武汉市", "Wuhan")},
)
EVERYONE = upkeep.Uploader("cli:test", "operator", (HENAN, HUBEI), True)


def book(rows, *, lang="zh") -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(partners_template(REF.cities, REF.provinces, allowed=(HENAN, HUBEI), today=TODAY, lang=lang)))
    for r in rows:
        wb.worksheets[0].append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good(**kw):
    v = {
        "name_zh": "测试学院",
        "name_en": "",
        "kind": "vocational_college",
        "city": "郑州市 (410100)",
        "level": "core",
        "agreement": "practice_base",
        "signed": "2025-03-01",
        "expires": "",
        "value": "",
        "unit": "",
        "status": "active",
        "note": "",
    }
    v.update(kw)
    return [v[f] for f in PARTNER_FIELDS]


def read(rows, uploader=EVERYONE, lang="zh"):
    _, parsed, problems = upkeep_partners.read_partners(book(rows, lang=lang), ref=REF, uploader=uploader, labels=partner_labels())
    return parsed, problems


def codes_of(problems):
    return [(p.row, p.column, p.code) for p in problems]


@pytest.mark.parametrize(
    "name, code",
    [
        ("+86 测试", "name_formula"),
        ("-测试", "name_formula"),
        ("@测试", "name_formula"),
        ("测试<img src=x onerror=alert(1)>", "name_markup"),
        ("测试>", "name_markup"),
        ("学" * 201, "too_long"),
    ],
)
def test_names_that_could_run_as_a_formula_or_as_markup_are_refused(name, code):
    _, problems = read([good(name_zh=name)])
    assert codes_of(problems) == [(2, "name_zh", code)]


def test_an_english_name_is_held_to_the_same_rules():
    _, problems = read([good(name_en="<b>bold</b>")])
    assert codes_of(problems) == [(2, "name_en", "name_markup")]


def test_dates_read_from_date_cells_excel_serials_and_chinese_text():
    parsed, problems = read(
        [
            good(signed=dt.datetime(2024, 5, 6)),
            good(agreement="channel", signed=45000),
            good(agreement="joint_school", signed="2023年3月1日", expires="2028/2/29"),
        ]
    )
    assert problems == []
    assert [r.signed_on for r in parsed] == [dt.date(2024, 5, 6), dt.date(2023, 3, 15), dt.date(2023, 3, 1)]
    assert parsed[2].expires_on == dt.date(2028, 2, 29)


def test_dates_out_of_range_are_named_with_their_rule():
    _, problems = read(
        [
            good(signed="2025-02-30"),
            good(signed="2026-12-03"),
            good(signed="1989-12-31"),
            good(agreement="channel", expires="2025-02-28"),
            good(agreement="joint_school", expires="2055-03-02"),
            good(agreement="smart_campus", expires="soon"),
        ]
    )
    assert codes_of(problems) == [
        (2, "signed", "bad_date"),
        (3, "signed", "signed_out_of_range"),
        (4, "signed", "signed_out_of_range"),
        (5, "expires", "expires_out_of_range"),
        (6, "expires", "expires_out_of_range"),
        (7, "expires", "bad_date"),
    ]
    assert "2026-12-02" in problem_text(problems[1], "zh", "partners")


def test_values_take_their_unit_and_a_unit_mix_up_is_caught():
    parsed, problems = read(
        [good(value=300, unit="万元"), good(agreement="channel", value=1.5, unit="亿元"), good(agreement="joint_school", value=0)]
    )
    assert problems == [] and [r.value_fen for r in parsed] == [300_000_000, 15_000_000_000, 0]
    _, problems = read(
        [
            good(value=300),
            good(agreement="channel", value=200, unit="亿元"),
            good(agreement="joint_school", value=5, unit="美元"),
            good(agreement="smart_campus", value=-1, unit="元"),
        ]
    )
    assert codes_of(problems) == [
        (2, "unit", "value_unit_missing"),
        (3, "value", "value_too_big"),
        (4, "unit", "bad_money_unit"),
        (5, "value", "bad_value"),
    ]


def test_choices_read_as_codes_labels_in_either_language_or_label_with_code():
    parsed, problems = read(
        [
            good(kind="University", level="Strategic", agreement="Practice base", status="Active"),
            good(name_zh="乙", kind="企业", level="一般合作", agreement="渠道合作 (channel)", status="暂停合作"),
            good(name_zh="丙", kind="学校"),
        ],
        lang="en",
    )
    assert codes_of(problems) == [(4, "kind", "bad_choice")]
    assert [(r.kind, r.level, r.status) for r in parsed] == [("university", "strategic", "active"), ("enterprise", "general", "paused")]


def test_one_partners_rows_must_agree_and_an_agreement_may_appear_once():
    _, problems = read(
        [
            good(),
            good(agreement="channel", city="武汉市 (420100)"),
            good(),
            good(agreement="joint_school", name_en="Test College"),
            good(agreement="smart_campus", name_en=""),
        ]
    )
    assert codes_of(problems) == [(3, "city", "partner_mismatch"), (4, "agreement", "duplicate_agreement")]
    assert "第 2 行" in problem_text(problems[0], "zh", "partners")


def test_a_city_outside_the_uploaders_provinces_or_unknown_is_refused():
    henan = upkeep.Uploader("h@corp.cn", "analyst", (HENAN,), False)
    _, problems = read(
        [good(city="武汉市 (420100)"), good(agreement="channel", city="武汉"), good(agreement="joint_school", city="999999")],
        uploader=henan,
    )
    assert codes_of(problems) == [(2, "city", "city_not_allowed"), (3, "city", "bad_city"), (4, "city", "bad_city")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_templates_example_rows_read_back_as_valid_rows(lang):
    wb = openpyxl.load_workbook(io.BytesIO(partners_template(REF.cities, REF.provinces, allowed=(HENAN,), today=TODAY, lang=lang)))
    data, guide = wb.worksheets[0], wb.worksheets[1]
    assert [c.value for c in data[1]] == [pheader(f, lang) for f in PARTNER_FIELDS]
    assert data.data_validations.dataValidation, "drop-down lists"
    examples = [r for r in guide.iter_rows(min_row=6, max_row=7, values_only=True)]
    parsed, problems = read([list(r[: len(PARTNER_FIELDS)]) for r in examples], lang=lang)
    assert problems == [] and len(parsed) == 2 and parsed[0].value_fen == 300 * 10_000 * 100


def test_the_template_lists_only_the_uploaders_cities():
    wb = openpyxl.load_workbook(io.BytesIO(partners_template(REF.cities, REF.provinces, allowed=(HENAN,), today=TODAY, lang="zh")))
    listed = [c for col in wb.worksheets[2].iter_cols(values_only=True) for c in col if c]
    assert "郑州市 (410100)" in listed and not any("420100" in str(c) for c in listed)


def test_a_formula_cell_is_refused_not_evaluated():
    _, problems = read([good(name_zh='=HYPERLINK("http://x","点我")')])
    assert [p.code for p in problems] == ["formula"]


def test_changes_read_in_words_with_money_in_its_unit():
    before = {
        "name_en": "A",
        "kind": "enterprise",
        "city_code": "410100",
        "agreement_level": "core",
        "since": "2020-01-01",
        "status": "active",
    }
    after = dict(before, status="ended")
    changes = pd.DataFrame(
        [
            {
                "table_name": "partner",
                "row_key": "测试学院",
                "province_code": HENAN,
                "op": "end",
                "before": json.dumps(before),
                "after": json.dumps(after),
            },
            {
                "table_name": "agreement",
                "row_key": "测试学院|channel|2025-03-01",
                "province_code": HENAN,
                "op": "insert",
                "before": None,
                "after": json.dumps({"expires_on": None, "value_fen": 300_000_000}),
            },
        ]
    )
    frame = changes_frame(changes, REF.provinces, "zh", REF.cities)
    text = " ".join(map(str, frame.to_numpy().ravel()))
    assert "合作状态：合作中 → 已结束" in text and "300 万元" in text and "{" not in text
    plan = upkeep.Plan("partners", (upkeep.Change("partner", "测试学院", HENAN, "end", before, after, 2),))
    preview = plan_frame(plan, REF.provinces, "en", REF.cities)
    assert preview.iloc[0].tolist() == [2, "ended", "Partner", "测试学院", "", "Status: Active → Ended"]
