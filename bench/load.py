"""Many users: N concurrent real-browser sessions against the cockpit and against a floor app.

Usage:
  python bench/load.py --sessions 20 --changes 10 [--target app|floor|both] [--learners 20000]
                       [--json out.json] [--timeout 90] [--seed 1] [--database-url URL]

What it does (docs/PERFORMANCE.md, "Many users"):
- seeds a temporary SQLite database (``--learners``, seed 42) for the cockpit, unless
  ``--database-url`` names one; starts the cockpit (``python -m components.cli serve``) and/or the
  floor (``python -m streamlit run bench/floor_app/app.py``, a database-free four-page app with two
  plotly charts per page) on free loopback ports, headless, with ``--secrets.files`` pointing at a
  file that does not exist (no local secrets, no sign-in: the open demo);
- launches ONE headless Debian Chromium with N browser contexts (one per simulated user), driven
  concurrently from one asyncio loop (Playwright's async API);
- every session opens a page and then makes ``--changes`` filter changes across pages: each view is a
  navigation to a URL of the README's scheme (page /, /coverage, /investment or /funnels;
  province, period, channel, lang), drawn from a random generator seeded per session, so every run
  and both targets get the same URLs;
- per view it measures the time from the start of the navigation to a settled page: Streamlit's
  script run has finished (``stApp[data-test-script-state="notRunning"]``), the websocket is
  connected, a title (h1) or an error is on the page, no spinner and no skeleton (a chart still
  waiting for its code) is left, and the DOM has not changed for 0.5 s. The time reported is that
  of the last change (the 0.5 s of quiet are not counted);
- an error is a view that is not settled within ``--timeout`` seconds (90) or that shows a
  Streamlit exception (``stException``), an error box (``stAlertContentError``, i.e. st.error; the
  cockpit's "unexpected error" and "database unavailable" messages are such boxes), "Traceback",
  or one of the cockpit's failure notices drawn as a warning ("this view took too long", the
  statement timeout; "figures are cached, the database is unreachable");
- before the measured phase each target gets one unmeasured warm-up visit of its four pages
  (imports and the first script runs of a fresh server process are not "many users");
- prints, per target: sessions, views, errors, p50, p95 and max time to a settled page, the same
  per page, where the time went (page load + websocket, script run on the server, drawing after
  the run) and the CPU used by the server, the browser and the rest of the machine; with
  ``--target both`` (floor first, then the app, the same sessions and URLs) the ratio
  p95(app) / p95(floor).

Exit code: 0 no errors, 1 any error, 2 a server did not start. Not part of the default test run
(tests/e2e/test_load_smoke.py runs a 2-session version).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import json
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: bench/ is on the path, the project is not
from components.commands.launch import AppServer  # noqa: E402

FLOOR_APP = ROOT / "bench" / "floor_app" / "app.py"

PAGES = ("", "coverage", "investment", "funnels")
PROVINCES = ("410000", "420000", "440000", "510000")
PERIODS = ("2025", "2026", "2026Q2")
CHANNELS = ("campus", "enterprise", "government", "online", "branch")
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    # Loopback only: any other host name fails at once instead of waiting for this machine's DNS
    # (the map page asks a CDN for a basemap style; the result is the same "not found", just fast).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
VIEWPORT = {"width": 1440, "height": 900}
QUIET_MS = 500

# Installed in every document before its own scripts: the time of the last DOM change and of the
# script-run state changes, recorded as they happen (a busy main thread delays polls, not these).
INIT_JS = """(() => {
  if (window.__lb) return;
  const lb = window.__lb = {last: Date.now(), mutations: 0, runStart: null, runEnd: null, busyAt: 0};
  new MutationObserver((records) => {
    const now = Date.now();
    lb.last = now;
    lb.mutations += records.length;
    for (const r of records) {
      if (r.type === 'attributes' && r.attributeName === 'data-test-script-state') {
        const v = r.target.getAttribute('data-test-script-state');
        if (v === 'running' && lb.runStart === null) lb.runStart = now;
        if (v === 'notRunning') lb.runEnd = now;
      }
    }
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})();"""

# Polled in the page every 100 ms: false while busy, else the settled record once quiet.
SETTLED_JS = """(quiet) => {
  const lb = window.__lb;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!lb || !app) return false;
  const state = app.getAttribute('data-test-script-state');
  const conn = app.getAttribute('data-test-connection-state');
  const said = !!document.querySelector(
    '[data-testid="stException"], [data-testid="stAlertContentError"], [data-testid="stAlertContentWarning"]');
  const busy = state !== 'notRunning' || conn !== 'CONNECTED'
    || !!document.querySelector('[data-testid="stSpinner"], [data-testid="stSkeleton"], [data-testid="stSkeletonElement"]')
    || !(said || document.querySelector('h1'));
  const now = Date.now();
  if (busy) { lb.busyAt = now; return false; }
  const since = Math.max(lb.last, lb.busyAt);
  if (now - since < quiet) return false;
  return {settled: since, runStart: lb.runStart, runEnd: lb.runEnd, mutations: lb.mutations};
}"""

# After settling (or on a timeout): what the page shows.
INSPECT_JS = """() => {
  const texts = (sel) => [...document.querySelectorAll(sel)].map((e) => e.innerText.trim().replace(/\\s+/g, ' ').slice(0, 240));
  const app = document.querySelector('[data-testid="stApp"]');
  const body = document.body ? document.body.innerText : '';
  return {
    exceptions: texts('[data-testid="stException"]'),
    errors: texts('[data-testid="stAlertContentError"]'),
    warnings: texts('[data-testid="stAlertContentWarning"]'),
    traceback: body.includes('Traceback'),
    state: app ? app.getAttribute('data-test-script-state') : null,
    connection: app ? app.getAttribute('data-test-connection-state') : null,
    spinners: document.querySelectorAll('[data-testid="stSpinner"]').length,
    skeletons: document.querySelectorAll('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]').length,
    h1: !!document.querySelector('h1'),
  };
}"""


def _failure_notices() -> list[str]:
    """The cockpit's own failure messages that are drawn as warnings, not error boxes: "this view
    took too long" (a query hit the statement timeout) and "figures below are cached, the database
    is unreachable". Matched by their text up to the first placeholder, in both languages."""
    sys.path.insert(0, str(ROOT))
    try:
        from components.i18n import t
    except ImportError:
        return []
    out = []
    for key in ("error.too_slow", "outage.stale", "outage.retrying"):
        for lang in ("zh", "en"):
            with contextlib.redirect_stderr(io.StringIO()):
                text = t(key, lang).split("{", 1)[0].strip()
            if text and text != key:
                out.append(text[:30])
    return out


FAILURE_NOTICES = _failure_notices()


# --- the views -------------------------------------------------------------------------------------


def _filters(rng: random.Random) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    r = rng.random()
    if r < 0.45:
        params["province"] = [rng.choice(PROVINCES)]
    elif r < 0.65:
        params["province"] = sorted(rng.sample(PROVINCES, 2))
    if rng.random() < 0.7:
        params["period"] = [rng.choice(PERIODS)]
    r = rng.random()
    if r < 0.35:
        params["channel"] = [rng.choice(CHANNELS)]
    elif r < 0.5:
        params["channel"] = sorted(rng.sample(CHANNELS, 2))
    if rng.random() < 0.4:
        params["lang"] = ["en"]
    return params


def _url(page: str, params: dict[str, list[str]]) -> str:
    query = urlencode([(k, v) for k in ("province", "period", "channel", "lang") for v in params.get(k, [])])
    return f"/{page}" + (f"?{query}" if query else "")


def plan_views(session: int, changes: int, seed: int) -> list[str]:
    """The URLs (path + query) one session visits: an opening view, then ``changes`` views that each
    change the filters (every one differs from the one before) and switch page half of the time."""
    rng = random.Random(f"load-{seed}-{session}")
    page, params = rng.choice(PAGES), _filters(rng)
    urls = [_url(page, params)]
    for _ in range(changes):
        if rng.random() < 0.5:
            page = rng.choice([p for p in PAGES if p != page])
        new = _filters(rng)
        while new == params:
            new = _filters(rng)
        params = new
        urls.append(_url(page, params))
    return urls


def page_of(url: str) -> str:
    return "/" + url.split("?", 1)[0].strip("/")


# --- servers ---------------------------------------------------------------------------------------

_SERVERS: list[Server] = []  # every server started, stopped on any exit (also on SIGTERM)


class Server(AppServer):
    """A Streamlit server in a subprocess on a free loopback port, no secrets; its log in ``workdir``
    (components/commands/launch.py starts it and waits for its health)."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], workdir: Path):
        super().__init__(workdir, env=env, name=name, cmd=tuple(cmd))
        _SERVERS.append(self)

    def log_excerpt(self, needles=("Traceback", "Error", "error", "Exception")) -> list[str]:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [ln for ln in lines if any(n in ln for n in needles)][:40]


def seed_sqlite(path: Path, learners: int) -> str:
    sys.path.insert(0, str(ROOT))
    from data_access import config
    from data_access.seed import seed_database

    url = f"sqlite:///{path}"
    engine = config.make_engine(url)
    try:
        seed_database(engine, learners=learners, seed=42, progress=False)
    finally:
        engine.dispose()
    return url


# --- CPU accounting (/proc; Linux) -------------------------------------------------------------------


def _proc_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (ppid, comm, cpu seconds) for every process we can read."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        out[int(entry)] = (int(rest[1]), comm, (int(rest[11]) + int(rest[12])) / tick)
    return out


def _machine_busy_s() -> float:
    """CPU seconds (all cores) the machine has spent not idle since boot."""
    vals = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return (sum(vals[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Samples every second: CPU seconds of the server's process tree, of the browser (Chromium
    processes below this one) and of this driver (python + Playwright's node), and of the machine."""

    def __init__(self, server_pid: int):
        self.server_pid, self.me = server_pid, os.getpid()
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.machine0 = self.machine1 = _machine_busy_s()
        self.t0 = self.t1 = time.monotonic()
        self._sample(initial=True)

    def _group(self, pid: int, table) -> str | None:
        seen = set()
        p = pid
        while p and p not in seen:
            seen.add(p)
            if p == self.server_pid:
                return "server"
            if p == self.me:
                comm = table[pid][1]
                if pid == self.me or comm.startswith("node"):
                    return "driver"
                return "browser" if "chrom" in comm.lower() else None  # e.g. the other target's idle server
            p = table.get(p, (0, "", 0.0))[0]
        return None

    def _sample(self, initial: bool = False) -> None:
        table = _proc_table()
        for pid, (_, _, cpu) in table.items():
            group = self._group(pid, table)
            if group is None:
                continue
            if pid not in self.first:
                self.first[pid] = cpu if initial else 0.0  # a process born during the run counts from 0
            self.last[pid] = (group, cpu)
        self.machine1, self.t1 = _machine_busy_s(), time.monotonic()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            self._sample()

    def result(self) -> dict:
        wall = max(self.t1 - self.t0, 1e-9)
        groups = {"server": 0.0, "browser": 0.0, "driver": 0.0}
        for pid, (group, cpu) in self.last.items():
            groups[group] += max(cpu - self.first.get(pid, 0.0), 0.0)
        machine = self.machine1 - self.machine0
        groups["other"] = max(machine - sum(groups.values()), 0.0)
        return {
            "wall_s": round(wall, 1),
            "cores": os.cpu_count(),
            "cpu_s": {k: round(v, 1) for k, v in groups.items()},
            "cores_busy": {k: round(v / wall, 2) for k, v in groups.items()},
            "machine_utilisation": round(machine / wall / (os.cpu_count() or 1), 3),
        }


def _stop_descendants(grace_s: float = 5.0) -> None:
    """SIGTERM every process below this one, SIGKILL what is left after ``grace_s``."""
    table = _proc_table()
    mine, grew = {os.getpid()}, True
    while grew:
        grew = False
        for pid, (ppid, _, _) in table.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    mine.discard(os.getpid())
    for pid in mine:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in mine):
        time.sleep(0.2)
    for pid in mine:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


