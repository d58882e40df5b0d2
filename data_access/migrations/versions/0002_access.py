"""access: users, their province/region grants, and the audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create app_user, app_user_grant and audit_log (docs/SCHEMA.md, "Access")."""
    op.create_table(
        "app_user",
        sa.Column("email", sa.String(length=254), nullable=False, comment="the e-mail claim of the SSO, lower case"),
        sa.Column("role", sa.String(length=16), nullable=False, comment="executive|regional|analyst|admin"),
        sa.Column("name", sa.String(length=100), server_default="", nullable=False, comment="display name (optional)"),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="UTC"),
        sa.Column("created_by", sa.String(length=254), nullable=False, comment="e-mail of an admin, or cli:<os user>"),
        sa.Column("changed_at", sa.DateTime(), nullable=False, comment="UTC"),
        sa.Column("changed_by", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_app_user")),
    )
    op.create_table(
        "app_user_grant",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="province|region"),
        sa.Column("code", sa.String(length=16), nullable=False,
                  comment="a 6-digit adcode, or a region code (central, ...)"),
        sa.ForeignKeyConstraint(["email"], ["app_user.email"], name=op.f("fk_app_user_grant_email_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("email", "kind", "code", name=op.f("pk_app_user_grant")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False, comment="UTC"),
        sa.Column("actor", sa.String(length=254), nullable=False, comment="e-mail, cli:<os user>, or demo"),
        sa.Column("action", sa.String(length=32), nullable=False, comment="export|report|user_add|user_set"),
        sa.Column("page", sa.String(length=32), server_default="", nullable=False),
        sa.Column("item", sa.String(length=200), server_default="", nullable=False,
                  comment="chart or pack name; the user changed"),
        sa.Column("format", sa.String(length=8), server_default="", nullable=False,
                  comment="png|svg|pdf|csv|xlsx|pptx"),
        sa.Column("provinces", sa.String(length=400), server_default="", nullable=False,
                  comment="adcodes of the scope, comma-separated; * = all"),
        sa.Column("filters", sa.String(length=2000), server_default="", nullable=False,
                  comment="the URL query of the view"),
        sa.Column("data_as_of", sa.Date(), nullable=True),
        sa.Column("detail", sa.String(length=2000), server_default="", nullable=False,
                  comment="e.g. before -> after of a user change"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_actor_at"), ["actor", "at"], unique=False)


def downgrade() -> None:
    """Drop the access tables (grants before users)."""
    op.drop_table("audit_log")
    op.drop_table("app_user_grant")
    op.drop_table("app_user")
