"""Query functions: the same answers on SQLite, PostgreSQL and MariaDB, and scopes that hold."""

from __future__ import annotations

import datetime as dt
import decimal
import inspect

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import codes, queries, schema
from data_access.queries import SCOPED_QUERIES
from data_access.scope import ScopeError, year_scope

YEAR = 2025
HENAN, HUBEI = "410000", "420000"
# Extra arguments some queries need; the scope is always passed by keyword.
EXTRA = {
    "get_investment_by": {"grain": "sector"},
    "get_project_detail": {"project_id": 1},
}


def all_codes(conn) -> tuple[str, ...]:
    return tuple(queries.get_province_catalogue(conn)["province_code"])


def run(fn, conn, scope):
    return fn(conn, scope=scope, **EXTRA.get(fn.__name__, {}))


def frames_of(result) -> list[pd.DataFrame]:
    if isinstance(result, queries.ProjectDetail):
        return [result.plan, result.payments, result.milestones]
    return [result]


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Make frames from different drivers comparable: dates as ISO text, numbers as float."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object and s.map(lambda v: isinstance(v, (dt.date, type(None)))).all() and s.notna().any():
            out[col] = s.map(lambda v: v.isoformat() if v is not None else None)
        elif pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            out[col] = s.astype("float64")
        else:
            out[col] = s.map(lambda v: float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, bool) else v)
    return out.reset_index(drop=True)


