"""Static images of plotly figures (PNG, SVG, PDF) through kaleido and a local Chromium.

Every export is drawn by a headless Chromium. Starting one costs about 2 s, so a caller that
exports several figures wraps them in ``with image_session():`` and they all share one browser;
a lone ``figure_to_bytes`` call outside a session starts and stops its own.

We drive ``kaleido.Kaleido`` from our own event-loop thread instead of using
``kaleido.start_sync_server()``: when Chromium fails to start, kaleido's sync server thread dies
while the server still reports itself as running, and the next export blocks forever (kaleido
1.5.0). Here a failed start raises ``ExportUnavailable`` and every wait has a timeout.

Not supported: geo and tile-map traces (``scattergeo``, ``choropleth``, ``scattermap``...).
plotly.js fetches their topojson/tiles from the network even for a static image, which hangs or
fails offline. Static maps are drawn as filled scatter shapes instead; a figure with such a trace
raises ``ExportError`` here rather than hanging.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any, Literal

import kaleido
import plotly.graph_objects as go

_log = logging.getLogger(__name__)

ImageFormat = Literal["png", "svg", "pdf"]

# Slide resolution: 1280x720 logical pixels; PNGs at scale 2 (2560x1440) stay sharp on a projector.
SLIDE_WIDTH = 1280
SLIDE_HEIGHT = 720
PNG_SCALE = 2

# Noto ships with fonts-noto-cjk on Linux; YaHei and PingFang are what Windows and macOS
# viewers of an SVG have. The generic family comes last so something always renders.
CJK_FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
_CJK_FONT_MARKERS = ("cjk", "noto sans sc", "yahei", "pingfang", "simhei", "simsun", "hei", "song")

INSTALL_HINT = (
    "Static export needs Chromium: on Debian/Ubuntu run "
    "`apt-get install chromium fonts-noto-cjk`, or set BROWSER_PATH to a Chrome/Chromium executable."
)

# Where to look for a browser when BROWSER_PATH is unset or wrong (module-level so a test can
# empty them to simulate a machine without one).
BROWSER_PATHS: tuple[str, ...] = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
)
BROWSER_NAMES: tuple[str, ...] = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)

# Trace types whose rendering needs plotly's topojson CDN or a tile server.
NETWORK_TRACE_TYPES = frozenset(
    {
        "scattergeo",
        "choropleth",
        "scattermap",
        "choroplethmap",
        "densitymap",
        "scattermapbox",
        "choroplethmapbox",
        "densitymapbox",
    }
)

_START_TIMEOUT_S = 60.0
_RENDER_TIMEOUT_S = 60.0
_CLOSE_TIMEOUT_S = 20.0


class ExportError(RuntimeError):
    """A figure could not be turned into a static image (the message is user-facing)."""


class ExportUnavailable(ExportError):
    """Static export cannot run on this machine; the message says what to install."""

    def __init__(self, message: str = INSTALL_HINT, *, detail: str = "") -> None:
        super().__init__(message)
        # What the browser layer said, for logs; never shown instead of the hint.
        self.detail = detail


def find_chromium() -> str | None:
    """Return the path of a Chrome/Chromium executable, or None when there is none."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        if _is_executable(configured):
            return configured
        _log.warning("BROWSER_PATH=%r is not an executable file; looking elsewhere", configured)
    for path in BROWSER_PATHS:
        if _is_executable(path):
            return path
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


