"""Targets from Excel on real databases (SQLite, PostgreSQL, MariaDB): template round trip into the
KPI cards' targets, one bad row stops the whole file, re-applying is a no-op, a killed connection
mid-apply leaves nothing half-written, revert restores the previous values, and scope."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from components.commands import main
from components.upkeep.text import header, metric_labels, targets_template
from data_access import access, queries, schema, upkeep, upkeep_apply
from data_access.scope import year_scope
from tests.data_access.conftest import kill_at

HENAN, HUBEI = "410000", "420000"
YEAR = 2027  # after the seed's last target year (2026): every row of a test file is an insert; YEAR + 4 <= today + 5
tg = schema.target


def workbook(rows, *, lang="zh", names=None) -> bytes:
    """A targets file made from the real template with ``rows`` appended to its data sheet."""
    book = openpyxl.load_workbook(io.BytesIO(targets_template(names or {HENAN: ("河南省", "Henan")}, year=2026, lang=lang)))
    for row in rows:
        book.worksheets[0].append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def operator(ref) -> upkeep.Uploader:
    return upkeep.Uploader("cli:test", "operator", tuple(ref.provinces), True)


def load(c, data, uploader=None):
    ref = upkeep.Reference.load(c)
    rows, problems = upkeep.read_targets(data, ref=ref, uploader=uploader or operator(ref), metric_labels=metric_labels())
    return rows, problems, (upkeep.plan_targets(c, rows) if not problems else None)


def target(c, year, province, metric):
    where = tg.c.province_code.is_(None) if province is None else tg.c.province_code == province
    return c.execute(sa.select(tg.c.value).where(tg.c.year == year, tg.c.metric == metric, where)).scalar_one_or_none()


def test_a_filled_template_applies_and_the_kpi_cards_read_the_new_targets(conn):
    data = workbook(
        [(YEAR, "河南省 (410000)", "线索数 (leads)", 15000, "个"), (YEAR, "河南省 (410000)", "计划投入 (planned_fen)", 1280, "万元")]
    )
    rows, problems, plan = load(conn, data)
    assert problems == [] and plan is not None and plan.counts["inserted"] == 2
    upload_id = upkeep_apply.apply_plan(
        conn, plan, rows, actor="cli:test", file_name="t.xlsx", sha256=upkeep.file_sha256(data), source="cli"
    )
    assert upload_id is not None
    kpis = queries.get_kpis(conn, scope=year_scope([HENAN], YEAR)).set_index("metric")["target"]
    assert kpis["leads"] == 15000
    assert kpis["planned_yuan"] == 12_800_000  # 1,280 万元, stored in fen, shown in yuan
    assert target(conn, YEAR, HENAN, "planned_fen") == 1_280_000_000


def test_one_bad_row_among_500_names_that_row_and_nothing_can_be_applied(conn):
    ref = upkeep.Reference.load(conn)
    provinces = list(ref.provinces)
    good = [
        (2020 + i // (len(provinces) * 9) % 10, provinces[i // 9 % len(provinces)], m, 100 + i, "万元" if m.endswith("_fen") else "")
        for i, m in zip(range(500), __import__("itertools").cycle(upkeep.codes.TARGET_METRICS))
    ]
    good[317] = (good[317][0], "河兰省", *good[317][2:])
    rows, problems, plan = load(conn, workbook(good))
    assert [(p.row, p.column, p.code, p.arg("value")) for p in problems] == [(319, "province", "bad_province", "河兰省")]
    before = conn.execute(sa.select(sa.func.count()).select_from(tg)).scalar_one()
    with pytest.raises(upkeep.UpkeepError):
        upkeep_apply.apply_plan(
            conn, upkeep.Plan("targets", problems=tuple(problems), problem_count=1), rows, actor="x", file_name="f", sha256="", source="cli"
        )
    assert conn.execute(sa.select(sa.func.count()).select_from(tg)).scalar_one() == before


def test_reapplying_the_same_file_changes_and_records_nothing(conn):
    data = workbook([(YEAR, "河南省", "leads", 900, "")])
    rows, _, plan = load(conn, data)
    assert upkeep_apply.apply_plan(conn, plan, rows, actor="a", file_name="f", sha256="h", source="cli") is not None
    uploads = conn.execute(sa.select(sa.func.count()).select_from(schema.data_upload)).scalar_one()
    rows, _, again = load(conn, data)
    assert again.changes == () and again.counts["unchanged"] == 1
    assert upkeep_apply.apply_plan(conn, again, rows, actor="a", file_name="f", sha256="h", source="cli") is None
    assert conn.execute(sa.select(sa.func.count()).select_from(schema.data_upload)).scalar_one() == uploads


def test_a_preview_made_before_another_upload_is_refused(conn):
    rows, _, plan = load(conn, workbook([(YEAR, HENAN, "leads", 900, "")]))
    other, _, other_plan = load(conn, workbook([(YEAR, HENAN, "leads", 950, "")]))
    upkeep_apply.apply_plan(conn, other_plan, other, actor="a", file_name="g", sha256="", source="cli")
    with pytest.raises(upkeep.UpkeepError) as err:
        upkeep_apply.apply_plan(conn, plan, rows, actor="a", file_name="f", sha256="", source="cli")
    assert err.value.code == "stale_preview" and target(conn, YEAR, HENAN, "leads") == 950


def test_revert_restores_the_previous_values_as_a_new_upload_and_keeps_history(conn):
    first_rows, _, plan = load(conn, workbook([(YEAR, HENAN, "leads", 900, ""), (YEAR, HENAN, "enrolled", 90, "")]))
    base = upkeep_apply.apply_plan(conn, plan, first_rows, actor="a", file_name="base", sha256="", source="cli")
    rows, _, plan = load(conn, workbook([(YEAR, HENAN, "leads", 1000, ""), (YEAR, "全国", "leads", 5000, "")]))
    assert plan.counts == {"inserted": 1, "changed": 1, "ended": 0, "unchanged": 0}
    second = upkeep_apply.apply_plan(conn, plan, rows, actor="a", file_name="second", sha256="", source="cli")
    assert second is not None
    undo = upkeep_apply.revert_upload(conn, second, actor="admin@corp.cn", allowed=(HENAN,), national=True)
    assert target(conn, YEAR, HENAN, "leads") == 900 and target(conn, YEAR, None, "leads") is None
    assert target(conn, YEAR, HENAN, "enrolled") == 90
    history = upkeep.list_uploads(conn, provinces=None, national=True).set_index("id")
    assert history.loc[second, "reverted_by"] == undo and history.loc[undo, "reverts_upload_id"] == second
    assert {base, second, undo} <= set(history.index)
    with pytest.raises(upkeep.UpkeepError, match="already_reverted"):
        upkeep_apply.revert_upload(conn, second, actor="a", allowed=(HENAN,), national=True)


def test_revert_is_refused_when_a_later_upload_moved_the_same_key(conn):
    rows, _, plan = load(conn, workbook([(YEAR, HENAN, "leads", 900, "")]))
    first = upkeep_apply.apply_plan(conn, plan, rows, actor="a", file_name="f", sha256="", source="cli")
    assert first is not None
    rows, _, plan = load(conn, workbook([(YEAR, HENAN, "leads", 950, "")]))
    upkeep_apply.apply_plan(conn, plan, rows, actor="a", file_name="g", sha256="", source="cli")
    with pytest.raises(upkeep.UpkeepError) as err:
        upkeep_apply.revert_upload(conn, first, actor="a", allowed=(HENAN,), national=True)
    assert err.value.code == "revert_conflict" and target(conn, YEAR, HENAN, "leads") == 950


def test_a_money_target_in_the_wrong_unit_is_caught_against_its_neighbouring_year(conn):
    rows, _, plan = load(conn, workbook([(YEAR, HENAN, "disbursed_fen", 500, "万元")]))
    upkeep_apply.apply_plan(conn, plan, rows, actor="a", file_name="f", sha256="", source="cli")
    _, _, plan = load(conn, workbook([(YEAR + 1, HENAN, "disbursed_fen", 5_500_000, "万元")]))  # meant 元
    assert [(p.code, p.arg("year")) for p in plan.problems] == [("unit_scale", str(YEAR))]
    _, _, plan = load(conn, workbook([(YEAR + 1, HENAN, "disbursed_fen", 550, "万元")]))
    assert plan.ok


def test_an_analyst_cannot_change_another_provinces_or_national_targets(conn):
    ref = upkeep.Reference.load(conn)
    henan = upkeep.Uploader("henan@corp.cn", "analyst", (HENAN,), False)
    _, problems, _ = load(
        conn, workbook([(YEAR, HUBEI, "leads", 1, ""), (YEAR, "全国", "leads", 1, ""), (YEAR, HENAN, "leads", 1, "")]), henan
    )
    assert [(p.row, p.code) for p in problems] == [(2, "province_not_allowed"), (3, "national_not_allowed")]
    assert len(ref.provinces) == 34
    uploads = upkeep.list_uploads(conn, provinces=(HUBEI,), national=False)
    assert (
        uploads.empty
        or not upkeep.list_changes(conn, int(uploads["id"].iloc[0]), provinces=(HUBEI,), national=False)["province_code"].ne(HUBEI).any()
    )


def test_a_connection_killed_mid_apply_leaves_nothing_half_written(dialect, seeded):
    engine = seeded[dialect]
    data = workbook([(YEAR + 3, HENAN, "leads", 1, ""), (YEAR + 3, HENAN, "enrolled", 2, ""), (YEAR + 3, HENAN, "employed", 3, "")])
    with engine.connect() as c:
        rows, problems, plan = load(c, data)
        uploads_before = c.execute(sa.select(sa.func.count()).select_from(schema.data_upload)).scalar_one()
        audit_before = c.execute(sa.select(sa.func.count()).select_from(schema.audit_log)).scalar_one()
    assert plan is not None and plan.counts["inserted"] == 3
    with pytest.raises(sa.exc.DBAPIError):
        with engine.begin() as c:
            kill_at(c, dialect, engine, statements=("INSERT INTO TARGET", "UPDATE TARGET"))
            upkeep_apply.apply_plan(c, plan, rows, actor="a", file_name="killed.xlsx", sha256="", source="cli")
    engine.dispose()  # the pool may hold the dead connection
    with engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(tg).where(tg.c.year == YEAR + 3)).scalar_one() == 0
        assert c.execute(sa.select(sa.func.count()).select_from(schema.data_upload)).scalar_one() == uploads_before
        assert c.execute(sa.select(sa.func.count()).select_from(schema.audit_log)).scalar_one() == audit_before


def test_the_command_line_applies_refuses_and_dry_runs_with_exit_codes(dialect, seeded, tmp_path, capsys):
    engine = seeded[dialect]
    url = engine.url.render_as_string(hide_password=False)
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(workbook([(YEAR + 4, "河南省 (410000)", "线索数 (leads)", 77, "个")]))
    bad.write_bytes(workbook([(YEAR + 4, "河南省", "leads", 77, ""), (YEAR + 4, "湖北省", "leads", 88, "")]))
    with engine.begin() as c:
        c.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email == "henan.analyst@corp.cn"))
        c.execute(schema.app_user.delete().where(schema.app_user.c.email == "henan.analyst@corp.cn"))
        access.add_user(c, email="henan.analyst@corp.cn", role="analyst", provinces=[HENAN], actor="cli:test")
    try:
        assert main(["import", "targets", str(bad), "--database-url", url, "--as", "henan.analyst@corp.cn"]) == 2
        assert "湖北省" in capsys.readouterr().err
        assert main(["import", "targets", str(good), "--database-url", url, "--dry-run"]) == 0
        with engine.connect() as c:
            assert target(c, YEAR + 4, HENAN, "leads") is None
        assert main(["import", "targets", str(good), "--database-url", url, "--as", "henan.analyst@corp.cn"]) == 0
        assert main(["import", "targets", str(good), "--database-url", url]) == 0  # again: nothing to change
        out = capsys.readouterr().out
        assert "数据库已包含此文件的全部内容" in out
        with engine.connect() as c:
            assert target(c, YEAR + 4, HENAN, "leads") == 77
            actors = c.execute(sa.select(schema.data_upload.c.actor).where(schema.data_upload.c.file_name == "good.xlsx")).scalars().all()
            assert actors == ["henan.analyst@corp.cn"]
    finally:
        with engine.begin() as c:
            ids = sa.select(schema.data_upload.c.id).where(schema.data_upload.c.file_name == "good.xlsx")
            c.execute(schema.data_change.delete().where(schema.data_change.c.upload_id.in_(ids)))
            c.execute(schema.data_upload.delete().where(schema.data_upload.c.file_name == "good.xlsx"))
            c.execute(tg.delete().where(tg.c.year == YEAR + 4))
            c.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email == "henan.analyst@corp.cn"))
            c.execute(schema.app_user.delete().where(schema.app_user.c.email == "henan.analyst@corp.cn"))


def test_dates_of_the_reference_bound_the_year(conn):
    ref = upkeep.Reference.load(conn, today=dt.date(2026, 12, 2))
    rows, problems = upkeep.read_targets(
        workbook([(2032, HENAN, "leads", 1, ""), (2014, HENAN, "leads", 1, "")]), ref=ref, uploader=operator(ref)
    )
    assert [(p.row, p.code) for p in problems] == [(2, "bad_year"), (3, "bad_year")] and rows == []


def test_template_headers_carry_the_field_codes_the_reader_keys_on():
    book = openpyxl.load_workbook(io.BytesIO(targets_template({HENAN: ("河南省", "Henan")}, year=2026, lang="en")))
    assert [c.value for c in book.worksheets[0][1]] == [header(f, "en") for f in upkeep.TARGET_FIELDS]
    assert book.worksheets[0].data_validations.dataValidation, "drop-down lists"


def test_after_a_seed_a_new_row_gets_a_free_id_on_every_dialect(conn):
    """The seed writes ids itself (COPY on PostgreSQL): the sequences must have moved past them."""
    for table, values in (
        (tg, {"year": YEAR + 2, "province_code": HENAN, "metric": "leads", "value": 1}),
        (
            schema.partner,
            {
                "name_zh": "测试新伙伴",
                "name_en": "New partner",
                "kind": "enterprise",
                "city_code": "410100",
                "agreement_level": "general",
                "since": dt.date(2026, 1, 5),
                "status": "active",
            },
        ),
    ):
        new_id = conn.execute(table.insert().values(**values)).inserted_primary_key[0]
        assert new_id > conn.execute(sa.select(sa.func.max(table.c.id)).where(table.c.id != new_id)).scalar_one()


def test_the_history_filters_by_actor_and_day(conn):
    rows, _, plan = load(conn, workbook([(YEAR, HENAN, "leads", 4, "")]))
    mine = upkeep_apply.apply_plan(conn, plan, rows, actor="filter.me@corp.cn", file_name="f", sha256="", source="page")
    today = access.now().date()
    found = upkeep.list_uploads(conn, provinces=None, national=True, actor="filter.me@corp.cn", start=today, end=today)
    assert found["id"].tolist() == [mine]
    assert upkeep.list_uploads(conn, provinces=None, national=True, actor="filter.me@corp.cn", end=today - dt.timedelta(days=1)).empty
    assert upkeep.list_uploads(conn, provinces=(HUBEI,), national=False, actor="filter.me@corp.cn").empty


@pytest.mark.parametrize(
    "role, actor, may",
    [
        ("admin", "a@corp.cn", True),
        ("analyst", "b@corp.cn", True),
        ("executive", "c@corp.cn", False),
        ("regional", "d@corp.cn", False),
        ("analyst", "demo", False),
        ("operator", "cli:root", True),
    ],
)
def test_one_rule_says_who_may_change_data(role, actor, may):
    """The page, the command line and Uploader all ask upkeep.may_change_data (it was written three times)."""
    assert upkeep.may_change_data(role, actor) is may
    assert upkeep.Uploader(actor, role, (), False).may_upload is may
