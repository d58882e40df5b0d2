"""The cockpit's own vocabulary for typed questions: every word the parser knows, and what it means.

Built from the catalogues (metric labels and names, channel, tier, programme, project-kind, sector
and partner-end labels, both languages), the database's provinces and 2,200 places, the partners
and projects of the asker's scope, the synonyms admins added (table ``ask_synonym``) and the fixed
lists below. A term maps to one or more :class:`Entry` (several: an ambiguous place such as 长沙,
which the cockpit asks about). docs/ASK.md lists the words and their meanings.

Pure: frames in, a Vocabulary out (no database, no streamlit).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from components import metrics as registry
from components.i18n import label
from data_access import codes
from data_access.placenames import short_name_zh

# --- metric words: term -> the metric ids it asks for (labels and full names are added from the
# catalogues; these are the words leaders use). Lower case; Chinese and English.
METRIC_WORDS: dict[str, tuple[str, ...]] = {}


def _words(metric_ids: str, *terms: str) -> None:
    for term in terms:
        METRIC_WORDS[term] = tuple(metric_ids.split())


_words("leads", "线索", "新增线索", "线索数", "线索量", "新线索", "leads", "lead", "new leads", "lead count")
_words(
    "enrolled", "报了", "报了多少", "报了多少人", "成交", "成交量", "成单", "签单",
    "报名", "报名数", "报名人数", "报名量", "招生", "招生数", "招生人数", "报班", "报读", "招了", "招到",
    "enrolled", "enrolment", "enrolments", "enrollment", "enrollments", "enrol", "enroll", "enrols", "enrolls",
    "sign-ups", "signups", "sign ups", "registrations", "new students", "students enrolled",
)  # fmt: skip
_words(
    "certified",
    "取证",
    "取证数",
    "取证人数",
    "拿证",
    "获证",
    "考证通过",
    "持证",
    "certified",
    "certifications",
    "certificates",
    "certificates issued",
)
_words("employed", "就业", "就业人数", "就业数", "上岗", "找到工作", "employed", "employment", "jobs", "placements", "placed")
_words("refunded", "退费", "退款", "退费数", "退费人数", "退钱", "退了", "refunds", "refund", "refunded")
_words("refund_rate", "退费率", "退款率", "退费比例", "refund rate", "refund ratio")
_words("cohort_refunded", "批次退费", "本期线索中退费", "本期线索中已退费", "cohort refunds")
_words(
    "enrol_rate", "转化率", "转化", "报名转化", "报名转化率", "报名率", "成交率", "转化情况",
    "conversion", "conversion rate", "converts", "convert", "converting", "enrolment rate", "enrollment rate", "enrol rate",
)  # fmt: skip
_words("certify_rate", "取证率", "通过率", "考证通过率", "拿证率", "pass rate", "certification rate", "certify rate")
_words(
    "partners", "合作单位", "合作伙伴", "伙伴", "合作方", "合作单位数", "伙伴数", "合作机构",
    "partners", "partner", "partner count", "number of partners",
)  # fmt: skip
_words("partners_G", "政府伙伴", "政府端伙伴", "政府合作", "合作政府", "government partners")
_words("partners_B", "企业伙伴", "企业端伙伴", "合作企业", "enterprise partners", "business partners", "company partners")
_words("partners_S", "院校伙伴", "院校端伙伴", "合作院校", "合作学校", "合作高校", "school partners", "partner schools")
_words("schools", "百校", "百校联办", "联办院校", "百校计划", "joint schools", "joint-school partners", "100 schools", "hundred schools")
_words(
    "new_partners",
    "签约",
    "签了",
    "新签了",
    "签下",
    "signed",
    "signed up",
    "新签",
    "新签约",
    "新增伙伴",
    "新增合作",
    "新增合作单位",
    "新签合作单位",
    "新伙伴",
    "new partners",
    "newly signed",
    "new signings",
)
_words("per_10k_leads", "覆盖密度", "每万线索", "每万条线索", "partners per 10k leads", "partner density")
_words(
    "gap_places", "gap cities", "gap counties", "uncovered cities", "cities without partners",
    "空白", "覆盖空白", "空白城市", "空白县", "空白点", "没覆盖", "未覆盖", "无合作",
    "gaps", "gap", "coverage gaps", "uncovered", "white spots", "places without partners",
)  # fmt: skip
_words(
    "agreements_due", "到期", "到期协议", "协议到期", "快到期", "即将到期", "续签", "续约", "合同到期",
    "expiring", "expire", "expires", "due", "renewals", "renewal", "agreements due", "coming due",
)  # fmt: skip
_words("agreements_due_value", "到期金额", "到期协议金额", "value of agreements due", "value due")
_words(
    "active_projects",
    "项目数",
    "在建项目",
    "实施项目",
    "项目数量",
    "多少个项目",
    "几个项目",
    "projects under way",
    "active projects",
    "number of projects",
    "how many projects",
)
_words("planned_yuan", "计划", "预算", "计划投入", "计划金额", "投入计划", "planned", "plan", "budget", "budgeted")
_words("committed_yuan", "承诺投了", "承诺投资", "承诺的投入", "committed investment", "committed funds", "committed funding")
_words("committed_yuan", "承诺", "承诺投入", "承诺金额", "合同额", "committed", "commitment", "commitments")
_words(
    "disbursed_yuan", "资金到位", "到位", "到位资金", "花出去", "花出去的钱", "花钱", "钱花了", "花掉", "花了多少钱", "用了多少钱",
    "拨付", "付了", "支付", "付款", "已付", "花了", "花费", "拨了", "到账", "实际拨付", "拨款", "付",
    "disbursed", "disbursement", "disbursements", "paid", "spent", "spend", "spending", "payments",
)  # fmt: skip
_words("planned_yuan disbursed_yuan", "投入", "投资", "投了", "investment", "invested", "invest")
_words(
    "execution",
    "预算执行率",
    "拨付进度",
    "拨款进度",
    "资金进度",
    "付款进度",
    "execution rate against plan",
    "against plan",
    "vs plan",
    "versus plan",
    "against budget",
    "投资执行率",
    "投资执行",
    "投入执行率",
    "资金执行率",
    "执行率",
    "执行进度",
    "执行情况",
    "预算执行",
    "执行",
    "execution",
    "execution rate",
    "budget execution",
)
_words("at_risk_projects", "风险项目", "有风险", "风险", "逾期项目", "at risk", "risky projects", "projects at risk", "at-risk")
# "How much" of something counted: 到期协议涉及多少金额 asks the value of the agreements due.
MONEY_WORDS = ("金额", "多少钱", "钱数", "价值", "合同金额", "总金额", "value", "worth", "amount", "how much money")
# The period's leads followed on: 9月那批线索后来退费的 / of the leads we got in September, how many
# have refunded since — the cohort metrics, not the events of the period.
COHORT_WORDS = (
    "那批",
    "这批",
    "批次",
    "后来",
    "之后",
    "最终",
    "最后",
    "其中",
    "当中",
    "里面有",
    "since",
    "eventually",
    "later",
    "of those",
    "of the leads",
    "of those leads",
    "of them",
    "那批线索",
    "这批线索",
)
# Where a figure stands against its target (期内报名 3,490，本期目标 4,723，完成 73.9 %).
TARGET_WORDS = (
    "目标",
    "完成率",
    "完成度",
    "达标",
    "完成目标",
    "目标完成",
    "完成情况",
    "达成",
    "达成率",
    "target",
    "targets",
    "goal",
    "goals",
    "on track",
    "attainment",
)
# A part of the whole: 线上报名占比 / 河南报名占全国多少.
SHARE_WORDS = ("占比", "比重", "份额", "占全国", "占多少", "占", "share", "proportion", "percentage of", "share of")
# 怎么样 / how is … doing: the headline figures (answer.HEADLINE).
OVERVIEW_WORDS = (
    "怎么样",
    "如何",
    "情况",
    "概况",
    "表现",
    "整体",
    "总体",
    "咋样",
    "overview",
    "doing",
    "performance",
    "status",
    "summary",
    "how's",
)

# --- dimensions: a word that asks "by …" when none of its members is named -------------------------
DIMENSION_WORDS: dict[str, str] = {}
for _dim, _terms in {
    "province": (
        "省",
        "省份",
        "各省",
        "分省",
        "省区",
        "各省份",
        "省级",
        "province",
        "provinces",
        "by province",
        "per province",
        "each province",
    ),
    "region": ("大区", "区域", "地区", "片区", "各大区", "region", "regions", "by region", "area", "areas"),
    "city": ("城市", "市", "各市", "地市", "各城市", "哪个市", "city", "cities", "by city", "prefectures"),
    "channel": ("渠道", "各渠道", "分渠道", "招生渠道", "channel", "channels", "by channel"),
    "tier": (
        "层级",
        "城市层级",
        "城市等级",
        "城市级别",
        "城市分级",
        "等级",
        "by city tier",
        "by tier",
        "线级",
        "级别",
        "tier",
        "tiers",
        "city tier",
        "city tiers",
        "by tier",
    ),
    "programme": (
        "培训项目",
        "考试类别",
        "课程类别",
        "班型",
        "产品线",
        "产品",
        "业务线",
        "product line",
        "product lines",
        "programme",
        "programmes",
        "program",
        "programs",
        "course types",
    ),
    "project_kind": (
        "项目类型",
        "类型",
        "项目种类",
        "项目类别",
        "哪类项目",
        "哪种项目",
        "各类项目",
        "什么类型",
        "哪类",
        "各类",
        "project kind",
        "project kinds",
        "project type",
        "project types",
        "kinds of project",
    ),
    "sector": ("方向", "产业方向", "赛道", "行业", "领域", "产业", "sector", "sectors", "industry", "industries"),
    "end": ("端", "三端", "哪端", "end", "ends"),
    "partner": ("单位", "院校", "学校", "企业", "合作对象"),
    "month": (
        "每月",
        "各月",
        "按月",
        "月度",
        "逐月",
        "每个月",
        "哪个月",
        "各个月",
        "月份",
        "趋势",
        "走势",
        "变化趋势",
        "monthly",
        "by month",
        "each month",
        "per month",
        "which month",
        "month by month",
        "trend",
        "trends",
    ),
    "quarter": (
        "每季度",
        "各季度",
        "按季度",
        "每个季度",
        "哪个季度",
        "各个季度",
        "分季度",
        "quarterly",
        "by quarter",
        "each quarter",
        "per quarter",
        "which quarter",
    ),
    "project": ("项目", "各项目", "每个项目", "哪个项目", "project", "projects", "each project", "which project"),
}.items():
    for _term in _terms:
        DIMENSION_WORDS[_term] = _dim
# Words that make a following (or preceding) dimension word a breakdown: 哪个渠道, 各省, which region.
WHICH_WORDS = ("哪", "哪个", "哪一个", "哪家", "啥", "什么", "which", "what")
# 哪些 / which ones: a list, not one answer.
LIST_WORDS = ("哪些", "哪几个", "哪几家", "都有哪些", "which ones", "list")
EACH_WORDS = ("各", "每个", "每", "按", "分", "逐个", "各个", "每一个", "分别", "各自", "each", "every", "per", "by", "respectively")
# A ranking without a direction: every member, largest first.
ORDER_WORDS = ("排名", "排行", "排序", "排个名", "排一下", "排个序", "排列", "ranking", "rank", "ranked", "rankings", "league table")

# --- ranking: direction words. "quantity" words mean larger/smaller; "quality" words mean better/worse
# and follow the metric (worse refunds = more refunds).
RANK_WORDS: dict[str, tuple[str, str]] = {}
for _term in (
    "最多",
    "最高",
    "最大",
    "第一",
    "领先",
    "最多的",
    "top",
    "most",
    "highest",
    "largest",
    "biggest",
    "leading",
    "max",
    "多",
    "高",
    "大",
):
    RANK_WORDS[_term] = ("top", "quantity")
for _term in ("最少", "最低", "最小", "垫底", "末位", "least", "lowest", "smallest", "fewest", "min", "少", "低", "小"):
    RANK_WORDS[_term] = ("bottom", "quantity")
for _term in ("最好", "最强", "最优", "最棒", "最佳", "best", "strongest", "好", "强"):
    RANK_WORDS[_term] = ("top", "quality")
for _term in ("最差", "最弱", "最烂", "最糟", "落后", "worst", "weakest", "poorest", "差", "弱"):
    RANK_WORDS[_term] = ("bottom", "quality")
for _term in ("最快", "fastest", "快"):
    RANK_WORDS[_term] = ("top", "growth")
for _term in ("最慢", "slowest", "慢"):
    RANK_WORDS[_term] = ("bottom", "growth")
# The bare one-character ones only count next to 哪 / which (哪个渠道报名多); parse.py knows.
WEAK_RANK = frozenset({"多", "高", "大", "少", "低", "小", "好", "强", "差", "弱", "快", "慢"})
GROWTH_WORDS = (
    "增长",
    "增速",
    "增幅",
    "涨幅",
    "涨",
    "提升",
    "上升",
    "增加",
    "涨得",
    "growth",
    "growing",
    "grew",
    "grow",
    "increase",
    "increased",
    "rise",
    "rising",
    "gain",
    "gains",
)
DECLINE_WORDS = (
    "下降",
    "下滑",
    "减少",
    "跌",
    "降幅",
    "下跌",
    "降",
    "掉",
    "decline",
    "declined",
    "drop",
    "dropped",
    "fell",
    "fall",
    "decrease",
    "decreased",
    "shrink",
    "shrank",
)

# --- words that carry no meaning of their own in a question: known, and not shown as "not understood".
SILENT = frozenset(
    """多少 几 几个 多少个 多少人 多少钱 呢 吗 吧 啊 呀 么 嘛 的 地 得 了 是 有 在 和 与 跟 及 以及 还有 还 也 都 就 又
    帮 帮我 帮忙 看下 看看 看一下 一下 下 大概 大约 请问 请 查 查询 查下 查一下 给我 给 我 我们 咱们 我想 想 想知道 知道 现在 目前
    截至 截止 为止 总共 一共 合计 共 累计 总 总数 数 数量 人数 个 人 名 家 所 元 万 亿 万元 钱 总额 多 少 到底 究竟
    对 对于 关于 方面 这边 那边 里 里面 中 其中 上 内 期间 期 时候 时 当前 最新 数据 情况下 具体 统计 汇总 列出 列一下
    哪 哪个 哪些 哪一个 哪家 哪几个 什么 啥 怎么 怎样 为什么 谁 比 较 相比 对比 比较 比起 vs 跟着 同时 以来 以后 之前 以前
    协议 合同 合作协议 agreement agreements contract contracts 个月 月 年 季度 季 多大 做 做得 做了 搞 干 拿 拿了
    出 来 去 过 把 被 让 该 这 那 这个 那个 这些 那些 它 他们 她们 其
    分别 各自 各 每 按 分 排名 排行 排序 排 名次 拆 拆一下 拆开 分一下 单 多少单 那 批
    前 后 谁家 怎么样 如何 情况 好不好 高不高 多不多 咋 咋样 一样 一些
    what how many much is are was were the of in for by with did does do has have had been a an to on at me show tell give
    看 说 还是 剩 剩下 要 不 全年 几家 全国 类 整个 一年 到 exam exams test tests class classes course courses
    nationwide national nationally overall funds fund funding money provide could would should can may might
    report current currently give provide please kindly show display breakdown versus whole entire
    our we us this that these those vs versus compared than against please and or so far total number count numbers figure figures
    which who whose where when there their its it be being get got see let about across from between
    list breakdown split up down doing does has how's what's whats s many much our overall all any some
    ？ ? ， , 。 . ！ ! 、 ： : ； ; （ ） ( ) “ ” " ' ‘ ’ 《 》 - — ~ / …""".split()
)


