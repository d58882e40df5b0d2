"""AppTest fixtures: the real app against a real seeded SQLite database.

Streamlit quirk (STACK-NOTES.md): AppTest resets ``PagesManager.uses_pages_directory`` before
every run, finds our ``pages/`` folder and replays the old v1 multipage mode, so reruns render
nothing. The real server is unaffected; here a subclass switches it off after construction.
"""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from components.i18n import clear_records

APP = "../../app.py"


class _V2PagesManager(PagesManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def _pages_v2(monkeypatch):
    monkeypatch.setattr(app_test_module, "PagesManager", _V2PagesManager)


@pytest.fixture
def app(app_db_url, monkeypatch):
    """A factory of AppTests on the seeded database, with clean Streamlit caches."""
    monkeypatch.setenv("DATABASE_URL", app_db_url)
    # The frame's last-line handler turns an unexpected exception into a message for users; in
    # tests it re-raises, so that at.exception (and assert_clean) sees a page that crashes.
    monkeypatch.setenv("COCKPIT_RAISE_ERRORS", "1")
    st.cache_data.clear()
    st.cache_resource.clear()
    clear_records()

    def make(params: dict[str, str | list[str]] | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        for k, v in (params or {}).items():
            at.query_params[k] = v
        return at

    return make
