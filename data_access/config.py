"""Where the database is and how to connect to it.

Order of precedence: the ``DATABASE_URL`` environment variable, then ``url`` (or the
component keys) under ``[connections.cockpit]`` in ``.streamlit/secrets.toml``, then the
embedded default: an SQLite file ``data/cockpit.db`` that is created, migrated and seeded on
first run (see ``data_access.bootstrap``).

The app's own writes (audit rows, users, uploads, subscriptions, deliveries, questions) and the
reads of those tables go to the **write URL**: ``COCKPIT_WRITE_DATABASE_URL``, then
``[connections.cockpit_write]``, else the same database. With a PostgreSQL streaming standby as
``DATABASE_URL``, pages read the standby and every write reaches the primary (docs/SCALING.md).
"""

from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_SQLITE_PATH = DATA_DIR / "cockpit.db"
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"
CONNECT_TIMEOUT_S = 5
# Every statement the app runs is cut off after this many seconds (COCKPIT_STATEMENT_TIMEOUT_S):
# PostgreSQL statement_timeout, MariaDB max_statement_time, MySQL max_execution_time (SELECTs),
# SQLite a progress handler. The page then says "this view took too long — narrow the filters".
STATEMENT_TIMEOUT_S = float(os.environ.get("COCKPIT_STATEMENT_TIMEOUT_S", "30"))
# Connection pool of the server databases (README, "Configuration"): a few connections per app
# process (Streamlit runs each session's script in a thread), checked before use (pre-ping)
# so a database restart costs one failed ping, not a failed page; recycled every 30 min
# so firewalls and PgBouncer idle limits never cut a pooled connection mid-query.
POOL_SIZE, POOL_MAX_OVERFLOW, POOL_RECYCLE_S, POOL_TIMEOUT_S = 5, 10, 1800, 10
# Log every SQL statement with its bound parameters (COCKPIT_ECHO_SQL=1; the hostile-input tests
# read it to prove that no user-typed text ever appears in a statement).
ECHO_SQL = os.environ.get("COCKPIT_ECHO_SQL", "") in ("1", "true", "yes")


class ConfigError(RuntimeError):
    """The configured database cannot be understood; the message says what to fix."""


def _url_from_secrets(path: Path, name: str = "cockpit") -> str | None:
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix it or remove it.") from exc
    section = data.get("connections", {}).get(name)
    if not section:
        return None
    if "url" in section:
        return str(section["url"])
    # The component form that st.connection also understands.
    dialect = section.get("dialect")
    if not dialect:
        raise ConfigError(f"[connections.{name}] in {path} needs `url` or `dialect`.")
    driver = section.get("driver")
    return URL.create(
        f"{dialect}+{driver}" if driver else dialect,
        username=section.get("username"),
        password=section.get("password"),
        host=section.get("host"),
        port=section.get("port"),
        database=section.get("database"),
        query=section.get("query", {}),
    ).render_as_string(hide_password=False)


def default_url() -> str:
    """The embedded SQLite database under data/."""
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def database_url(secrets_path: Path = SECRETS_PATH) -> str:
    """The URL the app and CLIs use, by the precedence in the module docstring."""
    return os.environ.get("DATABASE_URL") or _url_from_secrets(secrets_path) or default_url()


def write_database_url(secrets_path: Path = SECRETS_PATH) -> str:
    """Where the app writes (and reads its own tables back): COCKPIT_WRITE_DATABASE_URL, then
    ``[connections.cockpit_write]``, else the database the pages read."""
    return os.environ.get("COCKPIT_WRITE_DATABASE_URL") or _url_from_secrets(secrets_path, "cockpit_write") or database_url(secrets_path)


def is_embedded(url: str) -> bool:
    """True for the embedded default database (the only one the app may seed by itself)."""
    return url == default_url()


def make_engine(url: str | URL, *, statement_timeout_s: float | None = None) -> Engine:
    """An engine with short connect timeouts (a database that is down fails fast), a statement
    timeout on every connection (``statement_timeout_s``, default STATEMENT_TIMEOUT_S; 0: none,
    see ``bulk_engine``), and the pool settings above."""
    timeout = STATEMENT_TIMEOUT_S if statement_timeout_s is None else statement_timeout_s
    if timeout < 0:
        raise ValueError(f"statement_timeout_s must be >= 0 (0: no timeout), not {timeout}")
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    kwargs: dict = {"pool_pre_ping": True, "echo": ECHO_SQL}
    if backend == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}  # busy timeout, seconds
    else:
        kwargs.update(pool_size=POOL_SIZE, max_overflow=POOL_MAX_OVERFLOW, pool_recycle=POOL_RECYCLE_S, pool_timeout=POOL_TIMEOUT_S)
    if backend == "postgresql":
        kwargs["connect_args"] = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": f"-c statement_timeout={_ms(timeout)}",
        }
        # No hstore here: skip psycopg's type look-up on every new connection (a round trip, and a
        # statement that a very short deadline could cancel before the connection is even ready).
        kwargs["use_native_hstore"] = False
    elif backend in ("mysql", "mariadb"):
        if "charset" not in parsed.query:
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        # read_timeout is the client's last resort (a server that stops answering at all).
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S, **({"read_timeout": int(timeout) + 30} if timeout else {})}
    engine = sa.create_engine(parsed, **kwargs)
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        if timeout:
            sa.event.listen(engine, "before_cursor_execute", _sqlite_deadline(timeout))
    elif backend in ("mysql", "mariadb"):
        sa.event.listen(engine, "connect", _mysql_timeout(timeout))
        sa.event.listen(engine, "checkin", _mysql_restore(timeout))
    return engine


