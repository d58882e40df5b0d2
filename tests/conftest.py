"""Shared test fixtures: real databases (SQLite always; PostgreSQL and MariaDB on this machine).

The server URLs come from TEST_POSTGRES_URL / TEST_MARIADB_URL, defaulting to the local servers
(trust auth / root without password). A test database ``cockpit_test`` is created if missing.
Under CI=true a server that cannot be reached FAILS the tests that need it instead of skipping.
COCKPIT_TEST_DIALECTS (e.g. "sqlite", as ``make check`` sets it) leaves the other dialects out.

Test tiers (docs/TESTING.md) are markers given here by directory, so nobody has to remember them:
``unit`` (tests/components, tests/data_access), ``apptest`` (tests/app), ``server`` (tests/e2e:
they start an app server, a provider, nginx or a PostgreSQL cluster; elsewhere marked by hand, which
keeps the folder's tier off), and ``browser`` on top for every test that needs Chromium (the
fixtures of BROWSER_FIXTURES, or marked by hand where a test looks for Chromium itself).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from data_access import config, migrate
from data_access.seed import seed_database

IN_CI = os.environ.get("CI", "").lower() == "true"
# Under pytest-xdist (make test: two workers) each worker wipes and seeds databases of its own:
# cockpit_test_gw0, cockpit_test_gw1 (and their _fresh, _summaries, _cluster siblings).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _of_this_worker(url: str) -> str:
    if not WORKER:
        return url
    u = make_url(url)
    return u.set(database=f"{u.database}_{WORKER}").render_as_string(hide_password=False)


SERVER_URLS = {
    "postgresql": _of_this_worker(os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/cockpit_test")),
    "mariadb": _of_this_worker(os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/cockpit_test")),
}
DIALECTS = ("sqlite", "postgresql", "mariadb")
# The dialects this run tests: all three unless COCKPIT_TEST_DIALECTS names fewer.
SELECTED_DIALECTS = tuple(d for d in DIALECTS if d in os.environ.get("COCKPIT_TEST_DIALECTS", ",".join(DIALECTS)).split(","))
TESTS = Path(__file__).resolve().parent
TIER_OF_FOLDER = {"components": "unit", "data_access": "unit", "ask": "unit", "app": "apptest", "e2e": "server"}
BROWSER_FIXTURES = frozenset({"browser", "chromium_path", "chromium_session", "need_chromium"})
# Small but realistic: enough learners for every stage and channel to appear.
TEST_LEARNERS = 4000
TEST_SEED = 11


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test with its tier (and ``browser`` when it needs Chromium); leave out the
    parametrizations of dialects that COCKPIT_TEST_DIALECTS does not select."""
    left_out = {d for d in DIALECTS if d not in SELECTED_DIALECTS}
    keep, deselected = [], []
    for item in items:
        path = Path(item.path).resolve()
        folder = path.relative_to(TESTS).parts[0] if path.is_relative_to(TESTS) else ""
        # A test marked ``server`` by hand (a benchmark run end to end) keeps that tier.
        if folder in TIER_OF_FOLDER and not item.get_closest_marker("server"):
            item.add_marker(TIER_OF_FOLDER[folder])
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker("browser")
        params = getattr(getattr(item, "callspec", None), "params", {})
        (deselected if left_out & {v for v in params.values() if isinstance(v, str)} else keep).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = keep


def _ensure_database(url: str) -> None:
    """Create the test database on its server if it does not exist."""
    u = make_url(url)
    admin = sa.engine.URL.create(
        u.drivername,
        username=u.username,
        password=u.password,
        host=u.host,
        port=u.port,
        database="postgres" if u.get_backend_name() == "postgresql" else None,
    )
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": config.CONNECT_TIMEOUT_S})
    try:
        with engine.connect() as conn:
            if u.get_backend_name() == "postgresql":
                exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": u.database}).first()
                if not exists:
                    conn.execute(sa.text(f'CREATE DATABASE "{u.database}"'))  # name from our own config, not users
            else:
                conn.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS `{u.database}` CHARACTER SET utf8mb4"))
    finally:
        engine.dispose()


def server_engine(dialect: str, suffix: str = "") -> sa.Engine:
    """An engine on the named server's test database (+ suffix), or skip (fail under CI) if unreachable."""
    if dialect not in SELECTED_DIALECTS:
        pytest.skip(f"{dialect} is not in COCKPIT_TEST_DIALECTS")
    base = make_url(SERVER_URLS[dialect])
    url = base.set(database=f"{base.database}{suffix}").render_as_string(hide_password=False)
    try:
        _ensure_database(url)
        engine = config.make_engine(url)
        with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001 - any connection problem means the same thing here
        msg = f"{dialect} server not reachable at {config.describe(url)}: {exc.__class__.__name__}: {exc}"
        if IN_CI:
            pytest.fail(msg + " (CI=true: database tests must run)")
        pytest.skip(msg)
    return engine


def fresh_engine(dialect: str, tmp_path: Path) -> sa.Engine:
    """An engine on an empty database of the given dialect (server databases are wiped to base)."""
    if dialect == "sqlite":
        return config.make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    engine = server_engine(dialect, "_fresh")
    wipe(engine)
    return engine


def wipe(engine: sa.Engine) -> None:
    """Drop everything the migrations and seeds made (tests own the cockpit_test databases)."""
    migrate.downgrade(engine, "base")
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def seeded(tmp_path_factory) -> dict[str, sa.Engine]:
    """Engines on the three dialects, each seeded with the same seed (lazily, on first use)."""
    cache: dict[str, sa.Engine] = {}

    class Lazy(dict):
        def __missing__(self, dialect: str) -> sa.Engine:
            if dialect == "sqlite":
                engine = config.make_engine(f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'seeded.db'}")
            else:
                engine = server_engine(dialect)
                wipe(engine)
            seed_database(engine, learners=TEST_LEARNERS, seed=TEST_SEED, progress=False)
            self[dialect] = engine
            return engine

    return Lazy(cache)


@pytest.fixture(params=DIALECTS)
def dialect(request) -> str:
    """Each of the three dialects in turn."""
    return request.param


# The app tests' data: the embedded default's seed, fewer learners.
APP_LEARNERS, APP_SEED = 20_000, 42


@pytest.fixture(scope="session")
def app_sqlite_url(tmp_path_factory) -> str:
    """A seeded SQLite database for the app tests."""
    path = tmp_path_factory.mktemp("appdb") / "cockpit.db"
    url = f"sqlite:///{path}"
    seed_database(config.make_engine(url), learners=APP_LEARNERS, seed=APP_SEED, progress=False)
    return url


@pytest.fixture(scope="session")
def app_db_url(app_sqlite_url) -> str:
    """The database the app tests run on: SQLite (a module may override this fixture to run its
    tests on every dialect: tests/app/conftest.py, ``app_db_url_every_dialect``)."""
    return app_sqlite_url
