"""Plural forms (issue 23, point 9): every message that counts a noun is a gettext plural entry,
worded by ``tn`` with Babel's plural rule, so English never reads "1 milestones overdue" or
"milestone(s)" and Chinese keeps its one form.

The messages are found in the catalogues themselves, by their placeholders: a text with a count
placeholder (COUNTS) is a plural entry, or it is on NOT_COUNTING with the reason why its count
does not stand before a noun. The code side is checked too: ``tn`` only with plural entries,
``t``/``t_md`` never with one.
"""

from __future__ import annotations

import ast
import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from components import i18n
from components.i18n import BABEL_LOCALES, catalogue, format_failures, missing_keys, plurals, t, tn

ROOT = Path(i18n.__file__).resolve().parents[2]

# Placeholders that hold a number of things. Left out on purpose: percentages and rates (pct, share,
# rate, fast, reached, a/b of the tier shares), years, ordinals and row numbers (year, first, last,
# row, id), amounts with a unit symbol that reads the same for one and many (seconds "s", mb "MB",
# ratio "×"), ranges ("{bucket} days" is "0-30 days"), the ratio v (partners per 10,000 leads) and
# the single letters g/b/s, which are counts in a tooltip but shares elsewhere (tier_shares).
COUNTS = frozenset(
    {
        "n", "count", "total", "covered", "risk", "none", "idle", "months", "days", "years", "leads",
        "partners", "enrolled", "rows", "parts", "shown", "max", "inserted", "changed", "ended",
        "unchanged", "projects", "base", "peak",
    }
)  # fmt: skip

