"""Print the query plans of the summary-backed statements (docs/SCHEMA.md §6 quotes them).

Usage: python bench/explain_plans.py --database-url URL
Runs the funnel and coverage queries for the latest year (national, and with a period that cuts a
month so the raw edges run too), captures each statement they send and prints SQLite's
EXPLAIN QUERY PLAN or PostgreSQL's EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale_bench import Recorder  # noqa: E402

from data_access import config, queries  # noqa: E402
from data_access.scope import Scope  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", required=True)
    args = ap.parse_args()
    engine = config.make_engine(args.database_url)
    recorder = Recorder(engine)
    with engine.connect() as conn:
        provinces = tuple(queries.get_province_catalogue(conn)["province_code"])
        everything = Scope(provinces, dt.date(1990, 1, 1), dt.date(2100, 1, 1))
        as_of = queries.data_as_of(queries.get_data_freshness(conn, scope=everything))
    if as_of is None:
        sys.exit("no data: seed the database first")
    year = Scope(provinces, dt.date(as_of.year, 1, 1), as_of + dt.timedelta(days=1))
    earlier = year.year_earlier().with_period(year.year_earlier().start, dt.date(as_of.year - 1, 6, 15))
    calls: list[tuple[str, Callable[..., object], Scope, dict[str, Any]]] = [
        ("flow, national year", queries.get_events_by_month, year, {}),
        ("cohort by channel, national year", queries.get_funnel_by_stage, year, {"by": ("channel",)}),
        ("leads by city, national year", queries.get_coverage_by_city, year, {}),
        ("flow, a period ending mid-June (raw edge)", queries.get_events_by_month, earlier, {}),
        (
            "cohort, a period ending mid-June, events until mid-May (raw edges)",
            queries.get_funnel_by_stage,
            earlier,
            {"by": ("channel",), "observed_until": dt.date(as_of.year - 1, 5, 15)},
        ),
    ]
    sqlite = engine.dialect.name == "sqlite"
    for title, fn, scope, kwargs in calls:
        recorder.statements, recorder.on = [], True
        with engine.connect() as conn:
            fn(conn, scope=scope, **kwargs)
        recorder.on = False
        print(f"\n### {title}: {scope.start} .. {scope.end}")
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            for statement, params in recorder.statements:
                if "summary_month" in statement:
                    continue
                prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "
                cur.execute(prefix + statement, params)
                rows = cur.fetchall()
                print("```")
                for row in rows:
                    print(f"{'  ' * 0}{row[-1] if sqlite else row[0]}")
                print("```")
        finally:
            raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
