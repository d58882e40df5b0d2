"""KPI cards: a value, its change against the comparison period, and progress against the period's target.

``Card`` and ``card_from`` are pure (sections build cards; the pack turns the same cards into its
table); only ``render_cards`` draws, and it imports streamlit when called.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from components import metrics
from components.i18n import format_delta, format_money, format_number, format_percent, t
from data_access.untrusted import md

# The st.metric delta colours the cards use: green up (normal), red up (inverse), grey (off).
DeltaColor = Literal["normal", "inverse", "off"]


@dataclass(frozen=True)
class Card:
    """What one card shows; built by ``card_from`` (pure) and drawn by ``render_cards``."""

    label: str
    value: str
    delta: str | None
    delta_color: DeltaColor
    target_line: str | None
    help: str | None = None
    chart: Sequence[float] | None = None
    target: str | None = None  # the annual target, formatted (None: no target applies)
    reached: str | None = None  # the share of the target reached, formatted
    on_phone: bool = True  # False: a detail card left out of the compact phone grid
    pacing_line: str | None = None  # the projected year-end against the target (year-to-date views only)
    projected: str | None = None  # the projection in a table cell (the pack's column)
    metric: str = ""  # the registry id
    share: float | None = None  # value / target (what ``reached`` writes); None without a target
    projected_share: float | None = None  # the projected year-end / the target (what ``pacing_line`` writes)


def _fmt(value: float, kind: str, lang: str) -> str:
    return (
        format_money(value, lang) if kind == "money" else format_percent(value, lang) if kind == "percent" else format_number(value, lang)
    )


def pacing_text(pacing: pd.DataFrame | None, metric: str, *, lang: str, kind: str = "number") -> tuple[str, str, float] | None:
    """(the card's pacing line, the same for a table cell, the projection's share of the target) for
    ``metric`` from a get_kpi_pacing frame: "预计全年 4,120 · 目标的 92%（88%–96%）". None when the
    metric has no projection or no target, or the year is complete (the value is the year-end already)."""
    if pacing is None or pacing.empty or metric not in set(pacing["metric"]):
        return None
    row = pacing.set_index("metric").loc[metric]
    target = float(row["target"])
    if row["basis"] in ("actual", "none") or math.isnan(target) or target <= 0:
        return None
    value = _fmt(float(row["value"]), kind, lang)
    pct = {k: format_percent(float(row[k]), lang, digits=0) for k in ("share", "low_share", "high_share")}
    parts = dict(value=value, pct=pct["share"], low=pct["low_share"], high=pct["high_share"])
    return t("kpi.pacing_line", lang, **parts), t("kpi.pacing_cell", lang, **parts), float(row["share"])


def card_from(
    kpis: pd.DataFrame,
    metric: str,
    *,
    lang: str,
    help: str | None = None,
    chart: Sequence[float] | None = None,
    pacing: pd.DataFrame | None = None,
    compared: str | None = None,
) -> Card:
    """A card for ``metric`` from a registry frame (metric, value, previous, target:
    ``components.metrics.read``), with its year-end projection from a get_kpi_pacing frame when
    one is given and applies.

    Label, unit, definition and direction come from the registry: the card's ⓘ says what the
    metric counts (its 口径), then ``help`` (more about this card) and what the delta compares with
    (``compared``). A metric where up is bad (refunds) turns its delta red when it rises.
    Honest deltas: nothing in the comparison period (the first year with data, or a metric that did
    not exist) gives no delta at all, not "+17,416" against nothing; no change is shown grey, not
    as a green rise.
    """
    m = metrics.get(metric)
    kind = "money" if m.unit == "money" else "percent" if m.unit == "percent" else "number"
    row = kpis.set_index("metric").loc[metric]
    value, previous, target = float(row["value"]), float(row["previous"]), float(row["target"])
    delta = None
    if math.isnan(value) or math.isnan(previous) or (previous == 0 and kind != "percent"):
        delta = None
    elif kind == "percent":
        delta = format_delta(value - previous, lang, kind="points")
    else:
        delta = format_delta(value - previous, lang, kind="money" if kind == "money" else "number")
        delta += f" ({format_delta((value - previous) / previous, lang, kind='percent')})"
    target_line = target_text = reached = share = None
    if not math.isnan(target) and target > 0:
        share = value / target
        target_text, reached = _fmt(target, kind, lang), format_percent(share, lang, digits=0)
        key = "kpi.target_line_year_end" if m.plan == "year_end" else "kpi.target_line"
        target_line = t(key, lang, target=target_text, pct=reached)
    color: DeltaColor = "off" if delta is None or value == previous else "inverse" if m.inverse else "normal"
    paced = pacing_text(pacing, metric, lang=lang, kind=kind) if target_line else None
    notes = [m.definition(lang), *([help] if help else []), *([compared] if compared and delta else [])]
    return Card(
        label=m.label(lang),
        value=metrics.fmt(metric, value, lang),
        delta=delta,
        delta_color=color,
        target_line=target_line,
        help="\n\n".join(notes),
        chart=chart,
        target=target_text,
        reached=reached,
        pacing_line=paced[0] if paced else None,
        projected=paced[1] if paced else None,
        metric=metric,
        share=share,
        projected_share=paced[2] if paced else None,
    )


MAX_PER_ROW = 4


def rows_of(n: int, most: int = MAX_PER_ROW) -> list[int]:
    """Cards per row for ``n`` cards: as even as possible, never more than ``most`` (6 → 3+3, 5 → 3+2)."""
    if n <= 0:
        return []
    rows = -(-n // most)
    base, extra = divmod(n, rows)
    return [base + (i < extra) for i in range(rows)]


def render_cards(cards: Sequence[Card], *, lang: str, key: str) -> None:
    """Draw cards in rows of equal columns (at most four a row, so values fit on a laptop).

    The group sits in a container keyed ``cards_<key>``: on a phone the app's CSS turns the group
    into one two-column grid (rows of three would otherwise wrap as 2 + 1).
    """
    import streamlit as st

    start = 0
    with st.container(key=f"cards_{key}"):
        for size in rows_of(len(cards)):
            _render_row(cards[start : start + size], lang=lang, width=max(rows_of(len(cards))), key=f"{key}_{start}")
            start += size


def _render_row(cards: Sequence[Card], *, lang: str, width: int, key: str) -> None:
    import streamlit as st

    for i, (col, card) in enumerate(zip(st.columns(width), cards)):
        # The target line sits inside the card's border (one box per figure, also when cards wrap
        # two to a row on a phone). "cardhide_" keys mark detail cards the phone grid leaves out.
        with col, st.container(border=True, key=f"{'card' if card.on_phone else 'cardhide'}_{key}_{i}"):
            # Label and help are Markdown to st.metric, a card's words plain text. Value and delta are
            # formatted numbers, left as they are: st.metric reads a delta's direction from its "-".
            st.metric(
                md(card.label),
                card.value,
                card.delta,
                delta_color=card.delta_color,
                help=md(card.help) if card.help else None,
                delta_arrow="off" if card.delta_color == "off" else "auto",
                chart_data=list(card.chart) if card.chart is not None and len(card.chart) > 1 else None,
            )
            # The projection is a line of its own under the target (a markdown line break): on a
            # 390 px phone each wraps by itself, and one caption adds no gap between elements.
            caption = card.target_line or t("kpi.no_target", lang)
            st.caption(f"{md(caption)}  \n{md(card.pacing_line)}" if card.pacing_line else md(caption))
