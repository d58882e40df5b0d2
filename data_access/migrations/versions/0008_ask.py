"""ask the cockpit: typed questions with their parse, and synonyms added by admins

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """ask_question (every question asked, docs/ASK.md) and ask_synonym (words added by admins)."""
    op.create_table(
        "ask_question",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False, comment="UTC"),
        sa.Column("actor", sa.String(length=254), nullable=False, comment="e-mail, cli:<os user>, or demo"),
        sa.Column("lang", sa.String(length=2), server_default="zh", nullable=False),
        sa.Column("text", sa.String(length=400), nullable=False, comment="the question as typed (cut at 400 characters)"),
        sa.Column("parse", sa.String(length=4000), server_default="", nullable=False, comment="what it was read as (JSON)"),
        sa.Column(
            "status",
            sa.String(length=16),
            nullable=False,
            comment="answered|not_understood|ambiguous|out_of_scope|no_data|unsupported|refused",
        ),
        sa.Column(
            "unknown", sa.String(length=400), server_default="", nullable=False, comment="the words not understood, separated by spaces"
        ),
        sa.Column("page", sa.String(length=32), server_default="", nullable=False, comment="where it was asked: a page, or cli"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ask_question")),
    )
    op.create_index(op.f("ix_ask_question_asked_at"), "ask_question", ["asked_at"], unique=False)
    op.create_index(op.f("ix_ask_question_status_asked_at"), "ask_question", ["status", "asked_at"], unique=False)
    op.create_table(
        "ask_synonym",
        sa.Column("term", sa.String(length=64), nullable=False, comment="the word as users type it (lower case)"),
        sa.Column(
            "kind",
            sa.String(length=16),
            nullable=False,
            comment="what it stands for: metric|province|region|place|channel|tier|programme|project_kind|sector|end|partner",
        ),
        sa.Column("code", sa.String(length=32), nullable=False, comment="the metric id, adcode, place code, code or partner id"),
        sa.Column("added_by", sa.String(length=254), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False, comment="UTC"),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_ask_synonym")),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("ask_synonym")
    op.drop_index(op.f("ix_ask_question_status_asked_at"), table_name="ask_question")
    op.drop_index(op.f("ix_ask_question_asked_at"), table_name="ask_question")
    op.drop_table("ask_question")
