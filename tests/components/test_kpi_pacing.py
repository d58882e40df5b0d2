"""The year-end projection on the Overview's cards and in the pack's KPI table (literal frames)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from components import metrics as registry
from components.context import Context
from components.filters import Filters
from components.i18n import format_money, format_number, format_percent, t
from components.kpi import card_from
from components.sections.overview import KpiFrames, Kpis, is_year_to_date
from data_access.scope import Scope

COLUMNS = ["metric", "ytd", "value", "low", "high", "basis", "target", "share", "low_share", "high_share"]
AS_OF = dt.date(2026, 10, 31)


def kpis() -> pd.DataFrame:
    from data_access.queries.kpi import METRICS

    values = {"leads": (3400.0, 3000.0, 4500.0), "disbursed_yuan": (9e6, 8e6, 1.2e7), "enrolled": (300.0, 280.0, float("nan"))}
    base = {m: values.get(m, (1.0, 1.0, float("nan"))) for m in METRICS}
    return registry.frame_of(base, [*METRICS, "execution", "refund_rate"])  # what components.metrics.read returns


def pacing() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("leads", 3400.0, 4120.0, 3960.0, 4320.0, "own", 4500.0, 4120 / 4500, 3960 / 4500, 4320 / 4500),
            ("disbursed_yuan", 9e6, 1.1e7, 1.0e7, 1.3e7, "national", 1.2e7, 1.1e7 / 1.2e7, 1.0e7 / 1.2e7, 1.3e7 / 1.2e7),
            ("enrolled", 300.0, 360.0, 340.0, 380.0, "own", float("nan"), float("nan"), float("nan"), float("nan")),
        ],
        columns=COLUMNS,
    )


def context(lang: str, end: dt.date = dt.date(2026, 11, 1), start: dt.date = dt.date(2026, 1, 1)) -> Context:
    return Context(
        scope=Scope(("410000",), start, end),
        filters=Filters(period="2026", lang=lang),
        lang=lang,
        as_of=AS_OF,
        names={"410000": ("河南省", "Henan")},
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_card_shows_the_projected_year_end_and_its_share_of_target(lang):
    card = card_from(kpis(), "leads", lang=lang, pacing=pacing())
    expected = t(
        "kpi.pacing_line",
        lang,
        value=format_number(4120, lang),
        pct=format_percent(4120 / 4500, lang, digits=0),
        low=format_percent(0.88, lang, digits=0),
        high=format_percent(0.96, lang, digits=0),
    )
    assert card.pacing_line == expected
    assert format_number(4120, lang) in card.pacing_line and format_percent(0.92, lang, digits=0) in card.pacing_line
    if lang == "zh":
        assert card.pacing_line == "预计全年 4,120 · 目标的 92%（88%–96%）"
    else:
        assert card.pacing_line == "Projected 4,120 · 92% (88%–96%)"  # short: the line above names the target


def test_money_is_projected_in_the_cards_money_format():
    card = card_from(kpis(), "disbursed_yuan", lang="zh", pacing=pacing())
    assert card.pacing_line is not None and format_money(1.1e7, "zh") in card.pacing_line


def test_no_projection_without_a_target_a_pacing_frame_or_a_paced_metric():
    assert card_from(kpis(), "enrolled", lang="zh", pacing=pacing()).pacing_line is None  # no target
    assert card_from(kpis(), "leads", lang="zh").pacing_line is None  # not a year-to-date view
    assert card_from(kpis(), "certified", lang="zh", pacing=pacing()).pacing_line is None  # no projection row
    actual = pacing().assign(basis="actual")
    assert card_from(kpis(), "leads", lang="zh", pacing=actual).pacing_line is None  # the year is over


def test_only_this_years_year_to_date_is_paced():
    assert is_year_to_date(context("zh").scope, AS_OF)
    assert not is_year_to_date(context("zh", end=dt.date(2026, 4, 1)).scope, AS_OF)  # 2026Q1
    assert not is_year_to_date(context("zh", start=dt.date(2026, 10, 1)).scope, AS_OF)  # 2026Q4
    assert not is_year_to_date(Scope(("410000",), dt.date(2025, 1, 1), dt.date(2026, 1, 1)), AS_OF)  # last year
    assert not is_year_to_date(Scope(("410000",), dt.date(2026, 1, 1), dt.date(2027, 1, 1)), dt.date(2026, 12, 31))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_section_puts_the_projection_on_the_card_and_in_the_pack_table(lang):
    monthly = pd.DataFrame(columns=["year", "month", "stage", "province", "events"])
    view = Kpis().view_of(KpiFrames(kpis(), monthly, pacing()), context(lang))
    cards = {c.label: c for _, group in view.prepared.groups for c in group}
    leads = cards[t("metric.leads", lang)]
    assert leads.pacing_line and format_number(4120, lang) in leads.pacing_line
    table = view.table.set_index(t("brief.col_metric", lang))
    assert table.loc[t("metric.leads", lang), t("brief.col_projected", lang)] == leads.projected
    assert table.loc[t("metric.partners", lang), t("brief.col_projected", lang)] == "—"
    # Without projections (a past year, a quarter) the pack's table keeps its five columns.
    plain = Kpis().view_of(KpiFrames(kpis(), monthly), context(lang))
    assert t("brief.col_projected", lang) not in plain.table.columns


class _Recording:
    """A Reader stand-in that records which queries the section asks for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        def run(**kwargs):
            self.calls.append(name)
            return pacing() if name == "get_kpi_pacing" else kpis() if name == "get_kpis" else pd.DataFrame()

        return run


