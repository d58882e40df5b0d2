"""Partners and agreements in words and files: the template (XLSX), the words people may type for
kinds, levels, agreement kinds and statuses, and a partner or agreement change in words. Pure,
like components/upkeep/text.py (the reading and writing live in data_access/upkeep_partners.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from components.i18n import format_date, format_money, label, t
from components.upkeep.template import Column, template
from data_access import codes

PARTNER_FIELDS = codes.UPKEEP_PARTNER_FIELDS
CHOICES = codes.UPKEEP_PARTNER_CHOICES  # file field -> (code list, catalogue group of its labels)
# The units of the templates' lists, as the reader accepts them (data_access.upkeep.MONEY_UNITS).
MONEY_UNIT_CHOICES = {"zh": ("元", "万元", "亿元"), "en": ("yuan", "10k yuan", "100m yuan")}
# partner column (as stored in a change's before/after) -> the template field that sets it
FIELD_OF = {
    "name_en": "name_en",
    "kind": "kind",
    "city_code": "city",
    "agreement_level": "level",
    "since": "since",
    "status": "status",
    "expires_on": "expires",
    "value_fen": "value",
}
GROUP_OF = {"kind": "kind", "agreement_level": "level", "status": "partner_status"}


def pheader(field: str, lang: str) -> str:
    """A partners template header cell: label and field code ("合作方名称 (name_zh)")."""
    return f"{t(f'upkeep.pcol.{field}', lang)} ({field})"


def choice(field: str, code: str, lang: str) -> str:
    """How a choice appears in the template's list and is read back: "本科高校 (university)"."""
    return f"{label(CHOICES[field][1], code, lang)} ({code})"


def partner_labels() -> dict[str, dict[str, str]]:
    """Per choice field, every label people may type (both languages) to its code, for the reader."""
    return {f: {label(group, code, lang).lower(): code for code in items for lang in ("zh", "en")} for f, (items, group) in CHOICES.items()}


def city_choice(code: str, names: tuple[str, str, str], lang: str) -> str:
    """A city in the list: "郑州市 (410100)" (the reader keys on the adcode)."""
    return f"{names[1] if lang == 'zh' else names[2]} ({code})"


def _value(column: str, value: object, cities: Mapping[str, tuple[str, str, str]], lang: str) -> str:
    if value is None:
        return "—"
    if column == "value_fen":
        return format_money(float(value) / 100, lang)  # type: ignore[arg-type]
    if column in ("since", "expires_on"):
        return format_date(str(value), lang)
    if column == "city_code":
        names = cities.get(str(value))
        return city_choice(str(value), names, lang) if names else str(value)
    if column in GROUP_OF:
        return label(GROUP_OF[column], value, lang)
    return str(value)


def change_text(
    before: Mapping[str, object] | None, after: Mapping[str, object] | None, cities: Mapping[str, tuple[str, str, str]], lang: str
) -> str:
    """What one change does, field by field: "状态：合作中 → 已结束；到期日：— → 2030年6月30日"
    (an insert lists its values; a delete, the values it removes)."""
    parts = []
    for column in after or before or {}:
        old = None if before is None else before.get(column)
        new = None if after is None else after.get(column)
        if before is not None and after is not None and old == new:
            continue
        name = t(f"upkeep.pcol.{FIELD_OF.get(column, column)}", lang)
        if before is None:
            parts.append(f"{name}：{_value(column, new, cities, lang)}" if lang == "zh" else f"{name}: {_value(column, new, cities, lang)}")
        else:
            parts.append(
                f"{name}：{_value(column, old, cities, lang)} → {_value(column, new, cities, lang)}"
                if lang == "zh"
                else f"{name}: {_value(column, old, cities, lang)} → {_value(column, new, cities, lang)}"
            )
    return ("；" if lang == "zh" else "; ").join(parts)


def key_cells(table: str, key: str, lang: str) -> tuple[str, str, str]:
    """A partner or agreement key in words: (what, partner name, detail)."""
    if table == "partner":
        return t("upkeep.item.partner", lang), key, ""
    name, kind, signed = key.split("|")
    return (
        t("upkeep.item.agreement", lang),
        name,
        f"{label('agreement_kind', kind, lang)} · {t('upkeep.pcol.signed', lang)} {format_date(signed, lang)}",
    )


