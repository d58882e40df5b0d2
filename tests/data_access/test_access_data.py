"""Users, roles, grants and the audit log on real databases (SQLite, PostgreSQL, MariaDB); and a walk
over every scoped query proving that a one-province scope returns nothing of another province."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import access, codes, config, queries, schema
from data_access.scope import year_scope

HENAN, HUBEI = "410000", "420000"
YEAR = 2025


@pytest.fixture
def conn(dialect, seeded):
    """A connection in a transaction that is rolled back: each test starts with no users."""
    engine = seeded[dialect]
    with engine.connect() as c:
        tx = c.begin()
        c.execute(schema.app_user_grant.delete())
        c.execute(schema.app_user.delete())
        c.execute(schema.audit_log.delete())
        yield c
        tx.rollback()


def region_of(c) -> dict[str, str]:
    cat = queries.get_province_catalogue(c)
    return dict(zip(cat["province_code"], cat["region"]))


def test_a_user_round_trips_with_grants_and_a_case_insensitive_email(conn):
    access.add_user(
        conn, email=" Henan.Manager@Corp.CN ", role="regional", actor="cli:root", provinces=[HENAN], regions=["northwest"], name="张三"
    )
    user = access.get_user(conn, "henan.manager@corp.cn")
    assert user is not None and user.role == "regional" and user.enabled and user.name == "张三"
    assert user.provinces == (HENAN,) and user.regions == ("northwest",)
    assert access.get_user(conn, "HENAN.MANAGER@corp.cn") == user


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"role": "regional"}, "at least one"),
        ({"role": "analyst", "provinces": ["999999"]}, "unknown province"),
        ({"role": "regional", "regions": ["atlantis"]}, "unknown region"),
        ({"role": "king"}, "unknown role"),
        ({"role": "admin", "email": "not-an-email"}, "not an e-mail"),
    ],
)
def test_an_invalid_user_is_refused_with_a_reason_and_nothing_written(conn, kwargs, reason):
    kwargs = {"email": "x@corp.cn", **kwargs}
    with pytest.raises(access.UserError, match=reason):
        access.add_user(conn, actor="cli:root", **kwargs)
    assert access.list_users(conn) == []


def test_a_user_cannot_be_added_twice(conn):
    access.add_user(conn, email="a@corp.cn", role="executive", actor="cli:root")
    with pytest.raises(access.UserError, match="exists"):
        access.add_user(conn, email="A@corp.cn", role="admin", actor="cli:root")


def test_changing_a_user_replaces_the_grants_given_and_audits_before_and_after(conn):
    access.add_user(conn, email="m@corp.cn", role="regional", actor="boss@corp.cn", provinces=[HENAN])
    changed = access.set_user(conn, email="m@corp.cn", actor="boss@corp.cn", provinces=[HUBEI], enabled=False)
    assert changed.provinces == (HUBEI,) and not changed.enabled and changed.changed_by == "boss@corp.cn"
    log = access.get_audit_log(conn, action="user_set")
    assert len(log) == 1
    assert log.iloc[0]["item"] == "m@corp.cn" and log.iloc[0]["actor"] == "boss@corp.cn"
    assert "grants=410000" in log.iloc[0]["detail"] and "-> role=regional enabled=False grants=420000" in log.iloc[0]["detail"]


def test_a_regional_user_cannot_lose_all_grants(conn):
    access.add_user(conn, email="m@corp.cn", role="regional", actor="cli:root", provinces=[HENAN])
    with pytest.raises(access.UserError):
        access.set_user(conn, email="m@corp.cn", actor="cli:root", provinces=[])
    assert access.get_user(conn, "m@corp.cn").provinces == (HENAN,)


def test_allowed_provinces_follow_the_role_grants_and_enabled_flag(conn):
    regions = region_of(conn)
    central = {p for p, r in regions.items() if r == "central"}
    everyone = tuple(regions)
    assert access.allowed_provinces(access.User("e@x.cn", "executive"), regions) == everyone
    assert access.allowed_provinces(access.User("a@x.cn", "admin"), regions) == everyone
    assert access.allowed_provinces(access.User("r@x.cn", "regional", provinces=(HENAN,)), regions) == (HENAN,)
    mixed = access.allowed_provinces(access.User("r@x.cn", "analyst", provinces=("110000",), regions=("central",)), regions)
    assert set(mixed) == central | {"110000"} and HENAN in mixed
    assert access.allowed_provinces(access.User("r@x.cn", "regional", provinces=(HENAN,), enabled=False), regions) == ()
    assert access.allowed_provinces(None, regions) == ()
    assert access.allowed_provinces(access.User("r@x.cn", "regional"), regions) == ()


def test_the_audit_log_filters_by_actor_format_and_day(conn):
    for actor, fmt in (("a@corp.cn", "csv"), ("a@corp.cn", "png"), ("b@corp.cn", "csv")):
        access.record(
            conn,
            actor=actor,
            action="export",
            page="coverage",
            item="gaps",
            fmt=fmt,
            provinces=HENAN,
            filters={"province": [HENAN], "lang": ["en"]},
            data_as_of=dt.date(2026, 10, 31),
        )
    assert len(access.get_audit_log(conn)) == 3
    assert len(access.get_audit_log(conn, actor="a@corp.cn")) == 2
    assert len(access.get_audit_log(conn, fmt="csv")) == 2
    today = access.now().date()
    assert len(access.get_audit_log(conn, start=today, end=today)) == 3
    assert access.get_audit_log(conn, end=today - dt.timedelta(days=1)).empty
    row = access.get_audit_log(conn, actor="b@corp.cn").iloc[0]
    assert row["filters"] == '{"lang": ["en"], "province": ["410000"]}' and row["provinces"] == HENAN
    assert access.get_audit_actors(conn) == ["a@corp.cn", "b@corp.cn"]


# --- No query returns another province's rows -------------------------------------------------


def _keep_only(engine: sa.Engine, province: str) -> None:
    """Delete every business row that belongs to another province (children first)."""
    c, pj, pt = schema.city, schema.project, schema.partner
    other_cities = sa.select(c.c.code).where(c.c.province_code != province)
    other_projects = sa.select(pj.c.id).where(pj.c.city_code.in_(other_cities))
    other_partners = sa.select(pt.c.id).where(pt.c.city_code.in_(other_cities))
    with engine.begin() as conn:
        conn.execute(schema.funnel_event.delete().where(schema.funnel_event.c.province_code != province))
        # A learner of this province brought by a partner elsewhere keeps its row, without the partner.
        conn.execute(schema.learner.delete().where(schema.learner.c.province_code != province))
        conn.execute(schema.learner.update().where(schema.learner.c.partner_id.in_(other_partners)).values(partner_id=None))
        for t in (schema.budget_plan, schema.disbursement, schema.milestone):
            conn.execute(t.delete().where(t.c.project_id.in_(other_projects)))
        conn.execute(pj.delete().where(pj.c.id.in_(other_projects)))
        conn.execute(schema.agreement.delete().where(schema.agreement.c.partner_id.in_(other_partners)))
        conn.execute(pj.delete().where(pj.c.partner_id.in_(other_partners)))
        conn.execute(pt.delete().where(pt.c.id.in_(other_partners)))
        # National targets are not Henan's either (and would apply to a Henan-only database).
        conn.execute(
            schema.target.delete().where(sa.or_(schema.target.c.province_code != province, schema.target.c.province_code.is_(None)))
        )


@pytest.fixture(scope="module")
def henan_only(seeded, tmp_path_factory):
    """The seeded SQLite database, and a copy of it holding nothing of any province but Henan."""
    full = seeded["sqlite"]
    path = tmp_path_factory.mktemp("henan_only") / "henan.db"
    # SQLite's backup API copies what sits in the WAL too (a file copy would not).
    with sqlite3.connect(full.url.database) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    pruned = config.make_engine(f"sqlite:///{path}")
    _keep_only(pruned, HENAN)
    return full, pruned


def _frames(result) -> list[pd.DataFrame]:
    if isinstance(result, pd.DataFrame):
        return [result]
    return [getattr(result, f) for f in result.__dataclass_fields__]


# Each public query with the arguments the pages use: every variant must stay inside the scope.
VARIANTS = [(fn, {}) for fn in queries.SCOPED_QUERIES if fn.__name__ not in ("get_investment_by", "get_project_detail")]
VARIANTS += [(queries.get_investment_by, {"grain": g}) for g in ("sector", "province", "partner", "kind", "status")]
VARIANTS += [(queries.get_funnel_by_stage, {"by": by}) for by in (("tier",), ("province",), ("programme",), ("year",))]
VARIANTS += [(queries.get_events_by_month, {"by": ("province",)}), (queries.get_project_detail, {})]


def _call(fn, conn, scope, kwargs):
    if fn.__name__ == "get_project_detail":
        # A Hubei project asked for under a Henan scope must come back empty on both databases.
        pid = (
            conn.execute(
                sa.select(schema.project.c.id)
                .join(schema.city, schema.city.c.code == schema.project.c.city_code)
                .where(schema.city.c.province_code == HENAN)
                .order_by(schema.project.c.id)
            )
            .scalars()
            .first()
        )
        return fn(conn, scope=scope, project_id=pid)
    return fn(conn, scope=scope, **kwargs)


@pytest.mark.parametrize("fn, kwargs", VARIANTS, ids=lambda v: getattr(v, "__name__", None) or "-".join(map(str, v.values())) or "default")
def test_a_one_province_scope_returns_nothing_of_another_province(fn, kwargs, henan_only):
    """Every public query at a Henan scope gives the same answer on the full database as on a copy
    where no other province has any row: nothing of another province can have come back."""
    full, pruned = henan_only
    scope = year_scope((HENAN,), YEAR)
    with full.connect() as a, pruned.connect() as b:
        got, oracle = _frames(_call(fn, a, scope, kwargs)), _frames(_call(fn, b, scope, kwargs))
    assert any(len(f) for f in got), f"{fn.__name__} returned nothing for Henan: the walk would prove nothing"
    for g, o in zip(got, oracle):
        pd.testing.assert_frame_equal(g.reset_index(drop=True), o.reset_index(drop=True), check_dtype=False)
        if "province_code" in g.columns:
            assert set(g["province_code"].dropna()) <= {HENAN}


def test_the_walk_sees_a_leak(henan_only):
    """The oracle is not blind: a national scope differs between the full and the pruned database."""
    full, pruned = henan_only
    with full.connect() as a, pruned.connect() as b:
        everyone = tuple(queries.get_province_catalogue(a)["province_code"])
        scope = year_scope(everyone, YEAR)
        assert not queries.get_kpis(a, scope=scope).equals(queries.get_kpis(b, scope=scope))


def test_the_walk_covers_every_public_query():
    """A new query must be added to SCOPED_QUERIES (and so to the walk above)."""
    # The unscoped ones return no business data: the province and place lists and the summaries' refresh time.
    unscoped = {"get_province_catalogue", "get_place_catalogue", "get_summary_status", "get_replica_lag"}
    public = {name for name in dir(queries) if name.startswith("get_")} - unscoped
    assert public == {f.__name__ for f in queries.SCOPED_QUERIES}


def test_roles_are_the_four_of_the_access_model():
    assert codes.ROLES == ("executive", "regional", "analyst", "admin")


# --- Statement timeouts on every connection ------------------------------------------------------

SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(5)",
    "mariadb": "SELECT SLEEP(5)",
}


def test_a_slow_statement_is_stopped_by_the_statement_timeout(dialect, seeded):
    url = seeded[dialect].url.render_as_string(hide_password=False)
    engine = config.make_engine(url, statement_timeout_s=0.3)
    with pytest.raises(sa.exc.OperationalError) as caught, engine.connect() as c:
        c.execute(sa.text(SLOW[dialect])).all()
    assert config.is_timeout(caught.value)
    engine.dispose()


def test_an_ordinary_failure_is_not_taken_for_a_timeout(seeded):
    with pytest.raises(sa.exc.OperationalError) as caught, seeded["sqlite"].connect() as c:
        c.execute(sa.text("SELECT * FROM no_such_table"))
    assert not config.is_timeout(caught.value)


def test_the_first_sign_in_binds_the_row_and_another_subject_cannot_take_it(conn):
    """issue 20: a row is bound to the provider identity (issuer, subject) of its first sign-in; the
    binding is audited; another subject with the same e-mail does not move it; reset forgets it."""
    access.add_user(conn, email="boss@corp.cn", role="admin", actor="cli:root")
    assert access.get_user(conn, "boss@corp.cn").subject is None
    assert access.bind_identity(conn, email="boss@corp.cn", issuer="https://sso.corp.cn", subject="u-1")
    user = access.get_user(conn, "boss@corp.cn")
    assert (user.issuer, user.subject) == ("https://sso.corp.cn", "u-1")
    assert not access.bind_identity(conn, email="boss@corp.cn", issuer="https://sso.corp.cn", subject="u-2")
    assert access.get_user(conn, "boss@corp.cn").subject == "u-1"
    log = access.get_audit_log(conn)
    assert list(log["action"]).count("identity_bind") == 1 and "sub=u-1" in log.loc[log["action"] == "identity_bind", "detail"].iloc[0]
    after = access.reset_identity(conn, email="boss@corp.cn", actor="cli:root")
    assert after.subject is None and after.issuer is None
    assert access.get_audit_log(conn, action="identity_reset")["detail"].iloc[0] == "was iss=https://sso.corp.cn sub=u-1"
    assert access.bind_identity(conn, email="boss@corp.cn", issuer="https://sso.corp.cn", subject="u-2")
    assert access.get_user(conn, "boss@corp.cn").subject == "u-2"


def test_one_provider_identity_cannot_be_bound_to_two_rows(conn):
    """A provider account whose e-mail claim changed to another user's address does not gain a second row."""
    access.add_user(conn, email="a@corp.cn", role="executive", actor="cli:root")
    access.add_user(conn, email="b@corp.cn", role="admin", actor="cli:root")
    assert access.bind_identity(conn, email="a@corp.cn", issuer="https://sso", subject="same")
    assert not access.bind_identity(conn, email="b@corp.cn", issuer="https://sso", subject="same")
    assert access.get_user(conn, "b@corp.cn").subject is None


def test_reset_of_an_unknown_user_is_refused(conn):
    with pytest.raises(access.UserError, match="no user"):
        access.reset_identity(conn, email="nobody@corp.cn", actor="cli:root")
