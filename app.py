"""产教融合驾驶舱 — the frame around every page: sign-in, database check, scope, filters, navigation."""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

import streamlit as st

from components.context import EVERYTHING, Catalogue, context_for
from components.filters import dropped_text, to_params
from components.i18n import format_date, format_number, t, t_md
from components.ui import auth, outage
from components.ui.ask import follow_switch, render_ask
from components.ui.context import set_page_context
from components.ui.filter_bar import render_filter_bar
from data_access import access, cache, engine, runners
from data_access.scope import Scope

logger = logging.getLogger("cockpit")
FAVICON = Path(__file__).resolve().parent / "components" / "assets" / "favicon.png"
# Metric values at Streamlit's default 2.25rem truncate "2,759 万元" in a row of five cards at
# 1440 px; a slightly smaller figure keeps every card readable down to laptop widths.
# On a phone (≤ 640 px) Streamlit stacks every column: fifteen cards would fill 2,700 px before the
# first chart. Each card group becomes one two-column grid instead (kpi.render_cards keys it
# "cards_…"), with smaller figures, no trend line and compact headings (tests/e2e/test_phone.py).
# Containers keyed "desktop_only_…" are left out on a phone, "phone_only_…" everywhere else.
METRIC_CSS = """<style>
[data-testid='stMetricValue']{font-size:1.75rem}
[class*='st-key-phone_only_']{display:none!important}
@media (max-width: 640px) {
  [class*='st-key-phone_only_']{display:flex!important}
  [class*='st-key-cards_']{display:grid!important;grid-template-columns:1fr 1fr;gap:0.5rem}
  [class*='st-key-cards_'] > div, [class*='st-key-cards_'] [data-testid='stHorizontalBlock']{display:contents!important}
  [class*='st-key-cards_'] [data-testid='stColumn']{width:auto!important;min-width:0!important}
  [class*='st-key-cards_'] [data-testid='stColumn']:has([class*='st-key-cardhide_']){display:none}
  [class*='st-key-card_'], [class*='st-key-cardhide_']{padding:0.5rem 0.6rem!important}
  [class*='st-key-desktop_only_']{display:none}
  [class*='st-key-cards_'] [data-testid='stVerticalBlockBorderWrapper'],
  [class*='st-key-cards_'] [data-testid='stVerticalBlock']{gap:0.15rem}
  [data-testid='stMetricValue']{font-size:1.2rem}
  [data-testid='stMetricLabel'] p{font-size:0.8rem}
  [data-testid='stMetricDelta']{font-size:0.75rem}
  [class*='st-key-cards_'] [data-testid='stCaptionContainer']{font-size:0.7rem}
  [data-testid='stMetric'] [data-testid='stMetricChart'], [data-testid='stMetric'] .stVegaLiteChart{display:none}
  h1{font-size:1.6rem!important;padding:0.25rem 0!important}
  h2, h3{font-size:1.15rem!important;padding:0.5rem 0 0.25rem!important}
}
</style>"""

# A local image, not a :material/…: icon: the browser would fetch that favicon from a public font
# CDN, which fails on an intranet (offline test: tests/e2e/test_offline.py).
st.set_page_config(page_title="产教融合驾驶舱 · Cockpit", page_icon=str(FAVICON), layout="wide")
st.html(METRIC_CSS)

lang_param = st.query_params.get("lang")
lang: str = st.session_state["_filters"].lang if "_filters" in st.session_state else (lang_param if lang_param in ("zh", "en") else "zh")

# Nobody sees a number before this: the sign-in mode, then (with SSO) a signed-in e-mail.
auth_cfg = auth.current_config()
if auth_cfg.mode == "closed":
    auth.render_closed(auth_cfg, lang)
identity = None
if auth_cfg.mode == "sso":
    identity = auth.signed_in_identity()
    if identity is None:
        auth.render_sign_in(auth_cfg, lang)
email = identity.email if identity else None

# During an outage this slot, above the page, says that the figures below are cached and how old.
cache.start_run()
outage_slot = st.empty()
with st.spinner(t("app.starting", lang)):
    status = engine.startup()
if not status.ok:  # down when this process first looked: not remembered, retried until it answers
    outage.render_unavailable(lang, status.message)
    outage.auto_retry(lambda: engine.startup().ok, engine.BACKOFF_S[1], lang)
    st.stop()
health = engine.health()


def current_user(email: str) -> access.User | None:
    """The user's row, read fresh; during an outage the row this session read last stands in
    (the visitor already signed in; a changed row is read again as soon as the database answers)."""
    try:
        user = runners.user(email)
    except engine.DataUnavailable:
        last = st.session_state.get("_last_user")
        if last is None or last[0] != email:
            raise
        return last[1]
    st.session_state["_last_user"] = (email, user)
    return user


def check_identity(identity: auth.Identity, user: access.User | None) -> access.User | None:
    """The user row for this signed-in identity, bound on the first sign-in; a refused identity
    (unverified e-mail, another subject than the bound one) ends the run with a message, audited
    once per session. docs/SECURITY.md, "Identity"."""
    decision = auth.check_identity(identity, user)
    if decision.outcome == "bind":
        if runners.bind_identity(email=identity.email, issuer=identity.issuer, subject=identity.subject):
            st.session_state.pop("_last_user", None)
            return current_user(identity.email)
        decision = auth.Decision("foreign_subject")  # bound by another sign-in meanwhile
    if decision.allowed or decision.outcome in ("unknown", "no_email"):  # no access: the usual page below
        return user
    if st.session_state.get("_refused") != (identity, decision.outcome):
        logger.warning("sign-in refused for %r: %s (iss=%r sub=%r)", identity.email, decision.outcome, identity.issuer, identity.subject)
        runners.record_sign_in_refused(email=identity.email, reason=decision.outcome, issuer=identity.issuer, subject=identity.subject)
        st.session_state["_refused"] = (identity, decision.outcome)
    auth.render_refused(identity, decision.outcome, lang)


