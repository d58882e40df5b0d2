"""管理 Admin: who may sign in, what each may see, and who exported what (admins only)."""

import datetime as dt

import pandas as pd
import streamlit as st

from components.ask.vocab import SYNONYM_KINDS
from components.export import export_filename, to_csv_bytes
from components.export.tables import clean_frame
from components.i18n import format_date, label, t, t_md, tn
from components.ui.ask import admin_vocabulary
from components.ui.context import page_context
from components.ui.exports import audited
from data_access import access, asked, codes
from data_access import runners as data
from data_access.untrusted import md

ctx = page_context()
lang = ctx.lang
st.title(t("admin.title", lang))
# app.py registers this page for admins only; the guard here keeps it closed should that change.
if ctx.role != "admin":
    st.error(t("admin.refused", lang), icon=":material/block:")
    st.stop()
st.markdown(t("admin.intro", lang))


def province_names(codes_: tuple[str, ...]) -> str:
    return "、".join(ctx.name(p) for p in codes_) if lang == "zh" else ", ".join(ctx.name(p) for p in codes_)


def grants_text(user: access.User) -> str:
    if user.role in codes.NATIONAL_ROLES:
        return t("admin.all_provinces", lang)
    parts = [label("region", r, lang) for r in user.regions]
    if user.provinces:
        parts.append(province_names(user.provinces))
    return " · ".join(parts)


tab_users, tab_audit, tab_ask = st.tabs([t("admin.users", lang), t("admin.audit", lang), t("admin.ask", lang)])

with tab_users:
    people = data.users()
    if not people:
        st.info(t("admin.no_users", lang))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("admin.col_email", lang): u.email,
                        t("admin.col_name", lang): u.name,
                        t("admin.col_role", lang): t(f"role.{u.role}", lang),
                        t("admin.col_grants", lang): grants_text(u),
                        t("admin.col_enabled", lang): u.enabled,
                        t("admin.col_changed", lang): f"{format_date(u.changed_at, lang)} · {u.changed_by}" if u.changed_at else "",
                    }
                    for u in people
                ]
            ),
            hide_index=True,
            width="stretch",
        )

    province_codes = list(ctx.names)

    def grant_widgets(prefix: str, user: access.User | None) -> tuple[str, list[str], list[str]]:
        role = st.selectbox(
            t("admin.col_role", lang),
            codes.ROLES,
            key=f"{prefix}_role",
            index=codes.ROLES.index(user.role) if user else 1,
            format_func=lambda r: t(f"role.{r}", lang),
            help=t("admin.role_help", lang),
        )
        provinces = st.multiselect(
            t("filter.provinces", lang),
            province_codes,
            key=f"{prefix}_provinces",
            default=list(user.provinces) if user else [],
            format_func=ctx.name,
            placeholder=t("admin.none", lang),
        )
        regions = st.multiselect(
            t("filter.regions", lang),
            codes.REGIONS,
            key=f"{prefix}_regions",
            default=list(user.regions) if user else [],
            format_func=lambda r: label("region", r, lang),
            placeholder=t("admin.none", lang),
        )
        return role, provinces, regions

    left, right = st.columns(2)
    with left, st.form("admin_add", clear_on_submit=False, border=True):
        st.markdown(f"**{t('admin.add', lang)}**")
        email = st.text_input(t("admin.col_email", lang), key="admin_add_email", placeholder="name@company.com")
        name = st.text_input(t("admin.col_name", lang), key="admin_add_name")
        role, provinces, regions = grant_widgets("admin_add", None)
        if st.form_submit_button(t("admin.add_button", lang), type="primary", icon=":material/person_add:"):
            try:
                added = data.add_user(email=email, role=role, provinces=provinces, regions=regions, name=name, actor=ctx.actor)
                st.success(t_md("admin.added", lang, email=added.email))
            except access.UserError as exc:
                st.error(t_md("admin.change_refused", lang, reason=str(exc)))

    with right:
        st.markdown(f"**{t('admin.change', lang)}**")
        if people:
            by_email = {u.email: u for u in people}
            chosen = st.selectbox(t("admin.col_email", lang), list(by_email), key="admin_set_email")
            user = by_email[chosen]
            with st.form(f"admin_set_{chosen}", border=True):
                role, provinces, regions = grant_widgets(f"admin_set_{chosen}", user)
                enabled = st.toggle(t("admin.col_enabled", lang), value=user.enabled, key=f"admin_set_{chosen}_enabled")
                if st.form_submit_button(t("admin.save", lang), icon=":material/save:"):
                    if chosen == ctx.actor and (not enabled or role != "admin"):
                        st.error(t("admin.not_yourself", lang))
                    else:
                        try:
                            changed = data.set_user(
                                email=chosen, actor=ctx.actor, role=role, provinces=provinces, regions=regions, enabled=enabled
                            )
                            st.success(t_md("admin.changed", lang, email=changed.email))
                        except access.UserError as exc:
                            st.error(t_md("admin.change_refused", lang, reason=str(exc)))
    st.caption(t("admin.cli_hint", lang))
    st.code("python -m components.cli users add name@company.com --role regional --province 410000", language="bash")

