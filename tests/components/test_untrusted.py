"""Untrusted text stays text (data_access/untrusted.py, docs/SECURITY.md finding 3).

The helpers one by one (clean, md, html, robot, unsafe_name, and t_md in the catalogue), then a
walk over the source of every page and UI component: each text that Streamlit renders as Markdown
(st.markdown, st.caption, st.error …, widget labels, help tooltips) must be a literal, catalogue
text, ``md(...)`` or ``t_md(...)`` — a name from the database can reach the screen no other way.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

from components.i18n import catalogue, plurals, t, t_md
from data_access.untrusted import MARKDOWN, ZERO_WIDTH_SPACE, clean, has_invisible, html, md, robot, unsafe_name

ROOT = Path(__file__).resolve().parents[2]

LINK = "[点此领取](https://evil.example/phish)"
IMAGE = "![x](https://evil.example/pixel.png)"
IMG_TAG = "<img src=https://evil.example/i.png onerror=alert(1)>"
HOSTILE = (
    LINK,
    IMAGE,
    IMG_TAG,
    "<b>bold</b>",
    '=HYPERLINK("https://evil.example")',
    ":red[红]",
    "$x^2$",
    "a\u200bb",
    "\u202eevil",
    "line\nbreak",
    "www.evil.example",
    "a@evil.example",
    "# heading",
    "1. list",
    "> quote",
    "**bold** _it_ ~~s~~ `code`",
    ":material/home:",
    "&amp; &lt;b&gt;",
    "back\\slash",
)
NORMAL = ("1,280 万元", "河南省", "Hankou University (Wuhan)", "45.3%", "+47 (12%)", "A&B 科技", "Xi'an", "3·5 班")


def unescape(text: str) -> str:
    """What the screen shows for md's output: CommonMark resolves backslash escapes of ASCII
    punctuation to the character, and a ZERO WIDTH SPACE is invisible."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text).replace(ZERO_WIDTH_SPACE, "")


# --- clean ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("a\u200bb", "ab"),
        ("\u202eevil", "evil"),
        ("line\nbreak", "linebreak"),
        ("tab\there", "tabhere"),
        ("\ufeffbom", "bom"),
        ("x\u2066y\u2069", "xy"),
        ("e\u0301", "é"),
        (None, ""),
        (12, "12"),
        ("河南省", "河南省"),
    ],
)
def test_clean_drops_control_zero_width_and_bidi_characters(raw, shown):
    assert clean(raw) == shown
    assert not has_invisible(clean(raw))


# --- md ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE + NORMAL)
def test_md_shows_exactly_the_cleaned_characters(value):
    """Every escape md makes is one CommonMark resolves to the character itself: nothing is lost
    and no backslash shows (also for ordinary names)."""
    assert unescape(md(value)) == clean(value)


@pytest.mark.parametrize("value", HOSTILE)
def test_md_leaves_no_markdown_syntax_character_unescaped(value):
    escaped = md(value)
    unescaped = re.sub(r"\\.", "", escaped)
    assert not MARKDOWN.search(unescaped), escaped
    for needle in ("](", "![", ":red[", "https://", "www."):  # (a "\<" or "\$" is text)
        assert needle not in escaped


@pytest.mark.parametrize(
    "value", ["https://evil.example", "see http://x.cn/a", "www.evil.example", "(WWW.x.cn)", ":material/home:", "mailto:x"]
)
def test_md_breaks_what_remark_gfm_links_after_resolving_escapes(value):
    """remark-gfm finds https://, www. and e-mail addresses in the text after escapes are resolved,
    and Streamlit its icon codes: a ZERO WIDTH SPACE sits in each, so none of them forms."""
    shown = re.sub(r"\\(.)", r"\1", md(value))
    assert ZERO_WIDTH_SPACE in shown and shown.replace(ZERO_WIDTH_SPACE, "") == value
    for pattern in (r"(?i)https?://", r"(?i)www\.", r":material/", r"(?i)mailto:x"):
        assert not re.search(pattern, shown)


@pytest.mark.parametrize("value", ["exec@corp.cn", "您好 henan@corp.cn。", "(a@evil.example)"])
def test_md_puts_a_zero_width_space_before_an_e_mail_address_and_keeps_it_whole(value):
    """A GFM e-mail link needs whitespace or punctuation before the address: the space sits there,
    so the address itself still reads (and is found by a search) as typed."""
    shown = re.sub(r"\\(.)", r"\1", md(value))
    address = re.search(r"[\w.+-]+@[\w.-]+\w", value).group(0)
    assert ZERO_WIDTH_SPACE + address in shown