# Messages with a count placeholder that are rightly not plural entries, and why.
_LABEL_AND_VALUE = "the count is a value after a label or in brackets, not before a noun"
_COUNT_AS_SUBJECT = "the count stands alone ('3 with overdue milestones', 'none in 2 of the 34'): one and many read alike"
_UPLOAD_LIMITS = (
    "an upload rule of data_access: a fixed limit (MAX_ROWS, MAX_PARTS, MAX_NAME, MAX_TERM_YEARS) or a count above one, "
    "handed over as text ('20000+'), never one and no number to pick a form by; or a unit symbol ('{max} MB')"
)
NOT_COUNTING: dict[str, str] = {
    "map.tooltip.partners": _LABEL_AND_VALUE,  # Partners: {total} (G {g} · …)
    "map.tooltip.partners_n": _LABEL_AND_VALUE,
    "map.tooltip.leads": _LABEL_AND_VALUE,
    "map.tooltip.since_projects": _LABEL_AND_VALUE,  # … · projects: {projects}
    "filter.all_provinces": _LABEL_AND_VALUE,  # All provinces ({n})
    "ask.breakdown": _LABEL_AND_VALUE,  # … leads by channel (5, highest first): …
    "ask.breakdown_low": _LABEL_AND_VALUE,
    "ask.rank_one.top.value": _LABEL_AND_VALUE,  # … is Henan 344 (of 34)
    "ask.rank_one.bottom.value": _LABEL_AND_VALUE,
    "ask.rank_one.top.growth": _LABEL_AND_VALUE,
    "ask.rank_one.bottom.growth": _LABEL_AND_VALUE,
    "ask.chip.rank_n.top": _LABEL_AND_VALUE,  # top 5
    "ask.chip.rank_n.bottom": _LABEL_AND_VALUE,
    "filter.apply": _LABEL_AND_VALUE,  # Apply ({n} changed)
    "funnels.refund_line": _LABEL_AND_VALUE,  # {refunded_label}: {n}; …
    "brief.kpis_takeaway": _LABEL_AND_VALUE,  # Partners: {partners} (…); new leads: {leads}, …
    "brief.kpis_takeaway_no_target": _LABEL_AND_VALUE,
    "brief.kpis_takeaway_no_leads": _LABEL_AND_VALUE,
    "brief.kpis_takeaway_no_partners": _LABEL_AND_VALUE,
    "brief.map_single": _LABEL_AND_VALUE,  # Partners in {name}: {n}.
    "brief.map_all": _LABEL_AND_VALUE,  # … most in {name} ({n}).
    "brief.per_lead_takeaway": _LABEL_AND_VALUE,  # {name} has many leads ({leads}) …
    "brief.per_lead_none": _LABEL_AND_VALUE,
    "brief.per_lead_single_none": _LABEL_AND_VALUE,
    "brief.funnel_no_enrolled": _LABEL_AND_VALUE,  # Leads this period: {leads}; …
    "coverage.city_map_single": _LABEL_AND_VALUE,
    "export.rows": _LABEL_AND_VALUE,  # Rows {first}–{last} of {total}
    "sections.gaps_list_takeaway_one": _LABEL_AND_VALUE,  # Only {name}, {province} has leads … ({leads}).
    "sections.compare_takeaway": _LABEL_AND_VALUE,  # … period's leads {leads}; …
    "sections.trend_takeaway": _LABEL_AND_VALUE,  # … the busiest month was {peak_month} ({peak}) …
    "upkeep.summary_plan": _LABEL_AND_VALUE,  # {inserted} new · {changed} changed · …
    "upkeep.applied": _LABEL_AND_VALUE,
    "upkeep.error.has_problems": _LABEL_AND_VALUE,  # The file has problems ({count}) …
    "alerts.conversion": _LABEL_AND_VALUE,  # … ({reached} of {base})
    "brief.risk_ahead": _COUNT_AS_SUBJECT,  # {n} spending ahead of plan
    "brief.risk_overdue": _COUNT_AS_SUBJECT,  # {n} with overdue milestones
    "alerts.agreement.enrolled": _COUNT_AS_SUBJECT,  # {n} enrolled through this partner …
    "sections.partners_bar_top": _COUNT_AS_SUBJECT,  # … still none in {none} of the {total}.
    "sections.agreements_due_idle": _COUNT_AS_SUBJECT,  # for {idle} of them …
    "upkeep.problem.too_big": _UPLOAD_LIMITS,
    "upkeep.problem.unzipped_too_big": _UPLOAD_LIMITS,
    "upkeep.problem.zip_ratio": _UPLOAD_LIMITS,
    "upkeep.problem.too_many_rows": _UPLOAD_LIMITS,
    "upkeep.problem.too_many_parts": _UPLOAD_LIMITS,
    "upkeep.problem.too_long": _UPLOAD_LIMITS,
    "upkeep.problem.expires_out_of_range": _UPLOAD_LIMITS,
}

# "1 <plural noun>": a 1 (not part of 21 or 1.5), maybe one of the adjectives our messages put
# between count and noun, then a word ending in s that is not a plural.
NOT_PLURAL = frozenset({"has", "is", "was", "process", "status", "class", "analysis"})
ONE_AND_PLURAL = re.compile(r"(?<![\d.,])1 (?:(?:new|more|internal) )?([a-z]+s)\b")


@pytest.fixture(autouse=True)
def _fresh_records():
    i18n.clear_records()
    yield
    i18n.clear_records()


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def _raw(lang: str):
    with i18n.po_path(lang).open("rb") as fh:
        return read_po(fh, locale=BABEL_LOCALES[lang])


def _counting_messages(lang: str) -> dict[str, set[str]]:
    """Ordinary and plural messages with a count placeholder -> those placeholders."""
    found = {k: _placeholders(v) & COUNTS for k, v in catalogue(lang).items()}
    found |= {k: set().union(*map(_placeholders, forms)) & COUNTS for k, forms in plurals(lang).items()}
    return {k: v for k, v in found.items() if v}


def _render(key: str, n: int, shown: str | None = None) -> str:
    """The English form of ``key`` for ``n``, every count shown as ``shown`` (``n``) and every other value as X."""
    fields = set().union(*map(_placeholders, plurals("en")[key]))
    return tn(key, n, "en", **{f: shown or str(n) if f in COUNTS else "X" for f in fields})


