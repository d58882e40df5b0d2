"""数据维护 Data upkeep: the year's targets, the partner list and the timeline's events from Excel — template, upload →
preview → apply (all rows or none), and the change history with revert (admins). Only admins and
analysts may change data; an analyst only the provinces they see."""

import datetime as dt

import pandas as pd
import streamlit as st

from components.export import export_filename
from components.export.tables import clean_frame
from components.i18n import format_number, t, t_md, tn
from components.ui import state
from components.ui.context import page_context
from components.ui.exports import audited
from components.upkeep.events import event_labels, events_template
from components.upkeep.partners import partner_labels, partners_template
from components.upkeep.text import changes_frame, metric_labels, plan_frame, problems_frame, summary_text, targets_template
from data_access import codes, events, upkeep, upkeep_apply, upkeep_events, upkeep_partners
from data_access import engine as data_engine
from data_access import runners as data
from data_access.untrusted import clean, md

ctx = page_context()
lang = ctx.lang
st.title(t("upkeep.title", lang))
st.markdown(t("upkeep.intro", lang))
national = ctx.role in codes.NATIONAL_ROLES
uploader = upkeep.Uploader(ctx.actor, ctx.role, ctx.allowed, national)
may_change = upkeep.may_change_data(ctx.role, ctx.actor)

tab_upload, tab_history, tab_events = st.tabs([t("upkeep.tab_upload", lang), t("upkeep.tab_history", lang), t("events.tab", lang)])

