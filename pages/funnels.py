"""招生漏斗 Enrolment funnels: which channels turn leads into enrolled, certified, employed learners."""

import datetime as dt

import streamlit as st

from components.i18n import format_date, format_number, format_percent, label, t, t_md
from components.sections import SECTIONS
from components.ui.context import page_header
from components.ui.sections import show, view
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

st.subheader(t("funnels.section_compare", lang))
compare = view(ctx, "funnel_compare")
before = compare.prepared.before_scope
st.caption(
    t_md(
        "funnels.compare_intro", lang, previous=format_date(before.start, lang), until=format_date(before.end - dt.timedelta(days=1), lang)
    )
)
show(ctx, compare)
enrolled = compare.prepared.rows.set_index("stage").loc["enrolled", "now"]
st.caption(
    t_md(
        "funnels.refund_line",
        lang,
        n=format_number(compare.prepared.refunded, lang),
        rate=format_percent(compare.prepared.refunded / enrolled, lang) if enrolled else "—",
    )
)

st.subheader(t("funnels.section_where", lang))
left, right = st.columns(2)
with left:
    show(ctx, view(ctx, "tiers"))
with right:
    show(ctx, view(ctx, "funnel_provinces"))

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
