"""Events on a time-series chart (issue 26): a dotted line (a shaded band for a span) at each event's
date with a short label; the full title and date on hover. At most ``MAX_MARKERS`` per chart — the
policy changes and signings first — so a chart never drowns in them; every event of the period is in
the Overview's list and the pack's. Names enter through ``data_access.untrusted.html``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from components.charts.palette import NEUTRAL, TEXT
from components.i18n import format_date, label
from data_access.untrusted import html

MAX_MARKERS = 3
KIND_ORDER = ("policy", "signing", "opening", "campaign", "other")
SHORT = 10  # characters of a title on the chart (Chinese); English gets twice as many


def event_title(row, lang: str) -> str:
    """The event's title in ``lang``, else in the other language."""
    zh, en = str(row.title_zh or ""), str(row.title_en or "")
    return (zh or en) if lang == "zh" else (en or zh)


def chosen(events: pd.DataFrame, most: int = MAX_MARKERS) -> pd.DataFrame:
    """The events a chart marks: policy changes and signings before campaigns, then by date; in
    date order."""
    if events is None or events.empty:
        return pd.DataFrame(columns=getattr(events, "columns", []))
    rank = events["kind"].map({k: i for i, k in enumerate(KIND_ORDER)}).fillna(len(KIND_ORDER))
    picked = events.assign(_rank=rank).sort_values(["_rank", "starts_on", "event_id"], kind="stable").head(most)
    return picked.sort_values(["starts_on", "event_id"], kind="stable").drop(columns="_rank")


def _short(text: str, lang: str) -> str:
    n = SHORT if lang == "zh" else 2 * SHORT
    return text if len(text) <= n else text[: n - 1] + "…"


def _hover(row, lang: str) -> str:
    when = format_date(row.starts_on, lang)
    if row.ends_on is not None and not pd.isna(row.ends_on):
        when += f" – {format_date(row.ends_on, lang)}"
    return f"{html(event_title(row, lang))}<br>{html(label('event_kind', row.kind, lang))} · {when}"


def mark_months(fig: go.Figure, events: pd.DataFrame, *, lang: str) -> go.Figure:
    """Mark events on a chart whose x axis is dates (months)."""
    for i, row in enumerate(chosen(events).itertuples(index=False)):
        start = pd.Timestamp(row.starts_on)
        if row.ends_on is not None and not pd.isna(row.ends_on):
            fig.add_vrect(x0=start, x1=pd.Timestamp(row.ends_on), fillcolor=NEUTRAL, opacity=0.12, line_width=0, layer="below")
        fig.add_vline(x=start, line_dash="dot", line_color=NEUTRAL, line_width=1)
        # Inside the plot's top, one row lower each (two events a month apart never overprint),
        # on a white ground so a line under the label does not cross its words.
        fig.add_annotation(
            x=start,
            y=0.99 - 0.09 * i,
            yref="paper",
            yanchor="top",
            text=f"◆ {html(_short(event_title(row, lang), lang))}",
            hovertext=_hover(row, lang),
            showarrow=False,
            font={"size": 10, "color": TEXT},
            xanchor="left",
            bgcolor="rgba(255,255,255,0.85)",
        )
    return fig


def mark_years(fig: go.Figure, events: pd.DataFrame, *, lang: str) -> go.Figure:
    """Mark events on a chart whose x axis is years (categories "2024", "2025" …): one label per
    year with its events (the first, and how many more) on hover."""
    picked = chosen(events)
    if picked.empty:
        return fig
    for year, group in picked.groupby(picked["starts_on"].map(lambda d: pd.Timestamp(d).year)):
        rows = list(group.itertuples(index=False))
        text = f"◆ {html(_short(event_title(rows[0], lang), lang))}" + (f" +{len(rows) - 1}" if len(rows) > 1 else "")
        fig.add_annotation(
            x=str(year),
            y=1.0,
            yref="paper",
            yanchor="bottom",
            text=text,
            hovertext="<br>".join(_hover(r, lang) for r in rows),
            showarrow=False,
            font={"size": 10, "color": TEXT},
        )
    return fig


def in_period(events: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The events overlapping [start, end)."""
    if events is None or events.empty:
        return events
    last = events["ends_on"].where(events["ends_on"].notna(), events["starts_on"])
    return events[(events["starts_on"] < end) & (last >= start)]
