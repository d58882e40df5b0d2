"""Generate the reference tables: places, partners, agreements, projects, plans, payments, milestones.

Pure functions of (places, seed, until): the same inputs give the same rows, in the same order.
Rows are plain dicts keyed by column name; money is integer fen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from data_access import codes
from data_access.placenames import short_name_zh as short_name
from data_access.places import Place, Province
from data_access.seed import business as biz

UNIV_SUFFIX = (
    ("学院", "College"),
    ("理工学院", "Institute of Technology"),
    ("师范学院", "Normal College"),
    ("工程学院", "Engineering College"),
    ("财经学院", "College of Finance"),
    ("科技学院", "College of Science and Technology"),
)
VOC_SUFFIX = (
    ("职业技术学院", "Vocational and Technical College"),
    ("职业学院", "Vocational College"),
    ("信息职业技术学院", "Information Vocational College"),
    ("工业职业技术学院", "Industrial Vocational College"),
    ("商贸职业学院", "Commerce Vocational College"),
    ("电子信息职业学院", "Electronic Information Vocational College"),
)
TECH_SUFFIX = (
    ("技师学院", "Technician College"),
    ("高级技工学校", "Senior Technical School"),
    ("工贸技工学校", "Industry and Trade Technical School"),
)
ENT_PREFIX = (
    ("智造", "Zhizao"),
    ("云联", "Yunlian"),
    ("数科", "Shuke"),
    ("融媒", "Rongmei"),
    ("文创", "Wenchuang"),
    ("智慧教育", "Smart Education"),
    ("软件", "Software"),
    ("信创", "Xinchuang"),
)
ENT_SUFFIX = (("科技有限公司", "Technology Co., Ltd."), ("信息技术有限公司", "IT Co., Ltd."), ("集团有限公司", "Group Co., Ltd."))
MILESTONES = (
    ("项目启动", "Kick-off"),
    ("方案评审", "Plan review"),
    ("中期检查", "Mid-term review"),
    ("年度考核", "Annual assessment"),
    ("项目验收", "Final acceptance"),
)
SECTOR_NAME = {
    "ai": ("人工智能", "AI"),
    "digital_economy": ("数字经济", "Digital Economy"),
    "financial_media": ("融媒体", "Financial Media"),
    "digital_creative": ("数字文创", "Digital Creative"),
    "intelligent_manufacturing": ("智能制造", "Intelligent Manufacturing"),
    "education_services": ("教育服务", "Education Services"),
}
KIND_NAME = {
    "industry_college": ("产业学院", "Industry College"),
    "practice_base": ("实践基地", "Practice Base"),
    "iur_base": ("产学研基地", "IUR Base"),
    "smart_campus": ("智慧校园", "Smart Campus"),
    "curriculum_reform": ("课程改革", "Curriculum Reform"),
    "teacher_training": ("师资培训", "Teacher Training"),
    "joint_school": ("联合办学", "Joint School-Running"),
}


@dataclass
class Reference:
    """All reference rows, plus lookups the funnel generator needs."""

    provinces: list[dict]
    cities: list[dict]
    partners: list[dict] = field(default_factory=list)
    agreements: list[dict] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)
    budget_plans: list[dict] = field(default_factory=list)
    disbursements: list[dict] = field(default_factory=list)
    milestones: list[dict] = field(default_factory=list)


def _date_between(rng: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    span = max((hi - lo).days, 0)
    return lo + dt.timedelta(days=int(rng.integers(0, span + 1)))


def build_reference(provinces: list[Province], places: list[Place], *, seed: int, until: dt.date) -> Reference:
    """All reference rows for a seed; deterministic."""
    rng = np.random.default_rng([seed, 1])
    ref = Reference(
        provinces=[dict(code=p.code, name_zh=p.name_zh, name_en=p.name_en, region=p.region, lon=p.lon, lat=p.lat) for p in provinces],
        cities=[
            dict(
                code=c.code,
                province_code=c.province_code,
                parent_code=c.parent_code,
                name_zh=c.name_zh,
                name_en=c.name_en,
                tier=c.tier,
                lon=c.lon,
                lat=c.lat,
            )
            for c in places
        ],
    )
    _add_partners(ref, provinces, places, rng, until)
    _add_agreements(ref, rng, until)
    _add_projects(ref, rng, until)
    return ref


def _add_partners(ref: Reference, provinces: list[Province], places: list[Place], rng, until: dt.date) -> None:
    used: set[str] = set()

    def add(name_zh, name_en, kind, city, level, since, status="active"):
        used.add(name_zh)
        ref.partners.append(
            dict(
                id=len(ref.partners) + 1,
                name_zh=name_zh,
                name_en=name_en,
                kind=kind,
                city_code=city,
                agreement_level=level,
                since=since,
                status=status,
            )
        )

    for p in biz.NAMED_PARTNERS:
        add(p["name_zh"], p["name_en"], p["kind"], p["city"], p["level"], p["since"])

    by_province: dict[str, list[Place]] = {}
    counties: dict[str, list[Place]] = {}
    for c in places:
        (counties if c.tier == "county" else by_province).setdefault(c.province_code, []).append(c)
    levels, level_p = codes.AGREEMENT_LEVELS, (0.1, 0.3, 0.6)
    statuses, status_p = codes.PARTNER_STATUSES, (0.86, 0.09, 0.05)
    first = dt.date(2018, 1, 1)
    for prov in provinces:
        w = biz.PROVINCE_WEIGHT.get(prov.code, 0.0)
        cities = by_province.get(prov.code, [])
        if w <= 0 or not cities:
            continue
        capital = [c for c in cities if c.tier == "capital"]
        others = [c for c in cities if c.tier != "capital"] or capital
        plan = zip(
            ("university", "vocational_college", "technical_school", "enterprise"),
            (UNIV_SUFFIX, VOC_SUFFIX, TECH_SUFFIX, None),
            biz.PARTNERS_PER_WEIGHT,
        )
        for kind, suffixes, per_w in plan:
            n = int(round(w * per_w + rng.uniform(-0.5, 0.5)))
            for i in range(n):
                # Partners cluster in capitals; enterprises even more so.
                p_capital = 0.7 if kind == "enterprise" else 0.5
                city = capital[0] if (rng.random() < p_capital and capital) else others[int(rng.integers(len(others)))]
                # Channel sinking has begun: a few schools sit in county-level cities.
                local = counties.get(prov.code, [])
                if kind in ("technical_school", "vocational_college") and local and rng.random() < 0.2:
                    city = local[int(rng.integers(len(local)))]
                cz, ce = short_name(city.name_zh), city.name_en
                for attempt in range(12):
                    if suffixes is None:
                        (pz, pe), (sz, se) = ENT_PREFIX[int(rng.integers(len(ENT_PREFIX)))], ENT_SUFFIX[int(rng.integers(len(ENT_SUFFIX)))]
                        name_zh, name_en = f"{cz}{pz}{sz}", f"{ce} {pe} {se}"
                    else:
                        sz, se = suffixes[(i + attempt) % len(suffixes)]
                        name_zh, name_en = f"{cz}{sz}", f"{ce} {se}"
                    if name_zh not in used:
                        break
                else:
                    continue
                since = _date_between(rng, first, until - dt.timedelta(days=30))
                status = statuses[int(rng.choice(3, p=status_p))] if since.year < until.year else "active"
                add(name_zh, name_en, kind, city.code, levels[int(rng.choice(3, p=level_p))], since, status)
        # The G end: the provincial education department, and a human-resources bureau in strong provinces.
        municipality = prov.code in ("110000", "120000", "310000", "500000")
        bureau = ("教育委员会", "Municipal Education Commission") if municipality else ("教育厅", "Department of Education")
        cap = capital[0] if capital else cities[0]
        add(
            f"{prov.name_zh}{bureau[0]}",
            f"{prov.name_en} {bureau[1]}",
            "government",
            cap.code,
            "core",
            _date_between(rng, first, until - dt.timedelta(days=60)),
        )
        if w >= 1.2:
            for city in [cap] + others[: int(w)]:
                name = f"{short_name(city.name_zh)}市人力资源和社会保障局"
                if name not in used:
                    add(
                        name,
                        f"{city.name_en} Human Resources and Social Security Bureau",
                        "government",
                        city.code,
                        "general",
                        _date_between(rng, dt.date(2020, 1, 1), until - dt.timedelta(days=60)),
                    )


def _add_agreements(ref: Reference, rng, until: dt.date) -> None:
    school_ids = [p["id"] for p in ref.partners if codes.END_OF_KIND[p["kind"]] == "S"]
    # The "100 schools" joint-running plan: about seven in ten school partners have signed one.
    joint = set(rng.choice(school_ids, size=min(len(school_ids), 78), replace=False).tolist())
    for p in ref.partners:
        end = codes.END_OF_KIND[p["kind"]]
        first_kind = {
            "S": "industry_college" if p["agreement_level"] != "general" else "practice_base",
            "B": "strategic_cooperation",
            "G": "moe_collaborative_education",
        }[end]
        if p["agreement_level"] == "strategic":
            first_kind = "strategic_cooperation"
        ref.agreements.append(_agreement(ref, p, first_kind, p["since"], rng))
        if p["id"] in joint:
            signed = _date_between(rng, max(p["since"], dt.date(2021, 1, 1)), until)
            ref.agreements.append(_agreement(ref, p, "joint_school", signed, rng))
        if end == "S" and rng.random() < 0.3:
            ref.agreements.append(_agreement(ref, p, "channel", _date_between(rng, p["since"], until), rng))


def _agreement(ref: Reference, p: dict, kind: str, signed: dt.date, rng) -> dict:
    years = int(rng.choice([3, 5]))
    value = 0 if kind in ("strategic_cooperation", "channel") else int(rng.integers(20, 600)) * 10_000 * 100
    return dict(
        id=len(ref.agreements) + 1,
        partner_id=p["id"],
        kind=kind,
        signed_on=signed,
        expires_on=signed.replace(year=signed.year + years)
        if not (signed.month == 2 and signed.day == 29)
        else dt.date(signed.year + years, 2, 28),
        value_fen=value,
    )


def _add_projects(ref: Reference, rng, until: dt.date) -> None:
    partners_by_name = {p["name_zh"]: p for p in ref.partners}
    hk = biz.HANKOU_PROJECT
    _add_project(
        ref,
        rng,
        until,
        partners_by_name[hk["partner"]],
        hk["kind"],
        hk["sector"],
        hk["start"],
        hk["end"],
        cast(int, hk["committed_yuan"]) * 100,
        name=(hk["name_zh"], hk["name_en"]),
    )
    for p in ref.partners:
        end = codes.END_OF_KIND[p["kind"]]
        n = {"strategic": int(rng.integers(2, 4)), "core": int(rng.integers(1, 3)), "general": int(rng.random() < 0.45)}[
            p["agreement_level"]
        ]
        if p["status"] == "ended":
            n = min(n, 1)
        for _ in range(n):
            kinds = biz.PROJECT_KINDS_BY_END[end]
            kind = kinds[int(rng.integers(len(kinds)))]
            sector = codes.SECTORS[int(rng.integers(len(codes.SECTORS)))]
            if kind in ("curriculum_reform", "teacher_training") and rng.random() < 0.6:
                # Ministry of Education "industry-university collaborative education" batches, 2018-2021.
                start = dt.date(int(rng.integers(2018, 2022)), int(rng.choice([3, 9])), 1)
                years = 1 + int(rng.integers(0, 2))
            else:
                start = _date_between(rng, max(p["since"], dt.date(2018, 6, 1)), until + dt.timedelta(days=120))
                start = start.replace(day=1)
                years = int(rng.choice([1, 2, 3, 5], p=[0.15, 0.3, 0.3, 0.25])) if kind != "industry_college" else int(rng.choice([3, 5]))
            lo, hi = biz.PROJECT_BUDGET_YUAN[kind]
            committed = int(rng.integers(lo // 10_000, hi // 10_000 + 1)) * 10_000 * 100
            end_on = dt.date(start.year + years - 1, 12, 31)
            _add_project(ref, rng, until, p, kind, sector, start, end_on, committed)


def _add_project(ref, rng, until, partner, kind, sector, start, end_on, committed_fen, name=None) -> None:
    pid = len(ref.projects) + 1
    city = partner["city_code"]
    if name is None:
        from_name = partner["name_zh"]
        sz, se = SECTOR_NAME[sector]
        kz, ke = KIND_NAME[kind]
        name = (f"{from_name}{sz}{kz}", f"{partner['name_en']} {se} {ke}")
    if start > until:
        status = "planning"
    elif end_on < until:
        status = "completed" if rng.random() < 0.9 else "suspended"
    else:
        status = "active" if rng.random() < 0.93 else "suspended"
    ref.projects.append(
        dict(
            id=pid,
            code=f"P{city[:2]}-{start.year}-{pid:04d}",
            name_zh=name[0],
            name_en=name[1],
            kind=kind,
            sector=sector,
            partner_id=partner["id"],
            city_code=city,
            start_on=start,
            end_on=end_on,
            committed_fen=committed_fen,
            status=status,
        )
    )
    years = list(range(start.year, end_on.year + 1))
    # Plans ramp up then taper: weights 1, 1.3, 1.3, 1.1, 0.8 ...
    w = np.array([1.0 + 0.3 * min(i, len(years) - 1 - i) for i in range(len(years))])
    planned = np.floor(committed_fen * w / w.sum() / 100) * 100
    planned[-1] = committed_fen - planned[:-1].sum()
    for y, amount in zip(years, planned):
        ref.budget_plans.append(dict(project_id=pid, year=y, planned_fen=int(amount)))
    # Payments: quarterly against each year's plan, at a project-specific pace. A few run ahead
    # of plan (the at-risk flag), suspended ones stop early; never above the committed total.
    pace = float(rng.choice([rng.uniform(0.55, 0.95), rng.uniform(1.05, 1.25)], p=[0.9, 0.1]))
    paid_total = 0
    for y, amount in zip(years, planned):
        for q in range(4):
            paid_on = dt.date(y, 3 * q + 2, 10 + int(rng.integers(0, 15)))
            if paid_on > until or paid_on < start or (status == "suspended" and rng.random() < 0.5):
                continue
            pay = int(amount * pace / 4 * rng.uniform(0.7, 1.3)) // 100 * 100
            pay = min(pay, committed_fen - paid_total)
            if pay <= 0:
                continue
            paid_total += pay
            cat = codes.DISBURSEMENT_CATEGORIES[int(rng.integers(len(codes.DISBURSEMENT_CATEGORIES)))]
            ref.disbursements.append(dict(id=len(ref.disbursements) + 1, project_id=pid, paid_on=paid_on, amount_fen=pay, category=cat))
    # Milestones across the project's life; most past ones done on time, some overdue.
    span = (end_on - start).days
    for i, (mz, me) in enumerate(MILESTONES if span > 400 else (MILESTONES[0], MILESTONES[-1])):
        steps = 4 if span > 400 else 1
        due = start + dt.timedelta(days=int(span * i / steps)) if i else start + dt.timedelta(days=30)
        done = None
        if due <= until and rng.random() < (0.88 if status != "suspended" else 0.4):
            done = due + dt.timedelta(days=int(rng.integers(-20, 45)))
            done = done if done <= until else None
        ref.milestones.append(dict(id=len(ref.milestones) + 1, project_id=pid, name_zh=mz, name_en=me, due_on=due, done_on=done))
