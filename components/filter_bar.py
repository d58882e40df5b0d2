"""The shared filter bar in the sidebar: draws the widgets and keeps Filters, widgets and URL in step.

The Filters live in session state (a page switch keeps them) and are written back to the URL on
every run (a reload or a pasted link restores them). Parsing is in components.filters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import streamlit as st

from components import state
from components.filters import CHANNELS, ENDS, REGIONS, TIERS, Filters, parse_params, to_params
from components.i18n import LANG_NAMES, LANGS, format_period, label, t


def _apply(new: Filters) -> None:
    st.session_state[state.FILTERS] = new
    for key in state.WIDGET_KEYS:
        st.session_state.pop(key, None)  # re-initialised from the filters on the next run


def request_provinces(codes: Sequence[str]) -> None:
    """From a page (map or bar click): filter every page to these provinces on the next run."""
    st.session_state[state.PENDING_PROVINCES] = tuple(codes)


def render_filter_bar(*, names: Mapping[str, tuple[str, str]], allowed: Sequence[str],
                      regions: Mapping[str, Sequence[str]], periods: Sequence[str]) -> tuple[Filters, list[str]]:
    """Draw the sidebar filters and return the current Filters plus values dropped from the URL.

    ``names`` maps province code -> (name_zh, name_en). The Filters live in session state (so a
    page switch keeps them) and are written back to the URL on every run (so a reload or a
    pasted link restores them).
    """
    dropped: list[str] = []
    if state.FILTERS not in st.session_state:
        raw = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
        f, dropped = parse_params(raw, allowed=allowed, regions=regions, periods=periods)
        st.session_state[state.FILTERS] = f
    pending = st.session_state.pop(state.PENDING_PROVINCES, None)
    if pending is not None:
        _apply(replace(st.session_state[state.FILTERS], provinces=tuple(p for p in allowed if p in pending)))
    f = st.session_state[state.FILTERS]
    lang = f.lang

    def changed(field: str, key: str, convert: Callable = tuple) -> Callable[[], None]:
        def cb() -> None:
            st.session_state[state.FILTERS] = replace(st.session_state[state.FILTERS], **{field: convert(st.session_state[key])})
        return cb

    # Widgets are (re)initialised from the Filters each run: widget state does not survive a
    # page switch in Streamlit 1.67, the Filters do.
    initial = {state.W_LANG: f.lang, state.W_PROVINCE: list(f.provinces), state.W_PERIOD: f.period,
               state.W_END: list(f.ends), state.W_CHANNEL: list(f.channels), state.W_TIER: list(f.tiers)}
    for key, value in initial.items():
        st.session_state[key] = value

    sb = st.sidebar
    sb.segmented_control(t("filter.lang", lang), LANGS, format_func=LANG_NAMES.__getitem__, key=state.W_LANG, required=True,
                         on_change=changed("lang", state.W_LANG, lambda v: v or "zh"), width="stretch")
    sb.multiselect(
        t("filter.provinces", lang), list(allowed), key=state.W_PROVINCE,
        format_func=lambda c: names[c][0 if lang == "zh" else 1],
        placeholder=t("filter.all_provinces", lang, n=len(allowed)),
        on_change=changed("provinces", state.W_PROVINCE), help=t("filter.provinces_help", lang),
    )
    present = [r for r in REGIONS if any(p in allowed for p in regions.get(r, ()))]

    def pick_region() -> None:
        region = st.session_state.get(state.W_REGION)
        members = () if region in (None, "all") else tuple(p for p in allowed if p in regions.get(region, ()))
        _apply(replace(st.session_state[state.FILTERS], provinces=members))

    st.session_state[state.W_REGION] = None  # a one-click action, not a lasting selection
    sb.pills(t("filter.regions", lang), ["all", *present], key=state.W_REGION, on_change=pick_region,
             format_func=lambda r: t("filter.all", lang) if r == "all" else label("region", r, lang),
             help=t("filter.region_help", lang), label_visibility="collapsed")
    sb.selectbox(t("filter.period", lang), list(periods), key=state.W_PERIOD, format_func=lambda p: format_period(p, lang),
                 on_change=changed("period", state.W_PERIOD, str))
    sb.pills(t("filter.kinds", lang), ENDS, selection_mode="multi", key=state.W_END,
             format_func=lambda e: label("end", e, lang), on_change=changed("ends", state.W_END))
    sb.pills(t("filter.channels", lang), CHANNELS, selection_mode="multi", key=state.W_CHANNEL,
             format_func=lambda c: label("channel", c, lang), on_change=changed("channels", state.W_CHANNEL))
    sb.pills(t("filter.tiers", lang), TIERS, selection_mode="multi", key=state.W_TIER,
             format_func=lambda c: label("tier", c, lang), on_change=changed("tiers", state.W_TIER))

    f = st.session_state[state.FILTERS]
    params = to_params(f, default_period=periods[0] if periods else "")
    if {k: st.query_params.get_all(k) for k in st.query_params.keys()} != params:
        st.query_params.from_dict(params)
    return f, dropped
