"""Indicator definitions as data: the columns (common.columns), YAML/xlsx import and export, the formula
and each definition's test cases (分子/分母=期望), checked on import so a wrong formula never lands.

Formulas: ratio = 分子 ÷ 分母 × 100 (%); average = 分子 ÷ 分母; count = 分子; amount = 分子 (fen) in 万元.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from onewindow.common import documents
from onewindow.common.columns import Col, clean_row, export_value
from onewindow.common.errors import ErrorCollector

FORMULAS = {"ratio": "比率", "average": "平均值", "count": "计数", "amount": "金额"}
DIRECTIONS = {"higher": "越高越好", "lower": "越低越好"}
MEASURE = re.compile(r"^[a-z_]+\.[a-z_]+$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
CASE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*/\s*(-?\d+(?:\.\d+)?)?\s*=\s*(-?\d+(?:\.\d+)?|空)\s*$")
SHEET = "指标定义"
BUILTIN = Path(__file__).with_name("definitions.yaml")

COLUMNS = (
    Col("code", "指标编码", pattern=re.compile(r"^[A-Z][A-Z0-9_]{1,39}$"), max_len=40),
    Col("name", "指标名称", max_len=100),
    Col("category", "类别", required=False, default="", max_len=40),
    Col("formula", "计算方式", choices=tuple(FORMULAS)),
    Col("numerator", "分子", pattern=MEASURE, max_len=60),
    Col("denominator", "分母", required=False, pattern=MEASURE, max_len=60),
    Col("unit", "单位", max_len=12),
    Col("direction", "方向", choices=tuple(DIRECTIONS)),
    Col("target", "目标值", required=False, pattern=NUMBER, max_len=20),
    Col("lead_unit", "牵头单位", required=False, default="", max_len=100),
    Col("description", "说明", kind="text", required=False, default=""),
    Col("cases", "测试用例", kind="list", required=False, default=(), max_items=20, item_len=60),
)
HEADERS = {c.label: c.key for c in COLUMNS}


@dataclass(frozen=True)
class Definition:
    code: str
    name: str
    category: str
    formula: str
    numerator: str
    denominator: str | None
    unit: str
    direction: str
    target: float | None
    lead_unit: str
    description: str
    cases: tuple[str, ...]

    def value(self, numerator: float, denominator: float | None) -> float | None:
        return value_of(self.formula, numerator, denominator)

    def measures(self) -> tuple[str, ...]:
        return (self.numerator,) + ((self.denominator,) if self.denominator else ())


def value_of(formula: str, numerator: float, denominator: float | None) -> float | None:
    """The figure, rounded to 2 decimals; None when a ratio or average has nothing to divide by."""
    if formula in ("ratio", "average"):
        if not denominator:
            return None
        return round(numerator / denominator * (100 if formula == "ratio" else 1), 2)
    if formula == "amount":
        return round(numerator / 1_000_000, 2)  # fen → 万元
    return round(numerator, 2)


def meets(direction: str, value: float | None, target: float | None) -> bool | None:
    if value is None or target is None:
        return None
    return value >= target if direction == "higher" else value <= target


def _check_cases(d: dict, errors: ErrorCollector, *, sheet: str, row: int | None) -> None:
    for text in d.get("cases") or ():
        m = CASE.match(text)
        if not m:
            errors.add(f"测试用例「{text}」应为“分子/分母=期望值”，如 93/100=93", sheet=sheet, row=row, field="cases")
            continue
        num, den, expect = float(m[1]), (float(m[2]) if m[2] else None), m[3]
        got = value_of(d["formula"], num, den)
        want = None if expect == "空" else float(expect)
        if got != want:
            errors.add(f"测试用例「{text}」不通过：按公式计算得 {'空' if got is None else got}", sheet=sheet, row=row,
                       field="cases")


def _clean(raw: dict, errors: ErrorCollector, *, sheet: str, row: int | None, seen: set[str]) -> Definition | None:
    before = len(errors.errors)
    d = clean_row(COLUMNS, raw, errors, sheet=sheet, row=row)
    if d["formula"] in ("ratio", "average") and not d["denominator"]:
        errors.add("比率和平均值须填写分母", sheet=sheet, row=row, field="denominator")
    if d["code"] in seen:
        errors.add(f"指标编码「{d['code']}」重复", sheet=sheet, row=row, field="code")
    seen.add(d["code"])
    if d["formula"]:
        _check_cases(d, errors, sheet=sheet, row=row)
    if len(errors.errors) > before:
        return None
    d["target"] = float(d["target"]) if d["target"] not in (None, "") else None
    d["cases"] = tuple(d["cases"] or ())
    return Definition(**d)


def parse(filename: str, content: bytes, errors: ErrorCollector) -> list[Definition]:
    """The definitions of a YAML or xlsx file; every problem is in `errors` (then the list is unusable)."""
    kind = documents.kind_of(filename, errors)
    seen: set[str] = set()
    out: list[Definition] = []
    if kind == "yaml":
        data = documents.load_yaml_mapping(content, errors, sections=("indicators",), format_name="onewindow-indicators")
        if data is documents.NO_CONTENT:
            return []
        entries = documents.list_entries(data.get("indicators"), errors, allowed=[c.key for c in COLUMNS],
                                         place=lambda i: documents.Row("indicators", i))
        for place, entry in entries:
            raw = dict(entry)
            if raw.get("target") is not None:
                raw["target"] = str(raw["target"])
            out.append(_clean(raw, errors, sheet="indicators", row=place.row, seen=seen))
    elif kind == "xlsx":
        book = documents.open_workbook(content, errors)
        if book is None:
            return []
        documents.check_sheets(book, (SHEET,), errors)
        if SHEET not in book.sheetnames:
            errors.add(f"缺少工作表「{SHEET}」")
            return []
        parsed = documents.sheet_rows(book[SHEET], HEADERS, errors, required=("指标编码", "指标名称", "计算方式", "分子"))
        if parsed is None:
            return []
        for n, raw in parsed[1]:
            if raw.get("target") is not None:
                raw["target"] = str(raw["target"])
            out.append(_clean(raw, errors, sheet=SHEET, row=n, seen=seen))
    if not out and not errors:
        errors.add("文件中没有指标定义")
    return [d for d in out if d is not None]


def builtin() -> list[Definition]:
    """The platform's own definitions (definitions.yaml), checked like an import."""
    errors = ErrorCollector()
    found = parse(BUILTIN.name, BUILTIN.read_bytes(), errors)
    errors.raise_if_any("内置指标定义有误")
    return found


def _row(d: Definition) -> dict:
    return {"code": d.code, "name": d.name, "category": d.category, "formula": d.formula, "numerator": d.numerator,
            "denominator": d.denominator, "unit": d.unit, "direction": d.direction,
            "target": None if d.target is None else f"{d.target:g}", "lead_unit": d.lead_unit,
            "description": d.description, "cases": list(d.cases)}


def export_yaml(defs: list[Definition]) -> bytes:
    rows = [{c.key: export_value(c, _row(d)[c.key], for_xlsx=False) for c in COLUMNS} for d in defs]
    import yaml

    data = {"format": "onewindow-indicators", "indicators": rows}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def export_xlsx(defs: list[Definition]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = SHEET
    ws.append([c.label for c in COLUMNS])
    for d in defs:
        ws.append([export_value(c, _row(d)[c.key], for_xlsx=True) for c in COLUMNS])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
