"""Start the app on a free port for the doc generators (screenshots, example packs) and the benchmarks
(components/commands/launch.py does the starting and the waiting)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the scripts put only bench/ on the path
    sys.path.insert(0, str(ROOT))

from components.commands.launch import AppServer, NotReady, stop  # noqa: E402


def start_app(env: dict[str, str] | None = None, timeout_s: float = 120) -> tuple[subprocess.Popen, str]:
    """Start components.cli serve on a free port; return the process and its base URL once healthy.
    It reads the project's own .streamlit/secrets.toml, as ``make run`` does; its log goes to a
    temporary folder (named in the error when it does not start)."""
    app = AppServer(
        Path(tempfile.mkdtemp(prefix="cockpit-bench-")),
        env=env if env is not None else dict(os.environ),
        secrets_file=ROOT / ".streamlit" / "secrets.toml",
    )
    try:
        app.wait_healthy(timeout_s)
    except NotReady:
        app.stop()
        raise
    return app.proc, app.base


def stop_app(proc: subprocess.Popen) -> None:
    stop(proc)


@contextlib.contextmanager
def running_app() -> Iterator[str]:
    """Yield the base URL of a healthy app (components.cli serve); stop it afterwards."""
    proc, base = start_app()
    try:
        yield base
    finally:
        stop_app(proc)
