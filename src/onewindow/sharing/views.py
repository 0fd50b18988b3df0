"""Read-only views of the registries, for other packages' set-based SQL.

Policy matching reads every enterprise of a province with its credit figures in one statement
(policies/matching/profiles.py), and 免申即享 batches list thousands of lines with each enterprise's
name and status; a service call per row would turn one query into hundreds of thousands. So sharing
publishes these two views, and other packages join against them instead of its ORM classes:

- ``enterprises``: id, uscc, name, entity_type, industry_code, region_code, registered_capital_fen,
  established_on, status (存续 / 注销 / 吊销), tax_credit_grade, tax_paid_fen, insured_employees,
  certifications and stats_flags (JSON lists), revenue_fen, unemployment_insurance_fen, layoffs,
  graduates_hired, rd_expense_fen (None: the registry has no figure), updated_at (UTC);
- ``credit_records``: id, subject_kind (enterprise / person), subject_key (USCC or ID number),
  severity (一般 / 严重), recorded_at and repaired_at (UTC; repaired_at None until 信用修复).

Money is in fen, as in the tables. The legal person's name, ID number and the address are left out:
personal data is read through sharing.service, which logs the read.

They are SQL sub-queries, not tables: they can be selected from and joined (both databases inline
them, so plans and speed are those of the tables), but SQLAlchemy refuses them as the target of an
INSERT, UPDATE or DELETE, so the registries are written only through sharing.service.
"""

from __future__ import annotations

from sqlalchemy import Subquery, Table, select

from onewindow.sharing.models import CreditRecord, Enterprise

ENTERPRISE_COLUMNS = (
    "id", "uscc", "name", "entity_type", "industry_code", "region_code", "registered_capital_fen", "established_on",
    "status", "tax_credit_grade", "tax_paid_fen", "insured_employees", "certifications", "stats_flags", "revenue_fen",
    "unemployment_insurance_fen", "layoffs", "graduates_hired", "rd_expense_fen", "updated_at",
)
CREDIT_COLUMNS = ("id", "subject_kind", "subject_key", "severity", "recorded_at", "repaired_at")


def _view(table: Table, columns: tuple[str, ...], name: str) -> Subquery:
    return select(*(table.c[c] for c in columns)).subquery(name)


enterprises = _view(Enterprise.__table__, ENTERPRISE_COLUMNS, "registry_enterprises")
credit_records = _view(CreditRecord.__table__, CREDIT_COLUMNS, "registry_credit_records")
