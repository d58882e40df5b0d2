"""Sections on small literal frames (no database): frame preparation, takeaways, and the rules every
registered section must follow (titles in both languages, a takeaway)."""

from __future__ import annotations

import datetime as dt
import inspect
import math

import pandas as pd
import pytest

from components import metrics as registry
from components.context import Context
from components.filters import Filters
from components.i18n import catalogue, format_money, format_number, format_percent, plurals, t, tn
from components.sections import PACK_DEFAULT, SECTIONS, Section
from components.sections.coverage import CoverageBars, CoverageGaps, CoverageTiers, tier_summary, with_per_lead
from components.sections.funnels import Channels, FunnelCompare, Lag, Trend, compare_frame, enrol_rates
from components.sections.investment import Money, Risk, SpendFrames, SpendOverTime
from components.sections.overview import KpiFrames, Kpis, MoverFrames, Movers, movers_frame
from data_access import codes, queries
from data_access.reader import Reader
from data_access.scope import Scope

NAMES = {"410000": ("河南省", "Henan"), "420000": ("湖北省", "Hubei"), "430000": ("湖南省", "Hunan"), "110000": ("北京市", "Beijing")}


def ctx(provinces=("410000", "420000", "430000"), lang="zh", period="2026") -> Context:
    scope = Scope(tuple(provinces), dt.date(2026, 1, 1), dt.date(2026, 11, 1))
    return Context(scope=scope, filters=Filters(period=period, lang=lang), lang=lang, as_of=dt.date(2026, 10, 31), names=NAMES)


# --- every registered section -------------------------------------------------------------------


def registration_problems(section: Section) -> list[str]:
    """What is wrong with a section's registration (empty list: nothing)."""
    problems = []
    for attr in ("id", "page", "title_key", "takeaway_key", "empty_key"):
        if not getattr(section, attr, None):
            problems.append(f"no {attr}")
    for lang in ("zh", "en"):
        known = {*catalogue(lang), *plurals(lang)}  # a takeaway that counts is a plural entry
        for attr in ("title_key", "takeaway_key", "empty_key"):
            key = getattr(section, attr, None)
            if key and key not in known:
                problems.append(f"{attr} {key!r} has no {lang} text")
    if type(section).takeaway is Section.takeaway:
        problems.append("no takeaway")
    return problems


@pytest.mark.parametrize("key", list(SECTIONS))
def test_every_registered_section_has_titles_in_both_languages_and_a_takeaway(key):
    section = SECTIONS[key]
    assert section.key == key
    assert registration_problems(section) == []
    for lang in ("zh", "en"):
        title = section.title(ctx(lang=lang))
        assert title and title != section.title_key and "{" not in title


def test_the_registration_check_catches_a_section_without_an_english_title_or_a_takeaway():
    class NoEnglish(Movers):
        id = "no_english"
        title_key = "test.title_only_in_zh"

    class NoTakeaway(Section):  # abstract takeaway left out: cannot even be built
        id, page, title_key, takeaway_key, empty_key = "x", "overview", "brief.kpis", "brief.kpis_takeaway", "empty.scope"

    assert any("has no en text" in p for p in registration_problems(NoEnglish()))
    with pytest.raises(TypeError, match="takeaway"):
        NoTakeaway()  # type: ignore[abstract]


def test_pack_default_lists_registered_sections_in_registry_order():
    assert set(PACK_DEFAULT) <= set(SECTIONS)
    assert list(PACK_DEFAULT) == [k for k in SECTIONS if k in PACK_DEFAULT]


def test_the_reader_has_one_method_per_scoped_query_with_the_same_keywords():
    for fn in queries.SCOPED_QUERIES:
        method = getattr(Reader, fn.__name__)
        want = [p for p in inspect.signature(fn).parameters if p != "conn"]
        got = [p for p in inspect.signature(method).parameters if p != "self"]
        assert got == want, fn.__name__


def test_a_variant_keeps_its_class_and_refuses_an_unknown_option():
    assert SECTIONS["movers"].variant("enrolled").key == "movers_enrolled"
    assert SECTIONS["lag"].variant("certified").key == "lag_certified"
    with pytest.raises(ValueError, match="option"):
        SECTIONS["trend"].variant("nonsense")


# --- overview ------------------------------------------------------------------------------------


