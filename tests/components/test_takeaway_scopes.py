"""Takeaways at every scope: every registered section, in every variant, read through the real
query layer from the seeded SQLite test database (a direct Reader, no mocks), for a national scope,
one partner end, one region group, one province (alone, with one city tier, with one channel) and
empty scopes, in Chinese and English. A takeaway (or the sentence of an empty view) must read well
at each: no "1 个省级行政区中 1 个", no "前 1 个", no clause counting zero ("0 个省份还没有…"), no
capped count ("300+"), no "1 provinces".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from components.context import Catalogue, Context, context_from_params, read_catalogue
from components.i18n import format_number
from components.sections import SECTIONS, Section, View, build_views
from components.sections.coverage import CoverageGaps
from data_access import codes, reader

ONE_PROVINCE = "410000"  # Henan: partners, leads and projects in the seeded data
REGION = codes.REGIONS[0]  # one region group: its provinces come from the catalogue
SCOPES: dict[str, dict[str, list[str]]] = {
    "national": {},
    "one_end": {"end": ["B"]},  # enterprise partners only: more gaps than the 300 the page once stopped at
    "one_region": {"region": [REGION]},
    "one_province": {"province": [ONE_PROVINCE]},
    "one_province_one_tier": {"province": [ONE_PROVINCE], "tier": ["capital"]},  # no county in scope
    "one_province_one_channel": {"province": [ONE_PROVINCE], "channel": ["online"]},
    "no_partner_end": {"end": [""]},  # a slice that selects nothing: no partner, leads all the same
    "nothing_selected": {},  # no province at all (see context_of)
    "period_without_data": {},  # a year before the data begins (see context_of)
}
LANGS = ("zh", "en")

# The nouns the English takeaways count ("1 partners", "1 new leads", "1 government bodies").
NOUNS = "partners|provinces|projects|leads|cities|counties|places|schools|enterprises|bodies|days|milestones|learners|months"
AWKWARD: dict[str, dict[str, str]] = {
    "zh": {
        "1 个…中 1 个": r"(?<![\d.,])1 个[^，。；]*中 1 个",
        "前 1 个": r"前 1 个",
        "a clause counting zero": r"(?<![\d.,])0 [个家项条]",
        "a capped count": r"\d+\+",
    },
    "en": {
        "1 of 1": r"(?<![\d.,])1 of 1(?![\d.,])",
        "a plural after 1": rf"(?<![\d.,])1 (?:[a-z]+ )?(?:{NOUNS})\b",
        "the top 1": r"\btop 1\b",
        "a clause counting zero": rf"(?<![\d.,+\-])0 (?:[a-z]+ )?(?:{NOUNS}|spending|with)\b",
        "a capped count": r"\d+\+",
    },
}


def awkward(text: str, lang: str) -> list[str]:
    """What reads badly in a takeaway ([] when nothing does)."""
    found = [name for name, pattern in AWKWARD[lang].items() if re.search(pattern, text)]
    if "{" in text or re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", text):
        found.append("an unformatted or missing catalogue text")
    return found


@pytest.fixture(scope="module")
def db(seeded) -> reader.Reader:
    """One direct Reader for the module: both languages of a scope read the same frames."""
    return reader.direct(seeded["sqlite"])


@pytest.fixture(scope="module")
def catalogue(seeded) -> Catalogue:
    with seeded["sqlite"].connect() as conn:
        return read_catalogue(conn)


def context_of(cat: Catalogue, scope: str, lang: str) -> Context:
    """The Context of a named scope, built as the commands build it (URL-style parameters)."""
    ctx, dropped = context_from_params(cat, {**SCOPES[scope], "lang": [lang]}, cat.provinces)
    assert dropped == []
    if scope == "nothing_selected":
        return dataclasses.replace(ctx, scope=ctx.scope.with_provinces(()))
    if scope == "period_without_data":
        return dataclasses.replace(ctx, scope=ctx.scope.with_period(dt.date(2001, 1, 1), dt.date(2002, 1, 1)))
    return ctx


def every_variant() -> list[Section]:
    """The registry's sections and the variants a page's widget picks without an id of their own
    (the map per 10,000 leads, the bars by partners)."""
    out: list[Section] = []
    seen: set[tuple[type, str]] = set()
    for section in SECTIONS.values():
        for option in section.options:
            if (type(section), option) not in seen:
                seen.add((type(section), option))
                out.append(section.variant(option))
    return out


def views_of(db: reader.Reader, ctx: Context) -> list[tuple[str, View]]:
    """(name, view) of every registered section (build_views) and of every other variant (Section.view)."""
    views = [(v.id, v) for v in build_views(db, ctx, list(SECTIONS))]
    registered = {(type(s), s.option) for s in SECTIONS.values()}
    views += [(f"{s.key}:{s.option}", s.view(db, ctx)) for s in every_variant() if (type(s), s.option) not in registered]
    return views


def test_the_check_catches_the_sentences_that_read_badly():
    assert awkward("1 个省级行政区中 1 个有合作伙伴；最多的是河南省（40 家）。", "zh") == ["1 个…中 1 个"]
    assert set(awkward("前 1 个省份合计占合作单位的 100.0%；0 个省份还没有合作伙伴。", "zh")) == {"前 1 个", "a clause counting zero"}
    assert awkward("300+ 个城市/县有线索而无合作伙伴。", "zh") == ["a capped count"]
    assert awkward("16 个项目中 6 个有风险：拨付超前 0 个，里程碑逾期 6 个。", "zh") == ["a clause counting zero"]
    assert awkward("1 of 1 provinces have partners; most in Henan (40).", "en") == ["1 of 1", "a plural after 1"]
    assert set(awkward("The top 1 provinces hold 100.0% of all partners; 0 provinces have none yet.", "en")) == {
        "a plural after 1",
        "the top 1",
        "a clause counting zero",
    }
    assert awkward("3 new partners signed (+1): 2 schools, 0 enterprises, 1 government bodies.", "en") == [
        "a plural after 1",
        "a clause counting zero",
    ]
    # Counts that end in 1 or 0, decimals and signed changes are fine.
    fine = [
        "34 个省级行政区中 31 个有合作伙伴；10 个项目",
        "Partners in 21 of 31 provinces; 0.1 partners per lead, +1 vs last year; 10 leads",
    ]
    assert awkward(fine[0], "zh") == [] and awkward(fine[1], "en") == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scope", SCOPES)
def test_takeaways_read_well_at_every_scope(db, catalogue, scope, lang):
    ctx = context_of(catalogue, scope, lang)
    if scope == "one_region":
        assert len(ctx.scope.provinces) > 1 and set(ctx.scope.provinces) == set(catalogue.regions[REGION])
    views = views_of(db, ctx)
    assert len(views) == len(every_variant())
    problems = [f"{name}: {found} in {v.takeaway!r}" for name, v in views if (found := awkward(v.takeaway, lang))]
    assert problems == []
    if scope in ("nothing_selected", "period_without_data"):
        assert all(v.empty for _, v in views), [name for name, v in views if not v.empty]


def test_the_gap_list_holds_every_place_and_the_takeaway_says_exactly_how_many(db, catalogue):
    ctx = context_of(catalogue, "one_end", "zh")
    cities = db.get_coverage_by_city(scope=ctx.scope)
    want = cities[(cities["partners"] == 0) & (cities["leads"] > 0)]
    assert len(want) > 300  # more than any cap the list once had
    view = CoverageGaps().view(db, ctx)
    assert len(view.prepared) == len(want) and sorted(view.data["city_code"]) == sorted(want["city_code"])
    assert list(view.prepared["leads"]) == sorted(want["leads"], reverse=True)  # most leads first
    assert view.takeaway.startswith(f"{format_number(len(want), 'zh')} 个城市/县")
    assert len(view.table) == min(CoverageGaps.SLIDE_ROWS, len(want))  # a slide shows the first rows only
