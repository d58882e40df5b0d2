"""The question box (docs/ASK.md) in the real app on a real seeded database: on every page, the
answer is the registry's figure with its chips, chart and export menu; a chip dropped asks again;
"continue on the page" sets the filters there; hostile text stays text; a Henan manager asking
about Hubei gets no Hubei figure; every question is stored; an admin adds a synonym."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from components import metrics
from components.context import context_from_params
from components.i18n import t, tn
from data_access import access, config, reader, schema
from tests.app.helpers import assert_clean, catalogue
from tests.app.test_access import sso, users  # noqa: F401 - fixtures

PAGES = (
    "pages/overview.py",
    "pages/coverage.py",
    "pages/investment.py",
    "pages/funnels.py",
    "pages/reports.py",
    "pages/alerts.py",
    "pages/upkeep.py",
)
HENAN, HUBEI = "410000", "420000"


def figure(url: str, params: dict, metric: str, allowed=None) -> float:
    cat = catalogue(url)
    ctx, _ = context_from_params(cat, params, allowed or cat.provinces)
    return float(metrics.read(reader.direct(config.make_engine(url)), ctx, [metric])["value"].iloc[0])


def ask(at, text: str):
    at.text_input(key="ask_text").input(text).run()
    return at


def answer_text(at) -> str:
    return "\n".join(str(m.value) for m in at.markdown if str(m.value).startswith(":material/question_answer:"))


def chips(at):
    return next(g for g in at.get("button_group") if str(g.key or "").startswith("ask_chips_"))


@pytest.fixture(autouse=True)
def _no_questions_left(app_db_url):
    yield
    with config.make_engine(app_db_url).begin() as conn:
        conn.execute(schema.ask_question.delete())
        conn.execute(schema.ask_synonym.delete())


def test_the_box_is_on_every_page(app):
    at = app()
    at.run()
    for page in PAGES:
        at.switch_page(page).run()
        assert_clean(at)
        box = at.text_input(key="ask_text")
        assert box.placeholder == t("ask.placeholder", "zh"), page


def test_an_answer_is_the_registrys_figure_with_chips_a_chart_and_the_export_menu(app, app_db_url):
    at = app()
    at.run()
    ask(at, "河南今年报名多少，比去年呢？")
    assert_clean(at)
    cat = catalogue(app_db_url)
    value = figure(app_db_url, {"province": [HENAN], "period": [str(cat.as_of.year)]}, "enrolled")
    assert metrics.fmt("enrolled", value, "zh") in answer_text(at)
    assert chips(at).value == ["metric:enrolled", f"province:{HENAN}", f"period:{cat.as_of.year}", "compare:yoy"]
    assert any(str(e.key or "").startswith("ask_chart_") for e in at.get("plotly_chart"))
    with config.make_engine(app_db_url).connect() as conn:
        stored = conn.execute(sa.select(schema.ask_question.c.text, schema.ask_question.c.status)).all()
    assert [tuple(r) for r in stored] == [("河南今年报名多少，比去年呢？", "answered")]


def test_dropping_a_chip_asks_again_without_it(app, app_db_url):
    at = app()
    at.run()
    ask(at, "河南今年报名多少")
    chips(at).unselect(f"province:{HENAN}").run()
    assert_clean(at)
    national = figure(app_db_url, {}, "enrolled")
    assert metrics.fmt("enrolled", national, "zh") in answer_text(at)
    assert f"province:{HENAN}" not in chips(at).value


def test_continue_on_the_page_sets_the_answers_filters_there(app):
    at = app()
    at.run()
    ask(at, "湖北这个季度哪个渠道转化最好")
    at.button(key=next(b.key for b in at.button if str(b.key or "").startswith("ask_open_"))).click().run()
    at.run()  # the switch lands on the next run
    assert_clean(at)
    assert at.title[0].value == t("funnels.title", "zh")
    params = dict(at.query_params)
    assert params.get("province") in (HUBEI, [HUBEI]) and "Q" in str(params.get("period"))


@pytest.mark.parametrize(
    "text",
    ["[点我](https://evil.example) 河南报名", "<img src=x onerror=alert(1)> 报名", "**粗体** :red[红] 报名", "🙂" * 300],
)
def test_hostile_text_stays_text(app, text):
    at = app()
    at.run()
    ask(at, text)
    expected = (t("ask.not_understood_words", "zh", words="", examples="")[:4], tn("ask.refused.too_long", 300, "zh")[:4])
    assert_clean(at, warnings=expected)
    shown = "\n".join(str(e.value) for kind in ("markdown", "caption", "warning", "info") for e in getattr(at, kind))
    assert "](https://evil" not in shown and "<img" not in shown and ":red[" not in shown


def test_a_henan_manager_asking_about_hubei_gets_no_hubei_figure(sso, app_db_url):  # noqa: F811
    at = sso("henan@corp.cn")
    at.run()
    ask(at, "湖北今年报名多少")
    assert_clean(at)
    infos = "\n".join(str(i.value) for i in at.info)
    assert "湖北" in infos and not answer_text(at)
    hubei = figure(app_db_url, {"province": [HUBEI]}, "enrolled")
    assert metrics.fmt("enrolled", hubei, "zh") not in "\n".join(str(m.value) for m in at.markdown)


def test_an_admin_sees_the_words_not_understood_and_adds_a_synonym_audited(sso, app_db_url):  # noqa: F811
    at = sso("admin@corp.cn")
    at.run()
    ask(at, "河南的招办量")
    at.switch_page("pages/admin.py").run()
    assert_clean(at)
    assert any("招办量" in str(df.value.to_string()) for df in at.dataframe)
    at.text_input(key="admin_ask_term").input("招办量")
    at.selectbox(key="admin_ask_kind").set_value("metric").run()
    at.selectbox(key="admin_ask_code").set_value("enrolled").run()
    at.button(key="admin_ask_save").click().run()
    assert_clean(at)
    assert any("招办量" in str(s.value) for s in at.success)
    with config.make_engine(app_db_url).connect() as conn:
        log = access.get_audit_log(conn, action="ask_synonym_add")
    assert list(log["item"]) == ["招办量"] and list(log["actor"]) == ["admin@corp.cn"]
    ask(at, "河南的招办量")
    value = figure(app_db_url, {"province": [HENAN]}, "enrolled")
    assert metrics.fmt("enrolled", value, "zh") in answer_text(at)


def test_the_answer_closes_and_a_database_that_does_not_answer_keeps_the_page(app, monkeypatch):
    at = app()
    at.run()
    ask(at, "河南今年报名多少")
    assert answer_text(at)
    at.button(key="ask_clear").click().run()
    assert not answer_text(at) and at.text_input(key="ask_text").value == ""

    from components import ask as asking
    from data_access.engine import DataUnavailable

    def down(*args, **kwargs):
        raise DataUnavailable("connection refused")

    monkeypatch.setattr(asking, "reanswer", down)
    ask(at, "河南今年报名多少")
    assert_clean(at, warnings=(t("ask.unavailable", "zh")[:6],))
    assert at.title[0].value == t("overview.title", "zh")  # the page itself is still there
