"""The metric registry: every number the cockpit names, defined once.

A metric is what a card, an axis, a column, a takeaway, a slide, a digest and an alert point at.
Each has an id, a **basis** (what it counts: events in the period, the period's lead cohort
followed to the data's cut-off, a stock at the end of the period, or money), a unit, the query
that computes it, how a period's plan or target is derived, how it is compared, and — in both
catalogues — a short label (``metric.<id>``), a full name (``metric.<id>.name``) and a
one-sentence definition, the 口径 (``metric.<id>.def``). Two bases of one word have two ids and
two labels: "期内退费" (refund events in the period) is not "本期线索中已退费" (refunds among the
period's leads).

``read`` is the one evaluation: sections, the pack, digests and the ``report`` command read
their named figures through it (a Reader in, one row per metric out: value, previous, target);
``fmt`` is the one way a metric's value is written. docs/METRICS.md is generated from here
(``python -m components.cli metrics``) and a test fails when it is stale. Pure: no Streamlit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from components.i18n import format_money, format_number, format_percent, t
from data_access import codes, periods

if TYPE_CHECKING:
    from components.context import Context
    from data_access.reader import Reader
    from data_access.scope import Scope

Basis = Literal["events", "cohort", "stock", "money"]
Unit = Literal["number", "money", "percent", "decimal"]
# How a period's plan or target is derived: "period" the period's share of the annual figures
# (data_access/periods.py), "year_end" the target for the end of the period's last year, "none".
PlanRule = Literal["period", "year_end", "none"]
# How it is compared: "rule" by the cockpit's comparison (compare=: same period last year or the
# previous one), "same_age" the same rule with the earlier cohort followed for as long as this one,
# "none" not compared (a state at the data date).
CompareRule = Literal["rule", "same_age", "none"]

BASES: tuple[Basis, ...] = ("events", "cohort", "stock", "money")
COLUMNS = ["metric", "value", "previous", "target"]


@dataclass(frozen=True)
class Metric:
    """One named number. Its words are in the catalogues under ``metric.<id>`` (label),
    ``metric.<id>.name`` (full name) and ``metric.<id>.def`` (definition)."""

    id: str
    basis: Basis
    unit: Unit
    source: str  # the query function that computes it (data_access/queries)
    plan: PlanRule = "none"
    compare: CompareRule = "rule"
    inverse: bool = False  # up is bad (refunds, projects at risk): a rise shows red
    of: tuple[str, str] | None = None  # a rate: (numerator, denominator) metric ids
    target_slices: bool = False  # targets exist only for whole slices (all channels, tiers, kinds, programmes)

    def label(self, lang: str) -> str:
        return t(f"metric.{self.id}", lang)

    def name(self, lang: str) -> str:
        return t(f"metric.{self.id}.name", lang)

    def definition(self, lang: str) -> str:
        return t(f"metric.{self.id}.def", lang)


def _m(*metrics: Metric) -> dict[str, Metric]:
    return {m.id: m for m in metrics}


KPIS = "get_kpis"
FUNNEL = "get_funnel_by_stage"
AGREEMENTS = "get_agreements_by_expiry"
METRICS: Mapping[str, Metric] = _m(
    # --- partners: stocks at the end of the period ------------------------------------------------
    Metric("partners", "stock", "number", KPIS, plan="year_end", target_slices=True),
    Metric("partners_G", "stock", "number", KPIS),
    Metric("partners_B", "stock", "number", KPIS),
    Metric("partners_S", "stock", "number", KPIS),
    Metric("schools", "stock", "number", KPIS, plan="year_end", target_slices=True),
    Metric("new_partners", "events", "number", "get_new_partners_by_end"),
    Metric("per_10k_leads", "stock", "decimal", KPIS, of=("partners", "leads")),
    Metric("gap_places", "events", "number", "get_coverage_gaps", inverse=True),
    # --- agreements coming due: a state at the end of the period, over the next DUE_MONTHS months --
    Metric("agreements_due", "stock", "number", AGREEMENTS, compare="none"),
    Metric("agreements_due_value", "stock", "money", AGREEMENTS, compare="none"),
    Metric("agreements_due_idle", "stock", "number", AGREEMENTS, compare="none", inverse=True),
    # --- money ------------------------------------------------------------------------------------
    Metric("active_projects", "stock", "number", KPIS, plan="year_end", target_slices=True),
    Metric("planned_yuan", "money", "money", KPIS, plan="period", target_slices=True),
    Metric("committed_yuan", "money", "money", KPIS),
    Metric("disbursed_yuan", "money", "money", KPIS, plan="period", target_slices=True),
    Metric("execution", "money", "percent", KPIS, of=("disbursed_yuan", "planned_yuan")),
    Metric("projects", "stock", "number", "get_investment_by_project", compare="none"),
    Metric("at_risk_projects", "stock", "number", "get_investment_by_project", compare="none", inverse=True),
    # --- learners: events in the period -----------------------------------------------------------
    Metric("leads", "events", "number", KPIS, plan="period", target_slices=True),
    Metric("enrolled", "events", "number", KPIS, plan="period", target_slices=True),
    Metric("certified", "events", "number", KPIS, plan="period", target_slices=True),
    Metric("employed", "events", "number", KPIS, plan="period", target_slices=True),
    Metric("refunded", "events", "number", KPIS, inverse=True),
    Metric("refund_rate", "events", "percent", KPIS, inverse=True, of=("refunded", "enrolled")),
    # --- learners: the period's lead cohort, followed to the data's cut-off -------------------------
    Metric("cohort_leads", "cohort", "number", FUNNEL, compare="same_age"),
    Metric("cohort_enrolled", "cohort", "number", FUNNEL, compare="same_age"),
    Metric("cohort_certified", "cohort", "number", FUNNEL, compare="same_age"),
    Metric("cohort_employed", "cohort", "number", FUNNEL, compare="same_age"),
    Metric("cohort_refunded", "cohort", "number", FUNNEL, compare="same_age", inverse=True),
    Metric("enrol_rate", "cohort", "percent", FUNNEL, compare="same_age", of=("cohort_enrolled", "cohort_leads")),
    Metric("certify_rate", "cohort", "percent", FUNNEL, compare="same_age", of=("cohort_certified", "cohort_enrolled")),
    Metric("cohort_refund_rate", "cohort", "percent", FUNNEL, compare="same_age", inverse=True, of=("cohort_refunded", "cohort_enrolled")),
)
# The funnel stage each cohort metric counts.
COHORT_STAGE = {"cohort_leads": "lead", "cohort_enrolled": "enrolled", "cohort_certified": "certified", "cohort_employed": "employed"}
COHORT_STAGE["cohort_refunded"] = codes.REFUNDED
# Agreements coming due: the horizon of the registry's figures (the pack's and the digests'; the
# Coverage page's widget may show 3 or 12 months instead), and the metrics read from one frame.
DUE_MONTHS = 6
AGREEMENT_METRICS = ("agreements_due", "agreements_due_value", "agreements_due_idle")


def due_within_days(scope: Scope, months: int = DUE_MONTHS) -> int:
    """The days from the last day of the scope's period (the data-as-of date for the current one) to
    the same day ``months`` calendar months later: the window of get_agreements_by_expiry."""
    last = scope.end - dt.timedelta(days=1)
    return (periods.months_after(last, months) - last).days


def agreement_values(due: pd.DataFrame) -> dict[str, float]:
    """The agreement metrics of a get_agreements_by_expiry frame: how many, their value (yuan), and
    how many of them belong to partners that brought no enrolment in the last 12 months."""
    return {
        "agreements_due": float(len(due)),
        "agreements_due_value": float(due["value_yuan"].sum()) if len(due) else 0.0,
        "agreements_due_idle": float((due["enrolled_12m"] == 0).sum()) if len(due) else 0.0,
    }


def get(metric: str) -> Metric:
    """The registry's metric; KeyError naming the known ids for an unknown one."""
    try:
        return METRICS[metric]
    except KeyError:
        raise KeyError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}") from None


