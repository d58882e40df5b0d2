"""The one pro-rating rule (data_access/periods.py) and the queries that use it, on real databases.

Plans (budget_plan) and targets (target) are per calendar year; a period that is not a whole year
gets each year's figure times the year's share of it: 1/12 a month, a month in part by its days.
The rule is checked on literal values first, then on the seeded SQLite, PostgreSQL and MariaDB
databases against the raw budget_plan and target rows read with this file's own SELECTs (the
expectation is computed here, never copied from a query's output), and across queries: the
sector bars and the project table add up to the KPI card.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
import sqlalchemy as sa

from components.filters import Filters, filter_scope, period_span
from data_access import periods, queries, schema
from data_access.scope import Scope, year_scope

D = dt.date
pj, bp, tg, p, c = schema.project, schema.budget_plan, schema.target, schema.partner, schema.city
AS_OF = D(2026, 10, 31)  # the seeded data's as-of date (tests/conftest.py seeds with the default until)
FEN = 0.005  # half a fen, in yuan: "equal to a fen"


# --------------------------------------------------------------------------- helpers


def all_codes(conn) -> tuple[str, ...]:
    return tuple(conn.execute(sa.select(schema.province.c.code).order_by(schema.province.c.code)).scalars())


def alive_projects(conn, provinces, start: dt.date, end: dt.date) -> set[int]:
    """Projects of the provinces whose term overlaps [start, end), by this file's own SELECT (an
    unsliced scope: every partner kind, tier and project kind)."""
    stmt = (
        sa.select(pj.c.id)
        .select_from(pj.join(p, p.c.id == pj.c.partner_id).join(c, c.c.code == pj.c.city_code))
        .where(c.c.province_code.in_(provinces), pj.c.start_on < end, pj.c.end_on >= start)
    )
    return set(conn.execute(stmt).scalars())


def plan_rows(conn, ids: set[int]) -> list[tuple[int, int, int]]:
    """The raw budget_plan rows (project_id, year, planned_fen) of the projects ``ids``."""
    if not ids:
        return []
    stmt = sa.select(bp.c.project_id, bp.c.year, bp.c.planned_fen).where(bp.c.project_id.in_(sorted(ids)))
    return [(int(i), int(y), int(f)) for i, y, f in conn.execute(stmt)]


def rule_yuan(rows, start: dt.date, end: dt.date) -> float:
    """The plan of [start, end) from raw rows, each year's figure times its share (yuan)."""
    return sum(fen * periods.year_share(year, start, end) for _, year, fen in rows) / 100


def kpi(conn, scope: Scope, metric: str, column: str = "value", **kw) -> float:
    return float(queries.get_kpis(conn, scope=scope, **kw).set_index("metric").loc[metric, column])


def national_target(conn, year: int, metric: str) -> float | None:
    v = conn.execute(sa.select(tg.c.value).where(tg.c.province_code.is_(None), tg.c.year == year, tg.c.metric == metric)).scalar()
    return None if v is None else float(v)


def ensure_national_target(conn, year: int, metric: str, value: int) -> float:
    """The seeded national target, or one inserted in the test's rolled-back transaction."""
    got = national_target(conn, year, metric)
    if got is None:
        conn.execute(tg.insert().values(year=year, province_code=None, metric=metric, value=value))
        got = float(value)
    return got


QUARTER = period_span("2026Q3")
MONTHS = [period_span(f"2026-{m:02d}") for m in (7, 8, 9)]


# --------------------------------------------------------------------------- 1. the rule on literal values


def test_the_spans_of_a_quarter_and_its_months_are_what_the_labels_say():
    assert QUARTER == (D(2026, 7, 1), D(2026, 10, 1))
    assert MONTHS == [(D(2026, 7, 1), D(2026, 8, 1)), (D(2026, 8, 1), D(2026, 9, 1)), (D(2026, 9, 1), D(2026, 10, 1))]
    assert period_span("2026Q4") == (D(2026, 10, 1), D(2027, 1, 1)) and period_span("2026-12") == (D(2026, 12, 1), D(2027, 1, 1))


