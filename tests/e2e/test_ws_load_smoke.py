"""Smoke run of the server-capacity benchmark (bench/ws_load.py): 2 sessions speaking Streamlit's
websocket protocol, 2 filter changes each, against a cockpit it starts on a small database.

It checks that the client speaks the protocol end to end — every view's script finishes, the pages
send their elements (the Coverage page its map), nothing errs — and that an error would be seen: a
view of a page that raises counts as one. No timing assertions: the figures are measured on a quiet
machine (docs/PERFORMANCE.md, "Server capacity").
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from data_access.config import PROJECT_ROOT

pytestmark = pytest.mark.server


def run(tmp_path, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path / "ws.json"
    cmd = [sys.executable, "bench/ws_load.py", "--sessions", "2", "--changes", "2", "--learners", "3000", "--json", str(out), *extra]
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    return proc, (json.loads(out.read_text(encoding="utf-8")) if out.exists() else {})


def test_ws_load_smoke(tmp_path):
    proc, result = run(tmp_path)
    report = proc.stdout[-4000:] + proc.stderr[-4000:]
    assert proc.returncode == 0, report
    (level,) = result["levels"]
    assert level["summary"]["views"] == 2 * 3 and level["summary"]["errors"] == 0, report
    views = level["views_detail"]
    assert all(v["ok"] and v["messages"] > 10 for v in views), views  # each page sent its elements
    assert level["server_cpu_ms_per_view"] > 0 and level["wire_kb_per_view"] > 0


def test_ws_load_counts_a_server_it_cannot_reach(tmp_path):
    """A view that cannot connect is an error, not a fast view: the client does not pass what it cannot see."""
    proc, result = run(tmp_path, "--url", "http://127.0.0.1:9", "--only", "/coverage")
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    (level,) = result["levels"]
    assert level["summary"]["errors"] == level["summary"]["views"] == 2


def test_ws_load_sees_an_exception_an_error_box_and_a_rerun():
    """What the client reads from each ForwardMsg: an exception element and an st.error box are
    errors; a run that ends early because the app asked for a rerun is waited through."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    from ws_load import _problem

    def msg(build) -> bytes:
        fm = ForwardMsg()
        build(fm)
        return fm.SerializeToString()

    def alert(body: str, level: int):
        def build(fm) -> None:
            fm.delta.new_element.alert.body = body
            fm.delta.new_element.alert.format = level

        return msg(build)

    exception = msg(lambda fm: setattr(fm.delta.new_element.exception, "message", "boom"))
    error_box, info_box = alert("数据库不可用", 1), alert("提示", 3)
    rerun = msg(lambda fm: setattr(fm, "script_finished", 2))
    finished = msg(lambda fm: setattr(fm, "script_finished", 0))
    assert _problem(exception) == (False, "exception: boom")
    assert _problem(error_box) == (False, "error box: 数据库不可用")
    assert _problem(info_box) == (False, "")
    assert _problem(rerun) == (False, "") and _problem(finished) == (True, "")
