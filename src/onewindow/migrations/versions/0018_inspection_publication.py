"""inspection results publication (一公开): sup_inspections.results_published_at, publish_state

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 13:30:00
"""
import sqlalchemy as sa
from alembic import op

from onewindow.db import UTCDateTime

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sup_inspections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_published_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('publish_state', sa.String(length=8), nullable=False, server_default='normal'))


def downgrade() -> None:
    with op.batch_alter_table('sup_inspections', schema=None) as batch_op:
        batch_op.drop_column('publish_state')
        batch_op.drop_column('results_published_at')
