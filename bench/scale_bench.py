"""Each page's data at scale, side by side with the floor and the naive pattern (``make bench``).

Not part of the tests (tests/data_access/test_scale_bench.py runs it at a tiny size as a smoke
test). For each database — SQLite at 100 k, 1 M and 10 M funnel events, PostgreSQL at 1 M and
10 M by default — and each page (its registered sections plus the queries of the app's frame),
national and one province (Hubei) over the latest year, and national as the app showed it on the
17th of the data's last month (periods and comparisons then cut months that hold later rows, so
those parts are read from the raw tables) — and, on a second database of the same size whose data
stops on the 16th of its last month (the normal state on any day but a month's end), national cold:

1. **cold**: the page's data through a fresh Reader (no cache), median of three runs;
2. **bare SQL**: the very statements step 1 sent, run again on the driver's cursor (the floor);
3. **naive**: the page's main aggregates the way a Streamlit user would write them — read the fact
   table into pandas, group there — national only; time, and peak RSS of a fresh process;
4. **warm**: a filter change back to a view already read, through the app's cache (``cache.db``,
   the same ``st.cache_data``): data only, and data + takeaways + figures;
5. the **server's** peak RSS (VmHWM) after a real server has served every page once in Debian's
   Chromium at 1,440 px; the same walk times navigation → settled page, cold and warm, counts DOM
   elements and the bytes the websocket delivered.

Usage:
  python bench/scale_bench.py                       # the full run (about an hour; seeds missing databases)
  python bench/scale_bench.py --sqlite 100000 --postgresql --no-browser
  python bench/scale_bench.py --write-docs          # also rewrite the table in docs/PERFORMANCE.md
Databases are kept between runs: SQLite files under bench/.data/, PostgreSQL databases
``cockpit_scale_<events>`` on --postgres-server. A database whose seed parameters differ is reseeded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pandas as pd  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import streamlit.logger  # noqa: E402

streamlit.logger.set_log_level("error")  # the app's cache outside a server: no "bare mode" warnings

from data_access import config, migrate, queries, reader, schema  # noqa: E402

DATA = ROOT / "bench" / ".data"
EVENTS_PER_LEARNER = 2.22
PAGES = ("overview", "coverage", "investment", "funnels")
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
DOC = ROOT / "docs" / "PERFORMANCE.md"
MID_MONTH = dt.date(2026, 10, 16)  # the seed's last month, loaded to the 16th
BEGIN, END = "<!-- scale-bench:begin -->", "<!-- scale-bench:end -->"


# --- Databases ---------------------------------------------------------------------------------


def learners_for(events: int) -> int:
    return max(int(events / EVENTS_PER_LEARNER), 50)


def _seeded_as(engine: sa.Engine) -> dict[str, str]:
    try:
        with engine.connect() as conn:
            info = dict(conn.execute(sa.select(schema.dataset_info.c.key, schema.dataset_info.c.value)).all())
            state = dict(conn.execute(sa.select(schema.summary_state.c.key, schema.summary_state.c.value)).all())
        return {**info, **{f"summary_{k}": v for k, v in state.items()}}
    except sa.exc.SQLAlchemyError:
        return {}


def database(
    dialect: str, events: int, seed: int, pg_server: str, data_dir: Path = DATA, until: dt.date | None = None
) -> tuple[str, float | None]:
    """The URL of a database with ``events`` funnel events (seeded now if missing) and the seed's
    wall time when it was seeded by this call. ``until``: data loaded only to that day (the
    mid-month databases, named ``…-mid``); default: the seed's (a month's end)."""
    from data_access.seed import seed_database
    from data_access.seed.business import DEFAULT_UNTIL

    until = until or DEFAULT_UNTIL
    suffix = "" if until == DEFAULT_UNTIL else "-mid"
    if dialect == "sqlite":
        data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{data_dir / f'scale-{events}{suffix}.db'}"
    else:
        name = f"cockpit_scale_{events}{suffix.replace('-', '_')}"
        admin = sa.create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name}).first():
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))  # our own constant name
        admin.dispose()
        url = f"{pg_server}/{name}"
    engine = config.bulk_engine(url)
    have = _seeded_as(engine)
    current = have and migrate.current_revision(engine) == migrate.head_revision()  # a database of older code is seeded anew
    same = have.get("learners") == str(learners_for(events)) and have.get("seed") == str(seed) and have.get("until") == until.isoformat()
    if current and same and "summary_refreshed_at" in have:
        engine.dispose()
        return url, None
    print(f"  seeding {config.describe(url)}: {learners_for(events):,} learners until {until} …", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    seed_database(engine, learners=learners_for(events), seed=seed, until=until, replace=True, progress=True)
    took = time.perf_counter() - t0
    engine.dispose()
    return url, took


# --- One page's data -----------------------------------------------------------------------------


class Shell:
    """What the app's frame works out before a page: provinces, data as of, the filters."""

    def __init__(self, conn) -> None:
        from components.context import EVERYTHING, Catalogue
        from data_access.scope import Scope

        self.catalogue = queries.get_province_catalogue(conn)
        self.everything = Scope(tuple(self.catalogue["province_code"]), *EVERYTHING)
        fresh = queries.get_data_freshness(conn, scope=self.everything)
        if queries.data_as_of(fresh) is None:
            raise SystemExit("no data: seed the database first")
        self.cat = Catalogue.of(self.catalogue, fresh)
        self.as_of: dt.date = self.cat.as_of
        self.events = int(fresh.set_index("source").loc["funnel_event", "rows"])
        self.first = self.cat.first

    def context(self, provinces: tuple[str, ...] | None, as_of: dt.date | None = None):
        """The default view (latest year) of ``provinces`` (None: national), as the app would show
        it on ``as_of`` (default: the data's date): the app's own context builder."""
        import dataclasses

        from components.context import context_from_params

        cat = dataclasses.replace(self.cat, as_of=as_of or self.as_of)
        params = {"province": list(provinces)} if provinces else {}
        ctx, _ = context_from_params(cat, params, cat.provinces)
        return ctx


