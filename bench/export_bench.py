"""Export timings of one server process: the 1st and 10th PNG of a session, and 5 users at once.

    .venv/bin/python bench/export_bench.py [--tabs 2]

Runs the app's own export path (components.export.figure_to_bytes, one warm Chromium per
process) on a chart of the size the pages draw. Prints a table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tabs", type=int, default=2, help="browser tabs (COCKPIT_EXPORT_TABS)")
    args = parser.parse_args()
    os.environ["COCKPIT_EXPORT_TABS"] = str(args.tabs)
    import plotly.graph_objects as go

    from components.export import figure_to_bytes

    def figure(i: int) -> go.Figure:
        provinces = [f"省份{k}" for k in range(31)]
        return go.Figure(go.Bar(x=provinces, y=[(k * 37 + i) % 500 for k in range(31)]), layout_title_text=f"图 {i}")

    times = []
    for i in range(10):
        t0 = time.perf_counter()
        figure_to_bytes(figure(i), "png")
        times.append(time.perf_counter() - t0)
    print(f"tabs={args.tabs}")
    print(f"1st PNG (browser start included): {times[0]:.2f} s")
    print(f"10th PNG (warm): {times[9]:.2f} s; 2nd-10th median {statistics.median(times[1:]):.2f} s")

    def one(i: int) -> float:
        t0 = time.perf_counter()
        figure_to_bytes(figure(100 + i), "png")
        return time.perf_counter() - t0

    for users in (1, 5):
        t0 = time.perf_counter()
        with ThreadPoolExecutor(users) as pool:
            each = list(pool.map(one, range(users)))
        wall = time.perf_counter() - t0
        print(f"{users} users at once: wall {wall:.2f} s; per user median {statistics.median(each):.2f} s, max {max(each):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
