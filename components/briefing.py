"""The briefing pack (汇报材料): which sections exist, and how each turns query results into a
slide — a chart from the same builder the pages use, a table, and a one-line takeaway computed
from the data.

Pure: data comes from a ``load(query_name, scope, **kwargs) -> DataFrame`` callable, so the app
passes its cached queries and the command line passes direct ones; nothing here imports
data_access or streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from components.charts.coverage import plot_province_bars
from components.charts.funnel import STAGES, plot_cohort_lag, plot_conversion_by, plot_funnel, plot_step_conversion_by_channel, stage_totals
from components.charts.investment import cumulative_spend_frame, plot_cumulative_spend, plot_money_bars
from components.charts.overview import plot_movers
from components.export import PackMeta, Section
from components.i18n import format_date, format_delta, format_money, format_number, format_percent, label, t
from components.maps import coverage_static_figure, province_colors

Loader = Callable[..., Any]


@dataclass(frozen=True)
class BriefContext:
    """What a pack is about: the scope (a data_access Scope), language, dates and names."""

    scope: Any
    lang: str
    as_of: dt.date
    scope_text: str
    period_text: str
    names: dict[str, tuple[str, str]]

    def name(self, code: str) -> str:
        pair = self.names.get(code)
        return code if pair is None else pair[0 if self.lang == "zh" else 1]


def _kpis(load: Loader, c: BriefContext) -> Section:
    lang = c.lang
    k = load("get_kpis", c.scope).set_index("metric")
    rows = []
    for metric in ("partners", "schools", "active_projects", "planned_yuan", "disbursed_yuan", "leads", "enrolled",
                   "certified", "employed", "refunded"):
        v, prev, target = k.loc[metric, "value"], k.loc[metric, "previous"], k.loc[metric, "target"]
        money = metric.endswith("_yuan")
        fmt = (lambda x: format_money(x, lang)) if money else (lambda x: format_number(x, lang))
        rows.append({
            t("brief.col_metric", lang): t(f"metric.{metric}", lang),
            t("brief.col_value", lang): fmt(v),
            t("brief.col_vs_last_year", lang): format_delta(v - prev, lang, kind="money" if money else "number"),
            t("brief.col_target", lang): fmt(target) if target == target else "—",
            t("brief.col_reached", lang): format_percent(v / target, lang, digits=0) if target == target and target else "—",
        })
    leads_target = k.loc["leads", "target"]
    takeaway = t("brief.kpis_takeaway", lang, partners=format_number(k.loc["partners", "value"], lang),
                 delta=format_delta(k.loc["partners", "value"] - k.loc["partners", "previous"], lang),
                 leads=format_number(k.loc["leads", "value"], lang),
                 reached=format_percent(k.loc["leads", "value"] / leads_target, lang, digits=0)
                 if leads_target == leads_target and leads_target else "—")
    return Section(t("brief.kpis", lang), takeaway, None, pd.DataFrame(rows))


def _movers(load: Loader, c: BriefContext) -> Section:
    """Leads vs last year: by province when the scope spans several, else by channel."""
    lang = c.lang
    by_province = len(c.scope.provinces) >= 3
    key = "province" if by_province else "channel"
    now = load("get_events_by_month", c.scope, by=(key,))
    before = load("get_events_by_month", c.scope.year_earlier(), by=(key,))
    a = now[now["stage"] == "lead"].groupby(key)["events"].sum()
    b = before[before["stage"] == "lead"].groupby(key)["events"].sum()
    d = pd.DataFrame({"now": a, "before": b}).fillna(0)
    d["change"] = d["now"] - d["before"]
    d["label"] = [c.name(x) if by_province else label("channel", x, lang) for x in d.index]
    d = d[d["change"] != 0].reindex(d["change"].abs().sort_values(ascending=False).index).head(8)
    title = t("overview.movers_lead", lang) if by_province else t("brief.movers_channel", lang)
    if d.empty:
        return Section(title, t("empty.no_change", lang), None)
    top = d.iloc[0]
    takeaway = t("brief.movers_takeaway", lang, name=top["label"], change=format_delta(top["change"], lang),
                 now=format_number(top["now"], lang))
    return Section(title, takeaway, plot_movers(d, title=title, lang=lang))


def _coverage_map(load: Loader, c: BriefContext) -> Section:
    lang = c.lang
    prov = load("get_coverage_by_province", c.scope)
    title = t("brief.coverage_map", lang)
    if prov["partners"].sum() == 0:
        return Section(title, t("coverage.empty", lang), None)
    top = prov.sort_values("partners", ascending=False).iloc[0]
    covered = int((prov["partners"] > 0).sum())
    takeaway = t("brief.map_takeaway", lang, covered=covered, total=len(prov), name=c.name(top["province_code"]),
                 n=format_number(top["partners"], lang))
    fig = coverage_static_figure(prov, metric="partners", lang=lang, title=title,
                                 caption=t("app.data_as_of", lang, date=format_date(c.as_of, lang)))
    return Section(title, takeaway, fig)


def _coverage_bars(load: Loader, c: BriefContext) -> Section:
    lang = c.lang
    prov = load("get_coverage_by_province", c.scope)
    prov["per_10k_leads"] = prov["partners"] / prov["leads"].where(prov["leads"] > 0) * 10_000
    title = t("coverage.bar_title", lang, metric=t("map.metric.per_10k_leads", lang))
    d = prov.dropna(subset=["per_10k_leads"])
    if d.empty:
        return Section(title, t("coverage.no_leads", lang), None)
    if len(d) < 3:  # a comparison needs several provinces; say the figure instead
        total = d["partners"].sum() / d["leads"].sum() * 10_000
        takeaway = t("brief.per_lead_single", lang, scope=c.scope_text, v=format_number(total, lang, digits=1))
    else:
        low = d[d["leads"] >= d["leads"].median()].sort_values("per_10k_leads").iloc[0]
        takeaway = t("brief.per_lead_takeaway", lang, name=c.name(low["province_code"]),
                     leads=format_number(low["leads"], lang), v=format_number(low["per_10k_leads"], lang, digits=1))
    colors = province_colors(prov, metric="per_10k_leads", lang=lang)
    return Section(title, takeaway, plot_province_bars(prov, metric="per_10k_leads", title=title, lang=lang, colors=colors))


def _gaps(load: Loader, c: BriefContext) -> Section:
    lang = c.lang
    cities = load("get_coverage_by_city", c.scope)
    gaps = load("get_coverage_gaps", c.scope, limit=15)
    title = t("coverage.section_gaps", lang)
    if cities.empty or cities["leads"].sum() == 0:
        return Section(title, t("coverage.no_leads", lang), None)
    gap_leads = cities.loc[(cities["partners"] == 0) & (cities["leads"] > 0), "leads"].sum()
    county = cities[cities["tier"] == "county"]
    takeaway = t("brief.gaps_takeaway", lang, share=format_percent(gap_leads / cities["leads"].sum(), lang),
                 county=format_percent(county.loc[county["partners"] == 0, "leads"].sum() / county["leads"].sum(), lang)
                 if county["leads"].sum() else "—")
    name_col = "name_zh" if lang == "zh" else "name_en"
    table = pd.DataFrame({
        t("coverage.col_place", lang): gaps[name_col],
        t("coverage.col_province", lang): gaps["province_name_zh" if lang == "zh" else "province_name_en"],
        t("coverage.col_tier", lang): [label("tier", x, lang) for x in gaps["tier"]],
        t("coverage.col_leads", lang): [format_number(v, lang) for v in gaps["leads"]],
    })
    return Section(title, takeaway, None, table)


def _spend(load: Loader, c: BriefContext) -> Section:
    lang = c.lang
    title = t("investment.chart_cumulative", lang)
    df = cumulative_spend_frame(load("get_planned_by_year", c.scope), load("get_disbursed_by_month", c.scope),
                                start=c.scope.start, end=c.scope.end)
    planned, paid = float(df["planned"].iloc[-1]), float(df["disbursed"].iloc[-1])
    if planned == 0 and paid == 0:
        return Section(title, t("investment.empty", lang), None)
    takeaway = t("brief.spend_takeaway", lang, planned=format_money(planned, lang), paid=format_money(paid, lang),
                 rate=format_percent(paid / planned, lang) if planned else "—")
    return Section(title, takeaway, plot_cumulative_spend(df, title=title, lang=lang))


def _sector(load: Loader, c: BriefContext) -> Section:
    lang = c.lang
    title = t("investment.chart_sector", lang)
    df = load("get_investment_by", c.scope, grain="sector")
    if df.empty:
        return Section(title, t("investment.empty", lang), None)
    df["label"] = [label("sector", s, lang) for s in df["sector"]]
    top = df.iloc[0]
    takeaway = t("brief.sector_takeaway", lang, sector=top["label"], planned=format_money(top["planned_yuan"], lang),
                 share=format_percent(top["planned_yuan"] / df["planned_yuan"].sum(), lang) if df["planned_yuan"].sum() else "—")
    return Section(title, takeaway, plot_money_bars(df, title=title, lang=lang))


def _risk(load: Loader, c: BriefContext) -> Section:
    lang = c.lang
    title = t("brief.risk", lang)
    projects = load("get_investment_by_project", c.scope, as_of=c.as_of)
    if projects.empty:
        return Section(title, t("investment.empty", lang), None)
    risky = projects[projects["at_risk"]].sort_values("planned_yuan", ascending=False)
    takeaway = t("brief.risk_takeaway", lang, n=format_number(len(risky), lang), total=format_number(len(projects), lang),
                 ahead=format_number(int(risky["ahead_of_plan"].sum()), lang),
                 overdue=format_number(int((risky["overdue_milestones"] > 0).sum()), lang))
    name_col = "name_zh" if lang == "zh" else "name_en"
    table = pd.DataFrame({
        t("investment.col_code", lang): risky["code"],
        t("investment.col_name", lang): risky[name_col],
        t("money.planned", lang): [format_money(v, lang) for v in risky["planned_yuan"]],
        t("money.disbursed", lang): [format_money(v, lang) for v in risky["disbursed_yuan"]],
        t("investment.col_risk", lang): [t("investment.risk_ahead", lang) if a else t("investment.risk_overdue", lang, n=o)
                                        for a, o in zip(risky["ahead_of_plan"], risky["overdue_milestones"])],
    })
    return Section(title, takeaway, None, table)


def _funnel(load: Loader, c: BriefContext) -> Section:
    lang = c.lang
    title = t("funnels.chart_funnel", lang)
    df = load("get_funnel_by_stage", c.scope, by=("channel",))
    n = stage_totals(df) if not df.empty else None
    if n is None or n["lead"] == 0:
        return Section(title, t("funnels.empty", lang), None)
    takeaway = t("brief.funnel_takeaway", lang, leads=format_number(n["lead"], lang),
                 enrol=format_percent(n["enrolled"] / n["lead"], lang),
                 certify=format_percent(n["certified"] / n["enrolled"], lang) if n["enrolled"] else "—")
    return Section(title, takeaway, plot_funnel(df, title=title, lang=lang))


def _channels(load: Loader, c: BriefContext) -> Section:
    lang = c.lang
    title = t("funnels.chart_step", lang)
    df = load("get_funnel_by_stage", c.scope, by=("channel",))
    rates: dict[str, float] = {}
    for channel, part in df.groupby("channel"):
        n = stage_totals(part)
        if n["lead"] >= 30:  # too few leads say nothing about a channel
            rates[channel] = n["enrolled"] / n["lead"]
    if not rates:
        return Section(title, t("funnels.empty", lang), None)
    best, worst = max(rates, key=rates.__getitem__), min(rates, key=rates.__getitem__)
    takeaway = t("brief.channels_takeaway", lang, best=label("channel", best, lang), best_rate=format_percent(rates[best], lang),
                 worst=label("channel", worst, lang), worst_rate=format_percent(rates[worst], lang))
    return Section(title, takeaway, plot_step_conversion_by_channel(df, title=title, lang=lang))


def _tiers(load: Loader, c: BriefContext) -> Section:
    lang = c.lang
    title = t("funnels.chart_tier", lang)
    df = load("get_funnel_by_stage", c.scope, by=("tier",))
    if df.empty:
        return Section(title, t("funnels.empty", lang), None)
    rates = {tier: (n["enrolled"] / n["lead"]) for tier, part in df.groupby("tier") if (n := stage_totals(part))["lead"]}
    takeaway = t("brief.tiers_takeaway", lang, capital=format_percent(rates.get("capital", float("nan")), lang),
                 county=format_percent(rates.get("county", float("nan")), lang))
    tiers = ("capital", "prefecture", "county")
    fig = plot_conversion_by(df, dim="tier", labels={x: label("tier", x, lang) for x in tiers}, keep_order=True,
                             title=title, lang=lang)
    return Section(title, takeaway, fig)


def _lag(load: Loader, c: BriefContext) -> Section:
    lang = c.lang
    stage = label("stage", "enrolled", lang)
    title = t("funnels.chart_lag", lang, stage=stage)
    lag = load("get_cohort_lag", c.scope)
    d = lag[lag["stage"] == "enrolled"]
    if d.empty:
        return Section(title, t("funnels.lag_empty", lang, stage=stage), None)
    mean = d["total_days"].sum() / d["learners"].sum()
    fast = d[d["bucket"] == "0-30"]["learners"].sum() / d["learners"].sum()
    takeaway = t("brief.lag_takeaway", lang, days=int(mean + 0.5), fast=format_percent(fast, lang))
    return Section(title, takeaway, plot_cohort_lag(lag, stage="enrolled", title=title, lang=lang))


# Section id -> (builder, translation key of its name). Order = order in the pack.
SECTIONS: dict[str, tuple[Callable[[Loader, BriefContext], Section], str]] = {
    "kpis": (_kpis, "brief.kpis"),
    "movers": (_movers, "overview.movers_lead"),
    "coverage_map": (_coverage_map, "brief.coverage_map"),
    "coverage_per_lead": (_coverage_bars, "brief.coverage_per_lead"),
    "coverage_gaps": (_gaps, "coverage.section_gaps"),
    "spend": (_spend, "investment.chart_cumulative"),
    "sectors": (_sector, "investment.chart_sector"),
    "risk": (_risk, "brief.risk"),
    "funnel": (_funnel, "funnels.chart_funnel"),
    "channels": (_channels, "funnels.chart_step"),
    "tiers": (_tiers, "funnels.chart_tier"),
    "lag": (_lag, "brief.lag"),
}


def build_sections(load: Loader, ctx: BriefContext, section_ids: Sequence[str]) -> list[Section]:
    """The pack's sections in catalogue order; unknown ids raise ValueError naming the valid ones."""
    unknown = [s for s in section_ids if s not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown sections {unknown}; choose from {', '.join(SECTIONS)}")
    return [SECTIONS[s][0](load, ctx) for s in SECTIONS if s in section_ids]


def pack_meta(ctx: BriefContext) -> PackMeta:
    """Title-slide and footer text for a pack."""
    lang = ctx.lang
    as_of = format_date(ctx.as_of, lang)
    return PackMeta(title=t("brief.pack_title", lang), subtitle=t("app.title", lang), scope_text=ctx.scope_text,
                    period_text=ctx.period_text, data_as_of=as_of, lang=lang,
                    footer=t("brief.footer", lang))


def filter_rows(ctx: BriefContext, *, ends: Sequence[str], channels: Sequence[str], tiers: Sequence[str]) -> list[tuple[str, str]]:
    """(name, value) rows describing the filters, for the XLSX filters sheet and the CLI log."""
    lang = ctx.lang
    sep = "、" if lang == "zh" else ", "
    return [
        (t("filter.provinces", lang), ctx.scope_text),
        (t("filter.period", lang), ctx.period_text),
        (t("filter.kinds", lang), sep.join(label("end", e, lang) for e in ends) or "—"),
        (t("filter.channels", lang), sep.join(label("channel", x, lang) for x in channels) or "—"),
        (t("filter.tiers", lang), sep.join(label("tier", x, lang) for x in tiers) or "—"),
    ]


__all__ = ["SECTIONS", "STAGES", "BriefContext", "build_sections", "filter_rows", "pack_meta"]
