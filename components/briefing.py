"""The briefing pack (汇报材料): its title slide and footers. Its slides are the sections'
views (components/sections), the same the pages show; nothing here computes a number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from components import metrics
from components.context import Context
from components.export import Appendix, PackMeta
from components.i18n import format_date, t

if TYPE_CHECKING:
    from components.sections import View


def pack_meta(c: Context) -> PackMeta:
    """Title-slide and footer text: the scope with every narrowed filter, the period with its dates."""
    lang = c.lang
    return PackMeta(
        title=t("brief.pack_title", lang),
        subtitle=t("app.title", lang),
        scope_text=c.text.scope_and_slices,
        period_text=c.text.period,
        data_as_of=format_date(c.as_of, lang),
        lang=lang,
        footer=t("brief.footer", lang),
    )


def definitions(views: Sequence[View], lang: str) -> pd.DataFrame:
    """The pack's "口径说明 / Definitions" table: every registry metric its slides show, in the order
    they first appear, with what it counts and its definition."""
    shown = [m for v in views for m in v.metrics]
    return pd.DataFrame(
        [
            {
                t("brief.col_metric", lang): metrics.label(m, lang),
                t("brief.col_basis", lang): metrics.basis_text(metrics.get(m).basis, lang, short=True),
                t("brief.col_definition", lang): metrics.definition(m, lang),
            }
            for m in dict.fromkeys(shown)
        ]
    )


def appendix(views: Sequence[View], lang: str) -> list[Appendix]:
    """The pack's appendix tables: the definitions of the metrics on its slides (none: no appendix);
    their sentences wrap, never cut."""
    table = definitions(views, lang)
    return [Appendix(t("brief.definitions", lang), table, wrap=True)] if len(table) else []


__all__ = ["appendix", "definitions", "pack_meta"]
