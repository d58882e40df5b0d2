"""Events in the app (issue 26): the Overview lists the period's events; a Henan manager never sees a
Hubei-only one (list, chart marks); an analyst records one on the Data upkeep page and it is listed
and audited; hostile text stays text."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from components.i18n import t
from data_access import access, config, schema
from tests.app.helpers import assert_clean
from tests.app.test_access import sso, users  # noqa: F401 - fixtures

HANKOU = "汉口学院数字经济产业学院签约"


def listed(at) -> str:
    return "\n".join(df.value.to_string() for df in at.dataframe)


def chart_texts(at) -> str:
    return "\n".join(str(c.proto.spec) for c in at.get("plotly_chart"))


@pytest.fixture
def cleanup(app_db_url):
    engine = config.make_engine(app_db_url)
    with engine.connect() as conn:
        before = {r.id for r in conn.execute(sa.select(schema.event.c.id))}
    yield engine
    with engine.begin() as conn:
        added = [r.id for r in conn.execute(sa.select(schema.event.c.id)) if r.id not in before]
        if added:
            conn.execute(schema.event_province.delete().where(schema.event_province.c.event_id.in_(added)))
            conn.execute(schema.event.delete().where(schema.event.c.id.in_(added)))


def test_the_overview_lists_the_periods_events(app):
    at = app({"period": "2025"})
    at.run()
    assert_clean(at)
    assert any(s.value == t("events.title", "zh") for s in at.subheader)
    assert HANKOU in listed(at) and "“百校联办”计划启动" in listed(at)


def test_a_henan_manager_never_sees_a_hubei_only_event(sso):  # noqa: F811
    at = sso("henan@corp.cn", {"period": "2025"})
    at.run()
    assert_clean(at)
    assert "“百校联办”计划启动" in listed(at)  # a national one: yes
    assert HANKOU not in listed(at)
    at.switch_page("pages/investment.py").run()  # the cumulative-spend chart's marks
    assert_clean(at)
    assert "汉口学院" not in chart_texts(at)


def test_an_analyst_records_an_event_and_it_is_listed_and_audited_and_markup_is_refused(sso, cleanup):  # noqa: F811
    at = sso("central@corp.cn")  # an analyst of the central region
    at.run()
    at.switch_page("pages/upkeep.py").run()
    assert_clean(at)
    submit = "FormSubmitter:events_form-" + t("events.save", "zh")
    at.text_input(key="events_title_zh").input("[点我](https://evil.example) <b>开业</b>")
    at.radio(key="events_reach").set_value("provinces")
    at.multiselect(key="events_provinces").set_value(["410000"])
    at.button(key=submit).click().run()
    assert_clean(at, errors=(t("events.refused.markup", "zh")[:6],))
    assert any(t("events.refused.markup", "zh")[:6] in str(e.value) for e in at.error)
    at.text_input(key="events_title_zh").input("信阳分校开业")
    at.button(key=submit).click().run()
    assert_clean(at)
    assert any(t("events.saved", "zh")[:3] in str(s.value) for s in at.success)
    with cleanup.connect() as conn:
        stored = conn.execute(sa.select(schema.event.c.title_zh)).scalars().all()
        log = access.get_audit_log(conn, action="event_add")
    assert "信阳分校开业" in stored and not any("evil" in x for x in stored)
    assert list(log["actor"])[:1] == ["central@corp.cn"]
    at.switch_page("pages/overview.py").run()
    assert_clean(at)
    assert "信阳分校开业" in listed(at)
