"""Several app replicas (``make cluster``, deploy/cluster/; docs/SCALING.md), in a real browser.

The launcher (deploy/cluster/run.py) starts two replicas and nginx on free ports against a
PostgreSQL database it creates and seeds (``<TEST_POSTGRES_URL's database>_cluster``, dropped
first), with sign-in through the mock OpenID provider (as tests/e2e/test_signin.py), the
redirect URI being nginx's. Everything the browser does goes through nginx. The tests check:

- the proxy spreads browsers over both replicas (by a cookie of its own, not by address: every
  browser here comes from 127.0.0.1) and keeps each browser on one replica;
- a page renders through the proxy: its websocket handshake is answered 101 through nginx by the
  same replica that served the page and every one of its requests (sticky);
- the replica serving that page is killed (SIGKILL): the open page reconnects by itself to the
  other replica, still signed in, and the next page load works; no request the browser made got a
  5xx, and nginx's access log shows the request it retried on the other replica;
- SIGTERM to the launcher stops nginx and both replicas.

Without nginx or PostgreSQL the module skips locally and fails under CI=true (as chromium in
conftest.py). Run with -s for the measured start and failover times.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from components.commands.launch import free_port, wait_until
from components.i18n import t
from data_access import access, config
from data_access.config import PROJECT_ROOT
from tests.conftest import SERVER_URLS
from tests.e2e.test_signin import EXEC, TIMEOUT, new_context, settle, sign_in
from tests.identity import TEST_COOKIE_SECRET

pytestmark = pytest.mark.browser
IN_CI = os.environ.get("CI", "").lower() == "true"
LAUNCHER = PROJECT_ROOT / "deploy" / "cluster" / "run.py"
START_TIMEOUT_S = 120
TIMES: dict[str, float] = {}


def _missing(msg: str):
    if IN_CI:
        pytest.fail(msg + " (CI=true: the cluster test must run)")
    pytest.skip(msg)


def _nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


@pytest.fixture(scope="module")
def cluster_db_url() -> str:
    """The cluster's database URL, on the test PostgreSQL server, dropped so that the launcher
    creates, migrates and seeds it."""
    if not _nginx():
        _missing("Debian's nginx is not installed (apt-get install nginx)")
    base = make_url(SERVER_URLS["postgresql"])
    url = base.set(database=f"{base.database}_cluster")
    admin = sa.create_engine(
        base.set(database="postgres"), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": config.CONNECT_TIMEOUT_S}
    )
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))  # our own name
    except Exception as exc:  # noqa: BLE001 - any connection problem means the same thing here
        _missing(f"postgresql server not reachable at {config.describe(str(base))}: {exc.__class__.__name__}: {exc}")
    finally:
        admin.dispose()
    return url.render_as_string(hide_password=False)


class Cluster:
    """The launcher in a process group of its own, and what it wrote to its state file."""

    def __init__(self, proc: subprocess.Popen, state: dict, log: Path):
        self.proc, self.state, self.log = proc, state, log
        self.url: str = state["url"]
        self.replicas: dict[str, int] = {r["address"]: r["pid"] for r in state["replicas"]}
        self.access_log = Path(state["access_log"])

    def logs(self) -> str:
        parts = [f"--- launcher\n{self.log.read_text(errors='replace')[-3000:]}"]
        for path in [self.access_log, Path(self.state["error_log"]), *(Path(r["log"]) for r in self.state["replicas"])]:
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}")
        return "\n".join(parts)

    def stop(self) -> int | None:
        return stop_launcher(self.proc)


def stop_launcher(proc: subprocess.Popen, timeout: float = 30) -> int | None:
    """SIGTERM to the launcher (it stops nginx and the replicas); if it hangs, SIGKILL to the
    process group the test created for it (launcher, replicas, nginx). Its exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode


