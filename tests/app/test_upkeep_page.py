"""The Data upkeep page in AppTest, signed in (SSO mode): an admin uploads a filled template, sees
the preview, applies it, and the Overview's card shows the new target at once; an analyst's file
for another province is refused with the row named; the open demo is read-only; revert."""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from components.i18n import format_number, t, tn
from components.upkeep.text import targets_template
from data_access import access, config, schema, upkeep
from tests.app.helpers import as_of, assert_clean, open_directly
from tests.components.test_auth import GOOD
from tests.identity import claims

HENAN, HUBEI = "410000", "420000"
USERS = {"upkeep.admin@corp.cn": ("admin", ()), "upkeep.henan@corp.cn": ("analyst", (HENAN,))}
NEW_TARGET = 123_457  # no seeded target has this value


@pytest.fixture(scope="module")
def engine(app_db_url):
    engine = config.make_engine(app_db_url)
    emails = list(USERS)
    with engine.begin() as conn:
        conn.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email.in_(emails)))
        conn.execute(schema.app_user.delete().where(schema.app_user.c.email.in_(emails)))
        for email, (role, provinces) in USERS.items():
            access.add_user(conn, email=email, role=role, provinces=provinces, actor="cli:test")
        before = conn.execute(sa.select(schema.target.c.id, schema.target.c.value)).all()
    yield engine
    with engine.begin() as conn:  # shared with other modules: put every target back, drop the history
        conn.execute(schema.data_change.delete())
        conn.execute(schema.data_upload.delete())
        for target_id, value in before:
            conn.execute(schema.target.update().where(schema.target.c.id == target_id).values(value=value))
        conn.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email.in_(emails)))
        conn.execute(schema.app_user.delete().where(schema.app_user.c.email.in_(emails)))


@pytest.fixture
def signed_in(app, engine):
    def make(email: str | None):
        at = app()
        if email is not None:
            at.secrets["auth"] = GOOD
            at.user = claims(email)
        return open_directly(at, "pages/upkeep.py")

    return make


def filled(rows) -> tuple[str, bytes, str]:
    book = openpyxl.load_workbook(io.BytesIO(targets_template({HENAN: ("河南省", "Henan")}, year=2026, lang="zh")))
    for row in rows:
        book.worksheets[0].append(list(row))
    out = io.BytesIO()
    book.save(out)
    return ("targets.xlsx", out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def henan_overview_captions(app) -> str:
    view = app({"province": HENAN})
    view.secrets["auth"] = GOOD
    view.user = claims("upkeep.admin@corp.cn")
    view.run()
    assert_clean(view)
    return "\n".join(c.value for c in view.caption)


def test_an_admins_upload_is_previewed_applied_and_shown_on_the_overview_card(signed_in, app, app_db_url):
    year = as_of(app_db_url).year
    assert format_number(NEW_TARGET, "zh") not in henan_overview_captions(app)  # the cache now holds the old target
    at = signed_in("upkeep.admin@corp.cn")
    assert_clean(at)
    at.file_uploader[0].set_value(filled([(year, "河南省 (410000)", "线索数 (leads)", NEW_TARGET, "个")])).run()
    assert_clean(at)
    assert {m.label: m.value for m in at.metric}[t("upkeep.count_changed", "zh")] == "1"
    at.button(key="upkeep_apply").click().run()
    assert_clean(at)
    assert any(t("upkeep.applied", "zh", id=1, inserted=0, changed=1, ended=0) == s.value for s in at.success)
    assert f"本期目标 {format_number(NEW_TARGET, 'zh')}" in henan_overview_captions(app)  # the next view: the year's new target
    # the same file again: nothing to change
    at.switch_page("pages/upkeep.py").run()
    at.file_uploader[0].set_value(filled([(year, "河南省 (410000)", "线索数 (leads)", NEW_TARGET, "个")])).run()
    assert any(i.value == t("upkeep.nothing_to_do", "zh") for i in at.info)
    # revert on the history tab brings the seeded target back
    at.button(key="upkeep_revert").click().run()
    assert_clean(at)
    with config.make_engine(app_db_url).connect() as conn:
        value = conn.execute(
            sa.select(schema.target.c.value).where(
                schema.target.c.year == year, schema.target.c.province_code == HENAN, schema.target.c.metric == "leads"
            )
        ).scalar_one()
        assert value != NEW_TARGET
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.data_upload)).scalar_one() == 2


def test_an_analyst_cannot_change_another_provinces_targets_on_the_page(signed_in, engine, app_db_url):
    at = signed_in("upkeep.henan@corp.cn")
    at.file_uploader[0].set_value(filled([(2027, "湖北省 (420000)", "leads", 5, "")])).run()
    assert_clean(at, errors=(tn("upkeep.summary_problems", 1, "zh"),))
    assert not [b for b in at.button if b.key == "upkeep_apply"]
    with engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(sa.func.count())
                .select_from(schema.target)
                .where(schema.target.c.year == 2027, schema.target.c.province_code == HUBEI)
            ).scalar_one()
            == 0
        )


def test_the_open_demo_offers_the_template_but_no_upload(signed_in):
    at = signed_in(None)
    assert_clean(at)
    assert any(i.value == t("upkeep.read_only", "zh") for i in at.info)
    assert not at.file_uploader
    assert [s for s in at.selectbox if s.key == "upkeep_actor"], "the history tab renders below the read-only notice"
    assert upkeep.UPLOAD_ROLES == ("admin", "analyst")


