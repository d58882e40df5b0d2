"""Notes on a view in the app (issue 26 point 5): the seeded note shows under its chart on the
national and the Hubei view but never to a Henan manager; a manager leaves one on the view as it is
filtered and the next reader sees it; markup is refused and stays text; the author removes it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from components.i18n import t
from data_access import access, config, schema
from tests.app.helpers import assert_clean, shown
from tests.app.test_access import sso, users  # noqa: F401 - fixtures

HUBEI_NOTE = "湖北 3 月线索跳升来自汉口学院春季宣讲"


def captions(at) -> str:
    return shown("\n".join(str(c.value) for c in at.caption))


@pytest.fixture
def cleanup(app_db_url):
    engine = config.make_engine(app_db_url)
    with engine.connect() as conn:
        before = {r.id for r in conn.execute(sa.select(schema.view_note.c.id))}
    yield engine
    with engine.begin() as conn:
        added = [r.id for r in conn.execute(sa.select(schema.view_note.c.id)) if r.id not in before]
        if added:
            conn.execute(schema.view_note_province.delete().where(schema.view_note_province.c.note_id.in_(added)))
            conn.execute(schema.view_note.delete().where(schema.view_note.c.id.in_(added)))


def test_the_seeded_note_shows_under_its_chart_nationally_and_for_hubei_never_for_henan(app, sso):  # noqa: F811
    at = app()
    at.switch_page("pages/funnels.py").run()
    assert_clean(at)
    assert HUBEI_NOTE in captions(at)
    hubei = sso("hubei@corp.cn")
    hubei.run()
    hubei.switch_page("pages/funnels.py").run()
    assert HUBEI_NOTE in captions(hubei)
    henan = sso("henan@corp.cn")
    henan.run()
    henan.switch_page("pages/funnels.py").run()
    assert_clean(henan)
    assert HUBEI_NOTE not in captions(henan) and "湖北" not in captions(henan)


def test_a_manager_leaves_a_note_the_next_reader_sees_and_removes_it(sso, cleanup):  # noqa: F811
    at = sso("henan@corp.cn")
    at.run()
    at.switch_page("pages/funnels.py").run()
    body, submit = "export_trend_notes_body", "FormSubmitter:export_trend_notes_form-" + t("notes.save", "zh")
    at.text_area(key=body).input("[点我](https://evil.example)")
    at.button(key=submit).click().run()
    assert_clean(at, errors=(t("notes.refused.markup", "zh")[:6],))
    assert any(t("notes.refused.markup", "zh")[:6] in str(e.value) for e in at.error)
    assert at.text_area(key=body).value == "[点我](https://evil.example)"  # kept, to correct
    at.text_area(key=body).input("河南暑期线索回落，已调整投放")
    at.button(key=submit).click().run()
    assert_clean(at)
    assert "河南暑期线索回落，已调整投放" in captions(at)
    assert not at.text_area(key=body).value  # saved: the box is empty again
    nxt = sso("henan@corp.cn")  # the next reader of the same view
    nxt.run()
    nxt.switch_page("pages/funnels.py").run()
    assert "河南暑期线索回落，已调整投放" in captions(nxt) and "henan@corp.cn" in captions(nxt)
    with cleanup.connect() as conn:
        log = access.get_audit_log(conn, action="note_add")
        stored = conn.execute(sa.select(schema.view_note.c.id, schema.view_note.c.section).where(
            schema.view_note.c.body == "河南暑期线索回落，已调整投放")).all()  # fmt: skip
    assert list(log["actor"])[:1] == ["henan@corp.cn"] and [s for _, s in stored] == ["trend"]
    ((note_id, _),) = stored
    nxt.button(key=f"export_trend_notes_del_{note_id}").click().run()
    assert_clean(nxt)
    assert "河南暑期线索回落，已调整投放" not in captions(nxt)
