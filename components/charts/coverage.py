"""Builders for the coverage page (the map itself is in components.charts.maps).

Plotly draws a subset of HTML in tick labels, bar text and hover labels (``<a href>`` is a link):
a name from the database enters a figure through ``data_access.untrusted.html``."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from components.charts._layout import styled
from components.charts.palette import KIND_COLORS, NO_DATA, SEQUENTIAL, sequential_index
from components.i18n import format_number, label
from data_access.untrusted import html


def plot_province_bars(
    df: pd.DataFrame, *, metric: str, title: str, lang: str, top: int = 20, colors: Mapping[str, str] | None = None
) -> go.Figure:
    """Horizontal bars of ``metric`` per province (largest on top).

    ``df`` has province_code, name_zh, name_en and the metric column; each bar carries its
    province code as customdata so a click can filter by it. ``colors`` (code -> hex, e.g. the
    map's classes from components.charts.maps.province_colors) keeps bar and map in step; without it
    bars use equal steps of the sequential scale.
    """
    name_col = "name_zh" if lang == "zh" else "name_en"
    d = df.sort_values([metric, "partners"], ascending=True, na_position="first").tail(top)
    values = d[metric].fillna(0)
    vmax = float(df[metric].max()) if df[metric].notna().any() else 0.0
    if colors is not None:
        fills = [colors.get(code, NO_DATA) for code in d["province_code"]]
    else:
        fills = [SEQUENTIAL[i] if (i := sequential_index(v, 0, vmax)) is not None and v > 0 else NO_DATA for v in d[metric]]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=[html(n) for n in d[name_col]],
            orientation="h",
            customdata=d["province_code"],
            marker_color=fills,
            text=[format_number(v, lang, digits=1 if metric == "per_10k_leads" else 0) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig.update_xaxes(showticklabels=False)
    return styled(fig, title=title, height=max(300, 26 * len(d) + 80), legend=False)


def plot_new_partners(df: pd.DataFrame, *, title: str, lang: str) -> go.Figure:
    """Horizontal bars of partners signed in the period per kind (``kind``, ``end``, ``partners``),
    coloured by kind, most first, with value labels."""
    d = df.groupby(["kind", "end"], as_index=False)["partners"].sum().sort_values("partners", kind="stable")
    fig = go.Figure(
        go.Bar(
            x=d["partners"],
            y=[
                f"{label('kind', k, lang)}（{label('end', e, lang)}）"
                if lang == "zh"
                else f"{label('kind', k, lang)} ({label('end', e, lang)})"
                for k, e in zip(d["kind"], d["end"])
            ],
            orientation="h",
            marker_color=[KIND_COLORS.get(k, "#888888") for k in d["kind"]],
            text=[format_number(v, lang) for v in d["partners"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig.update_xaxes(showticklabels=False, rangemode="tozero")
    return styled(fig, title=title, height=max(220, 34 * len(d) + 90), legend=False)
