"""Alembic environment: the URL comes from data_access.config unless given with ``-x url=...``.

A caller may also pass an open connection in ``config.attributes["connection"]``
(that is how ``data_access.migrate`` and the tests run migrations).
"""

from alembic import context

from data_access import config as app_config
from data_access.schema import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or app_config.database_url()


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, dialect_opts={"paramstyle": "named"}, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = app_config.bulk_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    # render_as_batch lets ALTERs work on SQLite too.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
