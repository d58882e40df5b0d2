"""Untrusted text stays text: one place that decides how a name or value from the database, an
upload or a URL may reach a screen, a file or a message (docs/SECURITY.md, finding 3).

Partner and project names, upload cells, URL values and subscription targets are *data*. Shown
through ``st.markdown`` (and every widget label, caption, ``st.error`` … which are Markdown too), a
``[link](https://evil)`` becomes a link and ``![](https://host/x.png)`` makes the browser fetch from
outside; in a plotly label ``<a href>`` is a link; in a pydeck tooltip or an e-mail body raw HTML
runs; in a robot message Markdown renders; and control, zero-width and bidi-override characters
make a name read as something else everywhere. So every such value goes through one of:

- :func:`clean` — the text without control, zero-width and direction-override characters
  (NFC-normalised). For places that draw text literally: PPTX/PDF text, XLSX/CSV cells, plotly
  labels after :func:`html`, log lines.
- :func:`md` — :func:`clean`, then every Markdown and Streamlit-directive character escaped with a
  backslash, so ``st.markdown``/``st.caption``/``st.error``/labels show exactly the characters (and
  an invisible ZERO WIDTH SPACE inside ``https://``, ``www.`` and ``:material/…`` and before an
  e-mail address: GFM's literal autolinks and Streamlit's icon codes ignore backslashes).
- :func:`html` — :func:`clean`, then HTML-escaped: pydeck tooltips, plotly hover/text (plotly
  renders a subset of HTML and decodes entities), e-mail HTML.
- :func:`robot` — :func:`clean`, then the characters that make links, images, mentions, HTML or
  emphasis in a chat robot's Markdown (WeCom, DingTalk, Feishu lark_md) turned into their
  full-width look-alikes: those dialects do not reliably honour backslash escapes.
- :func:`unsafe_name` — the reason an uploaded name must be refused (a formula prefix, markup,
  Markdown link/image syntax, control characters), or None.

Where each applies in the app: Markdown sinks take ``md(...)``, or ``components.i18n.t_md`` (the
catalogue's text with its arguments escaped); tests/components/test_untrusted.py walks the source
of the pages and UI components and fails on a Markdown sink given anything else. Views keep their
texts plain (a takeaway is drawn as typed in the pack) and are escaped where they are shown.

Standard library only: data_access and the pure components both use it (tests/components/test_imports.py).
"""

from __future__ import annotations

import html as _html
import re
import unicodedata

# C0/C1 controls (tab and line breaks included: a name is one line), the line/paragraph separators,
# zero-width characters and the byte-order mark, and every bidi embedding/override/isolate mark.
INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\ufff9-\ufffb]")
# Markdown (CommonMark + GFM) and Streamlit's own syntax (:red[..], :material/..:, $math$).
# CommonMark lets any ASCII punctuation be escaped, so the backslashes never show.
MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=&\"'@])")
FORMULA_START = ("=", "+", "-", "@")


def clean(value: object) -> str:
    """``value`` as one line of plain text: NFC, without control, zero-width or bidi characters."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return INVISIBLE.sub("", text)


# GFM's literal autolinks (https://…, www.…, a@b.cn) and Streamlit's icons (:material/home:) are
# found in the text *after* escapes are resolved (remark-gfm as Streamlit 1.67 uses it): a backslash
# cannot stop them. An invisible ZERO WIDTH SPACE does (seen in Chromium): inside ":/" and
# ":material", after "www" before its dot, and just before an e-mail address (a link needs
# whitespace or punctuation there; the address itself stays whole, so a search finds it).
# Everything else keeps its characters ("Scope: Henan", "18:20"). Playwright's text matching and
# copy-paste ignore or keep it harmlessly; ``clean`` removes it from what goes to files.
ZERO_WIDTH_SPACE = "\u200b"
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=[a-z/])|(?<=\bwww)(?=\.)|(?<![\w.+-])(?=[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


def md(value: object) -> str:
    """``value`` for any Streamlit text that renders Markdown: every syntax character escaped, and
    a ZERO WIDTH SPACE where a link or an icon would otherwise form by itself."""
    return MARKDOWN.sub(r"\\\1", _AUTOLINK.sub(ZERO_WIDTH_SPACE, clean(value)))


def html(value: object) -> str:
    """``value`` for HTML (pydeck tooltips, plotly text and hover labels, e-mail HTML).

    Quotes become numeric references (``&#34;``, ``&#39;``): plotly decodes those but shows
    ``&quot;`` as typed, and in an attribute value either kind is safe."""
    return _html.escape(clean(value), quote=False).replace('"', "&#34;").replace("'", "&#39;")


# Chat robots' Markdown (WeCom ``markdown``, DingTalk, Feishu ``lark_md``) is not CommonMark and a
# backslash may show as typed: the syntax characters become full-width look-alikes instead, and
# "://" and "www." lose their colon and dot, so no link, image, mention (<@id>), <font> tag or
# emphasis can form.
# Parentheses and "!" stay: without "[" and "]" they cannot make a link or an image.
_ROBOT = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "<": "‹",
        ">": "›",
        "*": "＊",
        "_": "＿",
        "`": "ˋ",
        "#": "＃",
        "|": "｜",
        "~": "～",
        "$": "＄",
        "\\": "＼",
        "@": "＠",
    }
)

_WWW = re.compile(r"(?i)\bwww\.")


def robot(value: object) -> str:
    """``value`` for a chat robot's Markdown: nothing in it can become a link, image, mention or markup."""
    text = clean(value).translate(_ROBOT)
    return _WWW.sub(lambda m: m.group(0)[:-1] + "．", re.sub(r":(?=//)", "：", text))


def has_invisible(value: object) -> bool:
    """True when ``value`` holds a control, zero-width or bidi character."""
    return value is not None and bool(INVISIBLE.search(str(value)))


_LINKISH = re.compile(r"\]\s*\(|!\[|\[[^\]]*\]\s*\[|https?://|www\.|<|>|`|\{|\}|\\", re.IGNORECASE)


def unsafe_name(value: object) -> str | None:
    """Why an uploaded name may not be stored, or None when it is an ordinary name.

    Reasons (message keys of the upkeep problems): ``formula`` — starts with = + - @ (a spreadsheet
    would run it); ``markup`` — HTML brackets, Markdown link/image syntax, a backtick, braces, a
    backslash or a URL; ``invisible`` — control, zero-width or direction-override characters.
    Ordinary punctuation of real names stays allowed: 北京(中关村)学院, A&B 科技, 3·5 班.
    """
    if value is None:
        return None
    text = str(value)
    if has_invisible(text):
        return "invisible"
    if text.lstrip().startswith(FORMULA_START):
        return "formula"
    if _LINKISH.search(text):
        return "markup"
    return None
