"""digests: subscriptions to alert digests, and one delivery row per subscription and period

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create subscription and delivery (docs/SCHEMA.md §8)."""
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=254), nullable=False,
                  comment="app_user e-mail; the digest never shows more than they may see"),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="UTC"),
        sa.Column("provinces", sa.String(length=400), server_default="", nullable=False,
                  comment="comma-separated adcodes; empty = every province the owner may see"),
        sa.Column("sections", sa.String(length=400), nullable=False, comment="comma-separated section ids of the PDF pack"),
        sa.Column("schedule", sa.String(length=8), nullable=False, comment="daily|weekly|monthly"),
        sa.Column("weekday", sa.Integer(), server_default="0", nullable=False, comment="weekly: 0 = Monday"),
        sa.Column("monthday", sa.Integer(), server_default="1", nullable=False,
                  comment="monthly: 1-31, the month's last day if shorter"),
        sa.Column("at_time", sa.String(length=5), nullable=False, comment="HH:MM, Asia/Shanghai"),
        sa.Column("channel", sa.String(length=16), nullable=False, comment="email|wecom|dingtalk|feishu"),
        sa.Column("target", sa.String(length=254), nullable=False,
                  comment="e-mail address, or robot name in secrets.toml"),
        sa.Column("lang", sa.String(length=2), server_default="zh", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
    )
    op.create_index(op.f("ix_subscription_owner"), "subscription", ["owner"], unique=False)
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False, comment="2026-12-02 | 2026-W49 | 2026-12"),
        sa.Column("status", sa.String(length=12), nullable=False, comment="sending|sent|failed|gave_up"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False, comment="UTC, the first attempt"),
        sa.Column("last_at", sa.DateTime(), nullable=False, comment="UTC, the latest attempt"),
        sa.Column("next_at", sa.DateTime(), nullable=True, comment="UTC: a failed delivery is retried from then"),
        sa.Column("error", sa.String(length=500), server_default="", nullable=False),
        sa.Column("alerts", sa.Integer(), server_default="0", nullable=False, comment="alerts in the digest"),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscription.id"], ondelete="CASCADE",
                                name=op.f("fk_delivery_subscription_id_subscription")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("subscription_id", "period", name=op.f("uq_delivery_subscription_id_period")),
    )


def downgrade() -> None:
    op.drop_table("delivery")
    op.drop_index(op.f("ix_subscription_owner"), table_name="subscription")
    op.drop_table("subscription")