# --- one view, one session ------------------------------------------------------------------------


@dataclass
class View:
    target: str
    session: int
    index: int
    url: str
    page: str
    seconds: float = 0.0
    ok: bool = True
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    connect_s: float | None = None  # navigation start -> first script run starts (HTML, JS, websocket)
    script_s: float | None = None  # first script run start -> last run finished (server side + delivery)
    draw_s: float | None = None  # last run finished -> settled (browser draws charts and maps)


async def measure_view(page, base: str, view: View, timeout_s: float) -> View:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    t0 = time.time()
    deadline = t0 + timeout_s
    try:
        await page.goto(base + view.url, wait_until="commit", timeout=timeout_s * 1000)
        remaining = max(deadline - time.time(), 0.001)
        handle = await page.wait_for_function(SETTLED_JS, arg=QUIET_MS, polling=100, timeout=remaining * 1000)
        rec = await handle.json_value()
        view.seconds = round(max(rec["settled"] / 1000 - t0, 0.0), 3)
        if rec.get("runStart"):
            view.connect_s = round(rec["runStart"] / 1000 - t0, 3)
            if rec.get("runEnd"):
                view.script_s = round((rec["runEnd"] - rec["runStart"]) / 1000, 3)
                view.draw_s = round(max(rec["settled"] - rec["runEnd"], 0) / 1000, 3)
        shown = await page.evaluate(INSPECT_JS)
        problems = [f"exception: {x}" for x in shown["exceptions"]] + [f"error box: {x}" for x in shown["errors"]]
        if shown["traceback"] and not shown["exceptions"]:
            problems.append("'Traceback' on the page")
        problems += [f"failure notice: {w}" for w in shown["warnings"] if any(m in w for m in FAILURE_NOTICES)]
        if problems:
            view.ok, view.error = False, "; ".join(problems)
        view.warnings = shown["warnings"]
    except PlaywrightTimeout:
        view.ok, view.seconds = False, round(time.time() - t0, 3)
        try:
            shown = await page.evaluate(INSPECT_JS)
            view.error = (
                f"not settled in {timeout_s:.0f} s (script {shown['state']}, connection {shown['connection']}, "
                f"spinners {shown['spinners']}, skeletons {shown['skeletons']}, title {shown['h1']})"
            )
        except PlaywrightError as exc:
            view.error = f"not settled in {timeout_s:.0f} s ({str(exc).splitlines()[0]})"
    except PlaywrightError as exc:
        view.ok, view.seconds = False, round(time.time() - t0, 3)
        view.error = f"browser error: {str(exc).splitlines()[0]}"
    return view