@pytest.fixture(scope="module")
def cluster(cluster_db_url, chromium_path, tmp_path_factory):
    """Two replicas behind nginx, sign-in through a mock OpenID provider; stopped at the end."""
    import oidc_provider_mock

    tmp = tmp_path_factory.mktemp("cluster")
    port = free_port()
    werkzeug_log = logging.getLogger("werkzeug")  # the mock logs every request at INFO
    old_level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)
    users = [oidc_provider_mock.User(sub=EXEC, claims={"email": EXEC, "email_verified": True})]
    try:
        with oidc_provider_mock.run_server_in_thread(port=0, user_claims=users) as provider:
            secrets = tmp / "secrets.toml"
            secrets.write_text(
                "[auth]\n"
                f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
                f'cookie_secret = "{TEST_COOKIE_SECRET}"\n'
                'client_id = "cockpit"\n'
                'client_secret = "secret"\n'
                f'server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"\n',
                encoding="utf-8",
            )
            state_file, log = tmp / "cluster.json", tmp / "launcher.log"
            # nginx's directory: under /tmp (pytest's tmp is private to root; nginx runs as www-data then).
            run_dir = Path(tempfile.mkdtemp(prefix="cockpit-cluster-test-"))
            cmd = [
                sys.executable,
                str(LAUNCHER),
                "--port",
                str(port),
                "--database-url",
                cluster_db_url,
                "--prepare",
                "--state-file",
                str(state_file),
                "--run-dir",
                str(run_dir),
                "--",
                "--secrets.files",
                str(secrets),
            ]
            env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COCKPIT_REQUIRE_LOGIN")}
            t0 = time.monotonic()
            with open(log, "wb") as out:
                proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                wait_until(
                    state_file.exists, what="the cluster launcher", timeout_s=START_TIMEOUT_S, procs=(proc,), log=log, interval_s=0.2
                )
                TIMES["cluster start, seen by the test (s)"] = time.monotonic() - t0
                c = Cluster(proc, json.loads(state_file.read_text()), log)
                for key, value in c.state["seconds"].items():
                    TIMES[f"cluster start: {key} (s)"] = value
                engine = config.make_engine(cluster_db_url)
                try:
                    with engine.begin() as conn:
                        access.add_user(conn, email=EXEC, role="executive", actor="test")
                finally:
                    engine.dispose()
                yield c
            finally:
                stop_launcher(proc)
                for path in run_dir.glob("*.log"):  # kept for a post-mortem under pytest's tmp
                    shutil.copy(path, tmp / path.name)
                shutil.rmtree(run_dir, ignore_errors=True)
    finally:
        werkzeug_log.setLevel(old_level)
        if TIMES:
            print("\n" + "\n".join(f"{k}: {v:.2f}" for k, v in TIMES.items()))


# --- helpers -------------------------------------------------------------------------------------


def upstream_of(url: str, cookie: str | None = None) -> tuple[str, list[str]]:
    """(X-Upstream, the Set-Cookie headers) of a GET through the proxy, with the given route cookie."""
    req = urllib.request.Request(url, headers={"Cookie": f"cockpit_route={cookie}"} if cookie else {})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.headers["X-Upstream"], resp.headers.get_all("Set-Cookie") or []


class Traffic:
    """What one browser page exchanged with the proxy: every HTTP response (url, status, the
    replicas that answered) and every websocket handshake (Chromium's DevTools protocol: the
    101 response and its headers, which Playwright does not expose)."""

    def __init__(self, context, page, base: str):
        self.responses: list[tuple[float, str, int, str]] = []
        self.handshakes: list[tuple[float, int, str]] = []
        page.on(
            "response",
            lambda r: (
                self.responses.append((time.monotonic(), r.url, r.status, r.headers.get("x-upstream", "")))
                if r.url.startswith(base)
                else None
            ),
        )
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.on("Network.webSocketHandshakeResponseReceived", self._handshake)

    def _handshake(self, params: dict) -> None:
        headers = {k.lower(): v for k, v in params["response"].get("headers", {}).items()}
        self.handshakes.append((time.monotonic(), params["response"]["status"], headers.get("x-upstream", "")))

    def since(self, t0: float):
        return [r for r in self.responses if r[0] >= t0], [h for h in self.handshakes if h[0] >= t0]


def last_hop(upstream: str) -> str:
    """The replica that answered: the last of "A, B" (nginx lists every replica it tried)."""
    return upstream.split(",")[-1].strip()


FIGURES = '[data-testid="stMetricValue"], [data-testid="stPlotlyChart"], [data-testid="stDeckGlJsonChart"]'


def assert_renders(page, name: str, what: str, lang: str = "zh") -> None:
    """Page ``name``'s script ran to the end: its title, figures drawn from the database, the user
    still signed in, and no error."""
    settle(page)
    text = page.inner_text("body")
    assert "Traceback" not in text, f"{what}: a traceback"
    assert page.locator('[data-testid="stException"]').count() == 0, f"{what}: an exception box"
    assert t("error.db_unavailable", lang)[:8] not in text, f"{what}: database unavailable"
    assert page.inner_text("h1").strip() == t(f"{name}.title", lang), f"{what}: not the page"
    # The first visible one: a phone-only chart (display: none on a laptop) comes first on the Overview.
    page.locator(FIGURES).filter(visible=True).first.wait_for(timeout=TIMEOUT)  # charts draw once their script bundle is in
    assert EXEC in page.inner_text('[data-testid="stSidebar"]'), f"{what}: not signed in"


# --- tests ---------------------------------------------------------------------------------------


def test_browsers_from_one_address_are_spread_and_each_stays_on_its_replica(cluster):
    health = f"{cluster.url}/_stcore/health"
    first, cookies = upstream_of(health)
    assert first in cluster.replicas
    assert [c for c in cookies if re.match(r"cockpit_route=[0-9a-f]{32}; Path=/; HttpOnly", c)], cookies
    assert not [c for c in upstream_of(health, "browser-0")[1] if c.startswith("cockpit_route=")]  # set once
    # Twenty browsers (twenty route cookies), all from 127.0.0.1: both replicas get some (ip_hash
    # would send all to one); each browser gets the same replica every time.
    seen: dict[str, str] = {}
    for i in range(20):
        key = f"browser-{i}"
        answers = {upstream_of(health, key)[0] for _ in range(3)}
        assert len(answers) == 1, f"{key} went to {answers}: not sticky"
        seen[key] = answers.pop()
    assert set(seen.values()) == set(cluster.replicas), f"not spread over both replicas: {seen}"


