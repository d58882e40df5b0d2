"""Session-state keys, in one place (pages and components never spell them out)."""

from __future__ import annotations

# The current Filters (components.filters.Filters): what the page shows; survives page switches.
FILTERS = "_filters"
# The filters as edited in the bar and not yet applied (equal to FILTERS when nothing is pending).
STAGED = "_staged_filters"
# Set by a callback of the bar whose change applies at once: the bar's fragment reruns the app.
APPLY_NOW = "_apply_now"
# Provinces a page asked for (a map or bar click); applied at the start of the next run.
PENDING_PROVINCES = "_pending_provinces"
# Values a link held that were dropped, with the filters the link gave: noticed while those filters stand.
DROPPED = "_dropped_from_link"
# The per-run context a page reads: scope, filters, language, data-as-of (components.context.Context).
CONTEXT = "_context"
# The run's Catalogue (provinces, data dates): the question box and the admin page's synonyms.
CATALOGUE = "_catalogue"
# The question asked in the box (text, chips dropped, stored yet) and a page an answer asked to open.
QUESTION = "_ask_question"
ASK_SWITCH = "_ask_switch"

# Widget keys of the shared filter bar.
W_LANG = "w_lang"
W_PROVINCE = "w_province"
W_PERIOD = "w_period"
W_COMPARE = "w_compare"
W_END = "w_end"
W_CHANNEL = "w_channel"
W_TIER = "w_tier"
W_REGION = "w_region"
W_ONLY = "w_only"  # "only this one": isolates one value of any multi-choice filter
W_APPLY = "w_apply"  # applies the staged edits
W_UNDO = "w_undo"  # drops the staged edits


def w_slice(param: str) -> str:
    """The widget key of a multi-choice filter (components.filters.SLICES), e.g. w_channel."""
    return f"w_{param}"


WIDGET_KEYS = (W_LANG, W_PROVINCE, W_PERIOD, W_COMPARE, W_END, W_CHANNEL, W_TIER, w_slice("programme"), w_slice("project_kind"))

# Data upkeep page: the last applied upload's message (survives the rerun after Apply).
UPKEEP_RESULT = "_upkeep_result"
