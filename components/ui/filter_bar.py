"""The shared filter bar in the sidebar: draws the widgets and keeps Filters, widgets and URL in step.

The Filters live in session state (a page switch keeps them) and are written back to the URL on
every run (a reload or a pasted link restores them). Parsing is in components.filters.

Edits are batched: the bar is a fragment, so ticking provinces, channels, tiers, programmes or
project kinds reruns only the bar (its widgets show the *staged* filters); the page reruns once,
on 应用筛选 / Apply. One-shot choices — language, period, a region, "only this one", a click on
the map — apply at once. bench/click_bench.py measures the difference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial

import streamlit as st

from components.filters import REGIONS, SLICES, Filters, parse_params, to_params
from components.i18n import LANG_NAMES, LANGS, format_period, label, t, t_md
from components.ui import state
from data_access.scope import COMPARE_RULES, DEFAULT_COMPARE
from data_access.untrusted import clean


def _apply(new: Filters) -> None:
    """Make ``new`` the filters of the page (and of the bar's widgets) from the next run on."""
    st.session_state[state.FILTERS] = new
    st.session_state[state.STAGED] = new
    for key in state.WIDGET_KEYS:
        st.session_state.pop(key, None)  # re-initialised from the filters on the next run


def open_with(new: Filters) -> None:
    """From a page (an answer's "continue on the page"): these filters on every page from the next run on."""
    _apply(new)


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


def _only_this_one(*, names: Mapping[str, tuple[str, str]], allowed: Sequence[str], lang: str) -> None:
    """A searchable "only …" picker: one choice narrows its filter to that single value (instead
    of deselecting the other four channels or thirty-three provinces)."""
    groups = {sl.param: (t(sl.title_key, lang), sl.group) for sl in SLICES}

    def text(choice: str) -> str:
        param, _, code = choice.partition(":")
        if param == "province":
            return f"{t('filter.provinces', lang)} · {clean(names[code][0 if lang == 'zh' else 1])}"  # plain-text option
        title, group = groups[param]
        return f"{title} · {label(group, code, lang)}"

    def pick() -> None:
        choice = st.session_state.get(state.W_ONLY)
        if choice:
            _apply(isolate(st.session_state[state.STAGED], choice, allowed))
            st.session_state[state.APPLY_NOW] = True

    st.session_state[state.W_ONLY] = None  # a one-shot action, like the region pills
    st.selectbox(
        t("filter.only", lang),
        only_options(allowed),
        key=state.W_ONLY,
        index=None,
        format_func=text,
        placeholder=t("filter.only_placeholder", lang),
        on_change=pick,
        help=t("filter.only_help", lang),
    )


def render_filter_bar(
    *, names: Mapping[str, tuple[str, str]], allowed: Sequence[str], regions: Mapping[str, Sequence[str]], periods: Sequence[str]
) -> tuple[Filters, list[str]]:
    """Draw the sidebar filters and return the page's Filters plus values dropped from the URL.

    ``names`` maps province code -> (name_zh, name_en).
    """
    if state.FILTERS not in st.session_state:
        raw = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
        f, lost = parse_params(raw, allowed=allowed, regions=regions, periods=periods)
        _apply(f)
        if lost:  # said until the filters change, not only on the link's first run (a rerun keeps it)
            st.session_state[state.DROPPED] = (tuple(lost), st.session_state[state.FILTERS])
    pending = st.session_state.pop(state.PENDING_PROVINCES, None)
    if pending is not None:
        _apply(replace(st.session_state[state.FILTERS], provinces=tuple(p for p in allowed if p in pending)))
    st.session_state.setdefault(state.STAGED, st.session_state[state.FILTERS])
    with st.sidebar:
        _bar(names=names, allowed=allowed, regions=regions, periods=periods)

    f = st.session_state[state.FILTERS]
    dropped: list[str] = []
    if state.DROPPED in st.session_state:
        values, parsed = st.session_state[state.DROPPED]
        if parsed == f:
            dropped = list(values)
        else:
            del st.session_state[state.DROPPED]
    params = to_params(f, default_period=periods[0] if periods else "")
    if {k: st.query_params.get_all(k) for k in st.query_params.keys()} != params:
        st.query_params.from_dict(params)
    return f, dropped


@st.fragment
def _bar(
    *, names: Mapping[str, tuple[str, str]], allowed: Sequence[str], regions: Mapping[str, Sequence[str]], periods: Sequence[str]
) -> None:
    """The widgets. A staged edit reruns only this fragment; an applied one reruns the app."""
    if st.session_state.pop(state.APPLY_NOW, False):
        st.rerun(scope="app")
    staged: Filters = st.session_state[state.STAGED]
    lang = st.session_state[state.FILTERS].lang

    def stage(field: str, key: str, convert: Callable = tuple) -> Callable[[], None]:
        def cb() -> None:
            st.session_state[state.STAGED] = replace(st.session_state[state.STAGED], **{field: convert(st.session_state[key])})

        return cb

    def now(field: str, key: str, convert: Callable = tuple) -> Callable[[], None]:
        def cb() -> None:
            _apply(replace(st.session_state[state.STAGED], **{field: convert(st.session_state[key])}))
            st.session_state[state.APPLY_NOW] = True

        return cb

    # Widgets are (re)initialised from the staged Filters each run: widget state does not survive
    # a page switch in Streamlit 1.67, the Filters do.
    initial = {
        state.W_LANG: staged.lang,
        state.W_PROVINCE: list(staged.provinces),
        state.W_PERIOD: staged.period,
        state.W_COMPARE: staged.compare,
        **{state.w_slice(sl.param): list(getattr(staged, sl.field)) for sl in SLICES},
    }
    for key, value in initial.items():
        st.session_state[key] = value

    st.segmented_control(
        t("filter.lang", lang),
        LANGS,
        format_func=LANG_NAMES.__getitem__,
        key=state.W_LANG,
        required=True,
        on_change=now("lang", state.W_LANG, lambda v: v or "zh"),
        width="stretch",
    )
    st.multiselect(
        t("filter.provinces", lang),
        list(allowed),
        key=state.W_PROVINCE,
        format_func=lambda c: clean(names[c][0 if lang == "zh" else 1]),  # options are plain text: clean, not escaped
        placeholder=t("filter.all_provinces", lang, n=len(allowed)),
        on_change=stage("provinces", state.W_PROVINCE),
        help=t("filter.provinces_help", lang),
    )
    present = [r for r in REGIONS if any(p in allowed for p in regions.get(r, ()))]

    def pick_region() -> None:
        region = st.session_state.get(state.W_REGION)
        members = () if region in (None, "all") else tuple(p for p in allowed if p in regions.get(region, ()))
        _apply(replace(st.session_state[state.STAGED], provinces=members))
        st.session_state[state.APPLY_NOW] = True

    st.session_state[state.W_REGION] = None  # a one-click action, not a lasting selection
    st.pills(
        t("filter.regions", lang),
        ["all", *present],
        key=state.W_REGION,
        on_change=pick_region,
        format_func=lambda r: t("filter.all", lang) if r == "all" else label("region", r, lang),
        help=t("filter.region_help", lang),
        label_visibility="collapsed",
    )
    st.selectbox(
        t("filter.period", lang),
        list(periods),
        key=state.W_PERIOD,
        format_func=lambda p: format_period(p, lang),
        on_change=now("period", state.W_PERIOD, str),
    )
    st.segmented_control(
        t("filter.compare", lang),
        COMPARE_RULES,
        format_func=lambda r: t(f"compare.button.{r}", lang),
        key=state.W_COMPARE,
        required=True,
        on_change=now("compare", state.W_COMPARE, lambda v: v or DEFAULT_COMPARE),
        help=t("filter.compare_help", lang),
        width="stretch",
    )
    for sl in SLICES:
        st.pills(
            t(sl.title_key, lang),
            list(sl.codes),
            selection_mode="multi",
            key=state.w_slice(sl.param),
            format_func=partial(label, sl.group, lang=lang),
            on_change=stage(sl.field, state.w_slice(sl.param)),
        )
    _only_this_one(names=names, allowed=allowed, lang=lang)

    applied: Filters = st.session_state[state.FILTERS]
    if staged != applied:
        changes = sum(getattr(staged, f) != getattr(applied, f) for f in ("provinces", *(sl.field for sl in SLICES)))

        def apply() -> None:
            _apply(st.session_state[state.STAGED])
            st.session_state[state.APPLY_NOW] = True

        def undo() -> None:
            _apply(st.session_state[state.FILTERS])

        left, right = st.columns([3, 2])
        left.button(
            t_md("filter.apply", lang, n=changes),
            type="primary",
            key=state.W_APPLY,
            on_click=apply,
            icon=":material/filter_alt:",
            width="stretch",
        )
        right.button(t("filter.undo", lang), key=state.W_UNDO, on_click=undo, width="stretch")
        st.caption(t("filter.staged_hint", lang))
