"""The summary tables and the queries that read them, on SQLite, PostgreSQL and MariaDB.

Two oracles, neither of them the code under test:
- the summary tables are held equal to aggregates computed here in pandas from the raw rows, after
  the seed, after an incremental load, after a correction refreshed with ``--since``;
- every query that reads them is held equal to its raw-table version (tests/raw_oracle), over
  periods that cut months at either end, so both the summary part and the raw edges count.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import config, migrate, queries, schema
from data_access.queries import _summary
from data_access.refresh import refresh
from data_access.scope import Scope
from data_access.seed import seed_database
from tests.conftest import server_engine, wipe
from tests.raw_oracle import coverage as raw_coverage
from tests.raw_oracle import freshness as raw_freshness
from tests.raw_oracle import funnel as raw_funnel
from tests.raw_oracle import kpi as raw_kpi

UNTIL = dt.date(2026, 10, 17)  # mid-month: the last month is cut by the data itself
lr, fe, city = schema.learner, schema.funnel_event, schema.city


# --- The tables against pandas ----------------------------------------------------------------


def _bucket(days: pd.Series) -> pd.Series:
    return pd.Series(
        np.select([days <= 30, days <= 90, days <= 180, days <= 365], ["0-30", "31-90", "91-180", "181-365"], "366+"), index=days.index
    )


def _ym(d: pd.Series) -> pd.Series:
    d = pd.to_datetime(d)
    return d.dt.year * 100 + d.dt.month


def expected(conn) -> dict[str, pd.DataFrame]:
    tiers = dict(conn.execute(sa.select(city.c.code, city.c.tier)).all())
    learners = pd.DataFrame(
        conn.execute(sa.select(lr.c.id, lr.c.city_code, lr.c.province_code, lr.c.channel, lr.c.programme, lr.c.lead_on)).all(),
        columns=["id", "city_code", "province_code", "channel", "programme", "lead_on"],
    )
    events = pd.DataFrame(
        conn.execute(
            sa.select(fe.c.learner_id, fe.c.stage, fe.c.occurred_on, fe.c.channel, fe.c.city_code, fe.c.province_code, fe.c.programme)
        ).all(),
        columns=["learner_id", "stage", "occurred_on", "channel", "city_code", "province_code", "programme"],
    )
    events["occurred_on"] = pd.to_datetime(events["occurred_on"])
    learners["lead_on"] = pd.to_datetime(learners["lead_on"])
    events["event_ym"], events["tier"] = _ym(events["occurred_on"]), events["city_code"].map(tiers)
    flow = (
        events.groupby(["event_ym", "province_code", "tier", "channel", "programme", "stage"])
        .agg(events=("stage", "size"), first_on=("occurred_on", "min"), last_on=("occurred_on", "max"))
        .reset_index()
    )
    learners["lead_ym"], learners["tier"] = _ym(learners["lead_on"]), learners["city_code"].map(tiers)
    both = events[["learner_id", "stage", "occurred_on", "event_ym"]].merge(learners.rename(columns={"id": "learner_id"}), on="learner_id")
    both["days"] = (both["occurred_on"] - both["lead_on"]).dt.days
    both["lag_bucket"] = _bucket(both["days"])
    cohort = (
        both.groupby(["lead_ym", "event_ym", "province_code", "tier", "channel", "programme", "stage", "lag_bucket"])
        .agg(learners=("days", "size"), lag_days=("days", "sum"))
        .reset_index()
    )
    leads = learners.groupby(["lead_ym", "city_code", "province_code", "tier", "channel", "programme"]).size().rename("leads").reset_index()
    slices = ["lead_ym", "province_code", "tier", "channel", "programme"]
    reach = both.groupby([*slices, "stage"]).size().rename("learners").reset_index()
    leads_tier = learners.groupby(slices).size().rename("leads").reset_index()
    return {
        "summary_funnel_flow": flow,
        "summary_funnel_cohort": cohort,
        "summary_leads": leads,
        "summary_funnel_reach": reach,
        "summary_leads_tier": leads_tier,
    }


def actual(conn, name: str, columns) -> pd.DataFrame:
    table = schema.metadata.tables[name]
    df = pd.DataFrame(conn.execute(sa.select(*[table.c[col] for col in columns])).all(), columns=list(columns))
    for col in ("first_on", "last_on"):
        if col in df:
            df[col] = pd.to_datetime(df[col])
    return df


def assert_summaries_match_raw(engine) -> None:
    with engine.connect() as conn:
        for name, want in expected(conn).items():
            got = actual(conn, name, want.columns)
            keys = [c for c in want.columns if c not in ("events", "first_on", "last_on", "learners", "lag_days", "leads")]
            want = want.sort_values(keys).reset_index(drop=True)
            got = got.sort_values(keys).reset_index(drop=True)
            pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=name)


def snapshot(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {
            t.name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr)
            for t in (
                schema.summary_funnel_flow,
                schema.summary_funnel_cohort,
                schema.summary_leads,
                schema.summary_funnel_reach,
                schema.summary_leads_tier,
            )
        }


@pytest.fixture
def loaded(dialect, tmp_path) -> sa.Engine:
    """A small seeded database of its own (the tests below change its rows), data until mid-October."""
    if dialect == "sqlite":
        engine = config.make_engine(f"sqlite:///{tmp_path / 'summaries.db'}")
    else:
        engine = server_engine(dialect, "_summaries")
        wipe(engine)
    seed_database(engine, learners=1500, seed=5, until=UNTIL, progress=False)
    return engine


def _append(engine, lead_on: dt.date, stages_on: list[tuple[str, dt.date]], n: int = 3) -> None:
    """A loader appends ``n`` learners of Wuhan (online, cert_1x) and their events."""
    with engine.begin() as conn:
        next_learner = conn.execute(sa.select(sa.func.max(lr.c.id))).scalar_one() + 1
        next_event = conn.execute(sa.select(sa.func.max(fe.c.id))).scalar_one() + 1
        for i in range(n):
            lid = next_learner + i
            conn.execute(
                lr.insert().values(
                    id=lid, city_code="420100", province_code="420000", channel="online", programme="cert_1x", lead_on=lead_on
                )
            )
            for stage, on in stages_on:
                conn.execute(
                    fe.insert().values(
                        id=next_event,
                        learner_id=lid,
                        stage=stage,
                        occurred_on=on,
                        channel="online",
                        city_code="420100",
                        province_code="420000",
                        programme="cert_1x",
                    )
                )
                next_event += 1


def test_refresh_keeps_the_summaries_equal_to_the_raw_tables(loaded):
    engine = loaded
    assert_summaries_match_raw(engine)  # after the seed
    with engine.connect() as conn:
        assert queries.get_summary_status(conn).stale is False

    # An incremental load: learners whose lead is in August, events in August and in a new month.
    _append(
        engine,
        dt.date(2026, 8, 20),
        [("lead", dt.date(2026, 8, 20)), ("enrolled", dt.date(2026, 10, 16)), ("certified", dt.date(2026, 11, 3))],
    )
    with engine.connect() as conn:
        assert queries.get_summary_status(conn).stale is True
    report = refresh(engine)
    assert report.event_months == [202608, 202610, 202611]  # only the months that changed
    assert report.lead_months == [202608]
    assert_summaries_match_raw(engine)
    with engine.connect() as conn:
        assert queries.get_summary_status(conn).stale is False

    # Running it again changes nothing, and recomputes nothing.
    before = snapshot(engine)
    again = refresh(engine)
    assert (again.event_months, again.lead_months) == ([], [])
    assert snapshot(engine) == before
    # A full rebuild gives the same rows too.
    refresh(engine, full=True)
    assert snapshot(engine) == before

    # A correction in place (ids do not change): seen only with --since.
    with engine.begin() as conn:
        moved = conn.execute(sa.select(fe.c.id).where(fe.c.occurred_on >= dt.date(2026, 3, 1)).order_by(fe.c.id).limit(5)).scalars().all()
        conn.execute(fe.update().where(fe.c.id.in_(moved)).values(occurred_on=dt.date(2026, 9, 30)))
        conn.execute(fe.delete().where(fe.c.id == moved[-1]))
    assert refresh(engine).event_months == []  # nothing appended: the plain refresh cannot know
    refresh(engine, since=dt.date(2026, 3, 1))
    assert_summaries_match_raw(engine)


def test_the_upgrade_to_the_lean_summaries_fills_them_from_the_finer_ones(loaded):
    """A database of 0010 with data: after migration 0011 the lean tables answer at once (no
    refresh), equal to the raw rows, and the next refresh leaves every summary as it is."""
    migrate.downgrade(loaded, "0010")
    assert not {"summary_funnel_reach", "summary_leads_tier"} & set(sa.inspect(loaded).get_table_names())
    migrate.upgrade(loaded)
    assert_summaries_match_raw(loaded)
    before = snapshot(loaded)
    refresh(loaded, since=dt.date(2026, 9, 1))
    assert snapshot(loaded) == before


def test_seed_replace_then_refresh_empties_months_that_are_gone(loaded):
    engine = loaded
    seed_database(engine, learners=300, seed=6, until=dt.date(2025, 6, 30), replace=True, progress=False)
    assert_summaries_match_raw(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.max(schema.summary_funnel_flow.c.event_ym))).scalar_one() <= 202506


# --- The queries against their raw versions ------------------------------------------------------


def _scopes(provinces: tuple[str, ...]) -> list[Scope]:
    hubei = ("420000",) if "420000" in provinces else provinces[:1]
    return [
        Scope(provinces, dt.date(2026, 1, 1), dt.date(2026, 10, 18)),  # year to date, ends after the data
        Scope(provinces, dt.date(2025, 1, 1), dt.date(2025, 10, 18)),  # the same a year earlier: a cut month
        Scope(provinces, dt.date(2025, 7, 1), dt.date(2025, 10, 1)),  # a whole quarter
        Scope(provinces, dt.date(2024, 3, 9), dt.date(2024, 3, 20)),  # inside one month
        Scope(hubei, dt.date(2024, 2, 15), dt.date(2026, 8, 14), channels=("online", "campus"), tiers=("county", "capital")),
        Scope(provinces, dt.date(2019, 1, 1), dt.date(2027, 1, 1), programmes=("cert_1x", "teacher_cert")),
    ]


CASES = [
    ("get_funnel_by_stage", raw_funnel.get_funnel_by_stage, dict(by=("channel", "tier", "year", "month"))),
    ("get_funnel_by_stage", raw_funnel.get_funnel_by_stage, dict(by=("province", "programme"))),
    ("get_funnel_by_stage", raw_funnel.get_funnel_by_stage, dict(by=("channel",), observed_until=dt.date(2026, 5, 13))),
    ("get_funnel_by_stage", raw_funnel.get_funnel_by_stage, dict(by=("channel",), observed_until=dt.date(2025, 12, 1))),
    ("get_funnel_by_province", raw_funnel.get_funnel_by_province, {}),
    ("get_cohort_lag", raw_funnel.get_cohort_lag, {}),
    ("get_cohort_lag", raw_funnel.get_cohort_lag, dict(stages=("lead", "employed"))),
    ("get_events_by_month", raw_funnel.get_events_by_month, {}),
    ("get_events_by_month", raw_funnel.get_events_by_month, dict(by=("channel", "province"))),
    ("get_leads_by_tier_year", raw_funnel.get_leads_by_tier_year, {}),
    ("get_coverage_by_province", raw_coverage.get_coverage_by_province, {}),
    ("get_coverage_by_city", raw_coverage.get_coverage_by_city, {}),
    ("get_coverage_gaps", raw_coverage.get_coverage_gaps, {}),
    ("get_kpis", raw_kpi.get_kpis, {}),
    ("get_data_freshness", raw_freshness.get_data_freshness, {}),
]


@pytest.mark.parametrize("name,oracle,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_query_equals_its_raw_version(seeded, dialect, name, oracle, kwargs):
    engine = seeded[dialect]
    with engine.connect() as conn:
        provinces = tuple(conn.execute(sa.select(schema.province.c.code)).scalars())
        for scope in _scopes(provinces):
            got = getattr(queries, name)(conn, scope=scope, **kwargs)
            want = oracle(conn, scope=scope, **kwargs)
            pd.testing.assert_frame_equal(got, want, obj=f"{name} {scope.start}..{scope.end}")
            if name == "get_funnel_by_stage" and not kwargs.get("observed_until"):
                assert len(got), "a scope of the test data with no learners proves nothing"


def test_a_period_ending_after_the_data_reads_no_raw_rows(loaded):
    """The current year on data that stops mid-month: the cut month is answered by the summary."""
    with loaded.connect() as conn:
        part = _summary.split(conn, _summary.EVENTS, dt.date(2026, 1, 1), UNTIL + dt.timedelta(days=1))
        assert (part.lo, part.hi, part.edges) == (202601, 202610, ())
        # A year earlier the same dates cut October 2025, which has later rows: that part is read raw.
        part = _summary.split(conn, _summary.EVENTS, dt.date(2025, 1, 1), dt.date(2025, 10, 18))
        assert (part.lo, part.hi, part.edges) == (202501, 202509, ((dt.date(2025, 10, 1), dt.date(2025, 10, 18)),))


def test_summaries_missing_is_reported_not_hidden(tmp_path):
    engine = config.make_engine(f"sqlite:///{tmp_path / 'raw-only.db'}")
    seed_database(engine, learners=200, seed=3, progress=False)
    with engine.begin() as conn:
        for table in schema.SUMMARY_TABLES:
            conn.execute(table.delete())
        status = queries.get_summary_status(conn)
    assert status.refreshed_at is None and status.stale is True


# --- The command line ----------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data_access.refresh", *args], capture_output=True, text=True, cwd=config.PROJECT_ROOT, timeout=120
    )


def test_refresh_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    seed_database(config.make_engine(url), learners=200, seed=3, progress=False)
    done = _cli("--database-url", url)
    assert done.returncode == 0, done.stderr
    assert "refreshed 0 event months and 0 lead months" in done.stdout
    done = _cli("--database-url", url, "--since", "2026-09-01")
    assert done.returncode == 0 and "refreshed 2 (202609–202610) event months" in done.stdout, done.stdout + done.stderr


def test_refresh_command_says_what_is_wrong_without_a_traceback(tmp_path):
    done = _cli("--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert done.returncode == 1
    assert done.stderr.startswith("refresh: cannot refresh") and "Traceback" not in done.stderr
    done = _cli("--database-url", f"sqlite:///{tmp_path / 'x.db'}", "--since", "yesterday")
    assert done.returncode == 2 and "invalid fromisoformat value" in done.stderr
