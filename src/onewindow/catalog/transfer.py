"""Import and export of the whole catalogue. An import is checked in full first and written in one
transaction: a file with any error writes nothing and answers with every error located."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from onewindow.catalog import bundles as planner
from onewindow.catalog.documents import (
    FORMAT,
    SHEET,
    SHEETS,
    Document,
    RawRow,
    read_xlsx,
    read_yaml,
    write_xlsx,
    write_yaml,
)
from onewindow.catalog.fields import BUNDLE, FORM_FIELD, ITEM, MATERIAL
from onewindow.catalog.models import Bundle, BundleItem, Department, FormField, Material, ServiceItem
from onewindow.common import audit, documents, versions
from onewindow.common import time as beijing
from onewindow.common.columns import clean_row
from onewindow.common.errors import ErrorCollector, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.search import segment
from onewindow.common.security import Principal
from onewindow.db import utcnow

# Columns that make up a published version's content; a published version never changes them.
CONTENT_KEYS = tuple(c.key for c in ITEM if c.key not in ("status", "valid_to"))


@dataclass
class Checked:
    departments: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)  # each with "materials" and "form_fields"
    bundles: list[dict] = field(default_factory=list)  # each with "items"


@dataclass
class ImportSummary:
    departments: int
    items: int
    bundles: int
    unchanged_items: int
    sha256: str


def read_document(*, filename: str, content: bytes, errors: ErrorCollector) -> Document:
    kind = documents.kind_of(filename, errors)
    return read_xlsx(content, errors) if kind == "xlsx" else read_yaml(content, errors) if kind else Document()


def _clean(doc: Document, key: str, errors: ErrorCollector) -> list[tuple[RawRow, dict]]:
    return [(raw, clean_row(SHEET[key].cols, raw.values, errors, sheet=raw.sheet, row=raw.row))
            for raw in doc.rows[key]]


def check(session: Session, doc: Document, errors: ErrorCollector) -> Checked:
    """Every rule of the catalogue, against the file and what the database already holds.

    Rows with a bad value still take part in the cross-row checks (by their valid columns), so one
    answer lists every problem and a child row is never blamed for its parent's typo.
    """
    out = Checked()
    db_depts = set(session.scalars(select(Department.code)))

    seen_depts: dict[str, dict] = {}
    for raw, row in _clean(doc, "departments", errors):
        if row["code"] is None:
            continue
        if row["code"] in seen_depts:
            errors.add(f"部门编码{row['code']}重复", sheet=raw.sheet, row=raw.row, field="code")
            continue
        seen_depts[row["code"]] = row
        row["_loc"] = {"sheet": raw.sheet, "row": raw.row}
        out.departments.append(row)
    known_depts = db_depts | set(seen_depts)
    for row in out.departments:
        if row["parent"] and row["parent"] not in known_depts:
            errors.add(f"上级部门{row['parent']}不存在", field="parent", **row["_loc"])
    _check_department_cycles(seen_depts, errors)

    items: dict[tuple[str, int], dict] = {}
    for raw, row in _clean(doc, "items", errors):
        loc = {"sheet": raw.sheet, "row": raw.row}
        key = (row["code"], row["version"])
        if None in key:
            continue
        if key in items:
            errors.add(f"事项{row['code']}第{row['version']}版重复", field="code", **loc)
            continue
        if row["department"] is not None and row["department"] not in known_depts:
            errors.add(f"实施部门{row['department']}不存在", field="department", **loc)
        promised, statutory = row["promised_limit_days"], row["statutory_limit_days"]
        if promised is not None and statutory is not None and promised > statutory:
            errors.add(f"承诺时限{promised}天不能超过法定时限{statutory}天", field="promised_limit_days", **loc)
        if row["valid_from"] and row["valid_to"] and row["valid_to"] < row["valid_from"]:
            errors.add("失效日期早于生效日期", field="valid_to", **loc)
        if row["status"] == "published" and not row["valid_from"]:
            errors.add("已发布的版本须有生效日期", field="valid_from", **loc)
        row.update(materials=[], form_fields=[], _loc=loc)
        items[key] = row
        out.items.append(row)

    for child, unique in (("materials", "code"), ("form_fields", "key")):
        seen: set[tuple] = set()
        for raw, row in _clean(doc, child, errors):
            if row["item"] is None or row["version"] is None:
                continue
            parent = items.get((row["item"], row["version"]))
            if parent is None:
                errors.add(f"事项{row['item']}第{row['version']}版不在文件中", sheet=raw.sheet, row=raw.row, field="item")
                continue
            mark = (row["item"], row["version"], row[unique])
            if row[unique] is not None and mark in seen:
                errors.add(f"同一事项内“{row[unique]}”重复", sheet=raw.sheet, row=raw.row, field=unique)
                continue
            seen.add(mark)
            if child == "form_fields" and row["type"] == "select" and not row["options"]:
                errors.add("下拉选择字段须有选项", sheet=raw.sheet, row=raw.row, field="options")
            parent[child].append({k: v for k, v in row.items() if k not in ("item", "version")})

    if not errors:  # comparing with stored versions only makes sense for rows that are otherwise valid
        _check_published_unchanged(session, items, errors)

    item_codes = {code for code, _ in items} | set(session.scalars(select(ServiceItem.code).distinct()))
    bundle_rows: dict[str, dict] = {}
    for raw, row in _clean(doc, "bundles", errors):
        if row["code"] is None:
            continue
        if row["code"] in bundle_rows:
            errors.add(f"一件事编码{row['code']}重复", sheet=raw.sheet, row=raw.row, field="code")
            continue
        row.update(items=[], _loc={"sheet": raw.sheet, "row": raw.row})
        bundle_rows[row["code"]] = row
        out.bundles.append(row)
    for raw, row in _clean(doc, "bundle_items", errors):
        if row["bundle"] is None or row["item"] is None:
            continue
        bundle = bundle_rows.get(row["bundle"])
        if bundle is None:
            errors.add(f"一件事{row['bundle']}不在文件中", sheet=raw.sheet, row=raw.row, field="bundle")
            continue
        if row["item"] not in item_codes:
            errors.add(f"事项{row['item']}不存在", sheet=raw.sheet, row=raw.row, field="item")
        bundle["items"].append({"item": row["item"], "depends_on": row["depends_on"] or []})
    for bundle in out.bundles:
        codes = [bi["item"] for bi in bundle["items"]]
        deps = {bi["item"]: bi["depends_on"] for bi in bundle["items"]}
        planner.check_structure(codes, deps, bundle["core_item"], errors, **bundle["_loc"])
    return out


def _check_department_cycles(depts: dict[str, dict], errors: ErrorCollector) -> None:
    for code in depts:
        path, node = [code], depts[code]["parent"]
        while node in depts and node not in path:
            path.append(node)
            node = depts[node]["parent"]
        if node == code:
            errors.add("上级部门关系存在环：" + " → ".join(path + [code]), sheet="部门", field="parent")
            return


def _check_published_unchanged(session: Session, items: dict[tuple[str, int], dict], errors: ErrorCollector) -> None:
    codes = {code for code, _ in items}
    if not codes:
        return
    existing = {(i.code, i.version): i for i in session.scalars(select(ServiceItem).where(ServiceItem.code.in_(codes)))}
    for key, row in items.items():
        current = existing.get(key)
        if current is None or current.status == "draft":
            continue
        if _content(item_document(current)) != _content(row):
            errors.add(f"事项{key[0]}第{key[1]}版已发布，内容不可修改；请新建版本", field="code", **row["_loc"])


def _content(doc: dict) -> tuple:
    return (tuple(doc[k] for k in CONTENT_KEYS), tuple(tuple(sorted(m.items())) for m in doc["materials"]),
            tuple(tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(f.items()))
                  for f in doc["form_fields"]))


def apply(session: Session, checked: Checked) -> tuple[int, int, int, int]:
    """Upsert by code (items by code and version). Runs only after `check` found nothing.

    Returns (departments written, item versions written, bundles written, items unchanged): a row
    equal to what is stored is left alone, so importing an unchanged export writes nothing.
    """
    depts = {d.code: d for d in session.scalars(select(Department))}
    parents = {d.id: d.code for d in depts.values()}
    written_depts = 0
    for row in checked.departments:
        dept = depts.get(row["code"])
        if dept is not None and (dept.name, dept.level, parents.get(dept.parent_id)) == (
                row["name"], row["level"], row["parent"]):
            continue
        dept = dept or Department(code=row["code"])
        dept.name, dept.level = row["name"], row["level"]
        depts[row["code"]] = dept
        session.add(dept)
        written_depts += 1
    session.flush()
    for row in checked.departments:
        parent_id = depts[row["parent"]].id if row["parent"] else None
        if depts[row["code"]].parent_id != parent_id:
            depts[row["code"]].parent_id = parent_id

    existing = {(i.code, i.version): i for i in session.scalars(
        select(ServiceItem).where(ServiceItem.code.in_({r["code"] for r in checked.items})))} if checked.items else {}
    unchanged = 0
    for row in checked.items:
        item = existing.get((row["code"], row["version"]))
        if item is not None and versions.unchanged(item, row, content=lambda r: _content(
                item_document(r) if isinstance(r, ServiceItem) else r)):
            unchanged += 1
            continue
        if item is not None and item.status != "draft":  # a published version changes only its state and end
            item.status, item.valid_to = row["status"], row["valid_to"]
            continue
        item = item or ServiceItem()
        fill_item(item, row, depts[row["department"]])
        session.add(item)

    bundles = {b.code: b for b in session.scalars(select(Bundle))}
    written_bundles = 0
    for row in checked.bundles:
        bundle = bundles.get(row["code"])
        if bundle is not None and bundle_document(bundle) == _bundle_row(row):
            continue
        bundle = bundle or Bundle(code=row["code"])
        fill_bundle(bundle, row)
        session.add(bundle)
        written_bundles += 1
    session.flush()
    return written_depts, len(checked.items) - unchanged, written_bundles, unchanged


def _bundle_row(row: dict) -> dict:
    """A checked bundle row in the shape of `bundle_document`, to compare with what is stored."""
    return {**{c.key: row[c.key] for c in BUNDLE},
            "items": [{"item": bi["item"], "depends_on": list(bi["depends_on"])} for bi in row["items"]]}


def fill_item(item: ServiceItem, row: dict, department: Department) -> None:
    for key in (c.key for c in ITEM if c.key != "department"):
        setattr(item, key, row[key])
    item.department = department
    item.department_id = department.id
    item.materials = [Material(position=n, **{c.key: m[c.key] for c in MATERIAL}) for n, m in enumerate(row["materials"])]
    item.form_fields = [FormField(position=n, **{c.key: f[c.key] for c in FORM_FIELD})
                        for n, f in enumerate(row["form_fields"])]
    item.search_text = segment(row["name"], department.name, row["result_name"] or "", row["item_type"],
                               " ".join(m["name"] for m in row["materials"]))
    if row["status"] == "published" and item.published_at is None:
        item.published_at = utcnow()


def fill_bundle(bundle: Bundle, row: dict) -> None:
    for key in (c.key for c in BUNDLE):
        setattr(bundle, key, row[key])
    # Reuse rows by item code: the unit of work inserts before it deletes, so replacing a row with
    # an equal (bundle, item) pair would trip the unique constraint.
    existing = {bi.item_code: bi for bi in bundle.items}
    rows = []
    for n, bi in enumerate(row["items"]):
        item = existing.get(bi["item"]) or BundleItem(item_code=bi["item"])
        item.position, item.depends_on = n, list(bi["depends_on"])
        rows.append(item)
    bundle.items = rows


def import_catalog(session: Session, *, actor: Principal, filename: str, content: bytes) -> ImportSummary:
    actor.require(Role.admin)
    errors = ErrorCollector()
    doc = read_document(filename=filename, content=content, errors=errors)
    checked = check(session, doc, errors)  # even after a read error: list every problem in one answer
    if filename.lower().endswith(".xlsx"):
        _name_columns_as_in_excel(errors)
    errors.raise_if_any("导入失败，未写入任何数据")
    n_depts, n_items, n_bundles, unchanged = apply(session, checked)
    if session.get_bind().dialect.name == "postgresql" and n_items > 100:
        # Fresh statistics after a bulk load, so the planner keeps using the search index.
        session.execute(text("ANALYZE service_items"))
    digest = hashlib.sha256(content).hexdigest()
    if not (n_depts or n_items or n_bundles):  # nothing changed: nothing written, not even the audit record
        return ImportSummary(n_depts, n_items, n_bundles, unchanged, digest)
    audit.record(session, actor=actor, action="catalog.import", entity_type="catalog", entity_id=filename[:128],
                 after={"departments": n_depts, "items_written": n_items, "items_unchanged": unchanged,
                        "bundles": n_bundles, "sha256": digest})
    return ImportSummary(n_depts, n_items, n_bundles, unchanged, digest)


def _name_columns_as_in_excel(errors: ErrorCollector) -> None:
    """Errors on xlsx rows name the column header the person sees, not the internal key."""
    labels = {s.title: {c.key: c.label for c in s.cols} for s in SHEETS}
    errors.errors = [replace(e, field=labels.get(e.sheet, {}).get(e.field, e.field)) for e in errors.errors]


def item_document(item: ServiceItem) -> dict:
    doc = {c.key: getattr(item, c.key) for c in ITEM if c.key != "department"}
    doc["department"] = item.department.code
    doc = {c.key: doc[c.key] for c in ITEM}  # column order
    doc["materials"] = [{c.key: getattr(m, c.key) for c in MATERIAL} for m in item.materials]
    doc["form_fields"] = [{c.key: (list(getattr(f, c.key) or []) if c.kind == "list" else getattr(f, c.key))
                           for c in FORM_FIELD} for f in item.form_fields]
    return doc


def bundle_document(bundle: Bundle) -> dict:
    doc = {c.key: getattr(bundle, c.key) for c in BUNDLE}
    doc["items"] = [{"item": bi.item_code, "depends_on": list(bi.depends_on or [])} for bi in bundle.items]
    return doc


def export_data(session: Session) -> dict:
    depts = session.scalars(select(Department).order_by(Department.code)).all()
    by_id = {d.id: d for d in depts}
    ordered: list[Department] = []
    placed: set[int] = set()

    def place(d: Department) -> None:  # parents before children, so the file imports in one pass
        if d.id in placed:
            return
        if d.parent_id and d.parent_id in by_id:
            place(by_id[d.parent_id])
        placed.add(d.id)
        ordered.append(d)

    for d in depts:
        place(d)
    items = session.scalars(select(ServiceItem).order_by(ServiceItem.code, ServiceItem.version)).all()
    bundles = session.scalars(select(Bundle).order_by(Bundle.code)).all()
    return {
        "format": FORMAT,
        "departments": [{"code": d.code, "name": d.name, "level": d.level,
                         "parent": by_id[d.parent_id].code if d.parent_id else None} for d in ordered],
        "items": [item_document(i) for i in items],
        "bundles": [bundle_document(b) for b in bundles],
    }


def export_catalog(session: Session, *, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the whole catalogue."""
    data = export_data(session)
    stamp = beijing.today().isoformat()
    if fmt == "xlsx":
        return (write_xlsx(data), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"catalog-{stamp}.xlsx")
    if fmt == "yaml":
        return write_yaml(data).encode(), "application/yaml", f"catalog-{stamp}.yaml"
    raise ValidationFailed.one("格式须为 yaml 或 xlsx", field="format")

