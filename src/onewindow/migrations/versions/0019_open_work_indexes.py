"""open work on its own indexes (issue 11 benchmark b): demand_assignments.demand_open, the unit's inbox
index of open work, and partial indexes of open demands by deadline and 预警/超期 state

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 17:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OPEN = sa.text("status <> 'closed'")
UNIT_OPEN = sa.text("active IS TRUE AND demand_open IS TRUE")


def upgrade() -> None:
    with op.batch_alter_table('demand_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('demand_open', sa.Boolean(), nullable=False, server_default=sa.true()))
    # The units of demands already 办结 leave the inbox index, as handling._close does from now on.
    op.execute("UPDATE demand_assignments SET demand_open = false "
               "WHERE demand_id IN (SELECT id FROM demands WHERE status = 'closed')")
    op.create_index('ix_demand_assignments_unit_open', 'demand_assignments', ['department_id', 'demand_id'],
                    postgresql_where=UNIT_OPEN, sqlite_where=UNIT_OPEN)
    op.create_index('ix_demands_open_due', 'demands', ['due_at', 'due_on', 'id'], postgresql_where=OPEN,
                    sqlite_where=OPEN)
    op.create_index('ix_demands_open_sla', 'demands', ['sla_state', 'due_at', 'due_on', 'id'], postgresql_where=OPEN,
                    sqlite_where=OPEN)


def downgrade() -> None:
    op.drop_index('ix_demands_open_sla', table_name='demands')
    op.drop_index('ix_demands_open_due', table_name='demands')
    op.drop_index('ix_demand_assignments_unit_open', table_name='demand_assignments')
    with op.batch_alter_table('demand_assignments', schema=None) as batch_op:
        batch_op.drop_column('demand_open')
