"""Every page on PostgreSQL and MariaDB, as a database user made by docs/grants/*.sql: SELECT on
the business tables, writes only to the app's own tables. The figures equal the query layer's
(read as the schema owner), an export is audited, and a write to a business table is refused."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from components.i18n import format_number, t
from data_access import access, config, queries, runners
from data_access.config import PROJECT_ROOT
from tests.app.helpers import assert_clean, default_scope
from tests.conftest import WORKER

PAGES = ("pages/overview.py", "pages/coverage.py", "pages/investment.py", "pages/funnels.py", "pages/reports.py")
# A role is global to its server: under pytest-xdist each worker makes its own (cockpit_app_gw0, ...),
# as it has its own database (tests/conftest.py).
APP_USER = f"cockpit_app_{WORKER}" if WORKER else "cockpit_app"


def _statements(dialect: str, database: str) -> list[str]:
    name = "postgresql" if dialect == "postgresql" else "mariadb"
    text = (PROJECT_ROOT / "docs" / "grants" / f"{name}.sql").read_text(encoding="utf-8")
    text = re.sub(r"--[^\n]*", "", text).replace(" cockpit ", f" {database} ").replace("cockpit.", f"{database}.")
    text = text.replace("cockpit_app", APP_USER)
    return [s.strip() for s in text.split(";") if s.strip()]


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def reader_url(request, seeded) -> tuple[str, sa.Engine]:
    """(URL of the least-privilege user, the owner's engine) on a seeded server database."""
    owner = seeded[request.param]
    url = owner.url
    with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if request.param == "postgresql":
            conn.execute(
                sa.text(f"DROP OWNED BY {APP_USER}")
                if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_USER}).first()
                else sa.text("SELECT 1")
            )
            conn.execute(sa.text(f"DROP ROLE IF EXISTS {APP_USER}"))
        else:
            conn.execute(sa.text(f"DROP USER IF EXISTS '{APP_USER}'@'%'"))
        for statement in _statements(request.param, url.database):
            conn.execute(sa.text(statement))
    reader = make_url(url).set(username=APP_USER, password=None).render_as_string(hide_password=False)
    return reader, owner


def test_the_reader_cannot_write_business_tables(reader_url):
    reader, _ = reader_url
    engine = config.make_engine(reader)
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE province SET name_en = 'x' WHERE code = '410000'"))
    engine.dispose()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_as_the_least_privilege_user(app, monkeypatch, reader_url, page):
    reader, owner = reader_url
    monkeypatch.setenv("DATABASE_URL", reader)
    at = app({"province": "420000"})
    at.run()
    at.switch_page(page).run()
    assert_clean(at)
    assert at.title[0].value == t(f"{page.split('/')[1][:-3]}.title", "zh")


def test_overview_figures_and_an_audited_export_as_the_least_privilege_user(app, monkeypatch, reader_url):
    reader, owner = reader_url
    monkeypatch.setenv("DATABASE_URL", reader)
    at = app({"province": "420000"})
    at.run()
    assert_clean(at)
    url = owner.url.render_as_string(hide_password=False)
    with owner.connect() as conn:
        kpis = queries.get_kpis(conn, scope=default_scope(url, ["420000"])).set_index("metric")
    shown = {m.label: m.value for m in at.metric}
    assert shown[t("metric.leads", "zh")] == format_number(kpis.loc["leads", "value"], "zh")
    write = runners.audit_writer(actor="reader-test", provinces="420000", filters={}, data_as_of=None)
    write(page="overview", item="kpis", fmt="csv")
    with owner.connect() as conn:
        assert len(access.get_audit_log(conn, actor="reader-test")) >= 1


def test_an_upload_and_its_revert_run_as_the_least_privilege_user(reader_url):
    """docs/grants/*.sql give the app what the data-upkeep page writes: targets and their history."""
    from components.upkeep.text import metric_labels
    from data_access import upkeep, upkeep_apply
    from tests.data_access.test_upkeep import workbook

    reader, owner = reader_url
    engine = config.make_engine(reader)
    try:
        with engine.begin() as conn:
            ref = upkeep.Reference.load(conn)
            rows, problems = upkeep.read_targets(
                workbook([(2030, "410000", "leads", 3, "")]),
                ref=ref,
                uploader=upkeep.Uploader("x", "admin", tuple(ref.provinces), True),
                metric_labels=metric_labels(),
            )
            plan = upkeep.plan_targets(conn, rows)
            upload_id = upkeep_apply.apply_plan(conn, plan, rows, actor="reader-test", file_name="f.xlsx", sha256="", source="page")
            assert upload_id is not None
            upkeep_apply.revert_upload(conn, upload_id, actor="reader-test", allowed=tuple(ref.provinces), national=True)
            assert not problems
            conn.rollback()  # leave the shared database as it was
    finally:
        engine.dispose()


def test_a_partners_upload_and_its_revert_run_as_the_least_privilege_user(reader_url):
    """The grants also cover partners and agreements: insert, update, and the delete of a revert."""
    from components.upkeep.partners import partner_labels
    from data_access import upkeep, upkeep_apply, upkeep_partners
    from tests.data_access.test_upkeep_partners import row, workbook

    reader, _ = reader_url
    engine = config.make_engine(reader)
    try:
        with engine.begin() as conn:
            ref = upkeep.Reference.load(conn)
            everyone = upkeep.Uploader("x", "admin", tuple(ref.provinces), True)
            rows, plan = upkeep_partners.preview_partners(
                conn, workbook([row("最小权限测试学院")], ref), uploader=everyone, labels=partner_labels(), ref=ref
            )
            upload_id = upkeep_apply.apply_plan(
                conn, plan, rows, actor="reader-test", file_name="p.xlsx", sha256="", source="page", uploader=everyone
            )
            assert upload_id is not None and upkeep_partners.current(conn, "partner", "最小权限测试学院") is not None
            upkeep_apply.revert_upload(conn, upload_id, actor="reader-test", allowed=tuple(ref.provinces), national=True)
            assert upkeep_partners.current(conn, "partner", "最小权限测试学院") is None
            conn.rollback()
    finally:
        engine.dispose()


def test_a_subscription_and_its_delivery_records_are_written_as_the_least_privilege_user(reader_url):
    """The page saves subscriptions and the runner records deliveries with the app's grants."""
    import datetime as dt

    from data_access import subscriptions

    reader, _ = reader_url
    engine = config.make_engine(reader)
    try:
        with engine.begin() as conn:
            sid = subscriptions.add(
                conn,
                owner="reader-test@corp.cn",
                provinces=["420000"],
                sections=["kpis"],
                schedule="daily",
                at_time="08:00",
                channel="email",
                target="reader-test@corp.cn",
            )
            s = subscriptions.get(conn, sid)
            now = dt.datetime(2026, 12, 2, 8, 5, tzinfo=subscriptions.TZ)
            assert subscriptions.claim(conn, s, "2026-12-02", now) == 1
            assert subscriptions.finish(conn, s, "2026-12-02", now, attempt=1, ok=True) == "sent"
            assert subscriptions.set_enabled(conn, sid, False, owner="reader-test@corp.cn")
            assert subscriptions.delete(conn, sid, owner=None)
            conn.rollback()
    finally:
        engine.dispose()
