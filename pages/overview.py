"""总览 Overview: how the division is doing against its targets, and what changed most."""

import streamlit as st

from components import metrics
from components.export.tables import clean_frame
from components.i18n import t
from components.kpi import render_cards
from components.sections import SECTIONS
from components.ui.context import page_header
from components.ui.exports import export_view
from components.ui.sections import column_help, show, takeaway, view
from data_access.untrusted import md

ctx = page_header("overview")
lang = ctx.lang

kpis = view(ctx, "kpis")
takeaway(kpis, lang)
# A phone sees where each target stands in one chart before the cards (within its first screen and
# a half: tests/e2e/test_phone.py); a laptop has room for the cards' own target lines.
with st.container(key="phone_only_targets"):
    show(ctx, view(ctx, "targets"))
for heading, cards in kpis.prepared.groups:
    st.subheader(t(heading, lang))
    render_cards(cards, lang=lang, key=heading.split(".")[-1])
with st.container(key="desktop_only_kpi_export"):  # a phone shows the cards, then the first chart
    export_view(ctx, kpis, key="export_kpis")

st.subheader(t("overview.section_changes", lang))
with st.container(key="desktop_only_changes_intro"):
    st.caption(t("overview.changes_intro", lang))
left, right = st.columns(2)
for col, section in ((left, "movers"), (right, "movers_enrolled")):
    with col:
        show(ctx, view(ctx, section))

# Region against region (within one region: its provinces), on a card metric chosen here.
st.subheader(t("overview.section_regions", lang))
growth_metric = st.segmented_control(
    t("overview.growth_metric", lang),
    list(SECTIONS["region_growth"].options),
    key="overview_growth_metric",
    format_func=lambda m: metrics.label(m, lang),
    default="leads",
    required=True,
)
growth = view(ctx, SECTIONS["region_growth"].variant(growth_metric))
if growth.empty:
    st.caption(md(growth.takeaway))
else:
    chart, numbers = st.columns([3, 2])  # the chart carries the title
    with chart:
        show(ctx, growth)
    with numbers:
        table = clean_frame(growth.table)
        st.dataframe(table, hide_index=True, width="stretch", column_config=column_help(table, lang))

# What happened in the period where the viewer looks: every event (the trend charts mark a few).
show(ctx, view(ctx, "events"), heading=True)
