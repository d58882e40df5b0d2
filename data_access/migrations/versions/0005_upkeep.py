"""upkeep: uploads of targets and partners from Excel, and one change row per key they touched

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create data_upload and data_change (docs/SCHEMA.md §7)."""
    op.create_table(
        "data_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False, comment="UTC"),
        sa.Column("actor", sa.String(length=254), nullable=False, comment="e-mail, or cli:<os user>"),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="targets|partners"),
        sa.Column("source", sa.String(length=16), nullable=False, comment="page|cli|revert"),
        sa.Column("file_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("file_sha256", sa.String(length=64), server_default="", nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Integer(), nullable=False),
        sa.Column("reverts_upload_id", sa.Integer(), nullable=True, comment="for a revert: the upload it undid"),
        sa.ForeignKeyConstraint(["reverts_upload_id"], ["data_upload.id"],
                                name=op.f("fk_data_upload_reverts_upload_id_data_upload")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_upload")),
    )
    op.create_index(op.f("ix_data_upload_at"), "data_upload", ["at"], unique=False)
    op.create_table(
        "data_change",
        sa.Column("id", BigId, nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False, comment="target|partner|agreement"),
        sa.Column("row_key", sa.String(length=400), nullable=False,
                  comment="e.g. 2027|410000|leads (year|province or *|metric)"),
        sa.Column("province_code", sa.String(length=6), nullable=True,
                  comment="the province the row belongs to; NULL = national"),
        sa.Column("op", sa.String(length=8), nullable=False, comment="insert|update|end|delete"),
        sa.Column("before", sa.Text(), nullable=True, comment="JSON of the row before; NULL for an insert"),
        sa.Column("after", sa.Text(), nullable=True, comment="JSON of the row after; NULL for a delete"),
        sa.ForeignKeyConstraint(["upload_id"], ["data_upload.id"], name=op.f("fk_data_change_upload_id_data_upload")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_change")),
    )
    op.create_index(op.f("ix_data_change_upload_id"), "data_change", ["upload_id"], unique=False)
    op.create_index(op.f("ix_data_change_table_name_row_key"), "data_change", ["table_name", "row_key"], unique=False)


def downgrade() -> None:
    """Drop the upkeep tables (changes before uploads)."""
    op.drop_table("data_change")
    op.drop_table("data_upload")