@pytest.mark.parametrize("year", [2025, 2026, 2028])  # 2028 is a leap year
def test_every_month_carries_a_twelfth_and_a_quarter_is_the_sum_of_its_months(year):
    for m in range(1, 13):
        start, end = period_span(f"{year}-{m:02d}")
        assert periods.year_share(year, start, end) == pytest.approx(1 / 12, abs=1e-15)
    for q in range(1, 5):
        start, end = period_span(f"{year}Q{q}")
        months = [period_span(f"{year}-{m:02d}") for m in range(3 * q - 2, 3 * q + 1)]
        assert months[0][0] == start and months[-1][1] == end
        assert periods.year_share(year, start, end) == pytest.approx(sum(periods.year_share(year, *mo) for mo in months), abs=1e-15)
        assert periods.year_share(year, start, end) == pytest.approx(0.25, abs=1e-15)


@pytest.mark.parametrize("year", [2025, 2028])
def test_a_year_is_the_sum_of_its_four_quarters_and_all_of_its_figure(year):
    quarters = [periods.year_share(year, *period_span(f"{year}Q{q}")) for q in range(1, 5)]
    assert sum(quarters) == pytest.approx(1.0, abs=1e-15)
    assert periods.year_share(year, D(year, 1, 1), D(year + 1, 1, 1)) == pytest.approx(1.0, abs=1e-15)
    assert periods.year_shares(D(year, 1, 1), D(year + 1, 1, 1)) == {year: pytest.approx(1.0, abs=1e-15)}
    assert periods.period_amount({year: 1234.5}, D(year, 1, 1), D(year + 1, 1, 1)) == pytest.approx(1234.5)


@pytest.mark.parametrize("year", [2025, 2028])
def test_a_custom_range_is_whole_months_plus_the_days_of_a_month_in_part(year):
    # [1 Feb, 16 Mar): February whole (1/12, leap year or not) and 15 of March's 31 days.
    expected = Fraction(1, 12) + Fraction(15, 31) * Fraction(1, 12)
    assert periods.year_share(year, D(year, 2, 1), D(year, 3, 16)) == pytest.approx(float(expected), abs=1e-15)
    assert periods.period_amount({year: 1200}, D(year, 2, 1), D(year, 3, 16)) == pytest.approx(100 + 15 / 31 * 100)
    # Half of February's days: 14 of 28, or 15 of 29 in a leap year.
    feb = 29 if year % 4 == 0 else 28
    days = (D(year, 3, 1) - D(year, 2, 15)).days
    assert days == feb - 14
    assert periods.year_share(year, D(year, 2, 15), D(year, 3, 1)) == pytest.approx(days / feb / 12, abs=1e-15)
    # A single day of a 30-day month.
    assert periods.year_share(year, D(year, 4, 30), D(year, 5, 1)) == pytest.approx(1 / 30 / 12, abs=1e-15)


def test_a_range_over_a_year_boundary_adds_each_years_part():
    start, end = D(2025, 12, 16), D(2026, 1, 16)
    shares = periods.year_shares(start, end)
    assert shares == {2025: pytest.approx(16 / 31 / 12, abs=1e-15), 2026: pytest.approx(15 / 31 / 12, abs=1e-15)}
    assert periods.period_amount({2025: 3100, 2026: 6200}, start, end) == pytest.approx(16 / 31 / 12 * 3100 + 15 / 31 / 12 * 6200)
    # The example of the brief: December 2025 and January 2026, a twelfth of each year.
    assert periods.period_amount({2025: 1200, 2026: 2400}, D(2025, 12, 1), D(2026, 2, 1)) == pytest.approx(100 + 200)
    # Three years: the middle one whole.
    assert periods.period_amount({2024: 12, 2025: 120, 2026: 1200}, D(2024, 12, 1), D(2026, 2, 1)) == pytest.approx(1 + 120 + 100)


