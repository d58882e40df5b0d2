"""Translation and number formatting for the cockpit (Simplified Chinese by default, and English).

Text: ``t("app.title", lang)``, ``t("app.data_as_of", lang, date=...)``,
``label("stage", "lead", lang)``. Keys are dotted and live in
``locales/{zh,en}/LC_MESSAGES/messages.po``; add a key by appending the same msgid to both files.
Numbers: ``format_money`` (万元/亿元 in Chinese, ¥K/M/B in English), ``money_unit_scale``,
``format_number``, ``format_percent``, ``format_delta``, ``format_date``, ``format_month``,
``format_period``.

Markdown: ``t_md(key, lang, **args)`` is ``t`` with every argument escaped
(``data_access.untrusted.md``) for text that Streamlit renders as Markdown; exports, slides and
plotly use plain ``t`` (see docs/SECURITY.md, finding 3, and tests/components/test_untrusted.py).

No streamlit in here, and from data_access only its stdlib vocabulary (untrusted): pages pass the
language in, and the test suite checks the catalogues against ``data_access.codes``.
"""

from __future__ import annotations

from .catalog import (
    BABEL_LOCALES,
    DEFAULT_LANG,
    LANG_NAMES,
    LANGS,
    catalogue,
    clear_records,
    format_failures,
    is_missing,
    label,
    missing_keys,
    normalize_lang,
    po_path,
    t,
    t_md,
)
from .numbers import (
    DASH,
    MONEY_UNITS,
    format_date,
    format_delta,
    format_money,
    format_month,
    format_number,
    format_percent,
    format_period,
    money_unit,
    money_unit_scale,
)

__all__ = [
    "BABEL_LOCALES",
    "DASH",
    "DEFAULT_LANG",
    "LANG_NAMES",
    "LANGS",
    "MONEY_UNITS",
    "catalogue",
    "clear_records",
    "format_date",
    "format_delta",
    "format_failures",
    "format_money",
    "format_month",
    "format_number",
    "format_percent",
    "format_period",
    "is_missing",
    "label",
    "missing_keys",
    "money_unit",
    "money_unit_scale",
    "normalize_lang",
    "po_path",
    "t",
    "t_md",
]
