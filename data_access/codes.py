"""The code lists of the shared database: one home for every enumerated value.

These codes are stored in the database (they are part of the contract in docs/SCHEMA.md);
user-facing labels for them live in the translation catalogue, never here.
"""

from __future__ import annotations

# The seven stages of the enrolment funnel, in order (DOMAIN.md).
STAGES: tuple[str, ...] = (
    "lead",
    "consultation",
    "trial_class",
    "enrolled",
    "completed",
    "certified",
    "employed",
)
# An event outside the funnel: an "agreement class" refunded after a failed exam.
REFUNDED = "refunded"
EVENT_KINDS: tuple[str, ...] = STAGES + (REFUNDED,)

# Enrolment channels and the "end" each belongs to.
CHANNELS: tuple[str, ...] = (
    "campus",  # campus partnership (school end)
    "enterprise",  # enterprise referral / order classes (B end)
    "government",  # government programme (G end)
    "online",  # online (C end)
    "branch",  # offline branch (C end)
)

# Partner kinds and the "three ends" they belong to: G government, B enterprise, S school.
PARTNER_KINDS: tuple[str, ...] = (
    "university",
    "vocational_college",
    "technical_school",
    "enterprise",
    "government",
)
ENDS: tuple[str, ...] = ("G", "B", "S")
END_OF_KIND: dict[str, str] = {
    "university": "S",
    "vocational_college": "S",
    "technical_school": "S",
    "enterprise": "B",
    "government": "G",
}
SCHOOL_KINDS: tuple[str, ...] = tuple(k for k, e in END_OF_KIND.items() if e == "S")

AGREEMENT_LEVELS: tuple[str, ...] = ("strategic", "core", "general")
PARTNER_STATUSES: tuple[str, ...] = ("active", "paused", "ended")
AGREEMENT_KINDS: tuple[str, ...] = (
    "strategic_cooperation",
    "industry_college",
    "practice_base",
    "joint_school",
    "moe_collaborative_education",
    "smart_campus",
    "channel",
)

# City tiers for "channel sinking": provincial capital -> prefecture-level city -> county.
TIERS: tuple[str, ...] = ("capital", "prefecture", "county")

# Region groups; a regional manager usually owns one or a few.
REGIONS: tuple[str, ...] = ("north", "northeast", "east", "central", "south", "southwest", "northwest")
REGION_ZH: dict[str, str] = {
    "north": "华北",
    "northeast": "东北",
    "east": "华东",
    "central": "华中",
    "south": "华南",
    "southwest": "西南",
    "northwest": "西北",
}

PROJECT_KINDS: tuple[str, ...] = (
    "industry_college",
    "practice_base",
    "iur_base",  # industry-university-research base
    "smart_campus",
    "curriculum_reform",
    "teacher_training",
    "joint_school",
)
SECTORS: tuple[str, ...] = (
    "ai",
    "digital_economy",
    "financial_media",
    "digital_creative",
    "intelligent_manufacturing",
    "education_services",
)
PROJECT_STATUSES: tuple[str, ...] = ("planning", "active", "completed", "suspended")
DISBURSEMENT_CATEGORIES: tuple[str, ...] = ("equipment", "construction", "curriculum", "staff", "operations")

PROGRAMMES: tuple[str, ...] = (
    "civil_service",  # provincial and national civil-service exams
    "public_institution",  # 事业单位 exams
    "teacher_cert",  # teacher qualification
    "cert_1x",  # "1+X" vocational-skill certificates
    "it_employment",  # IT employment-oriented classes (order classes)
)

# Metrics that annual targets are held against (table `target`).
TARGET_METRICS: tuple[str, ...] = (
    "partners",
    "schools",
    "active_projects",
    "planned_fen",
    "disbursed_fen",
    "leads",
    "enrolled",
    "certified",
    "employed",
)
# The "joint running of 100 schools" plan.
SCHOOLS_PLAN = 100

# The columns of the data-upkeep templates (the field code each header ends with, "年份 (year)"),
# shared by the template writer (components) and the reader (data_access.upkeep*).
UPKEEP_TARGET_FIELDS: tuple[str, ...] = ("year", "province", "metric", "value", "unit", "note")
UPKEEP_PARTNER_FIELDS: tuple[str, ...] = (
    "name_zh",
    "name_en",
    "kind",
    "city",
    "level",
    "agreement",
    "signed",
    "expires",
    "value",
    "unit",
    "status",
    "note",
)
# The kinds of an event on the timeline (data_access/events.py; catalogue group event_kind); not
# EVENT_KINDS, the kinds of a funnel event.
TIMELINE_KINDS: tuple[str, ...] = ("signing", "policy", "campaign", "opening", "other")
UPKEEP_EVENT_FIELDS: tuple[str, ...] = ("starts", "ends", "kind", "title_zh", "title_en", "scope", "note")
# The partner template's choice columns: field -> (its code list, the catalogue group of their labels).
UPKEEP_PARTNER_CHOICES: dict[str, tuple[tuple[str, ...], str]] = {
    "kind": (PARTNER_KINDS, "kind"),
    "level": (AGREEMENT_LEVELS, "level"),
    "agreement": (AGREEMENT_KINDS, "agreement_kind"),
    "status": (PARTNER_STATUSES, "partner_status"),
}

# Roles of the cockpit's users (table app_user). executive and admin see every province;
# regional and analyst see the provinces and regions granted to them; admin also manages users
# and reads the audit log.
ROLES: tuple[str, ...] = ("executive", "regional", "analyst", "admin")
NATIONAL_ROLES: tuple[str, ...] = ("executive", "admin")
GRANT_KINDS: tuple[str, ...] = ("province", "region")
# Formats an export can have (audit_log.format).
EXPORT_FORMATS: tuple[str, ...] = ("png", "svg", "pdf", "csv", "xlsx", "pptx")