def change_row(
    table: str, key: str, op: str, before: object, after: object, cities: Mapping[str, tuple[str, str, str]], lang: str
) -> dict[str, object]:
    """One partner/agreement change as a table row (before/after: dicts or JSON text)."""

    def parse(v: object) -> Mapping[str, object] | None:
        return json.loads(v) if isinstance(v, str) else v if isinstance(v, Mapping) else None

    what, name, detail = key_cells(table, key, lang)
    return {
        t("upkeep.col_op", lang): t(f"upkeep.op.{op}", lang),
        t("upkeep.col_item", lang): what,
        t("upkeep.pcol.name_zh", lang): name,
        t("upkeep.col_detail", lang): detail,
        t("upkeep.col_change", lang): change_text(parse(before), parse(after), cities, lang),
    }


def partners_template(
    cities: Mapping[str, tuple[str, str, str]], provinces: Mapping[str, tuple[str, str]], *, allowed: tuple[str, ...], today, lang: str
) -> bytes:
    """The partners-and-agreements template: one row per agreement, noted headers, drop-down lists
    (kinds, cities of the uploader's provinces with adcodes, levels, agreement kinds, statuses,
    units), a guide with example rows, and the lists on a hidden sheet."""
    in_scope = sorted(c for c, v in cities.items() if v[0] in allowed)
    items = {f: [choice(f, code, lang) for code in CHOICES[f][0]] for f in CHOICES}
    items["city"] = [city_choice(c, cities[c], lang) for c in in_scope]
    items["unit"] = list(MONEY_UNIT_CHOICES[lang])
    days = {
        "validate": "date",
        "criteria": "between",
        "minimum": today.replace(year=1990, month=1, day=1),
        "maximum": today.replace(year=today.year + 30),
    }
    rules = {"signed": days, "expires": days, "value": {"validate": "decimal", "criteria": ">=", "value": 0}}
    widths = {
        "name_zh": 30,
        "name_en": 34,
        "kind": 18,
        "city": 20,
        "level": 14,
        "agreement": 22,
        "signed": 12,
        "expires": 12,
        "value": 14,
        "unit": 10,
        "status": 14,
        "note": 24,
    }
    columns = [
        Column(
            pheader(f, lang), t(f"upkeep.pnote.{f}", lang), widths[f], items.get(f, ()), rules.get(f, {}), date=f in ("signed", "expires")
        )
        for f in PARTNER_FIELDS
    ]
    city = in_scope[0] if in_scope else next(iter(cities), "410100")
    city_text = city_choice(city, cities.get(city, ("", "郑州市", "Zhengzhou")), lang)
    year = today.year - 1  # signed in the past, whenever the template is made
    examples: list[tuple[object, ...]] = [
        (
            "示例职业技术学院",
            "Example Vocational College",
            choice("kind", "vocational_college", lang),
            city_text,
            choice("level", "core", lang),
            choice("agreement", "industry_college", lang),
            f"{year}-03-01",
            f"{year + 5}-02-28",
            300,
            MONEY_UNIT_CHOICES[lang][1],
            choice("status", "active", lang),
            "",
        ),
        (
            "示例职业技术学院",
            "",
            choice("kind", "vocational_college", lang),
            city_text,
            choice("level", "core", lang),
            choice("agreement", "practice_base", lang),
            f"{year}-06-15",
            "",
            0,
            "",
            choice("status", "active", lang),
            "",
        ),
    ]
    return template(
        sheet=t("upkeep.sheet.partners", lang),
        guide_sheet=t("upkeep.sheet.guide", lang),
        lists_sheet=t("upkeep.sheet.lists", lang),
        columns=columns,
        guide_title=t("upkeep.guide.ptitle", lang),
        guide_body=t("upkeep.guide.pbody", lang),
        example_title=t("upkeep.guide.example", lang, sheet=t("upkeep.sheet.partners", lang)),
        examples=examples,
        freeze_cols=1,
        guide_height=90,
    )


__all__ = ["change_row", "change_text", "partner_labels", "partners_template", "pheader"]
