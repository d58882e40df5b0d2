"""A typed question → a :class:`Parse`: metrics, places, period, comparison, breakdown, ranking and
slices, over the cockpit's own vocabulary (components/ask/vocab.py). Deterministic and offline:
fixed phrases by pattern, the rest segmented by jieba with a user dictionary of the vocabulary,
homophone typos by pinyin, misspellings by difflib. docs/ASK.md describes the rules.

Pure: no database, no streamlit.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from components import metrics as registry
from components.ask.vocab import SILENT, TOKENIZER_LOCK, WEAK_RANK, Entry, Vocabulary, fuzzy_pinyin, normalise_term, tokenizer
from data_access.untrusted import INVISIBLE

MAX_CHARS = 200  # a longer text is not a question (and is not read further)
SLICE_FIELDS = {"channel": "channels", "tier": "tiers", "programme": "programmes", "project_kind": "project_kinds", "end": "ends"}
MEMBER_KIND = {
    "province": "province",
    "region": "region",
    "city": "place",
    "channel": "channel",
    "tier": "tier",
    "programme": "programme",
    "project_kind": "project_kind",
    "sector": "sector",
    "end": "end",
    "partner": "partner",
    "project": "project",
}
# Dimension words that ask for a breakdown only next to 哪 / 各 / which / each (项目 alone is the
# subject of "汉口学院的项目付了多少", not "by project").
WEAK_DIMENSIONS = frozenset({"partner", "project"})


@dataclass(frozen=True)
class Parse:
    """What a question asked, in the cockpit's terms (docs/ASK.md, "The parse, field by field")."""

    text: str
    metrics: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    period: str = ""  # "" default · 2026 · 2026Q3 · 2026-10 · 2026-08~2026-10
    compare: str = ""  # "" default · yoy · prev
    breakdown: str = ""
    rank: str = ""  # "" · top · bottom
    rank_n: int = 0
    rank_by: str = "value"  # value · growth
    slices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (Filters field, codes)
    sectors: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()  # partner ids
    projects: tuple[str, ...] = ()  # project ids
    overview: bool = False  # no metric named: the headline figures
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (word, candidate place codes)
    unknown: tuple[str, ...] = ()
    corrected: tuple[tuple[str, str], ...] = ()  # (typed, read as)
    target: bool = False  # 目标 / 完成率 / on track: the answer says where the target stands
    share: bool = False  # 占比 / share: the slice's or province's part of the whole
    refused: str = ""  # "too_long" · "empty": not read at all
    length: int = 0  # characters typed (a refused question keeps only its first MAX_CHARS)

    @property
    def understood(self) -> bool:
        """Something to answer: a metric, or a place, period, slice or name to give the headline of."""
        if self.refused:
            return False
        return bool(self.metrics or self.overview)

    @property
    def slice_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.slices)

    def as_dict(self) -> dict:
        """The parse as stored with the question (JSON)."""
        d = asdict(self)
        d["slices"] = {k: list(v) for k, v in self.slices}
        d["ambiguous"] = {w: list(c) for w, c in self.ambiguous}
        d["corrected"] = [list(x) for x in self.corrected]
        return d

    # --- chips: one per understood item; removing one asks the question without it ----------------
    def chips(self) -> list[tuple[str, str]]:
        """(chip id, kind) of every understood item, in reading order."""
        out = [(f"metric:{m}", "metric") for m in self.metrics]
        out += [(f"province:{p}", "province") for p in self.provinces]
        out += [(f"region:{r}", "region") for r in self.regions]
        out += [(f"city:{c}", "city") for c in self.cities]
        out += [(f"slice:{f}:{c}", f) for f, cs in self.slices for c in cs]
        out += [(f"sector:{s}", "sector") for s in self.sectors]
        out += [(f"partner:{p}", "partner") for p in self.partners]
        out += [(f"project:{p}", "project") for p in self.projects]
        if self.period:
            out.append((f"period:{self.period}", "period"))
        if self.compare:
            out.append((f"compare:{self.compare}", "compare"))
        if self.breakdown:
            out.append((f"breakdown:{self.breakdown}", "breakdown"))
        if self.rank:
            out.append((f"rank:{self.rank}:{self.rank_n}:{self.rank_by}", "rank"))
        return out

    def without(self, chip: str) -> Parse:
        """The parse with one chip removed."""
        kind, _, rest = chip.partition(":")
        if kind == "metric":
            metrics = tuple(m for m in self.metrics if m != rest)
            return replace(self, metrics=metrics, overview=self.overview or not metrics)
        if kind in ("province", "region", "sector", "partner", "project"):
            attr = {"province": "provinces", "region": "regions", "sector": "sectors", "partner": "partners", "project": "projects"}[kind]
            kept: Any = tuple(x for x in getattr(self, attr) if x != rest)
            return replace(self, **{attr: kept})
        if kind == "city":
            return replace(self, cities=tuple(c for c in self.cities if c != rest))
        if kind == "slice":
            fld, _, code = rest.partition(":")
            slices = tuple((f, tuple(c for c in cs if not (f == fld and c == code))) for f, cs in self.slices)
            return replace(self, slices=tuple((f, cs) for f, cs in slices if cs))
        if kind == "period":
            return replace(self, period="")
        if kind == "compare":
            return replace(self, compare="")
        if kind == "breakdown":
            return replace(self, breakdown="", rank="", rank_n=0, rank_by="value")
        if kind == "rank":
            return replace(self, rank="", rank_n=0, rank_by="value")
        return self