@pytest.fixture(scope="module")
def sqlite_conn(seeded):
    with seeded["sqlite"].connect() as conn:
        yield conn


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
@pytest.mark.parametrize("fn", SCOPED_QUERIES, ids=lambda f: f.__name__)
def test_every_query_gives_the_same_result_on_every_dialect(fn, server, seeded, sqlite_conn):
    scope = year_scope(all_codes(sqlite_conn), YEAR)
    expected = frames_of(run(fn, sqlite_conn, scope))
    with seeded[server].connect() as conn:
        got = frames_of(run(fn, conn, scope))
    for e, g in zip(expected, got):
        assert list(e.columns) == list(g.columns)
        pd.testing.assert_frame_equal(normalise(e), normalise(g), check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize("fn", SCOPED_QUERIES, ids=lambda f: f.__name__)
def test_every_query_takes_scope_as_a_required_keyword(fn):
    param = inspect.signature(fn).parameters["scope"]
    assert param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is inspect.Parameter.empty


def business_rows(result) -> int:
    """Rows that carry data: for KPIs the metrics with a non-zero value."""
    if isinstance(result, pd.DataFrame) and list(result.columns) == ["metric", "value", "previous", "target"]:
        return int((result[["value", "previous"]].abs().sum(axis=1) > 0).sum())
    if isinstance(result, pd.DataFrame) and "rows" in result.columns:
        return int(result["rows"].sum())
    return sum(len(f) for f in frames_of(result))


@pytest.mark.parametrize("fn", SCOPED_QUERIES, ids=lambda f: f.__name__)
def test_an_empty_province_list_returns_nothing(fn, sqlite_conn):
    assert business_rows(run(fn, sqlite_conn, year_scope((), YEAR))) == 0


@pytest.mark.parametrize("fn", SCOPED_QUERIES, ids=lambda f: f.__name__)
def test_an_unknown_adcode_returns_nothing(fn, sqlite_conn):
    assert business_rows(run(fn, sqlite_conn, year_scope(("999999",), YEAR))) == 0


@pytest.mark.parametrize("fn", SCOPED_QUERIES, ids=lambda f: f.__name__)
def test_no_query_ignores_the_provinces_of_its_scope(fn, sqlite_conn):
    # Henan and Hubei are both strong provinces: any query honouring the scope answers differently.
    henan = frames_of(run(fn, sqlite_conn, year_scope((HENAN,), YEAR)))
    hubei = frames_of(run(fn, sqlite_conn, year_scope((HUBEI,), YEAR)))
    if fn.__name__ == "get_project_detail":
        henan = frames_of(fn(sqlite_conn, scope=year_scope((HENAN,), YEAR), project_id=_project_in(sqlite_conn, HUBEI)))
    assert any(not normalise(a).equals(normalise(b)) for a, b in zip(henan, hubei))


def _project_in(conn, province: str) -> int:
    pj, c = schema.project, schema.city
    return (
        conn.execute(sa.select(pj.c.id).join(c, c.c.code == pj.c.city_code).where(c.c.province_code == province).order_by(pj.c.id))
        .scalars()
        .first()
    )


def test_project_detail_is_hidden_outside_the_scope(sqlite_conn):
    pid = _project_in(sqlite_conn, HUBEI)
    inside = queries.get_project_detail(sqlite_conn, scope=year_scope((HUBEI,), YEAR), project_id=pid)
    outside = queries.get_project_detail(sqlite_conn, scope=year_scope((HENAN,), YEAR), project_id=pid)
    assert len(inside.plan) > 0 and len(inside.milestones) > 0
    assert len(outside.plan) == len(outside.payments) == len(outside.milestones) == 0


def test_one_province_sees_only_that_province(sqlite_conn):
    scope = year_scope((HUBEI,), YEAR)
    assert set(queries.get_coverage_by_province(sqlite_conn, scope=scope)["province_code"]) == {HUBEI}
    assert set(queries.get_coverage_by_city(sqlite_conn, scope=scope)["province_code"]) == {HUBEI}
    assert set(queries.get_partner_points(sqlite_conn, scope=scope)["province_code"]) == {HUBEI}
    assert set(queries.get_investment_by_project(sqlite_conn, scope=scope)["province_code"]) == {HUBEI}
    assert set(queries.get_funnel_by_province(sqlite_conn, scope=scope)["province_code"]) == {HUBEI}


def test_provinces_add_up_to_the_national_total(sqlite_conn):
    codes_ = all_codes(sqlite_conn)
    national = queries.get_coverage_by_province(sqlite_conn, scope=year_scope(codes_, YEAR))
    henan = queries.get_coverage_by_province(sqlite_conn, scope=year_scope((HENAN,), YEAR))
    row = national.set_index("province_code").loc[HENAN]
    assert henan.iloc[0]["partners"] == row["partners"] and henan.iloc[0]["leads"] == row["leads"]


@pytest.mark.parametrize("hostile", ["' OR 1=1 --", "410000' OR '1'='1", "41000", "4100001", "四川", "410000;DROP TABLE partner"])
def test_hostile_province_values_are_refused(hostile):
    with pytest.raises(ScopeError):
        year_scope((hostile,), YEAR)


def test_ten_thousand_codes_are_refused_with_a_clear_error():
    with pytest.raises(ScopeError, match="at most"):
        year_scope(tuple(f"{i:06d}" for i in range(10_000)), YEAR)


def test_a_single_string_is_not_taken_for_a_list_of_codes():
    with pytest.raises(ScopeError, match="sequence"):
        year_scope("410000", YEAR)


@pytest.mark.parametrize("field,value", [("channels", ("campus", "x' OR 1=1")), ("kinds", ("gov",)), ("tiers", ("city",))])
def test_unknown_slice_codes_are_refused(field, value):
    with pytest.raises(ScopeError, match="unknown code"):
        year_scope((HENAN,), YEAR, **{field: value})


def test_channel_slices_partition_the_leads(sqlite_conn):
    codes_ = all_codes(sqlite_conn)
    total = queries.get_coverage_by_province(sqlite_conn, scope=year_scope(codes_, YEAR))["leads"].sum()
    parts = sum(
        queries.get_coverage_by_province(sqlite_conn, scope=year_scope(codes_, YEAR, channels=(ch,)))["leads"].sum()
        for ch in codes.CHANNELS
    )
    assert total == parts > 0


def test_cohort_funnel_never_rises_from_stage_to_stage(sqlite_conn):
    df = queries.get_funnel_by_stage(sqlite_conn, scope=year_scope(all_codes(sqlite_conn), YEAR), by=("channel",))
    pivot = df[df["stage"].isin(codes.STAGES)].pivot(index="stage", columns="channel", values="learners")
    pivot = pivot.reindex(list(codes.STAGES)).fillna(0)
    assert (pivot.diff().iloc[1:] <= 0).all().all()


def test_funnel_leads_equal_coverage_leads(sqlite_conn):
    scope = year_scope(all_codes(sqlite_conn), YEAR)
    funnel = queries.get_funnel_by_stage(sqlite_conn, scope=scope, by=())
    coverage = queries.get_coverage_by_province(sqlite_conn, scope=scope)
    assert funnel.set_index("stage").loc["lead", "learners"] == coverage["leads"].sum()


def test_investment_groupings_reconcile_with_projects(sqlite_conn):
    scope = year_scope(all_codes(sqlite_conn), YEAR)
    projects = queries.get_investment_by_project(sqlite_conn, scope=scope)
    for grain in ("sector", "province", "partner"):
        grouped = queries.get_investment_by(sqlite_conn, scope=scope, grain=grain)
        for col in ("planned_yuan", "committed_yuan", "disbursed_yuan"):
            assert grouped[col].sum() == pytest.approx(projects[col].sum())
        assert grouped["projects"].sum() == len(projects)


def test_disbursed_by_month_reconciles_with_projects(sqlite_conn):
    scope = year_scope(all_codes(sqlite_conn), YEAR)
    monthly = queries.get_disbursed_by_month(sqlite_conn, scope=scope)
    projects = queries.get_investment_by_project(sqlite_conn, scope=scope)
    assert monthly["disbursed_yuan"].sum() == pytest.approx(projects["disbursed_yuan"].sum())
    assert set(monthly["year"]) == {YEAR}


def test_at_risk_flags_follow_their_definition(sqlite_conn):
    df = queries.get_investment_by_project(sqlite_conn, scope=year_scope(all_codes(sqlite_conn), YEAR))
    assert df["at_risk"].any() and not df["at_risk"].all()
    assert (df["at_risk"] == (df["ahead_of_plan"] | (df["overdue_milestones"] > 0))).all()


def test_kpis_have_targets_for_a_national_year_and_none_for_a_channel_slice(sqlite_conn):
    codes_ = all_codes(sqlite_conn)
    k = queries.get_kpis(sqlite_conn, scope=year_scope(codes_, YEAR)).set_index("metric")
    assert k.loc["leads", "target"] > 0 and k.loc["schools", "target"] == 90
    sliced = queries.get_kpis(sqlite_conn, scope=year_scope(codes_, YEAR, channels=("online",))).set_index("metric")
    assert np.isnan(sliced.loc["leads", "target"])
    assert sliced.loc["leads", "value"] < k.loc["leads", "value"]


def test_kpi_previous_equals_value_of_the_previous_year(sqlite_conn):
    codes_ = all_codes(sqlite_conn)
    this = queries.get_kpis(sqlite_conn, scope=year_scope(codes_, YEAR)).set_index("metric")
    last = queries.get_kpis(sqlite_conn, scope=year_scope(codes_, YEAR - 1)).set_index("metric")
    pd.testing.assert_series_equal(this["previous"], last["value"], check_names=False)


def test_freshness_reports_the_latest_dates(sqlite_conn):
    fresh = queries.get_data_freshness(sqlite_conn, scope=year_scope(all_codes(sqlite_conn), YEAR))
    latest = sqlite_conn.execute(sa.select(sa.func.max(schema.funnel_event.c.occurred_on))).scalar_one()
    assert fresh.set_index("source").loc["funnel_event", "latest_on"] == latest
    assert queries.data_as_of(fresh) >= latest


def test_gaps_are_cities_with_leads_and_no_partner(sqlite_conn):
    scope = year_scope(all_codes(sqlite_conn), YEAR)
    gaps = queries.get_coverage_gaps(sqlite_conn, scope=scope)
    cities = queries.get_coverage_by_city(sqlite_conn, scope=scope)
    expected = cities[(cities["partners"] == 0) & (cities["leads"] > 0)]
    assert sorted(gaps["city_code"]) == sorted(expected["city_code"])  # every one: the page lists and exports them all
    assert (gaps["leads"].diff().dropna() <= 0).all()
    assert "county" in set(gaps["tier"])


def test_national_targets_apply_when_only_national_rows_are_loaded(tmp_path):
    from data_access import config
    from data_access.seed import seed_database

    engine = config.make_engine(f"sqlite:///{tmp_path / 'national.db'}")
    seed_database(engine, learners=500, seed=3, progress=False)
    with engine.begin() as conn:
        conn.execute(schema.target.delete().where(schema.target.c.province_code.is_not(None)))
    with engine.connect() as conn:
        national = queries.get_kpis(conn, scope=year_scope(all_codes(conn), YEAR)).set_index("metric")
        henan = queries.get_kpis(conn, scope=year_scope((HENAN,), YEAR)).set_index("metric")
    assert national.loc["leads", "target"] > 0
    assert np.isnan(henan.loc["leads", "target"])


def test_a_selection_of_ends_becomes_the_partner_kinds_of_those_ends():
    from data_access.scope import selection_scope

    s = selection_scope((HENAN,), dt.date(2025, 1, 1), dt.date(2026, 1, 1), ends=("S", "G"), channels=("online",), tiers=codes.TIERS)
    assert set(s.kinds) == {k for k, e in codes.END_OF_KIND.items() if e in ("S", "G")} and "enterprise" not in s.kinds


# ---- programme and project-kind slices ------------------------------------------------------------


@pytest.mark.parametrize("server", ["sqlite", "postgresql", "mariadb"])
def test_programme_slices_partition_the_leads_and_the_funnel(server, seeded):
    with seeded[server].connect() as conn:
        codes_ = all_codes(conn)
        total = queries.get_funnel_by_stage(conn, scope=year_scope(codes_, YEAR), by=()).set_index("stage")["learners"]
        parts = [
            queries.get_funnel_by_stage(conn, scope=year_scope(codes_, YEAR, programmes=(pr,)), by=()).set_index("stage")["learners"]
            for pr in codes.PROGRAMMES
        ]
        one_x = queries.get_kpis(conn, scope=year_scope(codes_, YEAR, programmes=("cert_1x",))).set_index("metric")
        direct = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.funnel_event)
            .where(
                schema.funnel_event.c.programme == "cert_1x",
                schema.funnel_event.c.stage == "lead",
                schema.funnel_event.c.occurred_on >= dt.date(YEAR, 1, 1),
                schema.funnel_event.c.occurred_on < dt.date(YEAR + 1, 1, 1),
            )
        ).scalar_one()
    assert total["lead"] == sum(p.get("lead", 0) for p in parts) > 0
    assert 0 < one_x.loc["leads", "value"] == direct < total["lead"]
    assert one_x["target"].isna().all()  # targets are not set per programme: none, rather than a wrong one