def sections_of(page: str):
    from components.sections import SECTIONS

    return [s for s in SECTIONS.values() if s.page == page]


def page_data(db, ctx, page: str, frame_queries: Callable[[], None]) -> None:
    """Everything a page reads: the frame's queries, then each section's load."""
    frame_queries()
    for section in sections_of(page):
        section.load(db, ctx)
    if page == "investment":  # the project picker reads every project of every year
        db.get_investment_by_project(scope=ctx.scope.with_period(dt.date(2000, 1, 1), dt.date(2100, 1, 1)), as_of=ctx.as_of)


def page_views(db, ctx, page: str) -> None:
    for section in sections_of(page):
        section.view(db, ctx)


class Recorder:
    """The statements an engine sends while ``on``."""

    def __init__(self, engine: sa.Engine) -> None:
        self.on = False
        self.statements: list[tuple[str, object]] = []
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        if self.on:
            self.statements.append((statement, parameters))


def bare(engine: sa.Engine, statements) -> float:
    """Seconds to run ``statements`` on the driver's cursor and fetch every row."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        t0 = time.perf_counter()
        for statement, params in statements:
            cur.execute(statement, params)
            cur.fetchall()
        return time.perf_counter() - t0
    finally:
        raw.close()


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# --- The naive pattern ---------------------------------------------------------------------------


def naive(url: str, page: str, start: dt.date, end: dt.date) -> None:
    """What a Streamlit user would write: read the tables, filter and group in pandas."""
    engine = config.bulk_engine(url)
    with engine.connect() as conn:
        if page in ("overview", "funnels"):
            fe = pd.read_sql("SELECT * FROM funnel_event", conn, parse_dates=["occurred_on"])
            inside = fe[(fe["occurred_on"] >= pd.Timestamp(start)) & (fe["occurred_on"] < pd.Timestamp(end))]
            inside.groupby([inside["occurred_on"].dt.month, "stage"]).size()
            inside.groupby(["province_code", "stage"]).size()
            if page == "funnels":
                lr = pd.read_sql("SELECT * FROM learner", conn, parse_dates=["lead_on"])
                cohort = lr[(lr["lead_on"] >= pd.Timestamp(start)) & (lr["lead_on"] < pd.Timestamp(end))]
                both = cohort.merge(fe, left_on="id", right_on="learner_id", suffixes=("", "_e"))
                both.groupby(["stage", "channel"]).size()
                both.groupby(["stage", "province_code"]).size()
        elif page == "coverage":
            lr = pd.read_sql("SELECT * FROM learner", conn, parse_dates=["lead_on"])
            city = pd.read_sql("SELECT * FROM city", conn)
            partner = pd.read_sql("SELECT * FROM partner", conn)
            cohort = lr[(lr["lead_on"] >= pd.Timestamp(start)) & (lr["lead_on"] < pd.Timestamp(end))]
            cohort.groupby("city_code").size().rename("leads").reset_index().merge(city, left_on="city_code", right_on="code")
            partner.groupby("city_code").size()
        else:
            projects = pd.read_sql("SELECT * FROM project", conn)
            paid = pd.read_sql("SELECT * FROM disbursement", conn, parse_dates=["paid_on"])
            plan = pd.read_sql("SELECT * FROM budget_plan", conn)
            paid.groupby("project_id")["amount_fen"].sum()
            plan.groupby("project_id")["planned_fen"].sum()
            projects.groupby("sector")["committed_fen"].sum()


def ours(url: str, page: str) -> None:
    """The app's way, for the same page, national: the page's data through a fresh Reader."""
    engine = config.make_engine(url)
    with engine.connect() as conn:
        shell = Shell(conn)
    ctx = shell.context(None)
    db = reader.direct(engine)
    page_data(db, ctx, page, lambda: None)


def measure_in_child(kind: str, url: str, page: str, start: dt.date, end: dt.date) -> dict:
    """Run ``naive`` or ``ours`` in a fresh process: its data step's seconds and peak RSS above the
    process's RSS before the step (imports and engine done)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, url, page, start.isoformat(), end.isoformat()], capture_output=True, text=True, cwd=ROOT
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(kind: str, url: str, page: str, start: str, end: str) -> None:
    import components.sections  # noqa: F401 - imports outside the measured step

    before = _status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # Linux: reset the peak (VmHWM) to the current RSS
    t0 = time.perf_counter()
    if kind == "naive":
        naive(url, page, dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    else:
        ours(url, page)
    seconds = time.perf_counter() - t0
    peak = _status_mb("VmHWM")
    print(json.dumps({"seconds": round(seconds, 3), "peak_mb": round(max(peak - before, 0.0), 1)}))


def _status_mb(field: str, pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- The server and the browser ------------------------------------------------------------------


def server_walk(url: str) -> dict:
    """Serve the app on ``url``; in Chromium at 1,440 px open every page (national) twice.
    Returns per page: cold and warm seconds to a settled page, DOM elements, websocket bytes;
    and the server's peak RSS after the walk."""
    from _server import start_app, stop_app
    from click_bench import settle
    from load import CHROMIUM_ARGS, INIT_JS
    from playwright.sync_api import sync_playwright

    proc, base = start_app({**os.environ, "DATABASE_URL": url})
    result: dict = {"pages": {}}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.add_init_script(INIT_JS)
            page = context.new_page()
            received = [0]
            page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload))))
            for name in PAGES:
                path = "" if name == "overview" else name
                row = {}
                for run in ("cold", "warm"):
                    received[0] = 0
                    t0 = time.time()
                    page.goto(f"{base}/{path}", wait_until="commit")
                    row[f"{run}_s"] = settle(page, t0, timeout_s=300)
                    row[f"{run}_ws_kb"] = round(received[0] / 1024)
                row["elements"] = page.evaluate("() => document.querySelectorAll('*').length")
                result["pages"][name] = row
            browser.close()
        result["server_peak_mb"] = round(_status_mb("VmHWM", str(proc.pid)), 1)
    finally:
        stop_app(proc)
    return result


