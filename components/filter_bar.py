"""The shared filter bar in the sidebar: draws the widgets and keeps Filters, widgets and URL in step.

The Filters live in session state (a page switch keeps them) and are written back to the URL on
every run (a reload or a pasted link restores them). Parsing is in components.filters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial

import streamlit as st

from components import state
from components.filters import REGIONS, SLICES, Filters, parse_params, to_params
from components.i18n import LANG_NAMES, LANGS, format_period, label, t


def _apply(new: Filters) -> None:
    st.session_state[state.FILTERS] = new
    for key in state.WIDGET_KEYS:
        st.session_state.pop(key, None)  # re-initialised from the filters on the next run


def request_provinces(codes: Sequence[str]) -> None:
    """From a page (map or bar click): filter every page to these provinces on the next run."""
    st.session_state[state.PENDING_PROVINCES] = tuple(codes)


def only_options(allowed: Sequence[str]) -> list[str]:
    """The "only this one" choices: ``province:<code>`` for each allowed province, then
    ``<param>:<code>`` for every value of every multi-choice filter."""
    return [f"province:{p}" for p in allowed] + [f"{sl.param}:{code}" for sl in SLICES for code in sl.codes]


def isolate(f: Filters, choice: str, allowed: Sequence[str]) -> Filters:
    """``f`` narrowed to exactly one value of one filter (the rest of the filters unchanged)."""
    param, _, code = choice.partition(":")
    if param == "province":
        return replace(f, provinces=(code,) if code in allowed else f.provinces)
    sl = next((s for s in SLICES if s.param == param), None)
    if sl is None or code not in sl.codes:
        return f
    narrowed: dict[str, tuple[str, ...]] = {sl.field: (code,)}
    return replace(f, **narrowed)  # type: ignore[arg-type]


def _only_this_one(sb, *, names: Mapping[str, tuple[str, str]], allowed: Sequence[str], lang: str) -> None:
    """A searchable "only …" picker: one choice narrows its filter to that single value (instead
    of deselecting the other four channels or thirty-three provinces)."""
    groups = {sl.param: (t(sl.title_key, lang), sl.group) for sl in SLICES}

    def text(choice: str) -> str:
        param, _, code = choice.partition(":")
        if param == "province":
            return f"{t('filter.provinces', lang)} · {names[code][0 if lang == 'zh' else 1]}"
        title, group = groups[param]
        return f"{title} · {label(group, code, lang)}"

    def pick() -> None:
        choice = st.session_state.get(state.W_ONLY)
        if choice:
            _apply(isolate(st.session_state[state.FILTERS], choice, allowed))

    st.session_state[state.W_ONLY] = None  # a one-shot action, like the region pills
    sb.selectbox(t("filter.only", lang), only_options(allowed), key=state.W_ONLY, index=None, format_func=text,
                 placeholder=t("filter.only_placeholder", lang), on_change=pick, help=t("filter.only_help", lang))


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
               **{state.w_slice(sl.param): list(getattr(f, sl.field)) for sl in SLICES}}
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
    for sl in SLICES:
        sb.pills(t(sl.title_key, lang), list(sl.codes), selection_mode="multi", key=state.w_slice(sl.param),
                 format_func=partial(label, sl.group, lang=lang), on_change=changed(sl.field, state.w_slice(sl.param)))
    _only_this_one(sb, names=names, allowed=allowed, lang=lang)

    f = st.session_state[state.FILTERS]
    params = to_params(f, default_period=periods[0] if periods else "")
    if {k: st.query_params.get_all(k) for k in st.query_params.keys()} != params:
        st.query_params.from_dict(params)
    return f, dropped
