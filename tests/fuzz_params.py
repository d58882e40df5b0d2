"""Hostile URL parameter sets for the filter bar (README, "Links and filters"), and the same sets as
``report`` command lines. Deterministic: ``param_sets(seed)`` always returns the same sets.

Each set is a dict name -> list of values over the app's keys (province, region, period, end,
channel, tier, lang) and unknown ones, mixing: unknown / short / long adcodes, valid provinces a
Henan manager may not see, SQL fragments, HTML and script, markdown, unicode (RTL, zero-width,
emoji, NUL and control characters), 2,000-item lists (Streamlit ignores a query string with more
than 1,000 fields: the whole link then falls back to the defaults) and 990-item lists (which the
app parses), 5,000-character strings, bad periods and languages, wrong types (``province[]=``,
empty values, JSON), repeated keys, and byte-level encodings (bad percent escapes, invalid UTF-8).

Every hostile string carries the set's marker ``zqx<NNN>q`` (see ``ParamSet.marker``), so a log can
be grepped for it: any marker in an SQL log means user text reached a statement. Plain adcodes
(``420000``, ``999999``) cannot carry one; they are checked by what the page shows instead.

Used by tests/e2e/test_fuzz_urls.py (a real browser) and tests/components/test_cli_fuzz.py (the
``report`` command). No test in this module: pytest collects only ``test_*.py``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

KEYS = ("province", "region", "period", "end", "channel", "tier", "lang")
PAGES = ("", "coverage", "investment", "funnels", "reports")
MARKER_PREFIX = "zqx"
MARKER_RE = re.compile(r"zqx(\d{3})q")
STREAMLIT_MAX_FIELDS = 1000  # streamlit.runtime.state.query_params.CLIENT_STATE_QUERY_STRING_MAX_FIELDS
MAX_QUERY_CHARS = 48_000  # keeps the request line well under Tornado's 64 KiB header limit

HENAN = "410000"
# Valid provinces that a Henan-only manager may not see (and Taiwan, Hong Kong, Macao: no data).
OUT_OF_SCOPE = ("420000", "430000", "110000", "310000", "440000", "650000", "540000", "710000", "810000", "820000")
REGIONS = ("north", "northeast", "east", "central", "south", "southwest", "northwest")
ENDS = ("G", "B", "S")
CHANNELS = ("campus", "enterprise", "government", "online", "branch")
TIERS = ("capital", "prefecture", "county")
VALID_PERIODS = ("2026", "2025", "2026Q1", "2025Q3")  # inside the seeded data's range (2023 .. 2026-10-31)


def marker(n: int) -> str:
    return f"{MARKER_PREFIX}{n:03d}q"


@dataclass(frozen=True)
class ParamSet:
    """One hostile link: ``params`` (name -> values, as Streamlit parses them), the page it opens,
    and ``raw_query`` when the exact bytes matter (bad percent escapes); else ``query()`` encodes."""

    n: int
    kinds: tuple[str, ...]
    params: dict[str, list[str]]
    page: str
    raw_query: str | None = None
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def marker(self) -> str:
        return marker(self.n)

    def query(self) -> str:
        if self.raw_query is not None:
            return self.raw_query
        return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, vs in self.params.items() for v in vs)

    def fields(self) -> int:
        """How many fields Streamlit counts (it drops the whole query string above 1,000)."""
        q = self.query()
        return q.count("&") + 1 if q else 0

    def ignored_by_streamlit(self) -> bool:
        return self.fields() > STREAMLIT_MAX_FIELDS

    def path(self) -> str:
        q = self.query()
        return f"{self.page}?{q}" if q else self.page

    def label(self) -> str:
        return f"#{self.n:03d} /{self.page} [{'+'.join(self.kinds)}] {len(self.query())} chars"


# --- value pools (``m`` is the set's marker) -----------------------------------------------------


def _unknown_adcodes(m: str) -> list[str]:
    return [
        "999999",
        "000000",
        "410001",
        "419999",
        "100000",
        "990000",
        "123456",
        "410100",
        "4100000",
        "41000",
        "41",
        "4",
        "0410000",
        "410000 ",
        " 410000",
        "4l0000",
        "41OOOO",
        f"{m}410000",
        f"410000{m}",
        f"{m}",
        "-410000",
        "+410000",
        "410000.0",
        "4.1e5",
        "0x64190",
        "４１００００",
        "410000\n",
        "41 00 00",
    ]


def _sql(m: str) -> list[str]:
    return [
        f"{m}' OR 1=1 --",
        f"1; DROP TABLE app_user; --{m}",
        f'{m}") UNION SELECT code, name_zh FROM province --',
        f"410000' OR '1'='1{m}",
        f"{m}'; UPDATE app_user SET role='admin' --",
        f"{m}%' OR code LIKE '%",
        f"{m}\\'; SELECT sqlite_version(); --",
        f"{m}/**/OR/**/1=1",
        f"410000) OR (1=1 {m}",
        f"{m}' UNION SELECT NULL,NULL,NULL--",
        f'{m}" OR ""="',
        f"{m}`; DROP TABLE province; `",
        f":province{m}",
        f"%(province)s{m}",
        f"?{m}",
        f"$1{m}",
        f"{m}' AND SLEEP(5)--",
        f"{m}'||(SELECT group_concat(email) FROM app_user)||'",
        f"410000'--{m}",
        f"{m}\\x27 OR 1=1",
        f"{m}' ORDER BY 1--",
        f"{m}; ATTACH DATABASE '/tmp/x.db' AS x; --",
        f"{m}' /*",
        f"*/ OR 1=1 /*{m}",
    ]


def _html(m: str) -> list[str]:
    return [
        f"<script>alert('{m}')</script>",
        f"<img src=x onerror=alert('{m}')>",
        f"{m}<b>bold</b>",
        f"javascript:alert('{m}')",
        f'{m}"><svg onload=alert(1)>',
        f"[{m}](javascript:alert(1))",
        f"![{m}](http://127.0.0.1:9/x.png)",
        f"**{m}**",
        f":red[{m}]",
        f"$\\frac{{{m}}}{{1}}$",
        f"{m}{{{{7*7}}}}",
        f"{{values}}{m}",
        f"{m}{{0}}%s%d",
        f"<iframe src=//x>{m}",
        f"{m}&amp;&lt;&#x3c;",
        f"```{m}```",
        f"# {m}",
        f"{m}\n---\n# big",
        f"<style>*{{display:none}}</style>{m}",
        f":material/warning: {m}",
        f"{m}<!--",
        f"]]>{m}",
        # short enough to survive the notice's 24-character cut: would they render as markup?
        f"[{m}](//e.vil/a)",
        f"![{m}](//x.test/a)",
        f"<{m}@e.vil>",
        f"https://e.vil/{m}",
    ]


def _unicode(m: str) -> list[str]:
    return [
        f"\u202e{m}000014",
        f"{m}\u200b410000",
        f"河南{m}",
        f"湖北省{m}",
        f"{m}👩‍💻🇨🇳",
        f"{m}\x00410000",
        f"{m}\x01\x02\x7f",
        f"\ufeff{m}",
        f"{m}\u2028\u2029",
        f"４１００００{m}",
        f"{m}e\u0301\u0301\u0301",
        f"{m}𝕳𝖊𝖓𝖆𝖓",
        f"İ{m}ı",
        f"{m}\r\nSet-Cookie: x=1",
        f"{m}\t\v\f",
        f"\u0627\u0644\u0639\u0631\u0628{m}",
        f"{m}\ufffd\ufffe",
        f"{m}\U0010fffd",
        f"{m}" + "\u0300" * 40,
        f"{m}\x1b[31mred",
        f"{m}\\u0000",
        f"{m}%00",
        f"{m}\u00a0410000",
    ]


def _bad_periods(m: str) -> list[str]:
    return [
        "2025Q5",
        "1999",
        "20x6",
        "-1",
        "2025-13",
        "2025Q0",
        "2025q3",
        "Q3",
        "2025Q",
        "2025Q3Q4",
        " 2025",
        "2025 ",
        "２０２５",
        "99999",
        "2025.0",
        "0x7E9",
        "2025Q-1",
        "None",
        "null",
        "NaN",
        "1e3",
        "2100",
        "1900Q1",
        "2027",
        "2026Q4",
        "20250",
        "0",
        "9999Q9",
        f"2025Q3{m}",
        f"{m}2026",
        f"2025Q1' OR 1=1 --{m}",
        "2025-01-01",
        "2025/Q3",
        "2025Q١",
        "２０２５Q３",
        "2025\x00",
    ]


def _bad_langs(m: str) -> list[str]:
    return ["EN", "en-US", "fr", "zh-Hant", "zh\x00", m, "en;", "../en", "ZH", "e", "english", f"en{m}", "zh_CN", "<script>", "en ", "ｅｎ"]


def _bad_codes(m: str) -> dict[str, list[str]]:
    return {
        "region": [
            "Central",
            "centre",
            "all",
            "central ",
            "华中",
            f"central{m}",
            "north,south",
            "",
            "eastern",
            f"{m}' OR 1=1 --",
            "CENTRAL",
            "nowhere",
        ],
        "end": ["g", "GB", "X", "G,B", "S ", " S", "Ｇ", f"G{m}", "GBS", "C", "0", "b"],
        "channel": ["Campus", "campus ", "camp", f"online'--{m}", f"branch\x00{m}", "all", "ONLINE", "web", "campus,online"],
        "tier": ["capitals", "Capital", "city", f"county{m}", "village", "prefecture-level", "1"],
    }


def _wrong_types(m: str) -> list[tuple[str, str]]:
    return [
        ("province[]", "420000"),
        ("province[]", ""),
        ("province[0]", "420000"),
        ("province.0", "420000"),
        ("PROVINCE", "420000"),
        ("Province", "420000"),
        (" province", "420000"),
        ("province ", "420000"),
        ("province\x00", "420000"),
        ("provinces", "420000"),
        ("period[]", "2025"),
        ("lang[]", "en"),
        ("province", '["420000"]'),
        ("province", '{"$ne": null}'),
        ("province", "410000,420000"),
        ("province", "410000&province=420000"),
        ("province", "410000;420000"),
        ("province", "true"),
        ("province", "null"),
        ("province", "[]"),
        ("province", ""),
        ("period", ""),
        ("lang", ""),
        ("end", ""),
        ("channel", ""),
        ("tier", ""),
        ("region", ""),
        ("province", "410000|420000"),
        ("province", "410000 OR 420000"),
        ("province", "*"),
        ("province", "%"),
        ("province", "41____"),
        ("period", "[2025]"),
        ("end", "G&end=B"),
        (f"{m}[province]", "420000"),
        ("province", f"{m}[]"),
    ]


def _unknown_keys(m: str) -> list[tuple[str, str]]:
    return [
        (m, "1"),
        (f"{m}_utm_source", "newsletter"),
        ("utm_source", f"{m}"),
        (f"__proto__{m}", "x"),
        ("_filters", m),
        ("_context", m),
        ("w_province", "420000"),
        ("w_lang", "en"),
        ("w_period", "2025Q5"),
        ("embed", "true"),
        ("embed_options", "show_toolbar"),
        ("embed", m),
        (f"{m}' OR 1=1 --", "1"),
        (f"<script>{m}</script>", "x"),
        ("", m),
        (f"{m}" + "k" * 60, "v" * 60),
        ("provnice", "420000"),
        ("scope", "national"),
        ("role", "admin"),
        ("email", f"exec@corp.cn{m}"),
        ("user", "admin"),
        ("debug", "true"),
        ("admin", "1"),
        ("page", "admin"),
        (f"{m}\x00", "x"),
        ("省份", "420000"),
        (f"[{m}](//e.vil/login", ")"),
        (f"![{m}](//x.test/p", ")"),
    ]  # a link split across "="


def _long_strings(m: str) -> list[str]:
    return [
        (m + "A" * 5000)[:5000],
        (m + "' OR 1=1 -- " * 420)[:5000],
        (m + "河" * 5000)[:5000],
        (m + "410000" * 900)[:5000],
        (m + "<script>alert(1)</script>" * 200)[:5000],
        ("x" * 4990 + m)[:5000],
        (m + "%" * 4995)[:5000],
        (m + "\u202e" * 4000 + "410000" * 200)[:5000],
    ]


# --- set builders: each returns a list of (name, value) pairs -------------------------------------


def _b_adcodes(r: random.Random, m: str) -> list[tuple[str, str]]:
    pool = _unknown_adcodes(m)
    return [("province", v) for v in r.sample(pool, r.randint(1, 5))]


def _b_out_of_scope(r: random.Random, m: str) -> list[tuple[str, str]]:
    pairs = [("province", v) for v in r.sample(OUT_OF_SCOPE, r.randint(1, 4))]
    if r.random() < 0.4:
        pairs.insert(r.randrange(len(pairs) + 1), ("province", HENAN))
    if r.random() < 0.4:
        pairs.append(("region", r.choice([x for x in REGIONS if x != "central"])))
    pairs.append((f"{m}", "oos"))  # the set's marker (plain adcodes cannot carry one)
    return pairs


def _b_sql(r: random.Random, m: str) -> list[tuple[str, str]]:
    key = r.choice(("province", "province", "region", "period", "channel", "tier", "end", "lang", f"{m}x"))
    return [(key, v) for v in r.sample(_sql(m), r.randint(1, 3))]


def _b_html(r: random.Random, m: str) -> list[tuple[str, str]]:
    key = r.choice(("province", "period", "channel", "lang", f"{m}h"))
    return [(key, v) for v in r.sample(_html(m), r.randint(1, 3))]


def _b_unicode(r: random.Random, m: str) -> list[tuple[str, str]]:
    key = r.choice(("province", "period", "region", "tier", "lang"))
    return [(key, v) for v in r.sample(_unicode(m), r.randint(1, 4))]


def _b_big_list(r: random.Random, m: str) -> list[tuple[str, str]]:
    """2,000 items (above Streamlit's 1,000-field limit: the link is ignored as a whole) or 990
    (parsed by the app: a notice listing ~990 dropped values)."""
    size = r.choice((2000, 990, 2000, 999))
    key = r.choice(("province", "province", "channel", "end", "period"))
    style = r.choice(("marker", "adcode", "mixed"))
    values = []
    for i in range(size):
        if style == "marker" or (style == "mixed" and i % 3 == 0):
            values.append(f"{m}{i}")
        elif style == "adcode":
            values.append(str(r.choice((r.randint(100000, 999999), int(r.choice(OUT_OF_SCOPE))))))
        else:
            values.append(r.choice(OUT_OF_SCOPE + ("999999", "410000")))
    return [(key, v) for v in values] + ([(m, "big")] if style == "adcode" else [])


def _b_long(r: random.Random, m: str) -> list[tuple[str, str]]:
    key = r.choice(("province", "period", "lang", "region", "channel", "tier", "end", f"{m}long"))
    return [(key, r.choice(_long_strings(m)))]


def _b_period(r: random.Random, m: str) -> list[tuple[str, str]]:
    pairs = [("period", v) for v in r.sample(_bad_periods(m), r.randint(1, 3))]
    if r.random() < 0.3:
        pairs.insert(0, ("period", r.choice(VALID_PERIODS)))  # a valid first period, bad repeats after it
    return pairs + [(m, "period")]


def _b_lang(r: random.Random, m: str) -> list[tuple[str, str]]:
    pairs = [("lang", v) for v in r.sample(_bad_langs(m), r.randint(1, 2))]
    if r.random() < 0.4:
        pairs.insert(r.randrange(2), ("lang", "en"))
    return pairs


def _b_codes(r: random.Random, m: str) -> list[tuple[str, str]]:
    pools = _bad_codes(m)
    pairs = []
    for key in r.sample(list(pools), r.randint(1, 3)):
        pairs += [(key, v) for v in r.sample(pools[key], r.randint(1, 3))]
    return pairs + [(m, "codes")]


def _b_wrong_types(r: random.Random, m: str) -> list[tuple[str, str]]:
    return r.sample(_wrong_types(m), r.randint(1, 4)) + [(m, "types")]


def _b_unknown_keys(r: random.Random, m: str) -> list[tuple[str, str]]:
    return r.sample(_unknown_keys(m), r.randint(1, 4)) + [(m, "keys")]


def _b_repeated(r: random.Random, m: str) -> list[tuple[str, str]]:
    choices = [
        [("period", "2026"), ("period", "2025Q5"), ("period", f"{m}")],
        [("lang", "en"), ("lang", "zh"), ("lang", m)],
        [("province", HENAN)] * 5 + [("province", "420000"), ("province", m)],
        [("province", "420000"), ("province", HENAN), ("region", "central"), ("region", "central"), ("region", m)],
        [("end", ""), ("end", "G"), ("end", ""), ("end", m)],
        [("channel", "campus")] * 30 + [("channel", m)],
        [("tier", "county"), ("tier", "county"), ("tier", f"county{m}")],
        [("region", r) for r in REGIONS] + [("region", m)],
    ]
    return list(r.choice(choices))


BUILDERS = {
    "adcodes": _b_adcodes,
    "out_of_scope": _b_out_of_scope,
    "sql": _b_sql,
    "html": _b_html,
    "unicode": _b_unicode,
    "big_list": _b_big_list,
    "long": _b_long,
    "period": _b_period,
    "lang": _b_lang,
    "codes": _b_codes,
    "wrong_types": _b_wrong_types,
    "unknown_keys": _b_unknown_keys,
    "repeated": _b_repeated,
}


def _valid_extras(r: random.Random) -> list[tuple[str, str]]:
    """A few valid values next to the hostile ones (the rest of a link still applies)."""
    out = []
    for _ in range(r.randint(1, 3)):
        key = r.choice(("province", "region", "period", "end", "channel", "tier", "lang"))
        value = {
            "province": HENAN,
            "region": "central",
            "period": r.choice(VALID_PERIODS),
            "end": r.choice(ENDS),
            "channel": r.choice(CHANNELS),
            "tier": r.choice(TIERS),
            "lang": r.choice(("zh", "en")),
        }[key]
        out.append((key, value))
    return out


def _raw_queries(m: str) -> list[tuple[str, str]]:
    """(kind, exact query string): encodings that a dict of strings cannot express."""
    return [
        ("bad_escape", f"province=%ZZ{m}&period=%2"),
        ("invalid_utf8", f"province=%FF%FE{m}&lang=%C0%AF"),
        ("surrogate_utf8", f"province=%ED%A0%80{m}"),
        ("trailing_percent", f"province={m}%"),
        ("nul_key", f"%00={m}&province%00=420000"),
        ("empty_fields", f"province=410000&&&&{m}=&&"),
        ("bare_separators", f"&&=&=={m}"),
        ("double_equals", f"province==420000{m}"),
        ("encoded_separator", f"province=420000%26province%3D{m}"),
        ("double_encoded", f"province=%2534%2531%2530%2530%2530%2530{m}"),
        ("encoded_valid", f"province=%34%32%30%30%30%30&{m}=1"),  # 420000: out of scope, fully percent-encoded
        ("plus_space", f"period=2025+Q3{m}&province=+410000+"),
        ("cjk_raw", f"province=%E6%B9%96%E5%8C%97{m}"),
        ("semicolons", f"province=410000;province=420000;{m}=1"),
        ("no_value", f"province&period&lang&{m}"),
        ("hash_in_value", f"province=410000%23{m}&period=2025%23Q3"),
        ("overlong_utf8", f"province=%C0%B4%C0%B1{m}"),
        ("question_marks", f"?province=420000&??{m}=1"),
    ]


def param_sets(seed: int = 20261031, count: int = 204) -> list[ParamSet]:
    """``count`` parameter sets (≥ 200), every builder used in turn, a second hostile builder
    and valid values mixed in at random, raw byte-level links every 12th set."""
    r = random.Random(seed)
    names = list(BUILDERS)
    raws = _raw_queries("")
    out: list[ParamSet] = []
    for n in range(count):
        m = marker(n)
        page = PAGES[n % len(PAGES)]
        if n % 12 == 11:
            kind, _ = raws[(n // 12) % len(raws)]
            raw = dict(_raw_queries(m))[kind]
            params = parse_qs(raw, keep_blank_values=True)
            out.append(ParamSet(n, ("raw", kind), params, page, raw_query=raw))
            continue
        kinds = [names[n % len(names)]]
        pairs = BUILDERS[kinds[0]](r, m)
        if r.random() < 0.5:
            second = r.choice(names)
            if second != kinds[0] and not {"big_list", "long"} <= {kinds[0], second}:
                kinds.append(second)
                pairs += BUILDERS[second](r, m)
        if r.random() < 0.35:
            kinds.append("valid")
            extras = _valid_extras(r)
            for e in extras:
                pairs.insert(r.randrange(len(pairs) + 1), e)
        if not any(m in k or m in v for k, v in pairs):
            pairs.append((m, kinds[0]))  # every set carries its marker
        params: dict[str, list[str]] = {}
        for k, v in pairs:
            params.setdefault(k, []).append(v)
        ps = ParamSet(n, tuple(kinds), params, page)
        if len(ps.query()) > MAX_QUERY_CHARS:  # a too-long request line is Tornado's 431, not the app's notice
            params = {k: v for k, v in params.items()}
            while len(ParamSet(n, ps.kinds, params, page).query()) > MAX_QUERY_CHARS:
                key = max(params, key=lambda k: len(quote("".join(params[k]), safe="")))
                vals = params[key]
                params[key] = vals[: len(vals) // 2] if len(vals) > 1 else [vals[0][: len(vals[0]) // 2]]
            ps = ParamSet(n, ps.kinds, params, page, notes={"trimmed": "to stay under the request-line limit"})
        out.append(ps)
    return out


# --- the same sets as `report` command lines -------------------------------------------------------

REPORT_OPTIONS = ("province", "region", "period", "end", "channel", "tier", "lang")


def cli_params(ps: ParamSet, *, known_only: bool = False) -> dict[str, list[str]]:
    """The set as command-line options read it: NUL written as the two characters ``\\0`` (argv
    cannot hold NUL); with ``known_only`` only the report's own options (an unknown option stops
    argparse before any value is looked at)."""
    return {
        k.replace("\x00", "\\0"): [v.replace("\x00", "\\0") for v in vs]
        for k, vs in ps.params.items()
        if not known_only or k in REPORT_OPTIONS
    }


def cli_argv(ps: ParamSet, seed: int = 7, *, known_only: bool = False) -> list[str]:
    """The options of ``python -m components.cli report`` for one set (without --out/--sections/
    --database-url): known keys as their option (repeated), unknown keys as unknown options
    (left out with ``known_only``).
    NUL cannot be passed in argv: it is written as the two characters ``\\0``. ``--key value`` and
    ``--key=value`` alternate by a per-set random choice (a value starting with "-" only parses in
    the second form)."""
    r = random.Random(seed * 100_003 + ps.n)
    argv: list[str] = []
    for key, values in cli_params(ps, known_only=known_only).items():
        opt = "--" + key
        for v in values:
            if r.random() < 0.5:
                argv += [opt, v]
            else:
                argv.append(f"{opt}={v}")
    return argv


def cli_clean(ps: ParamSet, provinces: set[str], periods: set[str]) -> dict[str, list[str]]:
    """The set with every invalid value and unknown key removed (for ``report``, which reads every
    province in ``provinces``): what should build a pack (exit 0)."""
    valid = {
        "province": provinces,
        "region": set(REGIONS),
        "period": periods,
        "end": set(ENDS),
        "channel": set(CHANNELS),
        "tier": set(TIERS),
        "lang": {"zh", "en"},
    }
    out: dict[str, list[str]] = {}
    for key, values in ps.params.items():
        if key in valid:
            keep = [v for v in values if v in valid[key]]
            if key in ("period", "lang"):
                keep = keep[:1]
            if keep:
                out[key] = keep
    return out


def cli_verdict(params: dict[str, list[str]], provinces: set[str], periods: set[str]) -> int | None:
    """The exit code ``report`` must give for these options: 0 (every value valid), 2 (a non-empty
    value is invalid, or an unknown key), or None (only empty values are in doubt: README does not
    say what ``--province ""`` means on the command line). ``--period`` is a single option: argparse
    keeps the last one given; every ``--lang`` is checked against its choices."""
    valid = {
        "province": provinces,
        "region": set(REGIONS),
        "period": periods,
        "end": set(ENDS),
        "channel": set(CHANNELS),
        "tier": set(TIERS),
        "lang": {"zh", "en"},
    }
    doubtful = False
    for key, values in params.items():
        if key not in valid:
            return 2
        for v in values[-1:] if key == "period" else values:
            if v == "":
                doubtful = True
            elif v not in valid[key]:
                return 2
    return None if doubtful else 0


if __name__ == "__main__":  # a quick look: python -m tests.fuzz_params
    sets = param_sets()
    from collections import Counter

    print(len(sets), "sets;", Counter(k for s in sets for k in s.kinds))
    print(
        "longest query:",
        max(len(s.query()) for s in sets),
        "chars;",
        sum(s.ignored_by_streamlit() for s in sets),
        "above Streamlit's field limit",
    )
    for s in sets[:15]:
        print(s.label(), s.query()[:140])
