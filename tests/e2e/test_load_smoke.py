"""Smoke run of the many-users load benchmark (bench/load.py): 2 sessions, 2 filter changes each,
against the database-free floor app and the cockpit, in one headless Chromium.

It checks that the harness works end to end and that no view errs (no exception, no error box,
every view settled in time). No timing assertions: the figures are measured on a quiet machine
with `make load` (docs/PERFORMANCE.md, "Many users").
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from data_access.config import PROJECT_ROOT

pytestmark = pytest.mark.browser


def test_load_smoke(chromium_path, tmp_path):
    out = tmp_path / "load.json"
    cmd = [
        sys.executable,
        "bench/load.py",
        "--sessions",
        "2",
        "--changes",
        "2",
        "--target",
        "both",
        "--learners",
        "3000",
        "--json",
        str(out),
        "--chromium",
        chromium_path,
    ]
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    report = proc.stdout[-4000:] + proc.stderr[-4000:]
    assert proc.returncode == 0, report
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["errors"] == 0, report
    for target in ("floor", "app"):
        summary, opening = result["targets"][target]["summary"], result["targets"][target]["opening"]
        assert summary["views"] == 2 * 2, summary  # 2 filter changes per session, measured apart from...
        assert opening["views"] == 2 and opening["errors"] == 0, opening  # ...each session's first page
        assert summary["errors"] == 0, summary
    # The same views, page for page, on both targets.
    assert [v["url"] for v in result["targets"]["floor"]["views"]] == [v["url"] for v in result["targets"]["app"]["views"]]
    assert result["ratio_p95_app_floor"] is not None
