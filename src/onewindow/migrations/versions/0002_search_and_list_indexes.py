"""Indexes for listing and searching the catalogue at scale.

- (status, code, version) so a page of items in force is read in order, without sorting every row;
- the PostgreSQL full-text index without a pending list (fastupdate off): the catalogue is written
  rarely and read constantly, and a long pending list after a bulk import made the planner fall back
  to a sequential scan (measured in bench/).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_service_items_status_code_version", "service_items", ["status", "code", "version"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_service_items_search SET (fastupdate = off)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_service_items_search RESET (fastupdate)")
    op.drop_index("ix_service_items_status_code_version", table_name="service_items")
