"""What every page needs from the frame (app.py): scope, filters, language, data-as-of, names.

app.py builds one PageContext per run and pages read it with ``page_context()``; its
``sections`` is the SectionContext the page's sections are computed for (the pack and the
report command build the same from the same filters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import streamlit as st

from components.filters import Filters, FilterText
from components.i18n import t
from components.sections import SectionContext
from components.ui import state
from data_access.scope import Scope
from data_access.untrusted import md


@dataclass(frozen=True)
class PageContext:
    """The per-run values a page reads top to bottom."""

    scope: Scope
    filters: Filters
    lang: str
    as_of: dt.date
    names: dict[str, tuple[str, str]]
    allowed: tuple[str, ...]
    # Who is looking (e-mail, or "demo" in the open demo) and their role; ``audit(page=, item=, fmt=)``
    # records one export of this view (set by app.py; None only in tests of builders).
    actor: str = "demo"
    role: str = "executive"
    audit: Callable[..., None] | None = None

    def province_name(self, code: str) -> str:
        """A province's name in the page language (the code itself if unknown)."""
        pair = self.names.get(code)
        return code if pair is None else pair[0 if self.lang == "zh" else 1]

    @cached_property
    def sections(self) -> SectionContext:
        """What this run's sections are computed for."""
        return SectionContext(scope=self.scope, filters=self.filters, lang=self.lang, as_of=self.as_of, names=self.names)

    @property
    def text(self) -> FilterText:
        """The filters in words: scope line, file-name part, filter sheet (one description everywhere)."""
        return self.sections.text


def page_context() -> PageContext:
    """The context app.py stored for this run.

    Without one, Streamlit's legacy pages/ mode ran this page without the frame (a deep link as
    the first request to a server started with plain ``streamlit run``): go through the frame,
    keeping the link's filters.
    """
    if state.CONTEXT not in st.session_state:
        params = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
        st.switch_page("app.py", query_params=params)
    return st.session_state[state.CONTEXT]


def page_header(page: str) -> PageContext:
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


def set_page_context(ctx: PageContext) -> None:
    """Store the context for the pages of this run (app.py only)."""
    st.session_state[state.CONTEXT] = ctx
