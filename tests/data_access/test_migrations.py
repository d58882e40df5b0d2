"""Alembic migrations: up from empty and back down, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from data_access import migrate
from data_access.schema import metadata
from tests.conftest import fresh_engine


def test_upgrade_creates_every_table_of_the_schema(dialect, tmp_path):
    engine = fresh_engine(dialect, tmp_path)
    migrate.upgrade(engine)
    tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set(metadata.tables)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_migrated_database_matches_schema_module(dialect, tmp_path):
    # If schema.py changes without a migration, autogenerate sees a difference.
    engine = fresh_engine(dialect, tmp_path)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_downgrade_to_base_leaves_no_tables(dialect, tmp_path):
    engine = fresh_engine(dialect, tmp_path)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    assert migrate.current_revision(engine) is None


def test_upgrade_after_downgrade_works_again(dialect, tmp_path):
    engine = fresh_engine(dialect, tmp_path)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    assert set(metadata.tables) <= set(sa.inspect(engine).get_table_names())
