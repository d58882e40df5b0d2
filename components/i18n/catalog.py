"""Translation catalogues: dotted keys in, Chinese or English text out.

The catalogues are gettext ``.po`` files under ``locales/<lang>/LC_MESSAGES/messages.po``, read
with Babel at first use and kept in memory (no compile step, no ``.mo`` files). Their msgids are
stable dotted keys ("stage.lead", "app.title"), so renaming English wording never breaks a lookup.

A message that counts something is a gettext plural entry: ``msgid`` and ``msgid_plural`` both the
key, one ``msgstr[i]`` per form of the language (English two, "1 milestone" / "2 milestones";
Chinese one, "里程碑逾期 {n} 项"). ``tn(key, n, lang)`` picks the form for the number ``n`` with
Babel's CLDR plural rule of the language and formats it with ``{n}`` available; ``t`` reads only the
ordinary entries. The ``Plural-Forms`` header of each file states the same rule for translators and
tools (a test checks the two agree).

A lookup never raises: a page with a missing string must still render. Missing keys and
placeholder mistakes are recorded instead, so tests can run the pages and then assert that
``missing_keys()`` and ``format_failures()`` are empty.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from babel import Locale
from babel.messages.pofile import read_po
from babel.plural import PluralRule

from data_access.untrusted import md

__all__ = [
    "BABEL_LOCALES",
    "DEFAULT_LANG",
    "LANG_NAMES",
    "LANGS",
    "catalogue",
    "clear_records",
    "format_failures",
    "in_sentence",
    "is_missing",
    "label",
    "missing_keys",
    "normalize_lang",
    "plurals",
    "po_path",
    "t",
    "t_md",
    "tn",
]

log = logging.getLogger(__name__)

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"
# The Babel/CLDR locale behind each language: grouping, month and quarter names.
BABEL_LOCALES: Mapping[str, str] = MappingProxyType({"zh": "zh_Hans_CN", "en": "en"})
# Each language named in itself for the language switcher. Endonyms are deliberately not in the
# catalogue: "English" must read "English" on a Chinese page too.
LANG_NAMES: Mapping[str, str] = MappingProxyType({"zh": "中文", "en": "English"})

_LOCALES_DIR = Path(__file__).resolve().parent / "locales"
# CLDR's plural categories in the order gettext numbers the forms (babel.plural.to_gettext's order):
# a language's msgstr[i] are its categories in this order, "other" always last.
_CATEGORY_ORDER = ("zero", "one", "two", "few", "many", "other")

# Process-wide records of mistakes (not per-user data): keys asked for but absent, and keys whose
# text could not be formatted with the arguments given. Sets because a page rerun repeats them.
_missing: set[str] = set()
_format_failures: set[str] = set()


def is_missing(value: object) -> bool:
    """True for None, NaN, NaT and pandas' NA: values that display as "—"."""
    if value is None:
        return True
    try:
        return bool(value != value)  # only NaN-like values differ from themselves
    except TypeError:  # pd.NA compares to NA, which refuses bool()
        return True


def normalize_lang(value: object) -> str:
    """Return "zh" or "en" for a language tag such as "en", "EN", "en-US" or "zh_CN"; anything else is "zh"."""
    if isinstance(value, str):
        primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
        if primary in LANGS:
            return primary
    return DEFAULT_LANG


def po_path(lang: str) -> Path:
    """Path of the ``.po`` catalogue for a language."""
    return _LOCALES_DIR / normalize_lang(lang) / "LC_MESSAGES" / "messages.po"


class _Catalogue(NamedTuple):
    messages: Mapping[str, str]  # key -> text
    plurals: Mapping[str, tuple[str, ...]]  # key -> one text per plural form, in gettext's order
    rule: PluralRule  # the language's CLDR plural rule, from Babel: number -> category
    categories: tuple[str, ...]  # the category of each form: ("one", "other") in English


@functools.cache
def _read(lang: str) -> _Catalogue:
    """The ``.po`` of a language read once per process. Fuzzy entries, and entries with an empty
    form, are left out, as gettext would, so they show up as missing."""
    with po_path(lang).open("rb") as fh:
        cat = read_po(fh, locale=BABEL_LOCALES[lang], domain="messages")
    messages, plurals = {}, {}
    for msg in cat:
        if not msg.id or msg.fuzzy:  # the header has an empty id
            continue
        if isinstance(msg.id, str) and isinstance(msg.string, str) and msg.string:
            messages[msg.id] = msg.string
        elif isinstance(msg.id, tuple) and isinstance(msg.string, tuple) and msg.string and all(msg.string):
            plurals[msg.id[0]] = tuple(msg.string)
    rule = Locale.parse(BABEL_LOCALES[lang]).plural_form
    categories = tuple(c for c in _CATEGORY_ORDER if c in rule.tags or c == "other")
    return _Catalogue(MappingProxyType(messages), MappingProxyType(plurals), rule, categories)


def catalogue(lang: str) -> Mapping[str, str]:
    """All ordinary translated messages of a language, key -> text (plural entries: ``plurals``)."""
    return _read(normalize_lang(lang)).messages


def plurals(lang: str) -> Mapping[str, tuple[str, ...]]:
    """All plural entries of a language, key -> its forms in gettext's order (English: the form for
    one, then the form for other numbers; Chinese: the one form)."""
    return _read(normalize_lang(lang)).plurals


