"""The hostile parameter sets of tests/fuzz_params.py as ``report`` command lines.

``python -m components.cli report <options> --sections kpis --out <tmp>/<case>.pptx --database-url
<seeded sqlite>`` for three kinds of command line made from the generated sets:
  values-NNN   the set's own options with their hostile values (every 4th set that has one): argparse's
               choices and the URL's parse_params refuse them;
  unknown-NNN  the whole set, unknown keys as unknown options (every 20th set);
  clean-NNN    the valid remainder of a set (every 20th): what must build a pack.
The runs go two at a time in a module fixture; one test per run reads its result.

Each run: exit 0 or 2, as README's values say (never 1 on a healthy database, never a traceback);
exit 2 names what is wrong on a line of its own; exit 0 writes the pack. COCKPIT_ECHO_SQL=1 makes
the command echo every SQL statement and its bound parameters to stdout: no set's marker may appear
there (invalid values are refused before any query takes them).

Known app bugs are listed in KNOWN_BUGS (case id -> reason) and marked xfail(strict=True).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.filters import period_options
from data_access import config
from data_access.config import PROJECT_ROOT
from data_access.queries import data_as_of, get_data_freshness, get_province_catalogue
from data_access.scope import Scope
from data_access.seed import seed_database
from tests.fuzz_params import MARKER_RE, REPORT_OPTIONS, ParamSet, cli_argv, cli_clean, cli_params, cli_verdict, param_sets

# About sixty runs of the command line in subprocesses (~50 s): the server tier, not the inner loop's.
pytestmark = pytest.mark.server
SETS = param_sets()
CASES = (
    [f"values-{s.n:03d}" for s in [s for s in SETS if set(s.params) & set(REPORT_OPTIONS)][::4]]
    + [f"unknown-{s.n:03d}" for s in SETS[1::20]]
    + [f"clean-{s.n:03d}" for s in SETS[2::20]]
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
PARALLEL = 2
RUN_TIMEOUT_S = 120

# case id -> reason: runs that show an app bug (reported, not fixed here), marked xfail(strict=True).
# Empty since `report` parses with _OneLineParser, which escapes control characters (values-117:
# a line break in --province; unknown-121: an ANSI escape) and prints one line.
KNOWN_BUGS: dict[str, str] = {}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('clifuzz') / 'cockpit.db'}"
    seed_database(config.make_engine(url), learners=8_000, seed=42, progress=False)
    return url


@dataclass
class Result:
    case: str
    ps: ParamSet
    argv: list[str]
    params: dict[str, list[str]]  # what the options say, as the oracle reads them
    expected: int | None
    out: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def _argv_of(params: dict[str, list[str]]) -> list[str]:
    return [x for k, vs in params.items() for v in vs for x in (f"--{k}", v)]


@pytest.fixture(scope="module")
def runs(db_url, tmp_path_factory) -> dict[str, Result]:
    engine = config.make_engine(db_url)
    try:
        with engine.connect() as conn:
            cat = get_province_catalogue(conn)
            import datetime as dt

            fresh = get_data_freshness(conn, scope=Scope(tuple(cat["province_code"]), dt.date(1990, 1, 1), dt.date(2100, 1, 1)))
    finally:
        engine.dispose()
    provinces = set(cat["province_code"])
    periods = set(period_options(fresh.set_index("source").loc["funnel_event", "earliest_on"], data_as_of(fresh)))
    tmp = tmp_path_factory.mktemp("packs")
    by_n = {s.n: s for s in SETS}
    jobs = []
    for case in CASES:
        kind, n = case.split("-")
        ps = by_n[int(n)]
        if kind in ("values", "unknown"):
            params = cli_params(ps, known_only=kind == "values")
            argv = cli_argv(ps, known_only=kind == "values")
        else:
            params = cli_clean(ps, provinces, periods)
            argv = _argv_of(params)
        jobs.append((case, ps, argv, params, cli_verdict(params, provinces, periods)))
    env = {**os.environ, "COCKPIT_ECHO_SQL": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("DATABASE_URL", None)

    def run(job) -> Result:
        case, ps, argv, params, expected = job
        out = tmp / f"{case}.pptx"
        cmd = [sys.executable, "-m", "components.cli", "report", *argv, "--sections", "kpis", "--out", str(out), "--database-url", db_url]
        t0 = time.monotonic()
        done = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, timeout=RUN_TIMEOUT_S)
        return Result(
            case,
            ps,
            argv,
            params,
            expected,
            out,
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
            time.monotonic() - t0,
        )

    t0 = time.monotonic()
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = {r.case: r for r in pool.map(run, jobs)}
    results["_seconds"] = time.monotonic() - t0  # type: ignore[assignment]
    return results


def _describe(r: Result) -> str:
    argv = " ".join(repr(a) if len(a) < 80 else repr(a[:77] + "...") for a in r.argv[:12])
    more = f" … (+{len(r.argv) - 12} more)" if len(r.argv) > 12 else ""
    return (
        f"{r.case} ({r.ps.label()}): report {argv}{more}\n  exit {r.returncode} (expected "
        f"{'0 or 2' if r.expected is None else r.expected})\n  stderr: {r.stderr[-800:]!r}"
    )


def _error_lines(stderr: str) -> list[str]:
    """The lines that say what is wrong (argparse's usage block around them is not counted)."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(("usage:", " "))]


def _case(case: str):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case])] if case in KNOWN_BUGS else []
    return pytest.param(case, id=case, marks=marks)


