"""The 12345 knowledge base: articles by topic and department, one row per version, with their
Chinese full-text index (common.search.index_ddl: FTS5 on SQLite, GIN on PostgreSQL — without a
pending list there, as for the catalogue, because articles are written rarely and read on every
keystroke of an agent).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from onewindow.common.search import drop_ddl, index_ddl
from onewindow.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLE = "knowledge_articles"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_knowledge_articles_department_id_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_articles")),
        sa.UniqueConstraint("code", "version", name="uq_knowledge_articles_code_version"),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_articles_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_articles_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_articles_topic"), ["topic"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_articles_department_id"), ["department_id"], unique=False)
        batch_op.create_index("ix_knowledge_articles_status_code_version", ["status", "code", "version"], unique=False)
    dialect = op.get_bind().dialect.name
    for stmt in index_ddl(TABLE, dialect):
        op.execute(stmt)
    if dialect == "postgresql":
        op.execute(f"ALTER INDEX ix_{TABLE}_search SET (fastupdate = off)")


def downgrade() -> None:
    for stmt in drop_ddl(TABLE, op.get_bind().dialect.name):
        op.execute(stmt)
    op.drop_table(TABLE)