@dataclass(frozen=True)
class Entry:
    """What a term means: a kind (metric, province, region, place, channel, tier, programme,
    project_kind, sector, end, partner, project, dimension, rank, growth, decline, overview,
    which, each) and a code (the metric id, adcode, place code, partner id …)."""

    kind: str
    code: str


@dataclass
class Vocabulary:
    """term (lower case) -> its entries; the pinyin index for homophone typos; the names of things."""

    terms: dict[str, tuple[Entry, ...]] = field(default_factory=dict)
    pinyin: dict[str, tuple[str, ...]] = field(default_factory=dict)  # pinyin of a Chinese term -> terms
    english: tuple[str, ...] = ()  # single English words, for spelling corrections
    names: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (kind, code) -> (zh, en)
    place_province: dict[str, str] = field(default_factory=dict)  # place code -> province adcode
    place_parent: dict[str, str] = field(default_factory=dict)  # county code -> its prefecture's code
    place_tier: dict[str, str] = field(default_factory=dict)
    user_terms: frozenset[str] = frozenset()  # the added synonyms (their chips say so)
    segmentation: tuple[str, ...] = ()  # every name there is: the segmenter's words, the same for every viewer

    def add(self, term: str, kind: str, code: str, *, zh: str = "", en: str = "") -> None:
        key = normalise_term(term)
        if not key:
            return
        entry = Entry(kind, str(code))
        have = self.terms.get(key, ())
        if entry not in have:
            self.terms[key] = (*have, entry)
        if zh or en:
            self.names.setdefault((kind, str(code)), (zh or en, en or zh))

    def name(self, kind: str, code: str, lang: str) -> str:
        pair = self.names.get((kind, code))
        if pair is None:
            return code
        return pair[0] if lang == "zh" else pair[1]

    def words(self) -> list[str]:
        """Every Chinese term and name, for the segmenter's user dictionary."""
        return [k for k in self.terms if _has_han(k)] + [normalise_term(w) for w in self.segmentation if _has_han(w)]


