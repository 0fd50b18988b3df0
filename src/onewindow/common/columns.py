"""Typed columns of an imported document, defined once per domain: a key (the YAML key), a Chinese label
(the xlsx header and what errors name), a kind and its rules. `coerce` turns a cell or a JSON value into
the kind or a Chinese message; `export_value` is its inverse, so an exported file imports back unchanged.
The catalogue and the knowledge base declare their columns with it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from onewindow.common.documents import join_list, split_list
from onewindow.common.errors import ErrorCollector

TRUE_WORDS = {"是", "true", "True", "TRUE", "1", "y", "yes", "Y"}
FALSE_WORDS = {"否", "false", "False", "FALSE", "0", "n", "no", "N", ""}
TEXT_LIMIT = 20000  # a "text" column (an answer, a description) against a one-line "str"


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
    max_items: int | None = None  # a list's length and each entry's length, when bounded
    item_len: int | None = None
    check: Callable[[str], str | None] | None = None  # a domain's own rule on a text value: its message or None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def coerce(col: Col, value: Any) -> tuple[Any, str | None]:
    """Value of the column's kind, or an error message in Chinese."""
    if _blank(value):
        if col.required and col.default is None:
            return None, "不能为空"
        return (list(col.default or ()) if col.kind == "list" else col.default), None
    if col.kind in ("str", "text"):
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
        limit = TEXT_LIMIT if col.kind == "text" else col.max_len
        if len(text) > limit:
            return None, f"不能超过{limit}个字符"
        if col.choices and text not in col.choices:
            return None, f"“{text}”不是可选值（{'/'.join(col.choices)}）"
        if col.pattern and not col.pattern.match(text):
            return None, f"“{text}”格式不正确"
        if col.check and (message := col.check(text)):
            return None, message
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
            items = split_list(value)
        elif isinstance(value, list | tuple):
            items = [str(p).strip() for p in value if str(p).strip()]
        else:
            return None, "应为列表"
        if (col.max_items is not None and len(items) > col.max_items) or (
                col.item_len is not None and any(len(p) > col.item_len for p in items)):
            return None, f"最多{col.max_items}个，每个不超过{col.item_len}个字符"
        return items, None
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
    if col.kind == "list":
        return join_list(value or []) if for_xlsx else list(value or [])
    if not for_xlsx:
        return value
    if col.kind == "bool":
        return "是" if value else "否"
    if col.kind == "date":
        return value.isoformat() if value else None
    return value
