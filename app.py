"""产教融合驾驶舱 — the frame around every page: config, database check, filters, navigation."""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st

from components.context import PageContext, set_page_context
from components.filter_bar import render_filter_bar
from components.filters import period_bounds, period_options, selected_provinces
from components.i18n import format_date, t
from data_access import cache, codes
from data_access.queries import data_as_of, get_data_freshness
from data_access.scope import Scope, selection_scope

logger = logging.getLogger("cockpit")
# Metric values at Streamlit's default 2.25rem truncate "2,759 万元" in a row of five cards at
# 1440 px; a slightly smaller figure keeps every card readable down to laptop widths.
METRIC_CSS = "<style>[data-testid='stMetricValue']{font-size:1.75rem}</style>"

st.set_page_config(page_title="产教融合驾驶舱 · Cockpit", page_icon=":material/school:", layout="wide")
st.html(METRIC_CSS)

lang = st.session_state.get("_filters").lang if "_filters" in st.session_state else (
    st.query_params.get("lang") if st.query_params.get("lang") in ("zh", "en") else "zh")

with st.spinner(t("app.starting", lang)):
    status = cache.startup()
if not status.ok:
    st.error(t("error.db_unavailable", lang))
    with st.expander(t("error.details", lang)):
        st.code(status.message, language=None)
    st.stop()

try:
    catalogue = cache.province_catalogue()
    # Every signed-in role sees all provinces until sign-in arrives; regional managers will get
    # their own list here, and everything below intersects with it.
    allowed = tuple(catalogue["province_code"])
    names = {r.province_code: (r.name_zh, r.name_en) for r in catalogue.itertuples()}
    regions = {r: tuple(catalogue.loc[catalogue["region"] == r, "province_code"]) for r in codes.REGIONS}
    everything = Scope(allowed, dt.date(1990, 1, 1), dt.date(2100, 1, 1))
    freshness = cache.query(get_data_freshness, everything)
    as_of = data_as_of(freshness) or dt.date.today()
    first = freshness.set_index("source").loc["funnel_event", "earliest_on"] or dt.date(as_of.year, 1, 1)
    periods = period_options(first, as_of)

    filters, dropped = render_filter_bar(names=names, allowed=allowed, regions=regions, periods=periods)
    lang = filters.lang
    start, end = period_bounds(filters.period, as_of)
    scope = selection_scope(selected_provinces(filters, allowed), start, end, ends=filters.ends,
                            channels=filters.channels, tiers=filters.tiers)
    set_page_context(PageContext(scope=scope, filters=filters, lang=lang, as_of=as_of, names=names, allowed=allowed))

    st.sidebar.caption(t("app.data_as_of", lang, date=format_date(as_of, lang)))
    if dropped:
        st.warning(t("notice.dropped_values", lang, values="、".join(dropped) if lang == "zh" else ", ".join(dropped)),
                   icon=":material/link_off:")

    pages = [
        st.Page("pages/overview.py", title=t("nav.overview", lang), icon=":material/dashboard:", default=True),
        st.Page("pages/coverage.py", title=t("nav.coverage", lang), icon=":material/map:", url_path="coverage"),
        st.Page("pages/investment.py", title=t("nav.investment", lang), icon=":material/payments:",
                url_path="investment"),
        st.Page("pages/funnels.py", title=t("nav.funnels", lang), icon=":material/filter_alt:", url_path="funnels"),
        st.Page("pages/reports.py", title=t("nav.reports", lang), icon=":material/slideshow:", url_path="reports"),
    ]
    st.navigation(pages, position="top").run()
except cache.DataUnavailable as exc:
    st.error(t("error.db_unavailable", lang))
    with st.expander(t("error.details", lang)):
        st.code(exc.detail, language=None)
except Exception:  # noqa: BLE001 - the last line of defence: a message, never a traceback
    # (st.stop / st.rerun raise BaseException subclasses and pass through.)
    logger.exception("page failed")
    st.error(t("error.unexpected", lang), icon=":material/error:")
