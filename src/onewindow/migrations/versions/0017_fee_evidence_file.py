"""涉企收费 销号 evidence file: sup_fee_problems.evidence_filename, evidence_content

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 13:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sup_fee_problems', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_filename', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('evidence_content', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sup_fee_problems', schema=None) as batch_op:
        batch_op.drop_column('evidence_content')
        batch_op.drop_column('evidence_filename')
