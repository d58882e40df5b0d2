"""Notes on a view (issue 26 point 5) from the section to the slide: the seeded Henan note on the
refunds-by-channel view of Q3 2025 is the view's (its section only, its scope only), and the pack
draws it on the slide — PPTX and PDF — under the chart, not only in the speaker notes."""

from __future__ import annotations

import io

from pptx import Presentation
from pypdf import PdfReader

from components.context import context_from_params
from components.export import build_pdf, build_pptx
from components.sections import SECTIONS, build_views
from tests.components.test_event_markers import _meta, world  # noqa: F401 - the fixture

NOTE = "河南三季度退费偏高，已约谈线下分校"


def context(cat, **params):
    ctx, _ = context_from_params(cat, {k: [v] for k, v in params.items()}, cat.provinces)
    return ctx


def test_the_note_is_on_its_view_only(world):  # noqa: F811
    cat, db = world
    henan = SECTIONS["refunds_channels"].view(db, context(cat, province="410000", period="2025Q3"))
    assert any(NOTE in r for r in henan.remarks) and henan.remarks[0].startswith("备注（exec@example.com，")
    national = SECTIONS["refunds_channels"].view(db, context(cat, period="2025"))  # wider: shown
    assert any(NOTE in r for r in national.remarks)
    assert not SECTIONS["refunds_channels"].view(db, context(cat, province="420000", period="2025Q3")).remarks  # Hubei
    assert not SECTIONS["refunds_channels"].view(db, context(cat, province="410000", period="2025Q4")).remarks  # Q4
    assert not any(NOTE in r for r in SECTIONS["channels"].view(db, context(cat, province="410000", period="2025Q3")).remarks)


def test_the_pack_draws_the_note_on_the_slide(world):  # noqa: F811
    cat, db = world
    ctx = context(cat, province="410000", period="2025Q3", lang="en")
    views = {v.id: v for v in build_views(db, ctx, ["refunds_channels", "channels"])}
    slides = [views["refunds_channels"].slide(), views["channels"].slide()]
    assert NOTE in slides[0].notes and not slides[1].notes
    assert slides[0].notes.startswith("Note (exec@example.com, ")
    deck = Presentation(io.BytesIO(build_pptx(_meta(ctx), slides)))
    on_slide = ["\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert NOTE in on_slide[1] and NOTE not in on_slide[2]  # slide 0 is the title slide
    assert NOTE in deck.slides[1].notes_slide.notes_text_frame.text
    pdf = build_pdf(_meta(ctx), slides)
    pages = [p.extract_text().replace("\x00", "") for p in PdfReader(io.BytesIO(pdf)).pages]  # CJK text comes out UTF-16ish
    assert "河南三季度退费偏高" in pages[1].replace(" ", "") and "河南三季度退费偏高" not in pages[2].replace(" ", "")
