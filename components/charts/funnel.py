"""Builders for the enrolment-funnel page."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.charts._layout import styled
from components.charts.palette import CHANNEL_COLORS, NEUTRAL, STAGE_COLORS, TIER_COLORS
from components.i18n import format_number, format_percent, label, t, tn
from data_access.codes import STAGES
from data_access.untrusted import html

LAG_BUCKETS = ("0-30", "31-90", "91-180", "181-365", "366+")
LAG_COLORS = ("#0072B2", "#56B4E9", "#9AC8E6", "#E69F00", "#D55E00")


def stage_totals(df: pd.DataFrame) -> pd.Series:
    """Learners per funnel stage (the seven, in order, zeros filled) from a stage/learners frame."""
    return df[df["stage"].isin(STAGES)].groupby("stage")["learners"].sum().reindex(list(STAGES), fill_value=0)


def step_conversion(counts: pd.Series) -> pd.Series:
    """Conversion from each stage to the next, indexed by the later stage (NaN where the earlier is 0)."""
    prev = counts.shift(1)
    return (counts / prev.where(prev > 0)).iloc[1:]


def plot_funnel(df: pd.DataFrame, *, title: str, lang: str) -> go.Figure:
    """The seven stages as a funnel (``stage``, ``learners``), with the share of leads on each bar."""
    counts = stage_totals(df)
    fig = go.Figure(
        go.Funnel(
            y=[label("stage", s, lang) for s in STAGES],
            x=counts.values,
            marker=dict(color=[STAGE_COLORS[s] for s in STAGES]),
            text=[
                f"{format_number(v, lang)} · {format_percent(v / counts.iloc[0], lang) if counts.iloc[0] else '—'}" for v in counts.values
            ],
            textinfo="text",
            textposition="auto",
            textfont=dict(color="#1F2933"),
            constraintext="none",
            connector=dict(line=dict(color="#CBD2D9", width=1)),
            hoverinfo="y+x",
        )
    )
    return styled(fig, title=title, height=380, legend=False)


def plot_step_conversion_by_channel(df: pd.DataFrame, *, title: str, lang: str) -> go.Figure:
    """Grouped bars: conversion into each stage from the one before, one colour per channel.

    ``df`` has stage, channel, learners.
    """
    fig = go.Figure()
    x = ["→" + label("stage", b, lang) for b in STAGES[1:]]
    for channel in CHANNEL_COLORS:
        part = df[df["channel"] == channel]
        if part.empty:
            continue
        conv = step_conversion(stage_totals(part))
        fig.add_trace(
            go.Bar(
                x=x,
                y=conv.values,
                name=label("channel", channel, lang),
                marker_color=CHANNEL_COLORS[channel],
                customdata=[format_percent(v, lang) if v == v else "—" for v in conv.values],
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(barmode="group", bargap=0.2)
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return styled(fig, title=title, height=360)


def plot_conversion_by(
    df: pd.DataFrame, *, dim: str, labels: dict[str, str], title: str, lang: str, horizontal: bool = False, keep_order: bool = False
) -> go.Figure:
    """Lead→enrolled and enrolled→certified rates per value of ``dim`` (a column of ``df``).

    ``labels`` maps the dim's codes to display names, in display order when ``keep_order``
    (e.g. capital → prefecture → county); otherwise values are sorted by enrolment rate.
    Values with no leads are left out.
    """
    rows = []
    groups = dict(list(df.groupby(dim)))
    ordered = [v for v in labels if v in groups] + sorted(v for v in groups if v not in labels) if keep_order else sorted(groups)
    for value in ordered:
        part = groups[value]
        n = stage_totals(part)
        if n["lead"] == 0:
            continue
        # A label may be a province's name from the database: plotly reads HTML in it.
        rows.append(
            (
                html(labels.get(value, value)),
                n["enrolled"] / n["lead"],
                n["certified"] / n["enrolled"] if n["enrolled"] else float("nan"),
                n["lead"],
            )
        )
    d = pd.DataFrame(rows, columns=["name", "enrol", "certify", "leads"])
    if not keep_order:
        d = d.sort_values("enrol", ascending=horizontal)
    fig = go.Figure()
    colors = {"enrol": TIER_COLORS["capital"], "certify": TIER_COLORS["county"]}
    for col, key in (("enrol", "funnel.rate_enrol"), ("certify", "funnel.rate_certify")):
        vals = d[col]
        kw = dict(x=vals, y=d["name"], orientation="h") if horizontal else dict(x=d["name"], y=vals)
        fig.add_trace(
            go.Bar(
                **kw,
                name=t(key, lang),
                marker_color=colors[col],
                customdata=[[format_percent(v, lang) if v == v else "—", format_number(n, lang)] for v, n in zip(vals, d["leads"])],
                hovertemplate="%{customdata[0]} · " + t("funnel.leads_n", lang) + " %{customdata[1]}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(barmode="group")
    if horizontal:
        fig.update_xaxes(tickformat=".0%")
    else:
        fig.update_yaxes(tickformat=".0%")
    return styled(fig, title=title, height=max(300, 30 * len(d) + 100) if horizontal else 320)


def plot_monthly_by_channel(df: pd.DataFrame, *, stage: str, title: str, lang: str) -> go.Figure:
    """Monthly events of one ``stage`` per channel (``year``, ``month``, ``stage``, ``channel``, ``events``)."""
    d = df[df["stage"] == stage].copy()
    d["when"] = pd.to_datetime(dict(year=d["year"], month=d["month"], day=1))
    fig = go.Figure()
    for channel, color in CHANNEL_COLORS.items():
        part = d[d["channel"] == channel].sort_values("when")
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["when"],
                y=part["events"],
                name=label("channel", channel, lang),
                mode="lines+markers",
                line=dict(color=color, width=2),
                stackgroup=None,
            )
        )
    fig.update_yaxes(rangemode="tozero", title_text=label("stage", stage, lang))
    fig.update_xaxes(dtick="M1", tickformat="%Y-%m")
    return styled(fig, title=title, height=340)


def plot_cohort_lag(df: pd.DataFrame, *, stage: str, title: str, lang: str) -> go.Figure:
    """Stacked shares of the days from lead to ``stage`` per channel, with the mean in the hover.

    ``df`` has channel, stage, bucket, learners, total_days.
    """
    d = df[df["stage"] == stage]
    fig = go.Figure()
    channels = [c for c in CHANNEL_COLORS if c in set(d["channel"])]
    totals = d.groupby("channel")["learners"].sum()
    means = d.groupby("channel")["total_days"].sum() / totals
    names = [f"{label('channel', c, lang)} · {tn('funnel.mean_days', int(means[c] + 0.5), lang)}" for c in channels]
    for bucket, color in zip(LAG_BUCKETS, LAG_COLORS):
        part = d[d["bucket"] == bucket].set_index("channel")["learners"].reindex(channels, fill_value=0)
        share = part / totals.reindex(channels)
        fig.add_trace(
            go.Bar(
                y=names,
                x=share.values,
                orientation="h",
                name=t("funnel.days_bucket", lang, bucket=bucket),
                marker_color=color,
                customdata=[format_number(v, lang) for v in part.values],
                hovertemplate="%{x:.0%} (%{customdata})<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    return styled(fig, title=title, height=330)


def plot_tier_shares(df: pd.DataFrame, *, title: str, lang: str) -> go.Figure:
    """Stacked 100 % bars: each year's leads split by city tier (``year``, ``tier``, ``leads``),
    capital at the bottom, county on top, with the share printed in each segment."""
    d = df.pivot_table(index="year", columns="tier", values="leads", aggfunc="sum").reindex(columns=list(TIER_COLORS)).fillna(0)
    shares = d.div(d.sum(axis=1).where(d.sum(axis=1) > 0), axis=0)
    fig = go.Figure()
    for tier, color in TIER_COLORS.items():
        fig.add_trace(
            go.Bar(
                x=[str(y) for y in shares.index],
                y=shares[tier],
                name=label("tier", tier, lang),
                marker_color=color,
                text=[format_percent(v, lang, digits=0) if v == v else "" for v in shares[tier]],
                textposition="inside",
                insidetextanchor="middle",
                customdata=[format_number(v, lang) for v in d[tier]],
                hovertemplate="%{x} %{fullData.name}: %{text} (%{customdata})<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return styled(fig, title=title, height=340)


def plot_refund_rates(df: pd.DataFrame, *, title: str, now_name: str, before_name: str, lang: str) -> go.Figure:
    """Refund rate per channel, this period (channel colour) beside the comparison period (grey).

    ``df``: one row per channel with ``channel``, ``label``, ``rate_now``, ``rate_before``,
    ``refunded_now``, ``enrolled_now`` (refunds_by_channel in components/sections/funnels.py).
    """
    d = df.iloc[::-1]  # the highest rate on top
    names = [html(x) for x in d["label"]]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=names,
            x=d["rate_before"],
            orientation="h",
            name=before_name,
            marker_color=NEUTRAL,
            hovertemplate="%{y}: %{x:.1%}<extra>%{fullData.name}</extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            y=names,
            x=d["rate_now"],
            orientation="h",
            name=now_name,
            marker_color=[CHANNEL_COLORS.get(c, NEUTRAL) for c in d["channel"]],
            text=[format_percent(v, lang) if v == v else "—" for v in d["rate_now"]],
            textposition="outside",
            cliponaxis=False,
            customdata=[[format_number(r, lang), format_number(e, lang)] for r, e in zip(d["refunded_now"], d["enrolled_now"])],
            hovertemplate="%{y}: %{x:.1%} (%{customdata[0]} / %{customdata[1]})<extra>%{fullData.name}</extra>",
        )
    )
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    return styled(fig, title=title, height=max(260, 56 * len(d) + 100))
