"""提醒与订阅 Alerts and digests: what needs attention in the selected scope now, and digests that
bring it to people who do not open the cockpit every morning — by e-mail (with the briefing-pack
PDF) or to a WeCom / DingTalk / Feishu group. Users manage their own subscriptions; admins see all.
Sending is done by ``python -m components.cli digest --due`` from the company's scheduler."""

import datetime as dt
import os

import pandas as pd
import streamlit as st

from components.delivery.alerts import alert_text, rule_label
from components.delivery.channels import DeliveryError, configured_robots, resolve_robot
from components.delivery.digest import ordered
from components.export.tables import clean_frame
from components.i18n import LANG_NAMES, format_date, t, t_md, tn
from components.sections import PACK_DEFAULT, SECTIONS
from components.ui.auth import read_secrets
from components.ui.context import page_context
from data_access import alerts, cache, subscriptions
from data_access import runners as data
from data_access.untrusted import md

ctx = page_context()
lang = ctx.lang
st.title(t("subs.title", lang))
st.markdown(t("subs.intro", lang))
signed_in = ctx.actor != "demo"
secrets = read_secrets()  # robot names and alert thresholds; never shown
is_admin = ctx.role == "admin"


def province_list(codes_: tuple[str, ...]) -> str:
    if not codes_:
        return t("subs.all_mine", lang)
    return ("、" if lang == "zh" else ", ").join(ctx.name(p) for p in codes_)


def schedule_text(s: subscriptions.Subscription) -> str:
    when = {
        "daily": t("subs.every_day", lang),
        "weekly": t("subs.every_week", lang, day=t(f"subs.weekday.{s.weekday}", lang)),
        "monthly": t("subs.every_month", lang, day=s.monthday),
    }[s.schedule]
    return f"{when} {s.at_time}"


def state_text(s: subscriptions.Subscription, owners: dict) -> str:
    """On, paused by its owner, or paused with its owner (disabled or removed: the runner skips it)."""
    if owners and s.owner not in owners:
        return t("subs.state.owner_removed", lang)
    if owners and not owners[s.owner].enabled:
        return t("subs.state.owner_disabled", lang)
    return t("subs.state.on" if s.enabled else "subs.state.paused", lang)


tab_now, tab_mine = st.tabs([t("subs.tab_now", lang), t("subs.tab_mine", lang)])

with tab_now:
    st.caption(t_md("subs.now_help", lang, scope=ctx.text.line))
    with st.spinner(t("subs.evaluating", lang)):
        found = ordered(
            data.digest_run(
                alerts.evaluate, scope=ctx.scope, as_of=ctx.as_of, thresholds=alerts.Thresholds.from_settings(secrets, os.environ)
            )
        )
    if not found:
        st.success(t("digest.no_alerts", lang), icon=":material/task_alt:")
    else:
        st.markdown(tn("subs.now_count", len(found), lang))
        with st.container(border=True):
            for a in found:  # a list to read, not error boxes: nothing here went wrong
                st.markdown(
                    f"{':red[:material/priority_high:]' if a.severity == 'high' else ':orange[:material/info:]'} "
                    f"**{md(rule_label(a.rule, lang))}** · {md(alert_text(a, lang, names=ctx.names))}"
                )

