"""Server capacity: N concurrent sessions speaking Streamlit's websocket protocol, no browser.

Usage:
  python bench/ws_load.py --sessions 50 100 [--changes 10] [--url http://127.0.0.1:8500]
                          [--learners 20000] [--database-url URL] [--think 0] [--timeout 90]
                          [--seed 1] [--only /coverage ...] [--json out.json]

Why: 20 real browsers on 2 cores measure the browsers (bench/load.py: the Chromium renderers used
1.4–1.7 of the 2 cores). This client costs little CPU, so what it measures is the server: how long
a page's script takes to run and send its elements when N people click at once, how many fail,
and the server CPU per view, from which sessions per core follows.

What it does (docs/PERFORMANCE.md, "Server capacity"):
- without ``--url`` it seeds a temporary SQLite database (``--learners``, seed 42; or uses
  ``--database-url``) and starts ``python -m components.cli serve`` on a free loopback port, the
  project's .streamlit/config.toml applying (as ``make run``); with ``--url`` (e.g. the nginx of
  ``make cluster``, two replicas) it drives that server;
- each of N sessions walks the same views as bench/load.py (``plan_views``: an opening view, then
  ``--changes`` filter changes across the four pages, the README's URL scheme; the same seed gives
  the same URLs). A view is what a browser does when it opens a URL: a new websocket to
  ``/_stcore/stream`` (the maintained ``websockets`` library; permessage-deflate offered, as
  browsers do) and one ``rerun_script`` BackMsg (protobuf, Streamlit's own classes) with the page
  and the query string, then reading ForwardMsgs until ``script_finished`` (a rerun the app asks
  for itself is waited through). Each session starts at a random moment within one think time and
  reads each page for a random 0.5–1.5 × ``--think`` seconds (seeded): people do not click in step;
- per view: seconds from sending to the end of the script's messages; bytes of the messages
  (uncompressed) and bytes on the wire (counted by a loopback proxy in front of the server);
  an error is a view that does not finish within ``--timeout`` (90 s), a lost connection, a
  Streamlit exception element, an ``st.error`` box, or one of the cockpit's failure notices
  (statement timeout, database unreachable) drawn as a warning;
- CPU: of the server process tree when this script started it, else of the whole machine minus
  this driver; sessions per core = views per server-CPU-second × think time per view, i.e. how many
  people clicking once per ``--assume-think`` seconds (default 30) one core serves.

Exit code: 0 no errors, 1 any error, 2 the server did not start. Not part of the test suite
(tests/e2e/test_ws_load_smoke.py runs two sessions of it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import FAILURE_NOTICES, CpuMeter, Server, _machine_busy_s, machine, page_of, percentile, plan_views, seed_sqlite  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FINISHED_EARLY_FOR_RERUN = 2
COMPILE_ERROR = 1
ERROR_ALERT = 1  # Alert.Format.ERROR
WARNING_ALERT = 2


@dataclass
class WsView:
    session: int
    index: int
    url: str
    page: str
    ok: bool = False
    seconds: float = 0.0
    bytes: int = 0
    messages: int = 0
    error: str = ""


# --- a loopback proxy that counts the bytes on the wire -------------------------------------------


class WireCounter:
    """A TCP proxy on a free loopback port in front of ``host:port``: what the server sends, as sent
    (compressed when the websocket negotiated permessage-deflate), counted per connection."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.down = 0  # server → client, all connections
        self.server: asyncio.base_events.Server | None = None
        self.listen_port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.listen_port = self.server.sockets[0].getsockname()[1]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, down: bool) -> None:
        try:
            while chunk := await reader.read(65536):
                if down:
                    self.down += len(chunk)
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(self.host, self.port)
        await asyncio.gather(self._pipe(client_r, server_w, False), self._pipe(server_r, client_w, True))

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)


# --- one view ----------------------------------------------------------------------------------------


def _rerun_message(url: str, base: str) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    path, _, query = url.partition("?")
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query
    state.page_name = path.strip("/")  # "" = the default page (Overview)
    state.context_info.timezone = "Asia/Shanghai"
    state.context_info.locale = "zh-CN"
    state.context_info.url = base + url
    return msg.SerializeToString()


