"""Investment sections: the money cards, money over time, by sector and province, and the projects
at risk. Planned, committed, disbursed and the execution rate are the registry's metrics
(components/metrics.py ``read``) everywhere (cards, takeaways, slides): one definition each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from components import metrics
from components.charts.investment import cumulative_spend_frame, plot_cumulative_spend, plot_money_bars
from components.context import Context
from components.i18n import format_date, format_money, format_number, format_percent, label, t, tn
from components.kpi import Card, DeltaColor
from components.sections.base import Section

if TYPE_CHECKING:
    from data_access.reader import Reader


@dataclass(frozen=True)
class Money:
    """The period's money in yuan and the execution rate (NaN without a plan)."""

    planned: float
    committed: float
    disbursed: float
    execution: float

    METRICS = ("planned_yuan", "committed_yuan", "disbursed_yuan", "execution")

    @classmethod
    def of(cls, kpis: pd.DataFrame) -> Money:
        """From a registry frame (``components.metrics.read`` of ``Money.METRICS``)."""
        v = kpis.set_index("metric")["value"]
        return cls(float(v["planned_yuan"]), float(v["committed_yuan"]), float(v["disbursed_yuan"]), float(v["execution"]))

    def rate(self, lang: str) -> str:
        return metrics.fmt("execution", self.execution, lang)


@dataclass(frozen=True)
class PortfolioFrames:
    kpis: pd.DataFrame
    projects: pd.DataFrame  # get_investment_by_project


@dataclass(frozen=True)
class Portfolio:
    money: Money
    projects: pd.DataFrame
    at_risk: int
    cards: tuple[Card, ...]


class InvestmentSummary(Section[PortfolioFrames, Portfolio]):
    """The Investment page's cards: planned, committed, disbursed, execution, projects at risk."""

    id = "investment_summary"
    page = "investment"
    title_key = "sections.investment_summary"
    takeaway_key = "sections.investment_takeaway"
    empty_key = "investment.empty"

    metric_ids = (*Money.METRICS, "projects", "at_risk_projects")
    takeaway_ids = ("planned_yuan", "disbursed_yuan", "execution", "projects", "at_risk_projects")

    def load(self, db: Reader, c: Context) -> PortfolioFrames:
        return PortfolioFrames(metrics.read(db, c, self.metric_ids), db.get_investment_by_project(scope=c.scope, as_of=c.as_of))

    def prepare(self, frames: PortfolioFrames, c: Context) -> Portfolio:
        lang, money, projects = c.lang, Money.of(frames.kpis), frames.projects
        at_risk = int(metrics.values_of(frames.kpis)["at_risk_projects"])

        def card(metric: str, value: float, note: str, color: DeltaColor = "normal") -> Card:
            return Card(
                metrics.label(metric, lang), metrics.fmt(metric, value, lang), None, color, note, help=metrics.definition(metric, lang)
            )

        cards = (
            card("planned_yuan", money.planned, t("investment.planned_note", lang)),
            card("committed_yuan", money.committed, tn("investment.projects_n", len(projects), lang)),
            card("disbursed_yuan", money.disbursed, t("investment.disbursed_note", lang)),
            card("execution", money.execution, t("investment.execution_note", lang)),
            card(
                "at_risk_projects",
                at_risk,
                t("investment.at_risk_note", lang, pct=format_percent(at_risk / len(projects), lang) if len(projects) else "—"),
                "inverse",
            ),
        )
        return Portfolio(money, projects, at_risk, cards)

    def is_empty(self, p: Portfolio) -> bool:
        return p.projects.empty

    def takeaway(self, p: Portfolio, c: Context) -> str:
        lang, n, risk = c.lang, len(p.projects), p.at_risk
        money = {"planned": format_money(p.money.planned, lang), "paid": format_money(p.money.disbursed, lang), "rate": p.money.rate(lang)}
        # No "0 of 21 at risk", no "1 of 1": none, the only one and all of them say it in words.
        if risk == 0:
            return t("sections.investment_takeaway_no_risk", lang, **money)
        if n == 1:
            return t("sections.investment_takeaway_only_risk", lang, **money)
        return tn(
            "sections.investment_takeaway_all_risk" if risk == n else self.takeaway_key,
            n,
            lang,
            n=metrics.fmt("projects", n, lang),
            risk=metrics.fmt("at_risk_projects", risk, lang),
            **money,
        )

    def table(self, p: Portfolio, c: Context) -> pd.DataFrame:
        lang = c.lang
        return pd.DataFrame(
            {
                t("brief.col_metric", lang): [card.label for card in p.cards],
                t("brief.col_value", lang): [card.value for card in p.cards],
                t("sections.col_note", lang): [card.target_line or "" for card in p.cards],
            }
        )

    def data(self, p: Portfolio, c: Context) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "metric": ["planned_yuan", "committed_yuan", "disbursed_yuan", "execution", "at_risk"],
                "value": [p.money.planned, p.money.committed, p.money.disbursed, p.money.execution, p.at_risk],
            }
        )


