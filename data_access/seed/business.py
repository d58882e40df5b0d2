"""Business assumptions behind the demo data (public reporting on the division, 2019–2022), kept apart from the generator code.

Weights are judgements about where the company is strong, not facts about geography: change
them here and every generated table follows.
"""

from __future__ import annotations

import datetime as dt

# Relative strength of the business per province (leads, partners). 0 = no business there.
# Strong in the central plains and the populous east; thin in the far west (the visible gaps).
PROVINCE_WEIGHT: dict[str, float] = {
    "110000": 1.4,
    "120000": 0.5,
    "130000": 1.6,
    "140000": 0.9,
    "150000": 0.4,
    "210000": 0.9,
    "220000": 0.6,
    "230000": 0.6,
    "310000": 0.6,
    "320000": 2.0,
    "330000": 1.3,
    "340000": 1.6,
    "350000": 0.9,
    "360000": 1.2,
    "370000": 2.4,
    "410000": 3.0,
    "420000": 2.6,
    "430000": 2.0,
    "440000": 1.8,
    "450000": 0.9,
    "460000": 0.3,
    "500000": 1.0,
    "510000": 2.0,
    "520000": 0.8,
    "530000": 0.8,
    "540000": 0.1,
    "610000": 1.3,
    "620000": 0.5,
    "630000": 0.15,
    "640000": 0.2,
    "650000": 0.3,
    "710000": 0.0,
    "810000": 0.0,
    "820000": 0.0,
}

# Leads per year (relative): the division starts in 2021 and grows.
YEAR_WEIGHT: dict[int, float] = {2021: 0.7, 2022: 0.8, 2023: 1.0, 2024: 1.15, 2025: 1.25, 2026: 1.3, 2027: 1.35}
# Seasonality of leads per month: provincial exams in spring, September intake,
# national-exam registration in late autumn.
MONTH_WEIGHT: tuple[float, ...] = (0.9, 1.1, 1.35, 1.0, 0.75, 0.85, 1.0, 1.2, 1.45, 1.3, 1.15, 0.8)

FIRST_LEAD_DAY = dt.date(2021, 1, 1)
DEFAULT_UNTIL = dt.date(2026, 10, 31)

# Channel sinking: share of leads per city tier (capital, prefecture, county) in the first and
# the last year; years in between interpolate.
TIER_SHARE_START = (0.56, 0.34, 0.10)
TIER_SHARE_END = (0.34, 0.43, 0.23)

# Channel mix per city tier (campus, enterprise, government, online, branch); campus grows
# over the years as partnerships deepen (CAMPUS_GROWTH is added to campus by the last year).
CHANNEL_MIX: dict[str, tuple[float, ...]] = {
    "capital": (0.18, 0.12, 0.05, 0.35, 0.30),
    "prefecture": (0.16, 0.09, 0.08, 0.30, 0.37),
    "county": (0.10, 0.05, 0.20, 0.35, 0.30),
}
CAMPUS_GROWTH = 0.10

# Conversion from each stage to the next (consultation ... employed), per channel.
CONVERSION: dict[str, tuple[float, ...]] = {
    "campus": (0.70, 0.56, 0.46, 0.86, 0.58, 0.48),
    "enterprise": (0.80, 0.66, 0.60, 0.90, 0.70, 0.78),
    "government": (0.74, 0.60, 0.54, 0.84, 0.55, 0.40),
    "online": (0.42, 0.32, 0.26, 0.68, 0.42, 0.18),
    "branch": (0.64, 0.50, 0.40, 0.80, 0.48, 0.24),
}
# Counties convert a little worse at the trial and enrolment steps (travel, price).
COUNTY_FACTOR = (1.0, 0.92, 0.9, 1.0, 1.0, 1.0)
# Days between consecutive stages (low, high), uniform.
STAGE_LAG_DAYS = ((1, 10), (3, 21), (3, 30), (60, 180), (20, 90), (15, 120))

# Programmes per channel (civil_service, public_institution, teacher_cert, cert_1x, it_employment).
PROGRAMME_MIX: dict[str, tuple[float, ...]] = {
    "campus": (0.35, 0.10, 0.20, 0.30, 0.05),
    "enterprise": (0.00, 0.00, 0.00, 0.40, 0.60),
    "government": (0.05, 0.25, 0.10, 0.55, 0.05),
    "online": (0.45, 0.25, 0.25, 0.05, 0.00),
    "branch": (0.50, 0.30, 0.15, 0.05, 0.00),
}
# "Agreement classes": refunded when the learner completes but fails the exam.
REFUND_PROGRAMMES = ("civil_service", "public_institution")
REFUND_RATE_IF_FAILED = 0.35

# Partners per unit of province weight (universities, vocational colleges, technical schools,
# enterprises); governments are added per province separately.
PARTNERS_PER_WEIGHT = (3.5, 5.0, 1.5, 3.5)
# Share of school partners that signed but never sent a learner ("thunder but little rain").
DORMANT_SCHOOL_SHARE = 0.25

