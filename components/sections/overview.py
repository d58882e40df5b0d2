"""Overview sections: the headline cards (and the pack's KPI table made from the same cards), and
the biggest movers against last year."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from components.charts.overview import plot_movers
from components.context import Context
from components.i18n import format_delta, format_number, format_percent, label, t
from components.kpi import Card, card_from
from components.sections.base import Section
from data_access.scope import Scope

if TYPE_CHECKING:
    from data_access.reader import Reader

# --- headline figures -------------------------------------------------------------------------


def with_execution(kpis: pd.DataFrame) -> pd.DataFrame:
    """The get_kpis frame plus an ``execution`` row: disbursed ÷ planned in the period (and a year
    earlier). The one definition of the execution rate: cards, pack and takeaways read it here."""
    k = kpis.set_index("metric")

    def rate(col: str) -> float:
        planned = float(k.loc["planned_yuan", col])
        return float(k.loc["disbursed_yuan", col]) / planned if planned else float("nan")

    row = pd.DataFrame([{"metric": "execution", "value": rate("value"), "previous": rate("previous"), "target": float("nan")}])
    return pd.concat([kpis[kpis["metric"] != "execution"], row], ignore_index=True)


@dataclass(frozen=True)
class KpiFrames:
    kpis: pd.DataFrame  # get_kpis
    monthly: pd.DataFrame  # get_events_by_month by province (the cards' trend lines)
    pacing: pd.DataFrame | None = None  # get_kpi_pacing, for a year-to-date view only


def is_year_to_date(scope: Scope, as_of: dt.date) -> bool:
    """The period is this year so far: it starts on 1 January of the data's year and ends with
    the data-as-of date, before the year is over (a quarter, or a past year, is not paced)."""
    return (
        scope.start == dt.date(as_of.year, 1, 1) and scope.end == as_of + dt.timedelta(days=1) and scope.end < dt.date(as_of.year + 1, 1, 1)
    )


@dataclass(frozen=True)
class KpiCards:
    """The cards in their groups (heading key, cards), and the frame they were made from."""

    groups: tuple[tuple[str, tuple[Card, ...]], ...]
    kpis: pd.DataFrame

    def card(self, metric_label: str) -> Card:
        return next(c for _, cards in self.groups for c in cards if c.label == metric_label)


def spark(monthly: pd.DataFrame, stage: str) -> list[float]:
    """Monthly events of one stage, summed over the grain, for the small trend line in a card."""
    return monthly[monthly["stage"] == stage].groupby(["year", "month"])["events"].sum().astype(float).tolist()


def kpi_cards(kpis: pd.DataFrame, monthly: pd.DataFrame, lang: str, pacing: pd.DataFrame | None = None) -> KpiCards:
    """The Overview's cards from a get_kpis frame (pure), with the year-end projections of a
    get_kpi_pacing frame on the cards of flow metrics with a target."""
    k = with_execution(kpis)
    v = k.set_index("metric")["value"]
    split = t(
        "overview.partner_split",
        lang,
        g=format_number(v["partners_G"], lang),
        b=format_number(v["partners_B"], lang),
        s=format_number(v["partners_S"], lang),
    )
    enrolled, refunded = v["enrolled"], v["refunded"]
    execution = k[k["metric"] == "execution"].fillna({"value": 0.0, "previous": 0.0})
    groups = (
        (
            "overview.section_partners",
            (
                card_from(k, "partners", lang=lang, help=split),
                # The split by end is also in the partners card's tooltip: detail a phone leaves out.
                *(replace(card_from(k, f"partners_{e}", lang=lang), on_phone=False) for e in ("S", "B", "G")),
                card_from(k, "schools", lang=lang, help=t("overview.schools_help", lang)),
                card_from(k, "active_projects", lang=lang),
            ),
        ),
        (
            "overview.section_money",
            (
                card_from(k, "planned_yuan", lang=lang, kind="money"),
                card_from(k, "committed_yuan", lang=lang, kind="money", help=t("overview.committed_help", lang)),
                card_from(k, "disbursed_yuan", lang=lang, kind="money", pacing=pacing),
                card_from(
                    execution,
                    "execution",
                    lang=lang,
                    kind="percent",
                    label=t("metric.execution", lang),
                    help=t("overview.execution_help", lang),
                ),
            ),
        ),
        (
            "overview.section_funnel",
            (
                card_from(k, "leads", lang=lang, chart=spark(monthly, "lead"), pacing=pacing),
                card_from(k, "enrolled", lang=lang, chart=spark(monthly, "enrolled"), pacing=pacing),
                card_from(k, "certified", lang=lang, chart=spark(monthly, "certified"), pacing=pacing),
                card_from(k, "employed", lang=lang, chart=spark(monthly, "employed"), pacing=pacing),
                card_from(
                    k,
                    "refunded",
                    lang=lang,
                    inverse=True,
                    chart=spark(monthly, "refunded"),
                    help=t("overview.refund_help", lang, rate=format_percent(refunded / enrolled, lang) if enrolled else "—"),
                ),
            ),
        ),
    )
    return KpiCards(groups, k)


class Kpis(Section[KpiFrames, KpiCards]):
    """The headline cards; the pack shows the same cards as a table."""

    id = "kpis"
    in_pack = True
    page = "overview"
    title_key = "brief.kpis"
    takeaway_key = "brief.kpis_takeaway"
    empty_key = "empty.scope"

    def load(self, db: Reader, c: Context) -> KpiFrames:
        pacing = db.get_kpi_pacing(scope=c.scope) if is_year_to_date(c.scope, c.as_of) else None
        return KpiFrames(db.get_kpis(scope=c.scope), db.get_events_by_month(scope=c.scope, by=("province",)), pacing)

    def prepare(self, frames: KpiFrames, c: Context) -> KpiCards:
        return kpi_cards(frames.kpis, frames.monthly, c.lang, frames.pacing)

    def is_empty(self, p: KpiCards) -> bool:
        return False

    def takeaway(self, p: KpiCards, c: Context) -> str:
        lang = c.lang
        partners, leads = p.card(t("metric.partners", lang)), p.card(t("metric.leads", lang))
        k = p.kpis.set_index("metric")
        return t(
            self.takeaway_key,
            lang,
            partners=partners.value,
            leads=leads.value,
            reached=leads.reached or "—",
            delta=format_delta(k.loc["partners", "value"] - k.loc["partners", "previous"], lang),
        )

    def table(self, p: KpiCards, c: Context) -> pd.DataFrame:
        lang = c.lang
        shown = (
            "partners",
            "schools",
            "active_projects",
            "planned_yuan",
            "disbursed_yuan",
            "execution",
            "leads",
            "enrolled",
            "certified",
            "employed",
            "refunded",
        )
        labels = {t(f"metric.{m}", lang) for m in shown}
        cards = [card for _, group in p.groups for card in group if card.label in labels]
        paced = any(card.pacing_line for card in cards)  # a year-to-date view: the projection is a column too
        return pd.DataFrame(
            [
                {
                    t("brief.col_metric", lang): card.label,
                    t("brief.col_value", lang): card.value,
                    t("brief.col_vs_last_year", lang): card.delta or "—",
                    t("brief.col_target", lang): card.target or "—",
                    t("brief.col_reached", lang): card.reached or "—",
                    **({t("brief.col_projected", lang): card.projected or "—"} if paced else {}),
                }
                for card in cards
            ]
        )

    def data(self, p: KpiCards, c: Context) -> pd.DataFrame:
        return p.kpis


# --- movers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoverFrames:
    key: str  # "province" or "channel"
    now: pd.DataFrame  # get_events_by_month by key, this period
    before: pd.DataFrame  # the same a year earlier


def movers_frame(now: pd.DataFrame, before: pd.DataFrame, *, key: str, stage: str, labels: dict[str, str], top: int = 8) -> pd.DataFrame:
    """Per ``key`` value: events of ``stage`` now and a year earlier, the change, the label; the
    ``top`` biggest changes (either way) first, unchanged ones left out. Index: the key values."""
    a = now[now["stage"] == stage].groupby(key)["events"].sum()
    b = before[before["stage"] == stage].groupby(key)["events"].sum()
    d = pd.DataFrame({"now": a, "before": b}).fillna(0)
    d["change"] = d["now"] - d["before"]
    d["label"] = [labels.get(x, x) for x in d.index]
    moved = d[d["change"] != 0]
    return moved.loc[moved["change"].abs().sort_values(ascending=False, kind="stable").index].head(top)


class Movers(Section[MoverFrames, pd.DataFrame]):
    """What changed most against the same dates last year: by province when the scope spans three
    or more provinces, else by channel."""

    id = "movers"
    in_pack = True
    page = "overview"
    title_key = "overview.movers_lead"
    takeaway_key = "brief.movers_takeaway"
    empty_key = "empty.no_change"
    options = ("lead", "enrolled")
    id_of_option = {"enrolled": "movers_enrolled"}

    @staticmethod
    def grain(c: Context) -> str:
        return "province" if len(c.scope.provinces) >= 3 else "channel"

    def title(self, c: Context) -> str:
        by = "" if self.grain(c) == "province" else "channel_"
        return t(f"overview.movers_{by}{self.option}", c.lang)

    def load(self, db: Reader, c: Context) -> MoverFrames:
        key = self.grain(c)
        return MoverFrames(
            key, db.get_events_by_month(scope=c.scope, by=(key,)), db.get_events_by_month(scope=c.scope.year_earlier(), by=(key,))
        )

    def prepare(self, frames: MoverFrames, c: Context) -> pd.DataFrame:
        codes = set(frames.now.get(frames.key, [])) | set(frames.before.get(frames.key, []))
        labels = {x: c.name(x) if frames.key == "province" else label("channel", x, c.lang) for x in codes}
        return movers_frame(frames.now, frames.before, key=frames.key, stage=self.option, labels=labels)

    def is_empty(self, p: pd.DataFrame) -> bool:
        return p.empty

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        top = p.iloc[0]
        metric = "leads" if self.option == "lead" else self.option
        return t(
            self.takeaway_key,
            c.lang,
            name=top["label"],
            stage=t(f"metric.{metric}", c.lang),
            change=format_delta(top["change"], c.lang),
            now=format_number(top["now"], c.lang),
        )

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure:
        return plot_movers(p, title=title, lang=c.lang)

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        key = self.grain(c)
        return p.reset_index(names=f"{key}_code" if key == "province" else key)[
            [f"{key}_code" if key == "province" else key, "label", "before", "now", "change"]
        ]
