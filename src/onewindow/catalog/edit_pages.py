"""Editing a draft version of an item: a form generated from the column specs, or the same document
as YAML for those who prefer it. Both save through `service.save_draft`, so the rules are the same."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from onewindow.catalog import service, transfer
from onewindow.catalog.fields import FORM_FIELD, ITEM, MATERIAL
from onewindow.common import yamlio
from onewindow.common.columns import export_value
from onewindow.common.errors import ErrorDetail, ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.kept import EMPTY, Kept, keep
from onewindow.common.roles import Role
from onewindow.common.web import render

router = APIRouter(prefix="/catalog")
ITEM_COLS = tuple(c for c in ITEM if c.key not in ("code", "version", "status"))
TABLES = {"materials": MATERIAL, "form_fields": FORM_FIELD}
BLANK_ROWS = 2


def _draft(session, principal, code: str, version: int):
    principal.require(Role.admin)
    return service.get_item(session, code=code, version=version, actor=principal)


def _as_form(doc: dict) -> dict:
    """Document values as the form shows them (lists joined, booleans kept)."""
    def show(col, value):
        return value if col.kind == "bool" else export_value(col, value, for_xlsx=True)
    return {
        "item": {c.key: show(c, doc.get(c.key)) for c in ITEM_COLS},
        **{t: [{c.key: show(c, row.get(c.key)) for c in cols} for row in doc.get(t, [])] for t, cols in TABLES.items()},
    }


def _from_form(form, code: str, version: int) -> tuple[dict, dict[tuple[str, int], int]]:
    """The posted form as an item document; bool columns are checkboxes, blank table rows are dropped.
    Also which posted row each document row came from ((table, row number) → the form's index), so an
    error on 申请材料第2行 is shown beside the control the person typed it in."""
    def value(col, name):
        if col.kind == "bool":
            return "是" if form.get(name) else "否"
        return form.get(name)

    data = {"code": code, "version": version, **{c.key: value(c, f"item.{c.key}") for c in ITEM_COLS}}
    origin: dict[tuple[str, int], int] = {}
    for table, cols in TABLES.items():
        rows = []
        for i in _indexes(form, table):
            row = {c.key: value(c, f"{table}.{i}.{c.key}") for c in cols}
            if any((row[c.key] or "").strip() for c in cols if c.kind not in ("bool",) and c.default is None):
                rows.append(row)
                origin[(table, len(rows))] = i
        data[table] = rows
    return data, origin


def _indexes(form, table: str) -> list[int]:
    return sorted({int(k.split(".")[1]) for k in form if k.startswith(f"{table}.") and k.split(".")[1].isdigit()})


TABLE_NAMES = {"materials": "申请材料", "form_fields": "表单字段"}
LABELS = {"item": {c.key: c.label for c in ITEM}, **{t: {c.key: c.label for c in cols} for t, cols in TABLES.items()}}


def _placed(exc: ValidationFailed, origin: dict[tuple[str, int], int]) -> ValidationFailed:
    """The service reports an item's problems as a file's (sheet, row, column key); on the form each
    goes to its control, named by its Chinese label (a table's row by its number on the page)."""
    details = []
    for d in exc.details:
        table = d.sheet if d.sheet in LABELS else None
        label = LABELS[table].get(d.field or "") if table else None
        if table == "item" and d.field:
            details.append(ErrorDetail(message=d.message, field=f"item.{d.field}", label=label))
        elif table in TABLES and d.field and (table, d.row) in origin:
            i = origin[(table, d.row)]
            details.append(ErrorDetail(message=d.message, field=f"{table}.{i}.{d.field}",
                                       label=f"{TABLE_NAMES[table]}第{i + 1}行{label or ''}"))
        else:
            details.append(ErrorDetail(message=d.message, field=None, label=label))
    return ValidationFailed(exc.message, details=details)


def _form_page(request, session, principal, item, values: dict, *, kept: Kept = EMPTY, rows: dict | None = None):
    departments = service.department_tree(session)
    ctx = {"item": item, "values": values, "item_cols": ITEM_COLS, "tables": TABLES, "blank_rows": BLANK_ROWS,
           "departments": departments, "departments_options": [(d.code, "　" * depth + d.name) for depth, d in departments],
           "kept": kept}
    if kept:  # shown again: the rows as posted, blank ones too, each control holding what was typed
        ctx.update(blank_rows=0, values={**values, **{t: [{}] * n for t, n in (rows or {}).items()}})
    return render(request, "catalog/edit_form.html", ctx, principal=principal, status_code=kept.status_code)


@router.get("/items/{code}/versions/{version}/edit")
def edit_form(request: Request, code: str, version: int, session: DbSession, principal: PageUser):
    item = _draft(session, principal, code, version)
    return _form_page(request, session, principal, item, _as_form(transfer.item_document(item)))


@router.post("/items/{code}/versions/{version}/edit", dependencies=[CsrfChecked])
async def save_form(request: Request, code: str, version: int, session: DbSession, principal: PageUser):
    item = _draft(session, principal, code, version)
    form = await request.form()
    data, origin = _from_form(form, code, version)
    try:
        service.save_draft(session, actor=principal, data=data)
    except ValidationFailed as exc:
        session.rollback()
        item = _draft(session, principal, code, version)
        rows = {t: max(_indexes(form, t), default=-1) + 1 for t in TABLES}
        unticked = {f"item.{c.key}" for c in ITEM_COLS if c.kind == "bool"} | {
            f"{t}.{i}.{c.key}" for t, cols in TABLES.items() for i in range(rows[t]) for c in cols if c.kind == "bool"}
        kept = keep(form, _placed(exc, origin), on_page=unticked)
        return _form_page(request, session, principal, item, _as_form(transfer.item_document(item)), kept=kept,
                          rows=rows)
    return RedirectResponse(f"/catalog/items/{code}?version={version}", status_code=303)


@router.get("/editor/row/{table}")
def blank_row(request: Request, table: str, principal: PageUser, n: int = Query(ge=0, le=500)):
    principal.require(Role.admin)
    if table not in TABLES:
        raise ValidationFailed.one("未知的表", field="table")
    return render(request, "catalog/_edit_row.html", {"table": table, "cols": TABLES[table], "i": n, "row": {}},
                  principal=principal)


@router.get("/items/{code}/versions/{version}/yaml")
def edit_yaml(request: Request, code: str, version: int, session: DbSession, principal: PageUser):
    item = _draft(session, principal, code, version)
    doc = transfer.item_document(item)
    text = transfer.write_yaml({k: v for k, v in doc.items() if k not in ("code", "version", "status")})
    return render(request, "catalog/edit.html", {"item": item, "text": text}, principal=principal)


@router.post("/items/{code}/versions/{version}/yaml", dependencies=[CsrfChecked])
def save_yaml(request: Request, code: str, version: int, session: DbSession, principal: PageUser,
              text: str = Form(max_length=500_000)):
    item = _draft(session, principal, code, version)
    try:
        data = yamlio.load(text)
        if not isinstance(data, dict):
            raise ValidationFailed.one("内容应为“字段: 值”的映射")
        service.save_draft(session, actor=principal, data={**data, "code": code, "version": version})
    except yamlio.YamlError as exc:
        return render(request, "catalog/edit.html", {"item": item, "text": text, "error_title": "YAML 格式错误",
                                                     "errors": [str(exc)]}, principal=principal, status_code=422)
    except ValidationFailed as exc:
        session.rollback()
        return render(request, "catalog/edit.html", {"item": item, "text": text, "error_title": exc.message,
                                                     "errors": exc.details}, principal=principal, status_code=422)
    return RedirectResponse(f"/catalog/items/{code}?version={version}", status_code=303)
