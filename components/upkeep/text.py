"""Data upkeep in words and files: the targets template (XLSX), problems and previews worded in
either language. Pure: the page and ``python -m components.cli import`` both use these, so a
problem reads the same in the browser and in a terminal ("第 12 行 省份：'河兰省' 不是有效省份。").

The reading, checking and writing live in data_access/upkeep.py; the objects it returns are
duck-typed here (only type-checked against it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from components.i18n import format_money, format_number, t, tn
from components.upkeep.events import change_row as event_change_row
from components.upkeep.partners import MONEY_UNIT_CHOICES, change_row
from components.upkeep.template import Column, province_choice, template
from data_access import codes

if TYPE_CHECKING:
    from data_access.upkeep import Plan, Problem

TARGET_FIELDS = codes.UPKEEP_TARGET_FIELDS
MONEY_TARGETS = ("planned_fen", "disbursed_fen")
# target.metric -> the KPI card's metric key (its label in the catalogue)
CARD_METRIC = {"planned_fen": "planned_yuan", "disbursed_fen": "disbursed_yuan"}
COUNT_UNIT = {"zh": "个", "en": "count"}


def metric_name(metric: str, lang: str) -> str:
    return t(f"metric.{CARD_METRIC.get(metric, metric)}", lang)


def metric_choice(metric: str, lang: str) -> str:
    """How a metric appears in the template's list and is read back: "线索数 (leads)"."""
    return f"{metric_name(metric, lang)} ({metric})"


def metric_labels() -> dict[str, str]:
    """Every metric name people may type, in both languages, to its code (for the reader)."""
    return {metric_name(m, lang): m for m in codes.TARGET_METRICS for lang in ("zh", "en")}


def header(field: str, lang: str) -> str:
    """A template header cell: the label and the field code the reader keys on ("年份 (year)")."""
    return f"{t(f'upkeep.col.{field}', lang)} ({field})"


COLUMN_GROUP = {"partners": "pcol", "events": "ecol"}  # the catalogue group of a kind's column names (targets: col)


def _column(field: str, kind: str, lang: str) -> str:
    return t(f"upkeep.{COLUMN_GROUP.get(kind, 'col')}.{field}", lang) if field else ""


def problem_text(p: Problem, lang: str, kind: str = "targets") -> str:
    """One problem in one line: where, then what ("年度目标 第 12 行 省份：'河兰省' 不是有效省份。")."""
    what = t(f"upkeep.problem.{p.code}", lang, **dict(p.args))
    if p.row is not None:
        column = _column(p.column, kind, lang)
        return t("upkeep.where", lang, sheet=p.sheet, row=format_number(p.row, lang), column=column) + what
    return (t("upkeep.where_sheet", lang, sheet=p.sheet) if p.sheet else "") + what


def problems_frame(problems: Sequence[Problem], lang: str, kind: str = "targets") -> pd.DataFrame:
    """Problems as a table for the page: sheet, row, column, reason."""
    return pd.DataFrame(
        [
            {
                t("upkeep.col_sheet", lang): p.sheet,
                t("upkeep.col_row", lang): p.row,
                t("upkeep.col_column", lang): _column(p.column, kind, lang),
                t("upkeep.col_reason", lang): t(f"upkeep.problem.{p.code}", lang, **dict(p.args)),
            }
            for p in problems
        ]
    )


def _target_value(key: str, value: object, lang: str) -> str:
    if value is None:
        return "—"
    metric = key.split("|")[2]
    v = float(value)  # type: ignore[arg-type]
    return format_money(v / 100, lang) if metric in MONEY_TARGETS else format_number(v, lang)


def key_text(key: str, names: Mapping[str, tuple[str, str]], lang: str) -> tuple[str, str, str]:
    """A target key in words: (year, province or national, metric)."""
    year, province, metric = key.split("|")
    where = t("upkeep.national", lang) if province == "*" else (names.get(province, (province, province))[0 if lang == "zh" else 1])
    return year, where, metric_name(metric, lang)


def plan_frame(
    plan: Plan, names: Mapping[str, tuple[str, str]], lang: str, cities: Mapping[str, tuple[str, str, str]] | None = None
) -> pd.DataFrame:
    """The preview: one row per key inserted, changed or ended, with before → after."""
    if plan.kind == "partners":
        return pd.DataFrame(
            [
                {t("upkeep.col_row", lang): c.row, **change_row(c.table, c.key, c.op, c.before, c.after, cities or {}, lang)}
                for c in plan.changes
            ]
        )
    if plan.kind == "events":
        return pd.DataFrame(
            [{t("upkeep.col_row", lang): c.row, **event_change_row(c.key, c.op, c.before, c.after, names, lang)} for c in plan.changes]
        )
    rows = []
    for c in plan.changes:
        year, where, metric = key_text(c.key, names, lang)
        rows.append(
            {
                t("upkeep.col_row", lang): c.row,
                t("upkeep.col_op", lang): t(f"upkeep.op.{c.op}", lang),
                t("upkeep.col.year", lang): year,
                t("upkeep.col.province", lang): where,
                t("upkeep.col.metric", lang): metric,
                t("upkeep.col_before", lang): _target_value(c.key, (c.before or {}).get("value"), lang),
                t("upkeep.col_after", lang): _target_value(c.key, (c.after or {}).get("value"), lang),
            }
        )
    return pd.DataFrame(rows)


