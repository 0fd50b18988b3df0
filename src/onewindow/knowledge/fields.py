"""An article's columns, defined once: YAML keys, xlsx headers (Chinese), and the rules a value must
meet. The forms, the JSON API and import/export all check through `clean`, so a rule lives here only."""

from __future__ import annotations

import re

from onewindow.common.columns import Col, coerce
from onewindow.common.errors import ErrorCollector

TOPICS = ("企业开办", "社保", "公积金", "不动产", "税务", "户籍", "医保", "交通", "城管", "供水供电", "教育",
          "惠企政策", "民政", "卫生健康", "市场监管", "其他")
STATUSES = ("draft", "published", "retired")
CODE = re.compile(r"^KB-[0-9]{6}$")
DEPT_CODE = re.compile(r"^[A-Z0-9-]{2,32}$")


ARTICLE = (
    Col("code", "知识编号", pattern=CODE),
    Col("version", "版本", "int", min=1, max=9999),
    Col("status", "状态", choices=STATUSES),
    Col("topic", "主题分类", choices=TOPICS),
    Col("department", "主管部门编码", pattern=DEPT_CODE),
    Col("title", "标题"),
    Col("body", "答复内容", "text"),
    Col("keywords", "关键词", "list", required=False, max_items=30, item_len=32),
    Col("valid_from", "生效日期", "date", required=False),
    Col("valid_to", "失效日期", "date", required=False),
)
COL = {c.key: c for c in ARTICLE}
LABELS = {c.key: c.label for c in ARTICLE}
# What an editor types: the rest (code, version, status) belongs to the article's history.
EDITABLE = ("topic", "department", "title", "body", "keywords", "valid_from", "valid_to")


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
