"""Fixtures and helpers shared by the data-layer tests (the dialect and seeded engines live in
tests/conftest.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


@pytest.fixture
def conn(dialect, seeded):
    """A connection in a transaction that is rolled back: each test leaves the seeded database as it was."""
    engine = seeded[dialect]
    with engine.connect() as c:
        tx = c.begin()
        yield c
        tx.rollback()


def kill_at(conn, dialect: str, engine: sa.Engine, *, statements: tuple[str, ...], nth: int = 2) -> None:
    """Kill ``conn``'s session from the server side as the ``nth`` statement starting with one of
    ``statements`` (upper case, e.g. "INSERT INTO AGREEMENT") is sent: SQLite by closing the
    process's only handle on the transaction, the servers by KILL / pg_terminate_backend."""
    dbapi = conn.connection.dbapi_connection
    pid = None
    if dialect == "postgresql":
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    elif dialect == "mariadb":
        pid = conn.execute(sa.text("SELECT CONNECTION_ID()")).scalar_one()
    seen = {"n": 0}

    @sa.event.listens_for(conn, "before_cursor_execute")
    def kill(_c, _cursor, statement, *args):
        if statement.lstrip().upper().startswith(statements):
            seen["n"] += 1
            if seen["n"] == nth:
                if dialect == "sqlite":
                    dbapi.close()
                else:
                    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
                        other.execute(
                            sa.text("SELECT pg_terminate_backend(:p)" if dialect == "postgresql" else f"KILL CONNECTION {int(pid or 0)}"),
                            {"p": pid},
                        )
