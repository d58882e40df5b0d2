"""The cached reader: every scoped query through one cache, keyed by (query, scope, arguments,
upkeep version) — the scope is part of the key, so a cache shared by all users never hands one
user's provinces to another. Each cached result carries the time it was read, so that during an
outage a page can say how old its figures are. ``db`` is the typed Reader the pages and sections
read through. (The engine and its health: data_access/engine.py; users, audit and the admin,
digest and upkeep runners: data_access/runners.py.)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from data_access import config, queries
from data_access.engine import DataUnavailable, QueryTimeout, data_version, describe, engine
from data_access.reader import Reader
from data_access.scope import Scope

logger = logging.getLogger("cockpit")
TTL_S = 600
_REGISTRY: dict[str, Callable] = {f.__name__: f for f in queries.SCOPED_QUERIES}
# Session-state key where the cached queries note when each result of this run was read (reset by the frame).
READ_TIMES = "_data_read_times"


@st.cache_data(ttl=TTL_S, max_entries=512, show_spinner=False)
def _cached(name: str, scope: Scope, kwargs: tuple, version: int = 0) -> tuple[object, dt.datetime]:
    with engine().connect() as conn:
        return _REGISTRY[name](conn, scope=scope, **dict(kwargs)), dt.datetime.now(dt.UTC)


def _run(fn: Callable, /, *, scope: Scope, **kwargs):
    """Run a scoped query function through the cache; QueryTimeout when it hits the statement
    timeout, DataUnavailable when the database fails. Notes when the result was read."""
    if fn.__name__ not in _REGISTRY:
        raise ValueError(f"{fn.__name__} is not a registered scoped query")
    try:
        value, read_at = _cached(fn.__name__, scope, tuple(sorted(kwargs.items())), data_version())
    except SQLAlchemyError as exc:
        if config.is_timeout(exc):
            logger.warning(
                "statement timeout (%.0f s) in %s for provinces=%s period=%s..%s channels=%s",
                config.STATEMENT_TIMEOUT_S,
                fn.__name__,
                ",".join(scope.provinces),
                scope.start,
                scope.end,
                ",".join(scope.channels),
            )
            raise QueryTimeout(describe(exc)) from exc
        raise DataUnavailable(describe(exc)) from exc
    _noted().append(read_at)
    return value


# The app's typed, cached queries: ``db.get_kpis(scope=scope)`` (pages and sections read through it).
db = Reader(_run)


class _suppress_no_session:
    """Outside a script run (the report command, tests) there is no session state to note into."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        return exc_type is not None and issubclass(exc_type, (AttributeError, KeyError, RuntimeError))


class reads:
    """``with reads() as times:`` — the read times this run notes inside the block, in ``times``
    (a view built once and shared keeps the ages of its figures with it)."""

    def __enter__(self) -> list[dt.datetime]:
        self._start = len(_noted())
        self.times: list[dt.datetime] = []
        return self.times

    def __exit__(self, *exc) -> None:
        self.times.extend(_noted()[self._start :])


def _noted() -> list[dt.datetime]:
    """This run's read times (a list that is kept nowhere outside a script run: the report command, tests)."""
    with _suppress_no_session():
        return st.session_state.setdefault(READ_TIMES, [])
    return []


def noted(times) -> None:
    """Note read times of figures drawn in this run that were read in an earlier one."""
    seen = _noted()
    seen.extend(x for x in times if x not in seen)


def oldest_read() -> dt.datetime | None:
    """When the oldest figure drawn in this run was read from the database."""
    times = st.session_state.get(READ_TIMES) or []
    return min(times) if times else None


def start_run() -> None:
    """Forget the read times of the previous run (the frame calls this first)."""
    st.session_state[READ_TIMES] = []


@st.cache_data(ttl=60, show_spinner=False)
def summary_status() -> queries.SummaryStatus:
    """When the summaries were refreshed and whether raw rows are newer (not scoped: no business data)."""
    try:
        with engine().connect() as conn:
            return queries.get_summary_status(conn)
    except SQLAlchemyError as exc:
        raise DataUnavailable(describe(exc)) from exc


@st.cache_data(ttl=15, show_spinner=False)
def replica_lag() -> float | None:
    """Seconds the read replica is behind its primary (None: the pages read a primary), read at
    most every 15 s per process; None too while it cannot be read (the outage notice says that)."""
    try:
        with engine().connect() as conn:
            return queries.get_replica_lag(conn)
    except SQLAlchemyError:
        return None


@st.cache_data(ttl=TTL_S, show_spinner=False)
def place_catalogue() -> pd.DataFrame:
    """All cities and counties (public reference data, not scoped): the places a question may name."""
    try:
        with engine().connect() as conn:
            return queries.get_place_catalogue(conn)
    except SQLAlchemyError as exc:
        raise DataUnavailable(describe(exc)) from exc


@st.cache_data(ttl=TTL_S, show_spinner=False)
def province_catalogue() -> pd.DataFrame:
    """All provinces (public reference data, not scoped)."""
    try:
        with engine().connect() as conn:
            return queries.get_province_catalogue(conn)
    except SQLAlchemyError as exc:
        raise DataUnavailable(describe(exc)) from exc