def kpi_frame(**values) -> pd.DataFrame:
    """A registry frame (components.metrics.read's shape) of the get_kpis metrics and the rates made of them."""
    from data_access.queries.kpi import METRICS

    base = {m: values.get(m, (0.0, 0.0, float("nan"))) for m in METRICS}
    return registry.frame_of(base, [*METRICS, "execution", "refund_rate"])


def test_execution_is_disbursed_over_planned_now_and_in_the_comparison_period():
    k = kpi_frame(planned_yuan=(200.0, 100.0, float("nan")), disbursed_yuan=(50.0, 80.0, float("nan")))
    row = k.set_index("metric").loc["execution"]
    assert row["value"] == 0.25 and row["previous"] == 0.8
    no_plan = kpi_frame().set_index("metric").loc["execution"]
    assert no_plan["value"] != no_plan["value"]  # NaN, not 0 %: there is no plan to execute


def test_kpi_cards_and_the_pack_table_show_the_same_strings():
    kpis = kpi_frame(
        partners=(120.0, 100.0, 150.0),
        leads=(900.0, 1000.0, 1200.0),
        planned_yuan=(2e6, 1e6, float("nan")),
        disbursed_yuan=(5e5, 4e5, float("nan")),
    )
    monthly = pd.DataFrame(
        {"year": [2026, 2026], "month": [1, 2], "stage": ["lead", "lead"], "province": ["410000"] * 2, "events": [400, 500]}
    )
    view = Kpis().view_of(KpiFrames(kpis, monthly), ctx())
    cards = {c.label: c for _, group in view.prepared.groups for c in group}
    table = view.table.set_index(t("brief.col_metric", "zh"))
    for metric in ("partners", "leads", "planned_yuan", "execution"):
        label = t(f"metric.{metric}", "zh")
        assert table.loc[label, t("brief.col_value", "zh")] == cards[label].value
    assert cards[t("metric.execution", "zh")].value == format_percent(0.25, "zh")
    assert cards[t("metric.leads", "zh")].chart == [400.0, 500.0]
    assert format_number(120, "zh") in view.takeaway and format_percent(0.75, "zh", digits=0) in view.takeaway


def events(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["year", "month", "stage", "province", "events"])


def test_movers_are_the_biggest_changes_either_way_and_drop_the_unchanged():
    now = events(
        [
            (2026, 1, "lead", "410000", 50),
            (2026, 1, "lead", "420000", 10),
            (2026, 1, "lead", "430000", 7),
            (2026, 1, "enrolled", "410000", 99),
        ]
    )
    before = events([(2025, 1, "lead", "410000", 20), (2025, 1, "lead", "420000", 40), (2025, 1, "lead", "430000", 7)])
    d = movers_frame(now, before, key="province", stage="lead", labels={"410000": "河南"})
    assert list(d.index) == ["410000", "420000"]  # +30 and -30; Hunan did not move
    assert list(d["change"]) == [30, -30] and d.loc["410000", "label"] == "河南" and d.loc["420000", "label"] == "420000"


def test_movers_go_by_channel_below_three_provinces():
    c = ctx(provinces=("410000",))
    rows = [(2026, 1, "lead", "online", 30), (2026, 1, "lead", "campus", 5)]
    now = pd.DataFrame(rows, columns=["year", "month", "stage", "channel", "events"])
    before = now.assign(events=[10, 5])
    view = Movers().view_of(MoverFrames("channel", now, before), c)
    assert Movers.grain(c) == "channel" and view.title == "各渠道新增线索变化（较去年同期）"
    assert list(view.prepared["label"]) == [t("channel.online", "zh")]
    assert "+20" in view.takeaway


# --- coverage ------------------------------------------------------------------------------------


def provinces_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "province_code": ["410000", "420000", "430000", "110000"],
            "name_zh": ["河南省", "湖北省", "湖南省", "北京市"],
            "name_en": ["Henan", "Hubei", "Hunan", "Beijing"],
            "lon": [0.0] * 4,
            "lat": [0.0] * 4,
            "partners": [10, 2, 0, 5],
            "leads": [1000, 4000, 0, 500],
        }
    )


def test_per_lead_is_partners_per_ten_thousand_leads_and_missing_without_leads():
    d = with_per_lead(provinces_frame()).set_index("province_code")["per_10k_leads"]
    assert d["410000"] == 100.0 and d["420000"] == 5.0 and d["430000"] != d["430000"]


