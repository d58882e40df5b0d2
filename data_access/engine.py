"""The app's database engine and its health: one engine per URL and process, the start-up check,
a shared probe that notices an outage on the next click, and the upkeep version that keys caches.

Failures are never cached: the start-up check is retried until it succeeds, and ``health()``
probes the database (a success is trusted for a couple of seconds, a failure is retried with
backoff), so the app notices an outage on the next click and recovers by itself. The embedded
default database is created and seeded by ``startup`` (data_access.bootstrap, imported then: the
seed generator is never loaded for a shared database). No Streamlit here: the engine and the
version are plain process-wide memos; Streamlit's caches are data_access/cache.py's alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from data_access import config, upkeep

if TYPE_CHECKING:
    from data_access.bootstrap import Status

logger = logging.getLogger("cockpit")
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


_engines: dict[str, Engine] = {}
_engine_lock = threading.Lock()


def engine() -> Engine:
    """The app's engine, one per database URL and process (it connects lazily; pre-ping checks
    each checkout). A plain process-wide memo: only data_access/cache.py touches Streamlit's caches."""
    return _engine_for(config.database_url())


def write_engine() -> Engine:
    """The engine of the app's writes and of the reads of its own tables (config.write_database_url:
    the primary when the pages read a standby; else the same engine as ``engine()``)."""
    return _engine_for(config.write_database_url())


def _engine_for(url: str) -> Engine:
    found = _engines.get(url)
    if found is None:
        with _engine_lock:
            found = _engines.get(url) or _engines.setdefault(url, config.make_engine(url))
    return found


def reset_engines() -> None:
    """Dispose of every engine of this process (tests that patch connection settings)."""
    with _engine_lock:
        for e in _engines.values():
            e.dispose()
        _engines.clear()


_start_lock = threading.Lock()
_started: set[str] = set()


def startup() -> Status:
    """Check the database until the first success in this process; the embedded default is
    created and seeded here. A failure is not remembered: the next visitor (or retry) checks again."""
    from data_access import bootstrap

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
                    logger.warning("database unreachable: %s", describe(exc))
                self.state = Health(False, describe(exc), since, retry)
            self.checked_at = time.monotonic()
            return self.state


_probers: dict[str, _Prober] = {}


def health() -> Health:
    """Whether the database answers now (probed at most every couple of seconds per process)."""
    url = config.database_url()
    with _start_lock:
        prober = _probers.setdefault(url, _Prober())
    return prober.health()


def describe(exc: Exception) -> str:
    """One line for an error: its class and first line."""
    return f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


_last_version: dict[str, int] = {}
VERSION_FOR_S = 2.0  # the upkeep version read is trusted this long per process
_version_read: dict[str, tuple[float, int]] = {}  # url -> (monotonic time read, version)


def _version_now(url: str) -> int:
    read = _version_read.get(url)
    if read is not None and time.monotonic() - read[0] < VERSION_FOR_S:
        return read[1]
    with engine().connect() as conn:
        version = upkeep.data_version(conn)
    _version_read[url] = (time.monotonic(), version)
    return version


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
    _version_read.clear()
