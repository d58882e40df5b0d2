"""A real server (components.cli serve) on a seeded SQLite database, and Debian's Chromium.

Skipped locally when chromium is missing; under CI=true that is a failure (.ci/run installs it).
"""

from __future__ import annotations

import os
import shutil

import pytest

from components.commands.launch import AppServer

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        msg = "Debian's chromium is not installed (apt-get install chromium)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def server(app_db_url, tmp_path_factory) -> str:
    """Base URL of a running app in open demo mode on the shared seeded database (tests that use it
    only read); stopped at the end of the session."""
    with AppServer(tmp_path_factory.mktemp("server"), env={"DATABASE_URL": app_db_url}) as app:
        app.wait_healthy()
        yield app.base


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=["--disable-background-networking", "--disable-component-update", "--no-first-run"],
        )
        yield b
        b.close()