def test_the_per_lead_takeaway_names_a_province_with_many_leads_and_few_partners():
    view = CoverageBars().view_of(provinces_frame(), ctx(provinces=tuple(NAMES)))
    # Of the provinces with at least the median leads (Henan 1,000, Hubei 4,000), Hubei has fewer per lead.
    assert view.takeaway.startswith("湖北省") and format_number(4000, "zh") in view.takeaway


def cities_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"tier": ["capital", "prefecture", "county", "county", "county"], "partners": [3, 0, 0, 1, 0], "leads": [100, 50, 30, 10, 0]}
    )


def test_tier_summary_counts_places_with_leads_but_no_partner():
    s = tier_summary(cities_frame()).set_index("tier")
    assert s.loc["county", "with_leads"] == 2 and s.loc["county", "gap_places"] == 1
    assert s.loc["county", "gap_share"] == 30 / 40 and s.loc["capital", "gap_share"] == 0
    view = CoverageTiers().view_of(cities_frame(), ctx())
    assert format_percent(80 / 190, "zh") in view.takeaway and format_percent(0.75, "zh") in view.takeaway


def test_gap_list_slide_holds_the_first_rows_and_the_page_all():
    gaps = pd.DataFrame(
        {
            "name_zh": [f"县{i}" for i in range(40)],
            "name_en": [f"C{i}" for i in range(40)],
            "province_name_zh": ["河南省"] * 40,
            "province_name_en": ["Henan"] * 40,
            "tier": ["county"] * 40,
            "leads": list(range(400, 0, -10)),
            "lon": [0.0] * 40,
            "lat": [0.0] * 40,
        }
    )
    from components.sections.coverage import GapFrames

    view = CoverageGaps().view_of(GapFrames(gaps), ctx())
    assert len(view.prepared) == 40 and len(view.table) == CoverageGaps.SLIDE_ROWS
    assert "县0" in view.takeaway and "lon" not in view.data.columns


# --- investment ----------------------------------------------------------------------------------


def test_the_spend_takeaway_quotes_the_same_plan_and_rate_as_the_cards():
    kpis = kpi_frame(planned_yuan=(1_200_000.0, 0.0, float("nan")), disbursed_yuan=(300_000.0, 0.0, float("nan")))
    plan = pd.DataFrame({"year": [2026], "planned_yuan": [1_200_000.0]})
    paid = pd.DataFrame({"year": [2026, 2026], "month": [3, 9], "disbursed_yuan": [100_000.0, 200_000.0]})
    view = SpendOverTime().view_of(SpendFrames(kpis, plan, paid), ctx())
    money = Money.of(kpis)
    assert money.execution == 0.25
    assert format_money(1_200_000, "zh") in view.takeaway and money.rate("zh") in view.takeaway
    # The chart spreads the annual plan by month: ten months of 2026 → 1,000,000 planned by October.
    assert view.prepared.months["planned"].iloc[-1] == 1_000_000 and format_money(1_000_000, "zh") in view.takeaway


def test_risk_table_lists_only_projects_at_risk_biggest_plan_first():
    projects = pd.DataFrame(
        {
            "project_id": [1, 2, 3],
            "partner_id": [9, 9, 9],
            "code": ["P1", "P2", "P3"],
            "name_zh": ["甲", "乙", "丙"],
            "name_en": ["A", "B", "C"],
            "planned_yuan": [10.0, 30.0, 20.0],
            "disbursed_yuan": [1.0, 2.0, 3.0],
            "at_risk": [True, False, True],
            "ahead_of_plan": [False, False, True],
            "overdue_milestones": [2, 0, 0],
        }
    )
    from components.sections.investment import RiskFrames

    view = Risk().view_of(RiskFrames(projects), ctx(lang="en"))
    assert list(view.table.iloc[:, 0]) == ["P3", "P1"]
    assert view.takeaway.startswith("2 of 3")


# --- funnels -------------------------------------------------------------------------------------


def funnel(counts: dict[str, list[int]], dim: str = "channel") -> pd.DataFrame:
    rows = [(stage, value, n) for value, ns in counts.items() for stage, n in zip(codes.STAGES, ns)]
    return pd.DataFrame(rows, columns=["stage", dim, "learners"])


