"""Domain events (outbox style) and the (event, handler) pairs that ran, so each handler runs once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from onewindow.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "domain_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("dispatched_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_domain_events_name", "domain_events", ["name"])
    op.create_index("ix_domain_events_dispatched_at", "domain_events", ["dispatched_at"])
    op.create_table(
        "domain_events_handled",
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("domain_events.id"), primary_key=True),
        sa.Column("handler", sa.String(64), primary_key=True),
        sa.Column("handled_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("domain_events_handled")
    op.drop_index("ix_domain_events_dispatched_at", table_name="domain_events")
    op.drop_index("ix_domain_events_name", table_name="domain_events")
    op.drop_table("domain_events")
