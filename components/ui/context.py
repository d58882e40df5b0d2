"""The page side of the one Context (components/context.py): app.py stores it once per run, and
every page reads it with ``page_context()`` or starts with ``page_header()``."""

from __future__ import annotations

import streamlit as st

from components.context import Context
from components.i18n import t
from components.ui import state
from data_access.untrusted import md


def page_context() -> Context:
    """The context app.py stored for this run.

    Without one, Streamlit's legacy pages/ mode ran this page without the frame (a deep link as
    the first request to a server started with plain ``streamlit run``): go through the frame,
    keeping the link's filters.
    """
    if state.CONTEXT not in st.session_state:
        params = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
        st.switch_page("app.py", query_params=params)
    return st.session_state[state.CONTEXT]


def page_header(page: str) -> Context:
    """Start a page: title, the scope line, the question it answers, and the empty-scope guard.

    Returns the run's context; stops the page (after saying why) when the scope can match nothing.
    """
    ctx = page_context()
    lang, scope = ctx.lang, ctx.scope
    st.title(t(f"{page}.title", lang))
    st.caption(md(ctx.text.line))  # province names come from the database
    with st.container(key="desktop_only_intro"):  # hidden on a phone (app.py CSS): answers come first there
        st.markdown(t(f"{page}.intro", lang))
    if scope.is_empty:
        st.info(t("empty.scope", lang), icon=":material/filter_alt_off:")
        st.stop()
    return ctx


def set_page_context(ctx: Context) -> None:
    """Store the context for the pages of this run (app.py only)."""
    st.session_state[state.CONTEXT] = ctx
