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

from data_access import access, bootstrap, config, queries
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


def user(email: str) -> access.User | None:
    """The signed-in user's row, read fresh on every run (never cached: disabling a user or
    changing their provinces takes effect on their next click)."""
    try:
        with engine().connect() as conn:
            return access.get_user(conn, email)
    except SQLAlchemyError as exc:
        raise DataUnavailable(_describe(exc)) from exc


class ExportRefused(PermissionError):
    """The user may no longer export this view (disabled, or their provinces changed since it was drawn)."""


def audit_writer(*, actor: str, provinces: str, filters: dict[str, list[str]], data_as_of,
                 recheck: tuple[tuple[str, ...], dict[str, str]] | None = None) -> Callable[..., None]:
    """A function that records one export of this run's view: ``write(page=, item=, fmt=)``.

    Download callables run later, on a server thread without a script context and without a
    rerun of the frame, so the engine and the run's identity and scope are bound now. With
    ``recheck = (scope provinces, region of each province)`` the user's row is read again at the
    click: a user disabled, or no longer granted a province of the view, since the page was drawn
    gets ExportRefused. A failure to write raises too: an export that cannot be audited is not
    handed out.
    """
    eng = engine()

    def write(*, page: str, item: str, fmt: str, action: str = "export") -> None:
        with eng.begin() as conn:
            if recheck is not None:
                wanted, region_of = recheck
                now_allowed = set(access.allowed_provinces(access.get_user(conn, actor), region_of))
                if not now_allowed or not set(wanted) <= now_allowed:
                    raise ExportRefused(f"{actor} may no longer export this view")
            access.record(conn, actor=actor, action=action, page=page, item=item, fmt=fmt, provinces=provinces,
                          filters=filters, data_as_of=data_as_of)

    return write


def _admin(fn: Callable, *, write: bool = False, **kwargs):
    """Run an access function (data_access.access) on a fresh connection; writes commit at once."""
    try:
        with (engine().begin() if write else engine().connect()) as conn:
            return fn(conn, **kwargs)
    except SQLAlchemyError as exc:
        raise DataUnavailable(_describe(exc)) from exc


def users() -> list[access.User]:
    """Every user (admin page)."""
    return _admin(access.list_users)


def add_user(**kwargs) -> access.User:
    """Create a user and audit it (admin page); access.UserError says what is wrong."""
    return _admin(access.add_user, write=True, **kwargs)


def set_user(**kwargs) -> access.User:
    """Change a user and audit it (admin page); access.UserError says what is wrong."""
    return _admin(access.set_user, write=True, **kwargs)


def audit_log(**filters) -> pd.DataFrame:
    """The audit log, newest first, with the admin page's filters (never cached: it is the record)."""
    return _admin(access.get_audit_log, **filters)


def audit_actors() -> list[str]:
    """Everyone in the audit log."""
    return _admin(access.get_audit_actors)
