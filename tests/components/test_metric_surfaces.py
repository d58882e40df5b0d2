"""One definition per metric, everywhere: every surface that shows a named number shows the
registry's number under the registry's label.

For nine scope × period combinations (the nation, one province, one region group; a year, a
quarter and the month the data stops inside) the registry's own evaluation
(``components.metrics.read`` of every metric) is held against what each surface shows:

- the Overview's cards (label → value), the pack's KPI table and the Investment summary table;
- every registered section's takeaway (each value its ``takeaway_ids`` quote) — a new section is
  walked automatically;
- a pack built by the ``report`` command (its KPI table cells, its takeaways, its 口径说明
  appendix) and the command's printed output;
- a digest body (e-mail text and a robot message) built by the digest's own code;
- the KPI alerts (``kpi_below_pace``) of the year-to-date view: their metric is a registry label
  and their year-to-date figure the registry's.

Every label on those surfaces must resolve to a registry metric (``metrics.by_label``): a surface
that shows a number under a label of its own, or computes its own figure, fails here. Real SQL on
the seeded SQLite database, no mocks.
"""

from __future__ import annotations

import dataclasses
import io
import math
from pathlib import Path

import pandas as pd
import pytest

from components import metrics
from components.context import Catalogue, Context, context_from_params, read_catalogue
from components.delivery import channels
from components.delivery import digest as digest_text
from components.i18n import t
from components.sections import SECTIONS, View, build_views
from data_access import alerts, codes, reader

ONE_PROVINCE = "420000"  # Hubei
REGION = "central"
SCOPES = {"national": {}, "province": {"province": [ONE_PROVINCE]}, "region": {"region": [REGION]}}
PERIODS = ("year", "quarter", "cut_month")
COMBOS = [(s, p) for s in SCOPES for p in PERIODS]
PACK_SECTIONS = ("kpis", "investment_summary", "funnel_compare", "coverage_tiers")  # tables only: no chart to render
COUNTS = {"number"}


@pytest.fixture(scope="module")
def engine(seeded):
    return seeded["sqlite"]


@pytest.fixture(scope="module")
def db(engine) -> reader.Reader:
    return reader.direct(engine)


@pytest.fixture(scope="module")
def cat(engine) -> Catalogue:
    with engine.connect() as conn:
        return read_catalogue(conn)


def period_of(cat: Catalogue, which: str) -> str:
    """The period label: the latest year, its latest quarter, or the month the data stops inside."""
    if which == "year":
        return str(cat.as_of.year)
    if which == "quarter":
        return f"{cat.as_of.year}Q{(cat.as_of.month - 1) // 3 + 1}"
    month = f"{cat.as_of.year}-{cat.as_of.month:02d}"
    assert month in cat.periods
    return month


def context(cat: Catalogue, scope: str, period: str, lang: str = "zh", compare: str = "yoy") -> Context:
    params = {**SCOPES[scope], "period": [period_of(cat, period)], "lang": [lang], "compare": [compare]}
    ctx, dropped = context_from_params(cat, params, cat.provinces)
    assert dropped == []
    return ctx


def expected(db: reader.Reader, ctx: Context) -> dict[str, float]:
    """The registry's evaluation of every metric for the context."""
    return metrics.values_of(metrics.read(db, ctx, list(metrics.METRICS)))


def shown(metric: str, values: dict[str, float], lang: str) -> str:
    return metrics.fmt(metric, values[metric], lang)


def resolve(label: str, lang: str) -> str:
    metric = metrics.by_label(label, lang)
    assert metric is not None, f"{label!r} is shown for a number but is no metric of the registry"
    return metric


def quoted(view: View, section_ids: tuple[str, ...], values: dict[str, float], lang: str) -> list[tuple[str, str]]:
    """(metric, value) the takeaway should quote but does not. Nothing (NaN, 0) and a count of 1
    may be worded ("nobody has enrolled yet", "the only place") rather than written as a figure."""
    missing = []
    for m in section_ids:
        v = values[m]
        if math.isnan(v) or v == 0 or (metrics.get(m).unit in COUNTS and v == 1):
            continue
        if shown(m, values, lang) not in view.takeaway:
            missing.append((m, shown(m, values, lang)))
    return missing


@pytest.fixture(scope="module")
def surfaces(db, cat):
    """Per combination: the registry's values, the views of every section and the context."""
    out = {}
    for scope, period in COMBOS:
        ctx = context(cat, scope, period)
        out[scope, period] = (ctx, expected(db, ctx), build_views(db, ctx, list(SECTIONS)))
    return out


