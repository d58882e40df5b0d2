"""Events in words and files: the events template (XLSX), the words people may type for kinds and
region groups, and an event change in words. Pure, like components/upkeep/partners.py (the
reading and writing live in data_access/upkeep_events.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from components.i18n import format_date, label, t
from components.upkeep.template import Column, province_choice, template
from data_access import codes

EVENT_FIELDS = codes.UPKEEP_EVENT_FIELDS
# Field of a change's before/after -> the template field that sets it.
FIELD_OF = {"ends_on": "ends", "kind": "kind", "title_zh": "title_zh", "title_en": "title_en", "note": "note", "provinces": "scope"}


def eheader(field: str, lang: str) -> str:
    """An events template header cell: label and field code ("开始日期 (starts)")."""
    return f"{t(f'upkeep.ecol.{field}', lang)} ({field})"


def kind_choice(code: str, lang: str) -> str:
    return f"{label('event_kind', code, lang)} ({code})"


def region_choice(code: str, lang: str) -> str:
    return f"{t(f'region.{code}', lang)} ({code})"


def event_labels() -> dict[str, dict[str, str]]:
    """The words people may type for a kind or a region group (both languages) to its code."""
    return {
        "kind": {label("event_kind", k, lang).lower(): k for k in codes.TIMELINE_KINDS for lang in ("zh", "en")},
        "scope": {t(f"region.{r}", lang).lower(): r for r in codes.REGIONS for lang in ("zh", "en")},
    }


def _scope_text(fields: Mapping[str, object], names: Mapping[str, tuple[str, str]], lang: str) -> str:
    if fields.get("reach") == "national":
        return t("events.national", lang)
    if fields.get("reach") == "region":
        return t(f"region.{fields.get('region')}", lang)
    sep = "、" if lang == "zh" else ", "
    return sep.join(names.get(p, (p, p))[0 if lang == "zh" else 1] for p in str(fields.get("provinces", "")).split(",") if p)


def _value(column: str, fields: Mapping[str, object], names: Mapping[str, tuple[str, str]], lang: str) -> str:
    value = fields.get(column)
    if column == "provinces":
        return _scope_text(fields, names, lang) or "—"
    if column == "ends_on":
        return format_date(str(value), lang) if value else "—"
    if column == "kind":
        return label("event_kind", str(value), lang)
    return str(value) if value else "—"


def change_row(key: str, op: str, before: object, after: object, names: Mapping[str, tuple[str, str]], lang: str) -> dict[str, object]:
    """One event change as a table row: what, first day, title, then the fields that change
    (before/after: dicts or JSON text)."""

    def parse(v: object) -> Mapping[str, object] | None:
        return json.loads(v) if isinstance(v, str) else v if isinstance(v, Mapping) else None

    old, new = parse(before), parse(after)
    day, title = key.split("|", 1)
    parts = []
    for column in FIELD_OF:
        a = None if old is None else _value(column, old, names, lang)
        b = None if new is None else _value(column, new, names, lang)
        if a == b or (old is None and b == "—") or (new is None and a == "—"):
            continue
        name = t(f"upkeep.ecol.{FIELD_OF[column]}", lang)
        sep = "：" if lang == "zh" else ": "
        parts.append(f"{name}{sep}{b if old is None else a if new is None else f'{a} → {b}'}")
    return {
        t("upkeep.col_op", lang): t(f"upkeep.op.{op}", lang),
        t("upkeep.col_item", lang): t("upkeep.item.event", lang),
        t("upkeep.ecol.starts", lang): format_date(day, lang),
        t("upkeep.ecol.title_zh", lang): title,
        t("upkeep.col_change", lang): ("；" if lang == "zh" else "; ").join(parts),
    }


def events_template(
    provinces: Mapping[str, tuple[str, str]],
    *,
    allowed: tuple[str, ...],
    national: bool,
    today: dt.date,
    lang: str,
    region_of: Mapping[str, str] | None = None,
) -> bytes:
    """The events template: one row per event, noted headers, drop-down lists (kinds; the scope:
    national for a national uploader, the region groups wholly within the uploader's provinces
    (``region_of``: province → region; None: every group), the uploader's provinces with adcodes —
    the scope may also be typed as several provinces), a guide with example rows."""
    regions = [r for r in codes.REGIONS if region_of is None or {p for p, g in region_of.items() if g == r} <= set(allowed)]
    scope = (
        ([f"{t('events.national', lang)} (national)"] if national else [])
        + [region_choice(r, lang) for r in regions]
        + [province_choice(p, provinces[p], lang) for p in allowed if p in provinces]
    )
    days = {
        "validate": "date",
        "criteria": "between",
        "minimum": dt.date(2000, 1, 1),
        "maximum": dt.date(today.year + 2, 12, 31),
    }
    items = {"kind": [kind_choice(k, lang) for k in codes.TIMELINE_KINDS], "scope": scope}
    # A scope of several provinces is typed ("河南省、湖北省"): the list warns, it does not refuse.
    rules: dict[str, Mapping[str, object]] = {"starts": days, "ends": days, "scope": {"error_type": "information"}}
    widths = {"starts": 12, "ends": 12, "kind": 16, "title_zh": 34, "title_en": 40, "scope": 26, "note": 40}
    columns = [
        Column(eheader(f, lang), t(f"upkeep.enote.{f}", lang), widths[f], items.get(f, ()), rules.get(f, {}), date=f in ("starts", "ends"))
        for f in EVENT_FIELDS
    ]
    first = next((p for p in allowed if p in provinces), "410000")
    where = province_choice(first, provinces.get(first, ("河南省", "Henan")), lang)
    year = today.year
    examples: list[tuple[object, ...]] = [
        (f"{year}-03-18", "", kind_choice("signing", lang), "示例职业技术学院产业学院签约",
         "Example college signs an industry college", where, "五年共建，首批专业秋季招生。"),
        (f"{year}-07-01", f"{year}-08-31", kind_choice("campaign", lang), "暑期招生季", "Summer enrolment campaign", where, ""),
    ]  # fmt: skip
    return template(
        sheet=t("upkeep.sheet.events", lang),
        guide_sheet=t("upkeep.sheet.guide", lang),
        lists_sheet=t("upkeep.sheet.lists", lang),
        columns=columns,
        guide_title=t("upkeep.guide.etitle", lang),
        guide_body=t("upkeep.guide.ebody", lang),
        example_title=t("upkeep.guide.example", lang, sheet=t("upkeep.sheet.events", lang)),
        examples=examples,
        freeze_cols=1,
        guide_height=90,
    )


__all__ = ["change_row", "event_labels", "events_template"]
