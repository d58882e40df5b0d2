"""``serve``: Streamlit on app.py."""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def serve(argv: list[str]) -> None:
    """Start Streamlit on app.py with its legacy pages/ mode off.

    Streamlit turns on a v1 multipage mode for any app with a ``pages/`` folder until the first
    script run calls ``st.navigation``; a deep link as the first request after a start would run
    the page file without app.py. Switching the flag off first sends every run through the frame.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *argv]
    cli.main()
