"""Indexes for the case list at a million cases (measured in bench/case_list_bench.py).

- tasks (department_id, case_id): "cases with a task in department X" is answered from the index
  alone; ix_tasks_department_status has no case_id, so every match was a heap fetch.
- cases (status, accepted_at, id): a page filtered by status is read newest first straight from the
  index and stops after one page.
- cases (status, sla_state, accepted_at, id): the same for status + 预警/超期, the supervisor's
  "running and overdue" list.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tasks_department_case", "tasks", ["department_id", "case_id"])
    op.create_index("ix_cases_status_accepted", "cases", ["status", "accepted_at", "id"])
    op.create_index("ix_cases_status_sla_accepted", "cases", ["status", "sla_state", "accepted_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_status_sla_accepted", table_name="cases")
    op.drop_index("ix_cases_status_accepted", table_name="cases")
    op.drop_index("ix_tasks_department_case", table_name="tasks")
