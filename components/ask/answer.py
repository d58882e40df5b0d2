"""A :class:`Parse` → an :class:`Answer`: the figure(s), one sentence, a chart, and the page to go on.

The parse becomes URL-style filters and goes through ``context_from_params`` — the path of a
link — so scope holds as on every page (a province outside the asker's is never answered). Figures
come from the metric registry (``metrics.read``) or, for cities, sectors, partners and projects,
from the sections' own queries; values are written by ``metrics.fmt``. Nothing is estimated: what
the cockpit cannot answer it says, with the page where the nearest view is.

Pure: a Reader in (the app's cached one or a direct one), no streamlit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pandas as pd

from components import metrics as registry
from components.ask.parse import Parse
from components.ask.vocab import Vocabulary
from components.context import Catalogue, Context, context_from_params
from components.filters import SLICES, period_span, to_params
from components.i18n import format_date, format_delta, format_percent, format_period, label, t, tn
from data_access import codes

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from components.sections.base import View
    from data_access.reader import Reader

HEADLINE = ("leads", "enrolled", "disbursed_yuan", "partners")
MONEY = ("planned_yuan", "committed_yuan", "disbursed_yuan", "execution")
# What each slice of the filters narrows: a breakdown by a slice that does not narrow the metric
# would repeat one number.
LEARNER_METRICS = frozenset(
    m for m, x in registry.METRICS.items() if x.source in ("get_kpis", "get_funnel_by_stage") and x.basis in ("events", "cohort")
)
PARTNER_METRICS = frozenset(
    {
        "partners",
        "partners_G",
        "partners_B",
        "partners_S",
        "schools",
        "new_partners",
        "agreements_due",
        "agreements_due_value",
        "agreements_due_idle",
    }
)
PROJECT_METRICS = frozenset(
    {"active_projects", "planned_yuan", "committed_yuan", "disbursed_yuan", "execution", "projects", "at_risk_projects"}
)
NARROWS = {
    "channel": LEARNER_METRICS,
    "programme": LEARNER_METRICS,
    "tier": LEARNER_METRICS | PARTNER_METRICS | PROJECT_METRICS | {"per_10k_leads", "gap_places"},
    "end": PARTNER_METRICS | {"per_10k_leads"},
    "project_kind": PROJECT_METRICS,
}
SLICE_OF_DIM = {"channel": "channels", "tier": "tiers", "programme": "programmes", "project_kind": "project_kinds", "end": "ends"}
CODES_OF_DIM = {
    "channel": codes.CHANNELS,
    "tier": codes.TIERS,
    "programme": codes.PROGRAMMES,
    "project_kind": codes.PROJECT_KINDS,
    "end": codes.ENDS,
    "sector": codes.SECTORS,
}
# City answers: the queries with a city grain, and the registry metric each column is.
CITY_METRICS = {
    "partners": "partners",
    "leads": "cohort_leads",
    "cohort_leads": "cohort_leads",
    "enrolled": "cohort_enrolled",
    "cohort_enrolled": "cohort_enrolled",
    "enrol_rate": "enrol_rate",
    "gap_places": "gap_places",
}
INVESTMENT_COLUMNS = {
    "planned_yuan": "planned_yuan",
    "committed_yuan": "committed_yuan",
    "disbursed_yuan": "disbursed_yuan",
    "execution": "pct_executed",
    "active_projects": "projects",
    "projects": "projects",
}
BREAKDOWN_SHOWN = 8  # names in a sentence; the rest are in the table and the chart


@dataclass(frozen=True)
class Answer:
    """What the cockpit says to one question."""

    parse: Parse
    status: str  # data_access.asked.STATUSES
    sentence: str
    lang: str
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # the figures: member, name, metric, value, previous, growth
    metric_ids: tuple[str, ...] = ()
    page: str = ""  # url path of the page to go on ("" = overview)
    params: Mapping[str, Sequence[str]] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()  # an ambiguous place's readings: (place code, words)
    breakdown: str = ""
    compare: str = "yoy"  # the rule the previous figures compare with (the chart's second bar)

    @property
    def answered(self) -> bool:
        return self.status == "answered"

    @property
    def link(self) -> str:
        """The page with these filters set (relative to the app's root)."""
        query = urlencode({k: list(v) for k, v in self.params.items()}, doseq=True)
        return f"/{self.page}" + (f"?{query}" if query else "")

    def figure(self) -> go.Figure | None:
        from components.charts.ask import plot_answer

        if not self.answered or self.rows.empty or len(set(self.rows["metric"])) > 1 and not self.breakdown:
            return None
        compared = t(f"ask.bar.compared.{self.compare}", self.lang)
        metric = str(self.rows["metric"].iloc[0])
        return plot_answer(
            self.rows, metric=metric, by_growth=self.parse.rank_by == "growth", title=self.title(), lang=self.lang, compared=compared
        )

    def title(self) -> str:
        return t("ask.chart_title", self.lang, question=self.parse.text[:60])

    def table(self) -> pd.DataFrame | None:
        """The figures for reading (and for CSV / XLSX): one row per member or metric."""
        if self.rows.empty:
            return None
        lang = self.lang
        out = pd.DataFrame(
            {
                t("ask.col.name", lang): self.rows["name"],
                t("ask.col.metric", lang): [registry.label(m, lang) for m in self.rows["metric"]],
                t("ask.col.value", lang): [registry.fmt(m, v, lang) for m, v in zip(self.rows["metric"], self.rows["value"])],
                t("ask.col.previous", lang): [registry.fmt(m, v, lang) for m, v in zip(self.rows["metric"], self.rows["previous"])],
                t("ask.col.change", lang): [
                    _delta_text(m, v, p, lang) for m, v, p in zip(self.rows["metric"], self.rows["value"], self.rows["previous"])
                ],
            }
        )
        return out

    def view(self) -> View:
        """The answer as a section view: the export menu and the pack take it like any other."""
        from components.sections.base import View

        return View(
            "ask",
            self.title(),
            self.sentence,
            not self.answered,
            figure=self.figure(),
            table=self.table(),
            data=self.rows if not self.rows.empty else None,
            page=self.page or "overview",
            metrics=self.metric_ids,
        )


# --- the words of an answer ----------------------------------------------------------------------------
def _is_nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _growth(metric: str, value: float, previous: float) -> float:
    """The change a ranking by growth uses: relative for counts and money, points for rates."""
    if _is_nan(value) or _is_nan(previous):
        return float("nan")
    if registry.get(metric).unit in ("percent",):
        return value - previous
    return (value - previous) / previous if previous else float("nan")


def _delta_text(metric: str, value: float, previous: float, lang: str) -> str:
    m = registry.get(metric)
    if m.compare == "none" or _is_nan(previous) or _is_nan(value):
        return "—"
    if m.unit == "percent":
        return format_delta(value - previous, lang, "points")
    if m.unit == "decimal":
        return format_delta(value - previous, lang, "number", digits=1)
    if not previous:
        return "—"
    return format_delta((value - previous) / previous, lang, "percent")


def _clause(metric: str, value: float, previous: float, c: Context | None, lang: str) -> str:
    """ "期内报名 3,490，较去年同期 +4.2%（3,348）" — a metric with its change where it is compared."""
    text = t("ask.clause", lang, metric=registry.label(metric, lang), value=registry.fmt(metric, value, lang))
    m = registry.get(metric)
    if m.compare == "none" or c is None or _is_nan(previous):
        return text
    return text + t(
        "ask.clause_change",
        lang,
        compare=c.compare_words,
        delta=_delta_text(metric, value, previous, lang),
        previous=registry.fmt(metric, previous, lang),
    )


def period_words(period: str, start: dt.date, end: dt.date, lang: str) -> str:
    """ "2026年（1月1日至10月31日）" for a chosen period, "2026年8月至10月" for a range of months."""
    last = end - dt.timedelta(days=1)
    if "~" in period:
        return t("ask.period_range", lang, start=format_date(start, lang), end=format_date(last, lang))
    return t("ask.period", lang, period=format_period(period, lang), start=format_date(start, lang), end=format_date(last, lang))


# --- answering -------------------------------------------------------------------------------------------
def answer(p: Parse, *, db: Reader, cat: Catalogue, allowed: Sequence[str], vocab: Vocabulary, lang: str, **who: Any) -> Answer:
    """The answer to ``p`` for a viewer who may see ``allowed`` (``who``: actor, role, as for a Context)."""
    if p.refused:
        words = tn("ask.refused.too_long", p.length, lang) if p.refused == "too_long" else t("ask.refused.empty", lang)
        return Answer(p, "refused", words, lang)
    if p.ambiguous:
        word, candidates = p.ambiguous[0]
        options = tuple((code, _place_words(vocab, code, cat, lang)) for code in candidates)
        sep = "、" if lang == "zh" else ", "
        return Answer(p, "ambiguous", t("ask.ambiguous", lang, word=word, options=sep.join(o for _, o in options)), lang, options=options)
    if not p.understood:
        return Answer(p, "not_understood", _not_understood(p, lang), lang)

    # Places → provinces, cut to what the asker may see.
    asked = list(p.provinces) + [vocab.place_province[c] for c in p.cities if c in vocab.place_province]
    asked += [x for r in p.regions for x in cat.regions.get(r, ())]
    asked = list(dict.fromkeys(asked))
    inside = [x for x in asked if x in allowed]
    notices: list[str] = []
    if asked and not inside:
        names = _names([*p.provinces, *[vocab.place_province[c] for c in p.cities]], cat, lang) or _region_names(p.regions, lang)
        return Answer(p, "out_of_scope", t("ask.out_of_scope", lang, asked=names, allowed=_names(allowed, cat, lang)), lang)
    outside = [x for x in dict.fromkeys([*p.provinces, *[vocab.place_province[c] for c in p.cities]]) if x not in allowed]
    if outside:
        notices.append(t("ask.partly_out_of_scope", lang, names=_names(outside, cat, lang)))
    cities = tuple(c for c in p.cities if vocab.place_province.get(c) in allowed)

    params: dict[str, list[str]] = {"lang": [lang]}
    provinces = [x for x in dict.fromkeys([*p.provinces, *[vocab.place_province[c] for c in cities]]) if x in allowed]
    if provinces:
        params["province"] = provinces
    if p.regions:
        params["region"] = list(p.regions)
    if p.compare:
        params["compare"] = [p.compare]
    for fld, chosen in p.slices:
        sl = next(s for s in SLICES if s.field == fld)
        params[sl.param] = list(chosen)
    custom: tuple[dt.date, dt.date, dt.date] | None = None
    if p.period and p.period in cat.periods:
        params["period"] = [p.period]
    elif p.period:
        start, span_end = _span(p.period)
        if start > cat.as_of or span_end <= cat.first.replace(day=1):
            return Answer(
                p,
                "no_data",
                t(
                    "ask.no_data_period",
                    lang,
                    period=_period_label(p.period, lang),
                    first=format_date(cat.first, lang),
                    as_of=format_date(cat.as_of, lang),
                ),
                lang,
            )
        custom = (max(start, cat.first.replace(day=1)), min(span_end, cat.as_of + dt.timedelta(days=1)), span_end)
        link_period = str(custom[1].year if custom[1].month > 1 or custom[1].day > 1 else custom[1].year - 1)
        if link_period in cat.periods:
            params["period"] = [link_period]
    ctx, dropped = context_from_params(cat, params, allowed, **who)
    if custom is not None:
        start, end, span_end = custom
        ctx = dataclasses.replace(ctx, scope=ctx.scope.with_period(start, end, plan_end=span_end if span_end > end else None))
        notices.append(t("ask.custom_period_link", lang, period=format_period(ctx.filters.period, lang)))
    if dropped:
        notices.append(t("ask.dropped", lang, values=", ".join(dropped)))
    when = period_words(p.period if custom else ctx.filters.period, ctx.scope.start, ctx.scope.end, lang)
    where = _where(p, cities, ctx, cat, vocab, lang)
    metric_ids = tuple(p.metrics) or HEADLINE

    def narrowed(drop: Sequence[str] = (), **override: list[str]) -> Context:
        """The context of these filters with some parameters replaced (a breakdown's member) or
        dropped (the whole a share is of): the link path again, so each figure is the page's."""
        kept = {k: v for k, v in params.items() if k not in drop}
        sub, _ = context_from_params(cat, {**kept, **override}, allowed, **who)
        if custom is not None:
            start, end, span_end = custom
            sub = dataclasses.replace(sub, scope=sub.scope.with_period(start, end, plan_end=span_end if span_end > end else None))
        return sub

    base = {
        "p": p,
        "ctx": ctx,
        "db": db,
        "lang": lang,
        "where": where,
        "when": when,
        "vocab": vocab,
        "notices": notices,
        "cat": cat,
        "narrowed": narrowed,
    }

    if p.partners or p.projects or p.breakdown in ("partner", "project"):
        return _by_investment_names(metric_ids, **base)
    if p.sectors or p.breakdown == "sector":
        return _by_sector(metric_ids, **base)
    if cities or p.breakdown == "city":
        return _by_city(metric_ids, cities, **base)
    if p.breakdown in SLICE_OF_DIM:
        return _by_slice(metric_ids, **base)
    if p.breakdown in ("province", "region"):
        return _by_place(metric_ids, **base)
    if p.breakdown in ("month", "quarter"):
        return _by_time(metric_ids, **base)
    if p.share and (p.slices or p.provinces or p.regions):
        return _share(metric_ids, **base)
    frame = registry.read(db, ctx, list(metric_ids))
    rows = pd.DataFrame(
        {
            "member": list(frame["metric"]),
            "name": [registry.label(m, lang) for m in frame["metric"]],
            "metric": list(frame["metric"]),
            "value": frame["value"].astype(float),
            "previous": frame["previous"].astype(float),
        }
    )
    rows["growth"] = [_growth(m, v, pr) for m, v, pr in zip(rows["metric"], rows["value"], rows["previous"])]
    sep = "；" if lang == "zh" else "; "
    body = sep.join(_clause(m, v, pr, ctx, lang) for m, v, pr in zip(rows["metric"], rows["value"], rows["previous"]))
    if p.target:
        body += _target_clause(frame, lang)
    sentence = t("ask.single", lang, where=where, when=when, body=body)
    return _done(p, sentence, rows, metric_ids, ctx, notices, lang, page=_page_of(metric_ids[0], ""))


def _target_clause(frame: pd.DataFrame, lang: str) -> str:
    """ "；期内报名的本期目标 4,723，已完成 73.9%" for each metric with a target; or that there is none."""
    parts = []
    for r in frame.itertuples(index=False):
        if _is_nan(float(r.target)) or not r.target:
            continue
        metric = str(r.metric)
        parts.append(
            t(
                "ask.target",
                lang,
                metric=registry.label(metric, lang),
                target=registry.fmt(metric, float(r.target), lang),
                share=format_percent(float(r.value) / float(r.target), lang),
            )
        )
    sep = "；" if lang == "zh" else "; "
    return sep + (sep.join(parts) if parts else t("ask.no_target", lang))


MONTHLY = ("leads", "enrolled", "certified", "employed", "disbursed_yuan")


def _by_time(metric_ids, *, p, ctx, db, lang, where, when, vocab, notices, cat, narrowed) -> Answer:
    """Month by month (or quarter by quarter) within the period, each against the same month a year
    earlier: the KPI cards' own monthly counts (get_kpi_series_by_month)."""
    metric = metric_ids[0]
    if metric not in MONTHLY:
        return _unsupported(p, "time", lang, ctx, notices, _page_of(metric, ""))
    series = db.get_kpi_series_by_month(scope=ctx.scope)
    series = series[series["metric"] == metric]
    value = {(int(r.year), int(r.month)): float(r.value) for r in series.itertuples(index=False)}
    start, end = ctx.scope.start, ctx.scope.end - dt.timedelta(days=1)
    months = [
        (y, m)
        for y in range(start.year, end.year + 1)
        for m in range(1, 13)
        if (start.year, start.month) <= (y, m) <= (end.year, end.month)
    ]
    rows_out: list[tuple[str, str, str, float, float]] = []
    if p.breakdown == "quarter":
        quarters: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for y, m in months:
            quarters.setdefault((y, (m - 1) // 3 + 1), []).append((y, m))
        for (y, q), ms in quarters.items():
            now = sum(value.get(k, 0.0) for k in ms)
            before = sum(value.get((k[0] - 1, k[1]), 0.0) for k in ms)
            rows_out.append((f"{y}Q{q}", format_period(f"{y}Q{q}", lang), metric, now, before))
    else:
        for y, m in months:
            label_ = format_period(f"{y}-{m:02d}", lang)
            rows_out.append((f"{y}-{m:02d}", label_, metric, value.get((y, m), 0.0), value.get((y - 1, m), 0.0)))
    rows = pd.DataFrame(rows_out, columns=["member", "name", "metric", "value", "previous"])
    rows["growth"] = [_growth(metric, v, pr) for v, pr in zip(rows["value"], rows["previous"])]
    shown = _ranked(rows, p) if p.rank else rows
    dim = p.breakdown
    if p.rank:
        sentence = _breakdown_sentence(p, shown, metric, dim, where, when, ctx, lang, len(rows))
    else:
        sep = "、" if lang == "zh" else "; "
        items = sep.join(t("ask.item", lang, name=r.name, value=registry.fmt(metric, r.value, lang)) for r in rows.itertuples())
        sentence = t(
            "ask.over_time", lang, where=where, when=when, metric=registry.label(metric, lang), dim=t(f"ask.dim.{dim}", lang), items=items
        )
    return _done(p, sentence, shown, (metric,), ctx, notices, lang, page=_page_of(metric, ""), breakdown=dim)


def _share(metric_ids, *, p, ctx, db, lang, where, when, vocab, notices, cat, narrowed) -> Answer:
    """A slice's or a province's part of the whole: the figure with those filters over the figure
    without them (线上报名占比 → online ÷ every channel, in the places asked; 河南占全国 → Henan ÷
    the asker's provinces)."""
    metric = metric_ids[0]
    if registry.get(metric).unit == "percent":
        return _unsupported(p, "share", lang, ctx, notices, _page_of(metric, ""))
    part = registry.read(db, ctx, [metric]).set_index("metric").loc[metric]
    # The whole of a slice is its place with every slice (online in Henan: of Henan's); the whole of
    # a place is every province the asker may see.
    whole_ctx = narrowed(drop=[sl.param for sl in SLICES] if p.slices else ["province", "region"])
    whole = registry.read(db, whole_ctx, [metric]).set_index("metric").loc[metric]
    part_v, whole_v = float(part["value"]), float(whole["value"])
    share = part_v / whole_v if whole_v else float("nan")
    rows = pd.DataFrame(
        [
            ("part", where + "".join(f" · {v}" for _, v in ctx.text.slices), metric, part_v, float(part["previous"])),
            ("whole", t("ask.whole", lang), metric, whole_v, float(whole["previous"])),
        ],
        columns=["member", "name", "metric", "value", "previous"],
    )
    rows["growth"] = float("nan")
    sentence = t(
        "ask.share",
        lang,
        part=rows.iloc[0]["name"],
        when=when,
        metric=registry.label(metric, lang),
        value=registry.fmt(metric, part_v, lang),
        whole=registry.fmt(metric, whole_v, lang),
        share=format_percent(share, lang),
    )
    return _done(p, sentence, rows, (metric,), ctx, notices, lang, page=_page_of(metric, ""), breakdown="share")


def _done(
    p: Parse,
    sentence: str,
    rows: pd.DataFrame,
    metric_ids: Sequence[str],
    ctx: Context,
    notices: list[str],
    lang: str,
    *,
    page: str,
    breakdown: str = "",
    params: Mapping | None = None,
) -> Answer:
    link = dict(params) if params is not None else to_params(ctx.filters, default_period=_default_period(ctx))
    return Answer(
        p,
        "answered",
        sentence,
        lang,
        rows=rows.reset_index(drop=True),
        metric_ids=tuple(metric_ids),
        page=page,
        params=link,
        notices=tuple(notices),
        breakdown=breakdown,
        compare=ctx.filters.compare,
    )


def _default_period(ctx: Context) -> str:
    return str(ctx.as_of.year)


def _unsupported(p: Parse, what: str, lang: str, ctx: Context, notices: list[str], page: str) -> Answer:
    return Answer(
        p,
        "unsupported",
        t(f"ask.unsupported.{what}", lang),
        lang,
        page=page,
        params=to_params(ctx.filters, default_period=_default_period(ctx)),
        notices=tuple(notices),
    )


def _page_of(metric: str, breakdown: str) -> str:
    m = registry.get(metric)
    if metric in PARTNER_METRICS or metric in ("per_10k_leads", "gap_places") or breakdown == "city" and metric == "partners":
        return "coverage"
    if metric in PROJECT_METRICS:
        return "investment"
    if m.basis == "cohort" or breakdown in ("channel", "programme", "city"):
        return "funnels"
    return ""


def _ranked(rows: pd.DataFrame, p: Parse) -> pd.DataFrame:
    """The rows in the order asked: by value or growth, top or bottom first; the first N when asked."""
    key = "growth" if p.rank_by == "growth" else "value"
    ascending = p.rank == "bottom"
    out = rows.sort_values([key, "name"], ascending=[ascending, True], na_position="last", kind="stable")
    # 前5: the five; 哪个 (one): every member stays, the answer first (the chart ranks them all).
    return out.head(p.rank_n) if p.rank_n > 1 else out


def _breakdown_sentence(
    p: Parse, rows: pd.DataFrame, metric: str, dim: str, where: str, when: str, ctx: Context, lang: str, total: int
) -> str:
    dim_words = t(f"ask.dim.{dim}", lang)
    shown = rows.dropna(subset=["growth"] if p.rank_by == "growth" else ["value"])
    if shown.empty:
        return t("ask.breakdown_nothing", lang, where=where, when=when, metric=registry.label(metric, lang), dim=dim_words)

    def item(r) -> str:
        value = registry.fmt(metric, r.value, lang)
        if p.rank_by == "growth":
            before = registry.fmt(metric, r.previous, lang)
            return t(
                "ask.item_growth", lang, name=r.name, delta=_delta_text(metric, r.value, r.previous, lang), value=value, previous=before
            )
        return t("ask.item", lang, name=r.name, value=value)

    sep = "、" if lang == "zh" else "; "
    if p.rank and p.rank_n == 1:
        by = "growth" if p.rank_by == "growth" else "value"
        first = next(shown.itertuples())
        words = {"where": where, "when": when, "metric": registry.label(metric, lang), "dim": dim_words, "compare": ctx.compare_words}
        return t(f"ask.rank_one.{p.rank}.{by}", lang, **words, item=item(first), n=total)
    items = sep.join(item(r) for r in shown.head(BREAKDOWN_SHOWN).itertuples())
    more = tn("ask.more", len(shown) - BREAKDOWN_SHOWN, lang) if len(shown) > BREAKDOWN_SHOWN else ""
    if p.rank and p.rank_n > 1:
        by = "growth" if p.rank_by == "growth" else "value"
        dims = t(f"ask.dims.{dim}", lang)
        words = {"where": where, "when": when, "metric": registry.label(metric, lang), "dims": dims, "compare": ctx.compare_words}
        return tn(f"ask.rank_n.{p.rank}.{by}", len(shown), lang, **words, items=items) + more
    order = "ask.breakdown_low" if p.rank == "bottom" else "ask.breakdown"
    return t(order, lang, where=where, when=when, metric=registry.label(metric, lang), dim=dim_words, n=total, items=items) + more


def _member_rows(members: list[tuple[str, str, pd.DataFrame]], metric: str) -> pd.DataFrame:
    """(code, name, registry frame) per member → rows of the one metric ranked."""
    out = []
    for code, name, frame in members:
        row = frame.set_index("metric").loc[metric]
        out.append((code, name, metric, float(row["value"]), float(row["previous"])))
    rows = pd.DataFrame(out, columns=["member", "name", "metric", "value", "previous"])
    rows["growth"] = [_growth(metric, v, pr) for v, pr in zip(rows["value"], rows["previous"])]
    return rows


def _by_place(metric_ids, *, p, ctx, db, lang, where, when, vocab, notices, cat, narrowed) -> Answer:
    metric = metric_ids[0]
    if p.breakdown == "province":
        chosen = [x for x in p.provinces if x in ctx.scope.provinces] if len(p.provinces) >= 2 else list(ctx.scope.provinces)
        members = [(x, ctx.name(x), (x,)) for x in chosen]
    else:
        named = list(p.regions) if len(p.regions) >= 2 else list(codes.REGIONS)
        members = []
        for r in named:
            inside = tuple(x for x in cat.regions.get(r, ()) if x in ctx.allowed)
            if inside:
                members.append((r, label("region", r, lang), inside))
    frames = [(code, name, registry.read(db, narrowed(province=list(provs), region=[]), [metric])) for code, name, provs in members]
    rows = _ranked(_member_rows(frames, metric), p)
    sentence = _breakdown_sentence(p, rows, metric, p.breakdown, where, when, ctx, lang, len(members))
    return _done(
        p,
        sentence,
        rows,
        (metric,),
        ctx,
        notices,
        lang,
        page="" if metric not in PROJECT_METRICS | PARTNER_METRICS else _page_of(metric, ""),
        breakdown=p.breakdown,
    )


def _by_slice(metric_ids, *, p, ctx, db, lang, where, when, vocab, notices, cat, narrowed) -> Answer:
    metric, dim = metric_ids[0], p.breakdown
    if metric not in NARROWS[dim]:
        return _unsupported(p, f"slice_{dim}", lang, ctx, notices, _page_of(metric, ""))
    fld = SLICE_OF_DIM[dim]
    param = next(s.param for s in SLICES if s.field == fld)
    named = dict(p.slices).get(fld, ())
    members = list(named) if len(named) >= 2 else list(CODES_OF_DIM[dim])
    frames = [(code, label(dim, code, lang), registry.read(db, narrowed(**{param: [code]}), [metric])) for code in members]
    rows = _ranked(_member_rows(frames, metric), p)
    sentence = _breakdown_sentence(p, rows, metric, dim, where, when, ctx, lang, len(members))
    return _done(p, sentence, rows, (metric,), ctx, notices, lang, page=_page_of(metric, dim), breakdown=dim)


def _investment_rows(frame: pd.DataFrame, metric_ids: Sequence[str], key: str, names: Sequence[str], lang: str) -> pd.DataFrame:
    out = []
    for r in frame.itertuples(index=False):
        for m in metric_ids:
            col = INVESTMENT_COLUMNS[m]
            value = getattr(r, col)
            out.append(
                (str(getattr(r, key)), _name_of(r, names, lang), m, float(value) if not _is_nan(value) else float("nan"), float("nan"))
            )
    rows = pd.DataFrame(out, columns=["member", "name", "metric", "value", "previous"])
    rows["growth"] = float("nan")
    return rows


def _name_of(r: Any, names: Sequence[str], lang: str) -> str:
    zh, en = names
    return str(getattr(r, zh) if lang == "zh" else getattr(r, en))


def _by_investment_names(metric_ids, *, p, ctx, db, lang, where, when, vocab, notices, cat, narrowed) -> Answer:
    agreements = [m for m in metric_ids if m in ("agreements_due", "agreements_due_value")]
    money = [m for m in metric_ids if m in INVESTMENT_COLUMNS]
    if p.partners and agreements and not money:
        due = db.get_agreements_by_expiry(scope=ctx.scope, within_days=registry.due_within_days(ctx.scope))
        due = due[due["partner_id"].astype(str).isin(p.partners)]
        names = [vocab.name("partner", x, lang) for x in p.partners]
        rows = pd.DataFrame(
            [
                (
                    str(r.agreement_id),
                    _name_of(r, ("partner_name_zh", "partner_name_en"), lang),
                    "agreements_due_value",
                    float(r.value_yuan),
                    float("nan"),
                    float("nan"),
                )
                for r in due.itertuples(index=False)
            ],
            columns=["member", "name", "metric", "value", "previous", "growth"],
        )
        if due.empty:
            sentence = tn("ask.partner_none_due", registry.DUE_MONTHS, lang, names=sep_join(names, lang))
        else:
            first = due.sort_values("expires_on").iloc[0]
            sentence = tn(
                "ask.partner_due",
                len(due),
                lang,
                names=sep_join(names, lang),
                months=registry.DUE_MONTHS,
                value=registry.fmt("agreements_due_value", float(due["value_yuan"].sum()), lang),
                first=format_date(first["expires_on"], lang),
            )
        return _done(p, sentence, rows, ("agreements_due", "agreements_due_value"), ctx, notices, lang, page="coverage")
    if not money:
        return _unsupported(p, "partner", lang, ctx, notices, "investment")
    if p.projects or p.breakdown == "project":
        frame = db.get_investment_by_project(scope=ctx.scope, as_of=ctx.as_of)
        if p.projects:
            frame = frame[frame["project_id"].astype(str).isin(p.projects)]
        elif p.partners:
            frame = frame[frame["partner_id"].astype(str).isin(p.partners)]
        frame = frame.assign(projects=1)
        rows = _investment_rows(frame, money, "project_id", ("name_zh", "name_en"), lang)
        dim = "project"
    else:
        frame = db.get_investment_by(scope=ctx.scope, grain="partner")
        if p.partners:
            frame = frame[frame["partner_id"].astype(str).isin(p.partners)]
        rows = _investment_rows(frame, money, "partner_id", ("partner_name_zh", "partner_name_en"), lang)
        dim = "partner"
    if p.breakdown in ("partner", "project") and not (p.projects or (p.partners and dim == "partner")):
        one = rows[rows["metric"] == money[0]]
        ranked = _ranked(one, p)
        sentence = _breakdown_sentence(p, ranked, money[0], dim, where, when, ctx, lang, len(one))
        return _done(p, sentence, ranked, (money[0],), ctx, notices, lang, page="investment", breakdown=dim)
    named = sep_join([vocab.name("project" if p.projects else "partner", x, lang) for x in (p.projects or p.partners)], lang)
    if rows.empty:
        return _no_projects(p, named, when, ctx, notices, lang)
    values = _money_values(rows, frame, money)
    sep = "；" if lang == "zh" else "; "
    body = sep.join(t("ask.clause", lang, metric=registry.label(m, lang), value=registry.fmt(m, v, lang)) for m, v in values.items())
    n_projects = int(frame["projects"].sum()) if "projects" in frame else len(frame)
    sentence = tn("ask.names_money", n_projects, lang, names=named, when=when, body=body)
    total_rows = pd.DataFrame([(m, named, m, v, float("nan"), float("nan")) for m, v in values.items()], columns=rows.columns)
    return _done(p, sentence, total_rows, tuple(values), ctx, notices, lang, page="investment")


def _money_values(rows: pd.DataFrame, frame: pd.DataFrame, money: Sequence[str]) -> dict[str, float]:
    """The money metrics of some projects together: sums, and the execution rate of the sums."""
    values = {m: float(rows.loc[rows["metric"] == m, "value"].sum()) for m in money}
    if "execution" in values:
        planned = frame["planned_yuan"].sum()
        values["execution"] = float(frame["disbursed_yuan"].sum() / planned) if planned else float("nan")
    return values


def _no_projects(p: Parse, names: str, when: str, ctx: Context, notices: list[str], lang: str) -> Answer:
    """Named partners, projects or sectors without a project in the period: said, no figure."""
    link = to_params(ctx.filters, default_period=_default_period(ctx))
    return Answer(
        p, "no_data", t("ask.no_projects", lang, names=names, when=when), lang, page="investment", params=link, notices=tuple(notices)
    )


def sep_join(names: Sequence[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(names)


def _by_sector(metric_ids, *, p, ctx, db, lang, where, when, vocab, notices, cat, narrowed) -> Answer:
    money = [m for m in metric_ids if m in INVESTMENT_COLUMNS]
    if not money:
        return _unsupported(p, "sector", lang, ctx, notices, "investment")
    frame = db.get_investment_by(scope=ctx.scope, grain="sector")
    frame = frame.assign(
        sector_name_zh=[label("sector", s, "zh") for s in frame["sector"]],
        sector_name_en=[label("sector", s, "en") for s in frame["sector"]],
    )
    if p.sectors and not (p.breakdown == "sector" and len(p.sectors) < 2):
        frame = frame[frame["sector"].isin(p.sectors)]
    rows = _investment_rows(frame, money, "sector", ("sector_name_zh", "sector_name_en"), lang)
    if p.breakdown == "sector" and len(p.sectors) != 1:
        one = rows[rows["metric"] == money[0]]
        ranked = _ranked(one, p)
        sentence = _breakdown_sentence(p, ranked, money[0], "sector", where, when, ctx, lang, len(one))
        return _done(p, sentence, ranked, (money[0],), ctx, notices, lang, page="investment", breakdown="sector")
    names = sep_join([label("sector", s, lang) for s in p.sectors], lang)
    if rows.empty:
        return _no_projects(p, names, when, ctx, notices, lang)
    values = _money_values(rows, frame, money)
    sep = "；" if lang == "zh" else "; "
    body = sep.join(t("ask.clause", lang, metric=registry.label(m, lang), value=registry.fmt(m, v, lang)) for m, v in values.items())
    sentence = tn("ask.sector_money", int(frame["projects"].sum()), lang, names=names, where=where, when=when, body=body)
    total_rows = pd.DataFrame(
        [(m, names, m, v, float("nan"), float("nan")) for m, v in values.items()],
        columns=["member", "name", "metric", "value", "previous", "growth"],
    )
    return _done(p, sentence, total_rows, tuple(values), ctx, notices, lang, page="investment")


def _by_city(metric_ids, cities, *, p, ctx, db, lang, where, when, vocab, notices, cat, narrowed) -> Answer:
    metric = metric_ids[0]
    if metric not in CITY_METRICS:
        return _unsupported(p, "city", lang, ctx, notices, "funnels" if metric in LEARNER_METRICS else _page_of(metric, "") or "coverage")
    shown = CITY_METRICS[metric]
    if shown != metric:
        notices.append(t("ask.city_cohort", lang, metric=registry.label(shown, lang)))
    counties = [c for c in cities if vocab.place_tier.get(c) == "county"]
    if metric == "gap_places":
        gaps = db.get_coverage_gaps(scope=ctx.scope)
        rows = pd.DataFrame(
            {
                "member": gaps["city_code"],
                "name": gaps["name_zh" if lang == "zh" else "name_en"],
                "metric": "cohort_leads",
                "value": gaps["leads"].astype(float),
                "previous": float("nan"),
                "growth": float("nan"),
            }
        )
        n = len(gaps)
        items = sep_join(
            [
                f"{r.name}（{registry.fmt('cohort_leads', r.value, lang)}）"
                if lang == "zh"
                else f"{r.name} ({registry.fmt('cohort_leads', r.value, lang)})"
                for r in rows.head(BREAKDOWN_SHOWN).itertuples()
            ],
            lang,
        )
        sentence = tn("ask.gaps", n, lang, where=where, when=when, items=items or "—")
        return _done(p, sentence, rows, ("gap_places",), ctx, notices, lang, page="coverage", breakdown="city")
    if shown == "partners" or counties:
        if shown not in ("partners", "cohort_leads"):
            return _unsupported(p, "county", lang, ctx, notices, "funnels")
        frame = db.get_coverage_by_city(scope=ctx.scope, grain="place" if counties else "prefecture")
        col = "partners" if shown == "partners" else "leads"
        frame = frame.assign(value=frame[col].astype(float))
    else:
        frame = db.get_funnel_by_city(scope=ctx.scope, by=())
        frame = frame.assign(leads=frame["leads"].astype(float), enrolled=frame["enrolled"].astype(float))
        frame["value"] = {
            "cohort_leads": frame["leads"],
            "cohort_enrolled": frame["enrolled"],
            "enrol_rate": frame["enrolled"] / frame["leads"].where(frame["leads"] > 0),
        }[shown]
    if cities:
        frame = frame[frame["city_code"].isin(cities)]
    rows = pd.DataFrame(
        {
            "member": frame["city_code"],
            "name": frame["name_zh" if lang == "zh" else "name_en"],
            "metric": shown,
            "value": frame["value"].astype(float),
            "previous": float("nan"),
            "growth": float("nan"),
        }
    )
    if p.breakdown == "city" and len(cities) != 1:
        if shown == "enrol_rate":  # a rate of a handful of leads says nothing: rank cities with 30 or more
            rows = rows[frame["leads"].to_numpy() >= 30]
        ranked = _ranked(rows, p)
        sentence = _breakdown_sentence(p, ranked, shown, "city", where, when, ctx, lang, len(rows))
        return _done(p, sentence, ranked, (shown,), ctx, notices, lang, page=_page_of(shown, "city"), breakdown="city")
    if rows.empty:
        rows = pd.DataFrame(
            [(c, vocab.name("place", c, lang), shown, 0.0, float("nan"), float("nan")) for c in cities],
            columns=["member", "name", "metric", "value", "previous", "growth"],
        )
    sep = "；" if lang == "zh" else "; "
    body = sep.join(t("ask.item", lang, name=r.name, value=registry.fmt(shown, r.value, lang)) for r in rows.itertuples())
    sentence = t("ask.city_single", lang, metric=registry.label(shown, lang), when=when, body=body)
    return _done(p, sentence, rows, (shown,), ctx, notices, lang, page=_page_of(shown, "city"))


# --- helpers -----------------------------------------------------------------------------------------------
def _span(period: str) -> tuple[dt.date, dt.date]:
    if "~" in period:
        a, b = period.split("~")
        start = period_span(a)[0]
        end = period_span(b)[1]
        return start, end
    return period_span(period)


def _period_label(period: str, lang: str) -> str:
    if "~" in period:
        a, b = period.split("~")
        return f"{format_period(a, lang)}–{format_period(b, lang)}"
    return format_period(period, lang)


def _names(provinces: Sequence[str], cat: Catalogue, lang: str) -> str:
    names = cat.names
    shown = [names[x][0 if lang == "zh" else 1] if x in names else x for x in dict.fromkeys(provinces)]
    return sep_join(shown[:6], lang) + (f" +{len(shown) - 6}" if len(shown) > 6 else "")


def _region_names(regions: Sequence[str], lang: str) -> str:
    return sep_join([label("region", r, lang) for r in regions], lang)


def _place_words(vocab: Vocabulary, code: str, cat: Catalogue, lang: str) -> str:
    name = vocab.name("place", code, lang)
    province = vocab.place_province.get(code, "")
    parent = vocab.place_parent.get(code)
    inside = _names([province], cat, lang) + (vocab.name("place", parent, lang) if parent and lang == "zh" else "")
    return t("ask.place_option", lang, name=name, inside=inside)


def _where(p: Parse, cities: Sequence[str], ctx: Context, cat: Catalogue, vocab: Vocabulary, lang: str) -> str:
    """The places asked about, in words: 河南省 / 华南 / 武汉市 / 全国 (or the asker's provinces)."""
    if cities:
        return sep_join([vocab.name("place", c, lang) for c in cities], lang)
    if p.regions and not p.provinces:
        return _region_names(p.regions, lang)
    return ctx.text.scope


def _not_understood(p: Parse, lang: str) -> str:
    examples = sep_join([f"“{e}”" if lang == "zh" else f'"{e}"' for e in (t(f"ask.example.{i}", lang) for i in range(1, 4))], lang)
    if p.unknown:
        return t("ask.not_understood_words", lang, words=sep_join(p.unknown[:5], lang), examples=examples)
    return t("ask.not_understood", lang, examples=examples)


__all__ = ["HEADLINE", "Answer", "answer", "period_words"]


def chip_text(chip: str, vocab: Vocabulary, lang: str) -> str:
    """A chip's words: 期内报名 · 河南省 · 时间：2026年第三季度 · 同比 · 按渠道 · 前 5 (按增长)."""
    kind, _, rest = chip.partition(":")
    if kind == "metric":
        return registry.label(rest, lang)
    if kind in ("province", "partner", "project"):
        return vocab.name(kind, rest, lang)
    if kind == "city":
        return vocab.name("place", rest, lang)
    if kind == "region":
        return label("region", rest, lang)
    if kind == "sector":
        return label("sector", rest, lang)
    if kind == "slice":
        fld, _, code = rest.partition(":")
        group = next(s.group for s in SLICES if s.field == fld)
        return label(group, code, lang)
    if kind == "period":
        return t("ask.chip.period", lang, value=_period_label(rest, lang))
    if kind == "compare":
        return t(f"ask.chip.compare.{rest}", lang)
    if kind == "breakdown":
        return t("ask.chip.breakdown", lang, dim=t(f"ask.dim.{rest}", lang))
    if kind == "rank":
        direction, n, by = rest.split(":")
        text = t(f"ask.chip.rank.{direction}", lang) if n in ("0", "1") else t(f"ask.chip.rank_n.{direction}", lang, n=n)
        return text + (t("ask.chip.growth", lang) if by == "growth" else "")
    return chip
