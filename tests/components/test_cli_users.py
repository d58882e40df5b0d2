"""``python -m components.cli users``: the first admin on a fresh install, changes, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from data_access import access, config
from data_access.config import PROJECT_ROOT
from data_access.seed import seed_database


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('users') / 'cockpit.db'}"
    seed_database(config.make_engine(url), learners=500, seed=3, progress=False)
    return url


def users(db_url: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "components.cli", "users", "--database-url", db_url, *args]
    return subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)


def test_users_are_added_changed_and_listed_and_every_change_is_audited(db_url):
    assert "no users yet" in users(db_url, "list").stdout
    assert users(db_url, "add", "Boss@Corp.cn", "--role", "admin").returncode == 0
    done = users(db_url, "add", "henan@corp.cn", "--role", "regional", "--province", "410000")
    assert done.returncode == 0, done.stderr
    assert users(db_url, "set", "henan@corp.cn", "--region", "central", "--disable").returncode == 0
    listing = users(db_url, "list").stdout
    assert "boss@corp.cn" in listing and "DISABLED" in listing and "410000,central" in listing
    with config.make_engine(db_url).connect() as conn:
        user = access.get_user(conn, "henan@corp.cn")
        log = access.get_audit_log(conn)
    assert user.regions == ("central",) and user.provinces == ("410000",) and not user.enabled
    assert sorted(log["action"]) == ["user_add", "user_add", "user_set"]
    assert set(log["actor"]) == {access.cli_actor()}


@pytest.mark.parametrize(
    "args, says",
    [
        (("add", "x@corp.cn", "--role", "regional"), "at least one --province or --region"),
        (("add", "x@corp.cn", "--role", "regional", "--province", "999999"), "unknown province '999999'"),
        (("add", "not-an-email", "--role", "admin"), "not an e-mail address"),
        (("add", "x@corp.cn", "--role", "king"), "invalid choice: 'king'"),
        (("set", "nobody@corp.cn", "--enable"), "no user 'nobody@corp.cn'"),
        (("set", "x@corp.cn", "--enable", "--disable"), "not allowed with argument"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line_and_change_nothing(db_url, args, says):
    before = users(db_url, "list").stdout
    done = users(db_url, *args)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert users(db_url, "list").stdout == before


def test_an_unreachable_database_exits_1_without_a_traceback():
    done = users("postgresql+psycopg://nobody@127.0.0.1:1/none", "list")
    assert done.returncode == 1 and "cannot reach" in done.stderr and "Traceback" not in done.stderr


def test_reset_identity_forgets_the_binding_and_is_audited(db_url):
    assert users(db_url, "add", "bound@corp.cn", "--role", "executive").returncode == 0
    with config.make_engine(db_url).begin() as conn:
        assert access.bind_identity(conn, email="bound@corp.cn", issuer="https://sso", subject="old-account")
    assert "bound@corp.cn" in users(db_url, "list").stdout
    done = users(db_url, "reset-identity", "Bound@corp.cn")
    assert done.returncode == 0, done.stderr
    with config.make_engine(db_url).connect() as conn:
        assert access.get_user(conn, "bound@corp.cn").subject is None
        assert access.get_audit_log(conn, action="identity_reset")["item"].iloc[0] == "bound@corp.cn"
    missing = users(db_url, "reset-identity", "nobody@corp.cn")
    assert missing.returncode == 2 and "no user" in missing.stderr