@dataclass
class Session:
    index: int
    urls: list[str]
    context: object = None
    page: object = None


async def open_session(browser, base: str, target: str, session: Session, timeout_s: float, delay: float) -> View:
    """A new browser context (a user with an empty cache) opening its first URL."""
    await asyncio.sleep(delay)
    session.context = await browser.new_context(viewport=VIEWPORT)
    await session.context.add_init_script(INIT_JS)  # type: ignore[attr-defined]
    session.page = await session.context.new_page()  # type: ignore[attr-defined]
    url = session.urls[0]
    view = await measure_view(session.page, base, View(target, session.index, 0, url, page_of(url)), timeout_s)
    _say_if_failed(view)
    return view


async def make_changes(base: str, target: str, session: Session, timeout_s: float) -> list[View]:
    """The session's filter changes, one view after the other (no pause between them)."""
    views = []
    for i, url in enumerate(session.urls[1:], start=1):
        if session.page.is_closed():  # type: ignore[attr-defined]
            session.page = await session.context.new_page()  # type: ignore[attr-defined]
        view = await measure_view(session.page, base, View(target, session.index, i, url, page_of(url)), timeout_s)
        views.append(view)
        _say_if_failed(view)
    return views


def _say_if_failed(view: View) -> None:
    if not view.ok:
        print(f"  [{view.target}] session {view.session} view {view.index} {view.url}: {view.error}", file=sys.stderr, flush=True)