def t(key: str, lang: str, /, **kwargs: object) -> str:
    """Text for ``key`` in ``lang``, formatted with ``str.format(**kwargs)`` when arguments are given.

    An unknown key returns the key itself and is recorded (see ``missing_keys``); a text whose
    placeholders do not match the arguments is returned unformatted and recorded. Never raises.
    """
    lang = normalize_lang(lang)
    text = catalogue(lang).get(key) if isinstance(key, str) else None
    if text is None:
        return _missing_key(key, lang)
    if not kwargs:
        return text
    return _format(text, key, lang, kwargs)


def tn(key: str, n: float | Decimal, lang: str, /, **kwargs: object) -> str:
    """The plural entry ``key`` in ``lang``, in the form for the number ``n``, formatted like ``t``.

    The form follows Babel's CLDR plural rule of the language: English "one" for exactly 1 (not 0,
    not 21, not 1.5), "other" for the rest; Chinese has one form. ``{n}`` shows ``n`` through
    ``format_number`` unless the caller passes its own display text, e.g. ``n=metrics.fmt(...)``:
    the number picks the form, the keyword is what the reader sees, so pass the number as displayed
    (rounded). An unknown key returns the key and is recorded, as ``t`` does. A missing ``n`` (None,
    NaN) takes the last form ("other") and shows "—", as ``label`` does; any other ``n`` that is no
    number takes the last form too and is recorded as a format failure. Never raises.
    """
    lang = normalize_lang(lang)
    forms = plurals(lang).get(key) if isinstance(key, str) else None
    if forms is None:
        return _missing_key(key, lang)
    count = _count(n)
    if count is None and not is_missing(n):
        _format_failed(key, lang, f"n={n!r} is not a number")
    cat = _read(lang)
    text = forms[-1] if count is None else forms[min(cat.categories.index(cat.rule(count)), len(forms) - 1)]
    if "n" not in kwargs:
        from .numbers import format_number  # here, not at the top: numbers imports this module

        digits = max(0, -int(count.as_tuple().exponent)) if isinstance(count, Decimal) else 0
        kwargs = {"n": n if count is None and not is_missing(n) else format_number(count, lang, digits=digits), **kwargs}
    return _format(text, key, lang, kwargs)


def _count(n: object) -> int | Decimal | None:
    """``n`` as Babel's plural rule takes it: an int for a whole number (numpy's and 2.0 too), a
    Decimal of its shortest text otherwise (1.5 -> "other"); None for a missing value or no number."""
    if isinstance(n, (bool, str, bytes)) or is_missing(n):  # the number, not its text
        return None
    try:
        value = Decimal(n) if isinstance(n, int) else Decimal(str(n))
    except (ArithmeticError, ValueError, TypeError):
        return None
    if not value.is_finite():
        return None
    return int(value) if value == value.to_integral_value() else value.normalize()


def _missing_key(key: object, lang: str) -> str:
    key = str(key)
    if key not in _missing:
        hint = " (a plural entry: use tn)" if key in plurals(lang) else " (not a plural entry: use t)" if key in catalogue(lang) else ""
        log.warning("i18n: no %s text for key %r%s", lang, key, hint)
        _missing.add(key)
    return key


def _format(text: str, key: str, lang: str, kwargs: Mapping[str, object]) -> str:
    try:
        return text.format(**kwargs)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
        _format_failed(key, lang, repr(exc))
        return text


def _format_failed(key: str, lang: str, why: str) -> None:
    if key not in _format_failures:
        log.warning("i18n: cannot format %s text for %r: %s", lang, key, why)
        _format_failures.add(key)


def t_md(key: str, lang: str, /, **kwargs: object) -> str:
    """``t`` for a place that renders Markdown (st.markdown, st.caption, st.error, labels, help...):
    the catalogue's text as written (ours: it may use Markdown), every argument escaped by
    ``data_access.untrusted.md`` so that a name, a cell or a URL value shows as typed.

    Pass raw values: an argument escaped already would show its backslashes.
    """
    return t(key, lang, **{k: md(v) for k, v in kwargs.items()})


def label(group: str, code: object, lang: str) -> str:
    """Label of a code-list value, e.g. ``label("stage", "lead", "zh")`` -> "线索".

    A missing code (None or NaN, e.g. a partner without a sector) reads "—" and is not recorded.
    """
    if is_missing(code):
        return "—"
    return t(f"{group}.{code}", lang)


def in_sentence(text: str, lang: str) -> str:
    """A label placed inside an English sentence, its first letter lower-cased: "Days from lead to
    enrolled", "…; cohort refund rate 3.1%". A label that starts with an acronym ("YoY", "AI") and
    Chinese text are returned as they are."""
    if normalize_lang(lang) != "en" or not text:
        return text
    first = text.split(" ", 1)[0]
    if any(ch.isupper() for ch in first[1:]):
        return text
    return text[0].lower() + text[1:]


def missing_keys() -> frozenset[str]:
    """Keys looked up since start (or the last ``clear_records``) that no catalogue had."""
    return frozenset(_missing)


def format_failures() -> frozenset[str]:
    """Keys whose text could not be formatted with the arguments passed to ``t`` or ``tn``."""
    return frozenset(_format_failures)


def clear_records() -> None:
    """Forget recorded missing keys and format failures (for tests)."""
    _missing.clear()
    _format_failures.clear()