# --- One database --------------------------------------------------------------------------------


def cold_and_bare(engine: sa.Engine, recorder: Recorder, cold: Callable[[], None], repeat: int) -> dict:
    """``cold`` (a page's data through a fresh Reader) timed, median of ``repeat``, and the very
    statements it sent timed again on the driver's cursor. One unmeasured run first: the
    database's own caches warm, as on a server that has run for a while."""
    cold()
    recorder.statements, recorder.on = [], True
    cold()
    recorder.on = False
    statements = list(recorder.statements)
    return {
        "cold_s": median_time(cold, repeat),
        "statements": len(statements),
        "bare_s": statistics.median(bare(engine, statements) for _ in range(repeat)),
    }


def bench_page(engine: sa.Engine, recorder: Recorder, shell: Shell, ctx, other, page: str, repeat: int, url: str, national: bool) -> dict:
    from data_access import cache  # after DATABASE_URL is set: its engine is the one under test

    def cold() -> None:
        db = reader.direct(engine)

        def frame_queries() -> None:
            with engine.connect() as conn:
                queries.get_province_catalogue(conn)
                queries.get_summary_status(conn)
            db.get_data_freshness(scope=shell.everything)

        page_data(db, ctx, page, frame_queries)

    row = cold_and_bare(engine, recorder, cold, repeat)
    # Warm: both views read once through the app's cache, then back to the first.
    page_data(cache.db, ctx, page, lambda: None)
    page_data(cache.db, other, page, lambda: None)
    page_views(cache.db, ctx, page)
    row["warm_data_ms"] = median_time(lambda: page_data(cache.db, ctx, page, lambda: None), repeat) * 1000
    row["warm_page_ms"] = median_time(lambda: page_views(cache.db, ctx, page), repeat) * 1000
    if national:
        row["naive"] = measure_in_child("naive", url, page, ctx.scope.start, ctx.scope.end)
        row["ours"] = measure_in_child("ours", url, page, ctx.scope.start, ctx.scope.end)
    return row