def changes_frame(
    changes: pd.DataFrame, names: Mapping[str, tuple[str, str]], lang: str, cities: Mapping[str, tuple[str, str, str]] | None = None
) -> pd.DataFrame:
    """An upload's change rows (data_access.upkeep.list_changes) in words: the key as year,
    province and metric, the change, and before → after in the metric's unit (万元 for money);
    partner and agreement changes field by field."""
    import json

    if (changes["table_name"] == "event").any():
        return pd.DataFrame([event_change_row(r.row_key, r.op, r.before, r.after, names, lang) for r in changes.itertuples()])
    if (changes["table_name"] != "target").any():
        return pd.DataFrame(
            [change_row(r.table_name, r.row_key, r.op, r.before, r.after, cities or {}, lang) for r in changes.itertuples()]
        )
    rows = []
    for r in changes.itertuples():
        year, where, metric = key_text(r.row_key, names, lang)
        # pandas reads a missing JSON text as None or NaN, by dtype: only a str holds a row.
        before = json.loads(r.before).get("value") if isinstance(r.before, str) else None
        after = json.loads(r.after).get("value") if isinstance(r.after, str) else None
        rows.append(
            {
                t("upkeep.col.year", lang): year,
                t("upkeep.col.province", lang): where,
                t("upkeep.col.metric", lang): metric,
                t("upkeep.col_op", lang): t(f"upkeep.op.{r.op}", lang),
                t("upkeep.col_before", lang): _target_value(r.row_key, before, lang),
                t("upkeep.col_after", lang): _target_value(r.row_key, after, lang),
            }
        )
    return pd.DataFrame(rows)


def summary_text(plan: Plan, lang: str) -> str:
    return t("upkeep.summary_plan", lang, **{k: format_number(v, lang) for k, v in plan.counts.items()})


def preview_text(
    plan: Plan,
    names: Mapping[str, tuple[str, str]],
    lang: str,
    *,
    limit: int = 50,
    cities: Mapping[str, tuple[str, str, str]] | None = None,
) -> str:
    """The preview for a terminal: the counts, then up to ``limit`` changes, one a line."""
    lines = [summary_text(plan, lang)]
    for c in plan.changes[:limit]:
        if plan.kind in ("partners", "events"):  # op, item, name (first day, title), detail, then the fields that change
            row = (
                change_row(c.table, c.key, c.op, c.before, c.after, cities or {}, lang)
                if plan.kind == "partners"
                else event_change_row(c.key, c.op, c.before, c.after, names, lang)
            )
            cells = list(row.values())
            lines.append("  " + " ".join(str(v) for v in cells[:4] if v) + ("：" if lang == "zh" else ": ") + str(cells[4]))
            continue
        year, where, metric = key_text(c.key, names, lang)
        lines.append(
            f"  {t(f'upkeep.op.{c.op}', lang)} {year} {where} {metric}: "
            f"{_target_value(c.key, (c.before or {}).get('value'), lang)} → "
            f"{_target_value(c.key, (c.after or {}).get('value'), lang)}"
        )
    if len(plan.changes) > limit:
        lines.append("  " + tn("upkeep.more_changes", len(plan.changes) - limit, lang))
    return "\n".join(lines)


def targets_template(provinces: Mapping[str, tuple[str, str]], *, year: int, lang: str) -> bytes:
    """The annual-targets template: a data sheet with noted headers and drop-down lists (province
    with adcode, metric, unit), a guide with an example row, and the lists on a hidden sheet."""
    items = {
        "province": [f"{t('upkeep.national', lang)} (national)"] + [province_choice(c, n, lang) for c, n in provinces.items()],
        "metric": [metric_choice(m, lang) for m in codes.TARGET_METRICS],
        "unit": [*MONEY_UNIT_CHOICES[lang], COUNT_UNIT[lang]],
    }
    rules = {
        "year": {"validate": "integer", "criteria": "between", "minimum": 2015, "maximum": year + 5},
        "value": {"validate": "decimal", "criteria": ">=", "value": 0},
    }
    widths = {"year": 10, "province": 26, "metric": 26, "value": 16, "unit": 10, "note": 30}
    columns = [Column(header(f, lang), t(f"upkeep.note.{f}", lang), widths[f], items.get(f, ()), rules.get(f, {})) for f in TARGET_FIELDS]
    first = next(iter(provinces.items()), ("410000", ("河南省", "Henan")))
    where = province_choice(first[0], first[1], lang)
    examples = [
        (year, where, metric_choice("leads", lang), 12000, COUNT_UNIT[lang], ""),
        (year, where, metric_choice("disbursed_fen", lang), 1280, MONEY_UNIT_CHOICES[lang][1], ""),
    ]
    return template(
        sheet=t("upkeep.sheet.targets", lang),
        guide_sheet=t("upkeep.sheet.guide", lang),
        lists_sheet=t("upkeep.sheet.lists", lang),
        columns=columns,
        guide_title=t("upkeep.guide.title", lang),
        guide_body=t("upkeep.guide.body", lang),
        example_title=t("upkeep.guide.example", lang, sheet=t("upkeep.sheet.targets", lang)),
        examples=examples,
    )


__all__ = [
    "header",
    "metric_choice",
    "metric_labels",
    "plan_frame",
    "preview_text",
    "problem_text",
    "problems_frame",
    "summary_text",
    "targets_template",
]
