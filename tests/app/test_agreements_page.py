"""The Coverage page's agreements coming due (issue 23) in AppTest: the table lists, in order, the
agreements the query layer returns for the page's scope and horizon, the takeaway quotes their
number and value, the horizon widget changes both, and the Alerts page words the agreement alerts."""

from __future__ import annotations

import datetime as dt

import pytest

from components import metrics
from components.i18n import format_number, t, tn
from data_access import queries
from tests.app.helpers import assert_clean, default_scope, open_directly, run_query, shown


@pytest.fixture
def app_db_url(app_db_url_every_dialect):
    """These views on SQLite, PostgreSQL and MariaDB (their SQL differs by dialect)."""
    return app_db_url_every_dialect


PAGE = "pages/coverage.py"


def due_of(url: str, provinces, months: int):
    """The query's agreements coming due for the page's default scope over ``months`` months."""
    scope = default_scope(url, provinces)
    return run_query(url, queries.get_agreements_by_expiry, scope, within_days=metrics.due_within_days(scope, months))


def agreements_table(at):
    header = t("agreements.col_partner", "zh")
    tables = [d.value for d in at.dataframe if header in list(d.value.columns)]
    assert len(tables) == 1, "one table of agreements on the page"
    return tables[0]


def page_text(at) -> str:
    return " ".join(shown(m.value) for m in at.markdown) + " " + " ".join(shown(i.value) for i in at.info)


def test_the_coverage_page_lists_the_agreements_coming_due_in_six_months(app, app_db_url):
    at = open_directly(app({}), PAGE)
    assert_clean(at)
    due = due_of(app_db_url, None, 6)
    assert len(due) > 1, "the seeded data has agreements coming due"
    assert tn("sections.agreements_due", 6, "zh") in [s.value for s in at.subheader]
    table = agreements_table(at)
    assert list(table[t("agreements.col_partner", "zh")]) == list(due["partner_name_zh"])  # biggest value first
    text = page_text(at)
    assert f"有 {format_number(len(due), 'zh')} 份协议到期" in text
    assert metrics.fmt("agreements_due_value", due["value_yuan"].sum(), "zh") in text


def test_the_horizon_widget_shows_another_window_and_one_province_its_own(app, app_db_url):
    at = open_directly(app({"province": "420000"}), PAGE)
    assert at.segmented_control(key="coverage_agreements_months").value == "6"
    at.segmented_control(key="coverage_agreements_months").set_value("12").run()
    assert_clean(at)
    due = due_of(app_db_url, ["420000"], 12)
    assert tn("sections.agreements_due", 12, "zh") in [s.value for s in at.subheader]
    if due.empty:
        assert tn("sections.agreements_due_empty", 12, "zh", until="")[:8] in page_text(at)
    else:
        assert list(agreements_table(at)[t("agreements.col_partner", "zh")]) == list(due["partner_name_zh"])
        assert set(due["province_code"]) == {"420000"}


def test_the_alerts_page_words_the_agreements_expiring(app, app_db_url):
    from components.delivery.alerts import rule_label

    at = open_directly(app({}), "pages/alerts.py")
    assert_clean(at)
    scope = default_scope(app_db_url, None)
    as_of = scope.end - dt.timedelta(days=1)
    soon = run_query(app_db_url, queries.get_agreements_by_expiry, scope, as_of=as_of, within_days=90)
    lines = [shown(m.value) for m in at.markdown if rule_label("agreements_expiring", "zh") in m.value]
    assert len(lines) == len(soon) > 0
    assert any(name in " ".join(lines) for name in soon["partner_name_zh"])
