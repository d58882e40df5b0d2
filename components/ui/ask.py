"""The question box at the top of every page (docs/ASK.md): type a question, see what it was
understood as (chips to drop), the answer in one sentence, its chart and table with the export menu,
and a button to the page with those filters set.

The parse and the answer are components/ask (pure, the ``ask`` command's code too); the figures
come through the app's cached Reader, so an answer costs what the page's own view costs. Every
question is stored (data_access.asked) for the admin page's list of questions not understood.
"""

from __future__ import annotations

import hashlib
import logging

import pandas as pd
import streamlit as st

from components import ask as asking
from components.ask.answer import Answer, chip_text
from components.context import Catalogue, Context
from components.export.tables import clean_frame
from components.filters import parse_params
from components.i18n import t
from components.ui import state
from components.ui.exports import export_view
from components.ui.filter_bar import open_with
from components.ui.sections import CHART_CONFIG, column_help
from data_access import asked, cache, runners
from data_access.cache import db
from data_access.engine import DataUnavailable, QueryTimeout, data_version
from data_access.untrusted import md

logger = logging.getLogger("cockpit.ask")
PAGES = {"": "pages/overview.py", "coverage": "pages/coverage.py", "investment": "pages/investment.py", "funnels": "pages/funnels.py"}
PAGE_TITLES = {"": "nav.overview", "coverage": "nav.coverage", "investment": "nav.investment", "funnels": "nav.funnels"}


@st.cache_resource(ttl=cache.TTL_S, max_entries=64, show_spinner=False)
def _vocabulary(
    allowed: tuple[str, ...], version: int, synonyms_key: str, *, _cat: Catalogue, _synonyms: pd.DataFrame
) -> asking.Vocabulary:
    """One vocabulary per reach (the provinces a viewer may see), data version and set of synonyms."""
    return asking.vocabulary(db, _cat, places=cache.place_catalogue(), synonyms=_synonyms, allowed=allowed)


def vocabulary_for(ctx: Context, cat: Catalogue) -> asking.Vocabulary:
    """The viewer's vocabulary with the synonyms as stored now (read fresh: one added is understood
    from the next question); without them while the database does not answer."""
    try:
        synonyms = runners.asked(asked.get_synonyms)
    except DataUnavailable:
        synonyms = pd.DataFrame(columns=asked.SYNONYM_COLUMNS)
    key = hashlib.sha1(synonyms.to_json().encode()).hexdigest()
    return _vocabulary(tuple(ctx.allowed), data_version(), key, _cat=cat, _synonyms=synonyms)


def _submit() -> None:
    text = st.session_state.get("ask_text", "")
    st.session_state[state.QUESTION] = {"text": text, "dropped": (), "recorded": False}


def render_ask(ctx: Context, cat: Catalogue) -> None:
    """The box, and under it the answer to the question asked (if any)."""
    lang = ctx.lang
    st.session_state[state.CATALOGUE] = cat
    with st.container(key="ask_box"):
        st.text_input(
            t("ask.label", lang),
            key="ask_text",
            placeholder=t("ask.placeholder", lang),
            help=t("ask.help", lang),
            label_visibility="collapsed",
            icon=":material/search:",
            on_change=_submit,
        )
    asked_now = st.session_state.get(state.QUESTION)
    if not asked_now or not str(asked_now["text"]).strip():
        return
    with st.container(border=True, key="ask_answer"):
        try:
            with st.spinner(t("common.loading", lang)):
                vocab = vocabulary_for(ctx, cat)
                p = asking.understand(asked_now["text"], vocab, cat.as_of)
                for chip in asked_now["dropped"]:
                    p = p.without(chip)
                with cache.reads() as read_at:
                    answer = asking.reanswer(p, db=db, cat=cat, allowed=ctx.allowed, vocab=vocab, lang=lang, actor=ctx.actor, role=ctx.role)
                cache.noted(tuple(read_at))
        except (DataUnavailable, QueryTimeout):
            # The page below may still stand on its cached figures: say the question must wait, keep it.
            st.warning(t("ask.unavailable", lang), icon=":material/cloud_off:")
            return
        st.button(t("ask.clear", lang), key="ask_clear", icon=":material/close:", on_click=_clear, type="tertiary")
        if not asked_now["recorded"]:
            _record(ctx, answer)
            asked_now["recorded"] = True
        _render_answer(ctx, cat, vocab, answer, asked_now)


def _clear() -> None:
    """Close the answer and empty the box."""
    st.session_state.pop(state.QUESTION, None)
    st.session_state["ask_text"] = ""