async def warm_up(browser, base: str, timeout_s: float) -> list[View]:
    """One unmeasured visit of each page with the default filters (a fresh server's imports and first runs)."""
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(INIT_JS)
    try:
        page = await context.new_page()
        return [await measure_view(page, base, View("warm-up", -1, i, f"/{p}", page_of(p)), timeout_s) for i, p in enumerate(PAGES)]
    finally:
        await context.close()


# --- statistics ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summarise(views: list[View]) -> dict:
    secs = [v.seconds for v in views]  # failed views count with their time (a timeout as >= the limit)
    return {
        "views": len(views),
        "errors": sum(not v.ok for v in views),
        "p50_s": round(percentile(secs, 0.5), 2),
        "p95_s": round(percentile(secs, 0.95), 2),
        "max_s": round(max(secs), 2) if secs else float("nan"),
    }


def phases(views: list[View]) -> dict:
    out = {}
    for name in ("connect_s", "script_s", "draw_s"):
        xs = [getattr(v, name) for v in views if v.ok and getattr(v, name) is not None]
        out[name] = {"p50": round(percentile(xs, 0.5), 2), "p95": round(percentile(xs, 0.95), 2)} if xs else None
    return out


# --- one target ------------------------------------------------------------------------------------


async def _measured(server: Server, coro):
    """Run ``coro`` while sampling CPU; (its result, wall seconds, CPU summary)."""
    meter = CpuMeter(server.proc.pid)
    stop = asyncio.Event()
    sampler = asyncio.create_task(meter.run(stop))
    t = time.monotonic()
    try:
        result = await coro
    finally:
        stop.set()
        await sampler
    return result, time.monotonic() - t, meter.result()


