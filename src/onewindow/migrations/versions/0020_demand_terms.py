"""demand_terms: each demand's words for duplicate candidates on indexes (issue 11 benchmark d), and an
index of demands by enterprise; the words of the last year's demands are written here (the longest
window candidates look back over)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 17:40:00
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from onewindow.db import UTCDateTime
from onewindow.demands.terms import rows

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'demand_terms',
        sa.Column('demand_id', sa.Integer(), nullable=False),
        sa.Column('term', sa.String(length=32), nullable=False),
        sa.Column('part', sa.String(length=1), nullable=False),
        sa.Column('received_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('weight', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['demand_id'], ['demands.id'], name=op.f('fk_demand_terms_demand_id_demands')),
        sa.PrimaryKeyConstraint('demand_id', 'term', 'part', name=op.f('pk_demand_terms')),
    )
    op.create_index('ix_demand_terms_recent', 'demand_terms', ['term', 'part', 'received_at'])
    op.create_index('ix_demands_enterprise_uscc', 'demands', ['enterprise_uscc'])
    # The words the service writes at intake from now on (terms.rows, the same jieba cut), for the
    # demands a candidate search can still reach: the last 366 days.
    conn = op.get_bind()
    since = datetime.now(UTC) - timedelta(days=366)
    demands = sa.table('demands', sa.column('id'), sa.column('received_at', UTCDateTime(timezone=True)),
                       sa.column('subject'), sa.column('content'), sa.column('location'))
    table = sa.table('demand_terms', sa.column('demand_id'), sa.column('term'), sa.column('part'),
                     sa.column('received_at', UTCDateTime(timezone=True)), sa.column('weight'))
    last = 0
    while True:
        batch = conn.execute(sa.select(demands).where(demands.c.id > last, demands.c.received_at >= since)
                             .order_by(demands.c.id).limit(5000)).all()
        if not batch:
            break
        words = [t for d in batch for t in rows(demand_id=d.id, received_at=d.received_at, subject=d.subject or "",
                                                content=d.content or "", location=d.location or "")]
        if words:
            conn.execute(sa.insert(table), words)
        last = batch[-1].id


def downgrade() -> None:
    op.drop_index('ix_demands_enterprise_uscc', table_name='demands')
    op.drop_index('ix_demand_terms_recent', table_name='demand_terms')
    op.drop_table('demand_terms')
