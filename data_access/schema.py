"""The shared database schema: a contract with the loaders (CRM, finance, enrolment platform).

Every table and column is documented in docs/SCHEMA.md; change both together, and add an
Alembic migration (data_access/migrations) for every change.

Conventions: codes are short strings from data_access.codes; places are 6-digit GB/T 2260
adcodes; money is integer **fen** (1 yuan = 100 fen) in BIGINT columns named ``*_fen``;
dates are DATE; coordinates are GCJ-02 degrees.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY, so big ids are INTEGER there.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Code = sa.String(6)
Money = sa.BigInteger  # fen

province = sa.Table(
    "province",
    metadata,
    sa.Column("code", Code, primary_key=True, comment="6-digit adcode, e.g. 420000"),
    sa.Column("name_zh", sa.String(32), nullable=False),
    sa.Column("name_en", sa.String(64), nullable=False),
    sa.Column("region", sa.String(16), nullable=False, comment="north|northeast|east|central|south|southwest|northwest"),
    sa.Column("lon", sa.Double, nullable=False, comment="label point, GCJ-02"),
    sa.Column("lat", sa.Double, nullable=False),
)

city = sa.Table(
    "city",
    metadata,
    sa.Column("code", Code, primary_key=True, comment="6-digit adcode of a city or county"),
    sa.Column("province_code", Code, sa.ForeignKey("province.code"), nullable=False),
    sa.Column("parent_code", Code, nullable=True, comment="for counties: the prefecture city"),
    sa.Column("name_zh", sa.String(64), nullable=False),
    sa.Column("name_en", sa.String(128), nullable=False),
    sa.Column("tier", sa.String(16), nullable=False, comment="capital|prefecture|county"),
    sa.Column("lon", sa.Double, nullable=False),
    sa.Column("lat", sa.Double, nullable=False),
    sa.Index(None, "province_code", "tier"),
)

partner = sa.Table(
    "partner",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name_zh", sa.String(200), nullable=False, unique=True),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False, comment="university|vocational_college|technical_school|enterprise|government"),
    sa.Column("city_code", Code, sa.ForeignKey("city.code"), nullable=False),
    sa.Column("agreement_level", sa.String(16), nullable=False, comment="strategic|core|general"),
    sa.Column("since", sa.Date, nullable=False, comment="date of the first agreement"),
    sa.Column("status", sa.String(16), nullable=False, comment="active|paused|ended"),
    sa.Index(None, "city_code"),
    sa.Index(None, "kind"),
)

agreement = sa.Table(
    "agreement",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("partner_id", sa.Integer, sa.ForeignKey("partner.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("signed_on", sa.Date, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=True),
    sa.Column("value_fen", Money, nullable=False, comment="contract value in fen; 0 for framework agreements"),
    sa.Index(None, "partner_id"),
)

project = sa.Table(
    "project",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name_zh", sa.String(200), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("sector", sa.String(32), nullable=False),
    sa.Column("partner_id", sa.Integer, sa.ForeignKey("partner.id"), nullable=False),
    sa.Column("city_code", Code, sa.ForeignKey("city.code"), nullable=False),
    sa.Column("start_on", sa.Date, nullable=False),
    sa.Column("end_on", sa.Date, nullable=False),
    sa.Column("committed_fen", Money, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, comment="planning|active|completed|suspended"),
    sa.Index(None, "partner_id"),
    sa.Index(None, "city_code"),
)

budget_plan = sa.Table(
    "budget_plan",
    metadata,
    sa.Column("project_id", sa.Integer, sa.ForeignKey("project.id"), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True, comment="fiscal year = calendar year"),
    sa.Column("planned_fen", Money, nullable=False),
)

disbursement = sa.Table(
    "disbursement",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("project.id"), nullable=False),
    sa.Column("paid_on", sa.Date, nullable=False),
    sa.Column("amount_fen", Money, nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Index(None, "project_id", "paid_on"),
    sa.Index(None, "paid_on"),
)

milestone = sa.Table(
    "milestone",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("project.id"), nullable=False),
    sa.Column("name_zh", sa.String(200), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("done_on", sa.Date, nullable=True, comment="NULL while open"),
    sa.Index(None, "project_id"),
)

learner = sa.Table(
    "learner",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("city_code", Code, sa.ForeignKey("city.code"), nullable=False, comment="where the lead came from"),
    sa.Column(
        "province_code", Code, sa.ForeignKey("province.code"), nullable=False, comment="= city's province (denormalised for scope filters)"
    ),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("programme", sa.String(32), nullable=False),
    sa.Column("partner_id", sa.Integer, sa.ForeignKey("partner.id"), nullable=True, comment="partner that brought the lead, if any"),
    sa.Column("lead_on", sa.Date, nullable=False, comment="date of the lead event: the learner's cohort"),
    # Covering (migration 0003): a month of leads is read from the index alone, in date order, by the
    # refresh and by the raw edges of a period (docs/SCHEMA.md §6).
    sa.Index(None, "province_code", "lead_on"),
    sa.Index("ix_learner_lead_on_covering", "lead_on", "province_code", "city_code", "channel", "programme", "id"),
    # Migration 0011: a partner's learners by lead date (agreements coming due: what each brought in).
    sa.Index(None, "partner_id", "lead_on"),
)

funnel_event = sa.Table(
    "funnel_event",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("learner_id", BigId, sa.ForeignKey("learner.id"), nullable=False),
    sa.Column(
        "stage", sa.String(16), nullable=False, comment="lead|consultation|trial_class|enrolled|completed|certified|employed|refunded"
    ),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("city_code", Code, nullable=False),
    sa.Column("province_code", Code, nullable=False, comment="= city's province (denormalised)"),
    sa.Column("programme", sa.String(32), nullable=False),
    # Covering (migration 0003): a learner's events, and a month of events, come from the index alone.
    sa.Index(None, "learner_id", "stage", "occurred_on"),
    # learner_id since migration 0011: the equal-age comparison reads a cut month of events and their learners.
    sa.Index(
        "ix_funnel_event_occurred_on_covering", "occurred_on", "province_code", "city_code", "channel", "programme", "stage", "learner_id"
    ),
)

target = sa.Table(
    "target",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("province_code", Code, sa.ForeignKey("province.code"), nullable=True, comment="NULL = national"),
    sa.Column("metric", sa.String(32), nullable=False),
    sa.Column("value", sa.BigInteger, nullable=False, comment="count, or fen for *_fen metrics"),
    sa.UniqueConstraint("year", "province_code", "metric"),
)

dataset_info = sa.Table(
    "dataset_info",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(400), nullable=False),
)

# --- Access: who may see what, and who exported what (migration 0002). Not demo data: the seed
# never writes or deletes these tables.

app_user = sa.Table(
    "app_user",
    metadata,
    sa.Column("email", sa.String(254), primary_key=True, comment="the e-mail claim of the SSO, lower case"),
    sa.Column("role", sa.String(16), nullable=False, comment="executive|regional|analyst|admin"),
    sa.Column("name", sa.String(100), nullable=False, server_default="", comment="display name (optional)"),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column("created_by", sa.String(254), nullable=False, comment="e-mail of an admin, or cli:<os user>"),
    sa.Column("changed_at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column("changed_by", sa.String(254), nullable=False),
    sa.Column("oidc_issuer", sa.String(255), nullable=True, comment="the provider's iss claim this row is bound to; NULL = not bound yet"),
    sa.Column("oidc_subject", sa.String(255), nullable=True, comment="the provider's sub claim this row is bound to"),
    sa.Column("bound_at", sa.DateTime, nullable=True, comment="UTC, first sign-in"),
    sa.UniqueConstraint("oidc_issuer", "oidc_subject"),
)

app_user_grant = sa.Table(
    "app_user_grant",
    metadata,
    sa.Column("email", sa.String(254), sa.ForeignKey("app_user.email", ondelete="CASCADE"), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True, comment="province|region"),
    sa.Column("code", sa.String(16), primary_key=True, comment="a 6-digit adcode, or a region code (central, ...)"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column("actor", sa.String(254), nullable=False, comment="e-mail, cli:<os user>, or demo"),
    sa.Column("action", sa.String(32), nullable=False, comment="export|report|user_add|user_set"),
    sa.Column("page", sa.String(32), nullable=False, server_default=""),
    sa.Column("item", sa.String(200), nullable=False, server_default="", comment="chart or pack name; the user changed"),
    sa.Column("format", sa.String(8), nullable=False, server_default="", comment="png|svg|pdf|csv|xlsx|pptx"),
    sa.Column("provinces", sa.String(400), nullable=False, server_default="", comment="adcodes of the scope, comma-separated; * = all"),
    sa.Column("filters", sa.String(2000), nullable=False, server_default="", comment="the URL query of the view"),
    sa.Column("data_as_of", sa.Date, nullable=True),
    sa.Column("detail", sa.String(2000), nullable=False, server_default="", comment="e.g. before -> after of a user change"),
    sa.Index(None, "at"),
    sa.Index(None, "actor", "at"),
)

ACCESS_TABLES: tuple[sa.Table, ...] = (app_user, app_user_grant, audit_log)

# --- Ask the cockpit (migration 0008, docs/ASK.md): every typed question with what it was read as,
# and the synonyms admins add from the questions not understood (each addition audited).
ASK_STATUS_COMMENT = "answered|not_understood|ambiguous|out_of_scope|no_data|unsupported|refused"
ASK_KIND_COMMENT = "what it stands for: metric|province|region|place|channel|tier|programme|project_kind|sector|end|partner"
ask_question = sa.Table(
    "ask_question",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("asked_at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column("actor", sa.String(254), nullable=False, comment="e-mail, cli:<os user>, or demo"),
    sa.Column("lang", sa.String(2), nullable=False, server_default="zh"),
    sa.Column("text", sa.String(400), nullable=False, comment="the question as typed (cut at 400 characters)"),
    sa.Column("parse", sa.String(4000), nullable=False, server_default="", comment="what it was read as (JSON)"),
    sa.Column("status", sa.String(16), nullable=False, comment=ASK_STATUS_COMMENT),
    sa.Column("unknown", sa.String(400), nullable=False, server_default="", comment="the words not understood, separated by spaces"),
    sa.Column("page", sa.String(32), nullable=False, server_default="", comment="where it was asked: a page, or cli"),
    sa.Index(None, "asked_at"),
    sa.Index(None, "status", "asked_at"),
)
ask_synonym = sa.Table(
    "ask_synonym",
    metadata,
    sa.Column("term", sa.String(64), primary_key=True, comment="the word as users type it (lower case)"),
    sa.Column("kind", sa.String(16), nullable=False, comment=ASK_KIND_COMMENT),
    sa.Column("code", sa.String(32), nullable=False, comment="the metric id, adcode, place code, code or partner id"),
    sa.Column("added_by", sa.String(254), nullable=False),
    sa.Column("added_at", sa.DateTime, nullable=False, comment="UTC"),
)
ASK_TABLES: tuple[sa.Table, ...] = (ask_question, ask_synonym)

# --- Events on the timeline (migration 0009, docs/SCHEMA.md §10): what happened (a signing, a policy
# change, a campaign, an opening), when, and where it matters. ``event_province`` holds every
# province an event concerns (a national one: all of them), so a viewer sees it exactly when it
# touches one of their provinces: the one scope rule of every query.
event = sa.Table(
    "event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=True, comment="the last day of a span (a campaign); NULL: one day"),
    sa.Column("kind", sa.String(16), nullable=False, comment="signing|policy|campaign|opening|other"),
    sa.Column("title_zh", sa.String(80), nullable=False, server_default=""),
    sa.Column("title_en", sa.String(120), nullable=False, server_default=""),
    sa.Column("note", sa.String(500), nullable=False, server_default=""),
    sa.Column("reach", sa.String(16), nullable=False, comment="national|region|provinces: how it was entered"),
    sa.Column("region", sa.String(16), nullable=False, server_default="", comment="the region group of a region-wide event"),
    sa.Column("partner_id", sa.Integer, nullable=True, comment="the partner it is about, if any (no foreign key: a partner may be ended)"),
    sa.Column("project_id", sa.Integer, nullable=True, comment="the project it is about, if any"),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column("changed_by", sa.String(254), nullable=False, server_default=""),
    sa.Column("changed_at", sa.DateTime, nullable=True, comment="UTC"),
    sa.Index(None, "starts_on"),
)
event_province = sa.Table(
    "event_province",
    metadata,
    sa.Column("event_id", sa.Integer, sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("province_code", sa.String(6), primary_key=True),
    sa.Index(None, "province_code"),
)
EVENT_TABLES: tuple[sa.Table, ...] = (event, event_province)

# --- Notes on a view (migration 0010, docs/SCHEMA.md §11): a leader's short remark on one section
# for one period and scope ("河南三季度退费偏高，已约谈线下分校"). A note is shown on a view of its
# section whose period holds the note's and whose provinces hold all of the note's: the view it was
# written on, and any wider one; never to a viewer who may not see every province it concerns.
view_note = sa.Table(
    "view_note",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("section", sa.String(40), nullable=False, comment="the section's registry id (components/sections)"),
    sa.Column("starts_on", sa.Date, nullable=False, comment="the period of the view it was written on: first day"),
    sa.Column("ends_on", sa.Date, nullable=False, comment="the day after its last day (half-open, like a Scope)"),
    sa.Column("body", sa.String(500), nullable=False),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Index(None, "section", "starts_on"),
)
view_note_province = sa.Table(
    "view_note_province",
    metadata,
    sa.Column("note_id", sa.Integer, sa.ForeignKey("view_note.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("province_code", sa.String(6), primary_key=True),
    sa.Index(None, "province_code"),
)

# --- Data upkeep (migration 0005): every upload of targets or partners applied from Excel, and
# one change row per key it inserted, changed or ended (docs/SCHEMA.md §7). History is never
# deleted: a revert is a new upload whose changes restore the earlier values.

data_upload = sa.Table(
    "data_upload",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column("actor", sa.String(254), nullable=False, comment="e-mail, or cli:<os user>"),
    sa.Column("kind", sa.String(16), nullable=False, comment="targets|partners|events"),
    sa.Column("source", sa.String(16), nullable=False, comment="page|cli|revert"),
    sa.Column("file_name", sa.String(255), nullable=False, server_default=""),
    sa.Column("file_sha256", sa.String(64), nullable=False, server_default=""),
    sa.Column("inserted", sa.Integer, nullable=False),
    sa.Column("changed", sa.Integer, nullable=False),
    sa.Column("ended", sa.Integer, nullable=False),
    sa.Column("reverts_upload_id", sa.Integer, sa.ForeignKey("data_upload.id"), nullable=True, comment="for a revert: the upload it undid"),
    sa.Index(None, "at"),
)

data_change = sa.Table(
    "data_change",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("data_upload.id"), nullable=False),
    sa.Column("table_name", sa.String(32), nullable=False, comment="target|partner|agreement|event"),
    sa.Column("row_key", sa.String(400), nullable=False, comment="e.g. 2027|410000|leads (year|province or *|metric)"),
    sa.Column("province_code", Code, nullable=True, comment="the province the row belongs to; NULL = national"),
    sa.Column("op", sa.String(8), nullable=False, comment="insert|update|end|delete"),
    sa.Column("before", sa.Text, nullable=True, comment="JSON of the row before; NULL for an insert"),
    sa.Column("after", sa.Text, nullable=True, comment="JSON of the row after; NULL for a delete"),
    sa.Index(None, "upload_id"),
    sa.Index(None, "table_name", "row_key"),
)

UPKEEP_TABLES: tuple[sa.Table, ...] = (data_upload, data_change)

# --- Alerts and digests (migration 0006): who gets which digest, how and when, and one row per
# digest sent or tried for one period (docs/SCHEMA.md §8). Secrets (SMTP password, robot keys)
# are never stored: ``target`` holds an e-mail address or the NAME of a robot in secrets.toml.

subscription = sa.Table(
    "subscription",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner", sa.String(254), nullable=False, comment="app_user e-mail; the digest never shows more than they may see"),
    sa.Column("created_at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column(
        "provinces",
        sa.String(400),
        nullable=False,
        server_default="",
        comment="comma-separated adcodes; empty = every province the owner may see",
    ),
    sa.Column("sections", sa.String(400), nullable=False, comment="comma-separated section ids of the PDF pack"),
    sa.Column("schedule", sa.String(8), nullable=False, comment="daily|weekly|monthly"),
    sa.Column("weekday", sa.Integer, nullable=False, server_default="0", comment="weekly: 0 = Monday"),
    sa.Column("monthday", sa.Integer, nullable=False, server_default="1", comment="monthly: 1-31, the month's last day if shorter"),
    sa.Column("at_time", sa.String(5), nullable=False, comment="HH:MM, Asia/Shanghai"),
    sa.Column("channel", sa.String(16), nullable=False, comment="email|wecom|dingtalk|feishu"),
    sa.Column("target", sa.String(254), nullable=False, comment="e-mail address, or robot name in secrets.toml"),
    sa.Column("lang", sa.String(2), nullable=False, server_default="zh"),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Index(None, "owner"),
)

delivery = sa.Table(
    "delivery",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("subscription_id", sa.Integer, sa.ForeignKey("subscription.id", ondelete="CASCADE"), nullable=False),
    sa.Column("period", sa.String(16), nullable=False, comment="2026-12-02 | 2026-W49 | 2026-12"),
    sa.Column("status", sa.String(12), nullable=False, comment="sending|sent|failed|gave_up"),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("first_at", sa.DateTime, nullable=False, comment="UTC, the first attempt"),
    sa.Column("last_at", sa.DateTime, nullable=False, comment="UTC, the latest attempt"),
    sa.Column("next_at", sa.DateTime, nullable=True, comment="UTC: a failed delivery is retried from then"),
    sa.Column("error", sa.String(500), nullable=False, server_default=""),
    sa.Column("alerts", sa.Integer, nullable=False, server_default="0", comment="alerts in the digest"),
    sa.UniqueConstraint("subscription_id", "period"),
)

DIGEST_TABLES: tuple[sa.Table, ...] = (subscription, delivery)

# Insert order that satisfies the foreign keys (delete in reverse).
TABLES_IN_LOAD_ORDER: tuple[sa.Table, ...] = (
    province,
    city,
    partner,
    agreement,
    project,
    budget_plan,
    disbursement,
    milestone,
    learner,
    funnel_event,
    target,
    dataset_info,
    event,
    event_province,
    view_note,
    view_note_province,
)

# --- Summaries (migration 0003): aggregates of learner and funnel_event at monthly grain, written
# only by ``python -m data_access.refresh`` (docs/SCHEMA.md §6). The pages read these; the raw
# tables are read only for the part of a month a summary cannot answer. ``tier`` is the city's
# tier at refresh time; ``*_ym`` is year * 100 + month (202610 = October 2026).
YearMonth = sa.Integer

summary_funnel_flow = sa.Table(
    "summary_funnel_flow",
    metadata,
    sa.Column("event_ym", YearMonth, primary_key=True, comment="month of funnel_event.occurred_on"),
    sa.Column("province_code", Code, primary_key=True, comment="funnel_event.province_code"),
    sa.Column("tier", sa.String(16), primary_key=True, comment="city.tier of funnel_event.city_code"),
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("programme", sa.String(32), primary_key=True),
    sa.Column("stage", sa.String(16), primary_key=True),
    sa.Column("events", sa.BigInteger, nullable=False, comment="COUNT(*) of funnel_event"),
    sa.Column("first_on", sa.Date, nullable=False, comment="MIN(occurred_on)"),
    sa.Column("last_on", sa.Date, nullable=False, comment="MAX(occurred_on)"),
    sqlite_with_rowid=False,
)

summary_funnel_cohort = sa.Table(
    "summary_funnel_cohort",
    metadata,
    sa.Column("lead_ym", YearMonth, primary_key=True, comment="month of learner.lead_on: the cohort"),
    sa.Column("event_ym", YearMonth, primary_key=True, comment="month of funnel_event.occurred_on"),
    sa.Column("province_code", Code, primary_key=True, comment="learner.province_code"),
    sa.Column("tier", sa.String(16), primary_key=True, comment="city.tier of learner.city_code"),
    sa.Column("channel", sa.String(16), primary_key=True, comment="learner.channel"),
    sa.Column("programme", sa.String(32), primary_key=True, comment="learner.programme"),
    sa.Column("stage", sa.String(16), primary_key=True, comment="funnel_event.stage"),
    sa.Column("lag_bucket", sa.String(8), primary_key=True, comment="days from lead_on to occurred_on: 0-30 … 366+"),
    sa.Column("learners", sa.BigInteger, nullable=False, comment="COUNT(*) of learner ⋈ funnel_event"),
    sa.Column("lag_days", sa.BigInteger, nullable=False, comment="SUM of days from lead_on to occurred_on"),
    sqlite_with_rowid=False,
)

summary_leads = sa.Table(
    "summary_leads",
    metadata,
    sa.Column("lead_ym", YearMonth, primary_key=True, comment="month of learner.lead_on"),
    sa.Column("city_code", Code, primary_key=True, comment="learner.city_code"),
    sa.Column("province_code", Code, primary_key=True, comment="learner.province_code"),
    sa.Column("tier", sa.String(16), primary_key=True, comment="city.tier of learner.city_code"),
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("programme", sa.String(32), primary_key=True),
    sa.Column("leads", sa.BigInteger, nullable=False, comment="COUNT(*) of learner"),
    sqlite_with_rowid=False,
)


# Leaner copies (migration 0011), summed by the refresh from the two above in the same transaction:
# what most views read. The cohort funnel without the event month and lag (half the rows; the
# equal-age comparison and the lag chart still read summary_funnel_cohort), the leads without the
# city (an eighth of the rows; the coverage-by-city views still read summary_leads).
def _lead_month_slices(lead_ym_comment: str) -> list[sa.Column]:
    """The keys both lean summaries start with: the lead month and the four slices of a Scope."""
    return [
        sa.Column("lead_ym", YearMonth, primary_key=True, comment=lead_ym_comment),
        sa.Column("province_code", Code, primary_key=True, comment="learner.province_code"),
        sa.Column("tier", sa.String(16), primary_key=True, comment="city.tier of learner.city_code"),
        sa.Column("channel", sa.String(16), primary_key=True, comment="learner.channel"),
        sa.Column("programme", sa.String(32), primary_key=True, comment="learner.programme"),
    ]


summary_funnel_reach = sa.Table(
    "summary_funnel_reach",
    metadata,
    *_lead_month_slices("month of learner.lead_on: the cohort"),
    sa.Column("stage", sa.String(16), primary_key=True, comment="funnel_event.stage"),
    sa.Column("learners", sa.BigInteger, nullable=False, comment="SUM of summary_funnel_cohort.learners"),
    sqlite_with_rowid=False,
)

summary_leads_tier = sa.Table(
    "summary_leads_tier",
    metadata,
    *_lead_month_slices("month of learner.lead_on"),
    sa.Column("leads", sa.BigInteger, nullable=False, comment="SUM of summary_leads.leads"),
    sqlite_with_rowid=False,
)

summary_month = sa.Table(
    "summary_month",
    metadata,
    sa.Column("source", sa.String(16), primary_key=True, comment="funnel_event | learner"),
    sa.Column("ym", YearMonth, primary_key=True),
    sa.Column("first_on", sa.Date, nullable=False, comment="earliest occurred_on / lead_on in the month"),
    sa.Column("last_on", sa.Date, nullable=False, comment="latest occurred_on / lead_on in the month"),
    sa.Column("row_count", sa.BigInteger, nullable=False, comment="raw rows summarised for the month"),
    sa.Column("refreshed_at", sa.DateTime, nullable=False, comment="UTC"),
)

summary_state = sa.Table(
    "summary_state",
    metadata,
    sa.Column(
        "key",
        sa.String(32),
        primary_key=True,
        comment="refreshed_at | funnel_event_max_id | learner_max_id | funnel_event_rows | learner_rows",
    ),
    sa.Column("value", sa.String(64), nullable=False),
)

SUMMARY_TABLES: tuple[sa.Table, ...] = (
    summary_funnel_flow,
    summary_funnel_cohort,
    summary_leads,
    summary_funnel_reach,
    summary_leads_tier,
    summary_month,
    summary_state,
)