def test_the_section_reads_the_projection_only_for_a_year_to_date():
    db = _Recording()
    assert Kpis().load(db, context("zh")).pacing is not None and "get_kpi_pacing" in db.calls  # type: ignore[arg-type]
    db = _Recording()
    assert Kpis().load(db, context("zh", end=dt.date(2026, 4, 1))).pacing is None  # type: ignore[arg-type]
    assert "get_kpi_pacing" not in db.calls


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_targets_chart_is_the_cards_targets_and_names_the_furthest_behind(lang):
    from components.sections.overview import Targets

    monthly = pd.DataFrame(columns=["year", "month", "stage", "province", "events"])
    view = Targets().view_of(KpiFrames(kpis(), monthly, pacing()), context(lang))
    cards = {c.label: c for _, group in view.prepared.groups for c in group}
    # Only leads (3,400 of 4,500) and disbursed (9 of 12 M) have targets in this frame.
    bars = view.figure.data[0]
    assert list(bars.y)[::-1] == [t("metric.disbursed_yuan", lang), t("metric.leads", lang)]  # card order, top down
    assert list(bars.x)[::-1] == pytest.approx([0.75, 3400 / 4500])
    assert list(bars.text)[::-1] == [cards[label].reached for label in bars.y[::-1]]
    diamonds = view.figure.data[1]
    assert list(diamonds.x)[::-1] == pytest.approx([1.1e7 / 1.2e7, 4120 / 4500])
    # Disbursed (75 %) is further behind than leads (75.6 %): the sentence names it, with its projection.
    disbursed, leads = cards[t("metric.disbursed_yuan", lang)], cards[t("metric.leads", lang)]
    projected = format_percent(1.1e7 / 1.2e7, lang, digits=0)
    words = dict(worst=disbursed.label, worst_pct=disbursed.reached, best=leads.label, best_pct=leads.reached)
    assert view.takeaway == t("overview.targets_takeaway_paced", lang, projected=projected, **words)
    assert projected in view.takeaway and disbursed.reached == format_percent(0.75, lang, digits=0)
    assert set(view.table[t("brief.col_reached", lang)]) == {leads.reached, disbursed.reached}
    # Not a year to date: the bars alone, no projection in the legend or the sentence.
    plain = Targets().view_of(KpiFrames(kpis(), monthly), context(lang, end=dt.date(2026, 4, 1)))
    assert len(plain.figure.data) == 1 and not plain.figure.layout.showlegend
    assert plain.takeaway == t("overview.targets_takeaway", lang, **words)


def test_no_targets_no_chart():
    from components.sections.overview import Targets

    monthly = pd.DataFrame(columns=["year", "month", "stage", "province", "events"])
    untargeted = kpis().assign(target=float("nan"))
    view = Targets().view_of(KpiFrames(untargeted, monthly), context("zh"))
    assert view.empty and view.takeaway == t("overview.targets_empty", "zh")