with tab_audit:
    a, b, c = st.columns(3)
    actor = a.selectbox(
        t("admin.col_actor", lang), [""] + data.audit_actors(), key="admin_audit_actor", format_func=lambda v: v or t("filter.all", lang)
    )
    today = dt.date.today()
    days = b.date_input(t("admin.audit_dates", lang), value=(today - dt.timedelta(days=30), today), key="admin_audit_days")
    fmt = c.selectbox(
        t("admin.col_format", lang),
        [""] + list(codes.EXPORT_FORMATS),
        key="admin_audit_fmt",
        format_func=lambda v: v.upper() or t("filter.all", lang),
    )
    start, end = days if isinstance(days, tuple) and len(days) == 2 else (days[0], days[0]) if days else (None, None)
    rows = data.audit_log(actor=actor or None, start=start, end=end, fmt=fmt or None)
    if rows.empty:
        st.info(t("admin.audit_empty", lang))
    else:
        st.caption(tn("admin.audit_count", len(rows), lang))
        st.dataframe(
            clean_frame(rows),
            hide_index=True,
            width="stretch",
            column_config={col: st.column_config.Column(t(f"admin.col_{col}", lang)) for col in rows.columns},
        )
        st.download_button(
            "CSV",
            data=audited(ctx, page="admin", item="audit_log", fmt="csv", make=lambda: to_csv_bytes(rows)),
            file_name=export_filename(t("admin.audit", lang), "audit", ctx.as_of, "csv"),
            mime="text/csv",
            icon=":material/download:",
            key="admin_audit_csv",
            on_click="ignore",
        )

with tab_ask:
    # Questions typed into the box and not understood, and the words added for them (docs/ASK.md).
    st.markdown(t("admin.ask_intro", lang))
    missed = data.asked(asked.get_questions, status="not_understood")
    partly = data.asked(asked.get_questions, status="answered")
    partly = partly[partly["unknown"].astype(str).str.len() > 0]
    words = asked.unknown_words(pd.concat([missed, partly], ignore_index=True))
    if words.empty:
        st.info(t("admin.ask_none", lang))
    else:
        st.caption(tn("admin.ask_words", len(words), lang))
        st.dataframe(
            clean_frame(
                words.rename(
                    columns={
                        "word": t("admin.ask_col_word", lang),
                        "times": t("admin.ask_col_times", lang),
                        "example": t("admin.ask_col_example", lang),
                    }
                )
            ),
            hide_index=True,
            width="stretch",
        )
    with st.expander(t("admin.ask_recent", lang)):
        recent = data.asked(asked.get_questions, limit=200)
        st.dataframe(
            clean_frame(recent.assign(status=[t(f"ask.status.{x}", lang) for x in recent["status"]])), hide_index=True, width="stretch"
        )

    st.subheader(t("admin.ask_add", lang))
    vocab = admin_vocabulary(ctx)
    a, b, c = st.columns([2, 2, 3])
    term = a.text_input(
        t("admin.ask_term", lang),
        key="admin_ask_term",
        max_chars=asked.TERM_MAX,
        placeholder=words["word"].iloc[0] if not words.empty else "",
    )
    kind = b.selectbox(t("admin.ask_kind", lang), SYNONYM_KINDS, key="admin_ask_kind", format_func=lambda k: t(f"admin.ask_kind.{k}", lang))
    options = sorted(
        {e.code for entries in vocab.terms.values() for e in entries if e.kind == kind},
        key=lambda code: vocab.name(kind, code, lang) if kind != "metric" else code,
    )
    code = c.selectbox(
        t("admin.ask_means", lang),
        options,
        key="admin_ask_code",
        format_func=lambda x: md(vocab.name(kind, x, lang) if kind != "metric" else f"{t(f'metric.{x}', lang)} ({x})"),
    )
    if st.button(t("admin.ask_save", lang), key="admin_ask_save", icon=":material/add:", disabled=not term.strip()):
        try:
            stored = data.asked(
                asked.add_synonym, write=True, term=term, kind=kind, code=code, actor=ctx.actor, kinds=SYNONYM_KINDS, known=set(vocab.terms)
            )
            st.success(t_md("admin.ask_saved", lang, term=stored))
        except asked.SynonymRefused as exc:
            st.error(t(f"admin.ask_refused.{exc}", lang), icon=":material/block:")
    synonyms = data.asked(asked.get_synonyms)
    if not synonyms.empty:
        st.dataframe(clean_frame(synonyms), hide_index=True, width="stretch")
        gone = st.selectbox(
            t("admin.ask_remove", lang), [""] + list(synonyms["term"]), key="admin_ask_gone", format_func=lambda x: md(x) or "—"
        )
        if gone and st.button(t("admin.ask_remove_do", lang), key="admin_ask_remove"):
            data.asked(asked.delete_synonym, write=True, term=gone, actor=ctx.actor)
            st.rerun()