# --- segmentation: one jieba tokenizer per process ----------------------------------------------------
_TOKENIZER = None
TOKENIZER_LOCK = threading.RLock()
_PRIOR: dict[str, int] = {}  # a word's frequency in jieba's own dictionary, before the vocabulary's was added
COMMON = 500  # a county's short name this frequent in general text is a word first (合作, 东方, 和平, 安宁)


def tokenizer(words: Iterable[str] = ()):
    """The process's jieba tokenizer (its default dictionary loads once, ~0.5 s; the server warms it
    before it listens) with ``words`` added, each as a word of its own."""
    global _TOKENIZER
    with TOKENIZER_LOCK:
        if _TOKENIZER is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer()
            tk.initialize()
            _TOKENIZER = tk
        for w in words:
            if w not in _PRIOR:
                _PRIOR[w] = _TOKENIZER.FREQ.get(w, 0) or 0
                _TOKENIZER.add_word(w, freq=max(100_000, 20_000 * len(w)))
        return _TOKENIZER


def common_word(word: str) -> bool:
    """True when ``word`` is frequent in general Chinese text (jieba's dictionary)."""
    tk = tokenizer()
    with TOKENIZER_LOCK:
        freq = _PRIOR[word] if word in _PRIOR else tk.FREQ.get(word, 0) or 0
    return freq >= COMMON


