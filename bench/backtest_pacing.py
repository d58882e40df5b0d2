"""Backtest of the year-end pacing methods (data_access/pacing.py) on the demo data.

For every past full year that has at least ``MIN_YEARS`` complete years before it, every
month-end 1–11, every paced metric, national and per province: the projection each method makes
from the year-to-date at that month-end, against the actual year-end total. Reports the mean and
median absolute percentage error by month, per metric, and how often the actual fell inside the
range the app shows; names the simplest method that wins.

Methods, simplest first: ``linear`` (YTD × 12 ÷ months), ``last_year`` (YTD ÷ the share the same
months held last year), ``mean_share`` (÷ the mean share of the last three years), ``pooled_share``
(÷ the share of the last three years' months together). Series with a year-end below
``MIN_YEAR_TOTAL`` are left out (their percentage errors say nothing).

Usage:
  python bench/backtest_pacing.py                    # seeds the demo data (150,000 learners, seed 42) in a temp file
  python bench/backtest_pacing.py --write-docs       # also rewrite the tables in docs/PACING.md
  python bench/backtest_pacing.py --database-url sqlite:///data/cockpit.db --json out.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import get_args

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from data_access import bootstrap, config, queries, schema  # noqa: E402
from data_access.pacing import (  # noqa: E402
    METHOD,
    MIN_YEAR_TOTAL,
    MIN_YEARS,
    PACED_METRICS,
    Method,
    own_min_total,
    project_year_end,
)
from data_access.queries.pacing import monthly_history  # noqa: E402
from data_access.scope import year_scope  # noqa: E402

DOC = ROOT / "docs" / "PACING.md"
BEGIN, END = "<!-- pacing-backtest:begin -->", "<!-- pacing-backtest:end -->"
METHODS: tuple[Method, ...] = ("linear", "last_year", "mean_share", "pooled_share")  # simplest first
# A method "wins" when its overall mean error is within this much of the best (relative): then
# the simplest such method is preferred.
TIE = 0.05


def read_series(url: str) -> tuple[pd.DataFrame, int, int]:
    """Every province's monthly series of the paced metrics, and the first and last full years."""
    engine = config.make_engine(url)
    with engine.connect() as conn:
        everywhere = tuple(queries.get_province_catalogue(conn)["province_code"])
        fe = schema.funnel_event
        first, last = conn.execute(sa.select(sa.func.min(fe.c.occurred_on), sa.func.max(fe.c.occurred_on))).one()
        if first is None:
            raise SystemExit("the database holds no funnel events")
        first_year, as_of = int(str(first)[:4]), dt.date.fromisoformat(str(last)[:10])
        last_full = as_of.year - (0 if (as_of.month, as_of.day) == (12, 31) else 1)
        scope = year_scope(everywhere, last_full)
        series = queries.get_kpi_series_by_month(conn, scope=scope, history_years=last_full - first_year, by=("province",))
    engine.dispose()
    return series, first_year, last_full


def backtest(series: pd.DataFrame, first_year: int, last_full: int) -> tuple[list[dict], list[dict]]:
    """Records per (grain, metric, year, month, method) with the projection and the actual, as the
    app projects (own shape by the rule of data_access.pacing, else national); and, for provinces'
    event counts, the chosen method with their own shape against the national one, by size."""
    national = series.groupby(["metric", "year", "month"], as_index=False)["value"].sum()
    grains: dict[str, pd.DataFrame] = {"national": national}
    for code, part in series.groupby("province"):
        grains[str(code)] = part.drop(columns="province")
    nat_hist = {m: monthly_history(national, m) for m in PACED_METRICS}
    out, shapes = [], []
    for grain, frame in grains.items():
        for metric in PACED_METRICS:
            hist = monthly_history(frame, metric)
            own_min = own_min_total(metric, national=grain == "national")
            counts = not metric.endswith("_yuan")
            for year in range(first_year + MIN_YEARS, last_full + 1):
                months = hist.get(year, [0.0] * 12)
                actual = sum(months)
                if actual < MIN_YEAR_TOTAL:
                    continue
                prior = {y: v for y, v in hist.items() if y < year}
                nat_prior = {y: v for y, v in nat_hist[metric].items() if y < year}
                for month in range(1, 12):
                    ytd = sum(months[:month])
                    for method in METHODS:
                        pr = project_year_end(
                            ytd, float(month), prior, year=year, national=nat_prior, method=method, own_min=own_min, counts=counts
                        )
                        if pr.basis == "none":
                            continue
                        out.append(
                            dict(
                                grain=grain,
                                metric=metric,
                                year=year,
                                month=month,
                                method=method,
                                basis=pr.basis,
                                actual=actual,
                                value=pr.value,
                                low=pr.low,
                                high=pr.high,
                                ape=abs(pr.value - actual) / actual,
                                inside=pr.low <= actual <= pr.high,
                            )
                        )
                    if grain == "national" or not counts:
                        continue
                    for shape, hist_used in (("own", prior), ("national", {})):
                        pr = project_year_end(ytd, float(month), hist_used, year=year, national=nat_prior, method=METHOD)
                        if pr.basis in ("own", "national"):
                            shapes.append(dict(shape=shape, size=sum(prior.get(year - 1, [0.0])), ape=abs(pr.value - actual) / actual))
    return out, shapes


