"""Builders for the investment page: cumulative spend, money by category, one project's plan."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from components import metrics
from components.charts._layout import money_scale, styled
from components.charts.palette import MONEY_COLORS
from components.i18n import format_money, t
from data_access.periods import year_share
from data_access.untrusted import html


def cumulative_spend_frame(
    planned_by_year: pd.DataFrame, disbursed_by_month: pd.DataFrame, *, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Month-end cumulative planned and disbursed yuan over [start, end).

    Plans are per fiscal year and are spread over its months by the one pro-rating rule
    (data_access/periods.py: 1/12 a month, a month inside [start, end) in part by its days);
    disbursements are actual payments. Columns: month (first day), planned, disbursed.
    """
    months = pd.period_range(pd.Timestamp(start), pd.Timestamp(end - dt.timedelta(days=1)), freq="M")
    plan = planned_by_year.set_index("year")["planned_yuan"] if len(planned_by_year) else pd.Series(dtype=float)
    paid = {(int(r.year), int(r.month)): float(r.disbursed_yuan) for r in disbursed_by_month.itertuples()}

    def month_plan(m: pd.Period) -> float:
        first, after = m.start_time.date(), (m + 1).start_time.date()
        return float(plan.get(m.year, 0.0)) * year_share(m.year, max(first, start), min(after, end))

    rows = [(m.to_timestamp(), month_plan(m), paid.get((m.year, m.month), 0.0)) for m in months]
    df = pd.DataFrame(rows, columns=["month", "planned", "disbursed"])
    df[["planned", "disbursed"]] = df[["planned", "disbursed"]].cumsum()
    return df


def plot_cumulative_spend(df: pd.DataFrame, *, title: str, lang: str) -> go.Figure:
    """Lines of cumulative planned (dashed grey) and disbursed (solid blue) money per month."""
    div, unit = money_scale(list(df["planned"]) + list(df["disbursed"]), lang)
    fig = go.Figure()
    for col, dash in (("planned", "dash"), ("disbursed", "solid")):
        fig.add_trace(
            go.Scatter(
                x=df["month"],
                y=df[col] / div,
                name=metrics.label(f"{col}_yuan", lang),
                mode="lines+markers",
                line=dict(color=MONEY_COLORS[col], width=3 if col == "disbursed" else 2, dash=dash),
                customdata=[format_money(v, lang) for v in df[col]],
                hovertemplate="%{x|%Y-%m}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_yaxes(title_text=unit, rangemode="tozero")
    fig.update_xaxes(tickformat="%Y-%m")
    return styled(fig, title=title, height=340)


def plot_money_bars(df: pd.DataFrame, *, title: str, lang: str, top: int = 15) -> go.Figure:
    """Horizontal grouped bars of planned, committed and disbursed per ``label`` (largest plan on top;
    a label may be a province's name from the database: it is HTML-escaped, as plotly reads HTML)."""
    d = df.nlargest(top, "planned_yuan").iloc[::-1]
    names = [html(x) for x in d["label"]]
    div, unit = money_scale(list(d["planned_yuan"]) + list(d["committed_yuan"]), lang)
    fig = go.Figure()
    for col in ("planned", "committed", "disbursed"):
        values = d[f"{col}_yuan"]
        # Value labels: which sector leads is read without hovering.
        fig.add_trace(
            go.Bar(
                y=names,
                x=values / div,
                orientation="h",
                name=metrics.label(f"{col}_yuan", lang),
                marker_color=MONEY_COLORS[col],
                customdata=[format_money(v, lang) for v in values],
                text=[format_money(v, lang) for v in values],
                textposition="outside",
                cliponaxis=False,
                textfont=dict(size=10),
                hovertemplate="%{y}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    # Room right of the longest bar for its value label.
    longest = max([float((d[f"{c}_yuan"] / div).max()) for c in ("planned", "committed", "disbursed")] + [0.0])
    fig.update_xaxes(title_text=unit, range=[0, longest * 1.22 or 1])
    return styled(fig, title=title, height=max(280, 58 * len(d) + 90))


def plot_project_plan(plan: pd.DataFrame, *, title: str, lang: str) -> go.Figure:
    """Bars of one project's plan and payments per fiscal year (columns year, planned_yuan, disbursed_yuan)."""
    div, unit = money_scale(list(plan["planned_yuan"]) + list(plan["disbursed_yuan"]), lang)
    fig = go.Figure()
    for col in ("planned", "disbursed"):
        values = plan[f"{col}_yuan"]
        fig.add_trace(
            go.Bar(
                x=plan["year"].astype(str),
                y=values / div,
                name=t(f"money.{col}", lang),
                marker_color=MONEY_COLORS[col],
                text=[format_money(v, lang) for v in values],
                textposition="outside",
                cliponaxis=False,
                hoverinfo="skip",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=unit, rangemode="tozero")
    fig.update_xaxes(type="category")
    return styled(fig, title=title, height=300)
