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
)
from onewindow.common import documents
from onewindow.common.columns import Col, export_value
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


# Keys a YAML entry may carry: its columns, and the lists nested in it.
YAML_KEYS = {
    "departments": tuple(c.key for c in DEPARTMENT),
    "items": (*(c.key for c in ITEM), "materials", "form_fields"),
    "materials": tuple(c.key for c in MATERIAL),
    "form_fields": tuple(c.key for c in FORM_FIELD),
    "bundles": (*(c.key for c in BUNDLE), "items"),
    "bundle_items": tuple(c.key for c in BUNDLE_ITEM),
}


def read_yaml(content: str | bytes, errors: ErrorCollector) -> Document:
    doc = Document()
    data = documents.load_yaml_mapping(content, errors, sections=("departments", "items", "bundles"),
                                       format_name=FORMAT)
    if data is documents.NO_CONTENT:
        return doc

    def entries(value: Any, path: str, section: str) -> list[tuple[int, dict]]:
        return [(here.row, entry) for here, entry in documents.list_entries(
            value, errors, allowed=YAML_KEYS[section], place=lambda i: documents.Row(path, i))]

    for i, d in entries(data.get("departments"), "departments", "departments"):
        doc.rows["departments"].append(RawRow("departments", i, d, "departments"))
    for i, item in entries(data.get("items"), "items", "items"):
        doc.rows["items"].append(RawRow("items", i, item, "items"))
        link = {"item": item.get("code"), "version": item.get("version", 1)}
        for child in ("materials", "form_fields"):
            path = f"items[{i}].{child}"
            for j, m in entries(item.get(child), path, child):
                doc.rows[child].append(RawRow(path, j, {**link, **m}, child))
    for i, b in entries(data.get("bundles"), "bundles", "bundles"):
        doc.rows["bundles"].append(RawRow("bundles", i, b, "bundles"))
        path = f"bundles[{i}].items"
        for j, bi in entries(b.get("items"), path, "bundle_items"):
            doc.rows["bundle_items"].append(RawRow(path, j, {"bundle": b.get("code"), **bi}, "bundle_items"))
    return doc


def read_xlsx(content: bytes, errors: ErrorCollector) -> Document:
    doc = Document()
    book = documents.open_workbook(content, errors)
    if book is None:
        return doc
    documents.check_sheets(book, (s.title for s in SHEETS), errors)
    titles = {ws.title: ws for ws in book.worksheets}
    for sheet in SHEETS:
        ws = titles.get(sheet.title)
        if ws is None:
            if sheet.key in ("departments", "items"):
                errors.add(f"缺少工作表“{sheet.title}”", sheet=sheet.title)
            continue
        read = documents.sheet_rows(ws, {c.label: c.key for c in sheet.cols}, errors,
                                    required=[c.label for c in sheet.cols if c.required and c.default is None])
        if read is None:
            continue
        for n, raw in read[1]:
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