@dataclass(frozen=True)
class SpendFrames:
    kpis: pd.DataFrame
    planned_by_year: pd.DataFrame
    disbursed_by_month: pd.DataFrame


@dataclass(frozen=True)
class Spend:
    money: Money
    months: pd.DataFrame  # cumulative_spend_frame: month, planned (spread evenly), disbursed


class SpendOverTime(Section[SpendFrames, Spend]):
    """Cumulative planned (annual plans spread by month) and disbursed money over the period."""

    id = "spend"
    in_pack = True
    page = "investment"
    timeline = "month"
    title_key = "investment.chart_cumulative"
    takeaway_key = "brief.spend_takeaway"
    empty_key = "investment.empty"

    metric_ids = ("planned_yuan", "disbursed_yuan", "execution")
    takeaway_ids = metric_ids

    def load(self, db: Reader, c: Context) -> SpendFrames:
        return SpendFrames(
            metrics.read(db, c, Money.METRICS), db.get_planned_by_year(scope=c.scope), db.get_disbursed_by_month(scope=c.scope)
        )

    def prepare(self, frames: SpendFrames, c: Context) -> Spend:
        return Spend(
            Money.of(frames.kpis),
            cumulative_spend_frame(frames.planned_by_year, frames.disbursed_by_month, start=c.scope.start, end=c.scope.end),
        )

    def is_empty(self, p: Spend) -> bool:
        return p.money.planned == 0 and p.money.disbursed == 0

    def takeaway(self, p: Spend, c: Context) -> str:
        lang = c.lang
        to_date = float(p.months["planned"].iloc[-1]) if len(p.months) else 0.0
        whole = abs(to_date - p.money.planned) < 0.5  # the period is over: its plan is all due
        return t(
            "brief.spend_takeaway_whole" if whole else self.takeaway_key,
            lang,
            planned=format_money(p.money.planned, lang),
            to_date=format_money(to_date, lang),
            paid=format_money(p.money.disbursed, lang),
            rate=p.money.rate(lang),
        )

    def figure(self, p: Spend, c: Context, title: str) -> go.Figure:
        return plot_cumulative_spend(p.months, title=title, lang=c.lang)

    def data(self, p: Spend, c: Context) -> pd.DataFrame:
        return p.months.rename(columns={"month": "month_start"})


class MoneyBy(Section[pd.DataFrame, pd.DataFrame]):
    """Planned, committed and disbursed money by sector (the province variant is its own section)."""

    id = "sectors"
    in_pack = True
    page = "investment"
    title_key = "investment.chart_sector"
    takeaway_key = "brief.sector_takeaway"
    empty_key = "investment.empty"
    grain = "sector"
    top = 15
    single_key = "brief.sector_single"  # one group in scope: no "the largest ... (100.0%)"
    metric_ids = Money.METRICS

    def load(self, db: Reader, c: Context) -> pd.DataFrame:
        return db.get_investment_by(scope=c.scope, grain="sector" if self.grain == "sector" else "province")

    def prepare(self, frames: pd.DataFrame, c: Context) -> pd.DataFrame:
        df = frames.copy()
        if self.grain == "sector":
            df["label"] = [label("sector", s, c.lang) for s in df["sector"]]
        else:
            df["label"] = df["province_name_zh" if c.lang == "zh" else "province_name_en"]
        return df.sort_values("planned_yuan", ascending=False, kind="stable")

    def is_empty(self, p: pd.DataFrame) -> bool:
        return p.empty

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        """The group with the largest plan (the chart's order), with all three measures the bars show."""
        top, total, lang = p.iloc[0], p["planned_yuan"].sum(), c.lang
        return t(
            self.single_key if len(p) == 1 else self.takeaway_key,
            lang,
            name=top["label"],
            planned=metrics.fmt("planned_yuan", top["planned_yuan"], lang),
            share=format_percent(top["planned_yuan"] / total, lang) if total else "—",
            committed=metrics.fmt("committed_yuan", top["committed_yuan"], lang),
            paid=metrics.fmt("disbursed_yuan", top["disbursed_yuan"], lang),
            rate=metrics.fmt("execution", top["pct_executed"], lang),
        )

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure:
        return plot_money_bars(p, title=title, lang=c.lang, top=self.top)

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        return p.drop(columns="label")