def bench_mid_month(url: str, repeat: int) -> dict:
    """Each page national, cold and bare, on a database whose data stops mid-month (the normal
    state on any day but a month's end): the current period is answered by the summaries, the
    comparisons a year and a period earlier cut a month that holds later rows."""
    engine = config.make_engine(url)
    recorder = Recorder(engine)
    with engine.connect() as conn:
        shell = Shell(conn)
    ctx = shell.context(None)
    out: dict = {"url": config.describe(url), "events": shell.events, "as_of": shell.as_of.isoformat(), "pages": {}}
    for page in PAGES:

        def cold(page: str = page) -> None:
            page_data(reader.direct(engine), ctx, page, lambda: None)

        out["pages"][page] = cold_and_bare(engine, recorder, cold, repeat)
        print(f"    mid-month {page:<11}cold {out['pages'][page]['cold_s']:.3f} s", file=sys.stderr, flush=True)
    engine.dispose()
    return out


def bench_database(url: str, repeat: int, browser: bool) -> dict:
    os.environ["DATABASE_URL"] = url
    engine = config.make_engine(url)
    recorder = Recorder(engine)
    with engine.connect() as conn:
        shell = Shell(conn)
    out: dict = {"url": config.describe(url), "events": shell.events, "as_of": shell.as_of.isoformat(), "scopes": {}}
    # "cut": the national view as it looked on the 17th of the data's last month — the period and
    # its comparisons end inside months that hold later rows, so their cut parts are read raw.
    cut = shell.as_of.replace(day=17) if shell.as_of.day > 17 else shell.as_of
    for label, provinces, as_of in (("national", None, None), ("420000", ("420000",), None), ("cut", None, cut)):
        ctx = shell.context(provinces, as_of)
        other = shell.context(("440000",) if provinces else ("110000",), as_of)
        rows = {}
        for page in PAGES:
            row = rows[page] = bench_page(engine, recorder, shell, ctx, other, page, repeat, url, label == "national")
            print(
                f"    {label:<9}{page:<11}cold {row['cold_s']:.3f} s  bare {row['bare_s']:.3f} s  "
                f"warm {row['warm_data_ms']:.1f} / {row['warm_page_ms']:.0f} ms"
                + (
                    f"  naive {row['naive']['seconds']:.2f} s {row['naive']['peak_mb']:.0f} MB, ours {row['ours']['peak_mb']:.0f} MB"
                    if "naive" in row
                    else ""
                ),
                file=sys.stderr,
                flush=True,
            )
        out["scopes"][label] = rows
    if browser:
        out["browser"] = server_walk(url)
        print(f"    browser: {json.dumps(out['browser'])}", file=sys.stderr, flush=True)
    engine.dispose()
    return out


# --- The report ----------------------------------------------------------------------------------