def label(metric: str, lang: str) -> str:
    """The metric's short label (cards, columns, axes)."""
    return get(metric).label(lang)


def definition(metric: str, lang: str) -> str:
    """The metric's one-sentence definition (口径)."""
    return get(metric).definition(lang)


def by_label(text: str, lang: str) -> str | None:
    """The id of the metric whose label is ``text`` (None: not a metric's label)."""
    return next((m.id for m in METRICS.values() if m.label(lang) == text), None)


def fmt(metric: str, value: float | None, lang: str) -> str:
    """The metric's value as every surface writes it ("—" when missing)."""
    unit = get(metric).unit
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "money":
        return format_money(value, lang)
    if unit == "percent":
        return format_percent(value, lang)
    if unit == "decimal":
        return format_number(value, lang, digits=1)
    return format_number(value, lang)


def basis_text(basis: str, lang: str, *, short: bool = False) -> str:
    """What a basis counts, in words (docs/METRICS.md), or its name (``short``: the pack's appendix)."""
    return t(f"metric.basis.{basis}.short" if short else f"metric.basis.{basis}", lang)


def help_text(metrics: Iterable[str], lang: str) -> str:
    """The definitions of ``metrics`` for an ⓘ tooltip: one "label：definition" line each (plain
    text; a Markdown sink escapes it)."""
    sep = "：" if lang == "zh" else ": "
    return "\n\n".join(f"{label(m, lang)}{sep}{definition(m, lang)}" for m in dict.fromkeys(metrics))


