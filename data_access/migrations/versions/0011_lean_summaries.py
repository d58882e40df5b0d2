"""lean summaries and two indexes: what a view ending mid-month and the agreements coming due read

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

Most cohort views need neither the event month nor the lag bucket, and the leads-by-tier views
not the city: ``summary_funnel_reach`` and ``summary_leads_tier`` hold the same counts without
them (half and an eighth of the rows at 10 M events). They are filled here from the finer
summaries, so an upgraded database answers at once; the refresh keeps them with the others.

The equal-age comparison of a view ending mid-month reads that cut month's events with their
learners: ``learner_id`` joins the date index so the events come from the index alone (10 M
events, SQLite: 0.44 s → 0.18 s for half a month).

The agreements coming due count what each partner brought in over twelve months: with
``learner (partner_id, lead_on)`` those are read per partner, not by scanning a year of learners
and of enrolment events (Coverage at 10 M events, SQLite: 2.3–3.0 s → 0.43 s for that statement).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: Union[str, Sequence[str], None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

Code = sa.String(length=6)
SLICES = ("province_code", "tier", "channel", "programme")
DATE_INDEX = "ix_funnel_event_occurred_on_covering"
PARTNER_INDEX = "ix_learner_partner_id_lead_on"
DATE_COLUMNS = ["occurred_on", "province_code", "city_code", "channel", "programme", "stage"]


def _slices() -> list[sa.Column]:
    return [
        sa.Column("province_code", Code, nullable=False, comment="learner.province_code"),
        sa.Column("tier", sa.String(length=16), nullable=False, comment="city.tier of learner.city_code"),
        sa.Column("channel", sa.String(length=16), nullable=False, comment="learner.channel"),
        sa.Column("programme", sa.String(length=32), nullable=False, comment="learner.programme"),
    ]


def _sum_into(target: str, source: str, keys: tuple[str, ...], measure: str) -> None:
    """INSERT INTO target SELECT keys, SUM(measure) FROM source GROUP BY keys (lightweight tables:
    this revision's view of them, not schema.py's)."""
    cols = [*keys, measure]
    src, dst = sa.table(source, *map(sa.column, cols)), sa.table(target, *map(sa.column, cols))
    by = [src.c[k] for k in keys]
    op.execute(dst.insert().from_select(cols, sa.select(*by, sa.func.sum(src.c[measure])).group_by(*by)))


def upgrade() -> None:
    op.create_table(
        "summary_funnel_reach",
        sa.Column("lead_ym", sa.Integer(), nullable=False, comment="month of learner.lead_on: the cohort"),
        *_slices(),
        sa.Column("stage", sa.String(length=16), nullable=False, comment="funnel_event.stage"),
        sa.Column("learners", sa.BigInteger(), nullable=False, comment="SUM of summary_funnel_cohort.learners"),
        sa.PrimaryKeyConstraint("lead_ym", *SLICES, "stage", name=op.f("pk_summary_funnel_reach")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "summary_leads_tier",
        sa.Column("lead_ym", sa.Integer(), nullable=False, comment="month of learner.lead_on"),
        *_slices(),
        sa.Column("leads", sa.BigInteger(), nullable=False, comment="SUM of summary_leads.leads"),
        sa.PrimaryKeyConstraint("lead_ym", *SLICES, name=op.f("pk_summary_leads_tier")),
        sqlite_with_rowid=False,
    )
    _sum_into("summary_funnel_reach", "summary_funnel_cohort", ("lead_ym", *SLICES, "stage"), "learners")
    _sum_into("summary_leads_tier", "summary_leads", ("lead_ym", *SLICES), "leads")
    # The old index goes first (the new one takes its name); MySQL's foreign key on learner_id is
    # served by ix_funnel_event_learner_id_stage_occurred_on meanwhile.
    op.drop_index(DATE_INDEX, table_name="funnel_event")
    op.create_index(DATE_INDEX, "funnel_event", [*DATE_COLUMNS, "learner_id"])
    op.create_index(PARTNER_INDEX, "learner", ["partner_id", "lead_on"])
    if "ix_learner_partner_id" in {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("learner")}:
        op.drop_index("ix_learner_partner_id", table_name="learner")  # MySQL's, from a downgrade (below)


def downgrade() -> None:
    if op.get_bind().dialect.name in ("mysql", "mariadb"):
        # MySQL let its foreign key on learner.partner_id use the new index and dropped its own:
        # the key needs one at all times.
        op.create_index("ix_learner_partner_id", "learner", ["partner_id"])
    op.drop_index(PARTNER_INDEX, table_name="learner")
    op.drop_index(DATE_INDEX, table_name="funnel_event")
    op.create_index(DATE_INDEX, "funnel_event", DATE_COLUMNS)
    op.drop_table("summary_leads_tier")
    op.drop_table("summary_funnel_reach")
