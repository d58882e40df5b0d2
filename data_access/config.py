"""Where the database is and how to connect to it.

Order of precedence: the ``DATABASE_URL`` environment variable, then ``url`` (or the
component keys) under ``[connections.cockpit]`` in ``.streamlit/secrets.toml``, then the
embedded default: an SQLite file ``data/cockpit.db`` that is created, migrated and seeded on
first run (see ``data_access.bootstrap``).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_SQLITE_PATH = DATA_DIR / "cockpit.db"
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"
CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 60_000


class ConfigError(RuntimeError):
    """The configured database cannot be understood; the message says what to fix."""


def _url_from_secrets(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix it or remove it.") from exc
    section = data.get("connections", {}).get("cockpit")
    if not section:
        return None
    if "url" in section:
        return str(section["url"])
    # The component form that st.connection also understands.
    dialect = section.get("dialect")
    if not dialect:
        raise ConfigError(f"[connections.cockpit] in {path} needs `url` or `dialect`.")
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


def is_embedded(url: str) -> bool:
    """True for the embedded default database (the only one the app may seed by itself)."""
    return url == default_url()


def make_engine(url: str | URL) -> Engine:
    """An engine with short connect timeouts, so a database that is down fails fast."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    kwargs: dict = {"pool_pre_ping": True}
    if backend == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif backend == "postgresql":
        kwargs["connect_args"] = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        }
    elif backend in ("mysql", "mariadb"):
        if "charset" not in parsed.query:
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S, "read_timeout": STATEMENT_TIMEOUT_MS // 1000}
    engine = sa.create_engine(parsed, **kwargs)
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def describe(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)
