"""Events from Excel on real databases (SQLite, PostgreSQL, MariaDB), issue 26 point 4: a filled
template adds events that the timeline query then returns, a row with the same first day and title
changes that event, one bad row stops the file, re-applying is a no-op, revert removes what an
upload added and restores what it changed, scope (a Henan analyst cannot add a Hubei event, nor
change a stored Hubei one), hostile titles refused, the command line."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from components.commands import main
from components.upkeep.events import event_labels, events_template
from components.upkeep.text import changes_frame, plan_frame
from data_access import queries, schema, upkeep, upkeep_apply, upkeep_events
from data_access.scope import Scope

HENAN, HUBEI, GUANGDONG = "410000", "420000", "440000"
EVERY_DAY = (dt.date(1990, 1, 1), dt.date(2100, 1, 1))
TODAY = dt.date(2026, 11, 15)


def workbook(rows, ref, *, lang="zh", national=True) -> bytes:
    """An events file made from the real template with ``rows`` appended to its data sheet."""
    data = events_template(ref.provinces, allowed=tuple(ref.provinces), national=national, today=ref.today, lang=lang)
    book = openpyxl.load_workbook(io.BytesIO(data))
    for r in rows:
        book.worksheets[0].append(list(r))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(title, *, starts="2026-06-01", ends="", kind="开业 (opening)", title_en="", scope=f"河南省 ({HENAN})", note=""):
    return (starts, ends, kind, title, title_en, scope, note)


def uploader(ref, provinces=None, role="analyst") -> upkeep.Uploader:
    allowed = tuple(provinces or ref.provinces)
    return upkeep.Uploader("ana@corp.cn", role, allowed, provinces is None)


def preview(c, rows, who=None, *, lang="zh"):
    ref = upkeep.Reference.load(c, today=TODAY)
    data = workbook(rows, ref, lang=lang)
    return upkeep_events.preview_events(c, data, uploader=who or uploader(ref), labels=event_labels(), ref=ref)


def apply(c, rows, plan, who=None):
    return upkeep_apply.apply_plan(c, plan, rows, actor="ana@corp.cn", file_name="e.xlsx", sha256="h", source="cli", uploader=who)


def seen(c, provinces) -> dict[str, object]:
    df = queries.get_events(c, scope=Scope(tuple(provinces), *EVERY_DAY))
    return {r.title_zh: r for r in df.itertuples(index=False)}


def test_a_filled_template_adds_events_the_timeline_shows_where_they_belong(conn):
    rows, plan = preview(
        conn,
        [
            row("郑州二七分校开业", note="首月到店咨询 300 人次。"),
            row("中部秋季招生月", starts="2026-09-01", ends="2026-09-30", kind="活动 (campaign)", scope="华中 (central)"),
            row("豫鄂联合宣讲", starts="2026-10-12", kind="Campaign", scope="河南、湖北", title_en="Henan–Hubei roadshow"),
            row("全国职教周", starts="2026-05-10", kind="other", scope="全国"),
        ],
    )
    assert plan.ok, plan.problems
    assert plan.counts["inserted"] == 4
    version = upkeep.data_version(conn)
    assert apply(conn, rows, plan) is not None
    assert upkeep.data_version(conn) > version  # the pages' caches read the events anew
    henan, hubei = seen(conn, [HENAN]), seen(conn, [HUBEI])
    assert {"郑州二七分校开业", "中部秋季招生月", "豫鄂联合宣讲", "全国职教周"} <= set(henan)
    assert "郑州二七分校开业" not in hubei and {"中部秋季招生月", "豫鄂联合宣讲", "全国职教周"} <= set(hubei)
    opening = henan["郑州二七分校开业"]
    assert (opening.kind, opening.note, opening.reach) == ("opening", "首月到店咨询 300 人次。", "provinces")
    month = henan["中部秋季招生月"]
    assert (month.reach, month.region, month.ends_on) == ("region", "central", dt.date(2026, 9, 30))
    assert henan["豫鄂联合宣讲"].provinces == HENAN  # a viewer learns only their provinces of it
    assert henan["全国职教周"].reach == "national"
    frame = plan_frame(plan, upkeep.Reference.load(conn).provinces, "zh")
    assert list(frame["中文标题"]) == ["郑州二七分校开业", "中部秋季招生月", "豫鄂联合宣讲", "全国职教周"]
    assert "范围：华中" in frame.loc[1, "字段（之前 → 之后）"] and "范围：河南省、湖北省" in frame.loc[2, "字段（之前 → 之后）"]


def test_the_same_first_day_and_title_changes_that_event_and_reapplying_is_a_no_op(conn):
    rows, plan = preview(conn, [row("郑州二七分校开业")])
    apply(conn, rows, plan)
    again = [row("郑州二七分校开业", ends="2026-06-03", note="开业三天活动。")]
    rows, plan = preview(conn, again)
    assert plan.ok and plan.counts == {"inserted": 0, "changed": 1, "ended": 0, "unchanged": 0}
    (change,) = plan.changes
    assert change.before["note"] == "" and change.after["note"] == "开业三天活动。"
    apply(conn, rows, plan)
    rows, plan = preview(conn, again)
    assert plan.ok and not plan.changes and plan.unchanged == 1
    assert apply(conn, rows, plan) is None  # nothing recorded
    stored = conn.execute(sa.select(sa.func.count()).select_from(schema.event).where(schema.event.c.title_zh == "郑州二七分校开业"))
    assert stored.scalar_one() == 1


def test_one_bad_row_names_its_cell_and_nothing_is_written(conn):
    before = conn.execute(sa.select(sa.func.count()).select_from(schema.event)).scalar_one()
    good = [row(f"分校开业{i}", starts=f"2026-0{1 + i % 9}-1{i % 10}") for i in range(40)]
    bad = [
        row("@SUM(1+1)*cmd|' /C calc'!A0"),
        row("正常标题", scope="河兰省"),
        row("正常标题二", kind="庆典"),
        row("正常标题三", starts="2026-13-01"),
        row("正常标题四", starts="2026-06-10", ends="2026-06-01"),
        row("", title_en=""),
        row("看[这里](http://evil.example)"),
        row("重复", starts="2026-07-01"),
        row("重复", starts="2026-07-01"),
        row("太远的将来", starts="2031-01-01"),
    ]
    rows, plan = preview(conn, good + bad)
    assert not plan.ok
    codes = [(p.code, p.column) for p in plan.problems]
    assert codes == [
        ("name_formula", "title_zh"),
        ("bad_scope", "scope"),
        ("bad_choice", "kind"),
        ("bad_date", "starts"),
        ("ends_out_of_range", "ends"),
        ("title_required", "title_zh"),
        ("name_markup", "title_zh"),
        ("duplicate_event", "title_zh"),
        ("event_out_of_range", "starts"),
    ]
    assert [p.row for p in plan.problems][:2] == [42, 43]  # the header is row 1, the good rows 2–41
    with pytest.raises(upkeep.UpkeepError):
        apply(conn, rows, plan)
    assert conn.execute(sa.select(sa.func.count()).select_from(schema.event)).scalar_one() == before


def test_revert_removes_an_added_event_and_restores_a_changed_one(conn):
    rows, plan = preview(conn, [row("郑州二七分校开业")])
    first = apply(conn, rows, plan)
    rows, plan = preview(conn, [row("郑州二七分校开业", note="改过的说明"), row("洛阳分校开业", starts="2026-07-01")])
    second = apply(conn, rows, plan)
    assert second is not None and first is not None
    history = upkeep.list_changes(conn, second, provinces=None, national=True)
    words = changes_frame(history, upkeep.Reference.load(conn).provinces, "zh")
    assert list(words["操作"]) == ["修改", "新增"] and "说明：— → 改过的说明" in words.loc[0, "字段（之前 → 之后）"]
    upkeep_apply.revert_upload(conn, second, actor="admin@corp.cn", allowed=(HENAN,), national=False)
    henan = seen(conn, [HENAN])
    assert "洛阳分校开业" not in henan and henan["郑州二七分校开业"].note == ""
    with pytest.raises(upkeep.UpkeepError) as refused:
        upkeep_apply.revert_upload(conn, second, actor="admin@corp.cn", allowed=(HENAN,), national=False)
    assert refused.value.code == "already_reverted"


def test_an_analyst_adds_and_changes_only_events_of_their_provinces(conn):
    ref = upkeep.Reference.load(conn, today=TODAY)
    henan = uploader(ref, [HENAN])
    _, plan = preview(conn, [row("武汉分校开业", scope="湖北省")], henan)
    assert [p.code for p in plan.problems] == ["scope_not_allowed"]
    _, plan = preview(conn, [row("全国活动", scope="全国")], henan)
    assert [p.code for p in plan.problems] == ["scope_not_allowed"]  # a national event needs a national uploader
    # The seeded Hubei-only signing cannot be changed from a Henan file, even re-scoped to Henan.
    _, plan = preview(conn, [row("汉口学院数字经济产业学院签约", starts="2025-03-18", kind="签约", scope="河南省")], henan)
    assert [p.code for p in plan.problems] == ["event_other_province"]
    rows, plan = preview(conn, [row("郑州二七分校开业")], henan)
    assert plan.ok
    (change,) = plan.changes
    assert change.province_code == HENAN  # the Henan history lists it
    upload = apply(conn, rows, plan, henan)
    assert upload is not None
    assert not upkeep.list_uploads(conn, provinces=[HUBEI], national=False).query("id == @upload").shape[0]
    with pytest.raises(upkeep.UpkeepError) as refused:  # another province's editor cannot revert it
        upkeep_apply.revert_upload(conn, upload, actor="hubei@corp.cn", allowed=(HUBEI,), national=False)
    assert refused.value.code == "revert_not_allowed"


def test_the_template_lists_only_what_the_uploader_may_choose(conn):
    ref = upkeep.Reference.load(conn, today=TODAY)
    region_of = dict(conn.execute(sa.select(schema.province.c.code, schema.province.c.region)).all())
    central = tuple(p for p, r in region_of.items() if r == "central")
    book = openpyxl.load_workbook(io.BytesIO(events_template(ref.provinces, allowed=central, national=False, today=TODAY, lang="zh",
                                                             region_of=region_of)))  # fmt: skip
    listed = [c.value for c in book.worksheets[2]["B"] if c.value]
    assert "华中 (central)" in listed and "华北 (north)" not in listed and not any("national" in x for x in listed)
    assert f"河南省 ({HENAN})" in listed and f"广东省 ({GUANGDONG})" not in listed
    headers = [c.value for c in book.worksheets[0][1]]
    names = ["开始日期", "结束日期", "类型", "中文标题", "英文标题", "范围", "说明"]
    assert headers == [f"{n} ({f})" for n, f in zip(names, upkeep_events.EVENT_FIELDS)]


def test_english_labels_and_a_province_list_read_as_the_chinese_ones(conn):
    rows, plan = preview(
        conn, [row("", title_en="Henan–Hubei roadshow", kind="Campaign (campaign)", scope="Henan; Hubei", starts="2026-10-12")], lang="en"
    )
    assert plan.ok, plan.problems
    (r,) = rows
    assert (r.entry.kind, r.entry.reach, r.provinces, r.key) == ("campaign", "provinces", (HENAN, HUBEI), "2026-10-12|Henan–Hubei roadshow")


def test_the_command_line_imports_events_with_exit_codes(dialect, seeded, tmp_path, capsys):
    engine = seeded[dialect]
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as c:
        ref = upkeep.Reference.load(c)
    good, bad = tmp_path / "events.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(workbook([row("命令行测试分校开业")], ref))
    bad.write_bytes(workbook([row("命令行测试分校开业", scope="火星")], ref))
    try:
        assert main(["import", "events", str(bad), "--database-url", url]) == 2
        assert "火星" in capsys.readouterr().err
        assert main(["import", "events", str(good), "--database-url", url, "--dry-run"]) == 0
        assert "命令行测试分校开业" in capsys.readouterr().out
        with engine.connect() as c:
            assert upkeep_events.current(c, "2026-06-01|命令行测试分校开业") is None
        assert main(["import", "events", str(good), "--database-url", url]) == 0
        with engine.connect() as c:
            assert (upkeep_events.current(c, "2026-06-01|命令行测试分校开业") or {}).get("provinces") == HENAN
    finally:
        with engine.begin() as c:
            ids = sa.select(schema.data_upload.c.id).where(schema.data_upload.c.file_name == "events.xlsx")
            c.execute(schema.data_change.delete().where(schema.data_change.c.upload_id.in_(ids)))
            c.execute(
                schema.audit_log.delete().where(
                    schema.audit_log.c.action == "upkeep_apply", schema.audit_log.c.detail.like("%events.xlsx%")
                )
            )
            c.execute(schema.data_upload.delete().where(schema.data_upload.c.file_name == "events.xlsx"))
            eid = sa.select(schema.event.c.id).where(schema.event.c.title_zh == "命令行测试分校开业").scalar_subquery()
            c.execute(schema.event_province.delete().where(schema.event_province.c.event_id.in_(eid)))
            c.execute(schema.event.delete().where(schema.event.c.title_zh == "命令行测试分校开业"))
