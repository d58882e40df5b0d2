"""Answers are the pages' numbers (docs/ASK.md): each figure of an answer equals the metric registry's
(or the section query's) for the same filters, on SQLite, PostgreSQL and MariaDB; scope holds as on
every page; what cannot be answered says so and shows no figure."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from components import ask, metrics
from components.ask.vocab import normalise_term
from components.context import context_from_params, read_catalogue
from components.i18n import format_percent
from data_access import queries, reader
from data_access.scope import Scope

HENAN, HUBEI = "410000", "420000"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def world(request, seeded):
    """(engine, catalogue, reader, vocabulary of every province, places) on one dialect."""
    engine = seeded[request.param]
    with engine.connect() as conn:
        cat = read_catalogue(conn)
        places = queries.get_place_catalogue(conn)
    db = reader.direct(engine)
    vocab = ask.vocabulary(db, cat, places=places, synonyms=None, allowed=cat.provinces)
    return engine, cat, db, vocab, places


def answer(world, text, lang="zh", allowed=None, vocab=None):
    _, cat, db, everyone, _ = world
    return ask.ask(text, db=db, cat=cat, allowed=allowed or cat.provinces, vocab=vocab or everyone, lang=lang)


def registry(world, params, metric):
    """The registry's (value, previous) for URL-style params: what the page with that link shows."""
    _, cat, db, _, _ = world
    ctx, dropped = context_from_params(cat, params, cat.provinces)
    assert not dropped
    row = metrics.read(db, ctx, [metric]).set_index("metric").loc[metric]
    return float(row["value"]), float(row["previous"])


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_a_figure_with_its_comparison_is_the_registrys(world):
    a = answer(world, "河南今年报名多少，比去年呢？")
    assert a.answered and a.page == "" and a.params["province"] == [HENAN]
    row = a.rows.set_index("metric").loc["enrolled"]
    value, previous = registry(world, {"province": [HENAN], "period": [str(world[1].as_of.year)]}, "enrolled")
    assert same(row["value"], value) and same(row["previous"], previous)
    assert metrics.fmt("enrolled", value, "zh") in a.sentence


def test_a_cohort_rate_by_channel_is_the_registrys_for_each_channel(world):
    a = answer(world, "which channel converts best in Hubei this quarter", lang="en")
    assert a.answered and a.breakdown == "channel" and a.page == "funnels"
    quarter = f"{world[1].as_of.year}Q{(world[1].as_of.month - 1) // 3 + 1}"
    for r in a.rows.itertuples():
        value, _ = registry(world, {"province": [HUBEI], "period": [quarter], "channel": [r.member]}, "enrol_rate")
        assert same(r.value, value), r.member
    finite = a.rows.dropna(subset=["value"])
    assert finite.iloc[0]["value"] == finite["value"].max()  # the best first, and the sentence names it
    assert finite.iloc[0]["name"] in a.sentence


def test_the_fastest_growing_region_is_found_from_each_regions_figures(world):
    _, cat, *_ = world
    a = answer(world, "哪个大区线索增长最快")
    assert a.answered and a.breakdown == "region" and a.parse.rank_by == "growth"
    growth = {}
    for region, provinces in cat.regions.items():
        value, previous = registry(world, {"province": list(provinces)}, "leads")
        growth[region] = (value - previous) / previous if previous else float("nan")
    best = max((g, r) for r, g in growth.items() if not math.isnan(g))[1]
    assert a.rows.iloc[0]["member"] == best
    assert len(a.rows) == len([r for r in cat.regions if cat.regions[r]])  # the chart ranks them all


def test_a_partners_disbursement_is_the_investment_pages(world):
    engine, cat, _, vocab, _ = world
    scope = Scope(cat.provinces, dt.date(cat.as_of.year, 1, 1), cat.as_of + dt.timedelta(days=1))
    with engine.connect() as conn:
        by_partner = queries.get_investment_by(conn, scope=scope, grain="partner")
    paid = by_partner[by_partner["disbursed_yuan"] > 0].iloc[0]
    a = answer(world, f"{paid['partner_name_zh']}的项目付了多少")
    assert a.answered and a.page == "investment"
    assert same(a.rows.set_index("metric").loc["disbursed_yuan", "value"], float(paid["disbursed_yuan"]))


def test_a_citys_leads_are_the_city_funnels(world):
    engine, cat, _, _, places = world
    a = answer(world, "湖北各市线索")
    assert a.answered and a.breakdown == "city" and set(a.rows["metric"]) == {"cohort_leads"}
    assert any("本期线索" in n for n in a.notices)  # the city grain is the lead cohort: said
    scope = Scope((HUBEI,), dt.date(cat.as_of.year, 1, 1), cat.as_of + dt.timedelta(days=1))
    with engine.connect() as conn:
        cities = queries.get_funnel_by_city(conn, scope=scope, by=()).set_index("city_code")["leads"]
    assert {r.member: r.value for r in a.rows.itertuples()} == {k: float(v) for k, v in cities.items()}


def test_a_span_of_months_is_answered_over_exactly_those_months(world):
    engine, cat, *_ = world
    a = answer(world, "近三个月线上退费")
    assert a.answered
    last = cat.as_of
    start = dt.date(last.year, last.month, 1) - pd.DateOffset(months=2)
    scope = Scope(cat.provinces, start.date(), last + dt.timedelta(days=1), channels=("online",))
    with engine.connect() as conn:
        raw = queries.get_kpis(conn, scope=scope).set_index("metric").loc["refunded", "value"]
    assert same(a.rows.set_index("metric").loc["refunded", "value"], float(raw))
    assert a.notices  # the pages cannot filter these months: the link's period is said


