"""Drawing a section's view on a page: its takeaway, its figure or table, its export menu.

Pages call ``view()`` to compute a section for this run (through the cached Reader) and
``show()`` to lay it out; what only a page has (cards, the pydeck map, selections, drill-downs)
the page draws from ``View.prepared``.

A view's title and takeaway are plain text (the pack draws them as typed) built from names in the
database: they reach Markdown only through ``md()`` here. The catalogue's takeaway sentences hold
no Markdown of their own, so escaping the whole sentence is escaping its names, and the escapes
do not show.
"""

from __future__ import annotations

import streamlit as st

from components import metrics
from components.context import Context
from components.export.tables import clean_frame
from components.i18n import t
from components.sections import SECTIONS, Section, View
from components.ui.exports import export_view
from data_access import cache
from data_access.cache import db
from data_access.engine import data_version
from data_access.untrusted import md

CHART_CONFIG = {"displayModeBar": False, "displaylogo": False}
# Built views kept per process: 7 pages × ~6 views × a few dozen scopes in use at once.
VIEW_ENTRIES = 1024


def view(ctx: Context, section: str | Section) -> View:
    """The section (a registry id, or a variant a widget picked) for this run's context.

    Built once per (section, option, context) and data version, then shared by every session and
    rerun in this process until it is as old as a cached query may be: a widget that changes one
    view reruns the page, and every other view of it costs a lookup instead of its takeaway, table
    and figure again (issue 24: 70–270 ms a warm page). The times its figures were read from the
    database come with it (the outage notice says how old they are).
    """
    s = SECTIONS[section] if isinstance(section, str) else section
    with st.spinner(t("common.loading", ctx.lang)):
        built, read_at = _built(type(s).__name__, s.option, ctx.view_key, data_version(), _section=s, _ctx=ctx)
    cache.noted(read_at)
    return built


@st.cache_resource(ttl=cache.TTL_S, max_entries=VIEW_ENTRIES, show_spinner=False)
def _built(kind: str, option: str, ctx_key: str, version: int, *, _section: Section, _ctx: Context) -> tuple[View, tuple]:
    """The view and the read times of its queries (a failure raises and is not kept)."""
    with cache.reads() as read_at:
        built = _section.view(db, _ctx)
    return built, tuple(read_at)


def takeaway(v: View, lang: str | None = None) -> None:
    """The one-line answer above the chart (or the sentence saying why there is nothing), with the
    definitions of the view's metrics on its ⓘ when ``lang`` is given."""
    if v.empty:
        st.info(md(v.takeaway), icon=":material/info:")
    else:
        # The ⓘ: the definitions (口径) of the metrics the view shows.
        st.markdown(f":material/lightbulb: {md(v.takeaway)}", help=md(metrics.help_text(v.metrics, lang)) if lang and v.metrics else None)


def column_help(table, lang: str) -> dict:
    """Column settings that put a metric's definition on the header of every column named by one."""
    config = {}
    for col in table.columns:
        metric = metrics.by_label(str(col), lang)
        if metric is not None:
            config[col] = st.column_config.Column(help=md(metrics.definition(metric, lang)))
    return config


def show(ctx: Context, v: View, *, heading: bool = False, table_height: int | None = None) -> None:
    """Lay out a view: (heading,) takeaway, figure, table, export menu; keys from the page being
    drawn (``ctx.page``, else the section's own) and the view's id."""
    page = ctx.page or v.page
    if heading:
        st.subheader(md(v.title))
    takeaway(v, ctx.lang)
    if v.empty:
        return
    if v.figure is not None:
        # No plotly mode bar: on a touch screen it covers the chart title; the export menu has the files.
        st.plotly_chart(v.figure, key=f"{page}_{v.id}", config=CHART_CONFIG)
    if v.table is not None and v.figure is None:
        table = clean_frame(v.table)
        st.dataframe(table, hide_index=True, width="stretch", height=table_height or "auto", column_config=column_help(table, ctx.lang))
    export_view(ctx, v, key=f"export_{v.id}")
