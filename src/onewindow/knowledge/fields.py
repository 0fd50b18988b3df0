"""An article's columns, defined once: YAML keys, xlsx headers (Chinese), and the rules a value must
meet. The forms, the JSON API and import/export all check through `clean`, so a rule lives here only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from onewindow.common.documents import join_list, split_list
from onewindow.common.errors import ErrorCollector

TOPICS = ("企业开办", "社保", "公积金", "不动产", "税务", "户籍", "医保", "交通", "城管", "供水供电", "教育",
          "惠企政策", "民政", "卫生健康", "市场监管", "其他")
STATUSES = ("draft", "published", "retired")
CODE = re.compile(r"^KB-[0-9]{6}$")
DEPT_CODE = re.compile(r"^[A-Z0-9-]{2,32}$")


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    kind: str = "str"  # str | text | int | date | list
    required: bool = True
    choices: tuple[str, ...] | None = None
    pattern: re.Pattern | None = None
    max_len: int = 200


ARTICLE = (
    Col("code", "知识编号", pattern=CODE),
    Col("version", "版本", "int"),
    Col("status", "状态", choices=STATUSES),
    Col("topic", "主题分类", choices=TOPICS),
    Col("department", "主管部门编码", pattern=DEPT_CODE),
    Col("title", "标题"),
    Col("body", "答复内容", "text"),
    Col("keywords", "关键词", "list", required=False),
    Col("valid_from", "生效日期", "date", required=False),
    Col("valid_to", "失效日期", "date", required=False),
)
COL = {c.key: c for c in ARTICLE}
LABELS = {c.key: c.label for c in ARTICLE}
# What an editor types: the rest (code, version, status) belongs to the article's history.
EDITABLE = ("topic", "department", "title", "body", "keywords", "valid_from", "valid_to")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def coerce(col: Col, value: Any) -> tuple[Any, str | None]:
    """The value in the column's kind, or a Chinese message saying what is wrong with it."""
    if _blank(value):
        if col.required:
            return None, "不能为空"
        return ([] if col.kind == "list" else None), None
    if col.kind in ("str", "text"):
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
        limit = 20000 if col.kind == "text" else col.max_len
        if len(text) > limit:
            return None, f"不能超过{limit}个字符"
        if col.choices and text not in col.choices:
            return None, f"“{text}”不是可选值（{'/'.join(col.choices)}）"
        if col.pattern and not col.pattern.match(text):
            return None, f"“{text}”格式不正确"
        return text, None
    if col.kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 9999:
            return None, f"“{value}”应为1–9999的整数"
        return value, None
    if col.kind == "date":
        if isinstance(value, datetime):
            return value.date(), None
        if isinstance(value, date):
            return value, None
        try:
            return date.fromisoformat(str(value).strip()), None
        except ValueError:
            return None, f"“{value}”不是有效日期（YYYY-MM-DD）"
    if isinstance(value, str):  # list
        items = split_list(value)
    elif isinstance(value, list | tuple):
        items = [str(v).strip() for v in value if str(v).strip()]
    else:
        return None, "应为列表"
    if any(len(k) > 32 for k in items) or len(items) > 30:
        return None, "最多30个，每个不超过32个字符"
    return items, None


def clean(raw: dict, errors: ErrorCollector, *, keys=tuple(COL), sheet: str | None = None,
          row: int | None = None) -> dict:
    """One article's values; each problem reported with its row and field (the Chinese label for people)."""
    out = {}
    for key in keys:
        col = COL[key]
        value, message = coerce(col, raw.get(key))
        if message:
            errors.add(message, field=key, label=col.label, sheet=sheet, row=row)
        out[key] = value
    if out.get("valid_from") and out.get("valid_to") and out["valid_to"] < out["valid_from"]:
        errors.add("失效日期早于生效日期", field="valid_to", label=COL["valid_to"].label, sheet=sheet, row=row)
    return out


def export_value(col: Col, value: Any, *, for_xlsx: bool) -> Any:
    """The inverse of `coerce`, so an export imports back unchanged."""
    if col.kind == "list":
        return join_list(value or []) if for_xlsx else list(value or [])
    if col.kind == "date" and for_xlsx:
        return value.isoformat() if value else None
    return value