def test_a_period_without_data_says_so_with_no_figure(world):
    a = answer(world, f"{world[1].as_of.year + 1}年报名")
    assert a.status == "no_data" and a.rows.empty


def test_a_henan_manager_asking_about_hubei_gets_no_hubei_figure(world):
    _, cat, db, _, places = world
    henan_vocab = ask.vocabulary(db, cat, places=places, synonyms=None, allowed=(HENAN,))
    a = answer(world, "湖北今年报名多少", allowed=(HENAN,), vocab=henan_vocab)
    assert a.status == "out_of_scope" and a.rows.empty and "湖北" in a.sentence
    both = answer(world, "湖北和河南哪个报名多", allowed=(HENAN,), vocab=henan_vocab)
    assert both.answered and list(both.rows["member"]) == [HENAN] and both.notices
    value, _ = registry(world, {"province": [HENAN]}, "enrolled")
    assert same(both.rows.iloc[0]["value"], value)
    # A city of Hubei is Hubei: no answer either.
    assert answer(world, "武汉的转化率", allowed=(HENAN,), vocab=henan_vocab).status == "out_of_scope"


def test_a_managers_vocabulary_holds_only_their_provinces_names(world):
    engine, cat, db, everyone, places = world
    henan_vocab = ask.vocabulary(db, cat, places=places, synonyms=None, allowed=(HENAN,))
    with engine.connect() as conn:
        names = queries.get_ask_names(conn, scope=Scope((HUBEI,), dt.date(1990, 1, 1), dt.date(2100, 1, 1)))
    hubei_partner = names[names["kind"] == "partner"].iloc[0]["name_zh"]
    assert any(e.kind == "partner" for e in everyone.terms[normalise_term(hubei_partner)])
    assert normalise_term(hubei_partner) not in henan_vocab.terms
    asked = answer(world, f"{hubei_partner}付了多少", allowed=(HENAN,), vocab=henan_vocab)
    # The name is not understood (shown as such); the figure, if any, is Henan's own.
    assert not asked.parse.partners and asked.parse.unknown
    assert not asked.answered or (set(asked.rows["metric"]) == {"disbursed_yuan"} and "河南" in asked.sentence)


def test_what_cannot_be_answered_says_where_to_look_and_shows_no_figure(world):
    a = answer(world, "各渠道的拨付")  # money has no channel
    assert a.status == "unsupported" and a.rows.empty and a.page == "investment"
    b = answer(world, "明天天气怎么样")
    assert b.status == "not_understood" and b.rows.empty and "明天" in b.sentence


def test_an_ambiguous_place_offers_each_reading(world):
    a = answer(world, "长沙的线索")
    assert a.status == "ambiguous" and a.rows.empty
    assert [code for code, _ in a.options] == ["430100", "430121"]
    assert all("湖南" in words for _, words in a.options)


def test_month_by_month_is_the_cards_monthly_count_against_the_same_month_a_year_before(world):
    engine, cat, *_ = world
    a = answer(world, "今年每个月的报名")
    assert a.answered and a.breakdown == "month"
    year = cat.as_of.year
    months = [f"{year}-{m:02d}" for m in range(1, cat.as_of.month + 1)]
    assert list(a.rows["member"]) == months  # in time order, every month of the period
    for r in a.rows.itertuples():
        y, m = (int(x) for x in r.member.split("-"))
        start, end = dt.date(y, m, 1), dt.date(y + (m == 12), m % 12 + 1, 1)
        value, _ = registry_scope(world, Scope(cat.provinces, start, min(end, cat.as_of + dt.timedelta(days=1))), "enrolled")
        before, _ = registry_scope(world, Scope(cat.provinces, dt.date(y - 1, m, 1), dt.date(y - 1 + (m == 12), m % 12 + 1, 1)), "enrolled")
        assert same(r.value, value) and same(r.previous, before), r.member


def registry_scope(world, scope, metric):
    engine = world[0]
    with engine.connect() as conn:
        row = queries.get_kpis(conn, scope=scope).set_index("metric").loc[metric]
    return float(row["value"]), float(row["previous"])


def test_a_target_question_says_the_target_and_how_much_of_it_is_reached(world):
    a = answer(world, "今年报名完成目标了吗")
    assert a.answered and a.parse.target
    _, cat, db, _, _ = world
    ctx, _ = context_from_params(cat, {}, cat.provinces)
    row = metrics.read(db, ctx, ["enrolled"]).set_index("metric").loc["enrolled"]
    assert metrics.fmt("enrolled", float(row["target"]), "zh") in a.sentence
    assert format_percent(float(row["value"]) / float(row["target"]), "zh") in a.sentence
    assert "没有设目标" in answer(world, "退费目标完成了多少").sentence  # refunds have no target: said, not invented


def test_a_share_is_the_part_over_the_whole_each_the_registrys(world):
    a = answer(world, "线上报名占比")
    part, _ = registry(world, {"channel": ["online"]}, "enrolled")
    whole, _ = registry(world, {}, "enrolled")
    assert a.answered and [same(v, x) for v, x in zip(a.rows["value"], (part, whole))] == [True, True]
    assert format_percent(part / whole, "zh") in a.sentence
    henan = answer(world, "online share of enrolments in Henan", lang="en")
    part, _ = registry(world, {"province": [HENAN], "channel": ["online"]}, "enrolled")
    whole, _ = registry(world, {"province": [HENAN]}, "enrolled")  # of Henan's, not the nation's
    assert format_percent(part / whole, "en") in henan.sentence