def partners_file(engine, rows) -> tuple[str, bytes, str]:
    from components.upkeep.partners import partners_template

    with engine.connect() as conn:
        ref = upkeep.Reference.load(conn)
    book = openpyxl.load_workbook(io.BytesIO(partners_template(ref.cities, ref.provinces, allowed=(HENAN,), today=ref.today, lang="zh")))
    for row in rows:
        book.worksheets[0].append(list(row))
    out = io.BytesIO()
    book.save(out)
    return ("partners.xlsx", out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def henan_partner_card(app) -> str:
    view = app({"province": HENAN})
    view.secrets["auth"] = GOOD
    view.user = claims("upkeep.admin@corp.cn")
    view.run()
    assert_clean(view)
    return {m.label: m.value for m in view.metric}[t("metric.partners", "zh")]


def test_an_admin_adds_a_partner_from_the_template_and_the_overview_counts_it(signed_in, app, engine):
    before = henan_partner_card(app)
    at = signed_in("upkeep.admin@corp.cn")
    at.radio(key="upkeep_kind").set_value("partners").run()
    assert_clean(at)
    row = (
        "页面测试职业学院",
        "Page Test College",
        "高职院校 (vocational_college)",
        "郑州市 (410100)",
        "核心合作 (core)",
        "实践基地 (practice_base)",
        "2025-03-01",
        "",
        "",
        "",
        "合作中 (active)",
        "",
    )
    at.file_uploader[0].set_value(partners_file(engine, [row])).run()
    assert_clean(at)
    assert {m.label: m.value for m in at.metric}[t("upkeep.count_inserted", "zh")] == "2"  # partner + agreement
    at.button(key="upkeep_apply").click().run()
    assert_clean(at)
    assert int(henan_partner_card(app).replace(",", "")) == int(before.replace(",", "")) + 1
    at.switch_page("pages/upkeep.py").run()
    table = "\n".join(df.value.to_string() for df in at.dataframe)
    assert "页面测试职业学院" in table and "实践基地" in table  # the history shows the change in words
    at.button(key="upkeep_revert").click().run()
    assert_clean(at)
    assert henan_partner_card(app) == before
    with engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(sa.func.count()).select_from(schema.partner).where(schema.partner.c.name_zh == "页面测试职业学院")
            ).scalar_one()
            == 0
        )


def test_an_analyst_cannot_add_a_partner_in_another_province_on_the_page(signed_in, engine):
    at = signed_in("upkeep.henan@corp.cn")
    at.radio(key="upkeep_kind").set_value("partners").run()
    row = (
        "页面越权测试企业",
        "",
        "企业 (enterprise)",
        "武汉市 (420100)",
        "一般合作 (general)",
        "渠道合作 (channel)",
        "2025-03-01",
        "",
        "",
        "",
        "合作中 (active)",
        "",
    )
    at.file_uploader[0].set_value(partners_file(engine, [row])).run()
    assert_clean(at, errors=(tn("upkeep.summary_problems", 1, "zh"),))
    assert not [b for b in at.button if b.key == "upkeep_apply"]
    assert "武汉市" in "\n".join(df.value.to_string() for df in at.dataframe)


def events_file(engine, rows) -> tuple[str, bytes, str]:
    from components.upkeep.events import events_template

    with engine.connect() as conn:
        ref = upkeep.Reference.load(conn)
    book = openpyxl.load_workbook(io.BytesIO(events_template(ref.provinces, allowed=(HENAN,), national=False, today=ref.today, lang="zh")))
    for row in rows:
        book.worksheets[0].append(list(row))
    out = io.BytesIO()
    book.save(out)
    return ("events.xlsx", out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_an_analyst_uploads_events_previews_applies_and_an_admin_reverts(signed_in, engine):
    rows = [("2026-05-18", "", "开业 (opening)", "页面测试分校开业", "", "河南省 (410000)", "")]
    at = signed_in("upkeep.henan@corp.cn")
    at.radio(key="upkeep_kind").set_value("events").run()
    assert_clean(at)
    at.file_uploader[0].set_value(events_file(engine, [*rows, ("2026-05-19", "", "签约", "越权签约", "", "湖北省", "")])).run()
    assert_clean(at, errors=(tn("upkeep.summary_problems", 1, "zh")[:4],))
    problems = "\n".join(df.value.to_string() for df in at.dataframe)
    assert "湖北省" in problems and t("upkeep.ecol.scope", "zh") in problems  # the row and the column named
    at.file_uploader[0].set_value(events_file(engine, rows)).run()
    assert_clean(at)
    assert {m.label: m.value for m in at.metric}[t("upkeep.count_inserted", "zh")] == "1"
    at.button(key="upkeep_apply").click().run()
    assert_clean(at)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(schema.event.c.id).where(schema.event.c.title_zh == "页面测试分校开业")).scalars().all()
    assert len(stored) == 1
    admin = signed_in("upkeep.admin@corp.cn")
    admin.button(key="upkeep_revert").click().run()  # the history opens on the newest upload: this one
    assert_clean(admin)
    with engine.connect() as conn:
        assert not conn.execute(sa.select(schema.event.c.id).where(schema.event.c.title_zh == "页面测试分校开业")).first()