def test_md_leaves_a_dotted_local_part_linkable_from_its_last_segment():
    """Known limit, kept on purpose: "a.b@x.cn" can still become mailto:b@x.cn (GFM may start an
    address after the dot). Breaking the address itself would hide it from text searches (the
    sign-in tests look for e-mails on screen); a mailto: link fetches nothing."""
    assert re.sub(r"\\(.)", r"\1", md("a.b@x.cn")) == ZERO_WIDTH_SPACE + "a.b@x.cn"


@pytest.mark.parametrize("value", ["1,280 万元", "河南省", "湖北省：线索数 2,109，较去年同期 47 个。"])
def test_md_keeps_chinese_names_and_money_unchanged(value):
    assert md(value) == value  # full-width punctuation is not Markdown: nothing to escape


def test_md_escapes_a_backslash_itself():
    assert md("a\\b") == "a\\\\b"
    assert unescape(md("a\\[b")) == "a\\[b"


# --- html ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_html_leaves_no_tag_and_no_quote(value):
    out = html(value)
    assert "<" not in out and ">" not in out and '"' not in out and "'" not in out
    assert not has_invisible(out)


def test_html_uses_numeric_quote_references_that_plotly_decodes():
    # plotly decodes &#NN; and &amp; &lt; &gt;, but shows &quot; as typed
    assert html('Xi\'an "A&B" <b>') == "Xi&#39;an &#34;A&amp;B&#34; &lt;b&gt;"


# --- robot ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE + ("<@userid>", '<font color="warning">x</font>', "https://evil.example"))
def test_robot_text_cannot_form_a_link_image_mention_or_tag(value):
    out = robot(value)
    for needle in ("](", "![", "<", ">", "[", "*", "`", "://", "www.", "$", "@"):
        assert needle not in out, (value, out)
    assert not has_invisible(out)


def test_robot_keeps_ordinary_names_readable():
    assert robot("河南省 · 1,280 万元") == "河南省 · 1,280 万元"
    assert robot("Hankou University (Wuhan): 1,234 leads!") == "Hankou University (Wuhan): 1,234 leads!"


# --- unsafe_name ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, reason",
    [
        (LINK, "markup"),
        (IMAGE, "markup"),
        (IMG_TAG, "markup"),
        ("<b>bold</b>", "markup"),
        ('=HYPERLINK("https://evil.example")', "formula"),
        ("@SUM(A1)", "formula"),
        ("+1", "formula"),
        ("-2+3", "formula"),
        ("a\u200bb", "invisible"),
        ("\u202eevil", "invisible"),
        ("line\nbreak", "invisible"),
        ("www.evil.cn", "markup"),
        ("back\\slash", "markup"),
        ("`code`", "markup"),
    ],
)
def test_unsafe_name_gives_the_reason(value, reason):
    assert unsafe_name(value) == reason


@pytest.mark.parametrize("value", ["北京(中关村)学院", "A&B 科技", "3·5 班", "Hankou University (Wuhan)", "河南省", None])
def test_unsafe_name_lets_ordinary_names_through(value):
    assert unsafe_name(value) is None


# --- the catalogue -------------------------------------------------------------------------------


def test_t_md_escapes_the_arguments_and_keeps_the_template():
    plain = t("brief.map_all", "zh", name=LINK, n="12")
    escaped = t_md("brief.map_all", "zh", name=LINK, n="12")
    assert LINK in plain and LINK not in escaped
    assert unescape(escaped) == plain
    # the template keeps its own Markdown (a code span), only the argument is escaped
    stale = t_md("app.summaries_stale", "en", time="`x`")
    assert "`python -m data_access.refresh`" in stale and "\\`x\\`" in stale


def test_section_texts_hold_no_markdown_of_their_own():
    """section_ui escapes a whole takeaway (md): that equals escaping its names only while the
    catalogue's titles and sentences of sections use no Markdown themselves."""
    from components.sections import SECTIONS

    keys = {k for s in SECTIONS.values() for k in (s.title_key, s.takeaway_key, s.empty_key)}
    keys |= {k for k in (*catalogue("zh"), *plurals("zh")) if k.startswith(("brief.", "sections.")) and "takeaway" in k}
    syntax = re.compile(r"\*\*|__|`|\[|\]\(|!\[|<[a-z/]|:[a-z]+\[|:material/|\$|~~")
    for lang in ("zh", "en"):
        for key in sorted(keys):
            for form in plurals(lang).get(key, (catalogue(lang).get(key, ""),)):  # every form of a plural entry
                text = re.sub(r"\{[a-z_]+\}", "", form)
                assert not syntax.search(text), f"{lang} {key}: {text}"


