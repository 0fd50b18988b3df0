"""Policies (惠企政策): the policy library, dated parameters, exclusivity groups, test cases, profile
snapshots, match results, 免申即享 disbursement batches and the award ledger; the registry columns
that enterprise profiles are built from (统计局 / 人社局 / 税务 figures); Chinese full-text search over
policies and award items (the same jieba-segmented FTS5 / GIN scheme as the catalogue).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

from onewindow.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FTS_TABLES = ("policies", "award_items")


def _sqlite_fts(table: str) -> list[str]:
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', content_rowid='id')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
    ]


def upgrade() -> None:
    op.create_table('exclusivity_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_code', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exclusivity_groups')),
    sa.UniqueConstraint('code', name=op.f('uq_exclusivity_groups_code'))
    )
    op.create_table('policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('doc_number', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('full_text', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policies')),
    sa.UniqueConstraint('code', name=op.f('uq_policies_code'))
    )
    op.create_table('policy_parameters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('type', sa.String(length=8), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_parameters')),
    sa.UniqueConstraint('name', name=op.f('uq_policy_parameters_name'))
    )
    op.create_table('policy_test_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('profile', sa.JSON(), nullable=False),
    sa.Column('expected_eligible', sa.Boolean(), nullable=False),
    sa.Column('expected_amount_fen', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_test_cases')),
    sa.UniqueConstraint('item_code', 'name', name='uq_policy_test_cases_item_name')
    )
    op.create_index(op.f('ix_policy_test_cases_item_code'), 'policy_test_cases', ['item_code'], unique=False)
    op.create_table('profile_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('built_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('source_changed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('enterprise_count', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_snapshots'))
    )
    op.create_table('award_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('amount', sa.JSON(), nullable=False),
    sa.Column('exclusive_group', sa.String(length=40), nullable=True),
    sa.Column('budget_fen', sa.BigInteger(), nullable=True),
    sa.Column('auto_grant', sa.Boolean(), nullable=False),
    sa.Column('recurrence', sa.String(length=8), nullable=False),
    sa.Column('apply_item_code', sa.String(length=40), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('published_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_award_items_department_id_departments')),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_award_items_policy_id_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_items')),
    sa.UniqueConstraint('code', 'version', name='uq_award_items_code_version')
    )
    op.create_index(op.f('ix_award_items_code'), 'award_items', ['code'], unique=False)
    op.create_index(op.f('ix_award_items_department_id'), 'award_items', ['department_id'], unique=False)
    op.create_index(op.f('ix_award_items_exclusive_group'), 'award_items', ['exclusive_group'], unique=False)
    op.create_index(op.f('ix_award_items_policy_id'), 'award_items', ['policy_id'], unique=False)
    op.create_index('ix_award_items_status_code_version', 'award_items', ['status', 'code', 'version'], unique=False)
    op.create_table('match_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_count', sa.Integer(), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('match_count', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['profile_snapshots.id'], name=op.f('fk_match_runs_snapshot_id_profile_snapshots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_runs'))
    )
    op.create_table('policy_parameter_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parameter_id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['parameter_id'], ['policy_parameters.id'], name=op.f('fk_policy_parameter_values_parameter_id_policy_parameters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_parameter_values')),
    sa.UniqueConstraint('parameter_id', 'effective_from', name='uq_parameter_values_date')
    )
    op.create_index(op.f('ix_policy_parameter_values_parameter_id'), 'policy_parameter_values', ['parameter_id'], unique=False)
    op.create_table('disbursement_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('generated_by', sa.String(length=64), nullable=False),
    sa.Column('generated_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.Column('reviewed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('payment_reference', sa.String(length=64), nullable=True),
    sa.Column('paid_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_version_id'], ['award_items.id'], name=op.f('fk_disbursement_batches_item_version_id_award_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disbursement_batches')),
    sa.UniqueConstraint('item_code', 'period', 'sequence', name='uq_batches_item_period_seq')
    )
    op.create_index(op.f('ix_disbursement_batches_item_code'), 'disbursement_batches', ['item_code'], unique=False)
    op.create_table('policy_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('eligible_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('awarded_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('superseded_by', sa.String(length=40), nullable=True),
    sa.Column('stage_amounts', sa.JSON(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('matched_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_policy_matches_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['item_version_id'], ['award_items.id'], name=op.f('fk_policy_matches_item_version_id_award_items')),
    sa.ForeignKeyConstraint(['run_id'], ['match_runs.id'], name=op.f('fk_policy_matches_run_id_match_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_matches')),
    sa.UniqueConstraint('enterprise_id', 'item_code', name='uq_policy_matches_enterprise_item')
    )
    op.create_index('ix_policy_matches_item_outcome', 'policy_matches', ['item_code', 'outcome'], unique=False)
    op.create_index(op.f('ix_policy_matches_run_id'), 'policy_matches', ['run_id'], unique=False)
    op.create_table('award_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=60), nullable=False),
    sa.Column('award_period', sa.String(length=16), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('case_code', sa.String(length=40), nullable=True),
    sa.Column('payment_reference', sa.String(length=64), nullable=False),
    sa.Column('paid_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['disbursement_batches.id'], name=op.f('fk_award_ledger_batch_id_disbursement_batches')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_award_ledger_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['item_version_id'], ['award_items.id'], name=op.f('fk_award_ledger_item_version_id_award_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_ledger')),
    sa.UniqueConstraint('enterprise_id', 'item_code', 'stage', 'award_period', name='uq_award_ledger_award')
    )
    op.create_index(op.f('ix_award_ledger_enterprise_id'), 'award_ledger', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_award_ledger_item_code'), 'award_ledger', ['item_code'], unique=False)
    op.create_table('disbursement_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=60), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('excluded_reason', sa.Text(), nullable=True),
    sa.Column('excluded_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['disbursement_batches.id'], name=op.f('fk_disbursement_lines_batch_id_disbursement_batches')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_disbursement_lines_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disbursement_lines')),
    sa.UniqueConstraint('batch_id', 'enterprise_id', 'stage', name='uq_lines_batch_enterprise_stage')
    )
    op.create_index(op.f('ix_disbursement_lines_batch_id'), 'disbursement_lines', ['batch_id'], unique=False)
    op.create_index('ix_disbursement_lines_enterprise', 'disbursement_lines', ['enterprise_id'], unique=False)
    op.add_column('enterprises', sa.Column('revenue_fen', sa.BigInteger(), nullable=True))
    op.add_column('enterprises', sa.Column('stats_flags', sa.JSON(), nullable=False, server_default='[]'))
    op.add_column('enterprises', sa.Column('unemployment_insurance_fen', sa.BigInteger(), nullable=True))
    op.add_column('enterprises', sa.Column('layoffs', sa.Integer(), nullable=True))
    op.add_column('enterprises', sa.Column('graduates_hired', sa.Integer(), nullable=True))
    op.add_column('enterprises', sa.Column('rd_expense_fen', sa.BigInteger(), nullable=True))

    postgres = op.get_bind().dialect.name == "postgresql"
    for table in FTS_TABLES:
        if postgres:
            op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (to_tsvector('simple', search_text)) "
                       "WITH (fastupdate = off)")
        else:
            for stmt in _sqlite_fts(table):
                op.execute(stmt)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in FTS_TABLES:
        if postgres:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
        else:
            for suffix in ("au", "ad", "ai"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    for column in ("rd_expense_fen", "graduates_hired", "layoffs", "unemployment_insurance_fen", "stats_flags",
                   "revenue_fen"):
        op.drop_column("enterprises", column)
    for table in ("disbursement_lines", "award_ledger", "policy_matches", "disbursement_batches",
                  "policy_parameter_values", "match_runs", "award_items", "profile_snapshots",
                  "policy_test_cases", "policy_parameters", "policies", "exclusivity_groups"):
        op.drop_table(table)
