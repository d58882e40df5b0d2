"""AppTest fixtures: the real app against a real seeded SQLite database.

Streamlit quirk (STACK-NOTES.md): AppTest resets ``PagesManager.uses_pages_directory`` before
every run, finds our ``pages/`` folder and replays the old v1 multipage mode, so reruns render
nothing. The real server is unaffected; here a subclass switches it off after construction.

Caches: st.cache_data is shared by every AppTest of the process, as by every session of a server,
and its keys do not name the database. It is kept from one AppTest to the next while the database
they run on is the same and unchanged (most tests only read the shared seeded database), and
cleared when either differs; cached resources (engines) are cleared for every test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy.engine import make_url
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from components.i18n import clear_records
from data_access import engine
from data_access.seed import seed_database
from tests.conftest import APP_LEARNERS, APP_SEED, DIALECTS, server_engine, wipe

APP = "../../app.py"


class _V2PagesManager(PagesManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def _pages_v2(monkeypatch):
    monkeypatch.setattr(app_test_module, "PagesManager", _V2PagesManager)


def data_state(url: str) -> tuple | None:
    """What the cached figures were read from: the URL and, for a SQLite file, the size and time of
    the last write of the file and of its write-ahead log, and the log's header (its salts change
    when the log restarts). None for a server database: its changes cannot be seen from here."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    state: list[object] = [url]
    for path in (Path(u.database), Path(u.database + "-wal")):
        try:
            info = path.stat()
            with path.open("rb") as fh:
                state.append((info.st_mtime_ns, info.st_size, fh.read(32)))
        except OSError:
            state.append(None)
    return tuple(state)


_cached_from: list[tuple | None] = [None]  # the data state st.cache_data holds figures of


def fresh_caches() -> None:
    """Clear st.cache_data unless it holds figures of the database DATABASE_URL names, as it is now."""
    state = data_state(os.environ["DATABASE_URL"])
    if state is None or state != _cached_from[0]:
        st.cache_data.clear()
    _cached_from[0] = state


@pytest.fixture
def app(app_db_url, monkeypatch):
    """A factory of AppTests on the seeded database (a test may point DATABASE_URL elsewhere
    before it makes one); each AppTest starts with caches that hold only that database's figures."""
    monkeypatch.setenv("DATABASE_URL", app_db_url)
    # The frame's last-line handler turns an unexpected exception into a message for users; in
    # tests it re-raises, so that at.exception (and assert_clean) sees a page that crashes.
    monkeypatch.setenv("COCKPIT_RAISE_ERRORS", "1")
    st.cache_resource.clear()
    engine.reset_engines()  # a test may have made one with patched settings
    clear_records()

    def make(params: dict[str, str | list[str]] | None = None) -> AppTest:
        fresh_caches()
        at = AppTest.from_file(APP, default_timeout=60)
        for k, v in (params or {}).items():
            at.query_params[k] = v
        return at

    return make


# The views whose SQL differs by dialect are checked on all three, each seeded like the SQLite app
# database (the same seed: the same figures).
@pytest.fixture(scope="session")
def app_server_urls() -> dict[str, str]:
    """URLs of server test databases ``…_app`` seeded like app_db_url (lazily, once per worker)."""

    class Lazy(dict):
        def __missing__(self, dialect: str) -> str:
            engine = server_engine(dialect, "_app")
            wipe(engine)
            seed_database(engine, learners=APP_LEARNERS, seed=APP_SEED, progress=False)
            url = engine.url.render_as_string(hide_password=False)
            engine.dispose()
            self[dialect] = url
            return url

    return Lazy()


@pytest.fixture(params=DIALECTS)
def app_db_url_every_dialect(request, app_sqlite_url, app_server_urls) -> str:
    """The app tests' database on each dialect in turn. A module runs on all three by overriding
    app_db_url with it (``app`` then opens the app on it):

        @pytest.fixture
        def app_db_url(app_db_url_every_dialect):
            return app_db_url_every_dialect
    """
    return app_sqlite_url if request.param == "sqlite" else app_server_urls[request.param]
