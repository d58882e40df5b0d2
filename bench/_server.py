"""Start the app on a free port for the doc generators (screenshots, example packs)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_app(env: dict[str, str] | None = None, timeout_s: float = 120) -> tuple[subprocess.Popen, str]:
    """Start components.cli serve on a free port; return the process and its base URL once healthy."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "components.cli", "serve", "--server.port", str(port),
                             "--server.headless", "true"], cwd=ROOT, env=env if env is not None else os.environ.copy(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"the app did not become healthy in {timeout_s:.0f} s")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextlib.contextmanager
def running_app() -> Iterator[str]:
    """Yield the base URL of a healthy app (components.cli serve); stop it afterwards."""
    proc, base = start_app()
    try:
        yield base
    finally:
        stop_app(proc)
