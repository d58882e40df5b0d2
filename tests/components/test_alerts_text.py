"""Alert wording (components/delivery/alerts.py): one line per alert in each language, numbers formatted
through components.i18n, no catalogue key missing, no Chinese in English."""

from __future__ import annotations

import dataclasses
import re

import pytest

from components.delivery.alerts import alert_text, rule_label
from components.i18n import clear_records, format_failures, missing_keys, t
from data_access.alerts import RULES, Alert

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
NAMES = {"420000": ("湖北省", "Hubei"), "420100": ("武汉市", "Wuhan")}

ALERTS = [
    Alert(
        "project_at_risk",
        "project:311",
        "420000",
        "high",
        (
            ("project_id", "311"),
            ("code", "P42-2026-0311"),
            ("name_zh", "汉口学院人工智能产业学院"),
            ("name_en", "Hankou University AI Industry College"),
            ("city_name_zh", "武汉市"),
            ("city_name_en", "Wuhan"),
            ("ahead_of_plan", "1"),
            ("overdue_milestones", "2"),
            ("disbursed_to_date_yuan", "12800000"),
            ("planned_to_date_yuan", "9000000"),
        ),
    ),
    Alert(
        "conversion_drop",
        "conversion:campus:enrolled",
        "420000",
        "medium",
        (
            ("channel", "campus"),
            ("from_stage", "trial_class"),
            ("stage", "enrolled"),
            ("rate", "0.25"),
            ("rate_last_year", "0.4"),
            ("drop_points", "15"),
            ("z", "3.1"),
            ("reached", "20"),
            ("base", "80"),
            ("reached_last_year", "32"),
            ("base_last_year", "80"),
        ),
    ),
    Alert(
        "kpi_below_pace",
        "kpi:leads",
        None,
        "high",
        (
            ("metric", "leads"),
            ("ytd", "3000"),
            ("projected", "4120"),
            ("low", "3950"),
            ("high", "4300"),
            ("target", "5000"),
            ("share", "0.824"),
            ("low_share", "0.79"),
            ("high_share", "0.86"),
        ),
    ),
    Alert(
        "kpi_below_pace",
        "kpi:disbursed_yuan",
        "420000",
        "medium",
        (
            ("metric", "disbursed_yuan"),
            ("projected", "12800000"),
            ("target", "15000000"),
            ("share", "0.853"),
            ("low_share", "0.8"),
            ("high_share", "0.92"),
        ),
    ),
    Alert(
        "city_without_partner",
        "city:420100",
        "420000",
        "medium",
        (("city_code", "420100"), ("name_zh", "武汉市"), ("name_en", "Wuhan"), ("tier", "capital"), ("leads", "1234")),
    ),
]


@pytest.fixture(autouse=True)
def _records():
    clear_records()
    yield
    assert missing_keys() == frozenset() and format_failures() == frozenset()


@pytest.mark.parametrize("alert", ALERTS, ids=lambda a: a.key)
def test_each_alert_reads_as_one_line_in_both_languages(alert):
    zh, en = alert_text(alert, "zh", names=NAMES), alert_text(alert, "en", names=NAMES)
    assert "\n" not in zh and "\n" not in en and zh != en
    assert CJK.search(zh) and not CJK.search(en)
    assert "{" not in zh + en


def test_numbers_and_names_are_formatted_per_language():
    project, conversion, kpi, money_kpi, city = ALERTS
    assert "1,280 万元" in alert_text(project, "zh", names=NAMES) and "¥12.8M" in alert_text(project, "en", names=NAMES)
    assert "湖北省武汉市" in alert_text(project, "zh", names=NAMES)
    text = alert_text(conversion, "en", names=NAMES)
    assert text.startswith("Hubei: ") and "25.0%" in text and "40.0%" in text and "15.0 points" in text
    assert alert_text(kpi, "zh").startswith(t("metric.leads", "zh") + "预计全年 4,120") and "82%" in alert_text(kpi, "zh")
    assert "¥15M" in alert_text(money_kpi, "en", names=NAMES)
    assert alert_text(city, "en", names=NAMES) == "Wuhan (Hubei): 1,234 leads this quarter and no partner yet"


def test_counts_take_the_singular_for_one_in_english():
    project, city = ALERTS[0], ALERTS[4]

    def with_param(alert: Alert, **changed: str) -> Alert:
        return dataclasses.replace(alert, params=tuple((k, changed.get(k, v)) for k, v in alert.params))

    assert alert_text(project, "en", names=NAMES).endswith(", and 2 milestones overdue")
    assert alert_text(with_param(project, overdue_milestones="1"), "en", names=NAMES).endswith(", and 1 milestone overdue")
    only_overdue = with_param(project, overdue_milestones="1", ahead_of_plan="0")
    assert alert_text(only_overdue, "en", names=NAMES).endswith("(Wuhan, Hubei): 1 milestone overdue")
    assert alert_text(with_param(city, leads="1"), "en", names=NAMES) == "Wuhan (Hubei): 1 lead this quarter and no partner yet"
    assert "(s)" not in alert_text(project, "en", names=NAMES)


def test_without_names_a_province_reads_as_its_code_and_a_city_as_its_own_name():
    assert alert_text(ALERTS[4], "zh").startswith("武汉市（420000）")


def test_every_rule_has_a_label_in_both_languages():
    for rule in RULES:
        assert rule_label(rule, "zh") != rule_label(rule, "en")
        assert not CJK.search(rule_label(rule, "en"))


def agreement_alert(days: int, value: str, enrolled: str, severity: str = "medium") -> Alert:
    return Alert(
        "agreements_expiring",
        "agreement:597",
        "420000",
        severity,
        (
            ("agreement_id", "597"),
            ("kind", "industry_college"),
            ("expires_on", "2027-01-15"),
            ("days_left", str(days)),
            ("value_yuan", value),
            ("partner_id", "1"),
            ("partner_name_zh", "汉口学院"),
            ("partner_name_en", "Hankou University"),
            ("partner_kind", "university"),
            ("leads_12m", "120"),
            ("enrolled_12m", enrolled),
        ),
    )


def test_an_expiring_agreement_reads_with_its_date_days_value_and_activity():
    alert = agreement_alert(76, "5900000", "35")
    zh, en = alert_text(alert, "zh", names=NAMES), alert_text(alert, "en", names=NAMES)
    assert zh == "湖北省：汉口学院（共建产业学院）2027年1月15日到期（还有 76 天），合同金额 590 万元；近 12 个月带来报名 35 人"
    assert en == (
        "Hubei: Hankou University (Industry college) expires on 15 Jan 2027 (in 76 days), contract value ¥5.9M; "
        "35 enrolled through this partner in the last 12 months"
    )
    for a in (alert, agreement_alert(1, "0", "0", "high")):
        for lang in ("zh", "en"):
            text = alert_text(a, lang, names=NAMES)
            assert "\n" not in text and "{" not in text and bool(CJK.search(text)) == (lang == "zh")
    framework = alert_text(agreement_alert(1, "0", "0", "high"), "en", names=NAMES)
    assert "(in 1 day)" in framework and "without a contract value" in framework and "no enrolment" in framework
    assert "0 元" not in alert_text(agreement_alert(1, "0", "0"), "zh", names=NAMES)