# --- normalising ------------------------------------------------------------------------------------
def normalise(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation to half-width), lower case, invisible and
    control characters dropped, whitespace runs to one space."""
    text = unicodedata.normalize("NFKC", str(text))
    text = INVISIBLE.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip().lower()


# --- fixed phrases: periods, comparisons, rankings ----------------------------------------------------
_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}
_EN_NUM = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_NUM = r"(\d{1,2}|十[一二]?|[一二两三四五六七八九])"
_EN_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": 0}


def _num(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text in _CN:
        return _CN[text]
    return _EN_NUM.get(text, 0)


# An ASCII word boundary: "\\b" would see none between 湖北 and Q3 (both are word characters).
_WB = r"(?:(?<![a-z0-9])(?=[a-z0-9])|(?<=[a-z0-9])(?![a-z0-9]))"


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace(r"\b", _WB))


_COMPARE = [
    (
        # 去年比前年 / last year vs the year before: the year before the one asked about
        _re(
            r"(?:比|较|跟|和|与|相比|对比|比起)\s*前年"
            r"|\b(?:vs\.?|versus|compared (?:to|with)|than|against|over)\s+(?:the\s+)?(?:year before|previous year|prior year)\b"
        ),
        "yoy",
    ),
    (
        # 二季度比一季度 / Q2 vs Q1 / 10月比9月: the period before the one asked about
        _re(
            r"(?:比|较|跟|和|与|相比|对比|比起)\s*(?:第?[一二三四1-4]\s*季度|" + _NUM + r"\s*月(?!份?内))"
            r"|\b(?:vs\.?|versus|compared (?:to|with)|than|against|over)\s+(?:q[1-4]|(?:first|second|third|fourth) quarter)\b"
        ),
        "prev",
    ),
    (
        _re(
            r"同比|去年同期|(?:比|较|跟|和|与|同|相比|对比|比起|vs\.?|versus)\s*(?:去年|上年|上一年)(?:同期)?(?:比|相比|比较)?"
            r"|year[- ]on[- ]year|year[- ]over[- ]year|\byoy\b"
            r"|(?:vs\.?|versus|compared (?:to|with)|than|against|over)\s+(?:the\s+)?(?:same (?:period|time) )?last year(?:'s)?"
        ),
        "yoy",
    ),
    (
        _re(
            r"环比|(?:比|较|跟|和|与|相比|对比|比起|vs\.?|versus)\s*(?:上个?|上一个?|前一个?)\s*(?:季度|月|期|季)(?:比|相比)?|上一?期"
            r"|\b(?:previous|prior|preceding|last) period\b"
            r"|quarter[- ]on[- ]quarter|month[- ]on[- ]month|\bqoq\b|\bmom\b"
            r"|(?:vs\.?|versus|compared (?:to|with)|than|against|over)\s+(?:the\s+)?"
            r"(?:last|previous|prior|preceding) (?:quarter|month|period)"
        ),
        "prev",
    ),
]
_YEAR_REL = _re(
    r"今年以来|年初至今|年初以来|今年度|今年|本年度|本年|当年|去年|上一年|上年|前年|明年"
    r"|\bytd\b|year[- ]to[- ]date|so far this year|this year|last year|the year before last|year before last|next year"
)
_YEAR_ABS = _re(r"(?<![\d.])(20\d\d)\s*(?:年度?)?(?!\d)|(?<![\d.])(\d\d)\s*年(?!\d)|\bfy\s*(20\d\d|\d\d)\b")
_QUARTER = _re(
    r"(?:第)?([一二三四1-4])\s*季度?(?!\d)|\bq\s*([1-4])\b|(?<=\d)q([1-4])\b"
    r"|\b(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\b"
)
_QUARTER_REL = _re(
    r"本季度|这个?季度|当季度?|本季|上个?季度|上一个?季度|上季|this quarter|current quarter|last quarter|previous quarter|prior quarter"
)
_MONTH = _re(r"(?<![\d近前后个])" + _NUM + r"\s*月份?(?!内)|\b(" + "|".join(sorted(_EN_MONTHS, key=len, reverse=True)) + r")\b")
_MONTH_REL = _re(
    r"本月至今|月初至今|本月|这个?月|当月|上个?月|上一个?月"
    r"|this month|current month|last month|previous month|\bmtd\b|month to date|month-to-date"
)
_HALF = _re(r"上半年|下半年|\bh([12])\b|(first|second) half(?: of the year)?")
_ROLLING = _re(
    r"(?:近|最近|过去)\s*" + _NUM + r"?\s*(个)?\s*(半年|月|年|季度)"
    r"|\b(?:last|past|previous|recent|trailing)\s+(\d{1,2}|two|three|four|five|six|nine|twelve)\s+(months|quarters)\b"
    r"|\b(?:last|past) (year|twelve months|12 months|half[- ]year|six months)\b(?= *$| *[^a-z])(?<!\blast year)"
)
_FIRST_N = _re(
    r"前\s*" + _NUM + r"\s*(个)?\s*(季度|月)"
    r"|\bfirst\s+(two|three|four|five|six|seven|eight|nine|ten|eleven|\d{1,2})\s+(quarters|months)\b"
)
# 1-9月 / 1月到9月 / 3至5月: months of one year.
_MONTH_SPAN = _re(r"(?<!\d)" + _NUM + r"\s*月?\s*(?:-|~|—|–|到|至)\s*" + _NUM + r"\s*月")
_RANK_N = _re(
    r"(前|top|排名前|排前|头)[\s-]*" + _NUM + r"\s*(名|个|位|家|大|强)?|\btop[\s-]*(\d{1,2}|three|five|ten)\b"
    r"|(后|倒数前?|末|bottom|最后)[\s-]*" + _NUM + r"\s*(名|个|位|家)?|\bbottom[\s-]*(\d{1,2}|three|five|ten)\b|倒数第一|倒数"
)


_CODE = re.compile(r"(?<![a-z0-9])[a-z]\d{2}-\d{4}-\d{4}(?![0-9])")
_COUNT = re.compile(_NUM + r"\s*(?:个|家|所|位)\s*(?=省|城市|市|大区|区域|地区|渠道|合作单位|伙伴|单位|院校|学校|企业|项目|方向|产业)")


@dataclass
class _Found:
    year: int | None = None
    year_rel: bool = False
    period: str = ""
    compare: str = ""
    rank: str = ""
    rank_n: int = 0
    spans: list[tuple[int, int]] = field(default_factory=list)


def _months(start: tuple[int, int], end: tuple[int, int]) -> str:
    (y1, m1), (y2, m2) = start, end
    if (y1, m1) == (y2, m2):
        return f"{y1}-{m1:02d}"
    if m1 == 1 and m2 == 12 and y1 == y2:
        return str(y1)
    if y1 == y2 and m1 % 3 == 1 and m2 == m1 + 2:
        return f"{y1}Q{(m1 + 2) // 3}"
    return f"{y1}-{m1:02d}~{y2}-{m2:02d}"


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    k = year * 12 + month - 1 + by
    return k // 12, k % 12 + 1


def _fixed(text: str, as_of: dt.date) -> _Found:
    """Periods, comparisons and rankings by pattern; their spans are taken out of the text."""
    f = _Found()

    def take(m: re.Match) -> None:
        f.spans.append(m.span())

    # Project codes (P42-2023-0013) hold digits that read as years: kept for the look-up, not read here.
    kept = [m.span() for m in _CODE.finditer(text)]

    def free(m: re.Match) -> bool:
        return not any(a < m.end() and m.start() < b for a, b in [*f.spans, *kept])

    for pattern, rule in _COMPARE:
        for m in pattern.finditer(text):
            if free(m):
                f.compare = f.compare or rule
                take(m)
    # The year named (absolute or relative): the period itself, or the year of a quarter/month/half.
    for m in _YEAR_REL.finditer(text):
        if not free(m):
            continue
        w = m.group(0)
        if w in ("去年", "上一年", "上年", "last year"):
            f.year = as_of.year - 1
        elif w in ("前年", "the year before last", "year before last"):
            f.year = as_of.year - 2
        elif w in ("明年", "next year"):
            f.year = as_of.year + 1
        else:
            f.year = as_of.year
        f.year_rel = True
        take(m)
        break
    for m in _MONTH_SPAN.finditer(text):
        if free(m):
            first, last = _num(m.group(1)), _num(m.group(2))
            if 1 <= first <= last <= 12:
                f.period = "~"
                f._months_span = (first, last)  # type: ignore[attr-defined]
            take(m)
            break
    for m in _FIRST_N.finditer(text):
        if free(m) and not f.period:
            n = _num(m.group(1) or m.group(4))
            months = n * 3 if (m.group(3) or m.group(5)) in ("季度", "quarters") else n
            if 1 <= months <= 12:
                f.period = "~"  # resolved with the year below
                f._months_span = (1, months)  # type: ignore[attr-defined]
            take(m)
            break
    for m in _YEAR_ABS.finditer(text):
        if free(m):
            raw = m.group(1) or m.group(2) or m.group(3)
            year = int(raw) if len(raw) == 4 else 2000 + int(raw)
            if 2000 <= year <= as_of.year + 1:
                f.year = year
                take(m)
                break
    year = f.year if f.year is not None else as_of.year
    q_now = (as_of.month - 1) // 3 + 1
    if f.period == "~":
        first, last = f._months_span  # type: ignore[attr-defined]
        f.period = _months((year, first), (year, last))
    for m in _ROLLING.finditer(text):
        if f.period or not free(m):
            continue
        if m.group(3) is not None:  # 近三个月 / 近半年 / 近一年 / 近两个季度
            unit, n = m.group(3), _num(m.group(1)) if m.group(1) else 1
            months = 6 if unit == "半年" else n * 12 if unit == "年" else n * 3 if unit == "季度" else n
            if m.group(1) is None and unit == "月":  # 这个月
                continue
        elif m.group(4) is not None:
            n = _num(m.group(4))
            months = n * 3 if m.group(5) == "quarters" else n
        else:
            months = 6 if "half" in m.group(6) or "six" in m.group(6) else 12
        if 1 <= months <= 36:
            f.period = _months(_shift(as_of.year, as_of.month, 1 - months), (as_of.year, as_of.month))
            take(m)
    for m in _QUARTER_REL.finditer(text):
        if f.period or not free(m):
            continue
        q_year, q = as_of.year, q_now
        if m.group(0).startswith("上") or m.group(0).split()[0] in ("last", "previous", "prior"):
            q_year, q = (as_of.year, q_now - 1) if q_now > 1 else (as_of.year - 1, 4)
        f.period = f"{q_year}Q{q}"
        take(m)
    for m in _QUARTER.finditer(text):
        if f.period or not free(m):
            continue
        raw = m.group(1) or m.group(2) or m.group(3)
        q = _num(raw) if raw else _ORDINAL[m.group(4)]
        if 1 <= q <= 4:
            f.period = f"{year}Q{q}"
            take(m)
    for m in _HALF.finditer(text):
        if f.period or not free(m):
            continue
        second = m.group(0) == "下半年" or m.group(1) == "2" or m.group(2) == "second"
        f.period = _months((year, 7), (year, 12)) if second else _months((year, 1), (year, 6))
        take(m)
    for m in _MONTH_REL.finditer(text):
        if f.period or not free(m):
            continue
        y, mo = (as_of.year, as_of.month)
        if m.group(0).startswith("上") or m.group(0).split()[0] in ("last", "previous"):
            y, mo = _shift(y, mo, -1)
        f.period = f"{y}-{mo:02d}"
        take(m)
    for m in _MONTH.finditer(text):
        if f.period or not free(m):
            continue
        if m.group(1):
            mo = _num(m.group(1))
        else:
            word = m.group(2)
            if word in ("may", "mar") and not _re(r"\b" + word + r"\b\s*(20\d\d|\d|$|\?|,)").search(text[m.start() :]):
                continue  # "may" the verb, "mar" … only as a month with a year or at the end
            mo = _EN_MONTHS[word]
        if 1 <= mo <= 12:
            f.period = f"{year}-{mo:02d}"
            take(m)
    if not f.period and f.year is not None:
        f.period = str(f.year)
    for m in _RANK_N.finditer(text):
        if not free(m):
            continue
        w = m.group(0)
        if w in ("倒数第一", "倒数"):
            f.rank, f.rank_n = "bottom", 1
        elif m.group(2) or m.group(4):
            f.rank, f.rank_n = "top", _num(m.group(2) or m.group(4))
        else:
            f.rank, f.rank_n = "bottom", _num(m.group(6) or m.group(8))
        if f.rank_n <= 0:
            f.rank, f.rank_n = "", 0
            continue
        take(m)
        break
    if not f.rank_n:
        # 最多的三个省 / 倒数五个城市: a count before a dimension word is how many are asked for.
        for m in _COUNT.finditer(text):
            if free(m):
                f.rank_n = _num(m.group(1))
                take(m)  # read: not a word left over
                break
    return f


# --- segmentation --------------------------------------------------------------------------------
def segment(text: str, v: Vocabulary) -> list[tuple[str, int, int]]:
    """The words of ``text`` (fixed phrases already masked) with their offsets, spaces dropped."""
    tk = tokenizer(v.words())
    with TOKENIZER_LOCK:
        words = list(tk.tokenize(text, HMM=False))
    return [(w, start, end) for w, start, end in words if w.strip() and w != "|" and set(w) != {"|"}]


_PUNCT = re.compile(r"^[\W_]+$")
_HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+")


@dataclass
class _Item:
    text: str
    entries: tuple[Entry, ...]
    pos: int
    corrected: str = ""


def _lookup(text: str, words: list[tuple[str, int, int]], v: Vocabulary) -> tuple[list[_Item], list[tuple[int, str]]]:
    """Greedy longest match of runs of up to eight words in the vocabulary — a run is read as the
    text it spans, so "sign-ups", "1+x 证书" and "中国地质大学(武汉)" are one term; the rest comes
    back with its position (silent words and punctuation included: a homophone may span them)."""
    items: list[_Item] = []
    rest: list[tuple[int, str]] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + 8), i, -1):
            joined = normalise_term(text[words[i][1] : words[j - 1][2]])
            hit = v.terms.get(joined)
            if hit:
                items.append(_Item(joined, hit, i))
                i = j
                break
        else:
            rest.append((i, words[i][0]))
            i += 1
    return items, rest


def _correct(rest: list[tuple[int, str]], v: Vocabulary) -> tuple[list[_Item], list[str]]:
    """Homophone typos (pinyin) and misspellings (difflib) among the words not found; what is left
    and is neither silent nor punctuation is unknown. A homophone counts only when it shares a
    character with the word it stands for (a phone keyboard's wrong candidate) and reads one way."""
    items: list[_Item] = []
    left: list[str] = []
    # Runs of adjacent Chinese words not found, joined: 胡 北 → 胡北, 就 叶 → 就叶.
    runs: list[tuple[int, list[str]]] = []
    for pos, w in rest:
        if runs and _HAN_ONLY.fullmatch(w) and _HAN_ONLY.fullmatch(runs[-1][1][-1]) and runs[-1][0] + len(runs[-1][1]) == pos:
            runs[-1][1].append(w)
        else:
            runs.append((pos, [w]))
    for pos, parts in runs:
        w = "".join(parts)
        if _HAN_ONLY.fullmatch(w):
            remaining = w
            while True:  # the longest homophone first, then again in what is left
                hit = _homophone(remaining, v)
                if hit is None:
                    break
                part, term = hit
                items.append(_Item(part, v.terms[term], pos, corrected=term))
                remaining = remaining.replace(part, " ", 1)
            # What is left, back in the segmenter's words: silent ones (就, 多少) are not unknown.
            for piece in remaining.split():
                words = [x for x in parts if x in piece]
                if "".join(words) == piece:
                    left.extend(x for x in words if x not in SILENT)
                elif piece not in SILENT:
                    left.append(piece)
        elif w in SILENT or _PUNCT.match(w):
            continue
        elif _is_ascii_word(w) and len(w) >= 4 and not w.isdigit():
            best = _spelling(w, v)
            if best is not None:
                items.append(_Item(w, v.terms[best], pos, corrected=best))
            else:
                left.append(w)
        else:
            left.append(w)
    return items, left


def _homophone(run: str, v: Vocabulary) -> tuple[str, str] | None:
    """The longest part of ``run`` (2–6 characters) that sounds like a term of one meaning sharing a
    character with it (心疆 → 新疆, not 新绛县), and that term."""
    for size in range(min(len(run), 6), 1, -1):
        for k in range(0, len(run) - size + 1):
            part = run[k : k + size]
            if " " in part:
                continue
            terms = [term for term in v.pinyin.get(fuzzy_pinyin(part), ()) if set(part) & set(term)]
            if terms and len({frozenset(v.terms[term]) for term in terms}) == 1:
                return part, terms[0]
    return None


def _is_ascii_word(w: str) -> bool:
    return w.isascii() and bool(re.fullmatch(r"[a-z0-9+#&._%'\-]+", w))


_KIND_ORDER = ("province", "region", "metric", "channel", "tier", "programme", "project_kind", "sector", "end", "dimension")


def _spelling(word: str, v: Vocabulary) -> str | None:
    """The one English term ``word`` is a misspelling of (Hubie → hubei), or None: the closest by
    difflib's ratio (≥ 0.8), a tie settled by kind (a province before a county of similar name)."""
    # Never to a county's or a partner's name: their romanisations sit one letter from ordinary
    # words ("base" → Baise, "joint" → Jinta).
    # A dimension word needs a closer spelling: "provide" is not "province", "provices" is.
    close = [
        c
        for c in difflib.get_close_matches(word, v.english, n=8, cutoff=0.8)
        if all(e.kind in _KIND_ORDER for e in v.terms[c]) and (_ratio(word, c) >= 0.82 or all(e.kind != "dimension" for e in v.terms[c]))
    ]
    if not close:
        return None

    def rank(term: str) -> tuple[float, int]:
        kinds = [_KIND_ORDER.index(e.kind) if e.kind in _KIND_ORDER else 99 for e in v.terms[term]]
        return (-round(_ratio(word, term), 6), min(kinds))

    ordered = sorted(close, key=rank)
    if len(ordered) > 1 and rank(ordered[0]) == rank(ordered[1]) and v.terms[ordered[0]] != v.terms[ordered[1]]:
        return None
    return ordered[0]


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


# --- assembly --------------------------------------------------------------------------------------
def parse(text: str, v: Vocabulary, as_of: dt.date) -> Parse:
    """The parse of one question over vocabulary ``v``, periods relative to the data date ``as_of``."""
    raw = str(text or "")
    if len(raw) > MAX_CHARS:
        return Parse(text=raw[:MAX_CHARS], refused="too_long", length=len(raw))
    norm = normalise(raw)
    if not norm:
        return Parse(text="", refused="empty")
    found = _fixed(norm, as_of)
    rest = list(norm)
    for a, b in found.spans:
        rest[a:b] = ["|"] * (b - a)
    masked = "".join(rest)
    words = segment(masked, v)
    items, not_found = _lookup(masked, words, v)
    fixed_items, unknown = _correct(not_found, v)
    items = sorted(items + fixed_items, key=lambda it: it.pos)
    # Clauses: a comma or a question mark ends one (线索进来多少，报名转化怎么样 asks two things).
    clause, clauses = 0, []
    for w, *_ in words:
        clauses.append(clause)
        clause += w in _CLAUSE_ENDS
    return _assemble(raw, items, unknown, found, v, clauses)


# The cohort reading of a stage: 那批线索后来报名的 → cohort_enrolled.
COHORT_OF = {"enrolled": "cohort_enrolled", "certified": "cohort_certified", "employed": "cohort_employed", "refunded": "cohort_refunded"}
# A metric that says more than another one named with it: the other is part of its phrase
# (新签 … 合作单位 asks the new partners; projects at risk are projects).
SUBSUMES = {"new_partners": "partners", "at_risk_projects": "active_projects", "agreements_due_value": "agreements_due"}


RATE_PARTS = {
    "enrol_rate": {"leads", "enrolled", "cohort_leads", "cohort_enrolled"},
    "certify_rate": {"certified", "cohort_certified"},
    "refund_rate": {"refunded"},
    "cohort_refund_rate": {"cohort_refunded"},
}
RATE_OF = {"refunded": "refund_rate", "enrolled": "enrol_rate", "certified": "certify_rate", "cohort_refunded": "cohort_refund_rate"}


def _refine_metrics(
    metric_ids: list[str], *, money: bool, cohort: bool, rate_word: bool = False, clause_of: dict[str, int] | None = None
) -> None:
    """Metrics read together: 到期协议 … 金额 is the value due; 线索 … 那批 … 退费 the cohort's
    refunds; a metric named inside a more specific one's phrase is dropped."""
    if money and "agreements_due" in metric_ids:
        metric_ids[metric_ids.index("agreements_due")] = "agreements_due_value"
    if cohort and "leads" in metric_ids and any(m in COHORT_OF for m in metric_ids):
        metric_ids.remove("leads")
        for i, m in enumerate(metric_ids):
            metric_ids[i] = COHORT_OF.get(m, m)
    # A learner rate with its parts named is the rate (线索到报名的转化 is the enrolment rate); a count
    # followed by "rate" / 率 is its rate (refund rate, refnud rate).
    where = clause_of or {}
    for rate_id, parts in RATE_PARTS.items():
        if rate_id in metric_ids:
            metric_ids[:] = [m for m in metric_ids if m not in parts or where.get(m, 0) != where.get(rate_id, 0)]
    if rate_word:
        for count, rate_id in RATE_OF.items():
            if count in metric_ids and rate_id not in metric_ids:
                metric_ids[metric_ids.index(count)] = rate_id
    for specific, general in SUBSUMES.items():
        if specific in metric_ids and general in metric_ids:
            metric_ids.remove(general)
    deduped = list(dict.fromkeys(metric_ids))
    metric_ids[:] = deduped


def _first(entries: tuple[Entry, ...], kinds: tuple[str, ...]) -> Entry | None:
    return next((e for e in entries if e.kind in kinds), None)


_MEMBER_KINDS = (
    "metric",
    "province",
    "region",
    "place",
    "channel",
    "tier",
    "programme",
    "project_kind",
    "sector",
    "end",
    "partner",
    "project",
)


_CLAUSE_ENDS = frozenset(",，;；?？!！。")


def _assemble(text: str, items: list[_Item], unknown: list[str], found: _Found, v: Vocabulary, clauses: list[int] | None = None) -> Parse:
    metric_ids: list[str] = []
    provinces: list[str] = []
    regions: list[str] = []
    places: list[tuple[str, tuple[str, ...]]] = []  # (word, candidates)
    slices: dict[str, list[str]] = {}
    sectors: list[str] = []
    partners: list[str] = []
    projects: list[str] = []
    dims: list[tuple[int, str]] = []
    which_at: list[int] = []
    each_at: list[int] = []
    ranks: list[tuple[int, str, str, bool]] = []  # (pos, direction, sense, weak)
    growth = decline = overview = ordered = money = cohort = rate_word = target = share = False
    corrected = [(it.text if not it.corrected else it.text, it.corrected) for it in items if it.corrected]

    def add(lst: list[str], x: str) -> None:
        if x not in lst:
            lst.append(x)

    for it in items:
        es = it.entries
        kinds = {e.kind for e in es}
        # One word, several meanings: a member (a province, a metric …) wins over a dimension word, a
        # dimension over a ranking word; several places of one name are ambiguous.
        member = [e for e in es if e.kind in _MEMBER_KINDS]
        if member:
            places_of = [e.code for e in member if e.kind == "place"]
            if len(places_of) == len(member) and len(places_of) > 1:
                places.append((it.text, tuple(places_of)))
                continue
            for e in member:
                if e.kind == "metric":
                    add(metric_ids, e.code)
                elif e.kind == "province":
                    add(provinces, e.code)
                elif e.kind == "region":
                    add(regions, e.code)
                elif e.kind == "place":
                    places.append((it.text, (e.code,)))
                elif e.kind in SLICE_FIELDS:
                    add(slices.setdefault(SLICE_FIELDS[e.kind], []), e.code)
                elif e.kind == "sector":
                    add(sectors, e.code)
                elif e.kind == "partner":
                    add(partners, e.code)
                elif e.kind == "project":
                    add(projects, e.code)
            # A member word may say more (of the leads: a metric and the cohort reading); never a
            # dimension or a ranking as well (线上 is the channel, not "by channel").
            kinds -= {"dimension", "which", "each", "rank"}
        if "dimension" in kinds:
            dims.append((it.pos, _first(es, ("dimension",)).code))  # type: ignore[union-attr]
        if "which" in kinds:
            which_at.append(it.pos)
        if "each" in kinds:
            each_at.append(it.pos)
        if "rank" in kinds:
            direction, sense = _first(es, ("rank",)).code.split(":")  # type: ignore[union-attr]
            ranks.append((it.pos, direction, sense, it.text in WEAK_RANK))
        growth = growth or "growth" in kinds
        decline = decline or "decline" in kinds
        overview = overview or "overview" in kinds
        ordered = ordered or "order" in kinds
        money = money or "money" in kinds
        cohort = cohort or "cohort" in kinds
        rate_word = rate_word or "rate" in kinds
        target = target or "target" in kinds
        share = share or "share" in kinds

    # Places: a name shared by several places is asked about, unless the province named settles it.
    cities: list[str] = []
    ambiguous: list[tuple[str, tuple[str, ...]]] = []
    for word, candidates in places:
        if len(candidates) > 1 and provinces:
            inside = tuple(c for c in candidates if v.place_province.get(c) in provinces)
            candidates = inside if len(inside) == 1 else candidates
        if len(candidates) == 1:
            add(cities, candidates[0])
        else:
            ambiguous.append((word, candidates))

    # Breakdown: a dimension word whose dimension has no member named (or several: compare them).
    named = {
        "province": provinces,
        "region": regions,
        "city": cities,
        "sector": sectors,
        "partner": partners,
        "project": projects,
        **{dim: slices.get(fld, []) for dim, fld in SLICE_FIELDS.items()},
        "month": [],
        "quarter": [],
    }
    clause_of: dict[str, int] = {}
    for it in items:
        for e in it.entries:
            if e.kind == "metric":
                clause_of.setdefault(e.code, clauses[it.pos] if clauses and it.pos < len(clauses) else 0)
    _refine_metrics(metric_ids, money=money, cohort=cohort, rate_word=rate_word, clause_of=clause_of)
    # 合作单位 / partner beside another metric, after 哪家 / 各 / 前五 / which, or under a superlative
    # (拨付最多的合作单位) is the partner dimension, not the partners metric.
    rank_at = [pos for pos, *_ in ranks]
    partner_at = [it.pos for it in items if any(e.kind == "metric" and e.code == "partners" for e in it.entries)]
    if "partners" in metric_ids and len(metric_ids) > 1 and partner_at:
        pos = partner_at[0]
        if found.rank_n or any(0 < pos - m <= 3 for m in which_at + each_at + rank_at) or any(0 < m - pos <= 1 for m in which_at):
            metric_ids.remove("partners")
            dims.append((pos, "partner"))
    # A dimension word asks "by …" when its dimension has no member named (or several), or right
    # after 哪个 / 各 (哪个大区, 各省) — a marker after it belongs to another word (政府项目渠道哪个大区).
    markers = which_at + each_at
    breakdown = ""
    candidates_dim: list[tuple[int, int, str]] = []
    for pos, dim in dims:
        before = any(0 <= pos - m <= 2 for m in markers)  # 0: one word, 哪个项目
        near = before or any(0 < m - pos <= 1 for m in which_at)  # 渠道哪个好: after, weaker
        if dim in WEAK_DIMENSIONS and not (near or found.rank_n or any(0 < pos - m <= 3 for m in rank_at)):
            continue
        if len(named[dim]) == 1 and not near:
            continue
        if dim == "city" and len(named["city"]) == 1:
            continue
        candidates_dim.append((0 if before else 1 if near else 2, pos, dim))
    if candidates_dim:
        breakdown = sorted(candidates_dim)[0][2]
    else:
        for dim in ("province", "region", "city", "channel", "tier", "programme", "project_kind", "sector", "end"):
            if len(named[dim]) >= 2:
                breakdown = dim
                break
    if not metric_ids and any(d == "project" for _, d in dims) and breakdown != "project":
        metric_ids.append("active_projects")  # 产学研基地项目有多少 / how many … projects

    # Ranking: 前5 / top 5, a superlative, or 哪个 / which (one answer).
    rank, rank_n, rank_by = found.rank, found.rank_n, "value"
    strong = [r for r in ranks if not r[3]]
    weak = [r for r in ranks if r[3]] if which_at else []
    chosen = (strong or weak)[:1]
    primary = metric_ids[0] if metric_ids else ""
    inverse = registry.METRICS[primary].inverse if primary in registry.METRICS else False
    if chosen:
        _, direction, sense, _ = chosen[0]
        # 最快 / 最慢 is a growth unless it is said of a rate with no word of growth: 执行最慢 is the
        # lowest execution rate.
        rate = primary in registry.METRICS and registry.METRICS[primary].unit == "percent"
        if sense == "growth" and (growth or decline or not rate):
            rank_by = "growth"
        elif sense == "quality" and inverse:
            direction = "bottom" if direction == "top" else "top"
        if growth or decline:
            rank_by = "growth"
            if decline:
                direction = "bottom" if direction == "top" else "top"
        if not rank:
            rank, rank_n = direction, rank_n or 1
        elif rank_by == "growth" and rank == "top" and decline:
            rank = "bottom"
    elif rank:
        if growth or decline:
            rank_by = "growth"
            if decline:
                rank = "bottom" if rank == "top" else "top"
    elif which_at and breakdown:
        rank, rank_n = "top", 1
        if growth or decline:
            rank_by = "growth"
            rank = "bottom" if decline else "top"
    elif rank_n and breakdown:  # 三个省 with no direction word: the largest
        rank = "top"
    elif ordered and breakdown:  # 各省报名排个名: every one, largest first
        rank, rank_n = "top", 0
    if rank and not breakdown:
        # 最多的省 without a dimension word: ranking needs something to rank; the first plural member wins
        for dim in ("province", "region", "channel"):
            if len(named[dim]) >= 2:
                breakdown = dim
                break
    if rank and not breakdown:
        rank, rank_n, rank_by = "", 0, "value"

    # No metric named: the headline figures of whatever was named (河南怎么样, 去年呢); 怎么样 alone
    # names nothing.
    anything = bool(provinces or regions or cities or slices or sectors or partners or projects or found.period or breakdown)
    overview = not metric_ids and anything and not ambiguous
    return Parse(
        text=text,
        metrics=tuple(metric_ids),
        provinces=tuple(provinces),
        regions=tuple(regions),
        cities=tuple(cities),
        period=found.period,
        compare=found.compare,
        breakdown=breakdown,
        rank=rank,
        rank_n=rank_n,
        rank_by=rank_by,
        slices=tuple((f, tuple(slices[f])) for f in ("channels", "tiers", "programmes", "project_kinds", "ends") if f in slices),
        sectors=tuple(sectors),
        partners=tuple(partners),
        projects=tuple(projects),
        overview=overview,
        target=target,
        share=share,
        ambiguous=tuple(ambiguous),
        unknown=tuple(dict.fromkeys(unknown)),
        corrected=tuple(corrected),
    )


__all__ = ["MAX_CHARS", "Parse", "normalise", "parse", "segment"]