SIZES = ((0, 300), (300, 1000), (1000, 3000), (3000, math.inf))


def shape_table(shapes: list[dict]) -> str:
    """Provinces' event counts: the chosen method with their own shape vs the national one, by the
    size of their previous year (the evidence for OWN_MIN_EVENTS)."""
    df = pd.DataFrame(shapes)
    lines = [
        f"**Own or national shape** for a province's event counts ({METHOD}, mean absolute % error, "
        "by the province's total of the year before):",
        "",
        "| events the year before | projections | own shape | national shape |",
        "|---|---:|---:|---:|",
    ]
    for lo, hi in SIZES:
        part = df[(df["size"] >= lo) & (df["size"] < hi)] if not df.empty else df
        own, nat = (part[part["shape"] == k]["ape"] for k in ("own", "national"))
        label = f"{lo:,} – {hi:,.0f}" if hi != math.inf else f"{lo:,} or more"
        lines.append(
            f"| {label} | {len(own)} | {_pct(own.mean() if len(own) else math.nan)} | {_pct(nat.mean() if len(nat) else math.nan)} |"
        )
    return "\n".join(lines) + "\n"


def summarise(records: list[dict]) -> dict:
    """Errors by method and month, by method and metric, coverage; and the winning method."""
    df = pd.DataFrame(records)
    df["level"] = df["grain"].where(df["grain"] == "national", "province")
    summary: dict = {"by_month": {}, "by_metric": {}, "coverage": {}, "overall": {}, "n": {}}
    for level, part in df.groupby("level"):
        summary["by_month"][level] = {
            method: {int(m): {"mape": float(g["ape"].mean()), "median": float(g["ape"].median())} for m, g in sub.groupby("month")}
            for method, sub in part.groupby("method")
        }
        summary["by_metric"][level] = {
            method: {metric: float(g["ape"].mean()) for metric, g in sub.groupby("metric")} for method, sub in part.groupby("method")
        }
        summary["coverage"][level] = {
            method: {int(m): float(g["inside"].mean()) for m, g in sub.groupby("month")} for method, sub in part.groupby("method")
        }
        summary["overall"][level] = {method: float(sub["ape"].mean()) for method, sub in part.groupby("method")}
        summary.setdefault("by_year", {})[level] = {
            method: {int(y): float(g["ape"].mean()) for y, g in sub.groupby("year")} for method, sub in part.groupby("method")
        }
        summary["n"][level] = int((part["method"] == METHODS[0]).sum())
        chosen = part[part["method"] == METHOD]
        summary.setdefault("basis", {})[level] = {str(b): int(n) for b, n in chosen["basis"].value_counts().items()}
    # Winner: every projection (national and province) counts once.
    overall = {method: float(sub["ape"].mean()) for method, sub in df.groupby("method")}
    best = min(overall.values())
    summary["all"] = overall
    summary["winner"] = next(m for m in METHODS if m in overall and overall[m] <= best * (1 + TIE) + 1e-9)
    summary["years"] = sorted(int(y) for y in df["year"].unique())
    return summary


def _pct(x: float) -> str:
    return "—" if x is None or math.isnan(x) else f"{100 * x:.1f} %"


