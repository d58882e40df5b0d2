"""``serve``: Streamlit on app.py."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"


def _secrets_files(argv: list[str]) -> list[Path]:
    """The secrets files Streamlit will read: ``--secrets.files`` (repeatable, = or space) or the default."""
    found = []
    for i, arg in enumerate(argv):
        if arg.startswith("--secrets.files="):
            found.append(arg.split("=", 1)[1])
        elif arg == "--secrets.files" and i + 1 < len(argv):
            found.append(argv[i + 1])
    return [Path(p) for p in found] or [ROOT / ".streamlit" / "secrets.toml"]


def read_secrets_files(argv: list[str]) -> tuple[dict, str | None]:
    """The secrets Streamlit will read for ``argv`` (files merged in order; a missing file is no
    secrets), and why one could not be read (None when all could; the rest are still merged)."""
    secrets: dict = {}
    problem = None
    for path in _secrets_files(argv):
        try:
            secrets.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            continue
        except (OSError, tomllib.TOMLDecodeError) as exc:
            problem = problem or f"{path} cannot be read: {str(exc).splitlines()[0][:200]}"
    return secrets, problem


def production_problem(argv: list[str], env) -> str | None:
    """Why this server must not start, or None. With ``COCKPIT_ENV=production`` the open demo
    (every province to anyone) is refused: sign-in must be configured and usable (components.ui.auth)."""
    from components.ui import auth

    if not auth.is_production(env):
        return None
    secrets, problem = read_secrets_files(argv)
    if problem:
        return problem
    cfg = auth.auth_config(secrets, env)
    if cfg.mode != "sso":
        return f"COCKPIT_ENV=production needs a working sign-in: {cfg.problem or 'no [auth] section'} (README, 'Sign-in and roles')"
    return None


def serve(argv: list[str]) -> None:
    """Start Streamlit on app.py with its legacy pages/ mode off.

    Streamlit turns on a v1 multipage mode for any app with a ``pages/`` folder until the first
    script run calls ``st.navigation``; a deep link as the first request after a start would run
    the page file without app.py. Switching the flag off first sends every run through the frame.
    In production (``COCKPIT_ENV=production``) a server without a usable sign-in does not start.
    """
    problem = production_problem(argv, os.environ)
    if problem:
        print(f"serve: {problem}", file=sys.stderr)
        raise SystemExit(2)
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *argv]
    cli.main()
