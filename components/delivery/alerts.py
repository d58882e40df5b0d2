"""One line of text per alert, in Chinese or English (pure: no streamlit, no queries).

``alert_text(alert, lang, names=...)`` words an ``data_access.alerts.Alert`` from its raw params
through the catalogues (keys ``alerts.*``); ``rule_label(rule, lang)`` names a rule. Numbers go
through components.i18n (万元/亿元 in Chinese, ¥K/M in English).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from components.i18n import format_date, format_money, format_number, format_percent, label, normalize_lang, t, tn

if TYPE_CHECKING:  # the Alert type only; at run time an alert is read by its attributes
    from data_access.alerts import Alert

# Metrics of the KPI rule counted in money (yuan); the others are counts of learners.
_MONEY_METRICS = frozenset({"disbursed_yuan", "planned_yuan"})


def rule_label(rule: str, lang: str) -> str:
    """The name of an alert rule ("项目新增风险" / "Project newly at risk")."""
    return t(f"alerts.rule.{rule}", lang)


def _name(code: str | None, names: Mapping[str, tuple[str, str]] | None, lang: str, fallback_zh: str = "", fallback_en: str = "") -> str:
    """A place's name: from ``names`` (code -> (zh, en)), else the alert's own, else the code."""
    if code and names and code in names:
        zh, en = names[code]
        return zh if lang == "zh" else en
    own = fallback_zh if lang == "zh" else fallback_en
    return own or (code or "")


def _float(alert: Alert, key: str) -> float:
    raw = dict(alert.params).get(key, "")
    try:
        return float(raw)
    except ValueError:
        return float("nan")


def _where(alert: Alert, lang: str, names: Mapping[str, tuple[str, str]] | None) -> str:
    """ "湖北省：" for an item of one province; "" for an item of the whole scope."""
    if alert.province_code is None:
        return ""
    return t("alerts.where", lang, place=_name(alert.province_code, names, lang))


def alert_text(alert: Alert, lang: str, *, names: Mapping[str, tuple[str, str]] | None = None) -> str:
    """The alert in one line of ``lang``. ``names`` maps province (and city) adcodes to their
    (Chinese, English) names; without it a province reads as its adcode."""
    lang = normalize_lang(lang)
    p = dict(alert.params)
    if alert.rule == "project_at_risk":
        province = _name(alert.province_code, names, lang)
        city = _name(p.get("city_code"), names, lang, p.get("city_name_zh", ""), p.get("city_name_en", ""))
        project = (p.get("name_zh") if lang == "zh" else p.get("name_en")) or p.get("code", "")
        ahead, overdue = p.get("ahead_of_plan") == "1", int(_float(alert, "overdue_milestones") or 0)
        words = {
            "project": project,
            "place": ", ".join(x for x in (city, province) if x) if lang == "en" else f"{province}{city}",
            "paid": format_money(_float(alert, "disbursed_to_date_yuan"), lang),
            "planned": format_money(_float(alert, "planned_to_date_yuan"), lang),
        }
        if ahead and not overdue:
            return t("alerts.project.ahead", lang, **words)
        return tn("alerts.project.both" if ahead else "alerts.project.overdue", overdue, lang, **words)
    if alert.rule == "conversion_drop":
        return t(
            "alerts.conversion",
            lang,
            where=_where(alert, lang, names),
            channel=label("channel", p.get("channel"), lang),
            from_stage=label("stage", p.get("from_stage"), lang),
            stage=label("stage", p.get("stage"), lang),
            rate=format_percent(_float(alert, "rate"), lang),
            last=format_percent(_float(alert, "rate_last_year"), lang),
            points=format_number(_float(alert, "drop_points"), lang, digits=1),
            reached=format_number(_float(alert, "reached"), lang),
            base=format_number(_float(alert, "base"), lang),
        )
    if alert.rule == "kpi_below_pace":
        metric = p.get("metric", "")
        money = metric in _MONEY_METRICS

        def fmt(key: str) -> str:
            return format_money(_float(alert, key), lang) if money else format_number(_float(alert, key), lang)

        return t(
            "alerts.kpi",
            lang,
            where=_where(alert, lang, names),
            metric=label("metric", metric, lang),
            projected=fmt("projected"),
            target=fmt("target"),
            pct=format_percent(_float(alert, "share"), lang, 0),
            low=format_percent(_float(alert, "low_share"), lang, 0),
            high=format_percent(_float(alert, "high_share"), lang, 0),
        )
    if alert.rule == "city_without_partner":
        return tn(
            "alerts.city",
            _float(alert, "leads"),
            lang,
            city=_name(p.get("city_code"), names, lang, p.get("name_zh", ""), p.get("name_en", "")),
            province=_name(alert.province_code, names, lang),
        )
    if alert.rule == "agreements_expiring":
        days, value, enrolled = int(_float(alert, "days_left")), _float(alert, "value_yuan"), int(_float(alert, "enrolled_12m") or 0)
        worth = t("alerts.agreement.value", lang, value=format_money(value, lang)) if value > 0 else t("alerts.agreement.framework", lang)
        return t(
            "alerts.agreement",
            lang,
            where=_where(alert, lang, names),
            partner=(p.get("partner_name_zh") if lang == "zh" else p.get("partner_name_en")) or p.get("partner_id", ""),
            kind=label("agreement_kind", p.get("kind"), lang),
            date=format_date(p.get("expires_on"), lang),
            due_in=tn("alerts.agreement.days", days, lang),
            value=worth,
            activity=t("alerts.agreement.idle" if enrolled == 0 else "alerts.agreement.enrolled", lang, n=format_number(enrolled, lang)),
        )
    return t("alerts.unknown", lang, rule=alert.rule, key=alert.key)
