"""汇报材料 Briefing packs: choose sections, get a PPTX and a PDF for the current filters."""

import time
from collections.abc import Callable
from typing import TypedDict, cast

import streamlit as st

from components.briefing import appendix, pack_meta
from components.export import ExportError, ExportUnavailable, build_pdf, build_pptx, export_filename, render_charts
from components.export.pack import rows_per_slide
from components.i18n import format_number, t, tn
from components.sections import PACK_DEFAULT, SECTIONS, build_views
from components.ui.context import page_header
from components.ui.exports import audited
from data_access.cache import db
from data_access.scope import Scope
from data_access.untrusted import md


class BuiltPack(TypedDict):
    """The last pack built in this session, and the choices it was built for."""

    key: tuple[Scope, tuple[str, ...], str]
    pptx: bytes
    pdf: bytes
    seconds: float


ctx = page_header("reports")
lang, scope = ctx.lang, ctx.scope

chosen = st.multiselect(
    t("reports.sections", lang),
    list(SECTIONS),
    default=list(PACK_DEFAULT),
    key="reports_sections",
    format_func=lambda s: SECTIONS[s].title(ctx),
)
if not chosen:
    st.info(t("reports.pick_one", lang))
    st.stop()

with st.spinner(t("common.loading", lang)):
    views = build_views(db, ctx, chosen)
sections = [v.slide() for v in views]

st.subheader(t("reports.preview", lang))
for i, section in enumerate(sections, start=1):
    st.markdown(f"**{format_number(i, lang)}. {md(section.title)}** — {md(section.takeaway)}")

key = (scope, tuple(chosen), lang)
built: BuiltPack | None = st.session_state.get("reports_built")
left, right = st.columns(2)
if left.button(t("reports.build", lang), type="primary", icon=":material/slideshow:", key="reports_build"):
    try:
        with st.spinner(tn("reports.building", sum(s.figure is not None for s in sections), lang)):
            t0 = time.perf_counter()
            meta = pack_meta(ctx)
            charts = render_charts(sections)  # once, for both files
            extra = appendix(views, lang)  # 口径说明: the definitions of the metrics on the slides
            pptx = build_pptx(meta, sections, charts=charts, appendix_tables=extra)
            pdf = build_pdf(meta, sections, charts=charts, appendix_tables=extra)
            built = {"key": key, "pptx": pptx, "pdf": pdf, "seconds": time.perf_counter() - t0}
            st.session_state["reports_built"] = built
    except ExportUnavailable as exc:
        st.error(t("reports.unavailable", lang), icon=":material/print_disabled:")
        st.caption(md(exc))
        built = None
    except ExportError as exc:
        st.error(t("reports.failed", lang))
        st.caption(md(exc))
        built = None

slide_count = len(sections) + 1 + sum(-(-len(a.frame) // rows_per_slide(a.wrap)) for a in appendix(views, lang))  # title, sections, 口径
if built and built["key"] == key:
    name = t("brief.pack_title", lang)
    st.success(tn("reports.ready", slide_count, lang, seconds=format_number(built["seconds"], lang, digits=1)))
    a, b = st.columns(2)
    pack = ",".join(chosen)
    # The lambdas bind the bytes as a default (mypy cannot infer a lambda with a default against Callable[[], bytes]).
    make_pptx = cast(Callable[[], bytes], lambda data=built["pptx"]: data)
    make_pdf = cast(Callable[[], bytes], lambda data=built["pdf"]: data)
    a.download_button(
        "PPTX",
        audited(ctx, page="reports", item=pack, fmt="pptx", make=make_pptx),
        file_name=export_filename(name, ctx.text.file_part, ctx.as_of, "pptx"),
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        icon=":material/download:",
        key="reports_pptx",
        on_click="ignore",
        width="stretch",
    )
    b.download_button(
        "PDF",
        audited(ctx, page="reports", item=pack, fmt="pdf", make=make_pdf),
        file_name=export_filename(name, ctx.text.file_part, ctx.as_of, "pdf"),
        mime="application/pdf",
        icon=":material/download:",
        key="reports_pdf",
        on_click="ignore",
        width="stretch",
    )
elif built:
    st.caption(t("reports.stale", lang))

st.divider()
st.markdown(t("reports.cli_hint", lang))
st.code("python -m components.cli report --province 420000 --period 2026 --lang zh --out hubei.pptx", language="bash")
