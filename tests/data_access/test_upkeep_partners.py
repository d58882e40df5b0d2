"""Partners and agreements from Excel on real databases (SQLite, PostgreSQL, MariaDB): a filled
template adds partners that the KPI cards and coverage count, a status of ended ends one, one bad
row stops the file, re-applying is a no-op, a killed connection leaves nothing half-written,
revert restores (and refuses when a new partner is already in use), and scope."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from components.commands import main
from components.upkeep.partners import partner_labels, partners_template
from data_access import access, queries, schema, upkeep, upkeep_apply, upkeep_partners
from data_access.scope import year_scope
from tests.data_access.conftest import kill_at

HENAN, HUBEI = "410000", "420000"
ZHENGZHOU, WUHAN = "410100", "420100"
pt, ag = schema.partner, schema.agreement


def workbook(rows, ref, *, lang="zh") -> bytes:
    """A partners file made from the real template with ``rows`` appended to its data sheet."""
    data = partners_template(ref.cities, ref.provinces, allowed=tuple(ref.provinces), today=ref.today, lang=lang)
    book = openpyxl.load_workbook(io.BytesIO(data))
    for row in rows:
        book.worksheets[0].append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(
    name,
    *,
    kind="高职院校 (vocational_college)",
    city=f"郑州市 ({ZHENGZHOU})",
    level="核心合作 (core)",
    agreement="实践基地 (practice_base)",
    signed="2025-03-01",
    expires="",
    value="",
    unit="",
    status="合作中 (active)",
    name_en="",
):
    return (name, name_en, kind, city, level, agreement, signed, expires, value, unit, status, "")


def everyone(ref) -> upkeep.Uploader:
    return upkeep.Uploader("cli:test", "operator", tuple(ref.provinces), True)


def preview(c, rows, uploader=None):
    ref = upkeep.Reference.load(c)
    data = workbook(rows, ref)
    return upkeep_partners.preview_partners(c, data, uploader=uploader or everyone(ref), labels=partner_labels(), ref=ref)


def apply(c, rows, plan, uploader=None):
    return upkeep_apply.apply_plan(c, plan, rows, actor="a@corp.cn", file_name="p.xlsx", sha256="h", source="cli", uploader=uploader)


def kpi(c, metric, province=HENAN):
    return queries.get_kpis(c, scope=year_scope([province], access.now().year)).set_index("metric").loc[metric, "value"]


def a_partner_in(c, province):
    city = schema.city
    return c.execute(
        sa.select(pt.c.name_zh, pt.c.id)
        .select_from(pt.join(city, city.c.code == pt.c.city_code))
        .where(city.c.province_code == province, pt.c.status == "active")
        .order_by(pt.c.id)
    ).first()


def test_a_filled_template_adds_partners_that_the_kpi_cards_count(conn):
    partners, schools = kpi(conn, "partners"), kpi(conn, "schools")
    rows, plan = preview(
        conn,
        [
            row(
                "测试职业学院甲",
                agreement="合作办学 (joint_school)",
                value=300,
                unit="万元",
                expires="2030-02-28",
                name_en="Test College A",
            ),
            row("测试职业学院甲", agreement="实践基地 (practice_base)", signed="2024-09-01"),
        ],
    )
    assert plan.ok and plan.counts == {"inserted": 3, "changed": 0, "ended": 0, "unchanged": 0}
    assert apply(conn, rows, plan) is not None
    assert kpi(conn, "partners") == partners + 1 and kpi(conn, "schools") == schools + 1
    stored = conn.execute(sa.select(pt).where(pt.c.name_zh == "测试职业学院甲")).one()
    assert (stored.city_code, stored.kind, stored.name_en, stored.since) == (
        ZHENGZHOU,
        "vocational_college",
        "Test College A",
        dt.date(2024, 9, 1),
    )  # since = earliest agreement
    values = dict(conn.execute(sa.select(ag.c.kind, ag.c.value_fen).where(ag.c.partner_id == stored.id)).all())
    assert values == {"joint_school": 3_000_000 * 100, "practice_base": 0}


def test_status_ended_ends_a_partner_and_absence_ends_nothing(conn):
    name, _ = a_partner_in(conn, HENAN)
    current = upkeep_partners.current(conn, "partner", name)
    assert current is not None
    partners = kpi(conn, "partners")
    agreement = conn.execute(sa.select(ag.c.kind, ag.c.signed_on).join(pt, pt.c.id == ag.c.partner_id).where(pt.c.name_zh == name)).first()
    city = conn.execute(sa.select(schema.city.c.name_zh).where(schema.city.c.code == current["city_code"])).scalar_one()
    rows, plan = preview(
        conn,
        [
            row(
                name,
                kind=current["kind"],
                city=f"{city} ({current['city_code']})",
                level=current["agreement_level"],
                agreement=agreement.kind,
                signed=agreement.signed_on.isoformat(),
                status="已结束 (ended)",
            )
        ],
    )
    assert plan.ok and [c.op for c in plan.changes if c.table == "partner"] == ["end"]
    apply(conn, rows, plan)
    assert kpi(conn, "partners") == partners - 1
    assert conn.execute(sa.select(pt.c.status).where(pt.c.name_zh == name)).scalar_one() == "ended"
    # another Henan partner, absent from the file, is untouched
    assert conn.execute(sa.select(sa.func.count()).select_from(pt).where(pt.c.status == "ended")).scalar_one() >= 1


def test_one_bad_row_among_500_names_that_row_and_nothing_is_written(conn):
    rows = [
        row(f"批量测试企业{i:03d}", kind="企业 (enterprise)", signed=(dt.date(2024, 1, 1) + dt.timedelta(days=i)).isoformat())
        for i in range(500)
    ]
    rows[211] = row("批量测试企业211", kind="企业 (enterprise)", city="郑州 (419999)")
    before = conn.execute(sa.select(sa.func.count()).select_from(pt)).scalar_one()
    parsed, plan = preview(conn, rows)
    assert [(p.row, p.column, p.code) for p in plan.problems] == [(213, "city", "bad_city")]
    with pytest.raises(upkeep.UpkeepError, match="has_problems"):
        apply(conn, parsed, plan)
    assert conn.execute(sa.select(sa.func.count()).select_from(pt)).scalar_one() == before


def test_reapplying_the_same_file_is_a_no_op(conn):
    rows, plan = preview(conn, [row("测试职业学院乙")])
    assert apply(conn, rows, plan) is not None
    uploads = conn.execute(sa.select(sa.func.count()).select_from(schema.data_upload)).scalar_one()
    rows, again = preview(conn, [row("测试职业学院乙")])
    assert again.changes == () and again.counts["unchanged"] == 2  # the partner and its agreement
    assert apply(conn, rows, again) is None
    assert conn.execute(sa.select(sa.func.count()).select_from(schema.data_upload)).scalar_one() == uploads


def test_revert_removes_an_added_partner_and_restores_a_changed_one(conn):
    name, pid = a_partner_in(conn, HENAN)
    before = upkeep_partners.current(conn, "partner", name)
    assert before is not None
    rows, plan = preview(
        conn,
        [row("测试职业学院丙"), row(name, kind=before["kind"], level="一般合作 (general)", city=f"武汉市 ({WUHAN})", signed="2025-05-05")],
    )
    upload = apply(conn, rows, plan)
    assert (upkeep_partners.current(conn, "partner", name) or {}).get("city_code") == WUHAN
    undo = upkeep_apply.revert_upload(conn, upload, actor="admin@corp.cn", allowed=(HENAN, HUBEI), national=True)
    assert upkeep_partners.current(conn, "partner", name) == before
    assert upkeep_partners.current(conn, "partner", "测试职业学院丙") is None
    assert (
        conn.execute(
            sa.select(sa.func.count()).select_from(ag).where(ag.c.partner_id == pid, ag.c.signed_on == dt.date(2025, 5, 5))
        ).scalar_one()
        == 0
    )
    history = upkeep.list_uploads(conn, provinces=None, national=True).set_index("id")
    assert history.loc[upload, "reverted_by"] == undo and history.loc[undo, "kind"] == "partners"


def test_revert_refuses_to_remove_a_partner_that_a_project_now_uses(conn):
    rows, plan = preview(conn, [row("测试职业学院丁")])
    upload = apply(conn, rows, plan)
    pid = conn.execute(sa.select(pt.c.id).where(pt.c.name_zh == "测试职业学院丁")).scalar_one()
    conn.execute(
        schema.project.insert().values(
            code="TEST-REVERT-1",
            name_zh="测试项目",
            name_en="Test project",
            kind="industry_college",
            sector="it",
            partner_id=pid,
            city_code=ZHENGZHOU,
            start_on=dt.date(2025, 1, 1),
            end_on=dt.date(2027, 1, 1),
            committed_fen=0,
            status="planning",
        )
    )
    with pytest.raises(upkeep.UpkeepError) as err:
        upkeep_apply.revert_upload(conn, upload, actor="admin@corp.cn", allowed=(HENAN,), national=True)
    assert err.value.code == "revert_in_use" and "project" in err.value.params["tables"]


def test_a_regional_analyst_keeps_only_their_provinces_partners(conn):
    hubei_name, _ = a_partner_in(conn, HUBEI)
    henan = upkeep.Uploader("henan@corp.cn", "analyst", (HENAN,), False)
    _, plan = preview(conn, [row("测试企业湖北", city=f"武汉市 ({WUHAN})")], uploader=henan)
    assert [(p.code, p.column) for p in plan.problems] == [("city_not_allowed", "city")]
    # moving a Hubei partner into Henan is refused too: its current city is outside the analyst's scope
    rows, plan = preview(conn, [row(hubei_name)], uploader=henan)
    assert [p.code for p in plan.problems] == ["partner_other_province"]
    with pytest.raises(upkeep.UpkeepError):
        apply(conn, rows, plan, uploader=henan)


def test_a_preview_made_before_another_upload_is_refused(conn):
    rows, plan = preview(conn, [row("测试职业学院戊", value=10, unit="万元")])
    other, other_plan = preview(conn, [row("测试职业学院戊", value=20, unit="万元")])
    apply(conn, other, other_plan)
    with pytest.raises(upkeep.UpkeepError, match="stale_preview"):
        apply(conn, rows, plan)


def test_a_connection_killed_mid_apply_leaves_no_partner_half_written(dialect, seeded):
    engine = seeded[dialect]
    with engine.connect() as c:
        rows, plan = preview(
            c, [row("测试断线学院", agreement="实践基地 (practice_base)"), row("测试断线学院", agreement="共建产业学院 (industry_college)")]
        )
        partners = c.execute(sa.select(sa.func.count()).select_from(pt)).scalar_one()
        uploads = c.execute(sa.select(sa.func.count()).select_from(schema.data_upload)).scalar_one()
    assert plan.ok and plan.counts["inserted"] == 3
    with pytest.raises(sa.exc.DBAPIError):
        with engine.begin() as c:
            kill_at(c, dialect, engine, statements=("INSERT INTO AGREEMENT",))
            apply(c, rows, plan)
    engine.dispose()
    with engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(pt)).scalar_one() == partners
        assert c.execute(sa.select(sa.func.count()).select_from(schema.data_upload)).scalar_one() == uploads


def test_the_command_line_imports_partners_with_exit_codes(dialect, seeded, tmp_path, capsys):
    engine = seeded[dialect]
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as c:
        ref = upkeep.Reference.load(c)
    good, bad = tmp_path / "partners.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(workbook([row("命令行测试学院")], ref))
    bad.write_bytes(workbook([row("命令行测试学院"), row("@SUM(1+1)*cmd|' /C calc'!A0")], ref))
    hubei = tmp_path / "hubei.xlsx"
    hubei.write_bytes(workbook([row("命令行测试学院", city=f"武汉市 ({WUHAN})")], ref))
    with engine.begin() as c:
        c.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email == "henan.partners@corp.cn"))
        c.execute(schema.app_user.delete().where(schema.app_user.c.email == "henan.partners@corp.cn"))
        access.add_user(c, email="henan.partners@corp.cn", role="analyst", provinces=[HENAN], actor="cli:test")
    try:
        assert main(["import", "partners", str(bad), "--database-url", url]) == 2
        assert "= + - @" in capsys.readouterr().err
        assert main(["import", "partners", str(hubei), "--database-url", url, "--as", "henan.partners@corp.cn"]) == 2
        assert "武汉市 (420100)" in capsys.readouterr().err
        assert main(["import", "partners", str(good), "--database-url", url, "--dry-run"]) == 0
        with engine.connect() as c:
            assert upkeep_partners.current(c, "partner", "命令行测试学院") is None
        assert main(["import", "partners", str(good), "--database-url", url]) == 0
        assert main(["import", "partners", str(good), "--database-url", url]) == 0
        assert "数据库已包含此文件的全部内容" in capsys.readouterr().out
        with engine.connect() as c:
            assert (upkeep_partners.current(c, "partner", "命令行测试学院") or {}).get("city_code") == ZHENGZHOU
    finally:
        with engine.begin() as c:
            ids = sa.select(schema.data_upload.c.id).where(schema.data_upload.c.file_name == "partners.xlsx")
            c.execute(schema.data_change.delete().where(schema.data_change.c.upload_id.in_(ids)))
            c.execute(
                schema.audit_log.delete().where(
                    schema.audit_log.c.action == "upkeep_apply", schema.audit_log.c.detail.like("%partners.xlsx%")
                )
            )
            c.execute(schema.data_upload.delete().where(schema.data_upload.c.file_name == "partners.xlsx"))
            pid = sa.select(pt.c.id).where(pt.c.name_zh == "命令行测试学院").scalar_subquery()
            c.execute(ag.delete().where(ag.c.partner_id == pid))
            c.execute(pt.delete().where(pt.c.name_zh == "命令行测试学院"))
            c.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email == "henan.partners@corp.cn"))
            c.execute(schema.app_user.delete().where(schema.app_user.c.email == "henan.partners@corp.cn"))


def test_the_example_files_in_docs_read_as_the_readme_says(conn):
    from data_access.config import PROJECT_ROOT

    ref = upkeep.Reference.load(conn, today=dt.date(2026, 12, 2))
    examples = PROJECT_ROOT / "docs" / "examples"
    _, plan = upkeep_partners.preview_partners(
        conn, (examples / "partners-zh.xlsx").read_bytes(), uploader=everyone(ref), labels=partner_labels(), ref=ref
    )
    assert plan.ok and plan.counts["inserted"] == 5
    _, bad = upkeep_partners.preview_partners(
        conn, (examples / "partners-bad-zh.xlsx").read_bytes(), uploader=everyone(ref), labels=partner_labels(), ref=ref
    )
    assert [(p.row, p.code) for p in bad.problems] == [
        (5, "bad_city"),
        (6, "name_formula"),
        (7, "signed_out_of_range"),
        (8, "partner_mismatch"),
        (9, "value_too_big"),
    ]
