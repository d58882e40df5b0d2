"""The briefing pack (汇报材料): its title slide and footers. Its slides are the sections'
views (components/sections), the same the pages show; nothing here computes a number."""

from __future__ import annotations

from components.context import Context
from components.export import PackMeta
from components.i18n import format_date, t


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


__all__ = ["pack_meta"]