def _record(ctx: Context, answer: Answer) -> None:
    """Store the question; a question the database cannot store is still answered (and logged)."""
    try:
        runners.asked(
            asked.record_question,
            write=True,
            actor=ctx.actor,
            lang=ctx.lang,
            text=answer.parse.text,
            parse=answer.parse.as_dict(),
            status=answer.status,
            unknown=answer.parse.unknown,
            page=ctx.page,
        )
    except DataUnavailable:
        logger.warning("question not stored: %r", answer.parse.text[:80])


def _render_answer(ctx: Context, cat: Catalogue, vocab: asking.Vocabulary, answer: Answer, asked_now: dict) -> None:
    lang, p = ctx.lang, answer.parse
    key = hashlib.sha1(asked_now["text"].encode()).hexdigest()[:10]
    chips = [c for c, _ in p.chips()]
    if chips:
        kept = st.pills(
            t("ask.understood", lang),
            chips,
            selection_mode="multi",
            default=chips,
            format_func=lambda c: md(chip_text(c, vocab, lang)),
            key=f"ask_chips_{key}_{len(asked_now['dropped'])}",
        )
        dropped = [c for c in chips if c not in (kept or [])]
        if dropped:
            asked_now["dropped"] = (*asked_now["dropped"], *dropped)
            st.rerun()
    if p.overview and not p.metrics:
        st.caption(md(t("ask.chip.headline", lang)))
    for typed, read in p.corrected:
        st.caption(md(t("ask.corrected", lang, typed=typed, read=read)))
    if p.unknown and answer.answered:
        st.caption(md(t("ask.unknown_chip", lang, words="、".join(p.unknown) if lang == "zh" else ", ".join(p.unknown))))
    if answer.answered:
        st.markdown(f":material/question_answer: {md(answer.sentence)}")
    elif answer.status in ("not_understood", "refused"):
        st.warning(md(answer.sentence), icon=":material/help:")
    else:
        st.info(md(answer.sentence), icon=":material/info:")
    for note in answer.notices:
        st.caption(md(note))
    if answer.status == "ambiguous":
        word = p.ambiguous[0][0]
        cols = st.columns(max(1, len(answer.options)))
        for col, (code, words) in zip(cols, answer.options):
            full = vocab.name("place", code, "zh")
            col.button(md(words), key=f"ask_pick_{key}_{code}", on_click=_pick, args=(asked_now["text"], word, full))
        return
    if answer.status == "not_understood":
        st.caption(md(t("ask.examples", lang) + " " + " · ".join(t(f"ask.example.{i}", lang) for i in range(1, 5))))
        return
    if answer.answered:
        view = answer.view()
        if view.figure is not None:
            st.plotly_chart(view.figure, key=f"ask_chart_{key}", config=CHART_CONFIG)
        table = answer.table()
        if table is not None and len(table) > 1:
            with st.expander(t("ask.table", lang), expanded=view.figure is None):
                shown = clean_frame(table)
                st.dataframe(shown, hide_index=True, width="stretch", column_config=column_help(shown, lang))
        export_view(ctx, view, key=f"export_ask_{key}", notes=False)  # an answer is no section view: no notes
    if answer.status in ("answered", "unsupported"):
        page = answer.page
        st.button(
            t("ask.open_page", lang, page=t(PAGE_TITLES.get(page, "nav.overview"), lang)),
            key=f"ask_open_{key}",
            icon=":material/arrow_forward:",
            on_click=_open,
            args=(dict(answer.params), page, ctx.allowed, cat),
        )


def _pick(text: str, word: str, full: str) -> None:
    """An ambiguous place chosen: ask again with its full name."""
    new = text.replace(word, full, 1)
    st.session_state["ask_text"] = new
    st.session_state[state.QUESTION] = {"text": new, "dropped": (), "recorded": False}


def _open(params: dict, page: str, allowed, cat: Catalogue) -> None:
    """Set the answer's filters on every page and go to its page."""
    f, _ = parse_params(params, allowed=tuple(allowed), regions=cat.regions, periods=cat.periods)
    open_with(f)
    st.session_state.pop(state.QUESTION, None)
    st.session_state[state.ASK_SWITCH] = PAGES.get(page, PAGES[""])


def follow_switch() -> None:
    """After a click on "continue on the page": go there (a callback cannot switch pages itself)."""
    target = st.session_state.pop(state.ASK_SWITCH, None)
    if target:
        st.switch_page(target)


def admin_vocabulary(ctx: Context) -> asking.Vocabulary:
    """The vocabulary of the admin's reach (the admin page's synonyms form)."""
    return vocabulary_for(ctx, st.session_state[state.CATALOGUE])
