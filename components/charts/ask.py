"""The chart of an answer (components/ask): one bar per member (a breakdown) or per period (this
period against the one it is compared with). Names enter through ``data_access.untrusted.html``."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from components import metrics as registry
from components.charts._layout import styled
from components.charts.overview import plot_growth
from components.charts.palette import CHANNEL_COLORS, NEUTRAL
from components.i18n import t
from data_access.untrusted import html

MAX_BARS = 25  # a national city ranking has 300+ cities: the chart shows the first ones, the table all


def plot_answer(rows: pd.DataFrame, *, metric: str, by_growth: bool, title: str, lang: str, compared: str = "") -> go.Figure | None:
    """Bars of an answer's ``rows`` (member, name, metric, value, previous, growth), in their order
    (the first at the top). By growth: the signed growth bars of the Overview. One row with a
    comparison: this period and the compared one."""
    d = rows[rows["metric"] == metric].head(MAX_BARS)
    if d.empty:
        return None
    if by_growth:
        frame = pd.DataFrame({"label": d["name"], "growth": d["growth"].astype(float), "now": d["value"], "before": d["previous"]})
        texts = [f"{registry.fmt(metric, b, lang)} → {registry.fmt(metric, n, lang)}" for b, n in zip(d["previous"], d["value"])]
        return plot_growth(frame, title=title, lang=lang, value_text=texts)
    if len(d) == 1:
        r = d.iloc[0]
        if math.isnan(float(r["previous"])):
            names, values, colours = [html(r["name"])], [float(r["value"])], [CHANNEL_COLORS["campus"]]
        else:
            names = [html(compared), t("ask.bar.now", lang)]
            values, colours = [float(r["previous"]), float(r["value"])], [NEUTRAL, CHANNEL_COLORS["campus"]]
    else:
        ordered = d.iloc[::-1]
        names = [html(n) for n in ordered["name"]]
        values, colours = [float(v) for v in ordered["value"]], [CHANNEL_COLORS["campus"]] * len(ordered)
    text = [registry.fmt(metric, v, lang) for v in values]
    fig = go.Figure(
        go.Bar(
            x=[0.0 if math.isnan(v) else v for v in values],
            y=names,
            orientation="h",
            marker_color=colours,
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertext=[f"{n}<br>{html(registry.label(metric, lang))}: {x}" for n, x in zip(names, text)],
            hoverinfo="text",
        )
    )
    finite = [v for v in values if not math.isnan(v)]
    top = max(finite) if finite else 1.0
    fig.update_xaxes(showticklabels=False, range=[0, top * 1.25 if top > 0 else 1])
    return styled(fig, title=title, height=max(200, 32 * len(names) + 90), legend=False)
