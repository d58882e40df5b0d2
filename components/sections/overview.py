"""Overview sections: the headline cards (and the pack's KPI table made from the same cards), and
the biggest movers against last year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

import pandas as pd
import plotly.graph_objects as go

from components import metrics
from components.charts.overview import plot_growth, plot_movers, plot_target_progress
from components.context import Context
from components.i18n import format_date, format_delta, format_number, format_percent, label, t, tn
from components.kpi import Card, card_from
from components.sections.base import Section
from data_access.scope import Scope

if TYPE_CHECKING:
    from data_access.reader import Reader

# --- headline figures -------------------------------------------------------------------------

# The metrics the cards show, in the registry's words (components/metrics.py).
CARD_METRICS: tuple[str, ...] = (
    "partners",
    "partners_G",
    "partners_B",
    "partners_S",
    "schools",
    "active_projects",
    "planned_yuan",
    "committed_yuan",
    "disbursed_yuan",
    "execution",
    "leads",
    "enrolled",
    "certified",
    "employed",
    "refunded",
    "refund_rate",
)
# The pack's KPI table: the cards without the partner split.
TABLE_METRICS: tuple[str, ...] = (
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


@dataclass(frozen=True)
class KpiFrames:
    kpis: pd.DataFrame  # components.metrics.read of CARD_METRICS
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

    def card(self, metric: str, lang: str) -> Card:
        """The card of a registry metric."""
        return next(c for _, cards in self.groups for c in cards if c.label == metrics.label(metric, lang))


def spark(monthly: pd.DataFrame, stage: str) -> list[float]:
    """Monthly events of one stage, summed over the grain, for the small trend line in a card."""
    return monthly[monthly["stage"] == stage].groupby(["year", "month"])["events"].sum().astype(float).tolist()


def compared_text(c: Context) -> str:
    """What every delta compares with, with its dates: "变化较去年同期（2025-01-01 至 2025-10-31）"."""
    before = c.compared
    return t(
        "kpi.compared",
        c.lang,
        compare=c.compare_words,
        start=format_date(before.start, c.lang),
        end=format_date(before.end - dt.timedelta(days=1), c.lang),
    )


def kpi_cards(
    kpis: pd.DataFrame, monthly: pd.DataFrame, lang: str, pacing: pd.DataFrame | None = None, compared: str | None = None
) -> KpiCards:
    """The Overview's cards from a registry frame (pure), with the year-end projections of a
    get_kpi_pacing frame on the cards of flow metrics with a target."""
    v = kpis.set_index("metric")["value"]
    split = t(
        "overview.partner_split",
        lang,
        g=format_number(v["partners_G"], lang),
        b=format_number(v["partners_B"], lang),
        s=format_number(v["partners_S"], lang),
    )

    def card(metric: str, **kw) -> Card:
        return card_from(kpis, metric, lang=lang, compared=compared, **kw)

    refund_rate = metrics.fmt("refund_rate", v["refund_rate"], lang)
    groups = (
        (
            "overview.section_partners",
            (
                card("partners", help=split),
                # The split by end is also in the partners card's tooltip: detail a phone leaves out.
                *(replace(card(f"partners_{e}"), on_phone=False) for e in ("S", "B", "G")),
                card("schools", help=t("overview.schools_help", lang)),
                # Projects are the Investment page's subject: a phone's Overview leaves this card out.
                replace(card("active_projects"), on_phone=False),
            ),
        ),
        (
            "overview.section_money",
            (
                card("planned_yuan"),
                card("committed_yuan"),
                card("disbursed_yuan", pacing=pacing),
                card("execution"),
            ),
        ),
        (
            "overview.section_funnel",
            (
                card("leads", chart=spark(monthly, "lead"), pacing=pacing),
                card("enrolled", chart=spark(monthly, "enrolled"), pacing=pacing),
                card("certified", chart=spark(monthly, "certified"), pacing=pacing),
                card("employed", chart=spark(monthly, "employed"), pacing=pacing),
                card(
                    "refunded",
                    chart=spark(monthly, "refunded"),
                    help=f"{metrics.label('refund_rate', lang)} {refund_rate}：{metrics.definition('refund_rate', lang)}"
                    if lang == "zh"
                    else f"{metrics.label('refund_rate', lang)} {refund_rate}: {metrics.definition('refund_rate', lang)}",
                ),
            ),
        ),
    )
    return KpiCards(groups, kpis)


class Kpis(Section[KpiFrames, KpiCards]):
    """The headline cards; the pack shows the same cards as a table."""

    id = "kpis"
    in_pack = True
    page = "overview"
    title_key = "brief.kpis"
    takeaway_key = "brief.kpis_takeaway"
    empty_key = "empty.scope"

    metric_ids: ClassVar[tuple[str, ...]] = CARD_METRICS
    takeaway_ids: ClassVar[tuple[str, ...]] = ("partners", "leads")

    def load(self, db: Reader, c: Context) -> KpiFrames:
        pacing = db.get_kpi_pacing(scope=c.scope) if is_year_to_date(c.scope, c.as_of) else None
        return KpiFrames(metrics.read(db, c, CARD_METRICS), db.get_events_by_month(scope=c.scope, by=("province",)), pacing)

    def prepare(self, frames: KpiFrames, c: Context) -> KpiCards:
        return kpi_cards(frames.kpis, frames.monthly, c.lang, frames.pacing, compared_text(c))

    def is_empty(self, p: KpiCards) -> bool:
        # Nothing at all in scope (no province chosen, or a period before the data): the sentence
        # that says so, not "0 partners (0), 0 new leads, —". The cards still show their zeros.
        return bool(pd.to_numeric(p.kpis["value"], errors="coerce").fillna(0).eq(0).all())

    def empty_text(self, c: Context) -> str:
        return t(self.empty_key if c.scope.is_empty else "empty.no_data", c.lang)

    def takeaway(self, p: KpiCards, c: Context) -> str:
        lang = c.lang
        partners, leads = p.card("partners", lang), p.card("leads", lang)
        k = p.kpis.set_index("metric")
        # A clause with nothing to say is left out: no leads, no partners (no partner end chosen:
        # no target either), or no target to be measured against.
        key = self.takeaway_key if leads.reached else "brief.kpis_takeaway_no_target"
        if k.loc["leads", "value"] == 0:
            key = "brief.kpis_takeaway_no_leads"
        elif k.loc["partners", "value"] == 0:
            key = "brief.kpis_takeaway_no_partners"
        return t(
            key,
            lang,
            partners=partners.value,
            leads=leads.value,
            reached=leads.reached or "—",
            compare=c.compare_words,
            delta=format_delta(k.loc["partners", "value"] - k.loc["partners", "previous"], lang),
        )

    def table(self, p: KpiCards, c: Context) -> pd.DataFrame:
        lang = c.lang
        labels = {metrics.label(m, lang) for m in TABLE_METRICS}
        cards = [card for _, group in p.groups for card in group if card.label in labels]
        paced = any(card.pacing_line for card in cards)  # a year-to-date view: the projection is a column too
        return pd.DataFrame(
            [
                {
                    t("brief.col_metric", lang): card.label,
                    t("brief.col_value", lang): card.value,
                    t(f"brief.col_vs.{c.filters.compare}", lang): card.delta or "—",
                    t("brief.col_target", lang): card.target or "—",
                    t("brief.col_reached", lang): card.reached or "—",
                    **({t("brief.col_projected", lang): card.projected or "—"} if paced else {}),
                }
                for card in cards
            ]
        )

    def data(self, p: KpiCards, c: Context) -> pd.DataFrame:
        return p.kpis


class Targets(Kpis):
    """How far along each target of the cards is, as one chart (the same cards, so the same figures):
    on a phone it comes before the cards, so where the year stands is on the first screen."""

    id = "targets"
    in_pack = False  # the pack's KPI table says the same
    title_key = "overview.targets_title"
    takeaway_key = "overview.targets_takeaway"
    empty_key = "overview.targets_empty"

    metric_ids = ("partners", "schools", "planned_yuan", "disbursed_yuan", "leads", "enrolled", "certified", "employed")
    takeaway_ids = ()  # its sentence quotes shares of targets, not the metrics' values

    @staticmethod
    def _targeted(p: KpiCards) -> list[Card]:
        """The cards with a target, in card order; the partner split and the projects are detail."""
        return [card for _, cards in p.groups for card in cards if card.share is not None and card.on_phone]

    def is_empty(self, p: KpiCards) -> bool:
        return not self._targeted(p)

    def empty_text(self, c: Context) -> str:
        return t(self.empty_key, c.lang)

    def takeaway(self, p: KpiCards, c: Context) -> str:
        ranked = sorted(self._targeted(p), key=lambda card: card.share or 0.0)
        worst, best = ranked[0], ranked[-1]
        if len(ranked) == 1:
            return t("overview.targets_takeaway_single", c.lang, name=worst.label, pct=worst.reached)
        key = "overview.targets_takeaway_paced" if worst.pacing_line else self.takeaway_key
        projected = format_percent(worst.projected_share, c.lang, digits=0) if worst.projected_share is not None else ""
        return t(key, c.lang, worst=worst.label, worst_pct=worst.reached, projected=projected, best=best.label, best_pct=best.reached)

    def frame(self, p: KpiCards) -> pd.DataFrame:
        cards = self._targeted(p)
        return pd.DataFrame(
            {
                "label": [card.label for card in cards],
                "share": [card.share for card in cards],
                "projected": [card.projected_share if card.projected_share is not None else float("nan") for card in cards],
                "hover": [" · ".join(filter(None, (card.value, card.target_line, card.pacing_line))) for card in cards],
            }
        )

    def figure(self, p: KpiCards, c: Context, title: str) -> go.Figure:
        return plot_target_progress(
            self.frame(p),
            title=title,
            lang=c.lang,
            reached_name=t("brief.col_reached", c.lang),
            projected_name=t("brief.col_projected", c.lang),
        )

    def table(self, p: KpiCards, c: Context) -> pd.DataFrame:
        lang = c.lang
        return pd.DataFrame(
            [
                {
                    t("brief.col_metric", lang): card.label,
                    t("brief.col_value", lang): card.value,
                    t("brief.col_target", lang): card.target or "—",
                    t("brief.col_reached", lang): card.reached or "—",
                    t("brief.col_projected", lang): card.projected or "—",
                }
                for card in self._targeted(p)
            ]
        )


# --- movers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoverFrames:
    key: str  # "province" or "channel"
    now: pd.DataFrame  # get_events_by_month by key, this period
    before: pd.DataFrame  # the same over the comparison period (Context.compared)


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

    @property
    def metric(self) -> str:
        """The registry metric the movers count (events in the period)."""
        return "leads" if self.option == "lead" else self.option

    def shows(self) -> tuple[str, ...]:
        return (self.metric,)

    def title(self, c: Context) -> str:
        return t(f"overview.movers_title_{self.grain(c)}", c.lang, metric=metrics.label(self.metric, c.lang), compare=c.compare_words)

    def load(self, db: Reader, c: Context) -> MoverFrames:
        key = self.grain(c)
        return MoverFrames(key, db.get_events_by_month(scope=c.scope, by=(key,)), db.get_events_by_month(scope=c.compared, by=(key,)))

    def prepare(self, frames: MoverFrames, c: Context) -> pd.DataFrame:
        codes = set(frames.now.get(frames.key, [])) | set(frames.before.get(frames.key, []))
        labels = {x: c.name(x) if frames.key == "province" else label("channel", x, c.lang) for x in codes}
        return movers_frame(frames.now, frames.before, key=frames.key, stage=self.option, labels=labels)

    def is_empty(self, p: pd.DataFrame) -> bool:
        return p.empty

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        top = p.iloc[0]
        return t(
            self.takeaway_key,
            c.lang,
            name=top["label"],
            compare=c.compare_words,
            stage=metrics.label(self.metric, c.lang),
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


# --- region against region --------------------------------------------------------------------

# The card metrics a region can be compared on: counts and money that add up over provinces, each
# read for every province by one grouped query per period (rates do not add up; stocks other than
# partners and money other than plan and payments have no province grain in one query).
GROWTH_METRICS: tuple[str, ...] = ("leads", "enrolled", "certified", "employed", "partners", "disbursed_yuan", "planned_yuan")
_STAGE_OF = {"leads": "lead", "enrolled": "enrolled", "certified": "certified", "employed": "employed"}
# The fastest grower is named among groups with at least this much to grow from (a count: a
# province that went from 2 partners to 5 has not "grown 150 %" in any sense a leader acts on).
MIN_BASE = 30


@dataclass(frozen=True)
class GrowthFrames:
    grain: str  # "region", "province", or "" (one province: nothing to compare)
    now: pd.DataFrame  # the metric's grouped query by province, this period
    before: pd.DataFrame  # the same over the comparison period (Context.compared)


def province_values(frame: pd.DataFrame, metric: str) -> pd.Series:
    """province_code -> the metric's value from its grouped query's frame: get_events_by_month by
    province (flows), get_coverage_by_province (partners) or get_investment_by province (money)."""
    if frame.empty:
        return pd.Series(dtype="float64")
    if metric in _STAGE_OF:
        part = frame[frame["stage"] == _STAGE_OF[metric]]
        return part.groupby("province")["events"].sum().astype("float64")
    return frame.groupby("province_code")[metric].sum().astype("float64")


def growth_frame(
    now: pd.Series, before: pd.Series, *, provinces: Sequence[str], group_of: Mapping[str, str], labels: Mapping[str, str]
) -> pd.DataFrame:
    """Per group (a region, or a province as its own group): the metric now and in the comparison
    period summed over the group's ``provinces``, the change, the growth (change / before; NaN
    with nothing before) and the number of provinces; fastest growth first, NaN last. Index: the
    group codes."""
    d = pd.DataFrame({"now": now, "before": before}).reindex(list(provinces)).fillna(0.0)
    d["group"] = [group_of.get(p, p) for p in d.index]
    g = d.groupby("group").agg(now=("now", "sum"), before=("before", "sum"), provinces=("now", "size"))
    g["change"] = g["now"] - g["before"]
    g["growth"] = g["change"] / g["before"].where(g["before"] > 0)
    g["label"] = [labels.get(x, x) for x in g.index]
    return g.sort_values(["growth", "now"], ascending=[False, False], na_position="last", kind="stable")


class RegionGrowth(Section[GrowthFrames, pd.DataFrame]):
    """The region groups side by side on one card metric, this period against the comparison period,
    fastest growth first; within one region group, its provinces."""

    id = "region_growth"
    page = "overview"
    title_key = "overview.growth_title_region"
    takeaway_key = "overview.growth_takeaway"
    empty_key = "overview.growth_empty"
    options = GROWTH_METRICS

    def shows(self) -> tuple[str, ...]:
        return (self.option,)

    @staticmethod
    def grain(c: Context) -> str:
        """By region group when the scope spans two or more, by province within one; "" for one province."""
        if len(c.scope.provinces) < 2:
            return ""
        return "region" if len({c.region_of.get(p, p) for p in c.scope.provinces}) > 1 else "province"

    def title(self, c: Context) -> str:
        key = "overview.growth_title_province" if self.grain(c) == "province" else self.title_key
        return t(key, c.lang, metric=metrics.label(self.option, c.lang), compare=c.compare_words)

    def empty_text(self, c: Context) -> str:
        # One province: nothing to set it against (say how to get a comparison); else no figures.
        return t("overview.growth_one" if len(c.scope.provinces) == 1 else self.empty_key, c.lang)

    def load(self, db: Reader, c: Context) -> GrowthFrames:
        grain = self.grain(c)
        if not grain:
            return GrowthFrames("", pd.DataFrame(), pd.DataFrame())

        def read(scope: Scope) -> pd.DataFrame:
            if self.option in _STAGE_OF:
                return db.get_events_by_month(scope=scope, by=("province",))
            if self.option == "partners":
                return db.get_coverage_by_province(scope=scope)
            return db.get_investment_by(scope=scope, grain="province")

        return GrowthFrames(grain, read(c.scope), read(c.compared))

    def prepare(self, frames: GrowthFrames, c: Context) -> pd.DataFrame:
        if not frames.grain:
            return pd.DataFrame(columns=["now", "before", "provinces", "change", "growth", "label"])
        if frames.grain == "region":
            group_of = {p: c.region_of.get(p, p) for p in c.scope.provinces}
            labels = {r: label("region", r, c.lang) for r in set(group_of.values())}
        else:
            group_of, labels = {p: p for p in c.scope.provinces}, {p: c.name(p) for p in c.scope.provinces}
        now, before = province_values(frames.now, self.option), province_values(frames.before, self.option)
        return growth_frame(now, before, provinces=c.scope.provinces, group_of=group_of, labels=labels)

    def is_empty(self, p: pd.DataFrame) -> bool:
        return len(p) < 2 or bool((p["now"] == 0).all() and (p["before"] == 0).all())

    def leader(self, p: pd.DataFrame) -> pd.Series | None:
        """The fastest grower the takeaway names: among groups with something to grow from (at least
        ``MIN_BASE`` for a count, when any group has that much)."""
        compared = p.dropna(subset=["growth"])
        if metrics.get(self.option).unit == "number" and (compared["before"] >= MIN_BASE).any():
            compared = compared[compared["before"] >= MIN_BASE]
        return None if compared.empty else compared.iloc[0]

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        lang, m = c.lang, self.option
        top = self.leader(p)
        if top is None:  # nothing in the comparison period anywhere: no growth to rank
            return t("overview.growth_no_base", lang, metric=metrics.label(m, lang), compare=c.compare_words)
        key = self.takeaway_key if top["growth"] > 0 else "overview.growth_takeaway_none_grew"
        return t(
            key,
            lang,
            name=top["label"],
            metric=metrics.label(m, lang),
            growth=format_delta(top["growth"], lang, kind="percent"),
            now=metrics.fmt(m, top["now"], lang),
            before=metrics.fmt(m, top["before"], lang),
            compare=c.compare_words,
        )

    def figure(self, p: pd.DataFrame, c: Context, title: str) -> go.Figure:
        m, lang = self.option, c.lang
        text = [f"{metrics.fmt(m, b, lang)} → {metrics.fmt(m, n, lang)}" for b, n in zip(p["before"], p["now"])]
        return plot_growth(p, title=title, lang=lang, value_text=text)

    def table(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        m, lang = self.option, c.lang
        group = t("overview.growth_col_province" if self.grain(c) == "province" else "overview.growth_col_region", lang)
        return pd.DataFrame(
            {
                group: list(p["label"]),
                metrics.label(m, lang): [metrics.fmt(m, v, lang) for v in p["now"]],
                t("overview.growth_col_before", lang): [metrics.fmt(m, v, lang) for v in p["before"]],
                t("overview.growth_col_growth", lang): [format_delta(v, lang, kind="percent") if v == v else "—" for v in p["growth"]],
            }
        )

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        key = "province_code" if self.grain(c) == "province" else "region"
        return p.reset_index(names=key)[[key, "label", "provinces", "before", "now", "change", "growth"]]


def event_where(row, c: Context) -> str:
    """Where an event matters, in the viewer's words: 全国 for a national event on a national view,
    a region, or else the viewer's provinces it concerns (a regional view never reads "全国", nor
    learns the other provinces of an event)."""
    if row.reach == "national" and set(c.scope.provinces) == set(c.names):
        return t("events.national", c.lang)
    if row.reach == "region" and row.region:
        return label("region", row.region, c.lang)
    sep = "、" if c.lang == "zh" else ", "
    return sep.join(c.name(p) for p in str(row.provinces or "").split(",") if p)


def event_when(row, lang: str) -> str:
    when = format_date(row.starts_on, lang)
    if row.ends_on is not None and not pd.isna(row.ends_on):
        when += f" – {format_date(row.ends_on, lang)}"
    return when


class Events(Section[pd.DataFrame, pd.DataFrame]):
    """本期大事: the period's events where the viewer looks (signings, policy changes, campaigns,
    openings), all of them — the time-series charts mark only a few."""

    id = "events"
    page = "overview"
    in_pack = True
    title_key = "events.title"
    takeaway_key = "events.takeaway"
    empty_key = "events.empty"

    def load(self, db: Reader, c: Context) -> pd.DataFrame:
        return db.get_events(scope=c.scope)

    def prepare(self, frames: pd.DataFrame, c: Context) -> pd.DataFrame:
        return frames

    def is_empty(self, p: pd.DataFrame) -> bool:
        return p.empty

    def takeaway(self, p: pd.DataFrame, c: Context) -> str:
        from components.charts.events import event_title

        last = p.iloc[-1]
        return tn(self.takeaway_key, len(p), c.lang, when=event_when(last, c.lang), title=event_title(last, c.lang))

    def table(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        from components.charts.events import event_title

        lang = c.lang
        return pd.DataFrame(
            {
                t("events.col.when", lang): [event_when(r, lang) for r in p.itertuples(index=False)],
                t("events.col.kind", lang): [label("event_kind", k, lang) for k in p["kind"]],
                t("events.col.title", lang): [event_title(r, lang) for r in p.itertuples(index=False)],
                t("events.col.where", lang): [event_where(r, c) for r in p.itertuples(index=False)],
                t("events.col.note", lang): list(p["note"]),
            }
        )

    def data(self, p: pd.DataFrame, c: Context) -> pd.DataFrame:
        return p.drop(columns=["partner_id", "project_id"])
