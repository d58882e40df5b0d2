"""招生漏斗 Enrolment funnels: which channels turn leads into enrolled, certified, employed learners."""

import datetime as dt

import streamlit as st

from components.export.tables import clean_frame
from components.i18n import format_date, label, t, t_md, tn
from components.sections import SECTIONS
from components.sections.funnels import MIN_LEADS, city_channel_table
from components.ui.context import page_header
from components.ui.exports import export_view
from components.ui.sections import column_help, show, takeaway, view
from data_access.untrusted import md

ctx = page_header("funnels")
lang = ctx.lang

funnel = view(ctx, "funnel")
if funnel.empty:
    st.info(md(funnel.takeaway), icon=":material/person_off:")
    st.stop()

left, right = st.columns([2, 3])
with left:
    show(ctx, funnel)
with right:
    show(ctx, view(ctx, "channels"))

compare = view(ctx, "funnel_compare")
st.subheader(md(compare.title))
before = compare.prepared.before_scope
st.caption(
    t_md(
        "funnels.compare_intro", lang, previous=format_date(before.start, lang), until=format_date(before.end - dt.timedelta(days=1), lang)
    )
)
show(ctx, compare)
if not compare.empty:
    st.caption(md(compare.prepared.refund_line(lang)))

refunds = view(ctx, "refunds_channels")
st.subheader(md(refunds.title))
show(ctx, refunds)

st.subheader(t("funnels.section_where", lang))
left, right = st.columns(2)
with left:
    show(ctx, view(ctx, "tiers"))
with right:
    show(ctx, view(ctx, "funnel_provinces"))

# Inside one province: every city × channel, the worst first (a hint how to get there otherwise).
cities = view(ctx, "city_channels")
st.subheader(md(cities.title))
if cities.empty:
    st.caption(md(cities.takeaway))
else:
    takeaway(cities, lang)
    rows = clean_frame(city_channel_table(cities.prepared.rows, lang))
    st.dataframe(rows, hide_index=True, width="stretch", height=360 if len(rows) > 10 else "auto", column_config=column_help(rows, lang))
    st.caption(tn("funnels.city_note", MIN_LEADS, lang))
    export_view(ctx, cities, key="export_city_channels")

st.subheader(t("funnels.section_trend", lang))
stage = st.segmented_control(
    t("funnels.trend_stage", lang),
    list(SECTIONS["trend"].options),
    format_func=lambda s: label("stage", s, lang),
    default="lead",
    key="funnels_trend_stage",
    required=True,
)
show(ctx, view(ctx, SECTIONS["trend"].variant(stage)))

st.subheader(t("funnels.section_lag", lang))
st.caption(t("funnels.lag_intro", lang))
left, right = st.columns(2)
for col, section in ((left, "lag"), (right, "lag_certified")):
    with col:
        show(ctx, view(ctx, section))