def test_empty_and_zero_cases():
    day = D(2026, 5, 10)
    assert periods.year_shares(day, day) == {}  # an empty range has no share
    assert periods.period_amount({2026: 1200}, day, day) == 0
    assert periods.year_shares(D(2026, 1, 1), D(2026, 1, 1)) == {}
    assert periods.period_amount({}, D(2026, 1, 1), D(2027, 1, 1)) == 0  # no figures
    assert periods.period_amount({2025: 1200}, D(2026, 1, 1), D(2027, 1, 1)) == 0  # figures of other years only
    assert periods.period_amount({2026: 0}, D(2026, 1, 1), D(2027, 1, 1)) == 0
    assert periods.period_amount({2025: 1200}, D(2025, 12, 1), D(2026, 2, 1)) == pytest.approx(100)  # a year without a figure adds 0
    # A year outside the range has no share, either side.
    assert periods.year_share(2025, D(2026, 1, 1), D(2026, 7, 1)) == 0.0
    assert periods.year_share(2027, D(2026, 1, 1), D(2027, 1, 1)) == 0.0
    assert list(periods.year_shares(D(2026, 3, 1), D(2027, 1, 1))) == [2026]  # an end on 1 January touches no next year


# --------------------------------------------------------------------------- 2. a quarter on the real databases


def test_a_quarters_plan_is_its_projects_rows_pro_rated_and_every_view_adds_up_to_it(conn):
    codes_ = all_codes(conn)
    start, end = QUARTER
    scope = Scope(codes_, start, end)
    ids = alive_projects(conn, codes_, start, end)
    rows = plan_rows(conn, ids)
    assert ids and any(y == 2026 for _, y, _ in rows), "the seed has 2026 plans for projects alive in 2026Q3"

    by_project = queries.get_investment_by_project(conn, scope=scope)
    assert set(by_project["project_id"].astype(int)) == ids  # the query sees the same projects as the SELECT

    expected = rule_yuan(rows, start, end)
    # The rule on the raw rows: a quarter of each project's 2026 plan (other years have no share).
    assert expected == pytest.approx(sum(f for _, y, f in rows if y == 2026) / 4 / 100, abs=FEN)
    # ... which is the sum of its three months' plans, each by the rule, over the same projects.
    assert expected == pytest.approx(sum(rule_yuan(rows, *m) for m in MONTHS), abs=FEN)

    planned = kpi(conn, scope, "planned_yuan")
    assert planned == pytest.approx(expected, abs=FEN) and planned > 0
    by_sector = queries.get_investment_by(conn, scope=scope, grain="sector")
    assert float(by_sector["planned_yuan"].sum()) == pytest.approx(planned, abs=FEN)
    assert int(by_sector["projects"].sum()) == len(ids)
    assert float(by_project["planned_yuan"].sum()) == pytest.approx(planned, abs=FEN)
    by_province = queries.get_investment_by(conn, scope=scope, grain="province")
    assert float(by_province["planned_yuan"].sum()) == pytest.approx(planned, abs=FEN)

    # Each project's plan for the quarter is its own rows by the rule.
    own = {i: 0.0 for i in ids}
    for i, y, f in rows:
        own[i] += f * periods.year_share(y, start, end) / 100
    got = dict(zip(by_project["project_id"].astype(int), by_project["planned_yuan"].astype(float)))
    assert got == {i: pytest.approx(v, abs=FEN) for i, v in own.items()}


def test_each_months_plan_is_its_own_projects_rows_and_a_quarter_adds_its_months_per_project(conn):
    """The months' KPI plans do not add up to the quarter's when a project starts inside the
    quarter (a month counts only the projects alive in it), so each month is held against its own
    projects' rows; a project alive in all three months has a quarter plan that is exactly the sum
    of its three month plans in the project table."""
    codes_ = all_codes(conn)
    start, end = QUARTER
    quarter_ids = alive_projects(conn, codes_, start, end)
    month_tables = []
    for m_start, m_end in MONTHS:
        ids = alive_projects(conn, codes_, m_start, m_end)
        assert ids <= quarter_ids
        assert kpi(conn, Scope(codes_, m_start, m_end), "planned_yuan") == pytest.approx(
            rule_yuan(plan_rows(conn, ids), m_start, m_end), abs=FEN
        )
        table = queries.get_investment_by_project(conn, scope=Scope(codes_, m_start, m_end))
        month_tables.append(dict(zip(table["project_id"].astype(int), table["planned_yuan"].astype(float))))
    quarter = queries.get_investment_by_project(conn, scope=Scope(codes_, start, end))
    quarter_plan = dict(zip(quarter["project_id"].astype(int), quarter["planned_yuan"].astype(float)))
    in_every_month = set.intersection(*(set(t) for t in month_tables))
    assert in_every_month and any(quarter_plan[i] > 0 for i in in_every_month)
    for i in in_every_month:
        assert quarter_plan[i] == pytest.approx(sum(t[i] for t in month_tables), abs=FEN), i
    # Projects that start inside the quarter are left out of the months before their start.
    late = quarter_ids - in_every_month
    if late:
        starts = dict(conn.execute(sa.select(pj.c.id, pj.c.start_on).where(pj.c.id.in_(sorted(late)))).all())
        assert all(dt.date.fromisoformat(str(s)) > MONTHS[0][0] for s in starts.values())


