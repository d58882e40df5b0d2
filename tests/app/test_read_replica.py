"""A read replica (docs/SCALING.md): a real PostgreSQL primary and streaming standby built on
loopback (initdb, pg_basebackup -R), the app pointed at the standby (DATABASE_URL) with its writes
on the primary (COCKPIT_WRITE_DATABASE_URL). Pages read the standby; a question asked and an export
audited land on the primary (the standby refuses writes, so a misrouted one fails); the freshness
stamp says how far the standby is behind."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from components.i18n import format_number, t
from data_access import config, engine, migrate, queries, runners, schema
from data_access.seed import seed_database
from tests.app.conftest import APP
from tests.app.helpers import assert_clean, default_scope
from tests.conftest import IN_CI

INITDB = shutil.which("initdb") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*args: str) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool as the postgres user when we are root (the server refuses root)."""
    cmd = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def replica():
    """(primary URL, standby URL) of a primary and a hot standby on loopback, seeded; stopped after."""
    if INITDB is None:
        msg = "initdb not found (PostgreSQL server binaries are needed for the read-replica test)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    bin_dir = Path(INITDB).parent
    base = Path(tempfile.mkdtemp(prefix="cockpit-replica-"))
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        os.chown(base, pg.pw_uid, pg.pw_gid)
    os.chmod(base, 0o755)
    primary_port, standby_port = _free_port(), _free_port()
    common = f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={base} -c fsync=off"
    _as_postgres(str(bin_dir / "initdb"), "-D", str(base / "primary"), "--auth=trust", "-U", "postgres", "--no-sync")
    _as_postgres(
        str(bin_dir / "pg_ctl"), "-D", str(base / "primary"), "-l", str(base / "primary.log"), "-w",
        "-o", f"-p {primary_port} {common} -c wal_level=replica -c max_wal_senders=4", "start",
    )  # fmt: skip
    started = [base / "primary"]
    try:
        admin = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{primary_port}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE cockpit"))
        admin.dispose()
        primary = f"postgresql+psycopg://postgres@127.0.0.1:{primary_port}/cockpit"
        seeded = config.bulk_engine(primary)
        migrate.upgrade(seeded)
        seed_database(seeded, learners=2000, seed=7, progress=False)
        seeded.dispose()
        pg_basebackup = shutil.which("pg_basebackup") or str(bin_dir / "pg_basebackup")
        _as_postgres(
            pg_basebackup,
            "-h",
            "127.0.0.1",
            "-p",
            str(primary_port),
            "-U",
            "postgres",
            "-D",
            str(base / "standby"),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        _as_postgres(
            str(bin_dir / "pg_ctl"), "-D", str(base / "standby"), "-l", str(base / "standby.log"), "-w",
            "-o", f"-p {standby_port} {common} -c hot_standby=on", "start",
        )  # fmt: skip
        started.append(base / "standby")
        standby = f"postgresql+psycopg://postgres@127.0.0.1:{standby_port}/cockpit"
        probe = sa.create_engine(standby)
        with probe.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_is_in_recovery()")).scalar_one() is True
        probe.dispose()
        yield primary, standby
    finally:
        for data_dir in reversed(started):
            subprocess.run(
                (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                + [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def on_replica(replica, monkeypatch):
    """The environment of an app on the standby with its writes on the primary; fresh caches."""
    primary, standby = replica
    monkeypatch.setenv("DATABASE_URL", standby)
    monkeypatch.setenv("COCKPIT_WRITE_DATABASE_URL", primary)
    monkeypatch.setenv("COCKPIT_RAISE_ERRORS", "1")
    st.cache_data.clear()
    st.cache_resource.clear()
    engine.reset_engines()
    yield primary, standby
    st.cache_data.clear()
    st.cache_resource.clear()
    engine.reset_engines()  # no pooled connection outlives the servers


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def _wait_replayed(primary: str, standby: str, table: sa.Table) -> None:
    """Until the standby holds as many rows of ``table`` as the primary."""
    want = sa.create_engine(primary)
    got = sa.create_engine(standby)
    try:
        with want.connect() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for _ in range(100):
            with got.connect() as conn:
                if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == n:
                    return
            time.sleep(0.1)
        raise AssertionError(f"the standby did not replay {table.name} in 10 s")
    finally:
        want.dispose()
        got.dispose()


def test_pages_read_the_standby_and_the_apps_writes_reach_the_primary(on_replica):
    primary, standby = on_replica
    at = _app()
    at.run()
    assert_clean(at)
    reads = sa.create_engine(standby)
    with reads.connect() as conn:
        kpis = queries.get_kpis(conn, scope=default_scope(standby)).set_index("metric")
    reads.dispose()
    leads = next(m.value for m in at.metric if m.label == t("metric.leads", "zh"))
    assert leads == format_number(kpis.loc["leads", "value"], "zh")
    # A question asked in the box is stored: on the primary (the standby would refuse the INSERT).
    at.text_input(key="ask_text").input("河南今年报名多少").run()
    assert_clean(at)
    writes = sa.create_engine(primary)
    with writes.connect() as conn:
        assert [r.text for r in conn.execute(sa.select(schema.ask_question.c.text))] == ["河南今年报名多少"]
    # An export is audited on the primary, through the writer the export menu uses.
    runners.audit_writer(actor="demo", provinces="*", filters={}, data_as_of=None)(page="overview", item="kpis", fmt="csv")
    with writes.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.audit_log).where(schema.audit_log.c.item == "kpis")).scalar_one()
            == 1
        )
    writes.dispose()
    _wait_replayed(primary, standby, schema.audit_log)  # and it reaches the pages' database


def test_the_stamp_says_how_far_the_standby_is_behind(on_replica):
    primary, standby = on_replica
    reader = sa.create_engine(standby, isolation_level="AUTOCOMMIT")
    writes = sa.create_engine(primary)
    try:
        with reader.connect() as conn:
            conn.execute(sa.text("SELECT pg_wal_replay_pause()"))
        with writes.begin() as conn:  # a write the paused standby has not replayed
            conn.execute(schema.audit_log.insert().values(at=dt_now(), actor="cli:test", action="export", item="lag"))
        time.sleep(2.5)
        at = _app()
        at.run()
        assert_clean(at)
        stamp = " ".join(str(c.value) for c in at.sidebar.caption)
        assert "只读副本落后主库" in stamp
        seconds = int(stamp.split("只读副本落后主库")[1].split("秒")[0].strip().replace(",", ""))
        assert seconds >= 2
    finally:
        with reader.connect() as conn:
            conn.execute(sa.text("SELECT pg_wal_replay_resume()"))
        reader.dispose()
        writes.dispose()
    _wait_replayed(primary, standby, schema.audit_log)
    st.cache_data.clear()
    at = _app()
    at.run()
    assert "只读副本落后主库 0 秒" in " ".join(str(c.value) for c in at.sidebar.caption)


def test_without_a_standby_the_stamp_says_nothing_of_replicas(replica, monkeypatch):
    primary, _ = replica
    monkeypatch.setenv("DATABASE_URL", primary)
    monkeypatch.delenv("COCKPIT_WRITE_DATABASE_URL", raising=False)
    monkeypatch.setenv("COCKPIT_RAISE_ERRORS", "1")
    st.cache_data.clear()
    engine.reset_engines()
    at = _app()
    at.run()
    assert_clean(at)
    assert "副本" not in " ".join(str(c.value) for c in at.sidebar.caption)
    assert config.write_database_url() == primary
    engine.reset_engines()


def dt_now():
    from data_access.access import now

    return now()
