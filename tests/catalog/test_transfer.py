"""Import and export: round trips are the identity; a bad file writes nothing and lists every error."""

import io

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import func, select

from onewindow.catalog import transfer
from onewindow.catalog.models import Bundle, Department, ServiceItem
from onewindow.common.errors import ValidationFailed
from onewindow.common.models import AuditRecord
from onewindow.common.security import SYSTEM
from tests.conftest import DATA

SMALL = (DATA / "catalog_small.yaml").read_bytes()


def counts(session):
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Department, ServiceItem, Bundle))


def wipe(session):
    for model in (Bundle, ServiceItem):
        for row in session.scalars(select(model)):
            session.delete(row)
    session.flush()
    for d in session.scalars(select(Department)):
        d.parent_id = None
    session.flush()
    for d in session.scalars(select(Department)):
        session.delete(d)
    session.flush()


@pytest.mark.parametrize("fmt", ["yaml", "xlsx"])
def test_export_import_round_trip(catalog, fmt):
    before, _, _ = transfer.export_catalog(catalog, fmt="yaml")
    first, _, name = transfer.export_catalog(catalog, fmt=fmt)
    wipe(catalog)
    assert counts(catalog) == (0, 0, 0)
    transfer.import_catalog(catalog, actor=SYSTEM, filename=name, content=first)
    after, _, _ = transfer.export_catalog(catalog, fmt="yaml")
    assert after == before  # byte for byte: the catalogue came back identical
    assert counts(catalog) == (5, 6, 1)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(first))
        assert book.sheetnames == ["部门", "事项", "材料", "表单字段", "一件事", "一件事事项"]


def test_yaml_export_equals_source_semantics(catalog):
    exported = yaml.safe_load(transfer.export_catalog(catalog, fmt="yaml")[0])
    source = yaml.safe_load(SMALL)
    assert exported["departments"][0]["code"] == "SZF"  # parents come first, so the file imports in one pass
    assert {d["code"] for d in exported["departments"]} == {d["code"] for d in source["departments"]}
    assert {(i["code"], i["version"]) for i in exported["items"]} == {(i["code"], i["version"]) for i in source["items"]}


def test_reimport_is_idempotent(catalog):
    before = counts(catalog)
    summary = transfer.import_catalog(catalog, actor=SYSTEM, filename="again.yaml", content=SMALL)
    assert counts(catalog) == before and summary.unchanged_items == 6 and summary.items == 0


BAD = """
format: onewindow-catalog/1
departments:
  - {code: A1, name: 甲局, level: 市, parent: NOPE}
  - {code: A1, name: 重复, level: 省}
items:
  - code: X-0001
    basic_code: "12345"
    version: 1
    status: published
    valid_from: 2024-01-01
    name: 事项一
    item_type: 行政许可
    department: ZZZ
    level: 市
    statutory_limit_days: 5
    promised_limit_days: 9
    online_depth: 全程网办
    result_type: 证照
    materials:
      - {code: M-1, name: 材料}
      - {code: M-1, name: 材料重复}
  - code: X-0001
    basic_code: "123456789012"
    version: 1
    name: 重复事项
    item_type: 行政许可
    department: A1
    level: 市
    statutory_limit_days: abc
    promised_limit_days: 1
    online_depth: 全程网办
    result_type: 证照
bundles:
  - code: B-1
    name: 环
    items:
      - {item: X-0001, depends_on: [Y-0001]}
      - {item: Y-0001, depends_on: [X-0001]}
"""


def test_bad_yaml_lists_every_error_and_writes_nothing(catalog):
    before = counts(catalog)
    audit_before = catalog.scalar(select(func.count()).select_from(AuditRecord))
    with pytest.raises(ValidationFailed) as info:
        transfer.import_catalog(catalog, actor=SYSTEM, filename="bad.yaml", content=BAD.encode())
    located = {(d.sheet, d.row, d.field) for d in info.value.details}
    messages = " | ".join(d.message for d in info.value.details)
    assert ("departments", 1, "parent") in located            # unknown parent
    assert ("departments", 2, "code") in located              # duplicate code
    assert ("departments", 2, "level") in located             # bad level
    assert ("items", 1, "basic_code") in located              # bad basic code
    assert ("items", 1, "department") in located              # unknown department
    assert ("items", 1, "promised_limit_days") in located     # promised > statutory
    assert ("items", 2, "code") in located                    # duplicate code+version
    assert ("items", 2, "statutory_limit_days") in located    # bad time limit
    assert ("items[1].materials", 2, "code") in located       # duplicate material
    assert "依赖关系存在环" in messages and "Y-0001不存在" in messages
    assert counts(catalog) == before
    assert catalog.scalar(select(func.count()).select_from(AuditRecord)) == audit_before


def test_bad_xlsx_names_sheet_row_and_column(catalog):
    content, _, _ = transfer.export_catalog(catalog, fmt="xlsx")
    book = load_workbook(io.BytesIO(content))
    items = book["事项"]
    header = [c.value for c in items[1]]
    items.cell(row=3, column=header.index("承诺办结时限（工作日）") + 1, value=-2)
    items.cell(row=4, column=header.index("实施部门编码") + 1, value="NOWHERE")
    book["一件事事项"].append(["T-YJS-KB", "T-SCJG-0001", "T-RS-0001"])  # duplicate item, makes a cycle
    mats = book["材料"]
    mats.delete_cols([c.value for c in mats[1]].index("材料名称") + 1)
    out = io.BytesIO()
    book.save(out)
    before = counts(catalog)
    with pytest.raises(ValidationFailed) as info:
        transfer.import_catalog(catalog, actor=SYSTEM, filename="bad.xlsx", content=out.getvalue())
    located = {(d.sheet, d.row, d.field) for d in info.value.details}
    assert ("事项", 3, "承诺办结时限（工作日）") in located
    assert ("事项", 4, "实施部门编码") in located
    assert any(d.sheet == "材料" and d.row == 1 and "材料名称" in d.message for d in info.value.details)
    assert any("环" in d.message or "重复" in d.message for d in info.value.details if d.sheet == "一件事")
    assert counts(catalog) == before


@pytest.mark.parametrize("filename, content, fragment", [
    ("x.yaml", b"items: [", "YAML"),
    ("x.yaml", b"- just\n- a list\n", "映射"),
    ("x.xlsx", b"PK\x03\x04 not really a zip", "xlsx"),
    ("x.csv", b"a,b", "yaml"),
    ("x.yaml", b"departments:\n  - {code: A, name: x, level: \xe5}\n", "YAML"),
])
def test_malformed_files(catalog, filename, content, fragment):
    with pytest.raises(ValidationFailed) as info:
        transfer.import_catalog(catalog, actor=SYSTEM, filename=filename, content=content)
    assert fragment in str(info.value.details) + info.value.message


def test_changing_a_published_version_is_refused(catalog):
    data = yaml.safe_load(SMALL)
    data["items"][0]["promised_limit_days"] = 0
    with pytest.raises(ValidationFailed) as info:
        transfer.import_catalog(catalog, actor=SYSTEM, filename="x.yaml",
                                content=yaml.safe_dump(data, allow_unicode=True).encode())
    assert "已发布" in info.value.details[0].message and info.value.details[0].row == 1