_HAN = re.compile(r"[\u4e00-\u9fff]")
_SPACES = re.compile(r"\s+")
_HYPHEN = re.compile(r"(?<=[a-z])\s*-\s*(?=[a-z])")


def _has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def normalise_term(term: str) -> str:
    """A term as looked up: NFKC (full-width brackets and letters as typed on a phone), lower case,
    one space between words, no surrounding spaces."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", str(term)).strip().lower())
    return _HYPHEN.sub(" ", text)  # sign-ups = sign ups, teacher-cert = teacher cert


_FUZZY = ((re.compile(r"([zcs])h"), r"\1"), (re.compile(r"([aeiu])ng\b"), r"\1n"))


def fuzzy_pinyin(text: str) -> str:
    """The toneless pinyin of ``text`` with the sounds a pinyin keyboard's users mix up made one
    (the IMEs' own "fuzzy pinyin": zh/z, ch/c, sh/s, -ng/-n): 报民 reads as 报名, 赚化 as 转化."""
    from pypinyin import lazy_pinyin

    out = []
    for syllable in lazy_pinyin(text):
        for pattern, repl in _FUZZY:
            syllable = pattern.sub(repl, syllable)
        out.append(syllable)
    return " ".join(out)


def build(
    *,
    provinces: pd.DataFrame,
    places: pd.DataFrame,
    partners: pd.DataFrame | None = None,
    projects: pd.DataFrame | None = None,
    synonyms: pd.DataFrame | None = None,
    segmentation: tuple[str, ...] = (),
) -> Vocabulary:
    """The vocabulary of one scope.

    ``provinces``: code, name_zh, name_en, region (the province catalogue); ``places``: code,
    province_code, parent_code, name_zh, name_en, tier; ``partners``: id, name_zh, name_en;
    ``projects``: id, code, name_zh, name_en — both already cut to the asker's provinces;
    ``synonyms``: term, kind, code (the admins' additions).
    """
    v = Vocabulary(segmentation=segmentation)
    for lang in ("zh", "en"):
        for m in registry.METRICS:
            v.add(registry.label(m, lang), "metric", m)
            v.add(registry.get(m).name(lang), "metric", m)
    for term, ids in METRIC_WORDS.items():
        for m in ids:
            v.add(term, "metric", m)
    for m in registry.METRICS:
        v.names[("metric", m)] = (registry.label(m, "zh"), registry.label(m, "en"))
    for term in OVERVIEW_WORDS:
        v.add(term, "overview", "")
    for term in MONEY_WORDS:
        v.add(term, "money", "")
    for term in ("rate", "ratio", "率", "比率"):
        v.add(term, "rate", "")
    for term in TARGET_WORDS:
        v.add(term, "target", "")
    for term in SHARE_WORDS:
        v.add(term, "share", "")
    for term in COHORT_WORDS:
        v.add(term, "cohort", "")
        if "lead" in term or "线索" in term:
            v.add(term, "metric", "leads")
    for term, dim in DIMENSION_WORDS.items():
        v.add(term, "dimension", dim)
        # 哪个项目 / which project / 各项目 are the marker and the dimension in one word.
        if any(term.startswith(w) for w in WHICH_WORDS):
            v.add(term, "which", "")
        elif any(term.startswith(w) for w in EACH_WORDS if len(w) > 1 or not w.isascii()):
            v.add(term, "each", "")
    for term in WHICH_WORDS:
        v.add(term, "which", "")
    for term in EACH_WORDS + LIST_WORDS:
        v.add(term, "each", "")
    for term in ORDER_WORDS:
        v.add(term, "each", "")
        v.add(term, "order", "")
    for term, (direction, sense) in RANK_WORDS.items():
        v.add(term, "rank", f"{direction}:{sense}")
    for term in GROWTH_WORDS:
        v.add(term, "growth", "")
    for term in DECLINE_WORDS:
        v.add(term, "decline", "")
    _add_codes(v)
    _add_provinces(v, provinces)
    _add_places(v, places, provinces)
    partner_rows = list((partners if partners is not None else pd.DataFrame(columns=["id", "name_zh", "name_en"])).itertuples(index=False))
    for r in partner_rows:
        for term in (r.name_zh, r.name_en):
            v.add(term, "partner", str(r.id), zh=r.name_zh, en=r.name_en)
    # A company is named without its legal suffix (苏州智学 for 苏州智学教育科技有限公司): an alias
    # when it names one partner only and is no other word.
    aliases: dict[str, set[str]] = {}
    for r in partner_rows:
        alias = _company_stem(str(r.name_zh))
        if alias != r.name_zh and len(alias) >= 4:
            aliases.setdefault(alias, set()).add(str(r.id))
    for alias, partner_ids in aliases.items():
        if len(partner_ids) == 1 and normalise_term(alias) not in v.terms:
            v.add(alias, "partner", next(iter(partner_ids)))
    for r in (projects if projects is not None else pd.DataFrame(columns=["id", "code", "name_zh", "name_en"])).itertuples(index=False):
        for term in (r.code, r.name_zh, r.name_en):
            v.add(term, "project", str(r.id), zh=f"{r.code} {r.name_zh}", en=f"{r.code} {r.name_en}")
    user_terms = set()
    for r in (synonyms if synonyms is not None else pd.DataFrame(columns=["term", "kind", "code"])).itertuples(index=False):
        if r.kind in SYNONYM_KINDS and normalise_term(r.term) not in v.terms:
            v.add(r.term, r.kind, r.code)
            user_terms.add(normalise_term(r.term))
    v.user_terms = frozenset(user_terms)
    index: dict[str, list[str]] = {}
    for term, entries in v.terms.items():
        # Never to a county (资金 is not 紫金县, 锦江 not 晋江市): too many of them sound like words.
        if len(term) >= 2 and _has_han(term) and all(e.kind in PINYIN_KINDS and v.place_tier.get(e.code) != "county" for e in entries):
            index.setdefault(fuzzy_pinyin(term), []).append(term)
    v.pinyin = {k: tuple(ts) for k, ts in index.items()}
    v.english = tuple(sorted(k for k in v.terms if k.isascii() and " " not in k and len(k) >= 5))
    return v


# What a synonym may stand for (the admin page's choice) and which kinds a homophone may correct to.
SYNONYM_KINDS = ("metric", "province", "region", "place", "channel", "tier", "programme", "project_kind", "sector", "end", "partner")
PINYIN_KINDS = frozenset(
    {"metric", "province", "region", "place", "channel", "tier", "programme", "project_kind", "sector", "partner", "dimension"}
)

# Extra words for the coded lists (their catalogue labels are added too).
CODE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "channel": {
        "campus": ("校园", "校园合作", "校园渠道", "校企合作", "进校", "campus", "campus partnership", "schools channel"),
        "enterprise": ("企业推荐", "订单班", "企业渠道", "企业订单", "enterprise referral", "order classes", "referral", "referrals"),
        "government": ("政府项目", "政府渠道", "政府补贴", "government programme", "government program", "gov programme"),
        "online": ("线上", "网课", "线上渠道", "网络", "online"),
        "branch": ("线下", "分校", "线下分校", "门店", "线下渠道", "offline", "branch", "branches", "offline branch", "offline branches"),
    },
    "tier": {
        "capital": ("省会", "省会城市", "首府", "capital", "capitals", "provincial capital", "provincial capitals"),
        "prefecture": ("地级市", "地市级", "prefecture", "prefecture-level", "prefecture-level cities"),
        "county": ("县域", "县城", "县级", "县", "区县", "下沉", "county", "counties", "county-level"),
    },
    "programme": {
        "civil_service": ("公务员", "考公", "国考", "省考", "公考", "civil service", "civil-service", "civil service exams"),
        "public_institution": (
            "事业单位",
            "事业编",
            "考编",
            "事业单位考试",
            "public institution",
            "public-institution",
            "public institution exams",
        ),
        "teacher_cert": (
            "teacher cert",
            "teacher certs",
            "教资",
            "教师资格",
            "教师资格证",
            "教师证",
            "teacher qualification",
            "teacher certificate",
            "teaching certificate",
        ),
        "cert_1x": ("1+x", "1+x证书", "1+x 证书", "1x", "职业技能等级证书", "1+x certificates", "1+x certificate"),
        "it_employment": ("it就业", "it就业班", "it 就业班", "it班", "it 班", "it employment", "it classes", "it employment classes"),
    },
    "project_kind": {
        "industry_college": ("产业学院", "industry college", "industry colleges"),
        "practice_base": ("实践基地", "实训基地", "practice base", "practice bases", "training base"),
        "iur_base": ("产学研基地", "产学研", "iur base", "iur", "industry-university-research base"),
        "smart_campus": ("智慧校园", "smart campus", "smart campuses"),
        "curriculum_reform": ("课程改革", "课改", "curriculum reform"),
        "teacher_training": ("师资培训", "教师培训", "teacher training"),
        "joint_school": ("联合办学", "合作办学", "joint school", "joint schools running", "joint school running"),
    },
    "sector": {
        "ai": ("人工智能", "ai", "artificial intelligence"),
        "digital_economy": ("数字经济", "digital economy"),
        "financial_media": ("融媒体", "媒体", "financial media", "converged media", "media"),
        "digital_creative": ("数字文创", "文创", "digital creative", "digital culture", "creative"),
        "intelligent_manufacturing": ("智能制造", "智造", "intelligent manufacturing", "smart manufacturing", "manufacturing"),
        "education_services": ("教育服务", "education services", "education service"),
    },
    "end": {
        "G": ("政府端", "g端", "g 端", "government end"),
        "B": ("企业端", "b端", "b 端", "enterprise end", "business end"),
        "S": ("院校端", "学校端", "s端", "s 端", "school end"),
    },
}
_GROUPS = {
    "channel": codes.CHANNELS,
    "tier": codes.TIERS,
    "programme": codes.PROGRAMMES,
    "project_kind": codes.PROJECT_KINDS,
    "sector": codes.SECTORS,
    "end": codes.ENDS,
}


