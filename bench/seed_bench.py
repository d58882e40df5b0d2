"""Benchmark the demo seed into SQLite: wall time per size, rows per table, file size.

Usage: python bench/seed_bench.py [--events 100000 1000000 10000000] [--out docs/PERFORMANCE-seed.json]
       python bench/seed_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/cockpit_bench
With ``--database-url`` each size is seeded into that (existing, scratch) database with
``replace=True`` — PostgreSQL through COPY, MySQL/MariaDB through multi-row inserts.
Learners are sized for the target event count (about 2.22 events per learner with the default
business assumptions). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_access import config  # noqa: E402
from data_access.seed import seed_database  # noqa: E402

EVENTS_PER_LEARNER = 2.22


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--database-url", default=None, help="a scratch server database (default: temporary SQLite files)")
    args = ap.parse_args()
    if args.database_url:
        results = []
        for target in args.events:
            engine = config.make_engine(args.database_url)
            learners = int(target / EVENTS_PER_LEARNER)
            t0 = time.perf_counter()
            report = seed_database(engine, learners=learners, seed=args.seed, progress=True, replace=True)
            wall = time.perf_counter() - t0
            engine.dispose()
            r = dict(
                dialect=engine.dialect.name,
                target_events=target,
                learners=learners,
                events=report.rows["funnel_event"],
                seconds=round(wall, 1),
                events_per_s=round(report.rows["funnel_event"] / wall),
            )
            print(json.dumps(r), flush=True)
            results.append(r)
        if args.out:
            args.out.write_text(json.dumps(results, indent=2) + "\n")
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for target in args.events:
            path = Path(tmp) / f"bench-{target}.db"
            engine = config.make_engine(f"sqlite:///{path}")
            learners = int(target / EVENTS_PER_LEARNER)
            t0 = time.perf_counter()
            report = seed_database(engine, learners=learners, seed=args.seed, progress=True)
            wall = time.perf_counter() - t0
            engine.dispose()
            size = sum(os.path.getsize(p) for p in Path(tmp).glob(f"bench-{target}.db*"))
            r = dict(
                target_events=target,
                learners=learners,
                events=report.rows["funnel_event"],
                seconds=round(wall, 1),
                events_per_s=round(report.rows["funnel_event"] / wall),
                db_mb=round(size / 2**20, 1),
                rows=report.rows,
            )
            print(json.dumps(r), flush=True)
            results.append(r)
            path.unlink()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
