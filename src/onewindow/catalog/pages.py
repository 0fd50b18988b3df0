"""Catalogue pages: browse and search, the 办事指南 item page, versions, bundles, the bundle designer,
import and export."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from onewindow.catalog import fields as F
from onewindow.catalog import service, transfer
from onewindow.catalog.bundles import REDUCTION_LABELS
from onewindow.common.errors import DomainError, ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, MaybeUser, PageUser
from onewindow.common.roles import Role
from onewindow.common.uploads import read_upload
from onewindow.common.web import render

router = APIRouter(prefix="/catalog")
CHOICES = {"item_types": F.ITEM_TYPES, "online_depths": F.ONLINE_DEPTHS, "levels": F.LEVELS,
           "status_labels": F.STATUS_LABELS}


@router.get("")
def browse(request: Request, session: DbSession, principal: MaybeUser, q: str | None = Query(None, max_length=100),
           department: str | None = Query(None, max_length=32), item_type: str | None = Query(None, max_length=16),
           online_depth: str | None = Query(None, max_length=8), status: str = Query("current", max_length=16),
           page: int = Query(1, ge=1, le=100000)):
    result = service.search_items(session, q=q, department=department or None, item_type=item_type or None,
                                  online_depth=online_depth or None, status=status, actor=principal, page=page)
    # 一件事 match the words too; shown above the items, on the first page of an unfiltered search.
    found = (service.search_bundles(session, q=q, actor=principal)
             if page == 1 and not (department or item_type or online_depth) else [])
    ctx = {"page": result, "bundles": found, "q": q or "", "department": department or "",
           "item_type": item_type or "",
           "online_depth": online_depth or "", "status": status, "departments": service.department_tree(session),
           **CHOICES}
    name = "catalog/_results.html" if request.headers.get("hx-request") else "catalog/browse.html"
    return render(request, name, ctx, principal=principal)


@router.get("/departments")
def departments(request: Request, session: DbSession, principal: MaybeUser):
    return render(request, "catalog/departments.html", {"tree": service.department_tree(session),
                                                        "counts": service.item_counts(session)}, principal=principal)


@router.get("/items/{code}")
def item_page(request: Request, code: str, session: DbSession, principal: MaybeUser,
              version: int | None = Query(None, ge=1, le=9999)):
    item = service.get_item(session, code=code, version=version, actor=principal)
    versions = service.list_versions(session, code=code, actor=principal)
    return render(request, "catalog/item.html", {"item": item, "versions": versions, **CHOICES}, principal=principal)


@router.post("/items/{code}/versions", dependencies=[CsrfChecked])
def new_version(code: str, session: DbSession, principal: PageUser):
    item = service.new_version(session, actor=principal, code=code)
    return RedirectResponse(f"/catalog/items/{code}/versions/{item.version}/edit", status_code=303)


@router.post("/items/{code}/versions/{version}/publish", dependencies=[CsrfChecked])
def publish(code: str, version: int, session: DbSession, principal: PageUser,
            valid_from: str = Form("", max_length=10)):
    service.publish_item(session, actor=principal, code=code, version=version,
                         valid_from=service.check_valid_from(valid_from))
    return RedirectResponse(f"/catalog/items/{code}", status_code=303)


@router.get("/bundles")
def bundles(request: Request, session: DbSession, principal: MaybeUser):
    rows = service.bundle_plans(session, bundles=service.list_bundles(session, actor=principal))
    return render(request, "catalog/bundles.html", {"rows": rows, "labels": REDUCTION_LABELS}, principal=principal)


@router.get("/bundles/{code}")
def bundle_page(request: Request, code: str, session: DbSession, principal: MaybeUser):
    bundle = service.get_bundle(session, code=code, actor=principal)
    plan, items = service.bundle_plan(session, bundle=bundle)
    return render(request, "catalog/bundle.html", {"bundle": bundle, "plan": plan, "items": items,
                                                   "labels": REDUCTION_LABELS}, principal=principal)


# ---- designer -----------------------------------------------------------------------------------

def _designer_state(form) -> dict:
    """The designer's whole state travels in its form, so every change re-renders from the server."""
    codes = [c for c in form.getlist("item") if c]
    if (add := form.get("add")) and add not in codes:
        codes.append(add)
    if remove := form.get("remove"):
        codes = [c for c in codes if c != remove]
    deps = {c: [d for d in form.getlist(f"dep:{c}") if d in codes and d != c] for c in codes}
    core = form.get("core_item") or None
    return {"code": (form.get("code") or "").strip(), "name": (form.get("name") or "").strip(),
            "description": form.get("description") or "", "status": form.get("status") or "draft",
            "codes": codes, "deps": deps, "core_item": core if core in codes else None,
            "version": form.get("version") or ""}