async def run_target(browser, server: Server, args, plans: list[list[str]]) -> dict:
    name = server.name
    print(f"\n[{name}] {server.base}: warm-up (4 pages, unmeasured) ...", flush=True)
    t = time.monotonic()
    warm = await warm_up(browser, server.base, args.timeout)
    print(f"[{name}] warm-up {time.monotonic() - t:.1f} s" + "".join(f"; {v.url} {v.error}" for v in warm if not v.ok), flush=True)
    sessions = [Session(i, urls) for i, urls in enumerate(plans)]
    try:
        # 1. Every session opens its first page (a new context: nothing cached); all wait for the last.
        print(f"[{name}] {len(sessions)} sessions open their first page ...", flush=True)
        openings, open_wall, open_cpu = await _measured(
            server,
            asyncio.gather(
                *(open_session(browser, server.base, name, s, args.open_timeout, s.index * args.ramp / len(sessions)) for s in sessions)
            ),
        )
        # 2. Then all make their filter changes at once: the measured many-users phase.
        print(f"[{name}] {len(sessions)} sessions x {args.changes} filter changes ...", flush=True)
        results, wall, cpu = await _measured(server, asyncio.gather(*(make_changes(server.base, name, s, args.timeout) for s in sessions)))
    finally:
        for s in sessions:
            if s.context is not None:
                with contextlib.suppress(Exception):
                    await s.context.close()  # type: ignore[attr-defined]
    views = [v for session in results for v in session]
    summary = {"sessions": len(sessions), **summarise(views), "wall_s": round(wall, 1)}
    opening = {"sessions": len(sessions), **summarise(list(openings)), "wall_s": round(open_wall, 1)}
    per_page = {p: summarise([v for v in views if v.page == p]) for p in sorted({v.page for v in views})}
    warnings = sorted({w for v in [*openings, *views] for w in v.warnings})
    return {
        "summary": summary,
        "opening": opening,
        "per_page": per_page,
        "phases": phases(views),
        "cpu": cpu,
        "opening_cpu": open_cpu,
        "warm_up": [asdict(v) for v in warm],
        "warnings_seen": warnings,
        "server_log_errors": server.log_excerpt(),
        "openings": [asdict(v) for v in openings],
        "views": [asdict(v) for v in views],
    }


