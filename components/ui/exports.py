"""Export buttons beside a chart: PNG / SVG / PDF of the figure on screen, CSV / XLSX of its data.

Files are generated only when clicked (deferred download callables), so a page with ten charts
does not render thirty images on every rerun. Without Chromium the image buttons are replaced
by a note that says what to install; data exports still work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import metrics as registry
from components.context import Context
from components.export import export_filename, figure_to_bytes, to_csv_bytes, to_xlsx_bytes
from components.export.images import ImageFormat, find_chromium
from components.i18n import catalogue, format_date, label, t
from components.sections import View
from components.ui.notes import show_notes
from data_access.untrusted import md

MIME = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Code columns whose values are shown as labels in exported data, and their label group.
CODE_COLUMNS = {
    "stage": ("stage",),
    "channel": ("channel",),
    "tier": ("tier",),
    "sector": ("sector",),
    "kind": ("kind", "project_kind"),
    "partner_kind": ("kind",),
    "status": ("project_status", "partner_status"),
    "region": ("region",),
    "end": ("end",),
    "category": ("category",),
}


def export_frame(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Data for export: code values as labels, column names translated where the catalogue knows them."""
    out = df.copy()
    known = catalogue(lang)
    for col, groups in CODE_COLUMNS.items():
        if col in out.columns:
            group = next((g for g in groups if all(f"{g}.{v}" in known for v in out[col].dropna().unique())), None)
            if group:
                out[col] = [label(group, v, lang) if isinstance(v, str) else v for v in out[col]]
    # Identifier-like column names are translated (and must be in the catalogue); headers a page
    # already translated are kept.
    names = {col: t(f"col.{col}", lang) for col in out.columns if isinstance(col, str) and re.fullmatch(r"[a-z][a-z0-9_]*", col)}
    return out.rename(columns=names)


def audited(ctx: Context, *, page: str, item: str, fmt: str, make: Callable[[], bytes]) -> Callable[[], bytes]:
    """``make`` wrapped so that each download writes one audit row first (who, what, scope, filters).

    The row is written before the bytes are made: an export that cannot be audited (the database
    refuses the write) fails instead of leaving unrecorded.
    """

    def download() -> bytes:
        if ctx.audit is not None:
            ctx.audit(page=page, item=item, fmt=fmt)
        return make()

    return download


def export_menu(
    ctx: Context,
    *,
    page: str,
    name: str,
    title: str,
    figure: go.Figure | Callable[[], go.Figure] | None,
    data: pd.DataFrame | None,
    key: str,
    metrics: Sequence[str] = (),
) -> None:
    """A small "export" popover with the figure's image formats and its data; the XLSX's filter
    sheet names the definitions of ``metrics`` (registry ids)."""
    lang = ctx.lang
    stem = f"{t(f'nav.{page}', lang)}-{name}"

    def fname(ext: str) -> str:
        return export_filename(stem, ctx.text.file_part, ctx.as_of, ext)

    with st.popover(t("export.button", lang), icon=":material/download:"):
        if figure is not None:
            if find_chromium() is None:
                st.caption(t("export.no_chromium", lang))
            else:

                def render(fmt: ImageFormat) -> Callable[[], bytes]:
                    def make() -> bytes:
                        fig = figure() if callable(figure) else figure
                        return figure_to_bytes(fig, fmt)

                    return make

                formats: tuple[ImageFormat, ...] = ("png", "svg", "pdf")
                for col, fmt in zip(st.columns(3), formats):
                    col.download_button(
                        md(fmt.upper()),
                        data=audited(ctx, page=page, item=name, fmt=fmt, make=render(fmt)),
                        file_name=fname(fmt),
                        mime=MIME[fmt],
                        key=f"{key}_{fmt}",
                        on_click="ignore",
                        width="stretch",
                    )
        if data is not None:
            table = export_frame(data, lang)
            cols = st.columns(2)
            cols[0].download_button(
                "CSV",
                data=audited(ctx, page=page, item=name, fmt="csv", make=lambda: to_csv_bytes(table)),
                file_name=fname("csv"),
                mime=MIME["csv"],
                key=f"{key}_csv",
                on_click="ignore",
                width="stretch",
            )
            cols[1].download_button(
                "Excel",
                file_name=fname("xlsx"),
                mime=MIME["xlsx"],
                key=f"{key}_xlsx",
                on_click="ignore",
                width="stretch",
                data=audited(
                    ctx,
                    page=page,
                    item=name,
                    fmt="xlsx",
                    make=lambda: to_xlsx_bytes(
                        {title[:31]: table},
                        filters=list(ctx.text.rows),
                        title=title,
                        lang=lang,
                        data_as_of=format_date(ctx.as_of, lang),
                        definitions=[(registry.label(m, lang), registry.definition(m, lang)) for m in metrics],
                    ),
                ),
            )
        st.caption(t("export.hint", lang))


def export_view(ctx: Context, view: View, *, key: str, notes: bool = True) -> None:
    """The export menu of a section's view: its figure and the data behind it (audited for the page
    being drawn); then, with ``notes``, the leaders' notes on the view and the popover to add one."""
    if notes:
        show_notes(ctx, view, key=f"{key}_notes")
    export_menu(
        ctx,
        page=ctx.page or view.page,
        name=view.title,
        title=view.title,
        figure=view.figure,
        data=view.data,
        key=key,
        metrics=view.metrics,
    )