def _designer_ctx(session, state: dict) -> dict:
    found = service.current_items(session, state["codes"]) if state["codes"] else {}
    ctx = {"state": state, "found": found, "plan": None, "plan_errors": [], "labels": REDUCTION_LABELS}
    if state["codes"]:
        try:
            ctx["plan"], _ = service.plan_bundle(session, items=state["codes"], depends_on=state["deps"],
                                                 core_item=state["core_item"])
        except ValidationFailed as exc:
            ctx["plan_errors"] = exc.details
    return ctx


@router.get("/designer")
def designer(request: Request, session: DbSession, principal: PageUser, code: str | None = Query(None, max_length=40)):
    principal.require(Role.admin)
    state = {"code": "", "name": "", "description": "", "status": "draft", "codes": [], "deps": {},
             "core_item": None, "version": ""}
    if code:
        b = service.get_bundle(session, code=code, actor=principal)
        state.update(code=b.code, name=b.name, description=b.description, status=b.status, core_item=b.core_item,
                     codes=[bi.item_code for bi in b.items], version=str(b.version),
                     deps={bi.item_code: list(bi.depends_on or []) for bi in b.items})
    return render(request, "catalog/designer.html", _designer_ctx(session, state), principal=principal)


@router.get("/designer/search")
def designer_search(request: Request, session: DbSession, principal: PageUser, q: str = Query("", max_length=100)):
    principal.require(Role.admin)
    result = service.search_items(session, q=q or None, page=1, per_page=15)
    return render(request, "catalog/_designer_search.html", {"page": result, "q": q}, principal=principal)


@router.post("/designer/panel", dependencies=[CsrfChecked])
async def designer_panel(request: Request, session: DbSession, principal: PageUser):
    principal.require(Role.admin)
    state = _designer_state(await request.form())
    return render(request, "catalog/_designer_panel.html", _designer_ctx(session, state), principal=principal)


@router.post("/designer/save", dependencies=[CsrfChecked])
async def designer_save(request: Request, session: DbSession, principal: PageUser):
    principal.require(Role.admin)
    state = _designer_state(await request.form())
    try:
        bundle = service.save_bundle(
            session, actor=principal, code=state["code"], name=state["name"], description=state["description"],
            status=state["status"], core_item=state["core_item"],
            items=[{"item": c, "depends_on": state["deps"].get(c, [])} for c in state["codes"]],
            expected_version=int(state["version"]) if state["version"].isdigit() else None)
    except DomainError as exc:
        session.rollback()
        ctx = _designer_ctx(session, state) | {"save_errors": exc.details or [exc.message], "save_title": exc.message}
        return render(request, "catalog/designer.html", ctx, principal=principal, status_code=exc.status_code)
    return RedirectResponse(f"/catalog/bundles/{bundle.code}", status_code=303)


# ---- import / export ------------------------------------------------------------------------------

@router.get("/import")
def import_page(request: Request, principal: PageUser):
    principal.require(Role.admin)
    return render(request, "catalog/import.html", {}, principal=principal)


@router.post("/import", dependencies=[CsrfChecked])
async def import_file(request: Request, session: DbSession, principal: PageUser, file: UploadFile):
    principal.require(Role.admin)
    try:
        filename, content = await read_upload(file, suffixes=(".yaml", ".yml", ".xlsx"))
        summary = transfer.import_catalog(session, actor=principal, filename=filename, content=content)
    except ValidationFailed as exc:
        session.rollback()
        return render(request, "catalog/import.html", {"errors": exc.details, "error_title": exc.message,
                                                       "filename": file.filename}, principal=principal,
                      status_code=422)
    return render(request, "catalog/import.html", {"summary": summary, "filename": filename}, principal=principal)


@router.get("/export.{fmt}")
def export(fmt: str, session: DbSession, principal: PageUser):
    principal.require(Role.admin)
    content, media, name = transfer.export_catalog(session, fmt=fmt)
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
