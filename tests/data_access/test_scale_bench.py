"""`make bench` at a tiny size: the benchmark runs end to end and reports every page (no timing
assertions: performance is measured by the benchmark itself, numbers in docs/PERFORMANCE.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from data_access import config
from tests.conftest import server_engine

# It starts the app and walks its pages in Chromium: the server tier, not the data layer's.
pytestmark = [pytest.mark.server, pytest.mark.browser]
PAGES = ("overview", "coverage", "investment", "funnels")


def test_scale_bench_runs_at_a_tiny_size(tmp_path):
    server_engine("postgresql")  # reachable, or skipped (failed under CI=true)
    out = tmp_path / "scale.json"
    done = subprocess.run(
        [
            sys.executable,
            "bench/scale_bench.py",
            "--sqlite",
            "3000",
            "--postgresql",
            "3000",
            "--repeat",
            "1",
            "--data-dir",
            str(tmp_path),
            "--json",
            str(out),
        ],
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert [r["dialect"] for r in results] == ["sqlite", "postgresql"]
    for r in results:
        assert 2000 < r["events"] < 4000
        for scope in ("national", "420000", "cut"):
            for page in PAGES:
                row = r["scopes"][scope][page]
                assert row["statements"] > 0 and row["cold_s"] > 0 and row["bare_s"] > 0
        assert r["scopes"]["national"]["funnels"]["naive"]["seconds"] > 0
        # The second database stops mid-month: its pages are measured as of that day.
        assert r["mid"]["as_of"] == "2026-10-16" and r["as_of"] == "2026-10-31"
        assert all(r["mid"]["pages"][page]["cold_s"] > 0 and r["mid"]["pages"][page]["bare_s"] > 0 for page in PAGES)
        walk = r["browser"]
        assert set(walk["pages"]) == set(PAGES) and walk["server_peak_mb"] > 50
        assert all(p["elements"] > 100 and p["cold_ws_kb"] > 0 for p in walk["pages"].values())
    assert "| sqlite | " in done.stdout and "| postgresql | " in done.stdout