def markdown(s: dict, command: str, source: str) -> str:
    """The tables docs/PACING.md holds between its markers."""
    methods = [m for m in METHODS if m in s["all"]]
    lines = [
        f"Generated by `{command}` on {dt.date.today().isoformat()}; data: {source}; years tested: "
        f"{', '.join(map(str, s['years']))} (each projected from its month-ends 1–11); "
        f"{s['n'].get('national', 0)} national and {s['n'].get('province', 0)} provincial projections per method.",
        "",
    ]
    lines += [
        "**Overall mean absolute % error** (all metrics, months and years):",
        "",
        "| method | national | provinces | all |",
        "|---|---:|---:|---:|",
    ]
    for m in methods:
        lines.append(
            f"| {m}{' **(chosen)**' if m == s['winner'] else ''} | {_pct(s['overall'].get('national', {}).get(m, math.nan))} "
            f"| {_pct(s['overall'].get('province', {}).get(m, math.nan))} | {_pct(s['all'][m])} |"
        )
    lines += [
        "",
        "**Mean absolute % error by year projected** (national / per province):",
        "",
        "| year | " + " | ".join(methods) + " |",
        "|---:|" + "---:|" * len(methods),
    ]
    for year in s["years"]:
        cells = [
            f"{_pct(s['by_year'].get('national', {}).get(m, {}).get(year, math.nan))} / "
            f"{_pct(s['by_year'].get('province', {}).get(m, {}).get(year, math.nan))}"
            for m in methods
        ]
        lines.append(f"| {year} | " + " | ".join(cells) + " |")
    for level, title in (("national", "National"), ("province", "Per province")):
        if level not in s["by_month"]:
            continue
        lines += [
            "",
            f"**{title}: error by month-end** (mean / median absolute % error):",
            "",
            "| month | " + " | ".join(methods) + " |",
            "|---:|" + "---:|" * len(methods),
        ]
        for month in range(1, 12):
            cells = []
            for m in methods:
                cell = s["by_month"][level].get(m, {}).get(month)
                cells.append(f"{_pct(cell['mape'])} / {_pct(cell['median'])}" if cell else "—")
            lines.append(f"| {month} | " + " | ".join(cells) + " |")
    for level, title in (("national", "National"), ("province", "Per province")):
        if level not in s["by_metric"]:
            continue
        lines += [
            "",
            f"**{title}: mean absolute % error by metric:**",
            "",
            "| metric | " + " | ".join(methods) + " |",
            "|---|" + "---:|" * len(methods),
        ]
        for metric in PACED_METRICS:
            lines.append(
                f"| {metric} | " + " | ".join(_pct(s["by_metric"][level].get(m, {}).get(metric, math.nan)) for m in methods) + " |"
            )
    lines += [
        "",
        f"**Range coverage** of the chosen method ({s['winner']}): share of projections whose range held the actual year-end:",
        "",
        "| month | national | provinces |",
        "|---:|---:|---:|",
    ]
    for month in range(1, 12):
        nat = s["coverage"].get("national", {}).get(s["winner"], {}).get(month, math.nan)
        pro = s["coverage"].get("province", {}).get(s["winner"], {}).get(month, math.nan)
        lines.append(f"| {month} | {_pct(nat)} | {_pct(pro)} |")
    lines += [
        "",
        "Basis of the chosen method's projections (own shape / national shape / linear pace): "
        + "; ".join(
            f"{level}: " + ", ".join(f"{b} {n}" for b, n in s["basis"].get(level, {}).items()) for level in ("national", "province")
        ),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a seeded database (default: seed the demo data into a temp SQLite file)")
    parser.add_argument(
        "--learners",
        type=int,
        default=bootstrap.DEFAULT_LEARNERS,
        help="learners to seed when no URL is given (default: the embedded demo database's)",
    )
    parser.add_argument("--seed", type=int, default=bootstrap.DEFAULT_SEED, help="random seed when no URL is given")
    parser.add_argument("--json", type=Path, help="write the summary (and the winner) as JSON here")
    parser.add_argument("--write-docs", action="store_true", help=f"rewrite the tables between the markers in {DOC.name}")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            url, source = args.database_url, config.describe(args.database_url)
        else:
            from data_access.seed import seed_database

            url = f"sqlite:///{Path(tmp) / 'demo.db'}"
            engine = config.make_engine(url)
            seed_database(engine, learners=args.learners, seed=args.seed, progress=False)
            engine.dispose()
            source = f"the demo seed ({args.learners:,} learners, seed {args.seed}), SQLite"
        series, first_year, last_full = read_series(url)
    records, shapes = backtest(series, first_year, last_full)
    if not records:
        raise SystemExit("nothing to backtest: fewer than MIN_YEARS + 1 full years of data")
    summary = summarise(records)
    command = "python bench/backtest_pacing.py " + " ".join(argv if argv is not None else sys.argv[1:])
    table = markdown(summary, command.strip(), source) + "\n" + shape_table(shapes)
    print(table)
    if summary["winner"] != METHOD:
        print(f"note: the backtest prefers {summary['winner']}, data_access.pacing.METHOD is {METHOD}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    if args.write_docs:
        text = DOC.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            DOC.write_text(head + BEGIN + "\n" + table + END + rest.split(END, 1)[1], encoding="utf-8")
        else:
            print(f"{DOC} has no {BEGIN} … {END} block: not written", file=sys.stderr)
    return 0


assert set(METHODS) == set(get_args(Method))

if __name__ == "__main__":
    sys.exit(main())