def parts(metrics: Iterable[str]) -> list[str]:
    """``metrics`` and, for rates, the metrics they are made of (in order, once each)."""
    out: dict[str, None] = {}
    for m in metrics:
        of = get(m).of
        out.update(dict.fromkeys([*(of or ()), m]))
    return list(out)


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) and not math.isnan(a) else float("nan")


def _stage_counts(funnel: pd.DataFrame) -> dict[str, float]:
    """Learners of the cohort per stage from a get_funnel_by_stage frame (any grain)."""
    if funnel.empty:
        return {}
    return {str(k): float(v) for k, v in funnel.groupby("stage")["learners"].sum().items()}


def cohort_values(now: pd.DataFrame, before: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """(value, previous) of every cohort metric from two get_funnel_by_stage frames (pure)."""
    a, b = _stage_counts(now), _stage_counts(before)
    out = {m: (a.get(s, 0.0), b.get(s, 0.0)) for m, s in COHORT_STAGE.items()}
    for m in ("enrol_rate", "certify_rate", "cohort_refund_rate"):
        num, den = get(m).of or ("", "")
        out[m] = (_ratio(out[num][0], out[den][0]), _ratio(out[num][1], out[den][1]))
    return out


def frame_of(values: Mapping[str, tuple[float, float, float]], metrics: Sequence[str]) -> pd.DataFrame:
    """The registry's frame (metric, value, previous, target) of ``metrics`` from computed values;
    rates are made here from their parts, so a rate is never computed twice."""
    rows = []
    for m in metrics:
        of = get(m).of
        if of is not None and m not in values:
            (a, pa, _), (b, pb, _) = values[of[0]], values[of[1]]
            scale = 10_000 if m == "per_10k_leads" else 1
            rows.append((m, _ratio(a, b) * scale, _ratio(pa, pb) * scale, float("nan")))
        else:
            rows.append((m, *values[m]))
    return pd.DataFrame(rows, columns=COLUMNS)


def read(db: Reader, c: Context, metrics: Sequence[str]) -> pd.DataFrame:
    """The metrics' values for a context: one row per metric (in the order asked) with its value,
    its value in the comparison period (``c.compared``; a cohort at equal age) and its target
    for the period (NaN where none applies). The one evaluation every surface reads."""
    need = set(parts(metrics))
    values: dict[str, tuple[float, float, float]] = {}
    if need & {m for m, x in METRICS.items() if x.source == KPIS and x.of is None}:
        k = db.get_kpis(scope=c.scope, compare=c.filters.compare)
        values.update({str(r.metric): (float(r.value), float(r.previous), float(r.target)) for r in k.itertuples(index=False)})
    if need & set(COHORT_STAGE) or need & {"enrol_rate", "certify_rate", "cohort_refund_rate"}:
        before, until = c.cohort_compared()
        now = db.get_funnel_by_stage(scope=c.scope, by=("channel",))
        then = db.get_funnel_by_stage(scope=before, by=("channel",), observed_until=until)
        values.update({m: (v, p, float("nan")) for m, (v, p) in cohort_values(now, then).items()})
    if "new_partners" in need:
        now_n = db.get_new_partners_by_end(scope=c.scope)["partners"].sum()
        then_n = db.get_new_partners_by_end(scope=c.compared)["partners"].sum()
        values["new_partners"] = (float(now_n), float(then_n), float("nan"))
    if "gap_places" in need:
        now_g, then_g = len(db.get_coverage_gaps(scope=c.scope)), len(db.get_coverage_gaps(scope=c.compared))
        values["gap_places"] = (float(now_g), float(then_g), float("nan"))
    if need & set(AGREEMENT_METRICS):
        due = db.get_agreements_by_expiry(scope=c.scope, within_days=due_within_days(c.scope))
        values.update({m: (v, float("nan"), float("nan")) for m, v in agreement_values(due).items()})
    if need & {"projects", "at_risk_projects"}:
        alive = db.get_investment_by_project(scope=c.scope, as_of=c.as_of)
        values["projects"] = (float(len(alive)), float("nan"), float("nan"))
        values["at_risk_projects"] = (float(alive["at_risk"].sum()) if len(alive) else 0.0, float("nan"), float("nan"))
    return frame_of(values, list(metrics))


def values_of(frame: pd.DataFrame) -> dict[str, float]:
    """metric -> value of a ``read`` frame."""
    return {str(m): float(v) for m, v in zip(frame["metric"], frame["value"])}


__all__ = [
    "AGREEMENT_METRICS",
    "BASES",
    "COLUMNS",
    "DUE_MONTHS",
    "METRICS",
    "Metric",
    "agreement_values",
    "basis_text",
    "by_label",
    "cohort_values",
    "definition",
    "due_within_days",
    "fmt",
    "frame_of",
    "get",
    "help_text",
    "label",
    "parts",
    "read",
    "values_of",
]