def _add_codes(v: Vocabulary) -> None:
    for group, group_codes in _GROUPS.items():
        for code in group_codes:
            zh, en = label(group, code, "zh"), label(group, code, "en")
            for term in (zh, en, *CODE_WORDS[group].get(code, ())):
                v.add(term, group, code, zh=zh, en=en)
    for code in codes.REGIONS:
        zh, en = label("region", code, "zh"), label("region", code, "en")
        short_en = en.replace(" China", "")
        for term in (
            zh,
            en,
            f"{zh}区",
            f"{zh}地区",
            f"{zh}大区",
            short_en,
            f"{short_en} region",
            f"{short_en}ern region",
            f"{short_en}ern china",
        ):
            v.add(term, "region", code, zh=zh, en=en)


_PROVINCE_SUFFIXES = ("省", "市", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区")


def _province_short(name_zh: str) -> str:
    for suffix in _PROVINCE_SUFFIXES:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix) + 1:
            return name_zh[: -len(suffix)]
    return name_zh


def _add_provinces(v: Vocabulary, provinces: pd.DataFrame) -> None:
    for r in provinces.itertuples(index=False):
        code, zh, en = str(r.code), str(r.name_zh), str(r.name_en)
        short = _province_short(zh)
        terms = [zh, short, en, f"{en} province"]
        if short != zh and not zh.endswith("市"):
            terms.append(f"{short}省")
        if en == "Inner Mongolia":
            terms.append("内蒙")
        if en in ("Macao",):
            terms.append("Macau")
        for term in terms:
            v.add(term, "province", code, zh=zh, en=en)