# ---- the catalogues -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_message_that_counts_is_a_plural_entry_or_says_why_not(lang):
    not_plural = sorted(k for k in _counting_messages(lang) if k not in plurals(lang) and k not in NOT_COUNTING)
    assert not_plural == [], f"make these plural entries (tn), or add them to NOT_COUNTING with the reason: {not_plural}"


def test_the_allowlist_holds_only_ordinary_messages_that_count():
    counting = _counting_messages("en")
    stale = [k for k in NOT_COUNTING if k not in counting or k in plurals("en")]
    assert stale == [], f"no longer counting, or a plural entry now: take them off NOT_COUNTING: {stale}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plural_forms_header_is_babels_rule_for_the_language(lang):
    cat = _raw(lang)
    assert cat.plural_forms == get_plural(BABEL_LOCALES[lang]).plural_forms
    assert f'"Plural-Forms: {cat.plural_forms}\\n"' in i18n.po_path(lang).read_text(encoding="utf-8")  # stated, not defaulted


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tn_picks_the_form_the_header_names(lang):
    """tn's choice (Babel's CLDR rule) and the gettext expression of the file's Plural-Forms agree."""
    header = gettext.c2py(_raw(lang).plural_expr)
    forms = plurals(lang)["investment.risk_overdue"]
    for n in range(0, 1001):
        assert tn("investment.risk_overdue", n, lang) == forms[header(n)].format(n=f"{n:,}"), n


def test_english_plural_entries_have_two_forms_and_chinese_one():
    raw = {lang: {m.id[0]: m.string for m in _raw(lang) if isinstance(m.id, tuple)} for lang in ("zh", "en")}
    assert set(raw["zh"]) == set(raw["en"]) == set(plurals("en"))
    assert [k for k, forms in raw["en"].items() if len(forms) != 2] == []
    assert [k for k, forms in raw["zh"].items() if len(forms) != 1] == []
    # the msgid_plural is the key itself: a gettext tool sees a complete entry, read_po/write_po round-trip it
    assert [m.id for lang in ("zh", "en") for m in _raw(lang) if isinstance(m.id, tuple) and m.id[0] != m.id[1]] == []
    # the count that picks the form is shown as {n}, at least in the form for other numbers
    assert [k for k, forms in plurals("en").items() if "n" not in _placeholders(forms[-1])] == []
    assert [k for k, forms in plurals("zh").items() if "n" not in _placeholders(forms[0])] == []


@pytest.mark.parametrize("key", sorted(plurals("en")))
def test_the_english_form_for_one_counts_no_plural_noun_and_differs_from_the_others(key):
    one = _render(key, 1)
    plural_nouns = [w for w in ONE_AND_PLURAL.findall(one) if w not in NOT_PLURAL]
    assert plural_nouns == [], one
    assert _render(key, 1, "N") != _render(key, 5, "N"), "the same text for one and five"
    assert _render(key, 2, "N") == _render(key, 5, "N")  # 2 and 5 take the same form
    assert missing_keys() == frozenset() and format_failures() == frozenset()


def test_no_english_message_says_s_in_brackets():
    texts = [*catalogue("en").values(), *(f for forms in plurals("en").values() for f in forms)]
    assert [x for x in texts if "(s)" in x or "(es)" in x] == []


def test_no_one_twin_is_left_that_differs_only_in_english():
    """A "<key>_one" sibling whose Chinese equals the key's is an English number variant: a plural
    entry's form. Kept "_one" keys are other sentences in both languages ("Only X has…")."""
    zh = {**catalogue("zh"), **{k: forms[0] for k, forms in plurals("zh").items()}}
    twins = [k for k in zh if k.endswith("_one") and k[: -len("_one")] in zh and zh[k] == zh[k[: -len("_one")]]]
    assert twins == []


# ---- tn ----------------------------------------------------------------------------------------


