"""Builders for the coverage page (the map itself is in components.maps)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from components.charts._layout import styled
from components.i18n import format_number
from components.palette import NO_DATA, SEQUENTIAL, sequential_index


def plot_province_bars(df: pd.DataFrame, *, metric: str, title: str, lang: str, top: int = 20,
                       colors: Mapping[str, str] | None = None) -> go.Figure:
    """Horizontal bars of ``metric`` per province (largest on top).

    ``df`` has province_code, name_zh, name_en and the metric column; each bar carries its
    province code as customdata so a click can filter by it. ``colors`` (code -> hex, e.g. the
    map's classes from components.maps.province_colors) keeps bar and map in step; without it
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
    fig = go.Figure(go.Bar(
        x=values, y=d[name_col], orientation="h", customdata=d["province_code"], marker_color=fills,
        text=[format_number(v, lang, digits=1 if metric == "per_10k_leads" else 0) for v in values],
        textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    fig.update_xaxes(showticklabels=False)
    return styled(fig, title=title, height=max(300, 26 * len(d) + 80), legend=False)