def test_the_plan_to_date_runs_to_the_as_of_date_by_the_same_rule(conn):
    codes_ = all_codes(conn)
    start, end = QUARTER
    as_of = D(2026, 8, 15)
    table = queries.get_investment_by_project(conn, scope=Scope(codes_, start, end), as_of=as_of)
    rows = plan_rows(conn, set(table["project_id"].astype(int)))
    share = periods.year_share(2026, D(2026, 1, 1), as_of + dt.timedelta(days=1))  # 7 months and 15 of August's 31 days
    assert share == pytest.approx((7 + 15 / 31) / 12, abs=1e-15)
    expected = {i: 0.0 for i in table["project_id"].astype(int)}
    for i, y, f in rows:
        expected[i] += (f if y < 2026 else f * share if y == 2026 else 0) / 100
    got = dict(zip(table["project_id"].astype(int), table["planned_to_date_yuan"].astype(float)))
    assert got == {i: pytest.approx(v, abs=FEN) for i, v in expected.items()}
    assert sum(expected.values()) > 0


# --------------------------------------------------------------------------- 3. a whole year: the year view unchanged


def test_a_years_plan_is_its_projects_rows_for_the_year_and_the_sum_of_its_quarters(conn):
    codes_ = all_codes(conn)
    scope = year_scope(codes_, 2025)
    ids = alive_projects(conn, codes_, scope.start, scope.end)
    rows = plan_rows(conn, ids)
    of_2025 = sum(f for _, y, f in rows if y == 2025) / 100
    assert of_2025 > 0 and any(y != 2025 for _, y, _ in rows)  # other years' rows exist and must not count

    planned = kpi(conn, scope, "planned_yuan")
    assert planned == pytest.approx(of_2025, abs=FEN)
    quarters = [rule_yuan(rows, *period_span(f"2025Q{q}")) for q in range(1, 5)]
    assert sum(quarters) == pytest.approx(of_2025, abs=FEN)
    assert all(q == pytest.approx(of_2025 / 4, abs=FEN) for q in quarters)
    # Every view of the year agrees: the project table, the sector bars and the plan-by-year series.
    assert float(queries.get_investment_by_project(conn, scope=scope)["planned_yuan"].sum()) == pytest.approx(planned, abs=FEN)
    assert float(queries.get_investment_by(conn, scope=scope, grain="sector")["planned_yuan"].sum()) == pytest.approx(planned, abs=FEN)
    by_year = queries.get_planned_by_year(conn, scope=scope)
    assert by_year["year"].tolist() == [2025]
    assert float(by_year["planned_yuan"].iloc[0]) == pytest.approx(planned, abs=FEN)


# --------------------------------------------------------------------------- 4. targets


def test_a_quarters_flow_targets_are_a_quarter_of_the_years_and_stock_targets_the_year_end(conn):
    codes_ = all_codes(conn)
    leads = ensure_national_target(conn, 2026, "leads", 1200)
    partners = ensure_national_target(conn, 2026, "partners", 500)
    planned_fen = ensure_national_target(conn, 2026, "planned_fen", 120_000_000)
    k = queries.get_kpis(conn, scope=Scope(codes_, *QUARTER)).set_index("metric")
    assert float(k.loc["leads", "target"]) == pytest.approx(leads / 4)
    assert float(k.loc["planned_yuan", "target"]) == pytest.approx(planned_fen / 4 / 100)
    assert float(k.loc["partners", "target"]) == pytest.approx(partners)  # a level at the end of the year, not pro-rated
    # A month a twelfth; the whole year all of it.
    july = queries.get_kpis(conn, scope=Scope(codes_, *MONTHS[0])).set_index("metric")
    assert float(july.loc["leads", "target"]) == pytest.approx(leads / 12)
    assert float(july.loc["partners", "target"]) == pytest.approx(partners)
    year = queries.get_kpis(conn, scope=year_scope(codes_, 2026)).set_index("metric")
    assert float(year.loc["leads", "target"]) == pytest.approx(leads)


