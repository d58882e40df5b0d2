"""Notes on a view, on the page: the leaders' remarks under a section ("备注（…）：河南三季度退费偏高，
已约谈线下分校") and a small popover to leave one on the view as it is filtered, or remove one's own.

A note belongs to the section, the period and the provinces of the view it was written on; it shows
there and on any wider view (data_access.queries.get_notes), on the page and on the pack's slide
(View.remarks). Its text is the writer's: shown only through ``md()``.
"""

from __future__ import annotations

import streamlit as st

from components.context import Context
from components.i18n import t
from components.sections import View
from data_access import engine as data_engine
from data_access import notes
from data_access import runners as data
from data_access.untrusted import md


def _period(ctx: Context) -> tuple:
    """The view's period as chosen: [start, end) with the end of the chosen period, not the data's."""
    return ctx.scope.start, ctx.scope.plan_end or ctx.scope.end


def show_notes(ctx: Context, v: View, *, key: str) -> None:
    """The view's notes, then the popover to add one (every role) or remove one's own (an admin: any)."""
    lang = ctx.lang
    mine = v.notes
    for line in v.remarks:
        st.caption(f":material/sticky_note_2: {md(line)}")
    with st.popover(t("notes.button", lang), icon=":material/edit_note:", help=t("notes.help", lang)):
        start, end = _period(ctx)
        st.caption(md(t("notes.where", lang, scope=ctx.text.scope, period=ctx.text.period)))
        with st.form(f"{key}_form", border=False):  # a refused note keeps its text to correct
            body = st.text_area(t("notes.body", lang), max_chars=notes.BODY_MAX, key=f"{key}_body", height=80,
                                placeholder=t("notes.placeholder", lang))  # fmt: skip
            save = st.form_submit_button(t("notes.save", lang), icon=":material/save:")
        if save:
            try:
                data.events_run(
                    notes.save_note,
                    write=True,
                    section=v.id,
                    start=start,
                    end=end,
                    provinces=ctx.scope.provinces,
                    body=body,
                    actor=ctx.actor,
                    role=ctx.role,
                    allowed=ctx.allowed,
                )
            except notes.NoteRefused as exc:
                st.error(t(f"notes.refused.{exc}", lang), icon=":material/block:")
            else:
                data_engine.upkeep_applied()
                st.session_state.pop(f"{key}_body", None)  # saved: the box starts empty again
                st.rerun()
        if mine is not None:
            for r in mine.itertuples(index=False):
                if r.created_by == ctx.actor or ctx.role == "admin":
                    if st.button(
                        t("notes.delete", lang, body=md(str(r.body)[:24])), key=f"{key}_del_{r.note_id}", icon=":material/delete:"
                    ):
                        try:
                            data.events_run(notes.delete_note, write=True, note_id=int(r.note_id), actor=ctx.actor, role=ctx.role,
                                            allowed=ctx.allowed)  # fmt: skip
                        except notes.NoteRefused as exc:
                            st.error(t(f"notes.refused.{exc}", lang), icon=":material/block:")
                        else:
                            data_engine.upkeep_applied()
                            st.rerun()
