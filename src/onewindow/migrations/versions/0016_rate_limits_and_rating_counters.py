"""one rate-limit table for every limit (rate_limit_hits, replacing demand_hits); window counters with a
standing rating QR (rating_counters); the staff member, counter and scanning device of a rated matter

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 13:30:00
"""
import sqlalchemy as sa
from alembic import op

import onewindow.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limit_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=48), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('at', onewindow.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_hits'))
    )
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.create_index('ix_rate_limit_hits_scope_key_at', ['scope', 'key', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rate_limit_hits_at'), ['at'], unique=False)
    # A new table and a copy, not a rename: a rename keeps the old primary-key constraint, index and (on
    # PostgreSQL) sequence names, which then differ from the models' on one database and not the other. The
    # hits still inside their window keep counting, under the scope names common.ratelimit gives them.
    op.execute("INSERT INTO rate_limit_hits (scope, key, at) "
               "SELECT 'demands.' || scope || ':' || 'client', key, at FROM demand_hits")  # ':client' would be a bind
    with op.batch_alter_table('demand_hits', schema=None) as batch_op:
        batch_op.drop_index('ix_demand_hits_scope_key_at')
    op.drop_table('demand_hits')

    op.create_table('rating_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('clerk_id', sa.Integer(), nullable=True),
    sa.Column('on_duty_at', onewindow.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', onewindow.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clerk_id'], ['users.id'], name=op.f('fk_rating_counters_clerk_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                            name=op.f('fk_rating_counters_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_counters')),
    sa.UniqueConstraint('department_id', 'name', name='uq_rating_counters_department_name')
    )
    with op.batch_alter_table('rating_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_counters_department_id'), ['department_id'], unique=False)

    # batch mode: SQLite can add a foreign key only by rebuilding the table
    with op.batch_alter_table('rating_matters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('counter_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('device', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_rating_matters_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_matters_counter_id'), ['counter_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_rating_matters_staff_id_users'), 'users', ['staff_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_rating_matters_counter_id_rating_counters'), 'rating_counters',
                                    ['counter_id'], ['id'])
    # Matters rated before: a window visit's staff member is its clerk.
    op.execute("UPDATE rating_matters SET staff_id = clerk_id WHERE kind = 'window'")


def downgrade() -> None:
    with op.batch_alter_table('rating_matters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rating_matters_counter_id_rating_counters'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_rating_matters_staff_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_rating_matters_counter_id'))
        batch_op.drop_index(batch_op.f('ix_rating_matters_staff_id'))
        batch_op.drop_column('device')
        batch_op.drop_column('counter_id')
        batch_op.drop_column('staff_id')
    with op.batch_alter_table('rating_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_counters_department_id'))
    op.drop_table('rating_counters')

    op.create_table('demand_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('at', onewindow.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_hits'))
    )
    with op.batch_alter_table('demand_hits', schema=None) as batch_op:
        batch_op.create_index('ix_demand_hits_scope_key_at', ['scope', 'key', 'at'], unique=False)
    op.execute("INSERT INTO demand_hits (scope, key, at) SELECT substr(scope, 9, length(scope) - 15), "
               "substr(key, 1, 100), at FROM rate_limit_hits WHERE scope IN ('demands.scan:client', "
               "'demands.track:client')")
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_hits_at'))
        batch_op.drop_index('ix_rate_limit_hits_scope_key_at')
    op.drop_table('rate_limit_hits')