def _fmt(x: float) -> str:
    return f"{x:.2f}" if x == x else "—"


def print_report(results: dict[str, dict]) -> None:
    print("\n## time to a settled page (seconds, from the start of the navigation)\n")
    print(f"{'target':<7} {'phase':<8} {'sessions':>8} {'views':>6} {'errors':>6} {'p50':>7} {'p95':>7} {'max':>7} {'wall':>7}")
    for name, r in results.items():
        for phase, s in (("changes", r["summary"]), ("opening", r["opening"])):
            print(
                f"{name:<7} {phase:<8} {s['sessions']:>8} {s['views']:>6} {s['errors']:>6} {_fmt(s['p50_s']):>7} "
                f"{_fmt(s['p95_s']):>7} {_fmt(s['max_s']):>7} {s['wall_s']:>7.1f}"
            )
    if "app" in results and "floor" in results:
        ratio = results["app"]["summary"]["p95_s"] / results["floor"]["summary"]["p95_s"]
        print(f"\np95 of the filter changes, app / floor = {ratio:.2f}  (goal: <= 1.5, and 0 errors)")
    print("\nfilter changes per page: p50 / p95 (errors)")
    for name, r in results.items():
        cells = [f"{p} {_fmt(s['p50_s'])} / {_fmt(s['p95_s'])} ({s['errors']})" for p, s in r["per_page"].items()]
        print(f"  {name:<6} " + "   ".join(cells))
    print(
        "\nwhere the time of a filter change went (p50 / p95 of settled views): page load + websocket | script run | drawing after the run"
    )
    for name, r in results.items():
        ph = r["phases"]
        cells = [f"{_fmt(ph[k]['p50'])} / {_fmt(ph[k]['p95'])}" if ph[k] else "—" for k in ("connect_s", "script_s", "draw_s")]
        print(f"  {name:<6} " + " | ".join(cells))
    print(f"\nCPU (cores busy, of {os.cpu_count()}): server | browser | driver | other")
    for name, r in results.items():
        for phase, cpu in (("changes", r["cpu"]), ("opening", r["opening_cpu"])):
            c = cpu["cores_busy"]
            print(
                f"  {name:<6} {phase:<8} {c['server']:.2f} | {c['browser']:.2f} | {c['driver']:.2f} | {c['other']:.2f}"
                f"   (machine {cpu['machine_utilisation'] * 100:.0f} % busy over {cpu['wall_s']} s)"
            )
    for name, r in results.items():
        other = max(r["cpu"]["cores_busy"]["other"], r["opening_cpu"]["cores_busy"]["other"])
        if other > 0.25:
            print(
                f"\nWARNING [{name}]: other processes kept up to {other:.2f} of {os.cpu_count()} cores busy during the run: "
                "the figures are disturbed; run again on a quiet machine."
            )
    for name, r in results.items():
        if r["warnings_seen"]:
            print(f"\n[{name}] warnings shown: " + " | ".join(r["warnings_seen"][:5]))
        if r["server_log_errors"]:
            print(f"\n[{name}] server log lines with errors:\n  " + "\n  ".join(r["server_log_errors"][:10]))


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next(
            (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")), ""
        )
    mem = ""
    with contextlib.suppress(OSError, StopIteration):
        kb = int(next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


# --- main ------------------------------------------------------------------------------------------


async def amain(args) -> int:
    from playwright.async_api import async_playwright

    targets = ["floor", "app"] if args.target == "both" else [args.target]
    plans = [plan_views(i, args.changes, args.seed) for i in range(args.sessions)]
    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="cockpit-load-") as tmp:
        workdir = Path(tmp)
        servers: dict[str, Server] = {}
        try:
            db_url = args.database_url
            if "app" in targets and not db_url:
                t = time.monotonic()
                db_url = seed_sqlite(workdir / "cockpit.db", args.learners)
                print(f"seeded {args.learners:,} learners into a temporary SQLite database in {time.monotonic() - t:.1f} s")
            # Both servers start before anything is measured (an idle server costs nothing).
            if "floor" in targets:
                servers["floor"] = Server("floor", [sys.executable, "-m", "streamlit", "run", str(FLOOR_APP)], {}, workdir)
            if "app" in targets:
                servers["app"] = Server("app", [sys.executable, "-m", "components.cli", "serve"], {"DATABASE_URL": db_url}, workdir)
            for s in servers.values():
                s.wait_healthy()
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            for s in servers.values():
                s.stop()
            return 2
        results: dict[str, dict] = {}
        started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
                try:
                    for name in targets:
                        results[name] = await run_target(browser, servers[name], args, plans)
                        servers[name].stop()
                finally:
                    await browser.close()
        finally:
            for s in servers.values():
                s.stop()
    print_report(results)
    errors = sum(r["summary"]["errors"] + r["opening"]["errors"] for r in results.values())
    if args.json:
        ratio = (
            results["app"]["summary"]["p95_s"] / results["floor"]["summary"]["p95_s"] if "app" in results and "floor" in results else None
        )
        out = {
            "started": started,
            "command": " ".join(["python", "bench/load.py", *sys.argv[1:]]),
            "machine": {**machine(), "load_average_at_start": load_before},
            "sessions": args.sessions,
            "changes": args.changes,
            "views_per_session": args.changes + 1,
            "learners": None if args.database_url else args.learners,
            "timeout_s": args.timeout,
            "errors": errors,
            "ratio_p95_app_floor": round(ratio, 3) if ratio else None,
            "targets": results,
        }
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 1 if errors else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (default 20)")
    ap.add_argument("--changes", type=int, default=10, help="filter changes per session after the first view (default 10)")
    ap.add_argument("--target", choices=("app", "floor", "both"), default="both")
    ap.add_argument("--learners", type=int, default=20_000, help="learners seeded into the app's temporary database")
    ap.add_argument("--database-url", default=None, help="use this database instead of seeding one")
    ap.add_argument("--json", default=None, help="write every view and the summaries to this file")
    ap.add_argument("--timeout", type=float, default=90.0, help="seconds before a view counts as an error (default 90)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the view sequences (default 1)")
    ap.add_argument(
        "--open-timeout",
        type=float,
        default=180.0,
        help="seconds before a session's first page (a cold browser context) counts as an error (default 180)",
    )
    ap.add_argument("--ramp", type=float, default=0.0, help="spread the first pages over this many seconds (default 0: all at once)")
    ap.add_argument("--chromium", default=None, help="browser binary (default: chromium on PATH)")
    args = ap.parse_args()
    if args.sessions < 1 or args.changes < 0:
        ap.error("--sessions must be >= 1 and --changes >= 0")

    def on_signal(signum, _frame):
        _stop_descendants()  # the servers, Playwright's driver and Chromium: nothing outlives this run
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        return asyncio.run(amain(args))
    finally:
        for server in _SERVERS:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
