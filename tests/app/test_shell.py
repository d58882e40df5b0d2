"""The app frame: filters in the URL, bad links, both languages, a database that is down."""

from __future__ import annotations

import pytest

from components.i18n import format_number, missing_keys, t
from data_access import queries
from tests.app.helpers import assert_clean, default_scope, run_query

PAGES = ("pages/overview.py", "pages/coverage.py", "pages/investment.py", "pages/funnels.py", "pages/reports.py")


DROPPED = t("notice.dropped_values", "zh", values="")


def url_values(at, key: str) -> list[str]:
    """AppTest keeps one value as a string and several as a list."""
    v = at.query_params.get(key, [])
    return [v] if isinstance(v, str) else list(v)


def metric_value(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_default_view_renders_the_overview_with_a_data_as_of_stamp(app):
    at = app()
    at.run()
    assert_clean(at)
    assert at.title[0].value == t("overview.title", "zh")
    assert any("数据截至" in c.value for c in at.sidebar.caption)


def test_a_province_in_the_url_scopes_the_figures(app, app_db_url):
    at = app({"province": "420000"})
    at.run()
    expected = run_query(app_db_url, queries.get_kpis, default_scope(app_db_url, ["420000"])).set_index("metric")
    assert metric_value(at, t("metric.partners", "zh")) == format_number(expected.loc["partners", "value"], "zh")
    assert metric_value(at, t("metric.leads", "zh")) == format_number(expected.loc["leads", "value"], "zh")


def test_changing_the_province_filter_changes_the_figures_and_the_url(app, app_db_url):
    at = app()
    at.run()
    national = metric_value(at, t("metric.leads", "zh"))
    at.sidebar.multiselect(key="w_province").set_value(["410000"]).run()
    # A province edit is staged: the page still shows the nation until the edits are applied.
    assert metric_value(at, t("metric.leads", "zh")) == national
    assert at.sidebar.button(key="w_apply").label == t("filter.apply", "zh", n=1)
    at.sidebar.button(key="w_apply").click().run()
    henan = run_query(app_db_url, queries.get_kpis, default_scope(app_db_url, ["410000"])).set_index("metric")
    assert metric_value(at, t("metric.leads", "zh")) == format_number(henan.loc["leads", "value"], "zh") != national
    assert url_values(at, "province") == ["410000"]


def test_a_channel_filter_changes_the_leads(app, app_db_url):
    at = app({"channel": "online"})
    at.run()
    online = run_query(app_db_url, queries.get_kpis, default_scope(app_db_url, channels=("online",))).set_index("metric")
    assert metric_value(at, t("metric.leads", "zh")) == format_number(online.loc["leads", "value"], "zh")


def test_filters_survive_a_page_switch(app):
    at = app({"province": "410000", "lang": "en"})
    at.run()
    at.switch_page("pages/funnels.py").run()
    assert_clean(at)
    assert at.title[0].value == t("funnels.title", "en")
    assert url_values(at, "province") == ["410000"] and url_values(at, "lang") == ["en"]


@pytest.mark.parametrize(
    "params",
    [
        {"province": ["' OR 1=1 --", "410000"]},
        {"province": "9" * 10_000},
        {"period": "1999Q9", "lang": "klingon"},
        {"channel": ["online", "<script>"], "tier": "moon", "end": "X"},
        {"utm_source": "wechat", "region": "atlantis"},
    ],
)
def test_hostile_url_values_are_dropped_with_a_notice(app, params):
    at = app(params)
    at.run()
    assert_clean(at, warnings=(DROPPED,))
    assert at.warning, "a notice must say what was dropped"
    assert t("notice.dropped_values", "zh", values="").rstrip("：: ") in at.warning[0].value
    assert at.metric, "the page still shows its figures"


def test_the_notice_of_a_links_dropped_values_stays_until_the_filters_change(app):
    """A rerun of the same view (a widget, the Coverage map's WebGL probe) keeps saying what the link
    lost; applying other filters ends it."""
    at = app({"province": ["410000", "atlantis"]})
    at.run()
    assert any(DROPPED.rstrip("：: ") in w.value for w in at.warning)
    at.run()
    assert any(DROPPED.rstrip("：: ") in w.value for w in at.warning), "a rerun of the link's view lost its notice"
    at.sidebar.multiselect(key="w_province").set_value(["420000"]).run()
    at.sidebar.button(key="w_apply").click().run()
    assert_clean(at)
    assert not any(DROPPED.rstrip("：: ") in w.value for w in at.warning)


def test_an_empty_channel_selection_says_why_nothing_is_shown(app):
    at = app({"channel": ""})
    at.run()
    assert_clean(at)
    assert any(i.value == t("empty.scope", "zh") for i in at.info)
    assert not at.metric


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_both_languages_without_missing_text(app, page, lang):
    at = app({"lang": lang, "province": ["420000", "410000"]})
    at.run()
    at.switch_page(page).run()
    assert_clean(at)
    assert not missing_keys(), f"keys used but not in the catalogue: {missing_keys()}"


def test_a_database_that_is_down_gives_a_message_not_a_traceback(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    at = app()
    at.run()
    assert_clean(at, errors=(t("error.db_unavailable", "zh"),))
    assert at.error and at.error[0].value == t("error.db_unavailable", "zh")


def test_a_statement_timeout_says_narrow_the_filters_and_is_logged_with_its_scope(app, monkeypatch, caplog):
    from components.ui import sections
    from data_access import cache, config, engine

    at = app({"province": "410000"})
    at.run()
    assert_clean(at)
    # Every statement now outlives the timeout (SQLite's progress handler interrupts it).
    monkeypatch.setattr(config, "STATEMENT_TIMEOUT_S", 1e-9)  # (0 means none, as in PostgreSQL and MariaDB)
    engine.reset_engines()
    cache._cached.clear()
    sections._built.clear()  # the views built on the first run, too
    at.run()
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [t("error.too_slow", "zh")]
    assert not at.metric
    # The first statement of the run (the frame's data-as-of read, over every province) is logged
    # with its query and scope.
    logged = [r.getMessage() for r in caplog.records if "statement timeout" in r.getMessage()]
    assert logged and "get_data_freshness" in logged[0] and "provinces=110000," in logged[0]
