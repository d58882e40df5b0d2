"""First run: make sure the configured database is usable, creating the embedded one if needed.

``python -m data_access.bootstrap`` (called by ``make run``) migrates and seeds the embedded
SQLite database ``data/cockpit.db`` when it is missing or empty, and brings its summary tables up to
date (``data_access.refresh``: nothing to do when nothing was loaded since). A configured (shared) database
is never seeded or migrated from here: if it is behind, the message says to run Alembic.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from data_access import config, migrate, schema
from data_access.refresh import refresh

# The embedded demo: about 330,000 funnel events, seeded in a few seconds.
DEFAULT_LEARNERS = 150_000
DEFAULT_SEED = 42


@dataclass(frozen=True)
class Status:
    """Whether the database can serve the app, and if not, what to tell the user."""

    ok: bool
    message: str = ""
    seeded_now: bool = False


def ensure_database(url: str | None = None, *, progress: bool = False) -> Status:
    """Check (and for the embedded default, create) the database behind ``url``."""
    url = url or config.database_url()
    try:
        engine = config.bulk_engine(url)  # it may seed, migrate and refresh
        if config.is_embedded(url):
            from data_access.seed import existing_rows, seed_database  # only the embedded default is seeded here

            config.DATA_DIR.mkdir(parents=True, exist_ok=True)
            migrate.upgrade(engine)
            with engine.connect() as conn:
                empty = not any(existing_rows(conn).values())
            if empty:
                seed_database(engine, learners=DEFAULT_LEARNERS, seed=DEFAULT_SEED, progress=progress)
                return Status(True, seeded_now=True)
            refresh(engine)  # an embedded database made before the summaries, or loaded into since
            return Status(True)
        return check_schema(engine, url)
    except SQLAlchemyError as exc:
        return Status(False, f"cannot reach {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    except config.ConfigError as exc:
        return Status(False, str(exc))


def check_schema(engine: Engine, url: str) -> Status:
    """A shared database must already be at the code's schema revision and hold data."""
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        return Status(
            False,
            f"{config.describe(url)} is at schema revision {current or 'none'}, the code needs {head}: "
            "run `alembic upgrade head` against it (see README).",
        )
    with engine.connect() as conn:
        if not conn.execute(sa.select(sa.func.count()).select_from(schema.province)).scalar_one():
            return Status(
                False,
                f"{config.describe(url)} has no data: load it, or seed demo data with `python -m data_access.seed --database-url ...`.",
            )
    return Status(True)


def main() -> int:
    url = config.database_url()
    print(f"database: {config.describe(url)}")
    status = ensure_database(url, progress=True)
    if status.seeded_now:
        print("created and seeded the embedded demo database")
    if not status.ok:
        print(f"bootstrap: {status.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