def test_tn_follows_babels_rule_in_english():
    assert tn("investment.risk_overdue", 0, "en") == "0 milestones overdue"
    assert tn("investment.risk_overdue", 1, "en") == "1 milestone overdue"
    assert tn("investment.risk_overdue", 2, "en") == "2 milestones overdue"
    assert tn("investment.risk_overdue", 21, "en") == "21 milestones overdue"  # English is not Russian
    assert tn("investment.risk_overdue", 1.5, "en") == "1.5 milestones overdue"  # CLDR: "one" is an integer 1
    assert tn("investment.risk_overdue", 1.0, "en") == "1 milestone overdue"  # a whole float is its integer


def test_tn_uses_the_one_chinese_form_for_every_number():
    (form,) = plurals("zh")["investment.risk_overdue"]
    assert [tn("investment.risk_overdue", n, "zh") for n in (0, 1, 2, 21)] == [form.format(n=n) for n in (0, 1, 2, 21)]


def test_tn_shows_n_grouped_or_as_the_caller_formats_it():
    assert tn("alerts.agreement.days", 12345, "en") == "in 12,345 days"
    assert tn("alerts.agreement.days", 1, "en", n="one") == "in one day"  # the keyword is shown, the number picks
    assert tn("alerts.agreement.days", 1, "zh") == "还有 1 天"


def test_tn_accepts_numpy_and_decimal_counts():
    np = pytest.importorskip("numpy")
    from decimal import Decimal

    assert tn("agreements.months", np.int64(1), "en") == "1 month"
    assert tn("agreements.months", np.float64(12.0), "en") == "12 months"
    assert tn("agreements.months", Decimal("1"), "en") == "1 month"


def test_tn_of_a_missing_count_is_the_other_form_with_a_dash_and_not_recorded():
    assert tn("agreements.months", None, "en") == "— months"
    assert tn("agreements.months", float("nan"), "zh") == "— 个月"
    assert format_failures() == frozenset()


def test_tn_of_a_count_that_is_no_number_does_not_raise_and_is_recorded():
    assert tn("agreements.months", "3", "en") == "3 months"  # type: ignore[arg-type]
    assert format_failures() == {"agreements.months"}


def test_tn_of_an_unknown_or_ordinary_key_returns_the_key_and_is_recorded():
    assert tn("no.such_key", 2, "en") == "no.such_key"
    assert tn("app.title", 2, "en") == "app.title"  # an ordinary entry: t's
    assert missing_keys() == {"no.such_key", "app.title"}


def test_t_of_a_plural_entry_returns_the_key_and_is_recorded():
    assert t("agreements.months", "en", n=3) == "agreements.months"
    assert missing_keys() == {"agreements.months"}


def test_tn_with_a_wrong_placeholder_does_not_raise_and_is_recorded():
    assert tn("sections.agreements_due_empty", 3, "en") == "No agreement expires unrenewed in the next {n} months (by {until})."
    assert format_failures() == {"sections.agreements_due_empty"}


# ---- the code ----------------------------------------------------------------------------------


def _calls() -> list[tuple[str, int, str, str]]:
    """(file, line, function, key) of every t/t_md/tn call whose key is a literal (or a choice of literals)."""
    found = []
    files = [ROOT / "app.py", *(p for d in ("pages", "components", "data_access") for p in (ROOT / d).rglob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in ("t", "t_md", "tn"):
                continue
            first = node.args[0]
            keys = [first] if isinstance(first, ast.Constant) else [first.body, first.orelse] if isinstance(first, ast.IfExp) else []
            for k in keys:
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    found.append((str(path.relative_to(ROOT)), node.lineno, name, k.value))
    return found


def test_tn_is_called_with_plural_entries_and_t_with_ordinary_ones():
    calls = _calls()
    assert len([c for c in calls if c[2] == "tn"]) > 20  # the walk sees the calls
    wrong = [c for c in calls if (c[2] == "tn") != (c[3] in plurals("zh"))]
    assert wrong == []
