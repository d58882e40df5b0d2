"""Time the queries each page runs, on a database of a given size (not part of the tests).

Usage: python bench/query_bench.py --database-url sqlite:///big.db [--repeat 3]
Reports the median wall time per query for a national scope and a one-province scope over the
latest year, i.e. what one uncached page view costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_access import config, queries  # noqa: E402
from data_access.scope import Scope  # noqa: E402

PAGES: dict[str, list[tuple[str, dict[str, object]]]] = {
    "overview": [("get_kpis", {}), ("get_events_by_month", {}), ("get_events_by_month", {"by": ("province",)})],
    "coverage": [("get_coverage_by_province", {}), ("get_partner_points", {}), ("get_coverage_by_city", {}),
                 ("get_coverage_gaps", {"limit": 300})],
    "investment": [("get_investment_by_project", {}), ("get_planned_by_year", {}), ("get_disbursed_by_month", {}),
                   ("get_investment_by", {"grain": "sector"}), ("get_investment_by", {"grain": "province"})],
    "funnels": [("get_funnel_by_stage", {"by": ("channel",)}), ("get_funnel_by_stage", {"by": ("tier",)}),
                ("get_funnel_by_province", {}), ("get_events_by_month", {"by": ("channel",)}), ("get_cohort_lag", {})],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    engine = config.make_engine(args.database_url)
    with engine.connect() as conn:
        allp = tuple(queries.get_province_catalogue(conn)["province_code"])
        everything = Scope(allp, dt.date(1990, 1, 1), dt.date(2100, 1, 1))
        fresh = queries.get_data_freshness(conn, scope=everything)
        as_of = queries.data_as_of(fresh)
        events = int(fresh.set_index("source").loc["funnel_event", "rows"])
        print(f"{config.describe(args.database_url)}: {events:,} funnel events, data as of {as_of}")
        if as_of is None:  # an empty database: no latest year to time
            sys.exit("no data to time: seed the database first")
        for label, provinces in (("national", allp), ("one province (420000)", ("420000",))):
            scope = Scope(provinces, dt.date(as_of.year, 1, 1), as_of + dt.timedelta(days=1))
            print(f"\n{label}, {scope.start} .. {as_of}")
            for page, calls in PAGES.items():
                total = 0.0
                for name, kwargs in calls:
                    times = []
                    for _ in range(args.repeat):
                        t0 = time.perf_counter()
                        getattr(queries, name)(conn, scope=scope, **kwargs)
                        times.append(time.perf_counter() - t0)
                    med = statistics.median(times)
                    total += med
                    print(f"  {page:<11}{name:<28}{str(kwargs.get('by', kwargs.get('grain', ''))):<16}{med * 1000:8.0f} ms")
                print(f"  {page:<11}{'page total':<44}{total * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