def test_enrolment_rates_leave_out_values_with_too_few_leads():
    df = funnel({"online": [100, 50, 30, 10, 8, 5, 2], "campus": [20, 10, 8, 8, 6, 4, 1]})
    assert enrol_rates(df, "channel") == {"online": 0.1}
    assert enrol_rates(df, "channel", min_leads=1)["campus"] == 0.4
    view = Channels().view_of(df, ctx(lang="en"))
    assert not view.empty and "10.0%" in view.takeaway
    assert "only channel" in view.takeaway  # one channel with enough leads: no "best and worst" of one


def test_comparison_rows_hold_counts_changes_and_step_conversion():
    now = funnel({"online": [200, 100, 50, 40, 30, 20, 10]})
    before = funnel({"online": [100, 60, 40, 20, 10, 5, 0]})
    rows = compare_frame(now, before).set_index("stage")
    assert rows.loc["lead", "change"] == 1.0 and rows.loc["enrolled", "conv_now"] == 40 / 50
    assert rows.loc["employed", "change"] != rows.loc["employed", "change"]  # NaN: nothing to compare with


def test_the_comparison_takeaway_uses_lead_to_enrolment_as_every_other_view():
    from components.sections.funnels import CompareFrames

    c = ctx(lang="en")
    now = funnel({"online": [200, 100, 50, 40, 30, 20, 10]})
    before = funnel({"online": [100, 60, 40, 20, 10, 5, 0]})
    view = FunnelCompare().view_of(CompareFrames(now, before, c.scope.year_earlier()), c)
    assert format_percent(40 / 200, "en") in view.takeaway  # not the trial-class → enrolled step (80 %)
    assert "+100.0%" in view.takeaway


def test_trend_takeaway_names_the_busiest_and_the_latest_month():
    df = pd.DataFrame(
        {
            "year": [2026] * 4,
            "month": [1, 2, 2, 3],
            "stage": ["lead"] * 4,
            "channel": ["online", "online", "campus", "online"],
            "events": [5, 9, 4, 7],
        }
    )
    view = Trend().view_of(df, ctx(lang="en"))
    assert "13" in view.takeaway and "7" in view.takeaway
    assert Trend("certified").view_of(df, ctx()).empty


def test_lag_takeaway_is_the_mean_days_and_the_share_within_thirty():
    df = pd.DataFrame(
        {
            "channel": ["online", "online"],
            "stage": ["enrolled", "enrolled"],
            "bucket": ["0-30", "31-90"],
            "learners": [3, 1],
            "total_days": [30, 60],
        }
    )
    view = Lag().view_of(df, ctx(lang="en"))
    assert "23 days" in view.takeaway and format_percent(0.75, "en") in view.takeaway
    assert Lag("certified").view_of(df, ctx()).empty
    # the stage inside English sentences is lower-case; one day on average is "1 day"
    assert view.title == "Days from lead to enrolled" and view.takeaway.startswith("From lead to enrolled: 23 days")
    one_day = Lag().view_of(df.assign(total_days=[3, 1]), ctx(lang="en"))
    assert one_day.takeaway.startswith("From lead to enrolled: 1 day on average;")


def test_deltas_are_honest_no_comparison_without_a_year_before_and_no_change_is_grey():
    from components.kpi import card_from

    k = kpi_frame(partners=(120.0, 0.0, float("nan")), leads=(500.0, 500.0, float("nan")), enrolled=(60.0, 50.0, float("nan")))
    first_year = card_from(k, "partners", lang="en")
    assert first_year.delta is None and first_year.delta_color == "off"  # not "+120" against nothing
    flat = card_from(k, "leads", lang="en")
    assert flat.delta_color == "off"
    rise = card_from(k, "enrolled", lang="en")
    assert rise.delta == "+10 (+20.0%)" and rise.delta_color == "normal"
    k = kpi_frame(refunded=(60.0, 50.0, float("nan")))
    assert card_from(k, "refunded", lang="en").delta_color == "inverse"  # the registry: up is bad for refunds