# The partners named in public reporting (2019–2020), at their real cities (adcodes).
NAMED_PARTNERS: tuple[dict, ...] = (
    dict(
        name_zh="中国地质大学（武汉）",
        name_en="China University of Geosciences (Wuhan)",
        kind="university",
        city="420100",
        level="strategic",
        since=dt.date(2019, 5, 16),
    ),
    dict(
        name_zh="华北电力大学",
        name_en="North China Electric Power University",
        kind="university",
        city="110100",
        level="strategic",
        since=dt.date(2019, 9, 6),
    ),
    dict(name_zh="河南大学", name_en="Henan University", kind="university", city="410200", level="strategic", since=dt.date(2019, 11, 20)),
    dict(
        name_zh="四川大学锦江学院",
        name_en="Jinjiang College of Sichuan University",
        kind="university",
        city="511400",
        level="core",
        since=dt.date(2020, 4, 10),
    ),
    dict(
        name_zh="湖南农业大学",
        name_en="Hunan Agricultural University",
        kind="university",
        city="430100",
        level="core",
        since=dt.date(2020, 6, 18),
    ),
    dict(name_zh="汉口学院", name_en="Hankou University", kind="university", city="420100", level="strategic", since=dt.date(2019, 12, 12)),
    # Unnamed in public reporting; demo names.
    dict(
        name_zh="苏州智学教育科技有限公司",
        name_en="Suzhou Zhixue EdTech Co., Ltd. (demo)",
        kind="enterprise",
        city="320500",
        level="strategic",
        since=dt.date(2020, 8, 28),
    ),
    dict(
        name_zh="云启互联网科技教育事业部",
        name_en="Yunqi Internet Education Unit (demo)",
        kind="enterprise",
        city="330100",
        level="strategic",
        since=dt.date(2020, 11, 3),
    ),
)

# The deepest cooperation: Hankou University, more than 10 million yuan over five years.
HANKOU_PROJECT = dict(
    partner="汉口学院",
    kind="industry_college",
    sector="digital_economy",
    name_zh="汉口学院数字经济产业学院",
    name_en="Hankou University Digital Economy Industry College",
    start=dt.date(2020, 3, 1),
    end=dt.date(2024, 12, 31),
    committed_yuan=12_500_000,
)

# Committed budget ranges per project kind, in yuan.
PROJECT_BUDGET_YUAN: dict[str, tuple[int, int]] = {
    "industry_college": (3_000_000, 15_000_000),
    "practice_base": (500_000, 3_000_000),
    "iur_base": (1_000_000, 5_000_000),
    "smart_campus": (2_000_000, 8_000_000),
    "curriculum_reform": (50_000, 300_000),
    "teacher_training": (100_000, 800_000),
    "joint_school": (1_000_000, 6_000_000),
}
# Project kinds per partner end.
PROJECT_KINDS_BY_END: dict[str, tuple[str, ...]] = {
    "S": ("industry_college", "practice_base", "smart_campus", "curriculum_reform", "teacher_training", "joint_school"),
    "B": ("iur_base", "practice_base", "industry_college"),
    "G": ("teacher_training", "joint_school", "practice_base"),
}


# Events the division would have marked on its timelines (issue 26; docs/SCHEMA.md §10): the signing
# with Hankou University, the 100-schools launch, a provincial exam-policy change, a branch opening,
# the summer enrolment campaign. (starts_on, ends_on, kind, title_zh, title_en, note, reach, region
# or provinces, partner name or None). Only those on or before the data's last day are seeded.
DEMO_EVENTS: tuple[tuple, ...] = (
    (dt.date(2025, 3, 18), None, "signing", "汉口学院数字经济产业学院签约", "Hankou University digital-economy industry college signed",
     "五年投入逾千万元，首批专业当年秋季招生。", "provinces", ("420000",), "汉口学院"),
    (dt.date(2025, 6, 15), None, "policy", "湖北省发布产教融合实施方案", "Hubei publishes its industry–education integration plan",
     "", "provinces", ("420000",), None),
    (dt.date(2025, 9, 1), None, "campaign", "“百校联办”计划启动", "The 100-schools joint programme launched",
     "目标三年内与 100 所院校联合办学。", "national", (), None),
    (dt.date(2025, 10, 20), None, "campaign", "中部两省联合招生推介会", "Joint enrolment fair of two central provinces",
     "", "provinces", ("410000", "420000"), None),
    (dt.date(2026, 3, 10), None, "policy", "河南省考报名条件调整", "Henan changes the provincial civil-service exam rules",
     "报名年龄上限放宽，考公班咨询量随之上升。", "provinces", ("410000",), None),
    (dt.date(2026, 4, 1), dt.date(2026, 4, 30), "campaign", "华中区春季招生月", "Central China spring enrolment month",
     "", "region", ("central",), None),
    (dt.date(2026, 5, 20), None, "opening", "广州天河线下分校开业", "Guangzhou Tianhe offline branch opens",
     "", "provinces", ("440000",), None),
    (dt.date(2026, 7, 1), dt.date(2026, 8, 31), "campaign", "暑期招生季", "Summer enrolment campaign",
     "线上线下同步投放。", "national", (), None),
)  # fmt: skip

# Notes leaders left on views (issue 26 point 5; docs/SCHEMA.md §11): (section, first day, day after
# the last, provinces, body, author). Seeded when the data reaches the period's last day.
DEMO_NOTES: tuple[tuple, ...] = (
    ("refunds_channels", dt.date(2025, 7, 1), dt.date(2025, 10, 1), ("410000",),
     "河南三季度退费偏高，已约谈线下分校，10 月起试行退费复核。", "exec@example.com"),
    ("trend", dt.date(2026, 1, 1), dt.date(2027, 1, 1), ("420000",),
     "湖北 3 月线索跳升来自汉口学院春季宣讲，非投放所致。", "exec@example.com"),
)  # fmt: skip
