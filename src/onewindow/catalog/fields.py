"""The catalogue's columns, defined once: YAML keys, xlsx headers, types and rules.

Import (YAML and xlsx), the JSON API and export all read these specs, so a rule lives in one place
and an exported file imports back unchanged.
"""

from __future__ import annotations

import re

from onewindow.common.columns import Col

LEVELS = ("市", "县", "乡", "村")
ITEM_TYPES = ("行政许可", "行政确认", "行政给付", "行政奖励", "行政裁决", "行政征收", "公共服务", "其他")
ITEM_STATUSES = ("draft", "published", "retired")
BUNDLE_STATUSES = ("draft", "published")
ONLINE_DEPTHS = ("不可网办", "网上可办", "全程网办")
RESULT_TYPES = ("证照", "批文", "证明", "备案回执", "其他")
MATERIAL_FORMS = ("原件", "复印件", "电子", "原件及复印件")
MATERIAL_SOURCES = ("申请人自备", "政府部门核发")
FIELD_TYPES = ("text", "textarea", "number", "money", "date", "select", "id_number", "phone", "uscc", "email")
STATUS_LABELS = {"draft": "草稿", "published": "已发布", "retired": "已废止"}

# Registry attributes a form field or material may be filled from (the sharing subsystem serves them).
REGISTRY_ATTRIBUTES = (
    "enterprise.name", "enterprise.uscc", "enterprise.type", "enterprise.industry_code",
    "enterprise.registered_capital_fen", "enterprise.established_on", "enterprise.region",
    "enterprise.address", "enterprise.legal_person_name", "enterprise.legal_person_id_number",
    "enterprise.status", "enterprise.insured_employees", "person.name", "person.id_number",
    "person.gender", "person.birth_date", "person.address", "person.phone",
    "person.household_registration", "person.marital_status", "person.death_record",
    "person.birth_medical_certificate", "person.identity", "property.certificate",
)
LICENCE_SOURCE = re.compile(r"^licence:[\u4e00-\u9fffA-Za-z0-9（）()·]{2,40}$")

CODE = re.compile(r"^[A-Z0-9-]{2,40}$")
ITEM_CODE = re.compile(r"^[A-Z0-9-]{4,40}$")
BASIC_CODE = re.compile(r"^[0-9]{12}$")
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{1,40}$")

def _src_check(value: str) -> str | None:
    if value in REGISTRY_ATTRIBUTES or LICENCE_SOURCE.match(value):
        return None
    return f"“{value}”不是已登记的共享数据来源"


DEPARTMENT = (
    Col("code", "部门编码", pattern=CODE, max_len=32),
    Col("name", "部门名称", max_len=100),
    Col("level", "层级", choices=LEVELS),
    Col("parent", "上级部门编码", required=False, pattern=CODE),
)
ITEM = (
    Col("code", "实施编码", pattern=ITEM_CODE),
    Col("version", "版本", "int", min=1, max=9999, default=1),
    Col("status", "状态", choices=ITEM_STATUSES, default="draft"),
    Col("valid_from", "生效日期", "date", required=False),
    Col("valid_to", "失效日期", "date", required=False),
    Col("basic_code", "基本编码", pattern=BASIC_CODE),
    Col("name", "事项名称"),
    Col("item_type", "事项类型", choices=ITEM_TYPES),
    Col("department", "实施部门编码", pattern=CODE),
    Col("level", "行使层级", choices=LEVELS),
    Col("legal_basis", "设定依据", "text", required=False, default=""),
    Col("conditions", "办理条件", "text", required=False, default=""),
    Col("statutory_limit_days", "法定办结时限（工作日）", "int", min=0, max=3650),
    Col("promised_limit_days", "承诺办结时限（工作日）", "int", min=0, max=3650),
    Col("steps", "办理环节数", "int", min=1, max=20, default=4),
    Col("visits", "到现场次数", "int", min=0, max=10, default=0),
    Col("fee_fen", "收费（分）", "int", min=0, max=2_000_000_000, default=0),  # fits a 32-bit column
    Col("fee_basis", "收费依据", "text", required=False, default=""),
    Col("online_depth", "网办深度", choices=ONLINE_DEPTHS),
    Col("cross_province", "跨省通办", "bool", required=False, default=False),
    Col("within_province", "省内通办", "bool", required=False, default=False),
    Col("commitment_allowed", "可告知承诺", "bool", required=False, default=False),
    Col("result_type", "审批结果类型", choices=RESULT_TYPES),
    Col("result_name", "审批结果名称", required=False, default="", max_len=100),
)
MATERIAL = (
    Col("code", "材料编码", pattern=CODE),
    Col("name", "材料名称"),
    Col("required", "必要", "bool", required=False, default=True),
    Col("pending_allowed", "可容缺", "bool", required=False, default=False),
    Col("form", "材料形式", choices=MATERIAL_FORMS, default="电子"),
    Col("copies", "份数", "int", min=0, max=20, default=1),
    Col("source", "来源渠道", choices=MATERIAL_SOURCES, default="申请人自备"),
    Col("shared_source", "共享来源", required=False, max_len=64, check=_src_check),
    # 完税凭证 from 契税申报: inside a bundle that holds the producing item, nobody is asked for it.
    Col("produced_by", "由本一件事中的事项产生", required=False, pattern=ITEM_CODE),
)
FORM_FIELD = (
    Col("key", "字段标识", pattern=FIELD_KEY),
    Col("label", "字段名称", max_len=100),
    Col("type", "字段类型", choices=FIELD_TYPES, default="text"),
    Col("required", "必填", "bool", required=False, default=True),
    Col("options", "选项", "list", required=False, default=()),
    Col("shared_source", "共享来源", required=False, max_len=64, check=_src_check),
)
BUNDLE = (
    Col("code", "一件事编码", pattern=CODE),
    Col("name", "一件事名称"),
    Col("description", "说明", "text", required=False, default=""),
    Col("status", "状态", choices=BUNDLE_STATUSES, default="draft"),
    Col("core_item", "核心事项编码", required=False, pattern=ITEM_CODE),
)
BUNDLE_ITEM = (
    Col("item", "事项实施编码", pattern=ITEM_CODE),
    Col("depends_on", "前置事项", "list", required=False, default=()),
)
