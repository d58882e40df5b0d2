"""``serve`` in production: the open demo and a weak sign-in never start (issue 20, finding 9)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from components.commands.serve import production_problem
from data_access.config import PROJECT_ROOT
from tests.identity import TEST_COOKIE_SECRET

AUTH = (
    '[auth]\nredirect_uri = "https://cockpit.corp.cn/oauth2callback"\ncookie_secret = "{secret}"\n'
    'client_id = "cockpit"\nclient_secret = "s"\nserver_metadata_url = "https://sso.corp.cn/.well-known/openid-configuration"\n'
)


def serve(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("COCKPIT_ENV", "COCKPIT_REQUIRE_LOGIN")} | env
    return subprocess.run(
        [sys.executable, "-m", "components.cli", "serve", "--server.port", "1", *args],
        cwd=PROJECT_ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "secrets, says",
    [
        (None, "no [auth] section"),
        (AUTH.format(secret="x"), "cookie_secret is too weak"),
        (AUTH.format(secret="CHANGE_ME: a long random string, long enough now"), "cookie_secret is too weak"),
        ("[auth\n", "cannot be read"),
    ],
)
def test_production_refuses_to_start_without_a_working_sign_in(tmp_path, secrets, says):
    path = tmp_path / "secrets.toml"
    if secrets is not None:
        path.write_text(secrets, encoding="utf-8")
    done = serve("--secrets.files", str(path), env={"COCKPIT_ENV": "production"})
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_production_with_a_complete_sign_in_is_allowed(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text(AUTH.format(secret=TEST_COOKIE_SECRET), encoding="utf-8")
    assert production_problem(["--secrets.files", str(path)], {"COCKPIT_ENV": "production"}) is None
    assert production_problem([f"--secrets.files={path}"], {"COCKPIT_ENV": "production"}) is None
    # Outside production nothing is checked here (the app itself still fails closed on a broken [auth]).
    assert production_problem(["--secrets.files", str(tmp_path / "absent.toml")], {}) is None


def test_the_server_warms_up_what_the_first_page_needs_before_it_listens():
    """warm_up (run by serve before Streamlit starts listening, so before it reports healthy) leaves
    the map's boundaries and both catalogues in memory: the first page reads neither from disk."""
    from components.ask import vocab
    from components.charts import boundaries
    from components.charts.maps import DECK_TOLERANCE
    from components.commands.serve import warm_up
    from components.i18n import catalog

    boundaries._province_geojson_text.cache_clear()
    boundaries._deck_geojson_text.cache_clear()
    catalog._read.cache_clear()
    vocab._TOKENIZER = None  # rebuilt (and every vocabulary word added again) on first use
    vocab._PRIOR.clear()
    warm_up()
    assert boundaries._deck_geojson_text.cache_info().currsize >= 1
    assert catalog._read.cache_info().currsize == 2
    before = boundaries._deck_geojson_text.cache_info().hits
    boundaries.deck_province_geojson(DECK_TOLERANCE)  # what the Coverage map asks for
    assert boundaries._deck_geojson_text.cache_info().hits == before + 1
    assert vocab._TOKENIZER is not None and vocab._TOKENIZER.initialized  # the question box's dictionary
