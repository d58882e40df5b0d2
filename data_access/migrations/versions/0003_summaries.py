"""summaries: monthly aggregates of learner and funnel_event that the pages read

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Written only by ``python -m data_access.refresh`` (docs/SCHEMA.md §6). The upgrade creates the
tables empty: run the refresh after it (``make run``'s bootstrap and the seed do).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

Code = sa.String(length=6)


def upgrade() -> None:
    """Create the summary tables (clustered by their month on SQLite: WITHOUT ROWID)."""
    op.create_table(
        "summary_funnel_flow",
        sa.Column("event_ym", sa.Integer(), nullable=False, comment="month of funnel_event.occurred_on"),
        sa.Column("province_code", Code, nullable=False, comment="funnel_event.province_code"),
        sa.Column("tier", sa.String(length=16), nullable=False, comment="city.tier of funnel_event.city_code"),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("programme", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False, comment="COUNT(*) of funnel_event"),
        sa.Column("first_on", sa.Date(), nullable=False, comment="MIN(occurred_on)"),
        sa.Column("last_on", sa.Date(), nullable=False, comment="MAX(occurred_on)"),
        sa.PrimaryKeyConstraint("event_ym", "province_code", "tier", "channel", "programme", "stage",
                                name=op.f("pk_summary_funnel_flow")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "summary_funnel_cohort",
        sa.Column("lead_ym", sa.Integer(), nullable=False, comment="month of learner.lead_on: the cohort"),
        sa.Column("event_ym", sa.Integer(), nullable=False, comment="month of funnel_event.occurred_on"),
        sa.Column("province_code", Code, nullable=False, comment="learner.province_code"),
        sa.Column("tier", sa.String(length=16), nullable=False, comment="city.tier of learner.city_code"),
        sa.Column("channel", sa.String(length=16), nullable=False, comment="learner.channel"),
        sa.Column("programme", sa.String(length=32), nullable=False, comment="learner.programme"),
        sa.Column("stage", sa.String(length=16), nullable=False, comment="funnel_event.stage"),
        sa.Column("lag_bucket", sa.String(length=8), nullable=False,
                  comment="days from lead_on to occurred_on: 0-30 … 366+"),
        sa.Column("learners", sa.BigInteger(), nullable=False, comment="COUNT(*) of learner ⋈ funnel_event"),
        sa.Column("lag_days", sa.BigInteger(), nullable=False, comment="SUM of days from lead_on to occurred_on"),
        sa.PrimaryKeyConstraint("lead_ym", "event_ym", "province_code", "tier", "channel", "programme", "stage",
                                "lag_bucket", name=op.f("pk_summary_funnel_cohort")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "summary_leads",
        sa.Column("lead_ym", sa.Integer(), nullable=False, comment="month of learner.lead_on"),
        sa.Column("city_code", Code, nullable=False, comment="learner.city_code"),
        sa.Column("province_code", Code, nullable=False, comment="learner.province_code"),
        sa.Column("tier", sa.String(length=16), nullable=False, comment="city.tier of learner.city_code"),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("programme", sa.String(length=32), nullable=False),
        sa.Column("leads", sa.BigInteger(), nullable=False, comment="COUNT(*) of learner"),
        sa.PrimaryKeyConstraint("lead_ym", "city_code", "province_code", "tier", "channel", "programme",
                                name=op.f("pk_summary_leads")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "summary_month",
        sa.Column("source", sa.String(length=16), nullable=False, comment="funnel_event | learner"),
        sa.Column("ym", sa.Integer(), nullable=False),
        sa.Column("first_on", sa.Date(), nullable=False, comment="earliest occurred_on / lead_on in the month"),
        sa.Column("last_on", sa.Date(), nullable=False, comment="latest occurred_on / lead_on in the month"),
        sa.Column("row_count", sa.BigInteger(), nullable=False, comment="raw rows summarised for the month"),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False, comment="UTC"),
        sa.PrimaryKeyConstraint("source", "ym", name=op.f("pk_summary_month")),
    )
    op.create_table(
        "summary_state",
        sa.Column("key", sa.String(length=32), nullable=False,
                  comment="refreshed_at | funnel_event_max_id | learner_max_id | funnel_event_rows | learner_rows"),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_summary_state")),
    )


def downgrade() -> None:
    for name in ("summary_state", "summary_month", "summary_leads", "summary_funnel_cohort", "summary_funnel_flow"):
        op.drop_table(name)
