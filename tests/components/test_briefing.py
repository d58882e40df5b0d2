"""The briefing pack on a real seeded database: sections, takeaways from the data, files that open."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys

import pytest
from pptx import Presentation
from pypdf import PdfReader

from components import metrics
from components.briefing import pack_meta
from components.context import Context
from components.export import build_pdf, build_pptx
from components.export.images import find_chromium
from components.filters import Filters
from components.i18n import format_number, label, t
from components.sections import SECTIONS, build_views
from components.ui.exports import export_frame
from data_access import access, config, reader
from data_access.config import PROJECT_ROOT
from data_access.scope import Scope
from data_access.seed import seed_database

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('brief') / 'cockpit.db'}"
    seed_database(config.make_engine(url), learners=8_000, seed=42, progress=False)
    return url


@pytest.fixture(scope="module")
def db(db_url) -> reader.Reader:
    return reader.direct(config.make_engine(db_url))


NAMES = {"420000": ("湖北省", "Hubei"), "410000": ("河南省", "Henan"), "110000": ("北京市", "Beijing")}


def context(provinces, lang="zh") -> Context:
    scope = Scope(tuple(provinces), dt.date(2026, 1, 1), dt.date(2026, 11, 1))
    return Context(
        scope=scope,
        filters=Filters(provinces=tuple(provinces), period="2026", lang=lang),
        lang=lang,
        as_of=dt.date(2026, 10, 31),
        names=NAMES,
    )


@pytest.fixture
def need_chromium():
    if find_chromium() is None:
        if IN_CI:
            pytest.fail("chromium missing under CI")
        pytest.skip("chromium not installed")


def test_sections_come_in_registry_order_and_unknown_ids_are_refused(db):
    ctx = context(["420000"])
    built = build_views(db, ctx, ["funnel", "kpis"])
    assert [v.id for v in built] == ["kpis", "funnel"]
    with pytest.raises(ValueError, match="choose from"):
        build_views(db, ctx, ["nope"])


def test_kpi_takeaway_quotes_the_query_figures(db):
    ctx = context(["420000"])
    kpis = db.get_kpis(scope=ctx.scope).set_index("metric")
    view = build_views(db, ctx, ["kpis"])[0]
    assert format_number(kpis.loc["partners", "value"], "zh") in view.takeaway
    assert format_number(kpis.loc["leads", "value"], "zh") in view.takeaway
    assert len(view.table) == 11  # ten metrics and the execution rate


def test_funnel_takeaway_is_computed_from_the_cohort(db):
    ctx = context(["420000"], lang="en")
    df = db.get_funnel_by_stage(scope=ctx.scope, by=("channel",))
    leads = df.loc[df["stage"] == "lead", "learners"].sum()
    view = build_views(db, ctx, ["funnel"])[0]
    assert format_number(leads, "en") in view.takeaway and view.figure is not None


def test_an_empty_scope_gives_text_slides_not_errors(db):
    ctx = context([])
    built = build_views(db, ctx, list(SECTIONS))
    assert len(built) == len(SECTIONS)
    assert all(v.empty and v.slide().figure is None for v in built if v.id != "kpis")


def test_pack_from_sections_has_one_slide_per_section_plus_title(db, need_chromium):
    ctx = context(["420000", "410000"])
    ids = ["kpis", "coverage_map", "funnel", "channels"]
    slides = [v.slide() for v in build_views(db, ctx, ids)]
    deck = Presentation(io.BytesIO(build_pptx(pack_meta(ctx), slides)))
    assert len(deck.slides) == 1 + len(ids)
    texts = [{sh.text_frame.text for sh in slide.shapes if sh.has_text_frame} for slide in list(deck.slides)[1:]]
    assert all(section.title in slide for section, slide in zip(slides, texts))
    pdf = PdfReader(io.BytesIO(build_pdf(pack_meta(ctx), slides)))
    assert len(pdf.pages) == 1 + len(ids)


def test_cli_builds_a_pack_end_to_end(db_url, tmp_path, need_chromium):
    out = tmp_path / "pack.pptx"
    cmd = [
        sys.executable,
        "-m",
        "components.cli",
        "report",
        "--province",
        "420000",
        "--lang",
        "en",
        "--sections",
        "kpis,funnel,spend",
        "--out",
        str(out),
        "--database-url",
        db_url,
    ]
    done = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    deck = Presentation(str(out))
    # Title, three sections, then the 口径说明 appendix: every metric the slides show, with its definition.
    appendix = list(deck.slides)[4:]
    assert appendix and all(
        any(t("brief.definitions", "en") in sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in appendix
    )
    defined = {row.cells[0].text for s in appendix for sh in s.shapes if sh.has_table for row in list(sh.table.rows)[1:]}
    shown = {m for sid in ("kpis", "funnel", "spend") for m in SECTIONS[sid].shows()}
    assert defined == {metrics.label(m, "en") for m in shown}
    footer_text = " ".join(sh.text_frame.text for sh in deck.slides[1].shapes if sh.has_text_frame)
    assert "Hubei" in footer_text and "31 Oct 2026" in footer_text
    # Every report run is audited like a download in the app: who (cli:<os user>), what, which scope.
    with config.make_engine(db_url).connect() as conn:
        rows = access.get_audit_log(conn, action="report")
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["actor"] == access.cli_actor() and row["format"] == "pptx" and row["provinces"] == "420000"
    assert row["item"] == "kpis,funnel,spend" and '"province": ["420000"]' in row["filters"]


def test_cli_refuses_bad_arguments_without_a_traceback(db_url, tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "components.cli",
        "report",
        "--province",
        "999999",
        "--out",
        str(tmp_path / "x.pptx"),
        "--database-url",
        db_url,
    ]
    done = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "province=999999" in done.stderr and "Traceback" not in done.stderr


def test_cli_with_a_browser_that_cannot_start_says_what_to_install(db_url, tmp_path):
    # A "chromium" that exits at once stands for a missing or broken browser (the fixed search
    # path /usr/bin/chromium cannot be hidden from a subprocess); BROWSER_PATH takes precedence.
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    env = {**os.environ, "BROWSER_PATH": str(fake)}
    cmd = [
        sys.executable,
        "-m",
        "components.cli",
        "report",
        "--sections",
        "funnel",
        "--out",
        str(tmp_path / "x.pptx"),
        "--database-url",
        db_url,
    ]
    done = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 3, done.stderr
    assert "apt-get install chromium" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.pptx").exists()


def test_exported_data_uses_labels_and_translated_headers():
    import pandas as pd

    df = pd.DataFrame({"stage": ["lead", "enrolled"], "channel": ["campus", "online"], "learners": [10, 3]})
    out = export_frame(df, "zh")
    assert list(out.iloc[:, 0]) == [label("stage", "lead", "zh"), label("stage", "enrolled", "zh")]
    assert list(out.columns) == ["阶段", "渠道", "人数"]


def test_the_pack_footer_and_title_slide_name_every_narrowed_filter(db):
    from components.i18n import t as text

    scope = Scope(("420000",), dt.date(2026, 1, 1), dt.date(2026, 11, 1), channels=("online",), programmes=("cert_1x",))
    f = Filters(provinces=("420000",), period="2026", channels=("online",), programmes=("cert_1x",), lang="zh")
    ctx = Context(scope=scope, filters=f, lang="zh", as_of=dt.date(2026, 10, 31), names=NAMES)
    slides = [v.slide() for v in build_views(db, ctx, ["kpis"])]  # a table slide: no chart, no browser needed
    deck = Presentation(io.BytesIO(build_pptx(pack_meta(ctx), slides)))
    for slide in deck.slides:
        words = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        for part in ("湖北省", label("channel", "online", "zh"), label("programme", "cert_1x", "zh")):
            assert part in words, (part, words[:300])
        assert text("filter.tiers", "zh") not in words  # not narrowed, not named