@pytest.mark.parametrize(("scope", "period"), COMBOS)
def test_cards_tables_and_takeaways_show_the_registry_figures(surfaces, scope, period):
    ctx, values, views = surfaces[scope, period]
    lang = ctx.lang
    by_id = {v.id: v for v in views}
    # The Overview's cards.
    cards = [c for _, group in by_id["kpis"].prepared.groups for c in group]
    assert len(cards) >= 10
    for card in cards:
        assert card.value == shown(resolve(card.label, lang), values, lang), card.label
        assert metrics.definition(resolve(card.label, lang), lang) in (card.help or "")  # the ⓘ says what it counts
    # Tables whose rows are metrics: the pack's KPI table and the Investment summary.
    for vid in ("kpis", "investment_summary"):
        if by_id[vid].empty:
            continue
        table = by_id[vid].table
        for label, value in zip(table[t("brief.col_metric", lang)], table[t("brief.col_value", lang)]):
            assert value == shown(resolve(label, lang), values, lang), (vid, label)
    # Every section's takeaway quotes the registry's value of each metric it names.
    for v in views:
        if not v.empty:
            assert quoted(v, SECTIONS[v.id].takeaway_ids, values, lang) == [], v.id
            assert set(v.metrics) <= set(metrics.METRICS), v.id


