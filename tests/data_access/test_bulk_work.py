"""Bulk work never meets the page deadline (issue 24, point 7): the seed, the refresh, an import and
a digest run to the end under an interactive statement timeout of one millisecond, on each dialect,
while a page's engine under the same setting cuts a long statement off (the control: the deadline
is really there)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from components.cli import main as cli_main
from data_access import access, config, subscriptions
from data_access.refresh import main as refresh_main
from data_access.seed.__main__ import main as seed_main
from tests.conftest import fresh_engine
from tests.data_access.test_upkeep import HENAN, workbook

DEADLINE_S = 0.001
# A statement that takes far longer than a millisecond on each dialect, reading no table.
LONG = {
    "sqlite": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3000000) SELECT count(*) FROM r",
    "postgresql": "SELECT count(*) FROM generate_series(1, 30000000)",
    # MariaDB stops a recursion after 1,000 rounds unless told otherwise, for this statement only.
    "mariadb": "SET STATEMENT max_recursive_iterations = 4000000 FOR "
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3000000) SELECT count(*) FROM r",
}


@pytest.fixture
def empty_url(dialect, tmp_path) -> str:
    engine = fresh_engine(dialect, tmp_path)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    return url


@pytest.fixture
def page_deadline(monkeypatch) -> None:
    """COCKPIT_STATEMENT_TIMEOUT_S=0.001 for every engine made from now on."""
    monkeypatch.setattr(config, "STATEMENT_TIMEOUT_S", DEADLINE_S)


@pytest.mark.parametrize("deadline", [DEADLINE_S, 0.0004])  # below a millisecond is not "none" on a server
def test_a_page_engine_cuts_a_long_statement_off(dialect, empty_url, monkeypatch, deadline):
    monkeypatch.setattr(config, "STATEMENT_TIMEOUT_S", deadline)
    engine = config.make_engine(empty_url)
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
            conn.execute(sa.text(LONG[dialect])).scalar_one()
        assert config.is_timeout(caught.value)
    finally:
        engine.dispose()


def test_the_seed_the_refresh_an_import_and_a_digest_run_to_the_end(dialect, empty_url, page_deadline, tmp_path, capsys):
    assert seed_main(["--learners", "3000", "--database-url", empty_url, "--quiet"]) == 0
    assert refresh_main(["--full", "--database-url", empty_url]) == 0
    targets = tmp_path / "targets.xlsx"
    targets.write_bytes(workbook([(2030, "河南省 (410000)", "线索数 (leads)", 77, "个")]))
    assert cli_main(["import", "targets", str(targets), "--database-url", empty_url]) == 0

    # A daily e-mail digest of Henan, due tomorrow at 08:05 (dry run: built in full, not sent).
    engine = config.bulk_engine(empty_url)
    try:
        with engine.begin() as conn:
            access.add_user(conn, email="bulk.reader@corp.cn", role="executive", provinces=[], actor="cli:test")
            subscriptions.add(
                conn,
                owner="bulk.reader@corp.cn",
                provinces=[HENAN],
                sections=["kpis", "funnel"],
                schedule="daily",
                at_time="08:00",
                channel="email",
                target="bulk.reader@corp.cn",
            )
        with engine.connect() as conn:  # and the long statement itself, on the bulk engine
            assert conn.execute(sa.text(LONG[dialect])).scalar_one() == (30_000_000 if dialect == "postgresql" else 3_000_000)
    finally:
        engine.dispose()
    tomorrow = dt.datetime.now(subscriptions.TZ).date() + dt.timedelta(days=1)
    now = dt.datetime.combine(tomorrow, dt.time(8, 5), tzinfo=subscriptions.TZ).isoformat()
    capsys.readouterr()
    assert cli_main(["digest", "--due", "--dry-run", "--now", now, "--database-url", empty_url]) == 0
    assert "would send" in capsys.readouterr().out


def _ready(engine) -> None:
    """Open the engine's first connection (the dialect's own start-up statements run under the same
    1 ms deadline and a busy machine can cancel one: setup, not what is tested), then hand it back."""
    for _ in range(5):
        try:
            with engine.connect():
                return
        except DBAPIError as exc:
            if not config.is_timeout(exc):
                raise
    raise AssertionError("no connection within a 1 ms deadline in five tries")


def test_a_bulk_connection_of_the_app_engine_gets_its_deadline_back_in_the_pool(dialect, empty_url, page_deadline):
    """An import from the upkeep page runs on the app's engine, marked for_bulk_work: the next page
    query on the same pooled connection has the deadline again."""
    engine = config.make_engine(empty_url)
    try:
        _ready(engine)
        with engine.begin() as conn:
            config.for_bulk_work(conn)
            assert conn.execute(sa.text(LONG[dialect])).scalar_one() > 0
        with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
            conn.execute(sa.text(LONG[dialect])).scalar_one()
        assert config.is_timeout(caught.value)
    finally:
        engine.dispose()


def test_the_write_url_is_its_own_setting_or_else_the_read_url(tmp_path, monkeypatch):
    """COCKPIT_WRITE_DATABASE_URL, then [connections.cockpit_write], else where the pages read
    (a one-database install writes where it reads)."""
    from data_access import config

    secrets = tmp_path / "secrets.toml"
    monkeypatch.delenv("COCKPIT_WRITE_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://reader@replica/cockpit")
    assert config.write_database_url(secrets) == "postgresql+psycopg://reader@replica/cockpit"
    secrets.write_text('[connections.cockpit_write]\nurl = "postgresql+psycopg://app@primary/cockpit"\n', encoding="utf-8")
    assert config.write_database_url(secrets) == "postgresql+psycopg://app@primary/cockpit"
    monkeypatch.setenv("COCKPIT_WRITE_DATABASE_URL", "postgresql+psycopg://app@other/cockpit")
    assert config.write_database_url(secrets) == "postgresql+psycopg://app@other/cockpit"
