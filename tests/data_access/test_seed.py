"""The demo-data seed: deterministic, idempotent, and shaped like the business in DOMAIN.md."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import codes, config, schema
from data_access.config import PROJECT_ROOT
from data_access.seed import AlreadySeeded, seed_database
from data_access.seed import business as biz
from tests.conftest import TEST_LEARNERS, TEST_SEED

SMALL = 1500


def content_digest(engine: sa.Engine) -> str:
    """A hash over every row of every table, in primary-key order."""
    h = hashlib.sha256()
    with engine.connect() as conn:
        for table in schema.TABLES_IN_LOAD_ORDER:
            for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns)):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def sqlite_engine(path) -> sa.Engine:
    return config.make_engine(f"sqlite:///{path}")


def test_same_seed_gives_identical_content(tmp_path):
    a, b = sqlite_engine(tmp_path / "a.db"), sqlite_engine(tmp_path / "b.db")
    seed_database(a, learners=SMALL, seed=5, progress=False)
    seed_database(b, learners=SMALL, seed=5, progress=False)
    assert content_digest(a) == content_digest(b)


def test_another_seed_gives_other_content(tmp_path):
    a, b = sqlite_engine(tmp_path / "a.db"), sqlite_engine(tmp_path / "b.db")
    seed_database(a, learners=SMALL, seed=5, progress=False)
    seed_database(b, learners=SMALL, seed=6, progress=False)
    assert content_digest(a) != content_digest(b)


def test_second_seed_refuses_and_changes_nothing(tmp_path):
    engine = sqlite_engine(tmp_path / "a.db")
    seed_database(engine, learners=SMALL, seed=5, progress=False)
    before = content_digest(engine)
    with pytest.raises(AlreadySeeded, match="--replace"):
        seed_database(engine, learners=SMALL * 2, seed=9, progress=False)
    assert content_digest(engine) == before


def test_replace_reseeds_cleanly(tmp_path):
    engine, reference = sqlite_engine(tmp_path / "a.db"), sqlite_engine(tmp_path / "b.db")
    seed_database(engine, learners=SMALL * 2, seed=9, progress=False)
    seed_database(engine, learners=SMALL, seed=5, replace=True, progress=False)
    seed_database(reference, learners=SMALL, seed=5, progress=False)
    assert content_digest(engine) == content_digest(reference)


def test_cli_refuses_a_second_run_with_a_clear_message(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    cmd = [sys.executable, "-m", "data_access.seed", "--database-url", url, "--learners", "300", "--seed", "3", "--quiet"]
    first = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "funnel_event" in first.stdout
    second = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert second.returncode == 2
    assert "--replace" in second.stderr and "Traceback" not in second.stderr


def test_cli_reports_an_unreachable_database_without_traceback():
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    cmd = [sys.executable, "-m", "data_access.seed", "--database-url", url, "--learners", "10", "--quiet"]
    out = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "cannot write to" in out.stderr and "Traceback" not in out.stderr


# --- realism, on the shared seeded SQLite database --------------------------------------------


@pytest.fixture(scope="module")
def conn(seeded):
    with seeded["sqlite"].connect() as c:
        yield c


def read(conn, stmt) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(stmt).mappings().all())


def test_all_34_provincial_divisions_with_real_adcodes(conn):
    df = read(conn, sa.select(schema.province))
    assert len(df) == 34
    assert {"110000", "410000", "420000", "710000", "810000", "820000"} <= set(df["code"])
    assert set(df["region"]) == set(codes.REGIONS)


def test_named_partners_sit_in_their_real_cities(conn):
    p, c = schema.partner, schema.city
    df = read(conn, sa.select(p.c.name_zh, c.c.name_zh.label("city")).join(c, c.c.code == p.c.city_code))
    city_of = dict(zip(df["name_zh"], df["city"]))
    assert city_of["汉口学院"] == "武汉市"
    assert city_of["中国地质大学（武汉）"] == "武汉市"
    assert city_of["河南大学"] == "开封市"
    assert city_of["湖南农业大学"] == "长沙市"
    assert city_of["四川大学锦江学院"] == "眉山市"
    assert city_of["华北电力大学"] == "北京市"


def test_hankou_cooperation_is_over_ten_million_across_five_years(conn):
    pj, bp, p = schema.project, schema.budget_plan, schema.partner
    rows = read(
        conn,
        sa.select(pj.c.committed_fen, bp.c.year)
        .join(p, p.c.id == pj.c.partner_id)
        .join(bp, bp.c.project_id == pj.c.id)
        .where(p.c.name_zh == "汉口学院", pj.c.name_zh == biz.HANKOU_PROJECT["name_zh"]),
    )
    assert rows["committed_fen"].iloc[0] > 10_000_000 * 100
    assert rows["year"].nunique() == 5


def test_budget_plans_add_up_to_the_commitment(conn):
    pj, bp = schema.project, schema.budget_plan
    df = read(
        conn,
        sa.select(pj.c.committed_fen, sa.func.sum(bp.c.planned_fen).label("planned"))
        .join(bp, bp.c.project_id == pj.c.id)
        .group_by(pj.c.id, pj.c.committed_fen),
    )
    assert (df["planned"] == df["committed_fen"]).all()


def test_disbursements_never_exceed_the_commitment(conn):
    pj, d = schema.project, schema.disbursement
    df = read(
        conn,
        sa.select(pj.c.committed_fen, sa.func.sum(d.c.amount_fen).label("paid"))
        .join(d, d.c.project_id == pj.c.id)
        .group_by(pj.c.id, pj.c.committed_fen),
    )
    assert len(df) > 0
    assert (df["paid"] <= df["committed_fen"]).all()


def test_conversion_falls_stage_by_stage_in_every_channel(conn):
    fe = schema.funnel_event
    df = read(conn, sa.select(fe.c.channel, fe.c.stage, sa.func.count().label("n")).group_by(fe.c.channel, fe.c.stage))
    for channel in codes.CHANNELS:
        n = df[df["channel"] == channel].set_index("stage")["n"].reindex(list(codes.STAGES), fill_value=0)
        assert n.iloc[0] > 0, channel
        assert list(n) == sorted(n, reverse=True), (channel, list(n))


def test_every_learner_has_exactly_one_lead_on_the_lead_date(conn):
    lr, fe = schema.learner, schema.funnel_event
    n_learners = conn.execute(sa.select(sa.func.count()).select_from(lr)).scalar_one()
    leads = conn.execute(
        sa.select(sa.func.count())
        .select_from(fe.join(lr, lr.c.id == fe.c.learner_id))
        .where(fe.c.stage == "lead", fe.c.occurred_on == lr.c.lead_on)
    ).scalar_one()
    assert n_learners == TEST_LEARNERS and leads == n_learners


def test_channel_conversion_differs_by_channel(conn):
    fe = schema.funnel_event
    df = read(conn, sa.select(fe.c.channel, fe.c.stage, sa.func.count().label("n")).group_by(fe.c.channel, fe.c.stage))
    pivot = df.pivot(index="channel", columns="stage", values="n").fillna(0)
    rate = pivot["enrolled"] / pivot["lead"]
    assert rate["enterprise"] > rate["online"] * 1.5


def test_channel_sinking_share_of_prefecture_and_county_leads_rises(conn):
    lr, c = schema.learner, schema.city
    df = read(conn, sa.select(lr.c.lead_on, c.c.tier).join(c, c.c.code == lr.c.city_code))
    df["year"] = pd.to_datetime(df["lead_on"]).dt.year
    share = df.assign(sunk=df["tier"] != "capital").groupby("year")["sunk"].mean()
    assert share.iloc[-1] > share.iloc[0] + 0.05


def test_leads_peak_in_september_above_may(conn):
    lr = schema.learner
    months = pd.to_datetime(read(conn, sa.select(lr.c.lead_on))["lead_on"]).dt.month.value_counts()
    assert months[9] > months[5] * 1.3


def test_partners_concentrate_with_visible_gaps(conn):
    p, c = schema.partner, schema.city
    df = read(
        conn,
        sa.select(c.c.province_code, sa.func.count().label("n"))
        .select_from(p)
        .join(c, c.c.code == p.c.city_code)
        .group_by(c.c.province_code),
    )
    n = df.set_index("province_code")["n"]
    strongest = max(biz.PROVINCE_WEIGHT, key=biz.PROVINCE_WEIGHT.get)
    assert n[strongest] >= 5 * n.get("540000", 0)
    assert {"710000", "810000", "820000"}.isdisjoint(n.index)


def test_some_school_partners_never_sent_a_learner(conn):
    # "Thunder but little rain": signed agreements that never turned into enrolments.
    p, lr = schema.partner, schema.learner
    schools = set(conn.execute(sa.select(p.c.id).where(p.c.kind.in_(codes.SCHOOL_KINDS))).scalars())
    active = set(conn.execute(sa.select(lr.c.partner_id).distinct()).scalars())
    assert 0 < len(schools - active) < len(schools)


def test_events_stop_at_the_generated_until_date(conn):
    fe = schema.funnel_event
    latest = conn.execute(sa.select(sa.func.max(fe.c.occurred_on))).scalar_one()
    assert latest <= biz.DEFAULT_UNTIL
    assert latest >= biz.DEFAULT_UNTIL - dt.timedelta(days=10)


def test_seed_info_records_the_seed(conn):
    info = dict(conn.execute(sa.select(schema.dataset_info.c.key, schema.dataset_info.c.value)).all())
    assert info["seed"] == str(TEST_SEED) and info["learners"] == str(TEST_LEARNERS)
