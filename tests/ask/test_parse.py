"""The parser's rules, one at a time (docs/ASK.md): periods relative to the data date, comparisons,
rankings, places that need asking, typos, and hostile text — which must come back as a clear "not
understood" (or a refusal), never as markup or a guess."""

from __future__ import annotations

import datetime as dt

import pytest

from components.ask.parse import MAX_CHARS, parse

AS_OF = dt.date(2026, 10, 31)
HENAN, HUBEI, HUNAN = "410000", "420000", "430000"


def p(text, vocab, as_of=AS_OF):
    return parse(text, vocab, as_of)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("今年报名", "2026"),
        ("去年报名", "2025"),
        ("前年报名", "2024"),
        ("上季度报名", "2026Q3"),
        ("这个季度报名", "2026Q4"),
        ("本月报名", "2026-10"),
        ("上个月报名", "2026-09"),
        ("近三个月报名", "2026-08~2026-10"),
        ("近半年报名", "2026-05~2026-10"),
        ("上半年报名", "2026-01~2026-06"),
        ("去年下半年报名", "2025-07~2025-12"),
        ("前三季度报名", "2026-01~2026-09"),
        ("1-9月报名", "2026-01~2026-09"),
        ("2025年第三季度报名", "2025Q3"),
        ("去年三季度报名", "2025Q3"),
        ("三月报名", "2026-03"),
        ("2024年12月报名", "2024-12"),
        ("enrolments last quarter", "2026Q3"),
        ("enrolments in Q2 2025", "2025Q2"),
        ("enrolments in March", "2026-03"),
        ("enrolments last 3 months", "2026-08~2026-10"),
        ("enrolments year to date", "2026"),
        ("enrolments first three quarters", "2026-01~2026-09"),
        ("报名", ""),
    ],
)
def test_periods_are_read_relative_to_the_data_date(text, period, ask_vocab):
    assert p(text, ask_vocab).period == period


def test_the_same_words_move_with_the_data_date(ask_vocab):
    assert p("上季度报名", ask_vocab, dt.date(2027, 2, 10)).period == "2026Q4"
    assert p("今年报名", ask_vocab, dt.date(2027, 2, 10)).period == "2027"


@pytest.mark.parametrize(
    ("text", "compare", "period"),
    [
        ("河南今年报名多少，比去年呢？", "yoy", "2026"),
        ("河南报名同比", "yoy", ""),
        ("河南去年同期报名", "yoy", ""),  # 去年同期 is the comparison, not the period
        ("河南报名环比", "prev", ""),
        ("二季度转化率比一季度", "prev", "2026Q2"),
        ("去年比前年的报名", "yoy", "2025"),
        ("Henan enrolments vs last year", "yoy", ""),
        ("Henan enrolments this quarter vs previous quarter", "prev", "2026Q4"),
    ],
)
def test_comparisons_are_not_periods(text, compare, period, ask_vocab):
    got = p(text, ask_vocab)
    assert (got.compare, got.period) == (compare, period)


@pytest.mark.parametrize(
    ("text", "breakdown", "rank", "n", "by"),
    [
        ("哪个大区线索增长最快", "region", "top", 1, "growth"),
        ("前5个省报名", "province", "top", 5, "value"),
        ("退费最多的三个省", "province", "top", 3, "value"),
        ("倒数五个城市的转化率", "city", "bottom", 5, "value"),
        ("转化最差的渠道", "channel", "bottom", 1, "value"),  # worse conversion: a lower rate
        ("退费最差的渠道", "channel", "top", 1, "value"),  # worse refunds: more of them
        ("线索下降最多的省", "province", "bottom", 1, "growth"),
        ("各省报名排个名", "province", "top", 0, "value"),
        ("各渠道报名", "channel", "", 0, "value"),
        ("湖北和河南哪个报名多", "province", "top", 1, "value"),
        ("top 5 provinces by leads growth", "province", "top", 5, "growth"),
        ("which channel converts best in Hubei", "channel", "top", 1, "value"),
    ],
)
def test_rankings_and_breakdowns(text, breakdown, rank, n, by, ask_vocab):
    got = p(text, ask_vocab)
    assert (got.breakdown, got.rank, got.rank_n, got.rank_by) == (breakdown, rank, n, by)


def test_a_member_named_with_its_dimension_word_is_a_filter_not_a_breakdown(ask_vocab):
    got = p("线上渠道的报名", ask_vocab)
    assert got.slices == (("channels", ("online",)),) and got.breakdown == ""
    assert p("人工智能方向的投入", ask_vocab).sectors == ("ai",)


