"""Registry attributes a form may be filled from: how a source name (`enterprise.name`, `person.phone`,
`licence:营业执照`) maps to a registry and a column, and the Chinese label shown in the read log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

ENTERPRISE = "enterprise"
PERSON = "person"
LICENCE = "licence"
CREDIT = "credit"
SUBJECT_KINDS = (ENTERPRISE, PERSON)
LICENCE_PREFIX = "licence:"

# source attribute -> model column
ENTERPRISE_COLUMNS = {
    "name": "name", "uscc": "uscc", "type": "entity_type", "industry_code": "industry_code",
    "registered_capital_fen": "registered_capital_fen", "established_on": "established_on",
    "region": "region_code", "address": "address", "legal_person_name": "legal_person_name",
    "legal_person_id_number": "legal_person_id_number", "status": "status",
    "insured_employees": "insured_employees", "tax_credit_grade": "tax_credit_grade",
    "tax_paid_fen": "tax_paid_fen", "certifications": "certifications",
}
PERSON_COLUMNS = {
    "name": "name", "id_number": "id_number", "gender": "gender", "birth_date": "birth_date",
    "address": "address", "phone": "phone", "household_registration": "household_registration",
    "marital_status": "marital_status",
}
COLUMNS = {ENTERPRISE: ENTERPRISE_COLUMNS, PERSON: PERSON_COLUMNS}

REGISTRY_LABELS = {ENTERPRISE: "企业登记库", PERSON: "人口库", LICENCE: "电子证照库", CREDIT: "信用库"}
LABELS = {
    "enterprise.name": "企业名称", "enterprise.uscc": "统一社会信用代码", "enterprise.type": "企业类型",
    "enterprise.industry_code": "行业代码", "enterprise.registered_capital_fen": "注册资本",
    "enterprise.established_on": "成立日期", "enterprise.region": "所属区划", "enterprise.address": "住所",
    "enterprise.legal_person_name": "法定代表人姓名", "enterprise.legal_person_id_number": "法定代表人身份证号",
    "enterprise.status": "登记状态", "enterprise.insured_employees": "参保人数",
    "enterprise.tax_credit_grade": "纳税信用等级", "enterprise.tax_paid_fen": "纳税额",
    "enterprise.certifications": "资质认定",
    "person.name": "姓名", "person.id_number": "身份证号", "person.gender": "性别", "person.birth_date": "出生日期",
    "person.address": "住址", "person.phone": "联系电话", "person.household_registration": "户籍地",
    "person.marital_status": "婚姻状况",
}
# Every attribute of the enterprise registry, as the staff look-up reads them all.
ALL_ENTERPRISE = tuple(f"{ENTERPRISE}.{a}" for a in ENTERPRISE_COLUMNS)


def parse_source(source: str) -> tuple[str, str] | None:
    """(registry, attribute) for a source the registries hold, else None (e.g. `property.certificate`)."""
    source = (source or "").strip()
    if source.startswith(LICENCE_PREFIX):
        licence_type = source[len(LICENCE_PREFIX):].strip()
        return (LICENCE, licence_type) if licence_type else None
    registry, _, attribute = source.partition(".")
    if attribute in COLUMNS.get(registry, {}):
        return registry, attribute
    return None


def json_value(value: Any) -> Any:
    """Dates as ISO strings; integers (money in fen), text and lists as they are."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


def read(row: Any, registry: str, attribute: str) -> Any:
    """The JSON-safe value of one attribute, or None when the registry holds nothing for it."""
    value = getattr(row, COLUMNS[registry][attribute])
    if value is None or value == "" or value == []:
        return None
    return json_value(value)


def label(source: str) -> str:
    if source.startswith(LICENCE_PREFIX):
        return f"电子证照：{source[len(LICENCE_PREFIX):]}"
    return LABELS.get(source, source)
