"""A catalogue document: departments, items (with materials and form fields) and bundles, as rows
located by sheet and row. YAML and xlsx are two spellings of the same document."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import yaml

from onewindow.catalog.fields import (
    BUNDLE,
    BUNDLE_ITEM,
    CODE,
    DEPARTMENT,
    FORM_FIELD,
    ITEM,
    ITEM_CODE,
    MATERIAL,
    Col,
    export_value,
)
from onewindow.common import yamlio
from onewindow.common.errors import ErrorCollector

FORMAT = "onewindow-catalog/1"

# Rows of child sheets name their parent.
ITEM_LINK = (Col("item", "事项实施编码", pattern=ITEM_CODE), Col("version", "版本", "int", min=1, max=9999, default=1))
BUNDLE_LINK = (Col("bundle", "一件事编码", pattern=CODE),)


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    cols: tuple[Col, ...]


SHEETS = (
    Sheet("departments", "部门", DEPARTMENT),
    Sheet("items", "事项", ITEM),
    Sheet("materials", "材料", ITEM_LINK + MATERIAL),
    Sheet("form_fields", "表单字段", ITEM_LINK + FORM_FIELD),
    Sheet("bundles", "一件事", BUNDLE),
    Sheet("bundle_items", "一件事事项", BUNDLE_LINK + BUNDLE_ITEM),
)
SHEET = {s.key: s for s in SHEETS}


@dataclass
class RawRow:
    sheet: str  # where a person finds it: a sheet title, or a YAML path such as items[3].materials
    row: int
    values: dict[str, Any]  # keyed by column key
    kind: str = ""


@dataclass
class Document:
    rows: dict[str, list[RawRow]] = field(default_factory=lambda: {s.key: [] for s in SHEETS})


def read_yaml(content: str | bytes, errors: ErrorCollector) -> Document:
    doc = Document()
    try:
        data = yamlio.load(content)
    except yamlio.YamlError as exc:
        errors.add(str(exc))
        return doc
    if not isinstance(data, dict):
        errors.add("文件顶层应为包含 departments、items、bundles 的映射")
        return doc
    if data.get("format") not in (None, FORMAT):
        errors.add(f"不支持的格式“{data.get('format')}”，应为 {FORMAT}", field="format")

    def entries(value: Any, path: str) -> list[tuple[int, dict]]:
        if value is None:
            return []
        if not isinstance(value, list):
            errors.add("应为列表", sheet=path)
            return []
        out = []
        for i, entry in enumerate(value, start=1):
            if isinstance(entry, dict):
                out.append((i, entry))
            else:
                errors.add("每一项应为映射（键: 值）", sheet=path, row=i)
        return out

    for i, d in entries(data.get("departments"), "departments"):
        doc.rows["departments"].append(RawRow("departments", i, d, "departments"))
    for i, item in entries(data.get("items"), "items"):
        doc.rows["items"].append(RawRow("items", i, item, "items"))
        link = {"item": item.get("code"), "version": item.get("version", 1)}
        for j, m in entries(item.get("materials"), f"items[{i}].materials"):
            doc.rows["materials"].append(RawRow(f"items[{i}].materials", j, {**link, **m}, "materials"))
        for j, f in entries(item.get("form_fields"), f"items[{i}].form_fields"):
            doc.rows["form_fields"].append(RawRow(f"items[{i}].form_fields", j, {**link, **f}, "form_fields"))
    for i, b in entries(data.get("bundles"), "bundles"):
        doc.rows["bundles"].append(RawRow("bundles", i, b, "bundles"))
        for j, bi in entries(b.get("items"), f"bundles[{i}].items"):
            doc.rows["bundle_items"].append(RawRow(f"bundles[{i}].items", j, {"bundle": b.get("code"), **bi},
                                                   "bundle_items"))
    return doc


def read_xlsx(content: bytes, errors: ErrorCollector) -> Document:
    from openpyxl import load_workbook

    doc = Document()
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, KeyError, InvalidFileException …: all mean "not an xlsx"
        errors.add(f"不是有效的 xlsx 文件（{type(exc).__name__}）")
        return doc
    titles = {ws.title: ws for ws in book.worksheets}
    for sheet in SHEETS:
        ws = titles.get(sheet.title)
        if ws is None:
            if sheet.key in ("departments", "items"):
                errors.add(f"缺少工作表“{sheet.title}”", sheet=sheet.title)
            continue
        rows = ws.iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
        by_label = {c.label: c.key for c in sheet.cols}
        missing = [c.label for c in sheet.cols if c.required and c.default is None and c.label not in header]
        if missing:
            errors.add(f"缺少列：{'、'.join(missing)}", sheet=sheet.title, row=1)
            continue
        unknown = [h for h in header if h and h not in by_label]
        if unknown:
            errors.add(f"无法识别的列：{'、'.join(unknown)}", sheet=sheet.title, row=1)
        for n, values in enumerate(rows, start=2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            raw = {by_label[h]: v for h, v in zip(header, values, strict=False) if h in by_label}
            doc.rows[sheet.key].append(RawRow(sheet.title, n, raw, sheet.key))
    return doc


def write_yaml(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def write_xlsx(data: dict) -> bytes:
    """One sheet per entity; headers are the Chinese column labels."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    flat: dict[str, list[dict]] = {s.key: [] for s in SHEETS}
    flat["departments"] = data["departments"]
    for item in data["items"]:
        flat["items"].append(item)
        link = {"item": item["code"], "version": item["version"]}
        flat["materials"] += [{**link, **m} for m in item.get("materials", [])]
        flat["form_fields"] += [{**link, **f} for f in item.get("form_fields", [])]
    for bundle in data["bundles"]:
        flat["bundles"].append(bundle)
        flat["bundle_items"] += [{"bundle": bundle["code"], **bi} for bi in bundle.get("items", [])]
    book = Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.title)
        ws.append([c.label for c in sheet.cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in flat[sheet.key]:
            ws.append([export_value(c, row.get(c.key), for_xlsx=True) for c in sheet.cols])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
