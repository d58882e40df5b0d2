"""Translation and number formatting for the cockpit (Simplified Chinese by default, and English).

Text: ``t("app.title", lang)``, ``t("app.data_as_of", lang, date=...)``,
``label("stage", "lead", lang)``. Keys are dotted and live in
``locales/{zh,en}/LC_MESSAGES/messages.po``; add a key by appending the same msgid to both files.

Counts: ``tn("investment.risk_overdue", n, lang)`` -> "1 milestone overdue", "3 milestones overdue"
(里程碑逾期 3 项). A text that counts a noun ("{n} projects", "in {n} days") is a plural entry,
``msgid`` and ``msgid_plural`` both the key, ``msgstr[0]`` and ``msgstr[1]`` in English and only
``msgstr[0]`` in Chinese; ``tn`` picks the form for ``n`` by Babel's CLDR plural rule and fills
``{n}`` (``format_number(n)``, or the caller's ``n=`` text). Never a ``_one`` twin key chosen in
code, never "(s)"; tests/components/test_plurals.py checks every message that counts. A label
placed inside an English sentence goes through ``in_sentence`` ("Days from lead to enrolled").
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
    in_sentence,
    is_missing,
    label,
    missing_keys,
    normalize_lang,
    plurals,
    po_path,
    t,
    t_md,
    tn,
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
    "in_sentence",
    "is_missing",
    "label",
    "missing_keys",
    "money_unit",
    "money_unit_scale",
    "normalize_lang",
    "plurals",
    "po_path",
    "t",
    "t_md",
    "tn",
]