def _fmt_s(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def markdown(results: list[dict], machine: str, command: str) -> str:
    lines = [
        f"Machine: {machine}. Command: `{command}`. Latest year of data, language zh; cold = median of "
        "3 runs through a fresh Reader (database caches warm), bare SQL = the same statements on the "
        "driver's cursor, naive = read the fact table into pandas and group there (national; peak RSS "
        "of a fresh process above its start), warm = back to a view already read, through the app's cache.",
        "",
    ]
    lines += [
        "| Database | Events | Page | Cold national (s) | Bare SQL (s) | Cold / bare | Cold 420000 (s) | "
        "Cold, viewed on the 17th (s) | Cold, data to mid-month (s) | Naive (s) | Naive peak (MB) | Ours peak (MB) | "
        "Warm data (ms) | Warm page (ms) |",
        "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        nat, one, cut = r["scopes"]["national"], r["scopes"]["420000"], r["scopes"]["cut"]
        for page in PAGES:
            n, o = nat[page], one[page]
            lines.append(
                f"| {r['dialect']} | {r['events']:,} | {page} | {_fmt_s(n['cold_s'])} | {_fmt_s(n['bare_s'])} | "
                f"{n['cold_s'] / n['bare_s']:.2f} | {_fmt_s(o['cold_s'])} | {_fmt_s(cut[page]['cold_s'])} | "
                f"{_fmt_s(r['mid']['pages'][page]['cold_s']) if 'mid' in r else '—'} | "
                f"{_fmt_s(n['naive']['seconds'])} | "
                f"{n['naive']['peak_mb']:.0f} | {n['ours']['peak_mb']:.0f} | {n['warm_data_ms']:.1f} | "
                f"{n['warm_page_ms']:.0f} |"
            )
    if any("browser" in r for r in results):
        lines += [
            "",
            "| Database | Events | Page | Browser cold (s) | Browser warm (s) | DOM elements | "
            "Websocket cold (KB) | Server peak RSS after the walk (MB) |",
            "|---|--:|---|--:|--:|--:|--:|--:|",
        ]
        for r in results:
            if "browser" not in r:
                continue
            for page in PAGES:
                b = r["browser"]["pages"][page]
                lines.append(
                    f"| {r['dialect']} | {r['events']:,} | {page} | {b['cold_s']:.2f} | {b['warm_s']:.2f} | "
                    f"{b['elements']:,} | {b['cold_ws_kb']:,} | {r['browser']['server_peak_mb']:.0f} |"
                )
    seeds = [r for r in results if r.get("seed_s")]
    if seeds:
        lines += [
            "",
            "Seeded by this run (seed + summaries): "
            + "; ".join(f"{r['dialect']} {r['events']:,} events {r['seed_s']:.0f} s" for r in seeds)
            + ".",
        ]
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))) / 2**20
    return f"{os.cpu_count()} × {cpu}, {mem:.0f} GiB, Python {platform.python_version()}, SQLite {sa.__version__ and _sqlite()}"


def _sqlite() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--sqlite", type=int, nargs="*", default=[100_000, 1_000_000, 10_000_000], help="SQLite sizes in funnel events (none: skip SQLite)"
    )
    ap.add_argument(
        "--postgresql",
        type=int,
        nargs="*",
        default=[1_000_000, 10_000_000],
        help="PostgreSQL sizes in funnel events (none: skip PostgreSQL)",
    )
    ap.add_argument("--postgres-server", default=PG_SERVER)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-mid-month", action="store_true", help="skip the databases whose data stops mid-month")
    ap.add_argument("--data-dir", type=Path, default=DATA, help="where the SQLite databases are kept")
    ap.add_argument("--json", type=Path, default=DATA / "scale.json")
    ap.add_argument("--write-docs", action="store_true", help="replace the table in docs/PERFORMANCE.md")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    results = []
    for dialect, sizes in (("sqlite", args.sqlite), ("postgresql", args.postgresql)):
        for events in sizes:
            print(f"{dialect} {events:,} events", file=sys.stderr, flush=True)
            url, seeded = database(dialect, events, args.seed, args.postgres_server, args.data_dir)
            r = bench_database(url, args.repeat, browser=not args.no_browser)
            r.update(dialect=dialect, target_events=events, seed_s=seeded)
            if not args.no_mid_month:
                # The same data loaded only to the 16th of its last month.
                mid_url, _ = database(dialect, events, args.seed, args.postgres_server, args.data_dir, until=MID_MONTH)
                r["mid"] = bench_mid_month(mid_url, args.repeat)
            results.append(r)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    command = "python bench/scale_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    table = markdown(results, machine(), command.strip())
    print(table)
    if args.write_docs:
        text = DOC.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            text = head + BEGIN + "\n" + table + END + rest.split(END, 1)[1]
            DOC.write_text(text, encoding="utf-8")
        else:
            print(f"{DOC} has no {BEGIN} … {END} block: not written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
