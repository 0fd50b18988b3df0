"""Editing a draft version of an item: a form generated from the column specs, or the same document
as YAML for those who prefer it. Both save through `service.save_draft`, so the rules are the same."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from onewindow.catalog import service, transfer
from onewindow.catalog.fields import FORM_FIELD, ITEM, MATERIAL, export_value
from onewindow.common import yamlio
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
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


def _from_form(form, code: str, version: int) -> dict:
    """The posted form as an item document; bool columns are checkboxes, blank table rows are dropped."""
    def value(col, name):
        if col.kind == "bool":
            return "是" if form.get(name) else "否"
        return form.get(name)

    data = {"code": code, "version": version, **{c.key: value(c, f"item.{c.key}") for c in ITEM_COLS}}
    for table, cols in TABLES.items():
        indexes = sorted({int(k.split(".")[1]) for k in form if k.startswith(f"{table}.") and k.split(".")[1].isdigit()})
        rows = []
        for i in indexes:
            row = {c.key: value(c, f"{table}.{i}.{c.key}") for c in cols}
            if any((row[c.key] or "").strip() for c in cols if c.kind not in ("bool",) and c.default is None):
                rows.append(row)
        data[table] = rows
    return data


def _form_page(request, session, principal, item, values: dict, *, errors=None, title=None, status_code=200):
    ctx = {"item": item, "values": values, "item_cols": ITEM_COLS, "tables": TABLES, "blank_rows": BLANK_ROWS,
           "departments": service.department_tree(session), "errors": errors, "error_title": title}
    return render(request, "catalog/edit_form.html", ctx, principal=principal, status_code=status_code)


@router.get("/items/{code}/versions/{version}/edit")
def edit_form(request: Request, code: str, version: int, session: DbSession, principal: PageUser):
    item = _draft(session, principal, code, version)
    return _form_page(request, session, principal, item, _as_form(transfer.item_document(item)))


@router.post("/items/{code}/versions/{version}/edit", dependencies=[CsrfChecked])
async def save_form(request: Request, code: str, version: int, session: DbSession, principal: PageUser):
    item = _draft(session, principal, code, version)
    data = _from_form(await request.form(), code, version)
    try:
        service.save_draft(session, actor=principal, data=data)
    except ValidationFailed as exc:
        session.rollback()
        return _form_page(request, session, principal, item, _as_form(data), errors=exc.details, title=exc.message,
                          status_code=422)
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