def test_a_target_changed_in_the_database_moves_the_quarters_share(conn):
    """Not the seed's numbers by chance: a target written here (rolled back after) is pro-rated."""
    codes_ = all_codes(conn)
    conn.execute(tg.delete().where(tg.c.province_code.is_(None), tg.c.year == 2026, tg.c.metric.in_(("leads", "partners"))))
    conn.execute(
        tg.insert(),
        [
            dict(year=2026, province_code=None, metric="leads", value=4812),
            dict(year=2026, province_code=None, metric="partners", value=777),
        ],
    )
    assert national_target(conn, 2026, "leads") == 4812
    k = queries.get_kpis(conn, scope=Scope(codes_, *QUARTER)).set_index("metric")
    assert float(k.loc["leads", "target"]) == pytest.approx(1203)
    assert float(k.loc["partners", "target"]) == pytest.approx(777)


def test_a_range_over_a_year_boundary_adds_each_years_target_part(conn):
    codes_ = all_codes(conn)
    t25 = ensure_national_target(conn, 2025, "leads", 1200)
    t26 = ensure_national_target(conn, 2026, "leads", 2400)
    p26 = ensure_national_target(conn, 2026, "partners", 500)
    k = queries.get_kpis(conn, scope=Scope(codes_, D(2025, 12, 1), D(2026, 2, 1))).set_index("metric")
    assert float(k.loc["leads", "target"]) == pytest.approx(t25 / 12 + t26 / 12)
    assert float(k.loc["partners", "target"]) == pytest.approx(p26)  # the end of the last year


# --------------------------------------------------------------------------- 5. a period the data stops inside


def test_a_year_the_data_stops_inside_keeps_its_end_for_plans():
    allowed = ("410000", "420000")
    s = filter_scope(Filters(period="2026"), allowed, AS_OF)
    assert (s.start, s.end, s.plan_end, s.plan_until) == (D(2026, 1, 1), D(2026, 11, 1), D(2027, 1, 1), D(2027, 1, 1))
    whole = filter_scope(Filters(period="2025"), allowed, AS_OF)
    assert (whole.start, whole.end, whole.plan_end, whole.plan_until) == (D(2025, 1, 1), D(2026, 1, 1), None, D(2026, 1, 1))
    # A period that ends on the data's last day is whole.
    q3 = filter_scope(Filters(period="2026Q3"), allowed, D(2026, 9, 30))
    assert (q3.end, q3.plan_end) == (D(2026, 10, 1), None)


def test_the_comparisons_of_a_quarter_the_data_stops_inside():
    allowed = ("410000", "420000")
    q4 = filter_scope(Filters(period="2026Q4"), allowed, AS_OF)
    assert (q4.start, q4.end, q4.plan_end) == (D(2026, 10, 1), D(2026, 11, 1), D(2027, 1, 1))
    prev = q4.compared("prev")
    assert (prev.start, prev.end, prev.plan_end) == (D(2026, 7, 1), D(2026, 8, 1), D(2026, 10, 1))
    assert prev == q4.previous() and prev.provinces == q4.provinces
    yoy = q4.compared("yoy")
    assert (yoy.start, yoy.end, yoy.plan_end) == (D(2025, 10, 1), D(2025, 11, 1), D(2026, 1, 1))
    assert yoy == q4.year_earlier()
    year = filter_scope(Filters(period="2026"), allowed, AS_OF)
    assert (year.compared("yoy").start, year.compared("yoy").end, year.compared("yoy").plan_end) == (
        D(2025, 1, 1),
        D(2025, 11, 1),
        D(2026, 1, 1),
    )
    assert (year.compared("prev").start, year.compared("prev").end, year.compared("prev").plan_end) == (
        D(2025, 1, 1),
        D(2025, 11, 1),
        D(2026, 1, 1),
    )
    # A whole period compares with whole periods.
    whole = Scope(allowed, *QUARTER)
    assert (whole.compared("prev").start, whole.compared("prev").end, whole.compared("prev").plan_end) == (
        D(2026, 4, 1),
        D(2026, 7, 1),
        None,
    )
    assert (whole.compared("yoy").start, whole.compared("yoy").end, whole.compared("yoy").plan_end) == (D(2025, 7, 1), D(2025, 10, 1), None)
    with pytest.raises(ValueError):
        whole.compared("mom")