def test_tier_shares_fill_every_tier_and_sum_to_one_per_year():
    from components.sections.coverage import TierShares, tier_shares

    df = pd.DataFrame(
        {
            "year": [2024, 2024, 2025, 2025, 2025],
            "tier": ["capital", "county", "capital", "prefecture", "county"],
            "leads": [60, 40, 30, 20, 50],
        }
    )
    s = tier_shares(df)
    assert len(s) == 6 and s.groupby("year")["share"].sum().tolist() == [1.0, 1.0]
    assert s.set_index(["year", "tier"]).loc[(2024, "prefecture"), "leads"] == 0
    view = TierShares().view_of(df, ctx(lang="en"))
    assert "40.0%" in view.takeaway and "50.0%" in view.takeaway and "+10.0 pp" in view.takeaway


def test_new_partners_count_the_period_by_end_against_last_year():
    from components.sections.coverage import NewPartnerFrames, NewPartners

    now = pd.DataFrame({"end": ["S", "S", "B"], "kind": ["university", "vocational_college", "enterprise"], "partners": [3, 2, 4]})
    before = pd.DataFrame({"end": ["S"], "kind": ["university"], "partners": [6]})
    view = NewPartners().view_of(NewPartnerFrames(now, before), ctx(lang="en"))
    assert view.prepared.total == 9 and view.prepared.by_end == {"S": 5, "B": 4, "G": 0}
    assert view.takeaway.startswith("9 new partners signed (+3 vs same period last year)")
    assert NewPartners().view_of(NewPartnerFrames(now.iloc[0:0], before), ctx()).empty


def test_a_project_over_its_whole_life_gets_a_verdict_that_names_every_reason():
    from components.sections.investment import project_life

    row = pd.Series(
        {
            "committed_yuan": 1000.0,
            "planned_yuan": 800.0,
            "disbursed_to_date_yuan": 420.0,
            "planned_to_date_yuan": 400.0,
            "status": "suspended",
            "ahead_of_plan": False,
        }
    )
    ms = pd.DataFrame(
        {"due_on": [dt.date(2026, 1, 1), dt.date(2026, 6, 1), dt.date(2027, 1, 1)], "done_on": [dt.date(2026, 1, 5), None, None]}
    )
    life = project_life(row, ms, as_of=dt.date(2026, 10, 31), lang="en")
    assert not life.on_track and "suspended" in life.verdict and "1" in life.verdict  # one milestone overdue
    assert life.cards[2].target_line == "42.0% of committed · 105.0% of plan to date"
    active = pd.concat([row.drop("status"), pd.Series({"status": "active"})])
    ok = project_life(active, ms.iloc[[0, 2]], as_of=dt.date(2026, 10, 31), lang="en")
    assert ok.on_track and "105.0%" in ok.verdict


def test_risk_text_gives_every_reason():
    from components.sections.investment import risk_text

    assert risk_text(True, 2, "en") == f"{t('investment.risk_ahead', 'en')}; {tn('investment.risk_overdue', 2, 'en')}"
    assert risk_text(False, 1, "en") == "1 milestone overdue" and risk_text(False, 3, "en") == "3 milestones overdue"
    assert risk_text(False, 0, "zh") == ""


def test_refunds_by_channel_are_refunds_over_enrolments_of_the_period_per_channel():
    from components.sections.funnels import RefundFrames, RefundsByChannel, refunds_by_channel

    def ev(rows):
        return pd.DataFrame(rows, columns=["year", "month", "stage", "channel", "events"])

    now = ev([(2026, 1, "enrolled", "online", 40), (2026, 2, "enrolled", "online", 60), (2026, 2, "refunded", "online", 12)])
    now = pd.concat([now, ev([(2026, 1, "enrolled", "campus", 50), (2026, 1, "refunded", "campus", 1)])])
    before = ev([(2025, 1, "enrolled", "online", 80), (2025, 1, "refunded", "online", 4), (2025, 3, "enrolled", "branch", 10)])
    d = refunds_by_channel(now, before, {"online": "线上"}).set_index("channel")
    assert list(d.index) == ["online", "campus", "branch"]  # highest rate first; a channel enrolling only before comes last
    assert d.loc["online", "rate_now"] == pytest.approx(0.12) and d.loc["online", "rate_before"] == pytest.approx(0.05)
    assert d.loc["online", "change"] == pytest.approx(0.07) and d.loc["online", "label"] == "线上"
    assert math.isnan(d.loc["branch", "rate_now"])  # nobody enrolled this period: no rate, not 0 %
    view = RefundsByChannel().view_of(RefundFrames(now, before), ctx())
    assert view.takeaway.startswith("全渠道期内退费率 8.7%")  # (12 + 1) ÷ (100 + 50): the registry's refund_rate
    assert "线上：12.0%" in view.takeaway and "+7.0 个百分点" in view.takeaway


