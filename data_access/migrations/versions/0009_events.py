"""events on the timeline: what happened, when, and the provinces it concerns

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """event and event_province (docs/SCHEMA.md §10)."""
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True, comment="the last day of a span (a campaign); NULL: one day"),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="signing|policy|campaign|opening|other"),
        sa.Column("title_zh", sa.String(length=80), server_default="", nullable=False),
        sa.Column("title_en", sa.String(length=120), server_default="", nullable=False),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        sa.Column("reach", sa.String(length=16), nullable=False, comment="national|region|provinces: how it was entered"),
        sa.Column("region", sa.String(length=16), server_default="", nullable=False, comment="the region group of a region-wide event"),
        sa.Column("partner_id", sa.Integer(), nullable=True,
                  comment="the partner it is about, if any (no foreign key: a partner may be ended)"),
        sa.Column("project_id", sa.Integer(), nullable=True, comment="the project it is about, if any"),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="UTC"),
        sa.Column("changed_by", sa.String(length=254), server_default="", nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=True, comment="UTC"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    op.create_index(op.f("ix_event_starts_on"), "event", ["starts_on"], unique=False)
    op.create_table(
        "event_province",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_event_province_event_id_event"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "province_code", name=op.f("pk_event_province")),
    )
    op.create_index(op.f("ix_event_province_province_code"), "event_province", ["province_code"], unique=False)


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index(op.f("ix_event_province_province_code"), table_name="event_province")
    op.drop_table("event_province")
    op.drop_index(op.f("ix_event_starts_on"), table_name="event")
    op.drop_table("event")