# --- the walk over the source --------------------------------------------------------------------

# st.<name>(text, ...): the first argument is rendered as Markdown (a body or a widget's label).
MARKDOWN_FIRST = {
    "markdown",
    "caption",
    "error",
    "warning",
    "info",
    "success",
    "write",
    "subheader",
    "header",
    "title",
    "toast",
    "expander",
    "popover",
    "status",
    "spinner",
    "metric",
    "button",
    "download_button",
    "link_button",
    "page_link",
    "form_submit_button",
    "selectbox",
    "multiselect",
    "radio",
    "toggle",
    "checkbox",
    "segmented_control",
    "pills",
    "file_uploader",
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "time_input",
    "slider",
    "select_slider",
    "color_picker",
    "tabs",
}
# Widgets whose options (format_func's text) are Markdown too; selectbox and multiselect options are plain text.
MARKDOWN_OPTIONS = {"radio", "segmented_control", "pills"}
# Keyword arguments rendered as Markdown: tooltips anywhere (column_config too), and the label/text
# keywords of the calls above.
MARKDOWN_KEYWORDS = {"help"}
LABEL_KEYWORDS = {"label", "text", "body"}
NOT_STREAMLIT = {"log", "_log", "logger", "logging", "warnings", "parser", "argparse", "re", "os", "sys", "self", "cls"}
# Method names other objects have too (a file's write, a section's title): a sink only on st itself.
ST_ONLY = {"write", "title", "header", "status", "text"}
# Calls whose result is safe in Markdown: escaped text, catalogue labels, formatted numbers.
SAFE_CALLS = {"md", "t_md", "label", "rule_label", "len", "int", "round", "dropped_text"}  # dropped_text: code spans
SAFE_PREFIXES = ("format_",)


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _root(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _option_text(func: ast.expr) -> ast.expr | None:
    """What a format_func returns, as far as the source says: a lambda's body; ``partial(label, …)``
    and a constant table's ``__getitem__`` (ALL_CAPS) are catalogue text; anything else is unknown."""
    if isinstance(func, ast.Lambda):
        return func.body
    if isinstance(func, ast.Call) and _call_name(func.func) == "partial" and func.args and safe(ast.Call(func.args[0], [], [])):
        return None
    if isinstance(func, ast.Attribute) and func.attr == "__getitem__" and isinstance(func.value, ast.Name) and func.value.id.isupper():
        return None
    return func


def safe(node: ast.expr | None) -> bool:
    """True when ``node`` can only produce text that is safe in Markdown."""
    if node is None or isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(safe(v.value) for v in node.values if isinstance(v, ast.FormattedValue))
    if isinstance(node, ast.IfExp):
        return safe(node.body) and safe(node.orelse)
    if isinstance(node, ast.BinOp):
        return safe(node.left) and safe(node.right)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(safe(e) for e in node.elts)
    if isinstance(node, ast.Call):
        name = _call_name(node.func)
        if name in ("t", "tn"):  # catalogue text: safe when every argument is (tn's count is a number)
            return all(safe(k.value) for k in node.keywords) and all(safe(a) for a in node.args[2 if name == "t" else 3 :])
        return name in SAFE_CALLS or (name or "").startswith(SAFE_PREFIXES)
    return False


def sink_calls(tree: ast.AST):
    """(line, what, node) of every text handed to a Markdown sink."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        branches = [func.body, func.orelse] if isinstance(func, ast.IfExp) else [func]
        names = {_call_name(f) for f in branches}
        is_sink = all(
            isinstance(f, ast.Attribute)
            and f.attr in MARKDOWN_FIRST
            and _root(f) not in NOT_STREAMLIT
            and (f.attr not in ST_ONLY or _root(f) == "st")
            for f in branches
        )
        if is_sink and any(isinstance(k, ast.keyword) and k.arg == "unsafe_allow_html" for k in node.keywords):
            continue  # HTML the app builds itself: its data goes through html() (pages/coverage.py)
        if is_sink and node.args:
            yield node.lineno, f"{'/'.join(sorted(n or '?' for n in names))}()", node.args[0]
        for k in node.keywords:
            if is_sink and k.arg == "format_func" and names & MARKDOWN_OPTIONS:
                yield node.lineno, "format_func=", _option_text(k.value)
            streamlit_call = is_sink or _root(func) == "st"
            if k.arg in MARKDOWN_KEYWORDS and streamlit_call or (is_sink and k.arg in LABEL_KEYWORDS):
                yield node.lineno, f"{k.arg}=", k.value


def checked_files() -> list[Path]:
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    files += sorted(
        p for p in (ROOT / "components").rglob("*.py") if p.relative_to(ROOT / "components").parts[0] not in ("commands", "i18n")
    )
    return files


# Files other people own, with sinks still to route through md()/t_md() (remove an entry when fixed:
# the test then passes and strict xfail turns it red as a reminder).
PENDING: dict[str, str] = {}  # files known to still pass unescaped text (none)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=f"owned by another engineer: {PENDING[rel]}"))
        if (rel := str(p.relative_to(ROOT))) in PENDING
        else p
        for p in checked_files()
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_markdown_sinks_get_only_escaped_or_catalogue_text(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [f"{path.relative_to(ROOT)}:{line} {what} {ast.unparse(node)[:90]}" for line, what, node in sink_calls(tree) if not safe(node)]
    assert not bad, "Markdown sinks given text that is not escaped (wrap in md() or use t_md()):\n" + "\n".join(bad)


def test_the_walk_finds_the_sinks_it_checks():
    """A name interpolated into st.markdown is caught; md() around it passes."""
    bad = ast.parse(
        'st.markdown(f"**{p[name]}** · {md(q)}")\nst.caption(t("k", lang, name=x))\n'
        'col.metric(card.label, v)\nst.column_config.TextColumn("x", help=h)\n'
        '(st.success if ok else st.warning)(verdict)\nst.button(t("k", lang), help=t("k", lang))\n'
    )
    found = [(line, what) for line, what, node in sink_calls(bad) if not safe(node)]
    assert found == [(1, "markdown()"), (2, "caption()"), (3, "metric()"), (4, "help="), (5, "success/warning()")]
    good = ast.parse(
        'st.markdown(f"**{md(p[name])}**")\nst.caption(t_md("k", lang, name=x))\n'
        'st.caption(t("k", lang, name=md(x), n=format_number(n, lang)))\nst.info(t("k", lang))\n'
        'st.caption(tn("k", count, lang, name=md(x)))\n'
    )
    assert [node for _, _, node in sink_calls(good) if not safe(node)] == []


# --- the other sinks: figures, the map's tooltips, files, the pack, digests -------------------------


def _provinces(name_zh: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "province_code": ["410000", "420000", "430000"],
            "name_zh": ["河南省", name_zh, "湖南省"],
            "name_en": ["Henan", "Hubei", "Hunan"],
            "region": ["central"] * 3,
            "lon": [113.6, 114.3, 112.9],
            "lat": [34.8, 30.6, 28.2],
            "partners": [12, 3, 5],
            "schools": [7, 2, 3],
            "enterprises": [3, 1, 1],
            "governments": [2, 0, 1],
            "leads": [800, 1_500, 900],
        }
    )


def test_plotly_labels_of_names_are_html_escaped():
    """Plotly draws <a href>, <b> … in tick labels, bar text and hover: a name enters escaped."""
    from components.charts.coverage import plot_province_bars
    from components.charts.funnel import plot_conversion_by
    from components.charts.investment import plot_money_bars
    from components.charts.overview import plot_movers

    bars = plot_province_bars(_provinces(LINK + IMG_TAG), metric="partners", title="x", lang="zh")
    assert html(LINK + IMG_TAG) in list(bars.data[0].y) and not any("<img" in y for y in bars.data[0].y)
    movers = plot_movers(
        pd.DataFrame({"label": [IMG_TAG, "河南省"], "change": [5, -3], "now": [10, 2], "before": [5, 5]}, index=["420000", "410000"]),
        title="x",
        lang="zh",
    )
    assert html(IMG_TAG) in list(movers.data[0].y)
    assert all("<img" not in h for h in movers.data[0].hovertext)
    money = plot_money_bars(
        pd.DataFrame({"label": [IMG_TAG], "planned_yuan": [1e6], "committed_yuan": [2e6], "disbursed_yuan": [5e5]}), title="x", lang="zh"
    )
    assert list(money.data[0].y) == [html(IMG_TAG)]
    funnel = pd.DataFrame(
        {"province_code": ["420000"] * 4, "stage": ["lead", "enrolled", "certified", "employed"], "learners": [100, 50, 20, 10]}
    )
    conv = plot_conversion_by(funnel, dim="province_code", labels={"420000": IMG_TAG}, title="x", lang="zh")
    assert list(conv.data[0].x) == [html(IMG_TAG)]


def test_map_tooltips_hold_names_html_escaped():
    import json

    from components.charts.maps import coverage_deck

    points = pd.DataFrame(
        {
            "partner_id": [1],
            "name_zh": [IMG_TAG],
            "name_en": ["Wuhan U"],
            "kind": ["university"],
            "since": [None],
            "city_code": ["420100"],
            "city_name_zh": [LINK + "<i>"],
            "city_name_en": ["W"],
            "province_code": ["420000"],
            "tier": ["capital"],
            "lon": [114.3],
            "lat": [30.6],
            "projects": [1],
        }
    )
    from components.charts.maps import TOOLTIP_FIELDS

    deck = json.loads(coverage_deck(_provinces(IMG_TAG), points, metric="partners", lang="zh").to_json())
    rows = [f.get("properties", f) for layer in deck["layers"] if layer["id"] in ("provinces", "partners") for f in layer["data"]]
    shown = " ".join(str(r[k]) for r in rows for k in TOOLTIP_FIELDS if k in r)  # what the tooltip's HTML gets
    assert "<img" not in shown and "<i>" not in shown and html(IMG_TAG) in shown and html(LINK) in shown


def test_csv_and_xlsx_cells_are_cleaned_and_never_formulas():
    import io

    import openpyxl

    from components.export import to_csv_bytes, to_xlsx_bytes

    frame = pd.DataFrame({"名称": ['=HYPERLINK("https://evil.example")', "数字\u200b项目\u202e反向\n换行"], "n": [1, 2]})
    csv_text = to_csv_bytes(frame).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "数字项目反向换行" in csv_text and "\u202e" not in csv_text
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, filters=[("省份", "湖北\u202e省")], data_as_of="", title="t")))
    cells = [c.value for c in book.worksheets[0]["A"][1:]]
    assert cells == ['=HYPERLINK("https://evil.example")', "数字项目反向换行"]
    assert book.worksheets[0]["A2"].data_type == "s"
    assert "湖北省" in [c.value for c in book.worksheets[1]["B"]]


def test_the_pack_draws_names_literally_without_escapes_or_invisible_characters():
    import io

    from pptx import Presentation

    from components.export import PackMeta, Slide, build_pptx

    name = f"{LINK} {IMG_TAG} :red[红] $x^2$ 数字\u200b项目\u202e反向\n换行"
    meta = PackMeta(
        title="汇报", subtitle="驾驶舱", scope_text=f"湖北省{LINK}", period_text="2026", data_as_of="2026-10-31", lang="zh", footer=""
    )
    sections = [
        Slide(title="风险项目", takeaway=f"线索最多的是{name}。", figure=None, table=pd.DataFrame({"项目": [name], "计划": ["1 万元"]}))
    ]
    deck = Presentation(io.BytesIO(build_pptx(meta, sections, charts=[None])))
    runs = [r.text for s in deck.slides for sh in s.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs for r in p.runs]
    runs += [
        c.text
        for s in deck.slides
        for sh in s.shapes
        if getattr(sh, "has_table", False) and sh.has_table
        for row in sh.table.rows
        for c in row.cells
    ]
    text = "\n".join(runs)
    assert f"线索最多的是{clean(name)}。" in text and clean(name) in text and f"湖北省{LINK}" in text
    assert "\\" not in text and not has_invisible(text.replace("\n", ""))


def test_digest_bodies_keep_names_as_text():
    from components.delivery.channels import ROBOT_KINDS, Digest, email_bodies, robot_markdown

    alert = f"湖北省：项目 {LINK} {IMAGE} {IMG_TAG} <@userid> 数字\u200b项目\u202e 拨付超前"
    d = Digest(
        title="每周简报",
        scope_line=f"范围：湖北省{LINK}",
        figures=[("线索数", "2,109")],
        alerts=[alert],
        link="http://localhost:8501/?province=420000",
        figures_heading="主要数字",
        alerts_heading="提醒",
        link_label="打开驾驶舱",
    )
    text, page = email_bodies(d)
    assert clean(alert) in text and "\u202e" not in text
    assert "<img" not in page and "<@" not in page and "\u202e" not in page
    assert re.findall(r'href="([^"]*)"', page) == ["http://localhost:8501/?province=420000"]
    for kind in ROBOT_KINDS:
        body = robot_markdown(d, kind)
        assert re.findall(r"\]\(([^)]*)\)", body) == ["http://localhost:8501/?province=420000"], kind
        assert "<img" not in body and "<@" not in body and "![" not in body and "https://evil" not in body


def test_a_dropped_url_value_shows_literally_in_a_code_span():
    from components.filters import dropped_text

    shown = dropped_text([f"province={LINK}\u202e`x`\nnext"], "zh")
    assert shown == "`province=[点此领取](https://evil.example/phish)ˋxˋ next`"
