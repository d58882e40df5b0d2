"""总览 Overview: how the division is doing against its targets, and what changed most."""

import streamlit as st

from components.i18n import t
from components.kpi import render_cards
from components.ui.context import page_header
from components.ui.exports import export_view
from components.ui.sections import show, takeaway, view

ctx = page_header("overview")
lang = ctx.lang

kpis = view(ctx, "kpis")
takeaway(kpis, lang)
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