def _add_places(v: Vocabulary, places: pd.DataFrame, provinces: pd.DataFrame) -> None:
    province_terms = {
        normalise_term(x) for r in provinces.itertuples(index=False) for x in (r.name_zh, _province_short(str(r.name_zh)), r.name_en)
    }
    prefecture_stems = {short_name_zh(str(r.name_zh)) for r in places.itertuples(index=False) if r.tier != "county"}
    for r in places.itertuples(index=False):
        code, zh, en = str(r.code), str(r.name_zh), str(r.name_en)
        v.place_province[code] = str(r.province_code)
        v.place_tier[code] = str(r.tier)
        if isinstance(r.parent_code, str) and r.parent_code:
            v.place_parent[code] = r.parent_code
        short = short_name_zh(zh)
        for term in (zh, short, en):
            key = normalise_term(term)
            # A province's name is the province (吉林 is the province; 吉林市 the city), and a
            # one-character stem is no name; a county whose short name is an everyday word (合作市,
            # 东方市, 和平县) answers to its full name only.
            if key in province_terms or len(key) < 2:
                continue
            if term is short and term != zh and r.tier == "county" and short not in prefecture_stems and common_word(short):
                continue

            v.add(term, "place", code, zh=zh, en=en)


_COMPANY_SUFFIXES = (
    "有限责任公司",
    "股份有限公司",
    "有限公司",
    "集团",
    "信息技术",
    "教育科技",
    "科技",
    "技术",
    "教育",
    "信息",
    "网络",
    "文化",
    "传媒",
)


def _company_stem(name: str) -> str:
    """A company's name without its legal and trade suffixes: 苏州智学教育科技有限公司 → 苏州智学."""
    stem = name
    changed = True
    while changed:
        changed = False
        for suffix in _COMPANY_SUFFIXES:
            if stem.endswith(suffix) and len(stem) - len(suffix) >= 4:
                stem = stem[: -len(suffix)]
                changed = True
    return stem