try:
    catalogue = cache.province_catalogue()
    region_of = dict(zip(catalogue["province_code"], catalogue["region"]))
    # Who is looking decides what they may see: every Scope below is cut to ``allowed``. The open
    # demo (no [auth]) is an executive without a name; with SSO the user's row decides, read
    # fresh on every run so a disabled user loses access on their next click.
    if auth_cfg.mode == "sso" and identity is not None:
        user = current_user(email) if email else None
        user = check_identity(identity, user)
        allowed = access.allowed_provinces(user, region_of)
        if user is None or not allowed:
            logger.info("no access for %r (%s)", email, "unknown" if user is None else user.describe())
            auth.render_no_access(email or "", lang)
        actor, role = user.email, user.role
    else:
        user = None
        allowed = access.allowed_provinces(access.User(email="demo", role="executive"), region_of)
        actor, role = "demo", "executive"
    cat = Catalogue.of(catalogue, cache.db.get_data_freshness(scope=Scope(tuple(catalogue["province_code"]), *EVERYTHING)))
    as_of, periods = cat.as_of, cat.periods

    filters, dropped = render_filter_bar(names=cat.names, allowed=allowed, regions=cat.regions, periods=periods)
    lang = filters.lang
    ctx = context_for(cat, filters, allowed, actor=actor, role=role)
    audit = runners.audit_writer(
        actor=actor,
        provinces=access.provinces_text(ctx.scope.provinces, cat.provinces),
        filters=to_params(filters, default_period=periods[0] if periods else ""),
        data_as_of=as_of,
        recheck=(ctx.scope.provinces, region_of, role) if auth_cfg.mode == "sso" else None,
    )

    summaries = cache.summary_status()
    lag = cache.replica_lag()  # pages on a read replica: how far behind it is (docs/SCALING.md)
    st.sidebar.caption(
        t_md("app.data_as_of", lang, date=format_date(as_of, lang))
        + " · "
        + t_md("app.summaries_refreshed", lang, time=outage.summary_time(summaries.refreshed_at))
        + ("" if lag is None else " · " + t_md("app.replica_lag", lang, seconds=format_number(lag, lang, digits=0)))
    )
    outage.render_summary_notice(summaries, lang)
    if auth_cfg.mode == "sso":
        auth.render_identity(actor, role, lang)
    else:
        auth.render_demo_banner(lang)
    if dropped:
        st.warning(t("notice.dropped_values", lang, values=dropped_text(dropped, lang)), icon=":material/link_off:")

    pages = [
        st.Page("pages/overview.py", title=t("nav.overview", lang), icon=":material/dashboard:", default=True),
        st.Page("pages/coverage.py", title=t("nav.coverage", lang), icon=":material/map:", url_path="coverage"),
        st.Page("pages/investment.py", title=t("nav.investment", lang), icon=":material/payments:", url_path="investment"),
        st.Page("pages/funnels.py", title=t("nav.funnels", lang), icon=":material/filter_alt:", url_path="funnels"),
        st.Page("pages/reports.py", title=t("nav.reports", lang), icon=":material/slideshow:", url_path="reports"),
        st.Page("pages/alerts.py", title=t("nav.alerts", lang), icon=":material/notifications:", url_path="alerts"),
        # Every role reads the template and the history of its provinces; admins and analysts upload.
        st.Page("pages/upkeep.py", title=t("nav.upkeep", lang), icon=":material/edit_note:", url_path="upkeep"),
    ]
    if user is not None and user.is_admin:  # other roles have no admin page: its URL falls back to the overview
        pages.append(st.Page("pages/admin.py", title=t("nav.admin", lang), icon=":material/admin_panel_settings:", url_path="admin"))
    page = st.navigation(pages, position="top")
    follow_switch()  # "continue on the page" under an answer
    page_ctx = dataclasses.replace(ctx, audit=audit, page=page.url_path or "overview")
    set_page_context(page_ctx)
    render_ask(page_ctx, cat)  # the question box, first on every page (docs/ASK.md)
    page.run()
    if not health.ok:  # everything above came from the cache: say so, and keep looking
        outage.render_stale_notice(outage_slot, lang, cache.oldest_read(), health.down_since)
        outage.auto_retry(lambda: engine.health().ok, health.retry_in_s, lang)
except engine.QueryTimeout:  # logged with its scope in data_access.cache._run
    outage.render_too_slow(lang)
except engine.DataUnavailable as exc:
    outage.render_unavailable(lang, exc.detail)
    outage.auto_retry(lambda: engine.health().ok, engine.BACKOFF_S[1], lang)
except Exception:  # noqa: BLE001 - the last line of defence: a message, never a traceback
    # (st.stop / st.rerun raise BaseException subclasses and pass through.) Tests set
    # COCKPIT_RAISE_ERRORS=1 so that a page that crashes fails them instead of showing a message.
    if os.environ.get("COCKPIT_RAISE_ERRORS") == "1":
        raise
    logger.exception("page failed")
    st.error(t("error.unexpected", lang), icon=":material/error:")
