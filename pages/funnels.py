"""招生漏斗 Enrolment funnels: which channels turn leads into enrolled, certified, employed learners."""

import datetime as dt

import pandas as pd
import streamlit as st

from components.charts.funnel import (
    STAGES,
    plot_cohort_lag,
    plot_conversion_by,
    plot_funnel,
    plot_monthly_by_channel,
    plot_step_conversion_by_channel,
    stage_totals,
)
from components.context import page_header
from components.export_ui import export_menu
from components.i18n import format_date, format_delta, format_number, format_percent, label, t
from data_access import queries as q
from data_access.cache import query

ctx = page_header("funnels")
lang, scope = ctx.lang, ctx.scope

with st.spinner(t("common.loading", lang)):
    by_channel = query(q.get_funnel_by_stage, scope, by=("channel",))
    # A year (or year to date) compares with the same months last year, a quarter with the one before.
    # Both cohorts are compared at the same age: the earlier one only counts events up to as long
    # after its period as the data reaches after this one.
    before = scope.previous() if "Q" in ctx.filters.period else scope.year_earlier()
    age = ctx.as_of + dt.timedelta(days=1) - scope.end
    previous = query(q.get_funnel_by_stage, before, by=("channel",), observed_until=before.end + age)

if by_channel.empty:
    st.info(t("funnels.empty", lang), icon=":material/person_off:")
    st.stop()

now_n, prev_n = stage_totals(by_channel), stage_totals(previous)

left, right = st.columns([2, 3])
with left:
    title = t("funnels.chart_funnel", lang)
    fig = plot_funnel(by_channel, title=title, lang=lang)
    st.plotly_chart(fig, key="funnels_funnel")
    export_menu(ctx, page="funnels", name=title, title=title, figure=fig, data=by_channel, key="export_funnel")
with right:
    title = t("funnels.chart_step", lang)
    fig = plot_step_conversion_by_channel(by_channel, title=title, lang=lang)
    st.plotly_chart(fig, key="funnels_step")
    export_menu(ctx, page="funnels", name=title, title=title, figure=fig, data=by_channel, key="export_step")

st.subheader(t("funnels.section_compare", lang))
st.caption(t("funnels.compare_intro", lang, previous=format_date(before.start, lang),
             until=format_date(before.end - pd.Timedelta(days=1), lang)))
rows = []
for i, stage in enumerate(STAGES):
    conv_now = now_n[stage] / now_n[STAGES[i - 1]] if i and now_n[STAGES[i - 1]] else None
    conv_prev = prev_n[stage] / prev_n[STAGES[i - 1]] if i and prev_n[STAGES[i - 1]] else None
    rows.append({
        t("funnels.col_stage", lang): label("stage", stage, lang),
        t("funnels.col_now", lang): format_number(now_n[stage], lang),
        t("funnels.col_previous", lang): format_number(prev_n[stage], lang),
        t("funnels.col_change", lang): format_delta((now_n[stage] - prev_n[stage]) / prev_n[stage], lang, kind="percent")
        if prev_n[stage] else "—",
        t("funnels.col_conv_now", lang): format_percent(conv_now, lang) if conv_now is not None else "—",
        t("funnels.col_conv_change", lang): format_delta(conv_now - conv_prev, lang, kind="points")
        if conv_now is not None and conv_prev is not None else "—",
    })
compare = pd.DataFrame(rows)
st.dataframe(compare, hide_index=True, width="stretch")
export_menu(ctx, page="funnels", name=t("funnels.section_compare", lang), title=t("funnels.section_compare", lang),
            figure=None, data=compare, key="export_compare")
refund_now = by_channel.loc[by_channel["stage"] == "refunded", "learners"].sum()
st.caption(t("funnels.refund_line", lang, n=format_number(refund_now, lang),
             rate=format_percent(refund_now / now_n["enrolled"], lang) if now_n["enrolled"] else "—"))

st.subheader(t("funnels.section_where", lang))
with st.spinner(t("common.loading", lang)):
    by_tier = query(q.get_funnel_by_stage, scope, by=("tier",))
    by_province = query(q.get_funnel_by_province, scope)
left, right = st.columns(2)
with left:
    title = t("funnels.chart_tier", lang)
    tiers = ("capital", "prefecture", "county")
    fig = plot_conversion_by(by_tier, dim="tier", labels={c: label("tier", c, lang) for c in tiers}, keep_order=True,
                             title=title, lang=lang)
    st.plotly_chart(fig, key="funnels_tier")
    export_menu(ctx, page="funnels", name=title, title=title, figure=fig, data=by_tier, key="export_tier")
with right:
    title = t("funnels.chart_province", lang)
    names = {c: ctx.province_name(c) for c in by_province["province_code"].unique()}
    fig = plot_conversion_by(by_province, dim="province_code", labels=names, horizontal=True, title=title, lang=lang)
    st.plotly_chart(fig, key="funnels_province")
    export_menu(ctx, page="funnels", name=title, title=title, figure=fig, data=by_province, key="export_province")

st.subheader(t("funnels.section_trend", lang))
with st.spinner(t("common.loading", lang)):
    trend = query(q.get_events_by_month, scope, by=("channel",))
stage = st.segmented_control(t("funnels.trend_stage", lang), ["lead", "enrolled", "certified", "employed"],
                             format_func=lambda s: label("stage", s, lang), default="lead", key="funnels_trend_stage",
                             required=True)
title = t("funnels.chart_trend", lang, stage=label("stage", stage, lang))
fig = plot_monthly_by_channel(trend, stage=stage, title=title, lang=lang)
st.plotly_chart(fig, key="funnels_trend")
export_menu(ctx, page="funnels", name=title, title=title, figure=fig, data=trend[trend["stage"] == stage], key="export_trend")

st.subheader(t("funnels.section_lag", lang))
st.caption(t("funnels.lag_intro", lang))
with st.spinner(t("common.loading", lang)):
    lag = query(q.get_cohort_lag, scope)
left, right = st.columns(2)
for col, stage in ((left, "enrolled"), (right, "certified")):
    with col:
        if lag[lag["stage"] == stage].empty:
            st.info(t("funnels.lag_empty", lang, stage=label("stage", stage, lang)))
        else:
            title = t("funnels.chart_lag", lang, stage=label("stage", stage, lang))
            fig = plot_cohort_lag(lag, stage=stage, title=title, lang=lang)
            st.plotly_chart(fig, key=f"funnels_lag_{stage}")
            export_menu(ctx, page="funnels", name=title, title=title, figure=fig, data=lag[lag["stage"] == stage],
                        key=f"export_lag_{stage}")