# --- a project's verdict sees underspend (issue 23) ---------------------------------------------


def life_row(*, paid: float, plan: float, end_on: dt.date | None, status: str = "completed") -> pd.Series:
    """One project of get_investment_by_project over all years (the drill-down's row)."""
    return pd.Series(
        {
            "committed_yuan": plan,
            "planned_yuan": plan,
            "disbursed_to_date_yuan": paid,
            "planned_to_date_yuan": plan,
            "status": status,
            "ahead_of_plan": False,
            "end_on": end_on,
        }
    )


def test_an_ended_project_that_paid_clearly_less_than_its_plan_says_so_with_the_figures():
    from components.sections.investment import project_life

    # Hankou University's digital-economy college of the demo: ended 2024, 8,715,791 of 12,500,000 paid.
    row = life_row(paid=8_715_791.0, plan=12_500_000.0, end_on=dt.date(2024, 12, 31))
    overdue = pd.DataFrame({"due_on": [dt.date(2024, 12, 31)], "done_on": [None]})
    life = project_life(row, overdue, as_of=dt.date(2026, 10, 31), lang="zh")
    assert not life.on_track
    assert life.verdict == "需要关注：已结束，累计拨付为计划的 69.7%（872 万元 / 1,250 万元）；里程碑逾期 1 项。"
    en = project_life(row, overdue.iloc[0:0], as_of=dt.date(2026, 10, 31), lang="en")
    assert en.verdict == "Needs attention: ended having paid 69.7% of its plan (¥8.72M of ¥12.5M)."


def test_the_underspend_rule_holds_below_85_percent_for_ended_and_ending_projects_only():
    from components.sections.investment import ENDING_WITHIN_DAYS, UNDERSPEND_BELOW, project_life

    as_of, none = dt.date(2026, 10, 31), pd.DataFrame({"due_on": [], "done_on": []})
    assert (UNDERSPEND_BELOW, ENDING_WITHIN_DAYS) == (0.85, 90)
    ended = dt.date(2025, 12, 31)
    assert project_life(life_row(paid=850.0, plan=1000.0, end_on=ended), none, as_of=as_of, lang="en").on_track  # at the bar: fine
    assert not project_life(life_row(paid=849.0, plan=1000.0, end_on=ended), none, as_of=as_of, lang="en").on_track
    # Ending within 90 days: said with its date and "of the plan to date".
    ending = project_life(
        life_row(paid=600.0, plan=1000.0, end_on=as_of + dt.timedelta(days=60), status="active"), none, as_of=as_of, lang="en"
    )
    assert ending.verdict == "Needs attention: ends on 30 Dec 2026 having paid only 60.0% of the plan to date (¥600 of ¥1K)."
    zh = project_life(life_row(paid=600.0, plan=1000.0, end_on=as_of, status="active"), none, as_of=as_of, lang="zh")
    assert "将于 2026年10月31日 结束" in zh.verdict  # its last day is today: ending, not ended
    # Ending later, or without an end date or a plan to date: the running rules only.
    later = life_row(paid=600.0, plan=1000.0, end_on=as_of + dt.timedelta(days=ENDING_WITHIN_DAYS + 1), status="active")
    assert project_life(later, none, as_of=as_of, lang="en").on_track
    assert project_life(life_row(paid=0.0, plan=0.0, end_on=ended), none, as_of=as_of, lang="en").on_track
    assert project_life(life_row(paid=600.0, plan=1000.0, end_on=None), none, as_of=as_of, lang="en").on_track


# --- agreements coming due (issue 23) -----------------------------------------------------------