def test_a_place_with_two_readings_is_asked_about_and_a_full_name_is_not(ask_vocab):
    got = p("长沙的线索", ask_vocab)
    assert got.ambiguous and got.ambiguous[0][0] == "长沙" and len(got.ambiguous[0][1]) == 2
    assert got.metrics == ("leads",)  # the rest is read; the answer asks which before any figure
    assert p("长沙市的线索", ask_vocab).cities == ("430100",)
    assert p("长沙县的线索", ask_vocab).cities == ("430121",)
    # A province's name is the province; the city of the same name needs its 市.
    assert p("吉林线索", ask_vocab).provinces == ("220000",)
    assert p("吉林市线索", ask_vocab).cities == ("220200",)


def test_phone_keyboard_homophones_are_corrected_and_said(ask_vocab):
    got = p("胡北报明多少", ask_vocab)
    assert got.provinces == (HUBEI,) and got.metrics == ("enrolled",)
    assert ("胡北", "湖北") in got.corrected
    # A homophone that shares no character with a word is not a typo of it: 天气 stays unknown.
    assert p("明天天气怎么样", ask_vocab).unknown == ("明天", "天气")


def test_english_misspellings_go_to_provinces_and_metrics_never_to_a_county(ask_vocab):
    got = p("Hubie refnds last month", ask_vocab)
    assert got.provinces == (HUBEI,) and got.metrics == ("refunded",)
    assert p("Hennan enrolments this year", ask_vocab).provinces == (HENAN,)
    base = p("how many practice base projects", ask_vocab)
    assert base.cities == () and base.slices == (("project_kinds", ("practice_base",)),)


def test_words_not_understood_are_shown_not_guessed(ask_vocab):
    got = p("河南的哈哈指标是多少", ask_vocab)
    assert got.provinces == (HENAN,) and "哈哈" in "".join(got.unknown)
    nothing = p("给我讲个笑话", ask_vocab)
    assert not nothing.understood and not nothing.metrics and nothing.unknown


def test_a_project_code_is_a_project_not_a_year(ask_vocab):
    code = next(name.split(" ")[0] for (kind, _), (name, _) in ask_vocab.names.items() if kind == "project")
    got = p(f"{code}付了多少", ask_vocab)
    assert got.projects and got.period == "" and got.metrics == ("disbursed_yuan",)


# --- hostile text -------------------------------------------------------------------------------------
HOSTILE = [
    "'; DROP TABLE learner; --",
    "河南' OR '1'='1",
    "[点我](https://evil.example) ![x](https://evil.example/x.png)",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "**河南** _报名_ `code` # 标题",
    "\x00\x1b[31m河南\u202e报名\u200b",
    "🙂🚀📈 河南 报名 🎉",
    ":material/home: :red[河南]",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_is_read_as_words_or_not_at_all(text, ask_vocab):
    got = p(text, ask_vocab)
    assert "<" not in "".join(got.metrics + got.provinces)  # codes only, never the text
    for word in got.unknown:
        assert "\x00" not in word and "\u202e" not in word and "\x1b" not in word
    if "河南" in text and "报名" in text:
        assert got.provinces == (HENAN,)  # the words around the markup are still read


def test_a_5000_character_question_is_refused_without_being_read(ask_vocab):
    got = p("河南报名" * 1250, ask_vocab)
    assert got.refused == "too_long" and not got.understood and len(got.text) == MAX_CHARS and got.length == 5000
    assert p("   ", ask_vocab).refused == "empty"


def test_chips_can_be_removed_one_by_one(ask_vocab):
    got = p("which channel converts best in Hubei this quarter", ask_vocab)
    chips = [c for c, _ in got.chips()]
    assert chips == ["metric:enrol_rate", f"province:{HUBEI}", "period:2026Q4", "breakdown:channel", "rank:top:1:value"]
    wider = got.without(f"province:{HUBEI}").without("breakdown:channel")
    assert wider.provinces == () and wider.breakdown == "" and wider.rank == "" and wider.metrics == ("enrol_rate",)
    headline = got.without("metric:enrol_rate")
    assert headline.metrics == () and headline.overview and headline.understood


@pytest.mark.parametrize(
    ("text", "breakdown", "target", "share"),
    [
        ("今年每个月的报名", "month", False, False),
        ("报名趋势", "month", False, False),
        ("河南各季度拨付", "quarter", False, False),
        ("monthly leads in Hubei", "month", False, False),
        ("今年报名完成目标了吗", "", True, False),
        ("are we on track for the enrolment target", "", True, False),
        ("线上报名占比", "", False, True),
        ("Henan's share of leads", "", False, True),
    ],
)
def test_time_breakdowns_targets_and_shares(text, breakdown, target, share, ask_vocab):
    got = p(text, ask_vocab)
    assert (got.breakdown, got.target, got.share) == (breakdown, target, share)


def test_a_count_before_a_dimension_word_is_read_whole(ask_vocab):
    got = p("退费最多的三个省", ask_vocab)
    assert (got.rank, got.rank_n, got.breakdown) == ("top", 3, "province") and got.unknown == ()
