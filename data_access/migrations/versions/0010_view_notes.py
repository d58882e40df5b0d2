"""notes on a view: a leader's remark on a section for a period and scope; events in upkeep uploads

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """view_note and view_note_province (docs/SCHEMA.md §11); upkeep uploads may hold events."""
    op.create_table(
        "view_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=40), nullable=False, comment="the section's registry id (components/sections)"),
        sa.Column("starts_on", sa.Date(), nullable=False, comment="the period of the view it was written on: first day"),
        sa.Column("ends_on", sa.Date(), nullable=False, comment="the day after its last day (half-open, like a Scope)"),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="UTC"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_view_note")),
    )
    op.create_index(op.f("ix_view_note_section_starts_on"), "view_note", ["section", "starts_on"], unique=False)
    op.create_table(
        "view_note_province",
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(["note_id"], ["view_note.id"], name=op.f("fk_view_note_province_note_id_view_note"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("note_id", "province_code", name=op.f("pk_view_note_province")),
    )
    op.create_index(op.f("ix_view_note_province_province_code"), "view_note_province", ["province_code"], unique=False)
    if op.get_bind().dialect.name != "sqlite":  # SQLite keeps no comments
        op.alter_column("data_upload", "kind", existing_type=sa.String(length=16), existing_nullable=False,
                        comment="targets|partners|events", existing_comment="targets|partners")
        op.alter_column("data_change", "table_name", existing_type=sa.String(length=32), existing_nullable=False,
                        comment="target|partner|agreement|event", existing_comment="target|partner|agreement")


def downgrade() -> None:
    """Drop both tables; the comments as before."""
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("data_change", "table_name", existing_type=sa.String(length=32), existing_nullable=False,
                        comment="target|partner|agreement", existing_comment="target|partner|agreement|event")
        op.alter_column("data_upload", "kind", existing_type=sa.String(length=16), existing_nullable=False,
                        comment="targets|partners", existing_comment="targets|partners|events")
    op.drop_index(op.f("ix_view_note_province_province_code"), table_name="view_note_province")
    op.drop_table("view_note_province")
    op.drop_index(op.f("ix_view_note_section_starts_on"), table_name="view_note")
    op.drop_table("view_note")
