"""demand merges (并单): demands.merged_into_id

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite can add a foreign key only by rebuilding the table
    with op.batch_alter_table('demands', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_demands_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_demands_merged_into_id_demands'), 'demands',
                                    ['merged_into_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('demands', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_demands_merged_into_id_demands'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_demands_merged_into_id'))
        batch_op.drop_column('merged_into_id')
