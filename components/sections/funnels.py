"""Funnel sections: the funnel, conversion by channel, this period against the last, conversion by
city tier and by province, the monthly trend, and the time from lead to enrolment or certificate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import pandas as pd
import plotly.graph_objects as go

from components import metrics
from components.charts.funnel import (
    plot_cohort_lag,
    plot_conversion_by,
    plot_funnel,
    plot_monthly_by_channel,
    plot_refund_rates,
    plot_step_conversion_by_channel,
    stage_totals,
)
from components.context import Context
from components.i18n import format_date, format_delta, format_month, format_number, format_percent, in_sentence, label, t, tn
from components.sections.base import Section
from data_access.codes import CHANNELS, STAGES, TIERS

if TYPE_CHECKING:
    from data_access.reader import Reader
from data_access.scope import Scope

# Too few leads say nothing about a channel or a province's rates.
MIN_LEADS = 30


def enrol_rates(df: pd.DataFrame, dim: str, *, min_leads: int = MIN_LEADS) -> dict[str, float]:
    """Lead → enrolled rate per value of ``dim`` in a get_funnel_by_stage frame, for values with at
    least ``min_leads`` leads."""
    out: dict[str, float] = {}
    for value, part in df.groupby(dim):
        n = stage_totals(part)
        if n["lead"] >= min_leads:
            out[str(value)] = float(n["enrolled"] / n["lead"])
    return out


class Funnel(Section[pd.DataFrame, pd.DataFrame]):
    """Learners at each stage of the funnel in the period."""

    id = "funnel"
    in_pack = True
    page = "funnels"
    title_key = "funnels.chart_funnel"
    takeaway_key = "brief.funnel_takeaway"
    empty_key = "funnels.empty"
    metric_ids: ClassVar[tuple[str, ...]] = (
        "cohort_leads",
        "cohort_enrolled",
        "cohort_certified",
        "cohort_employed",
        "enrol_rate",
        "certify_rate",
    )
    takeaway_ids: ClassVar[tuple[str, ...]] = ("cohort_leads", "enrol_rate", "certify_rate")

    def load(self, db: Reader, c: Context) -> pd.DataFrame:
        return db.get_funnel_by_stage(scope=c.scope, by=("channel",))

    def prepare(self, frames: pd.DataFrame, c: Context) -> pd.DataFrame:
        return frames

    def is_empty(self, p: pd.DataFrame) -> bool:
        return p.empty or stage_totals(p)["lead"] == 0

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        v = {m: now for m, (now, _) in metrics.cohort_values(p, p.iloc[0:0]).items()}
        leads = metrics.fmt("cohort_leads", v["cohort_leads"], c.lang)
        if stage_totals(p)["enrolled"] == 0:  # no "0.0%, —"
            return t("brief.funnel_no_enrolled", c.lang, leads=leads)
        return tn(
            self.takeaway_key,
            v["cohort_leads"],
            c.lang,
            n=leads,
            enrol=metrics.fmt("enrol_rate", v["enrol_rate"], c.lang),
            certify=metrics.fmt("certify_rate", v["certify_rate"], c.lang),
        )

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure:
        return plot_funnel(p, title=title, lang=c.lang)

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        return p


class Channels(Funnel):
    """Step-by-step conversion per channel; the takeaway names the best and worst channel."""

    id = "channels"
    in_pack = True
    title_key = "funnels.chart_step"
    takeaway_key = "brief.channels_takeaway"
    metric_ids = ("enrol_rate",)
    takeaway_ids = ()

    def is_empty(self, p: pd.DataFrame) -> bool:
        return not enrol_rates(p, "channel")

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        rates = enrol_rates(p, "channel")
        if len(rates) == 1:  # one channel in scope: nothing to rank
            ((only, rate),) = rates.items()
            return t("sections.channel_single", c.lang, channel=label("channel", only, c.lang), rate=format_percent(rate, c.lang))
        best, worst = max(rates, key=rates.__getitem__), min(rates, key=rates.__getitem__)
        return t(
            self.takeaway_key,
            c.lang,
            best=label("channel", best, c.lang),
            best_rate=format_percent(rates[best], c.lang),
            worst=label("channel", worst, c.lang),
            worst_rate=format_percent(rates[worst], c.lang),
        )

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure:
        return plot_step_conversion_by_channel(p, title=title, lang=c.lang)


def comparison_scope(c: Context) -> tuple[Scope, dt.date]:
    """The period a funnel is compared with (the cockpit's comparison rule, ``compare=``), and until
    when its events count: both cohorts at the same age (``Context.cohort_compared``)."""
    return c.cohort_compared()


@dataclass(frozen=True)
class CompareFrames:
    now: pd.DataFrame
    before: pd.DataFrame
    before_scope: Scope


@dataclass(frozen=True)
class Comparison:
    rows: pd.DataFrame  # stage, now, previous, change (relative), conv_now, conv_previous
    before_scope: Scope
    cohort: dict[str, tuple[float, float]]  # registry cohort metric -> (value, previous): components.metrics.cohort_values

    def refund_line(self, lang: str) -> str:
        """The cohort's refunds in the registry's words, next to its rate then and now."""
        (n, _), (rate, before) = self.cohort["cohort_refunded"], self.cohort["cohort_refund_rate"]
        return t(
            "funnels.refund_line",
            lang,
            refunded_label=metrics.label("cohort_refunded", lang),
            n=metrics.fmt("cohort_refunded", n, lang),
            rate_label=in_sentence(metrics.label("cohort_refund_rate", lang), lang),  # after "; "
            rate=metrics.fmt("cohort_refund_rate", rate, lang),
            before_rate=metrics.fmt("cohort_refund_rate", before, lang),
        )


def compare_frame(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Per stage: learners now and before, the relative change, and the conversion from the stage
    before (now and before; NaN where undefined)."""
    a, b = stage_totals(now), stage_totals(before)
    rows = []
    for i, stage in enumerate(STAGES):
        prev_stage = STAGES[i - 1] if i else None
        rows.append(
            {
                "stage": stage,
                "now": float(a[stage]),
                "previous": float(b[stage]),
                "change": (a[stage] - b[stage]) / b[stage] if b[stage] else float("nan"),
                "conv_now": a[stage] / a[prev_stage] if prev_stage and a[prev_stage] else float("nan"),
                "conv_previous": b[stage] / b[prev_stage] if prev_stage and b[prev_stage] else float("nan"),
            }
        )
    return pd.DataFrame(rows)


class FunnelCompare(Section[CompareFrames, Comparison]):
    """Each stage against the comparison period (same age), with the conversion change in points."""

    id = "funnel_compare"
    page = "funnels"
    title_key = "funnels.section_compare"
    takeaway_key = "sections.compare_takeaway"
    empty_key = "funnels.empty"
    metric_ids = (
        "cohort_leads",
        "cohort_enrolled",
        "cohort_certified",
        "cohort_employed",
        "enrol_rate",
        "cohort_refunded",
        "cohort_refund_rate",
    )
    takeaway_ids = ("enrol_rate",)

    def load(self, db: Reader, c: Context) -> CompareFrames:
        before, until = comparison_scope(c)
        return CompareFrames(
            db.get_funnel_by_stage(scope=c.scope, by=("channel",)),
            db.get_funnel_by_stage(scope=before, by=("channel",), observed_until=until),
            before,
        )

    def prepare(self, frames: CompareFrames, c: Context) -> Comparison:
        return Comparison(compare_frame(frames.now, frames.before), frames.before_scope, metrics.cohort_values(frames.now, frames.before))

    def title(self, c: Context) -> str:
        return t(self.title_key, c.lang, compare=c.compare_words)

    def is_empty(self, p: Comparison) -> bool:
        return bool(p.rows["now"].sum() == 0)

    def takeaway(self, p: Comparison, c: Context) -> str:
        lang, lead_change = c.lang, p.rows.set_index("stage").loc["lead", "change"]
        now, before = p.cohort["enrol_rate"]
        return t(
            self.takeaway_key,
            lang,
            previous=self.previous_text(p, lang),
            leads=format_delta(lead_change, lang, kind="percent") if lead_change == lead_change else "—",
            enrol=metrics.fmt("enrol_rate", now, lang),
            points=format_delta(now - before, lang, kind="points") if now == now and before == before else "—",
        )

    @staticmethod
    def previous_text(p: Comparison, lang: str) -> str:
        s = p.before_scope
        return f"{format_date(s.start, lang)} – {format_date(s.end - dt.timedelta(days=1), lang)}"

    def table(self, p: Comparison, c: Context) -> pd.DataFrame:
        lang = c.lang

        def pct(v: float) -> str:
            return format_percent(v, lang) if v == v else "—"

        r = p.rows
        return pd.DataFrame(
            {
                t("funnels.col_stage", lang): [label("stage", s, lang) for s in r["stage"]],
                t("funnels.col_now", lang): [format_number(v, lang) for v in r["now"]],
                t("funnels.col_previous", lang): [format_number(v, lang) for v in r["previous"]],
                t("funnels.col_change", lang): [format_delta(v, lang, kind="percent") if v == v else "—" for v in r["change"]],
                t("funnels.col_conv_now", lang): [pct(v) for v in r["conv_now"]],
                t("funnels.col_conv_change", lang): [
                    format_delta(a - b, lang, kind="points") if a == a and b == b else "—"
                    for a, b in zip(r["conv_now"], r["conv_previous"])
                ],
            }
        )

    def data(self, p: Comparison, c: Context) -> pd.DataFrame:
        return p.rows


# A channel with fewer enrolments than this says nothing about its refund rate.
MIN_ENROLLED = 30


def refunds_by_channel(now: pd.DataFrame, before: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Per channel: refunds and enrolments in the period and in the comparison period (events,
    get_events_by_month frames by channel), the refund rate of each (the registry's ``refund_rate``
    per channel) and the change in points. Highest rate this period first; channels with no
    enrolment in either period left out."""

    def counts(frame: pd.DataFrame, stage: str) -> pd.Series:
        return frame[frame["stage"] == stage].groupby("channel")["events"].sum() if len(frame) else pd.Series(dtype=float)

    d = pd.DataFrame(
        {
            "refunded_now": counts(now, "refunded"),
            "enrolled_now": counts(now, "enrolled"),
            "refunded_before": counts(before, "refunded"),
            "enrolled_before": counts(before, "enrolled"),
        }
    ).fillna(0.0)
    d = d[(d["enrolled_now"] > 0) | (d["enrolled_before"] > 0)]
    d["rate_now"] = d["refunded_now"] / d["enrolled_now"].where(d["enrolled_now"] > 0)
    d["rate_before"] = d["refunded_before"] / d["enrolled_before"].where(d["enrolled_before"] > 0)
    d["change"] = d["rate_now"] - d["rate_before"]
    d = d.rename_axis("channel").reset_index()
    d["label"] = [labels.get(c, c) for c in d["channel"]]
    return d.sort_values("rate_now", ascending=False, kind="stable", na_position="last").reset_index(drop=True)


@dataclass(frozen=True)
class RefundFrames:
    now: pd.DataFrame  # get_events_by_month by channel, this period
    before: pd.DataFrame  # the same over the comparison period


class RefundsByChannel(Section[RefundFrames, pd.DataFrame]):
    """The refund rate (期内退费率: refunds ÷ enrolments, both events of the period) per channel,
    this period against the comparison period."""

    id = "refunds_channels"
    page = "funnels"
    title_key = "funnels.refunds_title"
    takeaway_key = "funnels.refunds_takeaway"
    empty_key = "funnels.refunds_empty"
    metric_ids = ("refund_rate", "refunded", "enrolled")
    takeaway_ids = ("refund_rate",)

    def load(self, db: Reader, c: Context) -> RefundFrames:
        return RefundFrames(
            db.get_events_by_month(scope=c.scope, by=("channel",)), db.get_events_by_month(scope=c.compared, by=("channel",))
        )

    def prepare(self, frames: RefundFrames, c: Context) -> pd.DataFrame:
        return refunds_by_channel(frames.now, frames.before, {ch: label("channel", ch, c.lang) for ch in CHANNELS})

    def is_empty(self, p: pd.DataFrame) -> bool:
        return p.empty or p["enrolled_now"].sum() == 0

    def title(self, c: Context) -> str:
        return t(self.title_key, c.lang, compare=c.compare_words)

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        lang = c.lang
        total = p["refunded_now"].sum() / p["enrolled_now"].sum()
        sized = p[p["enrolled_now"] >= MIN_ENROLLED].dropna(subset=["rate_now"])
        overall = metrics.fmt("refund_rate", total, lang)
        if len(sized) < 2:  # one channel (or too few enrolments to rank): say the figure
            return t("funnels.refunds_takeaway_one", lang, rate=overall, label=metrics.label("refund_rate", lang))
        top = sized.iloc[0]
        change = top["change"]
        return t(
            self.takeaway_key,
            lang,
            label=metrics.label("refund_rate", lang),
            rate=overall,
            channel=top["label"],
            channel_rate=metrics.fmt("refund_rate", top["rate_now"], lang),
            compare=c.compare_words,
            points=format_delta(change, lang, kind="points") if change == change else "—",
        )

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure:
        return plot_refund_rates(
            p, title=title, now_name=t("funnels.col_now_period", c.lang), before_name=t("funnels.col_before_period", c.lang), lang=c.lang
        )

    def table(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        lang = c.lang
        return pd.DataFrame(
            {
                t("funnels.col_channel", lang): p["label"],
                metrics.label("enrolled", lang): [metrics.fmt("enrolled", v, lang) for v in p["enrolled_now"]],
                metrics.label("refunded", lang): [metrics.fmt("refunded", v, lang) for v in p["refunded_now"]],
                metrics.label("refund_rate", lang): [metrics.fmt("refund_rate", v, lang) for v in p["rate_now"]],
                t("funnels.col_refund_rate_before", lang): [metrics.fmt("refund_rate", v, lang) for v in p["rate_before"]],
                t("funnels.col_rate_change", lang): [format_delta(v, lang, kind="points") if v == v else "—" for v in p["change"]],
            }
        )

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        return p


class Tiers(Funnel):
    """Conversion by city tier: capital, prefecture, county."""

    id = "tiers"
    in_pack = True
    title_key = "funnels.chart_tier"
    takeaway_key = "brief.tiers_takeaway"
    metric_ids = ("enrol_rate",)
    takeaway_ids = ()

    def load(self, db: Reader, c: Context) -> pd.DataFrame:
        return db.get_funnel_by_stage(scope=c.scope, by=("tier",))

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        rates = enrol_rates(p, "tier", min_leads=1)
        if not {"capital", "county"} <= set(rates):  # one of the two not in scope (a city tier filter, Beijing): no "—"
            tier = next(x for x in ("capital", "county", "prefecture") if x in rates)
            return t("brief.tiers_one", c.lang, tier=label("tier", tier, c.lang), rate=format_percent(rates[tier], c.lang))
        return t(
            self.takeaway_key,
            c.lang,
            capital=format_percent(rates.get("capital", float("nan")), c.lang),
            county=format_percent(rates.get("county", float("nan")), c.lang),
        )

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure:
        return plot_conversion_by(
            p, dim="tier", labels={x: label("tier", x, c.lang) for x in TIERS}, keep_order=True, title=title, lang=c.lang
        )


class Provinces(Funnel):
    """Conversion by province."""

    id = "funnel_provinces"
    in_pack = False  # its parent class is on the pack; this one is not
    title_key = "funnels.chart_province"
    takeaway_key = "sections.provinces_takeaway"
    metric_ids = ("enrol_rate",)
    takeaway_ids = ()

    def load(self, db: Reader, c: Context) -> pd.DataFrame:
        return db.get_funnel_by_province(scope=c.scope)

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        rates = enrol_rates(p, "province_code")
        if len(rates) < 2:
            n = stage_totals(p)
            # One province chosen: nothing was left out of a comparison, so no "fewer than 30 leads" note.
            key = "sections.provinces_one" if len(c.scope.provinces) == 1 else "sections.provinces_single"
            return t(key, c.lang, scope=c.text.scope, rate=format_percent(n["enrolled"] / n["lead"], c.lang))
        best, worst = max(rates, key=rates.__getitem__), min(rates, key=rates.__getitem__)
        return t(
            self.takeaway_key,
            c.lang,
            best=c.name(best),
            best_rate=format_percent(rates[best], c.lang),
            worst=c.name(worst),
            worst_rate=format_percent(rates[worst], c.lang),
        )

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure:
        names = {code: c.name(code) for code in p["province_code"].unique()}
        return plot_conversion_by(p, dim="province_code", labels=names, horizontal=True, title=title, lang=c.lang)


class Trend(Section[pd.DataFrame, pd.DataFrame]):
    """Monthly events of one stage per channel."""

    id = "trend"
    page = "funnels"
    timeline = "month"
    title_key = "funnels.chart_trend"
    takeaway_key = "sections.trend_takeaway"
    empty_key = "funnels.empty"
    options = ("lead", "enrolled", "certified", "employed")

    def shows(self) -> tuple[str, ...]:
        return ("leads" if self.option == "lead" else self.option,)

    def title(self, c: Context) -> str:
        return t(self.title_key, c.lang, stage=label("stage", self.option, c.lang))

    def load(self, db: Reader, c: Context) -> pd.DataFrame:
        return db.get_events_by_month(scope=c.scope, by=("channel",))

    def prepare(self, frames: pd.DataFrame, c: Context) -> pd.DataFrame:
        return frames[frames["stage"] == self.option]

    def is_empty(self, p: pd.DataFrame) -> bool:
        return bool(p["events"].sum() == 0) if len(p) else True

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        by_month = p.groupby(["year", "month"])["events"].sum().sort_index()
        (py, pm), peak = by_month.idxmax(), by_month.max()
        (ly, lm), last = by_month.index[-1], by_month.iloc[-1]
        return t(
            "sections.trend_peak_is_last" if (py, pm) == (ly, lm) else self.takeaway_key,  # one month, or the last is the busiest
            c.lang,
            stage=label("stage", self.option, c.lang),
            peak_month=format_month(dt.date(int(py), int(pm), 1), c.lang),
            peak=format_number(peak, c.lang),
            last_month=format_month(dt.date(int(ly), int(lm), 1), c.lang),
            last=format_number(last, c.lang),
        )

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure:
        return plot_monthly_by_channel(p, stage=self.option, title=title, lang=c.lang)

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        return p


class Lag(Section[pd.DataFrame, pd.DataFrame]):
    """Days from lead to enrolment (or certificate), per channel."""

    id = "lag"
    in_pack = True
    page = "funnels"
    title_key = "funnels.chart_lag"
    takeaway_key = "brief.lag_takeaway"
    empty_key = "funnels.lag_empty"
    options = ("enrolled", "certified")
    id_of_option = {"certified": "lag_certified"}

    def stage(self, c: Context) -> str:
        """The stage inside a sentence: "Days from lead to enrolled" (English lower-cases the label)."""
        return in_sentence(label("stage", self.option, c.lang), c.lang)

    def title(self, c: Context) -> str:
        return t(self.title_key, c.lang, stage=self.stage(c))

    def empty_text(self, c: Context) -> str:
        return t(self.empty_key, c.lang, stage=label("stage", self.option, c.lang))

    def load(self, db: Reader, c: Context) -> pd.DataFrame:
        return db.get_cohort_lag(scope=c.scope)

    def prepare(self, frames: pd.DataFrame, c: Context) -> pd.DataFrame:
        return frames[frames["stage"] == self.option]

    def is_empty(self, p: pd.DataFrame) -> bool:
        return p.empty or p["learners"].sum() == 0

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        mean = p["total_days"].sum() / p["learners"].sum()
        fast = p[p["bucket"] == "0-30"]["learners"].sum() / p["learners"].sum()
        days = int(mean + 0.5)
        key = "brief.lag_takeaway_slow" if fast == 0 else self.takeaway_key
        return tn(key, days, c.lang, stage=self.stage(c), fast=format_percent(fast, c.lang))

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure:
        return plot_cohort_lag(p, stage=self.option, title=title, lang=c.lang)

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        return p


def city_channel_rates(cities: pd.DataFrame, lang: str, *, min_leads: int = MIN_LEADS) -> pd.DataFrame:
    """Per city and channel of a get_funnel_by_city frame: leads, enrolled, the enrolment rate and
    whether it is ranked (at least ``min_leads`` leads, the rule of every conversion ranking on the
    Funnels page: 0 of 2 says nothing). Ranked rows first, worst rate first (more leads first among
    equals); the others after them, most leads first. Columns: city_code, name_zh, name_en, city
    (the name in ``lang``), channel, leads, enrolled, enrol_rate, ranked."""
    cols = ["city_code", "name_zh", "name_en", "city", "channel", "leads", "enrolled", "enrol_rate", "ranked"]
    if cities.empty:
        return pd.DataFrame(columns=cols)
    d = cities.assign(
        city=cities["name_zh" if lang == "zh" else "name_en"],
        enrol_rate=cities["enrolled"] / cities["leads"].where(cities["leads"] > 0),
        ranked=cities["leads"] >= min_leads,
    )
    ranked = d[d["ranked"]].sort_values(["enrol_rate", "leads", "city_code"], ascending=[True, False, True], kind="stable")
    rest = d[~d["ranked"]].sort_values(["leads", "city_code"], ascending=[False, True], kind="stable")
    return pd.concat([ranked, rest])[cols].reset_index(drop=True)


def city_channel_table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """city_channel_rates rows for reading: city, channel, and the registry's labels and formats."""
    return pd.DataFrame(
        {
            t("funnels.col_city", lang): list(rows["city"]),
            t("funnels.col_channel", lang): [label("channel", x, lang) for x in rows["channel"]],
            metrics.label("cohort_leads", lang): [metrics.fmt("cohort_leads", v, lang) for v in rows["leads"]],
            metrics.label("cohort_enrolled", lang): [metrics.fmt("cohort_enrolled", v, lang) for v in rows["enrolled"]],
            metrics.label("enrol_rate", lang): [metrics.fmt("enrol_rate", v, lang) for v in rows["enrol_rate"]],
        }
    )


@dataclass(frozen=True)
class CityFrames:
    province: str  # the one province in scope ("" when the scope is not exactly one province)
    cities: pd.DataFrame  # get_funnel_by_city by channel


@dataclass(frozen=True)
class CityRates:
    province: str
    rows: pd.DataFrame  # city_channel_rates


class CityChannels(Section[CityFrames, CityRates]):
    """Inside one province: the period's leads, enrolled so far and the enrolment rate per city and
    channel, the worst first (among those with at least ``MIN_LEADS`` leads). The page lists every
    row and the export holds them all; a slide shows the first ``SLIDE_ROWS``."""

    id = "city_channels"
    page = "funnels"
    title_key = "funnels.city_title"
    takeaway_key = "funnels.city_takeaway"
    empty_key = "funnels.city_hint"
    metric_ids = ("cohort_leads", "cohort_enrolled", "enrol_rate")
    takeaway_ids = ("enrol_rate",)
    SLIDE_ROWS = 15

    def title(self, c: Context) -> str:
        code = c.scope.provinces[0] if len(c.scope.provinces) == 1 else ""
        return t(self.title_key, c.lang, province=c.name(code)) if code else t("funnels.city_title_none", c.lang)

    def empty_text(self, c: Context) -> str:
        return t("funnels.empty" if len(c.scope.provinces) == 1 else self.empty_key, c.lang)

    def load(self, db: Reader, c: Context) -> CityFrames:
        if len(c.scope.provinces) != 1:
            return CityFrames("", pd.DataFrame())
        return CityFrames(c.scope.provinces[0], db.get_funnel_by_city(scope=c.scope, by=("channel",)))

    def prepare(self, frames: CityFrames, c: Context) -> CityRates:
        return CityRates(frames.province, city_channel_rates(frames.cities, c.lang))

    def is_empty(self, p: CityRates) -> bool:
        return not p.province or p.rows.empty or bool(p.rows["leads"].sum() == 0)

    def takeaway(self, p: CityRates, c: Context) -> str:
        lang, rows = c.lang, p.rows
        overall = metrics.fmt("enrol_rate", rows["enrolled"].sum() / rows["leads"].sum(), lang)
        ranked = rows[rows["ranked"]]
        if ranked.empty:
            return tn("funnels.city_takeaway_small", MIN_LEADS, lang, province=c.name(p.province), rate=overall)
        worst = ranked.iloc[0]
        return tn(
            self.takeaway_key,
            worst["leads"],
            lang,
            province=c.name(p.province),
            city=worst["city"],
            channel=label("channel", worst["channel"], lang),
            enrolled=metrics.fmt("cohort_enrolled", worst["enrolled"], lang),
            n=metrics.fmt("cohort_leads", worst["leads"], lang),
            rate=metrics.fmt("enrol_rate", worst["enrol_rate"], lang),
            overall=overall,
        )

    def table(self, p: CityRates, c: Context) -> pd.DataFrame:
        ranked = p.rows[p.rows["ranked"]]
        return city_channel_table((ranked if len(ranked) else p.rows).head(self.SLIDE_ROWS), c.lang)

    def data(self, p: CityRates, c: Context) -> pd.DataFrame:
        return p.rows.drop(columns=["city"])


__all__ = [
    "Channels",
    "CityChannels",
    "Funnel",
    "FunnelCompare",
    "Lag",
    "Provinces",
    "RefundsByChannel",
    "Tiers",
    "Trend",
    "city_channel_rates",
    "city_channel_table",
    "comparison_scope",
]