class MoneyByProvince(MoneyBy):
    id = "investment_provinces"
    in_pack = False  # its parent class is on the pack; this one is not
    title_key = "investment.chart_province"
    takeaway_key = "sections.province_money_takeaway"
    single_key = "sections.province_money_single"
    grain = "province"
    top = 12


@dataclass(frozen=True)
class RiskFrames:
    projects: pd.DataFrame  # get_investment_by_project


class Risk(Section[RiskFrames, pd.DataFrame]):
    """The projects at risk (paid ahead of plan, or a milestone overdue), biggest plan first."""

    id = "risk"
    in_pack = True
    page = "investment"
    title_key = "brief.risk"
    takeaway_key = "brief.risk_takeaway"
    empty_key = "investment.empty"
    metric_ids = ("at_risk_projects", "planned_yuan", "disbursed_yuan")

    def load(self, db: Reader, c: Context) -> RiskFrames:
        return RiskFrames(db.get_investment_by_project(scope=c.scope, as_of=c.as_of))

    def prepare(self, frames: RiskFrames, c: Context) -> pd.DataFrame:
        return frames.projects.sort_values("planned_yuan", ascending=False, kind="stable")

    def is_empty(self, p: pd.DataFrame) -> bool:
        return p.empty

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        lang, risky = c.lang, p[p["at_risk"]]
        risk, total = len(risky), len(p)
        if risk == 0:
            return t("brief.risk_none", lang)
        if total == 1:  # not "1 of 1 at risk: 1 ..."; the table says why
            return t("brief.risk_takeaway_only", lang, name=risky.iloc[0]["name_zh" if lang == "zh" else "name_en"])
        ahead, overdue = int(risky["ahead_of_plan"].sum()), int((risky["overdue_milestones"] > 0).sum())
        reasons = ([t("brief.risk_ahead", lang, n=format_number(ahead, lang))] if ahead else []) + (
            [t("brief.risk_overdue", lang, n=format_number(overdue, lang))] if overdue else []
        )  # a reason no project has is left out, not "0 ahead of plan"
        return tn(
            "brief.risk_takeaway_all" if risk == total else self.takeaway_key,
            total,
            lang,
            risk=format_number(risk, lang),
            reasons=("，" if lang == "zh" else ", ").join(reasons),
        )

    def table(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        lang, risky = c.lang, p[p["at_risk"]]
        return pd.DataFrame(
            {
                t("investment.col_code", lang): risky["code"],
                t("investment.col_name", lang): risky["name_zh" if lang == "zh" else "name_en"],
                metrics.label("planned_yuan", lang): [metrics.fmt("planned_yuan", v, lang) for v in risky["planned_yuan"]],
                metrics.label("disbursed_yuan", lang): [metrics.fmt("disbursed_yuan", v, lang) for v in risky["disbursed_yuan"]],
                t("investment.col_risk", lang): [
                    risk_text(a, o, lang) for a, o in zip(risky["ahead_of_plan"], risky["overdue_milestones"])
                ],
            }
        )

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        return p.drop(columns=["partner_id", "project_id"])


def risk_text(ahead: bool, overdue: int, lang: str) -> str:
    """Why a project is at risk, in words: every reason that applies ("" when none does)."""
    reasons = ([t("investment.risk_ahead", lang)] if ahead else []) + ([overdue_text(overdue, lang)] if overdue else [])
    return ("；" if lang == "zh" else "; ").join(reasons)


def overdue_text(n: int, lang: str) -> str:
    """The overdue-milestones reason in words, "1 milestone overdue", "3 milestones overdue"."""
    return tn("investment.risk_overdue", n, lang)


def paid_to_date_rate(projects: pd.DataFrame) -> pd.Series:
    """Paid to date ÷ planned to date per project (NaN without a plan to date): the rate the
    "paid ahead of plan" flag compares (get_investment_by_project, AHEAD_TOLERANCE)."""
    planned = projects["planned_to_date_yuan"].where(projects["planned_to_date_yuan"] > 0)
    return projects["disbursed_to_date_yuan"] / planned


STATUS_ORDER = {"active": 0, "planning": 1, "suspended": 2, "completed": 3}

# An ended project, or one ending within ENDING_WITHIN_DAYS days of the data date, that has paid less
# than UNDERSPEND_BELOW of its plan to date is underspent, and its verdict says so. Why 85 %: at the
# end of a project its whole plan is due, and what may honestly still be unpaid is a final payment
# held back until acceptance (尾款, commonly 5-10 %) plus the 5 % a plan is allowed to miss by, the
# tolerance "ahead of plan" gives the other way (AHEAD_TOLERANCE); below that, money planned was not
# spent. Why 90 days: a quarter of payments (the demo pays quarterly) is the last chance to catch up.
UNDERSPEND_BELOW = 0.85
ENDING_WITHIN_DAYS = 90


def _day(value: object) -> dt.date | None:
    """A DATE cell as a date (None when missing)."""
    if value is None or value != value:  # None or NaN
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class ProjectLife:
    """One project over its whole life: cards (committed, planned, paid to date), and a verdict."""

    cards: tuple[Card, ...]
    on_track: bool
    verdict: str


def project_life(p: pd.Series, milestones: pd.DataFrame, *, as_of: dt.date, lang: str) -> ProjectLife:
    """The drill-down's answer for one row of get_investment_by_project over all years (pure).

    On track means: not suspended, not paid ahead of plan, no milestone overdue, and not ended (or
    ending within ``ENDING_WITHIN_DAYS`` days) with less than ``UNDERSPEND_BELOW`` of its plan to
    date paid; the verdict names every reason it is not, with the figures.
    """
    committed, planned = float(p["committed_yuan"]), float(p["planned_yuan"])
    paid, plan_now = float(p["disbursed_to_date_yuan"]), float(p["planned_to_date_yuan"])
    overdue = int(
        sum(
            1
            for due, done in zip(milestones.get("due_on", []), milestones.get("done_on", []))
            if not (done is not None and done == done) and due < as_of
        )
    )

    def pct(a: float, b: float) -> str:
        return format_percent(a / b, lang) if b else "—"

    cards = (
        Card(t("metric.committed_yuan", lang), format_money(committed, lang), None, "off", t("investment.life_committed", lang)),
        Card(
            t("metric.planned_yuan", lang),
            format_money(planned, lang),
            None,
            "off",
            t("investment.life_planned", lang, to_date=format_money(plan_now, lang)),
        ),
        Card(
            t("investment.life_paid", lang),
            format_money(paid, lang),
            None,
            "off",
            t("investment.life_paid_note", lang, of_committed=pct(paid, committed), of_plan=pct(paid, plan_now)),
        ),
    )
    reasons = []
    if p["status"] == "suspended":
        reasons.append(t("investment.reason_suspended", lang))
    if bool(p["ahead_of_plan"]):
        reasons.append(t("investment.reason_ahead", lang, rate=pct(paid, plan_now)))
    end = _day(p.get("end_on"))
    if end is not None and plan_now > 0 and paid < plan_now * UNDERSPEND_BELOW and end <= as_of + dt.timedelta(days=ENDING_WITHIN_DAYS):
        reasons.append(
            t(
                "investment.reason_under_ended" if end < as_of else "investment.reason_under_ending",
                lang,
                rate=pct(paid, plan_now),
                paid=format_money(paid, lang),
                planned=format_money(plan_now, lang),
                date=format_date(end, lang),
            )
        )
    if overdue:
        reasons.append(overdue_text(overdue, lang))
    sep = "；" if lang == "zh" else "; "
    if reasons:
        return ProjectLife(cards, False, t("investment.verdict_risk", lang, reasons=sep.join(reasons)))
    return ProjectLife(cards, True, t("investment.verdict_ok", lang, rate=pct(paid, plan_now)))
