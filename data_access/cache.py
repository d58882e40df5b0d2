"""The one module of data_access that imports streamlit: the cached engine and cached queries,
and the database's health.

Query results are cached per (query, scope, arguments) — the scope is part of the key, so a
cache shared by all users never hands one user's provinces to another. Each cached result
carries the time it was read, so that during an outage a page can say how old its figures are.

Failures are never cached: the start-up check is retried until it succeeds, and ``health()``
probes the database (a success is trusted for a couple of seconds, a failure is retried with
backoff), so the app notices an outage on the next click and recovers by itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from data_access import access, bootstrap, config, queries, upkeep
from data_access.reader import Reader
from data_access.scope import Scope

logger = logging.getLogger("cockpit")
TTL_S = 600
_REGISTRY: dict[str, Callable] = {f.__name__: f for f in queries.SCOPED_QUERIES}
# Session-state key where the cached queries note when each result of this run was read (reset by the frame).
READ_TIMES = "_data_read_times"
# A successful probe is trusted this long; while down, probes are spaced by this backoff (s).
HEALTHY_FOR_S = 2.0
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0)


class DataUnavailable(RuntimeError):
    """The database could not answer; ``detail`` says why (for logs and the expander)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class QueryTimeout(DataUnavailable):
    """A statement hit the statement timeout (config.STATEMENT_TIMEOUT_S): the view is too big."""


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return config.make_engine(url)


def engine() -> Engine:
    """The app's engine, one per database URL and process (it connects lazily; pre-ping checks
    each checkout)."""
    return _engine(config.database_url())


_start_lock = threading.Lock()
_started: set[str] = set()


def startup() -> bootstrap.Status:
    """Check the database until the first success in this process; the embedded default is
    created and seeded here. A failure is not remembered: the next visitor (or retry) checks again."""
    url = config.database_url()
    if url in _started:
        return bootstrap.Status(True)
    with _start_lock:
        if url in _started:
            return bootstrap.Status(True)
        status = bootstrap.ensure_database(url)
        if status.ok:
            _started.add(url)
        else:
            logger.warning("database not ready: %s", status.message)
        return status


@dataclass(frozen=True)
class Health:
    """The database's state as last probed. ``retry_in_s``: when the app should look again."""

    ok: bool
    message: str = ""
    down_since: dt.datetime | None = None
    retry_in_s: float = 0.0


class _Prober:
    """Process-wide probe state: one SELECT 1 answers every session for a while."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.checked_at = -1e9
        self.state = Health(True)
        self.failures = 0

    def health(self) -> Health:
        with self.lock:
            now = time.monotonic()
            wait = HEALTHY_FOR_S if self.state.ok else BACKOFF_S[min(self.failures, len(BACKOFF_S)) - 1]
            if now - self.checked_at < wait:
                return self.state
            try:
                with engine().connect() as conn:
                    conn.execute(sa.text("SELECT 1"))
                if not self.state.ok:
                    logger.warning("database back after %d failed probes", self.failures)
                self.state, self.failures = Health(True), 0
            except SQLAlchemyError as exc:
                self.failures += 1
                since = self.state.down_since or dt.datetime.now(dt.UTC)
                retry = BACKOFF_S[min(self.failures, len(BACKOFF_S)) - 1]
                if self.state.ok:
                    logger.warning("database unreachable: %s", _describe(exc))
                self.state = Health(False, _describe(exc), since, retry)
            self.checked_at = time.monotonic()
            return self.state


_probers: dict[str, _Prober] = {}


def health() -> Health:
    """Whether the database answers now (probed at most every couple of seconds per process)."""
    url = config.database_url()
    with _start_lock:
        prober = _probers.setdefault(url, _Prober())
    return prober.health()


def _describe(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


_last_version: dict[str, int] = {}


@st.cache_data(ttl=2, show_spinner=False)
def _version_now(url: str) -> int:
    with engine().connect() as conn:
        return upkeep.data_version(conn)


def data_version() -> int:
    """The upkeep version (grows with every applied upload or revert), read at most every 2 s per
    process. Part of every cached query's key: after an upload, every app process (replicas
    included) shows the new targets on its next view. While the database is down, the last
    version read stands in, so the cached figures stay usable."""
    url = config.database_url()
    prober = _probers.get(url)
    if prober is not None and not prober.state.ok:  # down: no connection attempt per query
        return _last_version.get(url, 0)
    try:
        _last_version[url] = _version_now(url)
    except SQLAlchemyError:
        pass
    return _last_version.get(url, 0)


def upkeep_applied() -> None:
    """This process applied an upload: forget the version read, so the next view reads anew."""
    _version_now.clear()


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
            logger.warning("statement timeout (%.0f s) in %s for provinces=%s period=%s..%s channels=%s",
                           config.STATEMENT_TIMEOUT_S, fn.__name__, ",".join(scope.provinces), scope.start,
                           scope.end, ",".join(scope.channels))
            raise QueryTimeout(_describe(exc)) from exc
        raise DataUnavailable(_describe(exc)) from exc
    with _suppress_no_session():
        st.session_state.setdefault(READ_TIMES, []).append(read_at)
    return value


# The app's typed, cached queries: ``db.get_kpis(scope=scope)`` (pages and sections read through it).
db = Reader(_run)


class _suppress_no_session:
    """Outside a script run (the report command, tests) there is no session state to note into."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        return exc_type is not None and issubclass(exc_type, (AttributeError, KeyError, RuntimeError))


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
                 recheck: tuple[tuple[str, ...], dict[str, str], str] | None = None) -> Callable[..., None]:
    """A function that records one export of this run's view: ``write(page=, item=, fmt=)``.

    Download callables run later, on a server thread without a script context and without a
    rerun of the frame, so the engine and the run's identity and scope are bound now. With
    ``recheck = (scope provinces, region of each province, role)`` the user's row is read again at
    the click: a user disabled, given another role (a demoted admin and the audit log), or no longer
    granted a province of the view, since the page was drawn gets ExportRefused. A failure to write
    raises too: an export that cannot be audited is not handed out.
    """
    eng = engine()

    def write(*, page: str, item: str, fmt: str, action: str = "export") -> None:
        with eng.begin() as conn:
            if recheck is not None:
                wanted, region_of, role = recheck
                now = access.get_user(conn, actor)
                now_allowed = set(access.allowed_provinces(now, region_of))
                if now is None or now.role != role or not now_allowed or not set(wanted) <= now_allowed:
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


def digest_run(fn: Callable, *, write: bool = False, **kwargs):
    """Run a data_access.subscriptions or alerts function on a fresh connection (``write``: one
    transaction). Never cached: a user's own subscriptions and the alerts of now."""
    return _admin(fn, write=write, **kwargs)


def upkeep_run(fn: Callable, *, write: bool = False, **kwargs):
    """Run a data_access.upkeep function on a fresh connection (``write``: in one transaction that
    commits at the end, or rolls back whole on any error)."""
    return _admin(fn, write=write, **kwargs)


def bind_identity(*, email: str, issuer: str, subject: str) -> bool:
    """Bind an unbound user row to the identity that first signed in with its e-mail (audited)."""
    return _admin(access.bind_identity, write=True, email=email, issuer=issuer, subject=subject)


def record_sign_in_refused(*, email: str, reason: str, issuer: str, subject: str) -> None:
    """Audit a refused sign-in (unverified e-mail, another subject than the bound one)."""
    _admin(access.record, write=True, actor=email or "(no e-mail)", action="signin_refused", item=email,
           detail=f"{reason}: iss={issuer[:400] or '-'} sub={subject[:400] or '-'}")
