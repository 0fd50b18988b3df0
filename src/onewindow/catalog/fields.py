"""The catalogue's columns, defined once: YAML keys, xlsx headers, types and rules.

Import (YAML and xlsx), the JSON API and export all read these specs, so a rule lives in one place
and an exported file imports back unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from onewindow.common.documents import join_list, split_list
from onewindow.common.errors import ErrorCollector

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

TRUE_WORDS = {"是", "true", "True", "TRUE", "1", "y", "yes", "Y"}
FALSE_WORDS = {"否", "false", "False", "FALSE", "0", "n", "no", "N", ""}


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    kind: str = "str"  # str | text | int | bool | date | list
    required: bool = True
    choices: tuple[str, ...] | None = None
    pattern: re.Pattern | None = None
    min: int | None = None
    max: int | None = None
    max_len: int = 200
    default: Any = None


def _src_ok(value: str) -> bool:
    return value in REGISTRY_ATTRIBUTES or bool(LICENCE_SOURCE.match(value))


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
    Col("shared_source", "共享来源", required=False, max_len=64),
    # 完税凭证 from 契税申报: inside a bundle that holds the producing item, nobody is asked for it.
    Col("produced_by", "由本一件事中的事项产生", required=False, pattern=ITEM_CODE),
)
FORM_FIELD = (
    Col("key", "字段标识", pattern=FIELD_KEY),
    Col("label", "字段名称", max_len=100),
    Col("type", "字段类型", choices=FIELD_TYPES, default="text"),
    Col("required", "必填", "bool", required=False, default=True),
    Col("options", "选项", "list", required=False, default=()),
    Col("shared_source", "共享来源", required=False, max_len=64),
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


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def coerce(col: Col, value: Any) -> tuple[Any, str | None]:
    """Value of the column's kind, or an error message in Chinese."""
    if _blank(value):
        if col.required and col.default is None:
            return None, "不能为空"
        return (list(col.default) if col.kind == "list" else col.default), None
    if col.kind in ("str", "text"):
        text = str(value).strip() if not isinstance(value, float) or not value.is_integer() else str(int(value))
        limit = 20000 if col.kind == "text" else col.max_len
        if len(text) > limit:
            return None, f"不能超过{limit}个字符"
        if col.choices and text not in col.choices:
            return None, f"“{text}”不是可选值（{'/'.join(col.choices)}）"
        if col.pattern and not col.pattern.match(text):
            return None, f"“{text}”格式不正确"
        if col.key == "shared_source" and not _src_ok(text):
            return None, f"“{text}”不是已登记的共享数据来源"
        return text, None
    if col.kind == "int":
        if isinstance(value, bool):
            return None, "须为整数"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            value = int(value)
        if not isinstance(value, int):
            return None, f"“{value}”不是整数"
        if (col.min is not None and value < col.min) or (col.max is not None and value > col.max):
            return None, f"须在{col.min}–{col.max}之间"
        return value, None
    if col.kind == "bool":
        if isinstance(value, bool):
            return value, None
        if str(value).strip() in TRUE_WORDS:
            return True, None
        if str(value).strip() in FALSE_WORDS:
            return False, None
        return None, f"“{value}”应为 是/否"
    if col.kind == "date":
        if isinstance(value, datetime):
            return value.date(), None
        if isinstance(value, date):
            return value, None
        try:
            return date.fromisoformat(str(value).strip()), None
        except ValueError:
            return None, f"“{value}”不是有效日期（YYYY-MM-DD）"
    if col.kind == "list":
        if isinstance(value, str):
            return split_list(value), None
        if not isinstance(value, list | tuple):
            return None, "应为列表"
        return [str(p).strip() for p in value if str(p).strip()], None
    raise AssertionError(col.kind)


def clean_row(cols: tuple[Col, ...], raw: dict, errors: ErrorCollector, *, sheet: str | None,
              row: int | None) -> dict:
    """Coerce one row; every problem goes to `errors` with its sheet, row and column. A bad value comes
    back as None, so cross-row checks can still run on the rest of the row."""
    out = {}
    for col in cols:
        value, message = coerce(col, raw.get(col.key))
        if message:
            errors.add(message, sheet=sheet, row=row, field=col.key)
        out[col.key] = value
    return out


def export_value(col: Col, value: Any, *, for_xlsx: bool) -> Any:
    """The inverse of `coerce`, so export → import is the identity."""
    if not for_xlsx:
        return list(value) if col.kind == "list" else value
    if col.kind == "bool":
        return "是" if value else "否"
    if col.kind == "list":
        return join_list(value or [])
    if col.kind == "date":
        return value.isoformat() if value else None
    return value
