"""Coverage sections: where partners are (map and bars), and where leads have no partner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from components import metrics
from components.charts.coverage import plot_new_partners, plot_province_bars
from components.charts.funnel import plot_tier_shares
from components.charts.maps import Metric, city_static_figure, coverage_static_figure, province_colors
from components.context import Context
from components.i18n import format_date, format_delta, format_number, format_percent, label, t, tn
from components.sections.base import Section
from data_access.codes import TIERS
from data_access.scope import Scope

if TYPE_CHECKING:
    from data_access.reader import Reader

METRICS: tuple[Metric, ...] = ("partners", "per_10k_leads")


def with_per_lead(provinces: pd.DataFrame) -> pd.DataFrame:
    """get_coverage_by_province plus ``per_10k_leads``: partners per 10,000 leads (NaN without leads)."""
    out = provinces.copy()
    out["per_10k_leads"] = out["partners"] / out["leads"].where(out["leads"] > 0) * 10_000
    return out


def metric_of(option: str) -> Metric:
    """The map metric a map or bar variant colours by."""
    return "per_10k_leads" if option == "per_10k_leads" else "partners"


def _metric_name(metric: str, lang: str) -> str:
    return t(f"map.metric.{metric}", lang)


def partners_takeaway(provinces: pd.DataFrame, c: Context) -> str:
    """How many provinces have partners, and which has the most. One province, only one covered,
    every one covered and none covered are sentences of their own ("1 of 1" and "0 of 34" read badly)."""
    lang = c.lang
    covered, total = int((provinces["partners"] > 0).sum()), len(provinces)
    if covered == 0:
        return t("coverage.no_partners", lang)
    top = provinces.sort_values("partners", ascending=False, kind="stable").iloc[0]
    name, n = c.name(top["province_code"]), format_number(top["partners"], lang)
    if total == 1:
        return t("brief.map_single", lang, name=name, n=n)
    if covered == 1:
        return tn("brief.map_only_one", total, lang, name=name, top=n)
    if covered == total:
        return t("brief.map_all", lang, name=name, n=n)
    return tn("brief.map_takeaway", total, lang, covered=format_number(covered, lang), name=name, top=n)


def end_counts(counts: Mapping[str, float], lang: str) -> str:
    """Partners by end (S, B, G) in words, ends without any left out: "院校端 2 家、政府端 1 家",
    "2 schools, 1 government body"."""
    phrases = {"S": "sections.n_schools", "B": "sections.n_enterprises", "G": "sections.n_governments"}
    parts = [tn(key, n, lang) for end, key in phrases.items() if (n := counts.get(end, 0))]
    return ("、" if lang == "zh" else ", ").join(parts)


TOP_PROVINCES = 5  # the partners bar's takeaway: the share of this many first provinces (of more)


def partners_bar_takeaway(p: pd.DataFrame, c: Context) -> str:
    """How concentrated partners are (the map's takeaway already says where most are): the share of
    the first five provinces, or of the first one when there are five or fewer, and how many have
    none (a clause left out when every province has some); one province: its partners by end."""
    lang, total = c.lang, len(p)
    ranked = p.sort_values("partners", ascending=False, kind="stable")
    if total == 1:
        row = ranked.iloc[0]
        ends = end_counts({"S": row["schools"], "B": row["enterprises"], "G": row["governments"]}, lang)
        return t("sections.partners_bar_single", lang, name=c.name(row["province_code"]), ends=ends)
    none, all_partners = int((p["partners"] == 0).sum()), p["partners"].sum()
    counts = {"none": format_number(none, lang), "total": format_number(total, lang)}
    if total > TOP_PROVINCES:
        share = format_percent(ranked["partners"].head(TOP_PROVINCES).sum() / all_partners, lang)
        key = "sections.partners_bar_takeaway" if none else "sections.partners_bar_takeaway_all"
        return tn(key, TOP_PROVINCES, lang, share=share, **counts)
    top = ranked.iloc[0]
    share = format_percent(top["partners"] / all_partners, lang)
    key = "sections.partners_bar_top" if none else "sections.partners_bar_top_all"
    return t(key, lang, name=c.name(top["province_code"]), share=share, **counts)


@dataclass(frozen=True)
class MapFrames:
    provinces: pd.DataFrame  # get_coverage_by_province
    points: pd.DataFrame  # get_partner_points


class CoverageMap(Section[MapFrames, MapFrames]):
    """The map of provinces coloured by partners (or partners per 10,000 leads). The page draws the
    interactive pydeck map from the prepared frames; the pack and exports the static figure."""

    id = "coverage_map"
    in_pack = True
    page = "coverage"
    title_key = "coverage.map_title"
    takeaway_key = "brief.map_takeaway"
    empty_key = "coverage.empty"
    options = METRICS

    def shows(self) -> tuple[str, ...]:
        return ("partners",) if self.metric == "partners" else ("per_10k_leads", "partners", "leads")

    def title(self, c: Context) -> str:
        return t("coverage.map_title", c.lang, metric=_metric_name(self.option, c.lang))

    def load(self, db: Reader, c: Context) -> MapFrames:
        return MapFrames(db.get_coverage_by_province(scope=c.scope), db.get_partner_points(scope=c.scope))

    def prepare(self, frames: MapFrames, c: Context) -> MapFrames:
        return MapFrames(with_per_lead(frames.provinces), frames.points)

    def is_empty(self, p: MapFrames) -> bool:
        return bool(p.provinces.empty or (p.provinces["partners"].sum() == 0 and p.provinces["leads"].sum() == 0))

    def takeaway(self, p: MapFrames, c: Context) -> str:
        return partners_takeaway(p.provinces, c)

    def figure(self, p: MapFrames, c: Context, title: str) -> go.Figure:
        return coverage_static_figure(
            p.provinces,
            metric=self.metric,
            lang=c.lang,
            title=title,
            caption=t("app.data_as_of", c.lang, date=format_date(c.as_of, c.lang)),
        )

    @property
    def metric(self) -> Metric:
        return metric_of(self.option)

    def data(self, p: MapFrames, c: Context) -> pd.DataFrame:
        return p.provinces.drop(columns=["lon", "lat"])


class CoverageBars(Section[pd.DataFrame, pd.DataFrame]):
    """Provinces ranked by partners per 10,000 leads (or by partners), coloured as on the map."""

    id = "coverage_per_lead"
    in_pack = True
    page = "coverage"
    title_key = "coverage.bar_title"
    takeaway_key = "brief.per_lead_takeaway"
    empty_key = "coverage.no_leads"
    options = ("per_10k_leads", "partners")

    @property
    def metric(self) -> Metric:
        return metric_of(self.option)

    def shows(self) -> tuple[str, ...]:
        return ("partners",) if self.metric == "partners" else ("per_10k_leads", "partners", "leads")

    def title(self, c: Context) -> str:
        return t(self.title_key, c.lang, metric=_metric_name(self.option, c.lang))

    def empty_text(self, c: Context) -> str:
        return t(self.empty_key if self.option == "per_10k_leads" else "coverage.no_partners", c.lang)

    def load(self, db: Reader, c: Context) -> pd.DataFrame:
        return db.get_coverage_by_province(scope=c.scope)

    def prepare(self, frames: pd.DataFrame, c: Context) -> pd.DataFrame:
        return with_per_lead(frames)

    def is_empty(self, p: pd.DataFrame) -> bool:
        if self.option == "per_10k_leads":
            return p["per_10k_leads"].dropna().empty
        return bool(p["partners"].sum() == 0)

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        if self.option == "partners":
            return partners_bar_takeaway(p, c)
        d = p.dropna(subset=["per_10k_leads"])
        if len(d) < 3:  # a comparison needs several provinces; say the figure instead
            partners, leads = d["partners"].sum(), d["leads"].sum()
            if partners == 0:
                return t("brief.per_lead_single_none", c.lang, scope=c.text.scope, leads=format_number(leads, c.lang))
            v = format_number(partners / leads * 10_000, c.lang, digits=1)
            return t("brief.per_lead_single", c.lang, scope=c.text.scope, v=v)
        low = d[d["leads"] >= d["leads"].median()].sort_values("per_10k_leads", kind="stable").iloc[0]
        return t(
            "brief.per_lead_none" if low["partners"] == 0 else self.takeaway_key,  # not "few partners: 0.0"
            c.lang,
            name=c.name(low["province_code"]),
            leads=format_number(low["leads"], c.lang),
            v=format_number(low["per_10k_leads"], c.lang, digits=1),
        )

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure | None:
        if len(p) < 2:  # one bar says no more than the sentence (inside a province: the cities' table)
            return None
        return plot_province_bars(
            p, metric=self.metric, title=title, lang=c.lang, colors=province_colors(p, metric=self.metric, lang=c.lang)
        )

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        return p[["province_code", "name_zh", "name_en", "partners", "leads", "per_10k_leads"]]


@dataclass(frozen=True)
class CityMapFrames:
    province: str  # the one province in scope ("" when the scope is not exactly one province)
    cities: pd.DataFrame  # get_coverage_by_city(grain="prefecture")
    points: pd.DataFrame  # get_partner_points


def one_province(c: Context) -> str:
    """The province of a scope of exactly one province, else "" (the views inside a province)."""
    return c.scope.provinces[0] if len(c.scope.provinces) == 1 else ""


class CityMap(Section[CityMapFrames, CityMapFrames]):
    """Inside one province: its prefecture-level cities coloured by partners (or partners per
    10,000 leads), with its partners as points. The page draws the interactive deck from the
    prepared frames; the pack and exports the static figure. Only for a scope of one province."""

    id = "city_map"
    page = "coverage"
    title_key = "coverage.city_map_title"
    takeaway_key = "coverage.city_map_takeaway"
    empty_key = "coverage.city_map_hint"
    options = METRICS

    @property
    def metric(self) -> Metric:
        return metric_of(self.option)

    def shows(self) -> tuple[str, ...]:
        return ("partners",) if self.metric == "partners" else ("per_10k_leads", "partners", "leads")

    def title(self, c: Context) -> str:
        code = one_province(c)
        if not code:
            return t("coverage.city_map_title_none", c.lang)
        return t(self.title_key, c.lang, province=c.name(code), metric=_metric_name(self.option, c.lang))

    def empty_text(self, c: Context) -> str:
        # Not one province: how to get there; one province with nothing in its cities: say so.
        return t("coverage.city_map_empty" if one_province(c) else self.empty_key, c.lang)

    def load(self, db: Reader, c: Context) -> CityMapFrames:
        code = one_province(c)
        if not code:
            return CityMapFrames("", pd.DataFrame(), pd.DataFrame())
        return CityMapFrames(code, db.get_coverage_by_city(scope=c.scope, grain="prefecture"), db.get_partner_points(scope=c.scope))

    def prepare(self, frames: CityMapFrames, c: Context) -> CityMapFrames:
        if not frames.province:
            return frames
        return CityMapFrames(frames.province, with_per_lead(frames.cities), frames.points)

    def is_empty(self, p: CityMapFrames) -> bool:
        return not p.province or p.cities.empty or bool(p.cities["partners"].sum() == 0 and p.cities["leads"].sum() == 0)

    def takeaway(self, p: CityMapFrames, c: Context) -> str:
        lang, cities = c.lang, p.cities
        covered, total = int((cities["partners"] > 0).sum()), len(cities)
        top = cities.sort_values(["partners", "leads"], ascending=False, kind="stable").iloc[0]
        name, n = top["name_zh" if lang == "zh" else "name_en"], format_number(top["partners"], lang)
        if total == 1:  # a municipality is one city
            return t("coverage.city_map_single" if covered else "coverage.city_map_single_none", lang, name=name, n=n)
        if covered == 0:
            return tn("coverage.city_map_no_partners", total, lang, province=c.name(p.province))
        key = "coverage.city_map_all" if covered == total else self.takeaway_key
        return tn(key, total, lang, province=c.name(p.province), covered=format_number(covered, lang), name=name, top=n)

    def figure(self, p: CityMapFrames, c: Context, title: str) -> go.Figure:
        return city_static_figure(
            p.cities,
            province_code=p.province,
            metric=self.metric,
            lang=c.lang,
            title=title,
            caption=t("app.data_as_of", c.lang, date=format_date(c.as_of, c.lang)),
        )

    def table(self, p: CityMapFrames, c: Context) -> pd.DataFrame:
        """The cities ranked on the map's metric (beside the map on the page and on the slide)."""
        lang = c.lang
        d = p.cities.sort_values([self.metric, "leads", "city_code"], ascending=[False, False, True], na_position="last")
        return pd.DataFrame(
            {
                t("funnels.col_city", lang): list(d["name_zh" if lang == "zh" else "name_en"]),
                **{metrics.label(m, lang): [metrics.fmt(m, v, lang) for v in d[m]] for m in ("partners", "leads", "per_10k_leads")},
            }
        )

    def data(self, p: CityMapFrames, c: Context) -> pd.DataFrame:
        return p.cities.drop(columns=["lon", "lat"])


@dataclass(frozen=True)
class NewPartnerFrames:
    now: pd.DataFrame  # get_new_partners_by_end, this period
    before: pd.DataFrame  # the same dates a year earlier


@dataclass(frozen=True)
class NewPartnerCounts:
    by_kind: pd.DataFrame  # end, kind, partners (this period)
    total: int
    before: int
    by_end: dict[str, int]


class NewPartners(Section[NewPartnerFrames, NewPartnerCounts]):
    """Partners signed in the period by end and kind, against the same dates a year earlier (the
    flow behind the stock the Overview card shows)."""

    id = "new_partners"
    in_pack = True
    page = "coverage"
    title_key = "sections.new_partners"
    takeaway_key = "sections.new_partners_takeaway"
    empty_key = "sections.new_partners_empty"
    metric_ids = ("new_partners",)
    takeaway_ids = ("new_partners",)

    def load(self, db: Reader, c: Context) -> NewPartnerFrames:
        return NewPartnerFrames(db.get_new_partners_by_end(scope=c.scope), db.get_new_partners_by_end(scope=c.compared))

    def prepare(self, frames: NewPartnerFrames, c: Context) -> NewPartnerCounts:
        now = frames.now
        by_end = {e: int(now.loc[now["end"] == e, "partners"].sum()) for e in ("S", "B", "G")}
        return NewPartnerCounts(now, int(now["partners"].sum()), int(frames.before["partners"].sum()), by_end)

    def is_empty(self, p: NewPartnerCounts) -> bool:
        return p.total == 0

    def takeaway(self, p: NewPartnerCounts, c: Context) -> str:
        lang = c.lang
        return tn(
            self.takeaway_key,
            p.total,
            lang,
            compare=c.compare_words,
            delta=format_delta(p.total - p.before, lang) if p.before else "—",
            ends=end_counts(p.by_end, lang),  # an end with no new partner is left out
        )

    def figure(self, p: NewPartnerCounts, c: Context, title: str) -> go.Figure:
        return plot_new_partners(p.by_kind, title=title, lang=c.lang)

    def data(self, p: NewPartnerCounts, c: Context) -> pd.DataFrame:
        return p.by_kind


def tier_summary(cities: pd.DataFrame) -> pd.DataFrame:
    """Per city tier: places with leads, with partners, gaps (leads but no partner) and the gaps'
    share of the tier's leads (NaN without leads). Columns: tier, with_leads, with_partners,
    gap_places, gap_leads, leads, gap_share."""
    rows = []
    for tier in TIERS:
        part = cities[cities["tier"] == tier]
        gap = part[(part["partners"] == 0) & (part["leads"] > 0)]
        leads = float(part["leads"].sum())
        rows.append(
            {
                "tier": tier,
                "with_leads": int((part["leads"] > 0).sum()),
                "with_partners": int((part["partners"] > 0).sum()),
                "gap_places": len(gap),
                "gap_leads": float(gap["leads"].sum()),
                "leads": leads,
                "gap_share": float(gap["leads"].sum()) / leads if leads else float("nan"),
            }
        )
    return pd.DataFrame(rows)


class CoverageTiers(Section[pd.DataFrame, pd.DataFrame]):
    """Gaps by city tier: how many places with leads have no partner, and their share of the leads."""

    id = "coverage_tiers"
    in_pack = True
    page = "coverage"
    title_key = "sections.coverage_tiers"
    takeaway_key = "brief.gaps_takeaway"
    empty_key = "coverage.no_leads"
    metric_ids = ("gap_places", "leads")

    def load(self, db: Reader, c: Context) -> pd.DataFrame:
        return db.get_coverage_by_city(scope=c.scope)

    def prepare(self, frames: pd.DataFrame, c: Context) -> pd.DataFrame:
        return tier_summary(frames)

    def is_empty(self, p: pd.DataFrame) -> bool:
        return bool(p["leads"].sum() == 0)

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        gap_leads, leads = p["gap_leads"].sum(), p["leads"].sum()
        if gap_leads == 0:
            return t("coverage.no_gaps", c.lang)
        share, county = format_percent(gap_leads / leads, c.lang), p.set_index("tier").loc["county"]
        if county["leads"] in (0, leads):  # no county leads, or only county leads: the county clause adds nothing
            return t("brief.gaps_takeaway_short", c.lang, share=share)
        return t(self.takeaway_key, c.lang, share=share, county=format_percent(county["gap_share"], c.lang))

    def table(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        lang = c.lang
        return pd.DataFrame(
            {
                t("coverage.col_tier", lang): [label("tier", x, lang) for x in p["tier"]],
                t("coverage.col_places_with_leads", lang): [format_number(v, lang) for v in p["with_leads"]],
                t("coverage.col_places_with_partners", lang): [format_number(v, lang) for v in p["with_partners"]],
                t("coverage.col_gap_places", lang): [format_number(v, lang) for v in p["gap_places"]],
                t("coverage.col_gap_leads_share", lang): [format_percent(v, lang) if v == v else "—" for v in p["gap_share"]],
            }
        )

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        return p


FIRST_YEAR = dt.date(2000, 1, 1)  # the tier-share chart reads every year with leads up to the period's last


def tier_share_scope(c: Context) -> Scope:
    """The scope's slices over every calendar year up to the period's last (the trend needs years;
    the query returns only the years with leads, so the chart starts with the data)."""
    return c.scope.with_period(FIRST_YEAR, c.scope.end)


def tier_shares(df: pd.DataFrame) -> pd.DataFrame:
    """Per year: leads per tier and each tier's share of the year's leads. Columns: year, tier,
    leads, share (every tier listed for every year, zeros filled)."""
    if df.empty:
        return pd.DataFrame(columns=["year", "tier", "leads", "share"])
    full = (
        df.pivot_table(index="year", columns="tier", values="leads", aggfunc="sum")
        .reindex(columns=list(TIERS))
        .fillna(0)
        .stack()
        .rename("leads")
        .reset_index()
    )
    full["share"] = full["leads"] / full.groupby("year")["leads"].transform("sum")
    return full


class TierShares(Section[pd.DataFrame, pd.DataFrame]):
    """The share of leads from provincial capitals, prefecture-level cities and counties, year by
    year: is channel sinking (下沉) working?"""

    id = "tier_shares"
    in_pack = True
    page = "coverage"
    timeline = "year"
    title_key = "sections.tier_shares"
    takeaway_key = "sections.tier_shares_takeaway"
    empty_key = "coverage.no_leads"
    metric_ids = ("leads",)

    def load(self, db: Reader, c: Context) -> pd.DataFrame:
        return db.get_leads_by_tier_year(scope=tier_share_scope(c))

    def timeline_scope(self, c: Context) -> Scope:
        return tier_share_scope(c)

    def prepare(self, frames: pd.DataFrame, c: Context) -> pd.DataFrame:
        return tier_shares(frames)

    def is_empty(self, p: pd.DataFrame) -> bool:
        return p.empty or p["leads"].sum() == 0

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        county = p[p["tier"] == "county"].set_index("year")["share"].dropna()
        if (county == 0).all():  # no counties in scope (or in the tiers chosen): not "from 0.0% to 0.0%"
            return t("sections.tier_shares_no_county", c.lang)
        if (county == 1).all():
            return t("sections.tier_shares_all_county", c.lang)
        first, last = county.index[0], county.index[-1]
        key = self.takeaway_key if len(county) > 1 else "sections.tier_shares_one_year"
        return t(
            key,
            c.lang,
            first=int(first),
            last=int(last),
            a=format_percent(county.iloc[0], c.lang),
            b=format_percent(county.iloc[-1], c.lang),
            change=format_delta(county.iloc[-1] - county.iloc[0], c.lang, kind="points"),
        )

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure:
        return plot_tier_shares(p[["year", "tier", "leads"]], title=title, lang=c.lang)

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        return p


@dataclass(frozen=True)
class GapFrames:
    gaps: pd.DataFrame  # get_coverage_gaps: places with leads and no partner, most leads first


class CoverageGaps(Section[GapFrames, pd.DataFrame]):
    """The places with leads and no partner, most leads first: every one (the page lists them all in
    a scrollable table and exports them all; a slide shows the first ``SLIDE_ROWS``), and the
    takeaway says exactly how many."""

    id = "coverage_gaps"
    in_pack = True
    page = "coverage"
    title_key = "coverage.section_gaps"
    takeaway_key = "sections.gaps_list_takeaway"
    empty_key = "coverage.no_gaps"
    metric_ids = ("gap_places", "leads")
    takeaway_ids = ("gap_places",)
    SLIDE_ROWS = 15

    def load(self, db: Reader, c: Context) -> GapFrames:
        return GapFrames(db.get_coverage_gaps(scope=c.scope))

    def prepare(self, frames: GapFrames, c: Context) -> pd.DataFrame:
        lang = c.lang
        g = frames.gaps.reset_index(drop=True)
        return g.assign(
            place=g["name_zh" if lang == "zh" else "name_en"], province=g["province_name_zh" if lang == "zh" else "province_name_en"]
        )

    def is_empty(self, p: pd.DataFrame) -> bool:
        return p.empty

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        top = p.iloc[0]
        words = {"name": top["place"], "province": top["province"], "leads": format_number(top["leads"], c.lang)}
        if len(p) == 1:  # "Only X has leads but no partner": a sentence of its own in both languages
            return t("sections.gaps_list_takeaway_one", c.lang, **words)
        return tn(self.takeaway_key, len(p), c.lang, **words)

    def table(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        lang = c.lang
        head = p.head(self.SLIDE_ROWS)
        return pd.DataFrame(
            {
                t("coverage.col_place", lang): head["place"],
                t("coverage.col_province", lang): head["province"],
                t("coverage.col_tier", lang): [label("tier", x, lang) for x in head["tier"]],
                t("coverage.col_leads", lang): [format_number(v, lang) for v in head["leads"]],
            }
        )

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        return p.drop(columns=["lon", "lat", "place", "province"], errors="ignore")
