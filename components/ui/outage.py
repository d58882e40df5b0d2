"""What a page says while the database is down or slow, and the retry that brings it back.

The frame (app.py) decides when; these functions only draw. ``auto_retry`` is a fragment that
reruns itself on a timer and reruns the whole app once ``check()`` says the database answers
again, so a page recovers without a reload or a click.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import streamlit as st

from components.i18n import t, t_md

BEIJING = ZoneInfo("Asia/Shanghai")


def _clock(moment: dt.datetime) -> str:
    """A UTC time as Beijing wall-clock time (what the division's users read)."""
    return moment.astimezone(BEIJING).strftime("%H:%M:%S")


def render_unavailable(lang: str, detail: str) -> None:
    """The database cannot answer and nothing cached can stand in: one clear message."""
    st.error(t("error.db_unavailable", lang), icon=":material/cloud_off:")
    with st.expander(t("error.details", lang)):
        st.code(detail, language=None)


def render_stale_notice(slot, lang: str, read_at: dt.datetime | None, down_since: dt.datetime | None) -> None:
    """Figures on the page came from the cache while the database is down: say so and how old they are."""
    when = _clock(read_at) if read_at else "—"
    since = _clock(down_since) if down_since else "—"
    slot.warning(t_md("outage.stale", lang, time=when, since=since), icon=":material/cloud_off:")


def render_too_slow(lang: str) -> None:
    """A query hit the statement timeout."""
    st.warning(t("error.too_slow", lang), icon=":material/hourglass_disabled:")


def auto_retry(check: Callable[[], bool], every_s: float, lang: str) -> None:
    """Look again every ``every_s`` seconds; rerun the app as soon as ``check()`` is true."""

    @st.fragment(run_every=max(1.0, every_s))
    def _probe() -> None:
        if check():
            st.rerun(scope="app")
        st.caption(t_md("outage.retrying", lang, seconds=f"{max(1.0, every_s):.0f}"))

    _probe()


def summary_time(moment: dt.datetime | None) -> str:
    """A naive-UTC refresh time as Beijing date and time ("2026-11-29 18:20")."""
    if moment is None:
        return "—"
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def render_summary_notice(status, lang: str) -> None:
    """Say so when the pages' summaries miss data the database holds (never built, or older than
    the last load); the figures shown stay those of the summaries."""
    if status.refreshed_at is None and status.stale:
        st.warning(t("app.summaries_missing", lang), icon=":material/sync_problem:")
    elif status.stale:
        st.warning(t_md("app.summaries_stale", lang, time=summary_time(status.refreshed_at)), icon=":material/sync_problem:")
