"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create the tables of docs/SCHEMA.md."""
    op.create_table('dataset_info',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=400), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_dataset_info'))
    )
    op.create_table('province',
    sa.Column('code', sa.String(length=6), nullable=False, comment='6-digit adcode, e.g. 420000'),
    sa.Column('name_zh', sa.String(length=32), nullable=False),
    sa.Column('name_en', sa.String(length=64), nullable=False),
    sa.Column('region', sa.String(length=16), nullable=False, comment='north|northeast|east|central|south|southwest|northwest'),
    sa.Column('lon', sa.Double(), nullable=False, comment='label point, GCJ-02'),
    sa.Column('lat', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_province'))
    )
    op.create_table('city',
    sa.Column('code', sa.String(length=6), nullable=False, comment='6-digit adcode of a city or county'),
    sa.Column('province_code', sa.String(length=6), nullable=False),
    sa.Column('parent_code', sa.String(length=6), nullable=True, comment='for counties: the prefecture city'),
    sa.Column('name_zh', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=128), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False, comment='capital|prefecture|county'),
    sa.Column('lon', sa.Double(), nullable=False),
    sa.Column('lat', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['province_code'], ['province.code'], name=op.f('fk_city_province_code_province')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_city'))
    )
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_province_code_tier'), ['province_code', 'tier'], unique=False)

    op.create_table('target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.String(length=6), nullable=True, comment='NULL = national'),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False, comment='count, or fen for *_fen metrics'),
    sa.ForeignKeyConstraint(['province_code'], ['province.code'], name=op.f('fk_target_province_code_province')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target')),
    sa.UniqueConstraint('year', 'province_code', 'metric', name=op.f('uq_target_year_province_code_metric'))
    )
    op.create_table('partner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False, comment='university|vocational_college|technical_school|enterprise|government'),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('agreement_level', sa.String(length=16), nullable=False, comment='strategic|core|general'),
    sa.Column('since', sa.Date(), nullable=False, comment='date of the first agreement'),
    sa.Column('status', sa.String(length=16), nullable=False, comment='active|paused|ended'),
    sa.ForeignKeyConstraint(['city_code'], ['city.code'], name=op.f('fk_partner_city_code_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner')),
    sa.UniqueConstraint('name_zh', name=op.f('uq_partner_name_zh'))
    )
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_city_code'), ['city_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_kind'), ['kind'], unique=False)

    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('value_fen', sa.BigInteger(), nullable=False, comment='contract value in fen; 0 for framework agreements'),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_agreement_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement'))
    )
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_partner_id'), ['partner_id'], unique=False)

    op.create_table('learner',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False, comment='where the lead came from'),
    sa.Column('province_code', sa.String(length=6), nullable=False, comment="= city's province (denormalised for scope filters)"),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True, comment='partner that brought the lead, if any'),
    sa.Column('lead_on', sa.Date(), nullable=False, comment="date of the lead event: the learner's cohort"),
    sa.ForeignKeyConstraint(['city_code'], ['city.code'], name=op.f('fk_learner_city_code_city')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_learner_partner_id_partner')),
    sa.ForeignKeyConstraint(['province_code'], ['province.code'], name=op.f('fk_learner_province_code_province')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learner'))
    )
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_lead_on'), ['lead_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_learner_province_code_lead_on'), ['province_code', 'lead_on'], unique=False)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('sector', sa.String(length=32), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('committed_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False, comment='planning|active|completed|suspended'),
    sa.ForeignKeyConstraint(['city_code'], ['city.code'], name=op.f('fk_project_city_code_city')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_project_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project')),
    sa.UniqueConstraint('code', name=op.f('uq_project_code'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_city_code'), ['city_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_partner_id'), ['partner_id'], unique=False)

    op.create_table('budget_plan',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False, comment='fiscal year = calendar year'),
    sa.Column('planned_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_budget_plan_project_id_project')),
    sa.PrimaryKeyConstraint('project_id', 'year', name=op.f('pk_budget_plan'))
    )
    op.create_table('disbursement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_disbursement_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disbursement'))
    )
    with op.batch_alter_table('disbursement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disbursement_paid_on'), ['paid_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_disbursement_project_id_paid_on'), ['project_id', 'paid_on'], unique=False)

    op.create_table('funnel_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('learner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False, comment='lead|consultation|trial_class|enrolled|completed|certified|employed|refunded'),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('province_code', sa.String(length=6), nullable=False, comment="= city's province (denormalised)"),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_funnel_event_learner_id_learner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funnel_event'))
    )
    with op.batch_alter_table('funnel_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funnel_event_learner_id_stage'), ['learner_id', 'stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_funnel_event_occurred_on'), ['occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_funnel_event_province_code_occurred_on'), ['province_code', 'occurred_on'], unique=False)

    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True, comment='NULL while open'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_milestone_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone'))
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    """Drop every table (a full rollback to an empty database).

    Tables go child-first; their indexes go with them (MySQL refuses to drop an index that
    backs a foreign key on its own).
    """
    for name in ("funnel_event", "learner", "milestone", "disbursement", "budget_plan", "project",
                 "agreement", "partner", "target", "city", "province", "dataset_info"):
        op.drop_table(name)
