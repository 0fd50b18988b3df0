"""demands: 签收 deadlines (demand_limits.sign_minutes, the assignments' sign clock) and demand_merges
(what a merged demand was before 并单, so a wrong merge can be undone)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 13:30:00
"""
import sqlalchemy as sa
from alembic import op

import onewindow.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('demand_limits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_minutes', sa.Integer(), nullable=False, server_default='120'))
    # The default 签收 limits: urgent within half a working hour, the others within 2 working hours.
    op.execute("UPDATE demand_limits SET sign_minutes = 30 WHERE urgency = 'urgent'")
    with op.batch_alter_table('demand_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sign_due_at', onewindow.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sign_sla_state', sa.String(length=8), nullable=False,
                                      server_default='normal'))
    op.create_table('demand_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('into_id', sa.Integer(), nullable=False),
    sa.Column('merged_at', onewindow.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('merged_by_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('undone_at', onewindow.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.Column('undo_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['demand_id'], ['demands.id'], name=op.f('fk_demand_merges_demand_id_demands')),
    sa.ForeignKeyConstraint(['into_id'], ['demands.id'], name=op.f('fk_demand_merges_into_id_demands')),
    sa.ForeignKeyConstraint(['merged_by_id'], ['users.id'], name=op.f('fk_demand_merges_merged_by_id_users')),
    sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'], name=op.f('fk_demand_merges_undone_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_merges'))
    )
    with op.batch_alter_table('demand_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demand_merges_demand_id'), ['demand_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('demand_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_merges_demand_id'))
    op.drop_table('demand_merges')
    with op.batch_alter_table('demand_assignments', schema=None) as batch_op:
        batch_op.drop_column('sign_sla_state')
        batch_op.drop_column('sign_due_at')
        batch_op.drop_column('sign_minutes')
    with op.batch_alter_table('demand_limits', schema=None) as batch_op:
        batch_op.drop_column('sign_minutes')