with tab_mine:
    if not signed_in:
        st.info(t("subs.sign_in", lang), icon=":material/lock:")
    else:
        if "subs_result" in st.session_state:
            st.success(md(st.session_state.pop("subs_result")), icon=":material/check_circle:")
        mine = data.digest_run(subscriptions.list_all, owner=None if is_admin else ctx.actor)
        if not mine:
            st.info(t("subs.none", lang), icon=":material/notifications_off:")
        else:
            last = data.digest_run(subscriptions.list_deliveries, subscription_ids=[s.id for s in mine])
            latest = last.drop_duplicates("subscription_id").set_index("subscription_id")
            owners = {u.email: u for u in data.users()} if is_admin else {}  # anyone else sees only their own
            st.dataframe(
                clean_frame(
                    pd.DataFrame(
                        [
                            {
                                "#": s.id,
                                t("subs.col_owner", lang): s.owner,
                                t("subs.col_scope", lang): province_list(s.provinces),
                                t("subs.col_schedule", lang): schedule_text(s),
                                t("subs.col_channel", lang): f"{t(f'subs.channel.{s.channel}', lang)} · {s.target}",
                                t("subs.col_sections", lang): len(s.sections),
                                t("subs.col_state", lang): state_text(s, owners),
                                t("subs.col_last", lang): (
                                    f"{latest.loc[s.id, 'period']} · {t('subs.status.' + latest.loc[s.id, 'status'], lang)}"
                                    if s.id in latest.index
                                    else "—"
                                ),
                            }
                            for s in mine
                        ]
                    )
                ),
                hide_index=True,
                width="stretch",
            )
            pick = st.selectbox(
                t("subs.pick", lang),
                [s.id for s in mine],
                key="subs_pick",
                format_func=lambda i: f"#{i} · {schedule_text(next(s for s in mine if s.id == i))}",
            )
            chosen = next(s for s in mine if s.id == pick)
            left, right = st.columns(2)
            owner = None if is_admin else ctx.actor
            if left.button(
                t("subs.pause" if chosen.enabled else "subs.resume", lang),
                key="subs_toggle",
                icon=":material/pause:" if chosen.enabled else ":material/play_arrow:",
            ):
                data.digest_run(subscriptions.set_enabled, write=True, subscription_id=pick, enabled=not chosen.enabled, owner=owner)
                st.rerun()
            if right.button(t("subs.delete", lang), key="subs_delete", icon=":material/delete:"):
                data.digest_run(subscriptions.delete, write=True, subscription_id=pick, owner=owner)
                st.session_state["subs_result"] = t("subs.deleted", lang, id=pick)
                st.rerun()
            history = last[last["subscription_id"] == pick]
            if not history.empty:
                st.dataframe(
                    history.assign(status=history["status"].map(lambda v: t(f"subs.status.{v}", lang))),
                    hide_index=True,
                    width="stretch",
                    column_config={c: st.column_config.Column(t(f"subs.dcol.{c}", lang)) for c in history.columns},
                )

        st.subheader(t("subs.new", lang))
        # Only the robots whose group may see some province of this user (subscriptions.robot_allowed,
        # asked again on save with the provinces chosen, and by the runner at send time).
        me, catalogue = data.user(ctx.actor), cache.province_catalogue()
        region_of = dict(zip(catalogue["province_code"], catalogue["region"]))
        robots, audiences = [], {}
        for name, kind in configured_robots(secrets, os.environ):
            try:
                audience = resolve_robot(name, secrets=secrets, env=os.environ).audience
            except DeliveryError:
                continue
            if any(subscriptions.robot_allowed(audience, me, region_of, (p,)) for p in ctx.allowed):
                robots.append((name, kind))
                audiences[name] = audience
        with st.form("subs_form", border=True):
            provinces = st.multiselect(
                t("subs.provinces", lang),
                list(ctx.allowed),
                key="subs_provinces",
                format_func=ctx.name,
                placeholder=t("subs.all_mine", lang),
                help=t("subs.provinces_help", lang),
            )
            sections = st.multiselect(
                t("subs.sections", lang),
                list(SECTIONS),
                default=list(PACK_DEFAULT[:6]),
                key="subs_sections",
                format_func=lambda k: SECTIONS[k].title(ctx),
                help=t("subs.sections_help", lang),
            )
            col_a, col_b, col_c = st.columns(3)
            schedule = col_a.selectbox(
                t("subs.schedule", lang),
                subscriptions.SCHEDULES,
                key="subs_schedule",
                format_func=lambda v: t(f"digest.schedule.{v}", lang),
            )
            weekday = col_b.selectbox(
                t("subs.weekday", lang),
                range(7),
                key="subs_weekday",
                format_func=lambda d: t(f"subs.weekday.{d}", lang),
                help=t("subs.weekday_help", lang),
            )
            monthday = col_c.number_input(t("subs.monthday", lang), 1, 31, 1, key="subs_monthday", help=t("subs.monthday_help", lang))
            at_time = st.time_input(t("subs.time", lang), dt.time(8, 0), step=900, key="subs_time", help=t("subs.time_help", lang))
            kinds = ["email", *sorted({k for _, k in robots})]
            channel = st.radio(
                t("subs.channel_label", lang),
                kinds,
                horizontal=True,
                key="subs_channel",
                format_func=lambda v: t(f"subs.channel.{v}", lang),
            )
            robot_choices = [n for n, _ in robots]
            robot = st.selectbox(
                t("subs.robot", lang),
                robot_choices,
                key="subs_robot",
                index=None,
                placeholder=t("subs.robot_none", lang) if not robot_choices else None,
                help=t("subs.robot_help_audience", lang),
            )
            st.caption(t_md("subs.email_to", lang, email=ctx.actor))
            digest_lang = st.radio(
                t("subs.lang", lang),
                ("zh", "en"),
                horizontal=True,
                key="subs_lang",
                format_func=LANG_NAMES.__getitem__,
                index=0 if lang == "zh" else 1,
            )
            if st.form_submit_button(t("subs.save", lang), type="primary", icon=":material/notifications_active:"):
                target = ctx.actor if channel == "email" else (robot or "")
                if channel != "email" and dict(robots).get(target) != channel:
                    st.error(t("subs.error.robot_kind", lang), icon=":material/error:")
                else:
                    try:
                        new_id = data.digest_run(
                            subscriptions.add,
                            write=True,
                            owner=ctx.actor,
                            provinces=[p for p in provinces if p in ctx.allowed],
                            sections=sections,
                            schedule=schedule,
                            weekday=int(weekday),
                            monthday=int(monthday),
                            at_time=at_time.strftime("%H:%M"),
                            channel=channel,
                            target=target,
                            lang=digest_lang,
                            audience=audiences.get(target),
                        )
                    except subscriptions.SubscriptionError as exc:
                        st.error(t(f"subs.error.{exc.code}", lang), icon=":material/error:")
                    else:
                        st.session_state["subs_result"] = t("subs.saved", lang, id=new_id)
                        st.rerun()
        st.caption(t("subs.runner_note", lang, today=format_date(dt.date.today(), lang)))
