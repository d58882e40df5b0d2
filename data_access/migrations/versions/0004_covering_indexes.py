"""covering indexes: a month of learner and funnel_event rows from an index alone

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

The refresh reads one month of leads and of events at a time, and a period's cut months are read
raw. With the date indexes of 0001 each row was a random lookup into the table (a month of
events is scattered over it): 10 M events took 234 s to summarise on SQLite. These indexes hold
every column those reads need, in date order (learner's with its id: PostgreSQL, unlike SQLite
and InnoDB, does not put the primary key into a secondary index); funnel_event's learner index
carries the event date for the cohort join. They replace the old date indexes, which nothing reads any more
(``ix_learner_province_code_lead_on`` stays: MySQL's foreign key on learner.province_code needs it).
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NEW = (
    ("ix_learner_lead_on_covering", "learner", ["lead_on", "province_code", "city_code", "channel", "programme", "id"]),
    ("ix_funnel_event_learner_id_stage_occurred_on", "funnel_event", ["learner_id", "stage", "occurred_on"]),
    ("ix_funnel_event_occurred_on_covering", "funnel_event",
     ["occurred_on", "province_code", "city_code", "channel", "programme", "stage"]),
)
OLD = (
    ("ix_learner_lead_on", "learner", ["lead_on"]),
    ("ix_funnel_event_learner_id_stage", "funnel_event", ["learner_id", "stage"]),
    ("ix_funnel_event_province_code_occurred_on", "funnel_event", ["province_code", "occurred_on"]),
    ("ix_funnel_event_occurred_on", "funnel_event", ["occurred_on"]),
)


def _swap(create, drop) -> None:
    # Create before dropping: MySQL needs an index on funnel_event.learner_id for its foreign key at all times.
    for name, table, columns in create:
        op.create_index(name, table, columns)
    for name, table, _ in drop:
        op.drop_index(name, table_name=table)


def upgrade() -> None:
    _swap(NEW, OLD)


def downgrade() -> None:
    _swap(OLD, NEW)
