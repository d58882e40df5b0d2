"""Every scoped query as a typed method: ``reader.get_kpis(scope=scope)``.

A ``Reader`` binds the query functions of ``data_access.queries`` to one way of running them —
the app's cache (``data_access.cache.db``) or a plain connection (the report command) — with
the same keyword signature minus the connection. An editor and mypy follow a call from a page
or a section straight to its SQL; there is no dispatch by name. A test checks that every
function in ``queries.SCOPED_QUERIES`` has a method here with the same parameters.

No streamlit here: sections (components/sections) take a Reader and never know which runner
is behind it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

import pandas as pd
from sqlalchemy.engine import Engine

from data_access import queries
from data_access.pacing import HISTORY_YEARS
from data_access.queries.investment import Grain, ProjectDetail
from data_access.scope import DEFAULT_COMPARE, Scope


class Runner(Protocol):
    """Runs one scoped query function with its keyword arguments (``scope`` among them)."""

    def __call__(self, fn: Callable[..., Any], /, *, scope: Scope, **kwargs: Any) -> Any: ...


class Reader:
    """The scoped queries, bound to a runner. One method per query, same keywords, same result."""

    def __init__(self, run: Runner) -> None:
        self._run = run

    def get_kpis(self, *, scope: Scope, compare: str = DEFAULT_COMPARE) -> pd.DataFrame:
        return self._run(queries.get_kpis, scope=scope, compare=compare)

    def get_kpi_series_by_month(self, *, scope: Scope, history_years: int = HISTORY_YEARS, by: Sequence[str] = ()) -> pd.DataFrame:
        return self._run(queries.get_kpi_series_by_month, scope=scope, history_years=history_years, by=tuple(by))

    def get_kpi_pacing(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_kpi_pacing, scope=scope)

    def get_events(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_events, scope=scope)

    def get_notes(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_notes, scope=scope)

    def get_ask_names(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_ask_names, scope=scope)

    def get_coverage_by_province(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_coverage_by_province, scope=scope)

    def get_coverage_by_city(self, *, scope: Scope, grain: Literal["place", "prefecture"] = "place") -> pd.DataFrame:
        return self._run(queries.get_coverage_by_city, scope=scope, grain=grain)

    def get_coverage_gaps(self, *, scope: Scope, limit: int | None = None) -> pd.DataFrame:
        return self._run(queries.get_coverage_gaps, scope=scope, limit=limit)

    def get_partner_points(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_partner_points, scope=scope)

    def get_partner_counts_by_end(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_partner_counts_by_end, scope=scope)

    def get_new_partners_by_end(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_new_partners_by_end, scope=scope)

    def get_agreements_by_expiry(self, *, scope: Scope, as_of: dt.date | None = None, within_days: int | None = None) -> pd.DataFrame:
        return self._run(queries.get_agreements_by_expiry, scope=scope, as_of=as_of, within_days=within_days)

    def get_leads_by_tier_year(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_leads_by_tier_year, scope=scope)

    def get_investment_by_project(self, *, scope: Scope, as_of: dt.date | None = None) -> pd.DataFrame:
        return self._run(queries.get_investment_by_project, scope=scope, as_of=as_of)

    def get_investment_by(self, *, scope: Scope, grain: Grain) -> pd.DataFrame:
        return self._run(queries.get_investment_by, scope=scope, grain=grain)

    def get_disbursed_by_month(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_disbursed_by_month, scope=scope)

    def get_planned_by_year(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_planned_by_year, scope=scope)

    def get_project_detail(self, *, scope: Scope, project_id: int) -> ProjectDetail:
        return self._run(queries.get_project_detail, scope=scope, project_id=project_id)

    def get_funnel_by_stage(self, *, scope: Scope, by: Sequence[str] = ("channel",), observed_until: dt.date | None = None) -> pd.DataFrame:
        return self._run(queries.get_funnel_by_stage, scope=scope, by=tuple(by), observed_until=observed_until)

    def get_funnel_by_province(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_funnel_by_province, scope=scope)

    def get_funnel_by_city(self, *, scope: Scope, by: Sequence[str] = ("channel",)) -> pd.DataFrame:
        return self._run(queries.get_funnel_by_city, scope=scope, by=tuple(by))

    def get_cohort_lag(self, *, scope: Scope, stages: Sequence[str] = ("enrolled", "certified")) -> pd.DataFrame:
        return self._run(queries.get_cohort_lag, scope=scope, stages=tuple(stages))

    def get_events_by_month(self, *, scope: Scope, by: Sequence[str] = ()) -> pd.DataFrame:
        return self._run(queries.get_events_by_month, scope=scope, by=tuple(by))

    def get_data_freshness(self, *, scope: Scope) -> pd.DataFrame:
        return self._run(queries.get_data_freshness, scope=scope)


def direct(engine: Engine) -> Reader:
    """A Reader on a plain engine (the report command): each distinct call runs once, and every
    caller gets its own copy of the frame (sections add columns to what they read)."""
    results: dict[tuple, Any] = {}

    def run(fn: Callable[..., Any], /, *, scope: Scope, **kwargs: Any) -> Any:
        key = (fn.__name__, scope, tuple(sorted(kwargs.items())))
        if key not in results:
            with engine.connect() as conn:
                results[key] = fn(conn, scope=scope, **kwargs)
        value = results[key]
        return value.copy() if isinstance(value, pd.DataFrame) else value

    return Reader(run)