def status_of(url: str, cookie: str | None = None) -> int:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_proxy_hides_streamlits_metrics_and_serves_media_only_to_a_session(cluster):
    """issue 20, finding 7: /_stcore/metrics answers anyone on a replica, not through the proxy; a
    /media/ URL without the session cookie is refused by the proxy (with one, the replica answers)."""
    replica = next(iter(cluster.replicas))
    assert status_of(f"http://{replica}/_stcore/metrics") == 200  # what the proxy protects
    assert status_of(f"{cluster.url}/_stcore/metrics") == 404
    assert status_of(f"{cluster.url}/_stcore/health") == 200
    media = f"{cluster.url}/media/{'0' * 56}.csv"
    assert status_of(media) == 403
    assert status_of(media, cookie="_streamlit_user=anything") == 404  # reached the replica: no such file


def test_a_page_survives_the_death_of_its_replica(browser, cluster):
    base = cluster.url
    context = new_context(browser)
    try:
        sign_in(context, base, EXEC).close()  # through the proxy: sign-in, callback and cookies
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        traffic = Traffic(context, page, base)

        t0 = time.monotonic()
        response = page.goto(f"{base}/investment")
        assert response is not None and response.status == 200
        assert_renders(page, "investment", "/investment before the failover")
        TIMES["page load before the failover (s)"] = time.monotonic() - t0
        serving = response.headers["x-upstream"]
        assert serving in cluster.replicas, serving
        other = next(a for a in cluster.replicas if a != serving)
        responses, handshakes = traffic.since(t0)
        # The websocket went through nginx (101) to the replica that served the page, and so did
        # every request of the page (scripts, the favicon from /media, health pings): sticky.
        assert [(status, up) for _, status, up in handshakes] == [(101, serving)], handshakes
        assert {up for _, _, _, up in responses} == {serving}, responses

        t_kill = time.monotonic()
        os.kill(cluster.replicas[serving], signal.SIGKILL)

        # The open page notices, and reconnects through nginx to the other replica (nginx's passive
        # check: the health ping that met the dead replica was retried on the other one).
        deadline = t_kill + TIMEOUT / 1000
        while not any(status == 101 for _, status, _ in traffic.since(t_kill)[1]):
            assert time.monotonic() < deadline, f"the page did not reconnect in {TIMEOUT // 1000} s"
            page.wait_for_timeout(50)
        TIMES["open page: replica killed -> websocket reconnected (s)"] = time.monotonic() - t_kill
        # It is live there, not just the old picture: the top navigation reruns the app on the other
        # replica (a new Streamlit session: sessions live in a replica's memory). A click in the
        # filter bar would not do (docs/SCALING.md: the bar is a fragment the new session never ran).
        t_nav = time.monotonic()
        page.get_by_role("link", name=t("nav.overview", "zh")).first.click()
        page.locator("h1").filter(has_text=t("overview.title", "zh")).wait_for(timeout=TIMEOUT)
        assert_renders(page, "overview", "the overview, navigated to after the replica died")
        TIMES["open page: navigation on the other replica (s)"] = time.monotonic() - t_nav

        # The next page load (a reload, a link, a new tab) goes to the other replica too.
        t_next = time.monotonic()
        response = page.goto(f"{base}/investment")
        assert response is not None and response.status == 200
        assert_renders(page, "investment", "/investment after the failover")
        TIMES["next page load after the failover (s)"] = time.monotonic() - t_next
        TIMES["replica killed -> next page load rendered (s)"] = time.monotonic() - t_kill
        assert last_hop(response.headers["x-upstream"]) == other

        responses, handshakes = traffic.since(t_kill)
        assert [status for _, status, _ in handshakes] and {s for _, s, _ in handshakes} == {101}, handshakes
        assert {last_hop(up) for _, _, up in handshakes} == {other}, handshakes
        errors = [r[1:] for r in responses if r[2] >= 500]
        assert not errors, f"the browser got errors through the proxy: {errors}"
        # nginx, not luck: the first request that met the dead replica was retried on the other
        # one (proxy_next_upstream), and nginx never answered a 5xx.
        log = cluster.access_log.read_text()
        lines = [ln for ln in log.splitlines() if "route=" in ln]
        assert not [ln for ln in lines if re.search(r'" 5\d\d ', ln)], cluster.logs()
        assert any(f"upstream={serving}, {other} " in ln for ln in lines), cluster.logs()
        page.close()
    finally:
        context.close()


def test_the_launcher_stops_everything_on_sigterm(cluster):
    pids = [cluster.state["nginx_pid"], *cluster.replicas.values()]
    assert cluster.stop() == 0, cluster.logs()
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in pids if _alive(pid)]
        time.sleep(0.2)
    assert not alive, f"still running after the launcher stopped: {alive}"
    assert "cluster stopped" in cluster.log.read_text()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not running: /proc says so (the launcher reaps its children, but check anyway).
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return True