def bulk_engine(url: str | URL) -> Engine:
    """An engine for bulk work — the seed, the refresh, imports, digests, migrations: no statement
    timeout on any dialect (PostgreSQL ``statement_timeout = 0``, MariaDB ``max_statement_time = 0``,
    SQLite no deadline). The interactive deadline (STATEMENT_TIMEOUT_S) is for a page's queries: a
    statement of a loader at 10 M rows may rightly take minutes (tests/data_access/test_bulk_work.py)."""
    return make_engine(url, statement_timeout_s=0)


def _ms(timeout_s: float) -> int:
    """A timeout in whole milliseconds for the servers: 0 stays 0 (none), any other at least 1 ms
    (rounding a tiny timeout down to 0 would switch it off)."""
    return 0 if timeout_s == 0 else max(1, round(timeout_s * 1000))


def _is_mariadb(conn) -> bool:
    return "mariadb" in str(conn.exec_driver_sql("SELECT VERSION()").scalar_one()).lower()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def _mysql_restore(timeout_s: float):
    """A connection for_bulk_work lifted the timeout on goes back to the pool with it again."""
    set_timeout = _mysql_timeout(timeout_s)

    def on_checkin(dbapi_conn, record) -> None:
        if dbapi_conn is not None and record.info.pop(BULK_WORK, False):
            set_timeout(dbapi_conn, record)

    return on_checkin


def _sqlite_deadline(timeout_s: float):
    """SQLite has no statement timeout: a progress handler interrupts a statement that runs
    longer than ``timeout_s`` (sqlite3.OperationalError "interrupted")."""

    def before(conn, _cursor, _statement, _params, _context, _many) -> None:
        if conn.get_execution_options().get(BULK_WORK):  # the seed and the refresh: no deadline
            conn.connection.driver_connection.set_progress_handler(None, 0)
            return
        deadline = time.monotonic() + timeout_s
        conn.connection.driver_connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)

    return before


def _mysql_timeout(timeout_s: float):
    """MariaDB: max_statement_time (seconds, every statement); MySQL: max_execution_time (ms, SELECT)."""

    def on_connect(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("SELECT VERSION()")
        mariadb = "mariadb" in str(cur.fetchone()[0]).lower()
        if mariadb:
            cur.execute(f"SET SESSION max_statement_time = {_ms(timeout_s) / 1000:.3f}")  # a number of ours, not user input
        else:
            cur.execute(f"SET SESSION max_execution_time = {_ms(timeout_s)}")
        cur.close()

    return on_connect


def is_timeout(exc: BaseException) -> bool:
    """True when a database error means "the statement hit the statement timeout"."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    if code == "57014":  # PostgreSQL query_canceled
        return True
    args = getattr(orig, "args", ())
    if args and args[0] in (1969, 3024):  # MariaDB max_statement_time, MySQL max_execution_time
        return True
    return "interrupted" in str(orig).lower() and orig.__class__.__module__.startswith("sqlite3")


def describe(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


BULK_WORK = "cockpit_bulk_work"


def for_bulk_work(conn) -> None:
    """Mark a connection of the app's engine for bulk work in this transaction (an import from the
    upkeep page; the loaders use ``bulk_engine`` and call this too): on SQLite no statement deadline (building
    an index on 10 M rows takes longer than any page query may) and a 1 GiB page cache (their
    B-trees are far bigger than the default 2 MiB cache, which rereads pages for every insert).
    The app's own connections keep both defaults, so its memory follows its results, not the
    tables. On PostgreSQL, no statement timeout for the rest of the transaction."""
    conn.execution_options(**{BULK_WORK: True})
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-1048576")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")  # this transaction only
    elif conn.dialect.name in ("mysql", "mariadb"):
        # For this session; the engine puts its timeout back when the connection returns to the pool.
        conn.connection.info[BULK_WORK] = True
        conn.exec_driver_sql("SET SESSION max_statement_time = 0" if _is_mariadb(conn) else "SET SESSION max_execution_time = 0")
