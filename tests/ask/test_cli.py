"""``python -m components.cli ask``: the same parse and answer as the box, on the command line, with
its exit codes (0 answered, 3 not understood, 2 bad arguments, 1 database unreachable)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from components import metrics
from components.context import context_from_params, read_catalogue
from data_access import access, asked, config, reader, schema
from data_access.config import PROJECT_ROOT
from data_access.seed import seed_database


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('ask') / 'cockpit.db'}"
    engine = config.make_engine(url)
    seed_database(engine, learners=2000, seed=5, progress=False)
    with engine.begin() as conn:
        access.add_user(conn, email="henan@corp.cn", role="regional", provinces=("410000",), regions=(), actor="cli:test")
    return url


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "components.cli", "ask", "--database-url", db_url, *args]
    env = {**os.environ, "COCKPIT_BASE_URL": "https://cockpit.example.cn/"}
    return subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, env=env)


def test_an_answer_prints_the_chips_the_sentence_and_the_link_and_is_stored(db_url):
    done = cli(db_url, "河南今年报名多少，比去年呢？")
    assert done.returncode == 0, done.stderr
    engine = config.make_engine(db_url)
    with engine.connect() as conn:
        cat = read_catalogue(conn)
        stored = asked.get_questions(conn)
    ctx, _ = context_from_params(cat, {"province": ["410000"], "period": [str(cat.as_of.year)]}, cat.provinces)
    value = metrics.read(reader.direct(engine), ctx, ["enrolled"])["value"].iloc[0]
    lines = done.stdout.splitlines()
    assert lines[0] == "理解为: [期内报名] · [河南省] · [时间：{}年] · [同比]".format(cat.as_of.year)
    assert metrics.fmt("enrolled", value, "zh") in lines[1]
    assert lines[-1] == "页面：https://cockpit.example.cn/?province=410000"  # on the cockpit's address
    assert stored["text"].iloc[0] == "河南今年报名多少，比去年呢？" and stored["page"].iloc[0] == "cli"


def test_json_output_carries_the_figures(db_url):
    done = cli(db_url, "which channel converts best in Hubei this quarter", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["status"] == "answered" and out["link"].startswith("https://cockpit.example.cn/funnels?province=420000")
    assert {f["metric"] for f in out["figures"]} == {"enrol_rate"} and len(out["figures"]) == 5


def test_not_understood_is_exit_3_with_the_words_shown(db_url):
    done = cli(db_url, "明天天气怎么样")
    assert done.returncode == 3 and "明天" in done.stdout and "天气" in done.stdout


def test_a_managers_question_stays_in_their_provinces(db_url):
    done = cli(db_url, "湖北今年报名多少", "--as", "henan@corp.cn")
    assert done.returncode == 3 and "河南省" in done.stdout
    assert cli(db_url, "河南今年报名多少", "--as", "nobody@corp.cn").returncode == 2


def test_bad_arguments_are_exit_2_and_a_database_that_is_down_exit_1(db_url):
    assert cli(db_url).returncode == 2
    assert cli(db_url, "x", "--lang", "fr").returncode == 2
    down = cli("postgresql+psycopg://nobody@127.0.0.1:1/x", "河南报名")
    assert down.returncode == 1 and "Traceback" not in down.stderr


def test_control_characters_never_reach_the_terminal(db_url):
    done = cli(db_url, "河南\x1b[31m报名\u202e多少")
    assert "\x1b" not in done.stdout and "\u202e" not in done.stdout
    with config.make_engine(db_url).connect() as conn:
        texts = [r.text for r in conn.execute(schema.ask_question.select())]
    assert all("\x1b" not in t and "\u202e" not in t for t in texts)
