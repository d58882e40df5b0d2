"""Inside a province: the city × channel cohort funnel (get_funnel_by_city) and partners and leads
per prefecture-level city (get_coverage_by_city with grain="prefecture"), on SQLite, PostgreSQL and
MariaDB, held against SQL written here independently (text, EXISTS instead of the outer join,
the prefecture rule spelt out) and against the summary-backed cohort funnel."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import queries
from data_access.scope import Scope

HUBEI, HENAN = "420000", "410000"
YEAR = 2025

# The cohort by hand: learners whose lead falls in the period, in the prefecture-level unit of their
# place (a county's own parent, else the place itself), and whether an enrolment event exists.
INDEPENDENT = """
SELECT CASE WHEN place.parent_code IS NULL THEN place.code ELSE place.parent_code END AS city_code,
       l.channel AS channel,
       COUNT(*) AS leads,
       SUM(CASE WHEN EXISTS (SELECT 1 FROM funnel_event f WHERE f.learner_id = l.id AND f.stage = 'enrolled')
                THEN 1 ELSE 0 END) AS enrolled
FROM learner l JOIN city place ON place.code = l.city_code
WHERE l.province_code IN :provinces AND l.channel IN :channels AND place.tier IN :tiers AND l.programme IN :programmes
  AND l.lead_on >= :start AND l.lead_on < :end
GROUP BY CASE WHEN place.parent_code IS NULL THEN place.code ELSE place.parent_code END, l.channel
"""


def independent(conn, scope: Scope) -> pd.DataFrame:
    stmt = sa.text(INDEPENDENT).bindparams(
        sa.bindparam("provinces", expanding=True),
        sa.bindparam("channels", expanding=True),
        sa.bindparam("tiers", expanding=True),
        sa.bindparam("programmes", expanding=True),
        sa.bindparam("start", type_=sa.Date),
        sa.bindparam("end", type_=sa.Date),
    )
    rows = conn.execute(
        stmt,
        {
            "provinces": list(scope.provinces),
            "channels": list(scope.channels),
            "tiers": list(scope.tiers),
            "programmes": list(scope.programmes),
            "start": scope.start,
            "end": scope.end,
        },
    ).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=["city_code", "channel", "leads", "enrolled"])
    return df.astype({"leads": "int64", "enrolled": "int64"}).sort_values(["city_code", "channel"]).reset_index(drop=True)


def scopes() -> dict[str, Scope]:
    return {
        "hubei_year": Scope((HUBEI,), dt.date(YEAR, 1, 1), dt.date(YEAR + 1, 1, 1)),
        "hubei_quarter_cut": Scope((HUBEI,), dt.date(YEAR, 10, 1), dt.date(YEAR, 11, 16)),  # a cut month: no summary could answer
        "two_provinces_counties_online": Scope(
            (HUBEI, HENAN), dt.date(YEAR, 1, 1), dt.date(YEAR + 1, 1, 1), channels=("online",), tiers=("county",)
        ),
        "cert_programme": Scope((HENAN,), dt.date(YEAR, 1, 1), dt.date(YEAR + 1, 1, 1), programmes=("cert_1x",)),
    }


@pytest.mark.parametrize("name", list(scopes()))
def test_city_funnel_equals_independent_sql(conn, name):
    scope = scopes()[name]
    got = queries.get_funnel_by_city(conn, scope=scope)
    want = independent(conn, scope)
    assert len(want) > 0
    pd.testing.assert_frame_equal(got[["city_code", "channel", "leads", "enrolled"]].reset_index(drop=True), want, check_dtype=False)
    assert (got["enrolled"] <= got["leads"]).all()
    assert set(got["province_code"]) <= set(scope.provinces)


def test_city_funnel_adds_up_to_the_cohort_funnel_per_channel(conn):
    scope = scopes()["hubei_year"]
    cities = queries.get_funnel_by_city(conn, scope=scope).groupby("channel")[["leads", "enrolled"]].sum()
    funnel = queries.get_funnel_by_stage(conn, scope=scope, by=("channel",))
    for stage, col in (("lead", "leads"), ("enrolled", "enrolled")):
        per_channel = funnel[funnel["stage"] == stage].set_index("channel")["learners"]
        assert cities[col].to_dict() == per_channel.reindex(cities.index).fillna(0).astype(int).to_dict()


def test_a_county_counts_in_its_prefecture_city(conn):
    scope = scopes()["hubei_year"]
    got = queries.get_funnel_by_city(conn, scope=scope, by=())
    units = conn.execute(sa.text("SELECT code, parent_code, tier FROM city WHERE province_code = :p"), {"p": HUBEI}).all()
    prefecture_level = {code for code, parent, _ in units if parent is None}
    assert set(got["city_code"]) <= prefecture_level  # no county of a prefecture has a row of its own
    assert list(got.columns) == ["city_code", "name_zh", "name_en", "province_code", "tier", "lon", "lat", "leads", "enrolled"]
    wuhan = got.set_index("city_code").loc["420100"]
    assert wuhan["name_zh"] == "武汉市" and wuhan["tier"] == "capital"


def test_city_funnel_refuses_an_unknown_dimension(conn):
    with pytest.raises(ValueError, match="unknown city funnel dimensions"):
        queries.get_funnel_by_city(conn, scope=scopes()["hubei_year"], by=("tier",))


def test_no_provinces_means_no_cities(conn):
    scope = scopes()["hubei_year"].with_provinces(())
    assert queries.get_funnel_by_city(conn, scope=scope).empty
    assert queries.get_coverage_by_city(conn, scope=scope, grain="prefecture").empty


@pytest.mark.parametrize("name", ["hubei_year", "two_provinces_counties_online"])
def test_prefecture_grain_adds_up_its_places(conn, name):
    scope = scopes()[name]
    places = queries.get_coverage_by_city(conn, scope=scope)
    cities = queries.get_coverage_by_city(conn, scope=scope, grain="prefecture")
    parents = dict(conn.execute(sa.text("SELECT code, parent_code FROM city")).all())
    assert list(cities.columns) == list(places.columns)
    by_unit = places.assign(unit=[parents.get(code) or code for code in places["city_code"]]).groupby("unit")[["partners", "leads"]].sum()
    shown = cities.set_index("city_code")[["partners", "leads"]]
    # Every prefecture-level unit of the provinces is listed, those without partners or leads at 0.
    n_units = conn.execute(
        sa.text("SELECT COUNT(*) FROM city WHERE parent_code IS NULL AND province_code IN :p").bindparams(
            sa.bindparam("p", expanding=True)
        ),
        {"p": list(scope.provinces)},
    ).scalar_one()
    assert len(cities) == n_units
    assert shown.loc[by_unit.index].astype(int).to_dict() == by_unit.astype(int).to_dict()
    assert int(shown.drop(index=by_unit.index).to_numpy().sum()) == 0


def test_prefecture_grain_refuses_another_grain(conn):
    with pytest.raises(ValueError, match="grain"):
        queries.get_coverage_by_city(conn, scope=scopes()["hubei_year"], grain="county")  # type: ignore[arg-type]