def _problem(raw: bytes) -> tuple[bool, str]:
    """(script finished for good, error text or "") for one ForwardMsg."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    fm = ForwardMsg()
    fm.ParseFromString(raw)
    kind = fm.WhichOneof("type")
    if kind == "script_finished":
        if fm.script_finished == COMPILE_ERROR:
            return True, "script did not compile"
        return fm.script_finished != FINISHED_EARLY_FOR_RERUN, ""
    if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
        element = fm.delta.new_element
        which = element.WhichOneof("type")
        if which == "exception":
            return False, f"exception: {element.exception.message[:120]}"
        if which == "alert" and element.alert.format == ERROR_ALERT:
            return False, f"error box: {element.alert.body[:120]}"
        if which == "alert" and element.alert.format == WARNING_ALERT and any(n in element.alert.body for n in FAILURE_NOTICES):
            return False, f"failure notice: {element.alert.body[:120]}"
    return False, ""


async def run_view(ws_base: str, http_base: str, view: WsView, timeout_s: float) -> WsView:
    import websockets

    t0 = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s):
            async with websockets.connect(ws_base + "/_stcore/stream", max_size=None, open_timeout=timeout_s) as ws:
                await ws.send(_rerun_message(view.url, http_base))
                while True:
                    raw = await ws.recv()
                    assert isinstance(raw, bytes)
                    view.bytes += len(raw)
                    view.messages += 1
                    done, error = _problem(raw)
                    if error and not view.error:
                        view.error = error
                    if done:
                        break
        view.ok = not view.error
    except TimeoutError:
        view.error = f"not finished within {timeout_s:.0f} s"
    except Exception as exc:  # noqa: BLE001 - a refused or lost connection is this view's error
        view.error = f"{type(exc).__name__}: {str(exc)[:120]}"
    view.seconds = time.perf_counter() - t0
    return view


async def run_session(i: int, urls: list[str], ws_base: str, http_base: str, args) -> list[WsView]:
    """One person: arrives at a random moment within the first think time (or ``i × --ramp`` without
    one), then reads each page for a random 0.5–1.5 × ``--think`` seconds before the next. Fixed
    pauses would march every session in step: a wave of N views at once, then an idle server."""
    rng = random.Random(f"ws-{args.seed}-{i}")
    await asyncio.sleep(rng.uniform(0, args.think) if args.think else i * args.ramp)
    out = []
    for n, url in enumerate(urls):
        out.append(await run_view(ws_base, http_base, WsView(i, n, url, page_of(url)), args.timeout))
        if args.think and n + 1 < len(urls):
            await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
    return out


# --- reporting ---------------------------------------------------------------------------------------


def summary(views: list[WsView]) -> dict:
    secs = [v.seconds for v in views]
    return {
        "views": len(views),
        "errors": sum(not v.ok for v in views),
        "p50_s": round(percentile(secs, 0.5), 3),
        "p95_s": round(percentile(secs, 0.95), 3),
        "max_s": round(max(secs), 3) if secs else float("nan"),
        "kb_per_view": round(sum(v.bytes for v in views) / max(len(views), 1) / 1024, 1),
    }


async def run_level(sessions: int, args, ws_base: str, http_base: str, server: Server | None) -> dict:
    plans = [list(args.only) if args.only else plan_views(i, args.changes, args.seed) for i in range(sessions)]
    meter = CpuMeter(server.proc.pid) if server is not None else None
    machine0, me0, t0 = _machine_busy_s(), time.process_time(), time.monotonic()
    stop = asyncio.Event()
    sampler = asyncio.create_task(meter.run(stop)) if meter else None
    results = await asyncio.gather(*(run_session(i, plans[i], ws_base, http_base, args) for i in range(sessions)))
    stop.set()
    if sampler:
        await sampler
    wall = time.monotonic() - t0
    views = [v for session in results for v in session]
    if meter is not None:
        server_cpu = meter.result()["cpu_s"]["server"]
        cpu_source = "server process tree"
    else:
        server_cpu = max(_machine_busy_s() - machine0 - (time.process_time() - me0), 0.0)
        cpu_source = "machine minus this driver"
    per_view = server_cpu / max(len(views), 1)
    by_page = {}
    for page in sorted({v.page for v in views}):
        by_page[page] = summary([v for v in views if v.page == page])
    return {
        "sessions": sessions,
        "wall_s": round(wall, 1),
        "summary": summary(views),
        "by_page": by_page,
        "server_cpu_s": round(server_cpu, 1),
        "cpu_source": cpu_source,
        "server_cores_busy": round(server_cpu / wall, 2),
        "driver_cpu_s": round(time.process_time() - me0, 1),
        "server_cpu_ms_per_view": round(per_view * 1000, 1),
        "views_per_s": round(len(views) / wall, 2),
        # one person clicking once every --assume-think seconds costs per_view / think of a core
        "sessions_per_core": round(args.assume_think / per_view, 1) if per_view else None,
        "first_errors": [f"{v.url}: {v.error}" for v in views if not v.ok][:10],
        "views_detail": [asdict(v) for v in views] if args.json else [],
    }


def print_level(r: dict, wire_kb: float | None) -> None:
    s = r["summary"]
    print(
        f"\n{r['sessions']} sessions, {s['views']} views in {r['wall_s']} s: errors {s['errors']}, "
        f"script time p50 {s['p50_s']:.2f} s, p95 {s['p95_s']:.2f} s, max {s['max_s']:.2f} s; "
        f"{s['kb_per_view']} KB a view" + (f" ({wire_kb:.1f} KB on the wire)" if wire_kb is not None else "")
    )
    print(
        f"server CPU {r['server_cpu_s']} s ({r['cpu_source']}), {r['server_cores_busy']} cores busy, "
        f"{r['server_cpu_ms_per_view']} ms a view; {r['views_per_s']} views/s; "
        f"sessions per core at one view per {ARGS.assume_think:.0f} s: {r['sessions_per_core']}; driver CPU {r['driver_cpu_s']} s"
    )
    print("| page | views | errors | p50 (s) | p95 (s) | KB a view |")
    print("|---|--:|--:|--:|--:|--:|")
    for page, p in r["by_page"].items():
        print(f"| {page} | {p['views']} | {p['errors']} | {p['p50_s']:.2f} | {p['p95_s']:.2f} | {p['kb_per_view']} |")
    for line in r["first_errors"]:
        print("  error:", line)


ARGS: argparse.Namespace


async def amain(args) -> int:
    server: Server | None = None
    with tempfile.TemporaryDirectory(prefix="cockpit-wsload-") as tmp:
        try:
            if args.url:
                http_base = args.url.rstrip("/")
            else:
                db_url = args.database_url
                if not db_url:
                    t = time.monotonic()
                    db_url = seed_sqlite(Path(tmp) / "cockpit.db", args.learners)
                    print(f"seeded {args.learners:,} learners into a temporary SQLite database in {time.monotonic() - t:.1f} s")
                server = Server("app", [sys.executable, "-m", "components.cli", "serve"], {"DATABASE_URL": db_url}, Path(tmp))
                server.wait_healthy()
                http_base = server.base.rstrip("/")
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            if server:
                server.stop()
            return 2
        target = urlsplit(http_base)
        wire = WireCounter(target.hostname or "127.0.0.1", target.port or 80)
        await wire.start()
        ws_base = f"ws://127.0.0.1:{wire.listen_port}"
        out = {"machine": machine(), "command": " ".join(["python", "bench/ws_load.py", *sys.argv[1:]]), "levels": []}
        errors = 0
        try:
            # One unmeasured walk of the four pages: imports and first runs are not "many users".
            for page in ("", "coverage", "investment", "funnels"):
                await run_view(ws_base, http_base, WsView(-1, 0, f"/{page}", f"/{page}"), args.timeout)
            for n in args.sessions:
                before = wire.down
                level = await run_level(n, args, ws_base, http_base, server)
                wire_kb = (wire.down - before) / max(level["summary"]["views"], 1) / 1024
                level["wire_kb_per_view"] = round(wire_kb, 1)
                print_level(level, wire_kb)
                errors += level["summary"]["errors"]
                out["levels"].append(level)
        finally:
            await wire.stop()
            if server is not None:
                server.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 1 if errors else 0


def main() -> int:
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, nargs="+", default=[50, 100], help="concurrent sessions, one run per number (default 50 100)")
    ap.add_argument("--changes", type=int, default=10, help="filter changes per session after the first view (default 10)")
    ap.add_argument("--url", default=None, help="drive this server (e.g. http://127.0.0.1:8500, make cluster) instead of starting one")
    ap.add_argument("--learners", type=int, default=20_000, help="learners seeded into the started server's temporary database")
    ap.add_argument("--database-url", default=None, help="start the server on this database instead of seeding one")
    ap.add_argument("--think", type=float, default=0.0, help="seconds between a session's views (default 0: as fast as answered)")
    ap.add_argument("--ramp", type=float, default=0.05, help="without --think: seconds between session starts (default 0.05)")
    ap.add_argument("--assume-think", type=float, default=30.0, help="for sessions per core: one view per this many seconds (30)")
    ap.add_argument("--timeout", type=float, default=90.0, help="seconds before a view counts as failed (90)")
    ap.add_argument("--seed", type=int, default=1, help="the walk's seed (bench/load.py's plan_views)")
    ap.add_argument(
        "--only", nargs="+", default=None, metavar="URL", help="every session visits these (e.g. /coverage) instead of the walk"
    )
    ap.add_argument("--json", default=None, help="write every view and the summaries to this file")
    ARGS = ap.parse_args()
    if os.environ.get("CI"):
        print("note: CI=true; this is a benchmark, its numbers belong to a quiet machine", file=sys.stderr)
    return asyncio.run(amain(ARGS))


if __name__ == "__main__":
    sys.exit(main())
