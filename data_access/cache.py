"""The one module of data_access that imports streamlit: the cached engine and cached queries.

Query results are cached per (query, scope, arguments) — the scope is part of the key, so a
cache shared by all users never hands one user's provinces to another.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from data_access import bootstrap, config, queries
from data_access.scope import Scope

TTL_S = 600
_REGISTRY: dict[str, Callable] = {f.__name__: f for f in queries.SCOPED_QUERIES}


class DataUnavailable(RuntimeError):
    """The database could not answer; ``detail`` says why (for logs and the expander)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """The app's engine, created once per process."""
    return config.make_engine(config.database_url())


@st.cache_resource(show_spinner=False)
def startup() -> bootstrap.Status:
    """Check the database once per process; the embedded default is created and seeded here."""
    return bootstrap.ensure_database()


def _describe(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


@st.cache_data(ttl=TTL_S, max_entries=512, show_spinner=False)
def _cached(name: str, scope: Scope, kwargs: tuple) -> object:
    with engine().connect() as conn:
        return _REGISTRY[name](conn, scope=scope, **dict(kwargs))


def query(fn: Callable, scope: Scope, **kwargs) -> pd.DataFrame:
    """Run a scoped query function through the cache; DataUnavailable if the database fails."""
    if fn.__name__ not in _REGISTRY:
        raise ValueError(f"{fn.__name__} is not a registered scoped query")
    try:
        return _cached(fn.__name__, scope, tuple(sorted(kwargs.items())))
    except SQLAlchemyError as exc:
        raise DataUnavailable(_describe(exc)) from exc


@st.cache_data(ttl=TTL_S, show_spinner=False)
def province_catalogue() -> pd.DataFrame:
    """All provinces (public reference data, not scoped)."""
    try:
        with engine().connect() as conn:
            return queries.get_province_catalogue(conn)
    except SQLAlchemyError as exc:
        raise DataUnavailable(_describe(exc)) from exc
