"""identity binding: each user row is bound to its provider's issuer and subject on first sign-in

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """app_user gains oidc_issuer, oidc_subject and bound_at (docs/SECURITY.md, "Identity")."""
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oidc_issuer", sa.String(length=255), nullable=True,
                                      comment="the provider's iss claim this row is bound to; NULL = not bound yet"))
        batch_op.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True,
                                      comment="the provider's sub claim this row is bound to"))
        batch_op.add_column(sa.Column("bound_at", sa.DateTime(), nullable=True, comment="UTC, first sign-in"))
        batch_op.create_unique_constraint(batch_op.f("uq_app_user_oidc_issuer_oidc_subject"), ["oidc_issuer", "oidc_subject"])


def downgrade() -> None:
    """Drop the binding columns."""
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_app_user_oidc_issuer_oidc_subject"), type_="unique")
        batch_op.drop_column("bound_at")
        batch_op.drop_column("oidc_subject")
        batch_op.drop_column("oidc_issuer")