with tab_upload:
    kind = st.radio(
        t("upkeep.kind_label", lang),
        ("targets", "partners", "events"),
        key="upkeep_kind",
        horizontal=True,
        format_func=lambda k: t(f"upkeep.kind.{k}", lang),
    )
    ref = data.upkeep_run(upkeep.Reference.load)  # provinces and cities (2,000 rows: a few ms)
    if kind == "targets":
        make = lambda: targets_template(ctx.names, year=ctx.as_of.year + 1, lang=lang)  # noqa: E731
    elif kind == "events":
        make = lambda: events_template(  # noqa: E731
            ctx.names, allowed=ctx.allowed, national=national, today=dt.date.today(), lang=lang, region_of=ctx.region_of
        )
    else:
        make = lambda: partners_template(  # noqa: E731
            ref.cities,
            ctx.names,
            allowed=ctx.allowed,
            today=dt.date.today(),
            lang=lang,
        )
    prefix = {"targets": "", "partners": "p", "events": "e"}[kind]
    st.download_button(
        t(f"upkeep.{prefix}template_button", lang),
        icon=":material/download:",
        key=f"upkeep_{prefix}template",
        on_click="ignore",
        data=audited(ctx, page="upkeep", item=f"{kind}_template", fmt="xlsx", make=make),
        file_name=export_filename(t(f"upkeep.sheet.{kind}", lang), t("upkeep.template", lang), ctx.as_of, "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        help=t(f"upkeep.{prefix}template_help", lang),
    )
    # No st.stop() here: it would also stop the history tab below.
    if not may_change:
        st.info(t("upkeep.read_only", lang), icon=":material/lock:")
    if may_change and state.UPKEEP_RESULT in st.session_state:
        st.success(md(st.session_state.pop(state.UPKEEP_RESULT)), icon=":material/check_circle:")
    file = (
        None
        if not may_change
        else st.file_uploader(
            t("upkeep.upload_label", lang),
            type=["xlsx"],
            key=f"upkeep_{prefix}file",
            max_upload_size=upkeep.MAX_BYTES // (1024 * 1024),
            help=t("upkeep.upload_help", lang),
        )
    )
    if file is None:
        if may_change:
            st.caption(t("upkeep.upload_hint", lang))
    else:
        raw = file.getvalue()
        bar = st.progress(0.0, text=t("upkeep.validating", lang))

        def step(f: float) -> None:
            bar.progress(f, text=t("upkeep.validating", lang))

        if kind == "targets":
            rows, plan = data.upkeep_run(upkeep.preview_targets, data=raw, uploader=uploader, metric_labels=metric_labels(), progress=step)
        elif kind == "events":
            rows, plan = data.upkeep_run(
                upkeep_events.preview_events, data=raw, uploader=uploader, labels=event_labels(), progress=step, ref=ref
            )
        else:
            rows, plan = data.upkeep_run(
                upkeep_partners.preview_partners, data=raw, uploader=uploader, labels=partner_labels(), progress=step, ref=ref
            )
        bar.empty()
        if not plan.ok:
            st.error(tn("upkeep.summary_problems", plan.problem_count, lang), icon=":material/error:")
            st.dataframe(clean_frame(problems_frame(plan.problems, lang, kind)), hide_index=True, width="stretch")
            if plan.problem_count > len(plan.problems):
                st.caption(tn("upkeep.more_problems", plan.problem_count - len(plan.problems), lang))
        elif not plan.changes:
            st.info(t("upkeep.nothing_to_do", lang), icon=":material/task_alt:")
        else:
            st.subheader(t("upkeep.preview", lang))
            counts = plan.counts
            cols = st.columns(4)
            for col, key in zip(cols, ("inserted", "changed", "ended", "unchanged")):
                col.metric(t(f"upkeep.count_{key}", lang), format_number(counts[key], lang))
            st.dataframe(clean_frame(plan_frame(plan, ctx.names, lang, ref.cities)), hide_index=True, width="stretch")
            if st.button(
                t("upkeep.apply", lang), type="primary", icon=":material/upload:", key="upkeep_apply", help=t("upkeep.apply_help", lang)
            ):
                try:
                    with st.spinner(t("upkeep.applying", lang)):
                        upload_id = data.upkeep_run(
                            upkeep_apply.apply_plan,
                            write=True,
                            plan=plan,
                            rows=rows,
                            actor=ctx.actor,
                            file_name=file.name,
                            sha256=upkeep.file_sha256(raw),
                            source="page",
                            uploader=uploader,
                        )
                except upkeep.UpkeepError as exc:  # its params may quote a cell of the file
                    st.error(t_md(f"upkeep.error.{exc.code}", lang, **exc.params), icon=":material/error:")
                else:
                    data_engine.upkeep_applied()
                    st.session_state.pop("upkeep_pick", None)  # the history opens on the newest upload
                    st.session_state[state.UPKEEP_RESULT] = (
                        t("upkeep.nothing_to_do", lang)
                        if upload_id is None
                        else t("upkeep.applied", lang, id=upload_id, **{k: v for k, v in counts.items() if k != "unchanged"})
                    )
                    st.rerun()
            st.caption(md(summary_text(plan, lang)))

with tab_history:
    seen = None if national else ctx.allowed
    everyone = data.upkeep_run(upkeep.list_uploads, provinces=seen, national=national)
    left, right = st.columns(2)
    actor = left.selectbox(
        t("upkeep.hcol.actor", lang),
        [""] + sorted(set(everyone["actor"])),
        key="upkeep_actor",
        format_func=lambda v: clean(v) or t("filter.all", lang),
    )
    today = dt.date.today()
    days = right.date_input(t("admin.audit_dates", lang), value=(today - dt.timedelta(days=365), today), key="upkeep_days")
    start, end = days if isinstance(days, tuple) and len(days) == 2 else (days[0], days[0]) if days else (None, None)
    uploads = data.upkeep_run(upkeep.list_uploads, provinces=seen, national=national, actor=actor or None, start=start, end=end)
    if uploads.empty:
        st.info(t("upkeep.history_empty", lang), icon=":material/history:")
    else:
        shown = uploads.assign(
            source=uploads["source"].map(lambda s: t(f"upkeep.source.{s}", lang)),
            kind=uploads["kind"].map(lambda k: t(f"upkeep.kind.{k}", lang)),
        )
        st.dataframe(
            clean_frame(shown),
            hide_index=True,
            width="stretch",
            column_config={c: st.column_config.Column(t(f"upkeep.hcol.{c}", lang)) for c in shown.columns},
        )
        chosen = st.selectbox(
            t("upkeep.pick_upload", lang),
            uploads["id"].tolist(),
            key="upkeep_pick",
            format_func=lambda i: clean(f"#{i} · {uploads.set_index('id').loc[i, 'file_name']}"),
        )
        changes = data.upkeep_run(upkeep.list_changes, upload_id=int(chosen), provinces=seen, national=national)
        st.dataframe(clean_frame(changes_frame(changes, ctx.names, lang, ref.cities)), hide_index=True, width="stretch")
        if ctx.role == "admin":
            row = uploads.set_index("id").loc[chosen]
            if pd.notna(row["reverted_by"]):
                st.caption(t_md("upkeep.error.already_reverted", lang, id=chosen))
            elif st.button(
                t_md("upkeep.revert", lang, id=chosen), icon=":material/undo:", key="upkeep_revert", help=t("upkeep.revert_help", lang)
            ):
                try:
                    new_id = data.upkeep_run(
                        upkeep_apply.revert_upload,
                        write=True,
                        upload_id=int(chosen),
                        actor=ctx.actor,
                        allowed=ctx.allowed,
                        national=national,
                    )
                except upkeep.UpkeepError as exc:
                    st.error(t_md(f"upkeep.error.{exc.code}", lang, **exc.params), icon=":material/error:")
                else:
                    data_engine.upkeep_applied()
                    st.session_state.pop("upkeep_pick", None)  # the history opens on the newest upload
                    st.session_state[state.UPKEEP_RESULT] = t("upkeep.reverted", lang, upload=chosen, id=new_id)
                    st.rerun()


with tab_events:
    # The timeline's events (signings, policy changes, campaigns, openings): the trend charts, the
    # Overview's list, the pack and the digests show them where they matter (docs/SCHEMA.md §10).
    st.markdown(t("events.intro", lang))
    listed = data.events_run(events.list_events, provinces=ctx.allowed)
    if listed.empty:
        st.info(t("events.none", lang), icon=":material/event_busy:")
    else:
        shown = listed.assign(
            kind=[t(f"event_kind.{k}", lang) for k in listed["kind"]],
            provinces=[
                t("events.national", lang) if r == "national" else "、".join(ctx.name(p) for p in str(v).split(",") if p)
                for r, v in zip(listed["reach"], listed["provinces"])
            ],
        ).drop(columns=["reach", "region"])
        st.dataframe(
            clean_frame(shown),
            hide_index=True,
            width="stretch",
            column_config={c: st.column_config.Column(t(f"events.lcol.{c}", lang)) for c in shown.columns},
        )
    if not events.may_edit(ctx.role):
        st.caption(t("events.read_only", lang))
    else:
        everyone = set(ctx.allowed) == set(ctx.region_of)
        editing = st.selectbox(
            t("events.edit_which", lang),
            [0, *[int(i) for i in listed["event_id"]]],
            key="events_edit",
            format_func=lambda i: (
                t("events.new", lang)
                if i == 0
                else md(next(f"{r.starts_on} {r.title_zh or r.title_en}" for r in listed.itertuples() if r.event_id == i))
            ),
        )
        old = next((r for r in listed.itertuples() if r.event_id == editing), None)
        with st.form("events_form", clear_on_submit=False):
            a, b, c = st.columns(3)
            starts = a.date_input(t("events.starts", lang), value=old.starts_on if old is not None else ctx.as_of, key="events_starts")
            span = b.checkbox(t("events.span", lang), value=old is not None and old.ends_on is not None, key="events_span")
            ends = b.date_input(
                t("events.ends", lang), value=(old.ends_on if old is not None and old.ends_on else starts), key="events_ends"
            )
            kind = c.selectbox(
                t("events.kind", lang),
                events.KINDS,
                index=events.KINDS.index(old.kind) if old is not None else 0,
                key="events_kind",
                format_func=lambda k: t(f"event_kind.{k}", lang),
            )
            title_zh = st.text_input(
                t("events.title_zh", lang),
                value=old.title_zh if old is not None else "",
                max_chars=events.TITLE_ZH_MAX,
                key="events_title_zh",
            )
            title_en = st.text_input(
                t("events.title_en", lang),
                value=old.title_en if old is not None else "",
                max_chars=events.TITLE_EN_MAX,
                key="events_title_en",
            )
            note = st.text_area(
                t("events.note", lang), value=old.note if old is not None else "", max_chars=events.NOTE_MAX, key="events_note", height=80
            )
            reaches = events.REACHES if everyone else ("region", "provinces")
            reach = st.radio(
                t("events.reach", lang),
                reaches,
                horizontal=True,
                key="events_reach",
                format_func=lambda r: t(f"events.reach.{r}", lang),
                index=reaches.index(old.reach) if old is not None and old.reach in reaches else len(reaches) - 1,
            )
            region = st.selectbox(
                t("events.region", lang), codes.REGIONS, key="events_region", format_func=lambda r: t(f"region.{r}", lang)
            )
            chosen = st.multiselect(
                t("events.provinces", lang),
                list(ctx.allowed),
                default=[p for p in str(old.provinces if old is not None else "").split(",") if p in ctx.allowed],
                key="events_provinces",
                format_func=ctx.name,
            )
            save = st.form_submit_button(t("events.save", lang), icon=":material/save:")
        if save:
            entry = events.EventInput(
                starts_on=starts, ends_on=ends if span else None, kind=kind, title_zh=title_zh, title_en=title_en, note=note,
                reach=reach, region=region if reach == "region" else "", provinces=tuple(chosen),
            )  # fmt: skip
            try:
                data.events_run(
                    events.save_event,
                    write=True,
                    e=entry,
                    actor=ctx.actor,
                    role=ctx.role,
                    allowed=ctx.allowed,
                    region_of=ctx.region_of,
                    event_id=editing or None,
                )
                data_engine.upkeep_applied()
                st.success(t("events.saved", lang), icon=":material/check:")
            except events.EventRefused as exc:
                st.error(t(f"events.refused.{exc}", lang), icon=":material/block:")
        if editing and st.button(t("events.delete", lang), key="events_delete", icon=":material/delete:"):
            try:
                data.events_run(events.delete_event, write=True, event_id=editing, actor=ctx.actor, role=ctx.role, allowed=ctx.allowed)
                data_engine.upkeep_applied()
                st.success(t("events.deleted", lang), icon=":material/check:")
            except events.EventRefused as exc:
                st.error(t(f"events.refused.{exc}", lang), icon=":material/block:")