def test_at_least_50_generated_command_lines():
    assert len(CASES) >= 50
    assert sum(1 for c in CASES if c.startswith("values")) >= 40


@pytest.mark.parametrize("case", [_case(c) for c in CASES])
def test_report_refuses_hostile_options_or_builds_the_pack(runs, case):
    r: Result = runs[case]
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, _describe(r)
    assert r.returncode in (0, 2), _describe(r)
    if r.expected is not None:
        assert r.returncode == r.expected, _describe(r)
    if r.returncode == 2:
        # User text is shown, never obeyed: no terminal control sequence, no line break of its own.
        assert not CONTROL.search(r.stderr), _describe(r) + f"\n  control characters: {CONTROL.findall(r.stderr)}"
        lines = _error_lines(r.stderr)
        assert len(lines) == 1, _describe(r)
        assert re.match(r"^python -m components\.cli report: (error: )?", lines[0]), _describe(r)
        assert not r.out.exists(), _describe(r)
    else:
        assert r.out.exists() and r.out.stat().st_size > 10_000, _describe(r)
        assert any(line.startswith(f"wrote {r.out}") for line in r.stdout.splitlines()), _describe(r)
    # The command echoes its SQL and bound parameters to stdout: no link text in there.
    assert not MARKER_RE.search(r.stdout), (
        _describe(r)
        + "\n  stdout lines with a marker:\n  "
        + "\n  ".join(line[:300] for line in r.stdout.splitlines() if MARKER_RE.search(line))[:3000]
    )


def test_the_sql_echo_was_on(runs):
    """Proof that the marker check above read real SQL: the runs that passed argparse echoed
    statements with their bound parameters."""
    echoed = [r for k, r in runs.items() if k != "_seconds" and "sqlalchemy.engine.Engine" in r.stdout]
    assert len(echoed) >= 10
    assert any(re.search(r"\[(generated in|cached since) [^\]]*\] \(", r.stdout) for r in echoed)


def test_a_bad_argument_is_one_line_on_stderr(runs):
    bad = [r for k, r in runs.items() if k != "_seconds" and r.returncode == 2]
    assert bad
    many = [r for r in bad if len([x for x in r.stderr.splitlines() if x.strip()]) != 1]
    assert not many, f"{len(many)} of {len(bad)} refusals print more than one line, e.g.:\n{many[0].stderr[:1200]}"


def test_the_cli_fuzz_summary(runs):
    results = [r for k, r in runs.items() if k != "_seconds"]
    codes = {c: sum(1 for r in results if r.returncode == c) for c in sorted({r.returncode for r in results})}
    print(
        f"\ncli fuzz: {len(results)} runs ({PARALLEL} at a time) in {runs['_seconds']:.0f} s; exit codes {codes}; "
        f"slowest {max(r.seconds for r in results):.1f} s"
    )
    assert codes.get(0, 0) >= 5 and codes.get(2, 0) >= 30
