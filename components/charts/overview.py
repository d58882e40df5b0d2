"""Builders for the overview page (names enter a figure through ``data_access.untrusted.html``:
plotly draws a subset of HTML in labels and hover text)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.charts._layout import styled
from components.charts.palette import CHANNEL_COLORS, NEUTRAL, RISK_COLOR, TEXT
from components.i18n import format_delta, format_number, format_percent
from data_access.untrusted import html


def plot_movers(df: pd.DataFrame, *, title: str, lang: str) -> go.Figure:
    """Horizontal bars of the biggest changes: ``label``, ``change`` (absolute), ``now``, ``before``.

    Rises in blue, falls in vermillion; biggest movement at the top.
    """
    d = df.assign(_abs=df["change"].abs()).sort_values("_abs", ascending=True)
    names = [html(lab) for lab in d["label"]]
    hover = [f"{name}<br>{format_number(b, lang)} → {format_number(n, lang)}" for name, b, n in zip(names, d["before"], d["now"])]
    text = [format_delta(c, lang) for c in d["change"]]
    return _signed_bars(d["change"].astype(float), names, text, hover, title=title, pad=0.18)


def plot_growth(df: pd.DataFrame, *, title: str, lang: str, value_text: list[str] | None = None) -> go.Figure:
    """Horizontal bars of growth, fastest at the top: ``label``, ``growth`` (relative change, NaN
    when there is nothing to compare with: no bar, "—"), ``now`` and ``before``. Growth in blue,
    decline in vermillion. ``value_text``: the figures as the metric writes them (hover), one per row."""
    d = df.iloc[::-1]
    values = (
        value_text[::-1]
        if value_text is not None
        else [f"{format_number(b, lang)} → {format_number(n, lang)}" for b, n in zip(d["before"], d["now"])]
    )
    names = [html(lab) for lab in d["label"]]
    growth = d["growth"].astype(float)
    text = [format_delta(g, lang, kind="percent") if g == g else "—" for g in growth]
    hover = [f"{name}<br>{html(v)}" for name, v in zip(names, values)]
    return _signed_bars(growth, names, text, hover, title=title, pad=0.25)


def _signed_bars(x: pd.Series, names: list[str], text: list[str], hover: list[str], *, title: str, pad: float) -> go.Figure:
    """Horizontal bars in the given order (the last on top) around a zero line: rises blue, falls
    vermillion, the figure outside each bar; NaN draws no bar. ``pad``: room left beyond the longest
    bar for its figure, as a share of it. No ticks: the bars carry their figures."""
    fig = go.Figure(
        go.Bar(
            x=x.fillna(0.0),
            y=names,
            orientation="h",
            marker_color=[CHANNEL_COLORS["campus"] if not v < 0 else RISK_COLOR for v in x],
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertext=hover,
            hoverinfo="text",
        )
    )
    finite = x.dropna()
    span = float(finite.abs().max()) if len(finite) else 0.0
    lo, hi = min(float(finite.min()) if len(finite) else 0.0, 0.0), max(float(finite.max()) if len(finite) else 0.0, 0.0)
    fig.update_xaxes(
        zeroline=True,
        zerolinewidth=1,
        zerolinecolor="#9AA5B1",
        showticklabels=False,
        range=[lo - pad * span * (lo < 0), hi + pad * span * (hi > 0)],
    )
    return styled(fig, title=title, height=max(220, 34 * len(names) + 80), legend=False)


def plot_target_progress(df: pd.DataFrame, *, title: str, lang: str, reached_name: str, projected_name: str) -> go.Figure:
    """Horizontal bars of how much of each target is reached, first row at the top: ``label``,
    ``share`` (value / target), ``hover`` (the card's words) and ``projected`` (the projected
    year-end / the target, NaN where there is no projection), drawn as a diamond, vermillion when
    it falls short. A line at 100 %. The legend names the two marks (``reached_name``,
    ``projected_name``) when any projection is drawn."""
    d = df.iloc[::-1]
    names = [html(lab) for lab in d["label"]]
    hover = [f"{name}<br>{html(h)}" for name, h in zip(names, d["hover"])]
    fig = go.Figure(
        go.Bar(
            x=d["share"],
            y=names,
            orientation="h",
            name=reached_name,
            marker_color=CHANNEL_COLORS["campus"],
            # Inside the bar's end (outside a bar too short for it): the diamonds sit past the ends.
            text=[format_percent(v, lang, digits=0) for v in d["share"]],
            textposition="auto",
            insidetextanchor="end",
            cliponaxis=False,
            hovertext=hover,
            hoverinfo="text",
        )
    )
    projected = d["projected"].astype(float)
    paced = bool(projected.notna().any())
    if paced:
        fig.add_trace(
            go.Scatter(
                x=projected,
                y=names,
                mode="markers",
                name=projected_name,
                marker=dict(symbol="diamond", size=11, color=[RISK_COLOR if v < 1 else TEXT for v in projected.fillna(1.0)]),
                hovertext=hover,
                hoverinfo="text",
            )
        )
    top = max(1.0, float(d["share"].max()), float(projected.max()) if paced else 0.0)
    fig.add_vline(x=1.0, line_width=1, line_dash="dot", line_color=NEUTRAL)
    fig.update_xaxes(range=[0, top * 1.18], tickformat=".0%", dtick=0.25)
    return styled(fig, title=title, height=max(220, 30 * len(d) + (110 if paced else 80)), legend=paced)