def test_a_year_the_data_stops_inside_plans_the_whole_year_of_its_projects(conn):
    codes_ = all_codes(conn)
    scope = filter_scope(Filters(period="2026"), codes_, AS_OF)
    assert (scope.end, scope.plan_end) == (D(2026, 11, 1), D(2027, 1, 1))
    table = queries.get_investment_by_project(conn, scope=scope, as_of=AS_OF)
    ids = set(table["project_id"].astype(int))
    # The projects alive to the data's end, perhaps with those starting later in the chosen year.
    assert alive_projects(conn, codes_, scope.start, scope.end) <= ids <= alive_projects(conn, codes_, scope.start, scope.plan_until)
    rows = plan_rows(conn, ids)
    whole_2026 = sum(f for _, y, f in rows if y == 2026) / 100  # all of 2026, not the ten months to the data
    planned = kpi(conn, scope, "planned_yuan")
    assert planned == pytest.approx(whole_2026, abs=FEN) and planned > rule_yuan(rows, scope.start, scope.end) + 1
    assert float(table["planned_yuan"].sum()) == pytest.approx(planned, abs=FEN)
    assert float(queries.get_investment_by(conn, scope=scope, grain="sector")["planned_yuan"].sum()) == pytest.approx(planned, abs=FEN)
    # The plan to date stops at the data: ten of 2026's twelve months, the years before whole.
    to_date = sum(f if y < 2026 else f * 10 / 12 if y == 2026 else 0 for _, y, f in rows) / 100
    assert float(table["planned_to_date_yuan"].sum()) == pytest.approx(to_date, abs=FEN)
    # The comparisons are computed over the compared scopes, by the same rule.
    for rule in ("yoy", "prev"):
        assert kpi(conn, scope, "planned_yuan", "previous", compare=rule) == pytest.approx(
            kpi(conn, scope.compared(rule), "planned_yuan"), abs=FEN
        )
    # Last year's figure is the whole of 2025 for its projects, too (its plan_end is 1 January 2026).
    last_year = scope.compared("yoy")
    ids_25 = set(queries.get_investment_by_project(conn, scope=last_year)["project_id"].astype(int))
    assert (
        alive_projects(conn, codes_, last_year.start, last_year.end)
        <= ids_25
        <= alive_projects(conn, codes_, last_year.start, last_year.plan_until)
    )
    rows_25 = plan_rows(conn, ids_25)
    assert kpi(conn, last_year, "planned_yuan") == pytest.approx(sum(f for _, y, f in rows_25 if y == 2025) / 100, abs=FEN)


def test_the_plan_of_a_year_the_data_stops_inside_counts_the_projects_started_by_the_data_date(conn):
    """docs/METRICS.md: a period the data stops inside keeps the plan of the period chosen (the whole
    year's plan rows) for the projects that have started by the data date; a project that starts
    later in the period joins the plan (and the project table, and committed) when it starts. So the
    card, the sector bars and the project table always count the same projects."""
    codes_ = all_codes(conn)
    cut = filter_scope(Filters(period="2026"), codes_, AS_OF)
    started = alive_projects(conn, codes_, cut.start, cut.end)
    late = alive_projects(conn, codes_, cut.start, cut.plan_until) - started
    assert late, "the seed has projects starting in November or December 2026"
    rows = conn.execute(
        sa.select(schema.budget_plan.c.planned_fen).where(schema.budget_plan.c.project_id.in_(started), schema.budget_plan.c.year == 2026)
    ).scalars()
    assert kpi(conn, cut, "planned_yuan") == pytest.approx(sum(int(v) for v in rows) / 100, abs=FEN)
    assert kpi(conn, cut, "planned_yuan") < kpi(conn, year_scope(codes_, 2026), "planned_yuan")  # the late starters are not in yet