@pytest.mark.parametrize(("scope", "period"), [("national", "quarter"), ("province", "year"), ("region", "cut_month")])
def test_the_pack_and_the_report_command_show_the_registry_figures(surfaces, engine, tmp_path, scope, period, capsys):
    from pptx import Presentation

    from components.cli import main

    ctx, values, views = surfaces[scope, period]
    lang = ctx.lang
    out = tmp_path / "pack.pptx"
    args = ["report", "--period", ctx.filters.period, "--sections", ",".join(PACK_SECTIONS), "--out", str(out)]
    args += [x for p in ctx.scope.provinces for x in ("--province", p)] if scope != "national" else []
    args += ["--database-url", engine.url.render_as_string(hide_password=False)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    texts, rows = [], []
    for slide in Presentation(str(out)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                rows += [[cell.text for cell in row.cells] for row in shape.table.rows]
    # The KPI table (metric, value, change, target, reached): the 3-column appendix is checked below.
    kpi_rows = [r for r in rows if len(r) >= 5 and metrics.by_label(r[0], lang) in SECTIONS["kpis"].metric_ids]
    assert len(kpi_rows) >= 8
    for label, value, *_ in kpi_rows:
        assert value == shown(resolve(label, lang), values, lang), label
    for v in (x for x in views if x.id in PACK_SECTIONS and not x.empty):
        assert f"[{v.id}] {v.takeaway}" in printed  # the command's output is the page's takeaway
        assert any(v.takeaway in text for text in texts), v.id  # and so is the slide's
    # The 口径说明 appendix lists every metric the slides show, with its definition.
    definitions = {r[0]: r[-1] for r in rows if len(r) == 3}
    for m in {m for v in views if v.id in PACK_SECTIONS for m in v.metrics}:
        assert definitions.get(metrics.label(m, lang)) == metrics.definition(m, lang), m
    # The footer names the comparison.
    assert any(t("compare.yoy", lang) in text for text in texts)


@pytest.mark.parametrize(("scope", "period"), [("national", "year"), ("province", "quarter"), ("region", "year")])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_digest_quotes_the_registry_figures(db, cat, scope, period, lang):
    ctx = context(cat, scope, period, lang)
    values = expected(db, ctx)
    (kpis,) = build_views(db, ctx, ["kpis"])
    digest = digest_text.build(ctx, kpis, [], url="https://cockpit.example.cn", schedule="weekly")
    assert [resolve(label, lang) for label, _ in digest.figures] == list(digest_text.DIGEST_METRICS)
    plain, _ = channels.email_bodies(digest)
    robot = channels.robot_markdown(digest, "wecom")
    for label, value in digest.figures:
        number = shown(resolve(label, lang), values, lang)
        assert value.split(" · ")[0] == number
        assert f"{label}" in plain and number in plain and number in robot


def test_kpi_alerts_name_registry_metrics_with_the_registry_figures(engine, db, cat):
    """The year-to-date view: a bar above any projection makes every paced metric fire."""
    ctx = context(cat, "national", "year")
    values = expected(db, ctx)
    with engine.connect() as conn:
        fired = alerts.kpi_alerts(conn, scope=ctx.scope, as_of=ctx.as_of, thresholds=alerts.Thresholds(kpi_projected_below_pct=10_000))
    assert fired
    for a in fired:
        p = dict(a.params)
        assert p["metric"] in metrics.METRICS
        assert float(p["ytd"]) == pytest.approx(values[p["metric"]], abs=0.01)  # the year so far is the card's figure
        assert metrics.label(p["metric"], "zh") in digest_text.alert_text(a, "zh")


def test_the_comparison_rule_is_one_for_every_delta(db, cat):
    """compare=prev moves every delta: the cards' previous values are the previous period's, the
    movers and the funnel comparison use the same period, and the scope line and file names say so."""
    yoy, prev = context(cat, "national", "quarter"), context(cat, "national", "quarter", compare="prev")
    assert yoy.compared != prev.compared and prev.compared.end <= prev.scope.start
    k = metrics.read(db, prev, ["leads", "enrolled"]).set_index("metric")
    with_prev = metrics.read(db, dataclasses.replace(prev, scope=prev.compared), ["leads", "enrolled"]).set_index("metric")
    assert k.loc["leads", "previous"] == with_prev.loc["leads", "value"]
    views = {v.id: v for v in build_views(db, prev, ["funnel_compare", "movers", "new_partners"])}
    assert views["funnel_compare"].prepared.before_scope.start == prev.compared.start
    assert t("compare.prev", "zh") in prev.text.line and prev.text.file_part.endswith(t("compare.short.prev", "zh"))
    assert t("compare.prev", "zh") in views["funnel_compare"].title


def test_every_registry_metric_has_its_words_in_both_languages():
    from components.i18n import catalogue

    for lang in ("zh", "en"):
        for m in metrics.METRICS:
            for key in (f"metric.{m}", f"metric.{m}.name", f"metric.{m}.def"):
                assert key in catalogue(lang), (lang, key)
        labels = [metrics.label(m, lang) for m in metrics.METRICS]
        assert len(set(labels)) == len(labels), lang  # one label, one metric


def test_the_two_refund_figures_cannot_be_confused():
    """期内退费 (events) and 本期线索中已退费 (the cohort): two ids, two labels, two bases."""
    events, cohort = metrics.get("refunded"), metrics.get("cohort_refunded")
    assert (events.basis, cohort.basis) == ("events", "cohort")
    for lang in ("zh", "en"):
        assert events.label(lang) != cohort.label(lang) and events.definition(lang) != cohort.definition(lang)


def test_docs_metrics_md_is_what_the_registry_writes():
    from components.commands.metrics_doc import DOC, markdown

    assert Path(DOC).read_text(encoding="utf-8") == markdown(), "docs/METRICS.md is stale: python -m components.cli metrics --write"


def test_every_section_metric_is_in_the_registry_and_every_metric_is_shown_somewhere():
    from components.commands.metrics_doc import where

    for s in SECTIONS.values():
        assert set(s.shows()) <= set(metrics.METRICS), s.key
        assert set(s.takeaway_ids) <= set(s.shows()) | set(metrics.parts(s.shows())), s.key
    assert [m for m in metrics.METRICS if not where(m)] == []


def test_frame_of_makes_rates_from_their_parts():
    frame = metrics.frame_of({"refunded": (3.0, 2.0, math.nan), "enrolled": (30.0, 0.0, math.nan)}, ["refunded", "refund_rate"])
    row = frame.set_index("metric").loc["refund_rate"]
    assert row["value"] == pytest.approx(0.1) and math.isnan(row["previous"])  # nothing enrolled then: no rate


def test_cohort_values_count_the_cohort_per_stage():
    now = pd.DataFrame(
        {"channel": ["a", "b", "a", "a"], "stage": ["lead", "lead", "enrolled", codes.REFUNDED], "learners": [60, 40, 20, 5]}
    )
    v = metrics.cohort_values(now, now.iloc[0:0])
    assert v["cohort_leads"] == (100.0, 0.0) and v["cohort_refunded"][0] == 5.0
    assert v["enrol_rate"][0] == pytest.approx(0.2) and v["cohort_refund_rate"][0] == pytest.approx(0.25)
    assert math.isnan(v["enrol_rate"][1])


def test_the_xlsx_filter_sheet_names_the_definitions_of_its_metrics(surfaces):
    """What the export menu writes for a view: its data, then the filters and the 口径 of its metrics."""
    from openpyxl import load_workbook

    from components.export import to_xlsx_bytes

    ctx, _, views = surfaces["national", "quarter"]
    view = next(v for v in views if v.id == "investment_summary")
    data = to_xlsx_bytes(
        {view.title: view.data},
        filters=list(ctx.text.rows),
        title=view.title,
        lang="zh",
        data_as_of=str(ctx.as_of),
        definitions=[(metrics.label(m, "zh"), metrics.definition(m, "zh")) for m in view.metrics],
    )
    sheet = load_workbook(io.BytesIO(data)).worksheets[-1]
    cells = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}
    for m in view.metrics:
        assert cells[metrics.label(m, "zh")] == metrics.definition(m, "zh")
    assert cells[t("filter.compare", "zh")] == t("compare.yoy", "zh")
