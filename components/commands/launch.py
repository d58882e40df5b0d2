"""Start a server in a subprocess and wait until it is ready: a free loopback port, a health poll
that gives up with the server's log, and ``serve`` on app.py with a clean environment.

The one copy used by the test suite (tests/e2e), the doc and bench scripts (bench/) and the
cluster launcher (deploy/cluster/run.py). It lives beside the ``serve`` command rather than under
tests/ because scripts that ship with the app must not import the test suite; it imports only the
standard library, so a script can load it before anything else of the app.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Variables of the calling shell that would change what a started app serves: its database and
# whether sign-in is mandatory are always given by the caller.
APP_ENV_DROPPED = ("DATABASE_URL", "COCKPIT_REQUIRE_LOGIN")


class NotReady(RuntimeError):
    """A started server did not become ready in time (or exited); the message ends with its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 2.0) -> bool:
    """True when ``url`` (a ``/_stcore/health``-style endpoint) answers 200 with ``ok``."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except OSError:
        return False


def listening(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts connections on ``port`` (no HTTP request reaches the server)."""
    with socket.socket() as s:
        return s.connect_ex((host, port)) == 0


def tail(path: Path | None, chars: int = 3000) -> str:
    """The end of a log file, or a note that there is none."""
    if path is None:
        return "(no log)"
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def wait_until(
    ready: Callable[[], bool],
    *,
    what: str,
    timeout_s: float,
    procs: tuple[subprocess.Popen, ...] = (),
    log: Path | None = None,
    interval_s: float = 0.3,
) -> float:
    """Poll ``ready()`` until it holds; the seconds it took. Raises NotReady (with the end of
    ``log``) when ``timeout_s`` passes or one of ``procs`` exits first."""
    t0 = time.monotonic()
    while not ready():
        dead = next((p for p in procs if p.poll() is not None), None)
        if dead is not None or time.monotonic() - t0 > timeout_s:
            why = f"exited with code {dead.returncode}" if dead is not None else f"not ready in {timeout_s:.0f} s"
            raise NotReady(f"{what} {why}; log {log or '(none)'}:\n{tail(log)}")
        time.sleep(interval_s)
    return time.monotonic() - t0


def stop(proc: subprocess.Popen, timeout_s: float = 10) -> int | None:
    """SIGTERM, then SIGKILL if it has not exited after ``timeout_s``; its exit code."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


SERVE = (sys.executable, "-m", "components.cli", "serve")


class AppServer:
    """``python -m components.cli serve`` (or another Streamlit command, ``cmd``) on a free (or
    given) loopback port, its output in ``log_dir/<name>-server-<port>.log``. ``secrets_file`` is
    always passed (a missing path means "no secrets"), so that a developer's own
    .streamlit/secrets.toml never leaks into a test or a benchmark; DATABASE_URL and
    COCKPIT_REQUIRE_LOGIN come from ``env`` only."""

    def __init__(
        self,
        log_dir: Path,
        *,
        env: Mapping[str, str],
        secrets_file: Path | None = None,
        port: int | None = None,
        args: tuple[str, ...] = (),
        name: str = "app",
        cmd: tuple[str, ...] = SERVE,
    ) -> None:
        self.name = name
        self.port = port or free_port()
        self.base = f"http://localhost:{self.port}"
        self.log_path = Path(log_dir) / f"{name}-server-{self.port}.log"
        # No file watcher: nobody edits a test's or a benchmark's server, and others may edit this checkout.
        cmd = (
            *cmd,
            "--server.port",
            str(self.port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--secrets.files",
            str(secrets_file or Path(log_dir) / "no-secrets.toml"),
            *args,
        )
        full_env = {k: v for k, v in os.environ.items() if k not in APP_ENV_DROPPED}
        full_env.update(env)
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout_s: float = 90) -> float:
        """Wait for ``/_stcore/health``; the seconds it took (NotReady with the log if not)."""
        return wait_until(
            lambda: healthy(f"{self.base}/_stcore/health"),
            what=f"the {self.name} server at {self.base}",
            timeout_s=timeout_s,
            procs=(self.proc,),
            log=self.log_path,
        )

    def wait_listening(self, timeout_s: float = 90) -> float:
        """Wait for the port to accept connections, sending no request (a test of the very first request)."""
        return wait_until(
            lambda: listening(self.port),
            what=f"the {self.name} server at {self.base}",
            timeout_s=timeout_s,
            procs=(self.proc,),
            log=self.log_path,
            interval_s=0.1,
        )

    def stop(self) -> int | None:
        return stop(self.proc)

    def __enter__(self) -> AppServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