@pytest.mark.parametrize("server", ["sqlite", "postgresql", "mariadb"])
def test_project_kind_slices_partition_the_projects_and_their_money(server, seeded):
    with seeded[server].connect() as conn:
        codes_ = all_codes(conn)
        everything = queries.get_investment_by_project(conn, scope=year_scope(codes_, YEAR))
        colleges = queries.get_investment_by_project(conn, scope=year_scope(codes_, YEAR, project_kinds=("industry_college",)))
        kpis = queries.get_kpis(conn, scope=year_scope(codes_, YEAR, project_kinds=("industry_college",))).set_index("metric")
    assert 0 < len(colleges) < len(everything) and set(colleges["kind"]) == {"industry_college"}
    assert kpis.loc["planned_yuan", "value"] == pytest.approx(colleges["planned_yuan"].sum())
    assert kpis.loc["committed_yuan", "value"] == pytest.approx(colleges["committed_yuan"].sum())


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_the_seed_writes_the_same_rows_on_every_dialect(server, seeded):
    """The bulk paths differ (executemany on SQLite, COPY on PostgreSQL, multi-row INSERT on MariaDB);
    the rows must not: per stage and channel, the count, the id sum and the date range."""
    fe, lr = schema.funnel_event, schema.learner

    def fingerprint(conn) -> list[tuple]:
        events = conn.execute(
            sa.select(
                fe.c.stage,
                fe.c.channel,
                fe.c.programme,
                sa.func.count(),
                sa.func.sum(fe.c.id),
                sa.func.sum(fe.c.learner_id),
                sa.func.min(fe.c.occurred_on),
                sa.func.max(fe.c.occurred_on),
            )
            .group_by(fe.c.stage, fe.c.channel, fe.c.programme)
            .order_by(fe.c.stage, fe.c.channel, fe.c.programme)
        ).all()
        learners = conn.execute(
            sa.select(
                sa.func.count(), sa.func.sum(lr.c.id), sa.func.count(lr.c.partner_id), sa.func.min(lr.c.lead_on), sa.func.max(lr.c.lead_on)
            )
        ).all()
        # Sums come back as int (SQLite) or Decimal (PostgreSQL, MariaDB); dates as dates or ISO text.
        return [tuple(int(v) if isinstance(v, (int, decimal.Decimal)) else str(v) for v in row) for row in [*events, *learners]]

    with seeded["sqlite"].connect() as a, seeded[server].connect() as b:
        assert fingerprint(a) == fingerprint(b)
