"""Values of the policy library file, coerced with every problem reported at the value's location:
text, codes, dates, yes/no, choices, lists, money (text with a unit, never a bare number) and
parameter values by type. Used by the validator (:mod:`.validate`) and the service."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from onewindow.common.errors import ErrorCollector
from onewindow.policies.library.documents import SHEETS, Entry, Where, money_text, split_list
from onewindow.policies.rules.core import PARAMETER_TYPES, parse_money
from onewindow.policies.rules.profile import TYPE_NAMES

LEVELS = ("国家级", "省级", "市级", "县级")
RECURRENCES = {"once": "once", "yearly": "yearly", "一次": "once", "每年": "yearly"}
STATUSES = {"published": "published", "draft": "draft", "已发布": "published", "草稿": "draft"}
PARAM_TYPES = {**{t: t for t in PARAMETER_TYPES}, **{TYPE_NAMES[t]: t for t in PARAMETER_TYPES}}
# What the xlsx export writes for these codes; the reader takes either.
XLSX_LABELS = {"type": {t: TYPE_NAMES[t] for t in PARAMETER_TYPES}, "recurrence": {"once": "一次", "yearly": "每年"},
               "status": {"published": "已发布", "draft": "草稿"}}
CODE = re.compile(r"^[A-Z0-9-]{2,40}$")
PARAM_NAME = re.compile(r"^[A-Za-z0-9_\u4e00-\u9fff]{1,60}$")
LABELS = {s.key: {c.key: c.header for c in s.cols} for s in SHEETS}
LABELS["items"]["tests"] = "测试用例"
TRUE_WORDS, FALSE_WORDS = {"是", "true", "True", "TRUE", "1", "y", "yes"}, {"否", "false", "False", "FALSE", "0", "n", "no"}


class Row:
    """One entry's values, coerced; each problem is reported at the value's location."""

    def __init__(self, entry: Entry, section: str, errors: ErrorCollector) -> None:
        self.entry, self.values, self.errors, self.section = entry, entry.values, errors, section
        self.ok = True

    def error(self, key: str | None, message: str, where: Where | None = None) -> None:
        self.ok = False
        self.errors.add(message, **(where or self.entry.where).at(key))

    def label(self, key: str) -> str:
        return LABELS.get(self.section, {}).get(key, key)

    def blank(self, key: str) -> bool:
        value = self.values.get(key)
        return value is None or (isinstance(value, str) and not value.strip())

    def text(self, key: str, *, required: bool = False, max_len: int = 200, pattern: re.Pattern | None = None,
             default: str | None = "") -> str | None:
        value = self.values.get(key)
        if self.blank(key):
            if required:
                self.error(key, f"{self.label(key)}不能为空")
                return None
            return default
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.error(key, f"{self.label(key)}应为文本，而不是「{value!r}」")
            return None
        text = str(value).strip()
        if len(text) > max_len:
            self.error(key, f"{self.label(key)}不能超过{max_len}个字符")
            return None
        if pattern is not None and not pattern.match(text):
            self.error(key, f"{self.label(key)}「{text}」格式不正确：编码只能由大写字母、数字和连字符组成，2–40位")
            return None
        return text

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        value = self.values.get(key)
        if self.blank(key):
            if required:
                self.error(key, f"{self.label(key)}不能为空")
            return None
        return as_date(value, lambda m: self.error(key, f"{self.label(key)}{m}"))

    def flag(self, key: str, *, default: bool | None = False) -> bool | None:
        value = self.values.get(key)
        if self.blank(key):
            if default is None:
                self.error(key, f"{self.label(key)}不能为空，应为 是/否（true/false）")
            return default
        if isinstance(value, bool):
            return value
        if str(value).strip() in TRUE_WORDS:
            return True
        if str(value).strip() in FALSE_WORDS:
            return False
        self.error(key, f"{self.label(key)}应为 是/否（true/false），而不是「{value}」")
        return None

    def choice(self, key: str, choices: dict[str, str] | tuple[str, ...], *, default: str | None = None) -> str | None:
        if self.blank(key):
            if default is None:
                self.error(key, f"{self.label(key)}不能为空，应为 {'/'.join(dict.fromkeys(choices))} 之一")
            return default
        text = str(self.values[key]).strip()
        mapping = choices if isinstance(choices, dict) else {c: c for c in choices}
        if text not in mapping:
            self.error(key, f"{self.label(key)}「{text}」无效，应为 {'/'.join(dict.fromkeys(mapping))} 之一")
            return None
        return mapping[text]

    def money(self, key: str, *, required: bool = False) -> int | None:
        if self.blank(key):
            if required:
                self.error(key, f"{self.label(key)}不能为空")
            return None
        return money(self.values[key], lambda m: self.error(key, f"{self.label(key)}：{m}"))

    def strings(self, key: str) -> list[str]:
        value = split_list(self.values.get(key))
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
            self.error(key, f"{self.label(key)}应为文本列表，如 [工业, 稳增长]")
            return []
        return [str(v).strip() for v in value if str(v).strip()]


def as_date(value: Any, fail) -> dt.date | None:
    if isinstance(value, dt.datetime):
        fail(f"「{value}」应为日期（YYYY-MM-DD），不要带时间")
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        fail(f"「{value}」不是有效日期（YYYY-MM-DD）")
        return None


def money(value: Any, fail) -> int | None:
    """Money is text with a unit; a bare number is never money (500 could be 元 or 分)."""
    if isinstance(value, bool) or not isinstance(value, str):
        fail(f"金额须写成带单位的文本，如 5万元、1500元，而不是「{value}」")
        return None
    if value.strip()[:1] in ("-", "－"):
        fail(f"金额不能为负数：「{value}」")
        return None
    try:
        return parse_money(value)
    except ValueError as exc:
        fail(str(exc))
        return None


def amount_value(stored: dict) -> Any:
    """A stored amount ({"fixed": fen} …) as written in the library file (and given to the engine)."""
    if "fixed" in stored:
        return money_text(stored["fixed"])
    if "formula" in stored:
        return {"formula": stored["formula"]}
    stages = []
    for s in stored["stages"]:
        stage = {"name": s["name"]} | ({"when": s["when"]} if s.get("when") is not None else {})
        stage["amount"] = s["amount"] if isinstance(s["amount"], dict) else money_text(s["amount"])
        stages.append(stage)
    return {"stages": stages}


def param_value(kind: str | None, value: Any, fail) -> Any:
    """A parameter's value from YAML or an xlsx cell, as its type's Python value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        fail("不能为空")
        return None
    if kind == "money":
        return money(value, fail)
    if kind == "int":
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"应为整数，而不是「{value}」")
            return None
        return value
    if kind == "date":
        return as_date(value, fail)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if str(value).strip() in TRUE_WORDS | FALSE_WORDS:
            return str(value).strip() in TRUE_WORDS
        fail(f"应为 是/否，而不是「{value}」")
        return None
    if kind == "set":
        items = split_list(value)
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            fail(f"应为文本列表，如 [高新技术企业, 科技型中小企业]，而不是「{value}」")
            return None
        return sorted(set(items))
    if isinstance(value, bool) or not isinstance(value, str | int):
        fail(f"应为文本，而不是「{value}」")
        return None
    return str(value)