class _Renderer:
    """One Chromium, driven by kaleido from a private event-loop thread.

    Callers in any thread submit coroutines to that loop and wait with a timeout, so a
    browser that dies or hangs surfaces as an exception instead of a blocked Streamlit script.
    """

    def __init__(self, browser_path: str) -> None:
        self.browser_path = browser_path
        self._kaleido: kaleido.Kaleido | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="export-kaleido", daemon=True)
        self._thread.start()

    def _run(self, coro: Any, timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def open(self) -> None:
        """Start Chromium; raise ExportUnavailable (never a kaleido error) if it won't start."""

        async def _open() -> kaleido.Kaleido:
            # mathjax=False: the default page loads MathJax from a CDN, which stalls offline.
            browser = kaleido.Kaleido(path=self.browser_path, n=EXPORT_TABS, timeout=_RENDER_TIMEOUT_S, mathjax=False)
            try:
                await browser.open()
            except BaseException:
                with contextlib.suppress(Exception):
                    await browser.close()
                raise
            return browser

        try:
            self._kaleido = self._run(_open(), _START_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - any start failure means "no usable browser"
            _log.warning("Chromium at %s did not start: %r", self.browser_path, exc)
            self._stop_loop()
            raise ExportUnavailable(detail=f"{type(exc).__name__}: {exc}") from None

    def alive(self) -> bool:
        """Whether the browser process is still running."""
        proc = getattr(self._kaleido, "subprocess", None) if self._kaleido is not None else None
        if proc is None:
            return self._kaleido is not None
        poll = getattr(proc, "poll", None) or getattr(proc, "returncode", None)
        return (poll() if callable(poll) else poll) is None

    def render(self, fig: go.Figure, opts: dict[str, Any]) -> bytes:
        """Return the image bytes of one figure."""
        assert self._kaleido is not None
        try:
            return self._run(self._kaleido.calc_fig(fig, opts=opts), _RENDER_TIMEOUT_S + 5)
        except TimeoutError:
            raise ExportError(f"Rendering the chart took longer than {_RENDER_TIMEOUT_S:.0f} s and was stopped.") from None
        except Exception as exc:  # noqa: BLE001 - translate kaleido/choreographer errors
            _log.warning("kaleido failed to render a figure: %r", exc)
            raise ExportError(
                f"The chart could not be rendered as {opts['format'].upper()} ({type(exc).__name__}: {str(exc)[:200]})."
            ) from None

    def close(self) -> None:
        """Stop Chromium and the loop thread; never raises."""
        if self._kaleido is not None:
            try:
                self._run(self._kaleido.close(), _CLOSE_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001 - closing is best effort
                _log.warning("Chromium did not close cleanly: %r", exc)
            self._kaleido = None
        self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(_CLOSE_TIMEOUT_S)
        if not self._thread.is_alive():
            self._loop.close()


# One renderer per process, shared by every session of the server. It starts on the first export
# and stays warm (a Chromium start costs 2-3 s) until it has been idle for EXPORT_IDLE_S; a
# renderer whose browser died is replaced on the next export. Streamlit runs each user's script
# in its own thread: the state lock makes start/stop atomic, the reference count keeps the
# browser alive while any thread is inside a session, and kaleido hands each figure to the next
# free tab of EXPORT_TABS, so concurrent exports from several users wait only for a free tab.
EXPORT_IDLE_S = float(os.environ.get("COCKPIT_EXPORT_IDLE_S", "300"))
EXPORT_TABS = max(1, int(os.environ.get("COCKPIT_EXPORT_TABS", "2")))
_state_lock = threading.Lock()
_renderer: _Renderer | None = None
_users = 0
_idle_timer: threading.Timer | None = None


@contextlib.contextmanager
def image_session() -> Iterator[None]:
    """Keep one Chromium running for every export inside the block (and warm after it).

    Nested and concurrent sessions share the same browser. Raises ExportUnavailable on entry
    when no browser can be started.
    """
    _acquire()
    try:
        yield
    finally:
        _release()


def _acquire() -> _Renderer:
    global _renderer, _users, _idle_timer
    with _state_lock:
        if _idle_timer is not None:
            _idle_timer.cancel()
            _idle_timer = None
        path = find_chromium()
        if _renderer is not None and (path != _renderer.browser_path or not _renderer.alive()):
            if _users == 0:  # another browser was configured, or this one died: start afresh
                stale, _renderer = _renderer, None
                stale.close()
        if _renderer is None:
            if path is None:
                raise ExportUnavailable(detail="no Chrome/Chromium executable found")
            renderer = _Renderer(path)
            renderer.open()
            _renderer = renderer
        _users += 1
        return _renderer


@atexit.register
def _close_at_exit() -> None:
    """Stop the warm browser, so no Chromium outlives the process."""
    global _renderer
    with _state_lock:
        renderer, _renderer = _renderer, None
    if renderer is not None:
        renderer.close()


def _close_if_idle() -> None:
    global _renderer, _idle_timer
    with _state_lock:
        _idle_timer = None
        if _users or _renderer is None:
            return
        renderer, _renderer = _renderer, None
    renderer.close()
    _log.info("export browser closed after %.0f s idle", EXPORT_IDLE_S)


def _release() -> None:
    global _users, _idle_timer
    with _state_lock:
        _users -= 1
        if _users == 0 and _renderer is not None:
            _idle_timer = threading.Timer(EXPORT_IDLE_S, _close_if_idle)
            _idle_timer.daemon = True
            _idle_timer.start()


def _restart_dead(renderer: _Renderer) -> _Renderer | None:
    """Replace a renderer whose browser died mid-export (users of it are inside their session)."""
    global _renderer
    with _state_lock:
        if _renderer is not renderer:
            return _renderer  # another thread replaced it already
        try:
            fresh = _Renderer(renderer.browser_path)
            fresh.open()
        except ExportUnavailable:
            return None
        _renderer = fresh
    renderer.close()
    return fresh


def figure_to_bytes(
    fig: go.Figure | dict,
    fmt: ImageFormat = "png",
    *,
    width: int = SLIDE_WIDTH,
    height: int = SLIDE_HEIGHT,
    scale: float | None = None,
) -> bytes:
    """Render a figure as PNG, SVG or PDF bytes at width x height logical pixels.

    ``scale`` defaults to 2 for PNG (2560x1440 at slide size) and 1 for the vector formats.
    The caller's figure is not modified. Works inside or outside ``image_session()``.
    """
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"fmt must be 'png', 'svg' or 'pdf', not {fmt!r}")
    if scale is None:
        scale = PNG_SCALE if fmt == "png" else 1
    prepared = prepare_figure(fig)
    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
    with image_session():
        renderer = _renderer
        assert renderer is not None  # held alive by the session we are in
        try:
            return renderer.render(prepared, opts)
        except ExportError:
            if renderer.alive():
                raise
            _log.warning("export browser died; starting a new one")
            fresh = _restart_dead(renderer)
            if fresh is None:
                raise
            return fresh.render(prepared, opts)


def prepare_figure(fig: go.Figure | dict) -> go.Figure:
    """Return an export-ready copy: CJK-capable font family, no network-bound traces."""
    prepared = go.Figure(fig)  # a deep copy; the figure on screen stays as it was
    offline_only = sorted({t.type for t in prepared.data if t.type in NETWORK_TRACE_TYPES})
    if offline_only:
        raise ExportError(
            f"Charts with {', '.join(offline_only)} traces cannot be exported as images: "
            "they load map data from the internet. Draw static maps with filled scatter shapes."
        )
    family = prepared.layout.font.family
    if family is None and prepared.layout.template is not None:
        family = prepared.layout.template.layout.font.family
    if not family:
        prepared.update_layout(font_family=CJK_FONT_FAMILY)
    elif not any(marker in family.lower() for marker in _CJK_FONT_MARKERS):
        # keep the chosen Latin face, add the CJK stack for the glyphs it lacks
        prepared.update_layout(font_family=f"{family}, {CJK_FONT_FAMILY}")
    return prepared
