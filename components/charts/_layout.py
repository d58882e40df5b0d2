"""The shared look of every chart: font, margins, legend, money axes."""

from __future__ import annotations

from collections.abc import Iterable

import plotly.graph_objects as go

from components.charts.palette import FONT_FAMILY, GRID
from components.i18n import money_unit_scale


def styled(fig: go.Figure, *, title: str | None = None, height: int = 360, legend: bool = True) -> go.Figure:
    """Apply the house style; the title is kept in the figure so exports carry it.

    Title and legend sit in the top margin at fixed pixel offsets (container coordinates), so a
    long legend never runs into the title, whatever the chart's height.
    """
    top = (34 if title else 8) + (30 if legend else 0) + 8
    fig.update_layout(
        template="plotly_white",
        font=dict(family=FONT_FAMILY, size=13, color="#1F2933"),
        title=dict(
            text=title,
            x=0.0,
            xanchor="left",
            xref="container",
            yref="container",
            y=1 - 10 / height,
            yanchor="top",
            font=dict(size=15),
            pad=dict(l=8),
        )
        if title
        else None,
        margin=dict(l=8, r=8, t=top, b=8),
        height=height,
        showlegend=legend,
        legend=dict(
            orientation="h",
            yref="container",
            y=1 - (40 if title else 6) / height,
            yanchor="top",
            x=0.0,
            xanchor="left",
            title_text="",
            traceorder="normal",
        ),
        hoverlabel=dict(font_family=FONT_FAMILY),
        separators=".,",
    )
    # No SI suffixes on ticks: "10k" on an axis titled 万元 would mix two units ("10k 万元").
    axes = dict(gridcolor=GRID, zerolinecolor=GRID, automargin=True, exponentformat="none", separatethousands=True)
    fig.update_xaxes(**axes)
    fig.update_yaxes(**axes)
    return fig


def money_scale(values: Iterable[float], lang: str) -> tuple[float, str]:
    """One divisor and unit label for a whole money axis (万元/亿元 or ¥K/¥M)."""
    return money_unit_scale([v for v in values if v == v], lang)
