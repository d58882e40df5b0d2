"""Year-end pacing: the method on synthetic series with known answers, the series query against
totals computed independently from the seeded rows (three dialects), and the backtest at a small
scale."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import math
import subprocess
import sys

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import config, pacing, queries, schema
from data_access.pacing import PACED_METRICS, cumulative_share, elapsed_months, own_min_total, project_year_end
from data_access.queries.pacing import STAGE_OF
from data_access.scope import Scope, year_scope

YEAR = 2026
# An exact seasonal shape (the seed's month weights), repeated every year at another scale.
SHAPE = (0.9, 1.1, 1.35, 1.0, 0.75, 0.85, 1.0, 1.2, 1.45, 1.3, 1.15, 0.8)


def shaped(scale: float) -> list[float]:
    return [scale * w for w in SHAPE]


# --- the method -----------------------------------------------------------------------------------


def test_a_flat_series_projects_twelve_times_its_monthly_value():
    history = {2024: [100.0] * 12, 2025: [100.0] * 12}
    for month in range(1, 12):
        pr = project_year_end(100.0 * month, float(month), history, year=YEAR)
        assert pr.basis == "own" and pr.value == pytest.approx(1200.0)
        assert pr.low <= 1200.0 <= pr.high


def test_an_exactly_repeating_shape_gives_the_exact_year_end_from_every_month():
    history = {2023: shaped(10), 2024: shaped(12), 2025: shaped(15)}
    this_year = shaped(20)
    for method in ("last_year", "mean_share", "pooled_share"):
        for month in range(1, 12):
            pr = project_year_end(sum(this_year[:month]), float(month), history, year=YEAR, method=method)
            assert pr.value == pytest.approx(sum(this_year)), (method, month)


def test_the_linear_pace_misses_a_seasonal_year_that_the_chosen_method_hits():
    history = {2024: shaped(12), 2025: shaped(15)}
    ytd = sum(shaped(20)[:3])
    assert abs(project_year_end(ytd, 3.0, history, year=YEAR, method="linear").value - sum(shaped(20))) > 10
    assert project_year_end(ytd, 3.0, history, year=YEAR).value == pytest.approx(sum(shaped(20)))


def test_a_part_month_counts_pro_rata_of_its_days():
    assert elapsed_months(dt.date(2026, 11, 1)) == 10.0
    assert elapsed_months(dt.date(2026, 11, 16)) == pytest.approx(10.5)
    assert elapsed_months(dt.date(2026, 1, 1)) == 0.0
    months = [10.0] * 12
    assert cumulative_share(months, 10.5) == pytest.approx(105 / 120)
    history = {2024: months, 2025: months}
    assert project_year_end(105.0, 10.5, history, year=YEAR).value == pytest.approx(120.0)


def test_a_series_without_history_takes_the_national_shape():
    national = {2024: shaped(1000), 2025: shaped(1100)}
    province_year = shaped(3)
    pr = project_year_end(sum(province_year[:4]), 4.0, {}, year=YEAR, national=national)
    assert pr.basis == "national" and pr.value == pytest.approx(sum(province_year))


def test_without_any_history_the_linear_pace_stands_in_with_a_wide_range():
    pr = project_year_end(300.0, 3.0, {}, year=YEAR)
    assert pr.basis == "linear" and pr.value == pytest.approx(1200.0)
    assert pr.low < 1200.0 < pr.high and pr.low >= 300.0
    # One usable prior year is not enough history: linear too.
    assert project_year_end(300.0, 3.0, {2025: [100.0] * 12}, year=YEAR).basis == "linear"


def test_years_with_zero_or_trivial_totals_are_not_history():
    zero = {2023: [0.0] * 12, 2024: [1.0] * 12, 2025: shaped(10)}  # 2024 totals 12 < MIN_YEAR_TOTAL
    assert pacing.usable_years(zero, YEAR) == [2025]
    assert project_year_end(50.0, 5.0, zero, year=YEAR).basis == "linear"
    enough = {2023: [0.0] * 12, 2024: shaped(8), 2025: shaped(10)}
    assert project_year_end(sum(shaped(11)[:5]), 5.0, enough, year=YEAR).value == pytest.approx(sum(shaped(11)))


def test_a_complete_year_projects_to_its_actual():
    pr = project_year_end(1234.0, 12.0, {2025: shaped(10)}, year=YEAR, target=1000.0)
    assert (pr.value, pr.low, pr.high, pr.basis) == (1234.0, 1234.0, 1234.0, "actual")
    assert pr.share_of_target == pytest.approx(1.234)


def test_a_zero_year_to_date_projects_nothing():
    pr = project_year_end(0.0, 5.0, {2024: shaped(10), 2025: shaped(10)}, year=YEAR, target=100.0)
    assert pr.basis == "none" and math.isnan(pr.value) and math.isnan(pr.share_of_target)
    assert project_year_end(0.0, 12.0, {}, year=YEAR).basis == "none"


def test_months_that_last_year_left_empty_project_nothing():
    history = {2024: [0.0] + [10.0] * 11, 2025: [0.0] + [10.0] * 11}
    assert project_year_end(5.0, 1.0, history, year=YEAR).basis == "none"


def test_shares_of_target_follow_the_value_and_the_range():
    history = {2023: shaped(9), 2024: shaped(10), 2025: shaped(12)}
    pr = project_year_end(sum(shaped(13)[:6]), 6.0, history, year=YEAR, target=200.0)
    assert pr.low <= pr.value <= pr.high
    assert (pr.share_of_target, pr.low_share, pr.high_share) == pytest.approx((pr.value / 200, pr.low / 200, pr.high / 200))
    assert math.isnan(project_year_end(10.0, 6.0, history, year=YEAR).share_of_target)  # no target


def test_the_range_spans_what_each_prior_years_shape_gives():
    early, late = [20.0] * 6 + [0.0] * 6, [0.0] * 6 + [20.0] * 6  # a half-year, either half
    history = {2023: early, 2024: [10.0] * 12, 2025: late}
    pr = project_year_end(60.0, 6.0, history, year=YEAR, counts=False)
    assert pr.basis == "none"  # last year's shape says nothing had happened by June: no scale
    history = {2023: early, 2024: late, 2025: [10.0] * 12}
    pr = project_year_end(60.0, 6.0, history, year=YEAR, counts=False)
    assert pr.value == pytest.approx(120.0)
    assert pr.low <= 60.0 / 1.0 + 1e-9 and pr.high >= 120.0  # from the early year's (all by June) to the flat one


def test_a_part_of_the_country_needs_more_history_for_its_own_shape_and_money_never_has_it():
    assert own_min_total("leads", national=True) == pacing.MIN_YEAR_TOTAL
    assert own_min_total("leads", national=False) == pacing.OWN_MIN_EVENTS
    assert own_min_total("disbursed_yuan", national=False) == math.inf
    small = {2024: shaped(10), 2025: shaped(10)}
    national = {2024: shaped(1000), 2025: shaped(1000)}
    pr = project_year_end(30.0, 3.0, small, year=YEAR, national=national, own_min=own_min_total("leads", national=False))
    assert pr.basis == "national"


# --- the series query, on every dialect -------------------------------------------------------------


def _raw_series(conn, first: int, last: int, provinces: tuple[str, ...]) -> pd.DataFrame:
    """The paced metrics per metric, year, month and province, computed in pandas from the rows."""
    fe = schema.funnel_event
    ev = pd.DataFrame(conn.execute(sa.select(fe.c.occurred_on, fe.c.stage, fe.c.province_code)).all(), columns=["on", "stage", "province"])
    ev["on"] = pd.to_datetime(ev["on"].astype(str))
    ev = ev[(ev["on"] >= f"{first}-01-01") & (ev["on"] < f"{last + 1}-01-01") & ev["province"].isin(provinces)]
    metric_of = {s: m for m, s in STAGE_OF.items()}
    ev = ev[ev["stage"].isin(list(metric_of))].assign(metric=lambda d: d["stage"].map(metric_of), value=1.0)
    pj, db, c = schema.project, schema.disbursement, schema.city
    pay = pd.DataFrame(
        conn.execute(
            sa.select(db.c.paid_on, db.c.amount_fen, pj.c.start_on, pj.c.end_on, c.c.province_code).select_from(
                db.join(pj, pj.c.id == db.c.project_id).join(c, c.c.code == pj.c.city_code)
            )
        ).all(),
        columns=["on", "fen", "start", "end", "province"],
    )
    for col in ("on", "start", "end"):
        pay[col] = pd.to_datetime(pay[col].astype(str))
    year_start = pd.to_datetime(pay["on"].dt.year.astype(str) + "-01-01")
    alive = (pay["start"] < year_start + pd.DateOffset(years=1)) & (pay["end"] >= year_start)
    pay = pay[alive & (pay["on"].dt.year.between(first, last)) & pay["province"].isin(provinces)]
    pay = pay.assign(metric="disbursed_yuan", value=pay["fen"].astype(float) / 100)
    both = pd.concat([ev[["on", "metric", "province", "value"]], pay[["on", "metric", "province", "value"]]])
    both = both.assign(year=both["on"].dt.year, month=both["on"].dt.month)
    return both.groupby(["metric", "year", "month", "province"], as_index=False)["value"].sum()


def _keyed(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    return df.assign(year=df["year"].astype(int), month=df["month"].astype(int)).set_index(keys)["value"].astype(float).sort_index()


def test_the_series_query_equals_totals_counted_from_the_rows(dialect, seeded):
    with seeded[dialect].connect() as conn:
        everywhere = tuple(queries.get_province_catalogue(conn)["province_code"])
        scope = year_scope(everywhere, 2025)
        got = queries.get_kpi_series_by_month(conn, scope=scope, history_years=2, by=("province",))
        expected = _raw_series(conn, 2023, 2025, everywhere)
    assert list(got.columns) == ["metric", "year", "month", "province", "value"]
    assert set(got["metric"]) == set(PACED_METRICS)
    keys = ["metric", "year", "month", "province"]
    pd.testing.assert_series_equal(_keyed(got, keys), _keyed(expected, keys), check_names=False, rtol=1e-9)


def test_the_series_of_a_scope_sums_its_provinces_and_stops_at_its_end(dialect, seeded):
    henan, hubei = "410000", "420000"
    with seeded[dialect].connect() as conn:
        scope = Scope((henan, hubei), dt.date(2026, 1, 1), dt.date(2026, 7, 1))
        got = queries.get_kpi_series_by_month(conn, scope=scope, history_years=1)
        expected = _raw_series(conn, 2025, 2026, (henan, hubei))
    expected = expected[(expected["year"] < 2026) | (expected["month"] < 7)]
    expected = expected.groupby(["metric", "year", "month"], as_index=False)["value"].sum()
    keys = ["metric", "year", "month"]
    pd.testing.assert_series_equal(_keyed(got, keys), _keyed(expected, keys), check_names=False, rtol=1e-9)
    assert got[got["year"] == 2026]["month"].max() <= 6


def test_no_provinces_give_no_series_and_no_projection(seeded):
    with seeded["sqlite"].connect() as conn:
        scope = Scope((), dt.date(2026, 1, 1), dt.date(2026, 7, 1))
        assert queries.get_kpi_series_by_month(conn, scope=scope).empty
        assert queries.get_kpi_pacing(conn, scope=scope).empty


def test_the_projection_starts_from_the_kpi_cards_year_to_date(seeded):
    with seeded["sqlite"].connect() as conn:
        everywhere = tuple(queries.get_province_catalogue(conn)["province_code"])
        for provinces, basis in ((everywhere, "own"), (("420000",), "national")):
            # 2026 seen on 15 September, as the app builds it: the year's plans and targets (plan_end).
            scope = Scope(provinces, dt.date(2026, 1, 1), dt.date(2026, 9, 16), plan_end=dt.date(2027, 1, 1))
            kpis = queries.get_kpis(conn, scope=scope).set_index("metric")
            paced = queries.get_kpi_pacing(conn, scope=scope).set_index("metric")
            assert set(paced.index) == set(PACED_METRICS)
            for metric, row in paced.iterrows():
                assert row["ytd"] == pytest.approx(kpis.loc[metric, "value"])
                assert row["target"] == pytest.approx(kpis.loc[metric, "target"], nan_ok=True)
                assert row["ytd"] <= row["low"] <= row["value"] <= row["high"]
                # A province's event counts are too few for its own shape in this small seed; a
                # metric with too few events in the prior years falls back to the linear pace.
                assert row["basis"] in (basis, "linear"), (provinces, metric)
            assert paced.loc["leads", "basis"] == basis


def test_a_scope_not_starting_on_the_first_of_january_is_not_paced(seeded):
    with seeded["sqlite"].connect() as conn:
        everywhere = tuple(queries.get_province_catalogue(conn)["province_code"])
        assert queries.get_kpi_pacing(conn, scope=Scope(everywhere, dt.date(2026, 4, 1), dt.date(2026, 7, 1))).empty


# --- the backtest, small ---------------------------------------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location("backtest_pacing", config.PROJECT_ROOT / "bench" / "backtest_pacing.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_on_a_seasonal_synthetic_dataset_the_chosen_method_beats_the_linear_pace():
    bench = _bench()
    rows = []
    for province, scale in (("410000", 40), ("420000", 25)):
        for year in range(2021, 2026):
            for metric in PACED_METRICS:
                rows += [(metric, year, m + 1, province, v) for m, v in enumerate(shaped(scale * (1 + 0.1 * (year - 2021))))]
    series = pd.DataFrame(rows, columns=["metric", "year", "month", "province", "value"])
    records, _ = bench.backtest(series, 2021, 2025)
    summary = bench.summarise(records)
    assert summary["all"][pacing.METHOD] < 1e-9 < summary["all"]["linear"]
    assert summary["winner"] == "last_year"


def test_the_backtest_runs_on_a_small_seed_and_gives_finite_errors_for_every_month(seeded, tmp_path):
    url = seeded["sqlite"].url.render_as_string(hide_password=False)
    out = tmp_path / "backtest.json"
    done = subprocess.run(
        [sys.executable, "bench/backtest_pacing.py", "--database-url", url, "--json", str(out)],
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(out.read_text())
    for level in ("national", "province"):
        for method in ("linear", "last_year", "mean_share", "pooled_share"):
            by_month = summary["by_month"][level][method]
            assert sorted(int(m) for m in by_month) == list(range(1, 12))
            assert all(math.isfinite(v["mape"]) and math.isfinite(v["median"]) for v in by_month.values())
    assert summary["winner"] in ("linear", "last_year", "mean_share", "pooled_share")
    assert "| month |" in done.stdout and "**(chosen)**" in done.stdout
