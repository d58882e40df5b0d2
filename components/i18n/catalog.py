"""Translation catalogues: dotted keys in, Chinese or English text out.

The catalogues are gettext ``.po`` files under ``locales/<lang>/LC_MESSAGES/messages.po``, read
with Babel at first use and kept in memory (no compile step, no ``.mo`` files). Their msgids are
stable dotted keys ("stage.lead", "app.title"), so renaming English wording never breaks a lookup.

A lookup never raises: a page with a missing string must still render. Missing keys and
placeholder mistakes are recorded instead, so tests can run the pages and then assert that
``missing_keys()`` and ``format_failures()`` are empty.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from babel.messages.pofile import read_po

from data_access.untrusted import md

__all__ = [
    "BABEL_LOCALES",
    "DEFAULT_LANG",
    "LANG_NAMES",
    "LANGS",
    "catalogue",
    "clear_records",
    "format_failures",
    "is_missing",
    "label",
    "missing_keys",
    "normalize_lang",
    "po_path",
    "t",
    "t_md",
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


@functools.cache
def catalogue(lang: str) -> Mapping[str, str]:
    """All translated messages of a language, key -> text, read once per process.

    Fuzzy and empty entries are left out, as gettext would, so they show up as missing.
    """
    lang = normalize_lang(lang)
    with po_path(lang).open("rb") as fh:
        cat = read_po(fh, locale=BABEL_LOCALES[lang], domain="messages")
    messages = {
        msg.id: msg.string
        for msg in cat
        # The header has an empty id; plural entries (tuple ids) are not used by this app.
        if msg.id and isinstance(msg.id, str) and isinstance(msg.string, str) and msg.string and not msg.fuzzy
    }
    return MappingProxyType(messages)


def t(key: str, lang: str, /, **kwargs: object) -> str:
    """Text for ``key`` in ``lang``, formatted with ``str.format(**kwargs)`` when arguments are given.

    An unknown key returns the key itself and is recorded (see ``missing_keys``); a text whose
    placeholders do not match the arguments is returned unformatted and recorded. Never raises.
    """
    lang = normalize_lang(lang)
    text = catalogue(lang).get(key) if isinstance(key, str) else None
    if text is None:
        key = str(key)
        if key not in _missing:
            log.warning("i18n: no %s text for key %r", lang, key)
            _missing.add(key)
        return key
    if not kwargs:
        return text
    try:
        return text.format(**kwargs)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
        if key not in _format_failures:
            log.warning("i18n: cannot format %s text for %r: %r", lang, key, exc)
            _format_failures.add(key)
        return text


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


def missing_keys() -> frozenset[str]:
    """Keys looked up since start (or the last ``clear_records``) that no catalogue had."""
    return frozenset(_missing)


def format_failures() -> frozenset[str]:
    """Keys whose text could not be formatted with the arguments passed to ``t``."""
    return frozenset(_format_failures)


def clear_records() -> None:
    """Forget recorded missing keys and format failures (for tests)."""
    _missing.clear()
    _format_failures.clear()