def due_frame(rows: list[tuple]) -> pd.DataFrame:
    """A get_agreements_by_expiry frame: (partner zh, partner en, kind, province, expires_on, value_yuan, enrolled_12m)."""
    cols = [
        "agreement_id", "kind", "signed_on", "expires_on", "days_left", "value_yuan", "partner_id", "partner_name_zh",
        "partner_name_en", "partner_kind", "end", "agreement_level", "province_code", "province_name_zh", "province_name_en",
        "city_name_zh", "city_name_en", "tier", "leads_12m", "enrolled_12m",
    ]  # fmt: skip
    names = {"410000": ("河南省", "Henan"), "420000": ("湖北省", "Hubei")}
    out = [
        (i + 1, kind, dt.date(2022, 1, 1), expires, (expires - dt.date(2026, 10, 31)).days, value, i + 1, zh, en, "university", "S",
         "core", province, *names[province], "武汉市", "Wuhan", "capital", enrolled * 3, enrolled)
        for i, (zh, en, kind, province, expires, value, enrolled) in enumerate(rows)
    ]  # fmt: skip
    return pd.DataFrame(out, columns=cols)


DUE = [
    ("汉口学院", "Hankou University", "industry_college", "420000", dt.date(2027, 1, 15), 5_900_000.0, 35),
    ("河南大学", "Henan University", "practice_base", "410000", dt.date(2026, 12, 1), 1_200_000.0, 0),
    ("武汉职业学院", "Wuhan Vocational College", "channel", "420000", dt.date(2027, 3, 1), 0.0, 4),
]


def test_agreements_due_say_how_many_what_they_are_worth_the_largest_and_the_idle_ones():
    from components.sections.agreements import AgreementsDue

    view = AgreementsDue().view_of(due_frame(DUE), ctx())
    assert view.takeaway == (
        "未来 6 个月（至 2027年4月30日）有 3 份协议到期，金额 710 万元；金额最大的是汉口学院（共建产业学院，590 万元，2027年1月15日到期）；"
        "其中 1 份的合作单位近 12 个月没有带来报名。"
    )
    assert view.prepared.values == {"agreements_due": 3.0, "agreements_due_value": 7_100_000.0, "agreements_due_idle": 1.0}
    assert view.prepared.values == registry.agreement_values(due_frame(DUE))  # the registry's own reading
    assert list(view.table.iloc[:, 0]) == ["汉口学院", "河南大学", "武汉职业学院"]  # the query's order: biggest value first
    assert list(view.table.iloc[:, 4]) == ["590 万元", "120 万元", "0 元"] and list(view.table.iloc[:, 6]) == ["35", "0", "4"]
    assert view.metrics == registry.AGREEMENT_METRICS and "partner" not in view.data.columns
    en = AgreementsDue().variant("12").view_of(due_frame(DUE), ctx(lang="en"))
    assert en.title == "Agreements expiring in the next 12 months"
    assert en.takeaway.startswith(
        "3 agreements expire in the next 12 months (by 31 Oct 2027), worth ¥7.1M; the largest is Hankou University"
    )


def test_one_agreement_a_framework_only_list_and_every_partner_idle_read_as_sentences_of_their_own():
    from components.sections.agreements import AgreementsDue

    one = AgreementsDue().view_of(due_frame(DUE[1:2]), ctx(lang="en"))
    assert one.takeaway == (
        "1 agreement expires in the next 6 months (by 30 Apr 2027), worth ¥1.2M; its partner brought no enrolment in the last 12 months."
    )
    framework = AgreementsDue().view_of(due_frame([DUE[2], DUE[2]]), ctx())
    assert framework.takeaway == "未来 6 个月（至 2027年4月30日）有 2 份协议到期，均为框架协议（无合同金额）。"
    idle = [(*row[:6], 0) for row in DUE]
    assert AgreementsDue().view_of(due_frame(idle), ctx()).takeaway.endswith("；这些合作单位近 12 个月都没有带来报名。")
    empty = AgreementsDue().variant("3").view_of(due_frame([]), ctx())
    assert empty.empty and empty.takeaway == "未来 3 个月（至 2027年1月31日）没有未续签的协议到期。"


def test_the_agreement_window_counts_calendar_months_from_the_period_s_last_day():
    scope = Scope(("420000",), dt.date(2026, 1, 1), dt.date(2026, 11, 1))  # data to 31 October
    assert registry.due_within_days(scope) == (dt.date(2027, 4, 30) - dt.date(2026, 10, 31)).days
    assert registry.due_within_days(scope, 12) == 365
    assert registry.due_within_days(Scope(("420000",), dt.date(2025, 1, 1), dt.date(2026, 1, 1)), 3) == 90  # to 31 March
