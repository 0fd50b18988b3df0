"""Applicant pages: choose what to apply for, fill in the merged form, upload, submit, follow the
case per department, supplement, notifications; and the case page behind each QR code (一件一码)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import escape
from sqlalchemy import select

from onewindow.calendar.clock import SLA_LABELS
from onewindow.cases import service
from onewindow.cases.applying import open_pending_codes
from onewindow.cases.models import Upload
from onewindow.cases.states import APPLICATION, CASE, EDITABLE, TASK
from onewindow.cases.window import MODES
from onewindow.catalog import service as catalog
from onewindow.common import outbox
from onewindow.common.errors import Forbidden, NotFound, ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.pagination import paginate
from onewindow.common.roles import Role
from onewindow.common.uploads import file_response_headers
from onewindow.common.web import attempt, flash_done, form_dict, render
from onewindow.domains import registry
from onewindow.licences import service as licences
from onewindow.sharing import service as sharing

router = APIRouter()
MATERIAL_STATUS = {"licence": "电子证照免提交", "shared": "共享数据免提交", "bundle": "本件前置事项办结后自动取得",
                   "handed_over": "已由前置事项办结产生并流转", "uploaded": "已上传", "missing": "待上传"}
LABELS = {"app_status": APPLICATION.labels, "case_status": CASE.labels, "task_status": TASK.labels, "sla": SLA_LABELS,
          "material": MATERIAL_STATUS, "modes": MODES}


def _subject_facts(session, app, principal) -> list:
    """What higher domains know of the applicant (supervision's credit grade), shown to the staff who accept
    and decide — through the registry, since cases cannot import them."""
    if principal.role in (Role.applicant, Role.assistant):
        return []
    return registry().subject_facts(session, subject_kind=app.subject_kind, subject_key=app.subject_key)


def application_context(session, app, principal) -> dict:
    timeline = service.timeline(session, app=app)
    by_task: dict[int, list] = {}
    for e in timeline:
        if e.task_id:
            by_task.setdefault(e.task_id, []).append(e)
    return {"app": app, "case": app.case, "form": service.visible_form(app, principal),
            "materials": service.material_states(app), "timeline": timeline, "by_task": by_task,
            "subject_key": service.masked_subject(app, principal), "labels": LABELS,
            "idempotency_key": uuid.uuid4().hex, "owed": open_pending_codes(session, app),
            "item_names": {i["code"]: i["name"] for i in app.plan["items"]},
            "subject_facts": _subject_facts(session, app, principal),
            "editable": app.status in EDITABLE and (
                principal.role in (Role.applicant, Role.assistant)
                or (principal.role == Role.clerk and app.channel == "window"))}


# ---------------------------------------------------------------- starting

@router.get("/apply")
def apply_page(request: Request, session: DbSession, principal: PageUser, q: str | None = Query(None, max_length=50),
               target: str | None = Query(None, max_length=60)):
    principal.require(Role.applicant, Role.assistant, Role.clerk)
    bundles = [b for b in catalog.list_bundles(session, actor=principal) if b.status == "published"]
    items = catalog.search_items(session, q=q, page=1, per_page=20).items if q else []
    kind, _, code = (target or "").partition(":")
    if kind == "item" and code and all(i.code != code for i in items):  # 在线办理 from the item's guide
        items = [*[i for i in [_current_item(session, code)] if i is not None], *items]
    subjects = sharing.subjects_for(session, actor=principal) if principal.role == Role.applicant else []
    return render(request, "cases/apply.html", {"bundles": bundles, "items": items, "q": q or "",
                                                "target": target or "", "subjects": subjects}, principal=principal)


def _current_item(session, code: str):
    try:
        return catalog.get_item(session, code=code)
    except NotFound:
        return None


@router.post("/apply", dependencies=[CsrfChecked])
async def apply_start(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def start():
        kind, _, key = data.get("subject", "").partition(":")
        authorisation = None
        if principal.role != Role.applicant:
            kind, key = data.get("subject_kind", ""), data.get("subject_key", "")
            authorisation = {k: data.get(f"auth_{k}", "") for k in ("reference", "authoriser", "scope")}
        target_kind, _, target_code = data.get("target", "").partition(":")
        app = service.start_application(
            session, actor=principal, target_kind=target_kind, target_code=target_code, subject_kind=kind,
            subject_key=key, subject_name=data.get("subject_name"), contact_phone=data.get("contact_phone", ""),
            authorisation=authorisation)
        return RedirectResponse(f"/applications/{app.id}", status_code=303)

    back = "/window/walk-in" if principal.role == Role.clerk else "/apply"
    return await attempt(request, session, start, back=back)


# ---------------------------------------------------------------- one application

@router.get("/applications/{application_id}")
def application_page(request: Request, application_id: int, session: DbSession, principal: PageUser):
    app = service.get_application(session, actor=principal, application_id=application_id)
    return render(request, "cases/application.html", application_context(session, app, principal),
                  principal=principal)


@router.post("/applications/{application_id}/save", dependencies=[CsrfChecked])
async def save(request: Request, application_id: int, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    back = f"/applications/{application_id}"

    def run():
        app = service.get_application(session, actor=principal, application_id=application_id)
        fields = {f["key"] for f in app.plan["fields"]} - set((app.prefilled or {}).get("fields", {}))
        form = {k.removeprefix("f_"): v for k, v in data.items() if k.startswith("f_") and k[2:] in fields}
        delivery = {"method": data.get("delivery_method", "window"), "address": data.get("delivery_address", "")}
        service.save_form(session, actor=principal, application_id=application_id, form_data=form,
                          version=int(data["version"]) if data.get("version", "").isdigit() else None,
                          delivery=delivery)
        if data.get("then") == "submit":
            session.flush()
            service.submit(session, actor=principal, application_id=application_id,
                           idempotency_key=data.get("idempotency_key") or None)
            flash_done(request, "已提交，请等待综合窗口受理")
        else:
            flash_done(request, "草稿已保存")
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, page=lambda kept: application_again(
        request, session, principal, application_id, kept), names=APPLICATION_FIELDS)


# the service's field keys → the application form's controls
APPLICATION_FIELDS = {"form.": "f_", "delivery.": "delivery_"}


def application_again(request, session, principal, application_id: int, kept, template="cases/application.html",
                      extra: dict | None = None):
    """The application page after a failed save, submission or acceptance, with what was typed kept."""
    app = service.get_application(session, actor=principal, application_id=application_id)
    ctx = application_context(session, app, principal) | (extra or {}) | {"kept": kept}
    return render(request, template, ctx, principal=principal, status_code=kept.status_code)


@router.post("/applications/{application_id}/upload", dependencies=[CsrfChecked])
async def upload(request: Request, application_id: int, session: DbSession, principal: PageUser):
    form = await request.form()
    file = form.get("file")
    back = f"/applications/{application_id}"

    content = (await file.read()) if hasattr(file, "read") else b""

    def run():
        if not hasattr(file, "filename") or not file.filename:
            raise ValidationFailed.one("请选择要上传的文件", field="file")
        service.upload_material(session, actor=principal, application_id=application_id,
                                material_code=str(form.get("material_code", "")), filename=file.filename,
                                content=content, content_type=file.content_type or "")
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, done="材料已上传")


@router.post("/applications/{application_id}/uploads/{upload_id}/remove", dependencies=[CsrfChecked])
async def remove(request: Request, application_id: int, upload_id: int, session: DbSession, principal: PageUser):
    back = f"/applications/{application_id}"
    return await attempt(request, session, lambda: (service.remove_upload(
        session, actor=principal, application_id=application_id, upload_id=upload_id),
        RedirectResponse(back, status_code=303))[1], back=back, done="已删除该文件")


@router.get("/applications/{application_id}/uploads/{upload_id}")
def download(application_id: int, upload_id: int, session: DbSession, principal: PageUser):
    app = service.get_application(session, actor=principal, application_id=application_id)
    up = session.scalar(select(Upload).where(Upload.id == upload_id, Upload.application_id == app.id))
    if up is None:
        raise ValidationFailed.one("没有这份材料", field="upload_id")
    media, headers = file_response_headers(up.content, up.filename)  # the bytes decide, not the uploader
    return Response(up.content, media_type=media, headers=headers)


@router.post("/applications/{application_id}/reveal", dependencies=[CsrfChecked])
async def reveal(request: Request, application_id: int, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    # A supervisor must give a reason; for the departments and the front desk the page is the reason.
    purpose = data.get("purpose", "").strip() or ("" if principal.role == Role.supervisor else "页面查看")
    try:
        value = service.reveal(session, actor=principal, application_id=application_id,
                               field=data.get("field", ""), purpose=purpose)
    except (Forbidden, ValidationFailed) as exc:  # shown beside the field (static/js/app.js swaps 4xx here)
        return Response(f'<span class="errors-inline">{escape(exc.message)}</span>', media_type="text/html",
                        status_code=exc.status_code)
    return Response(f'<span class="revealed">{escape(value)}</span>', media_type="text/html")


@router.post("/tasks/{task_id}/supplement", dependencies=[CsrfChecked])
async def supplement(request: Request, task_id: int, session: DbSession, principal: PageUser):
    form = await request.form()
    file = form.get("file")
    files = []
    if hasattr(file, "filename") and file.filename:
        files.append((str(form.get("material_code", "")), file.filename, file.content_type or "", await file.read()))
    back = str(form.get("back", "/my/applications"))
    if not back.startswith("/applications/"):
        back = "/my/applications"
    return await attempt(request, session, lambda: (service.supplement(
        session, actor=principal, task_id=task_id, message=str(form.get("message", "")), files=files),
        RedirectResponse(back, status_code=303))[1], back=back, done="补正已提交，恢复计时")


# ---------------------------------------------------------------- mine

@router.get("/my/applications")
def my_applications(request: Request, session: DbSession, principal: PageUser, page: int = Query(1, ge=1)):
    result = paginate(session, service.list_applications(session, actor=principal), page=page, per_page=20)
    return render(request, "cases/my_applications.html", {"page": result, "labels": LABELS}, principal=principal)


@router.get("/my/applications/{application_id}")
def my_application(application_id: int):
    return RedirectResponse(f"/applications/{application_id}", status_code=303)


@router.get("/my/notifications")
def notifications(request: Request, session: DbSession, principal: PageUser, page: int = Query(1, ge=1)):
    result = outbox.my_messages(session, actor=principal, page=page)
    response = render(request, "cases/notifications.html", {"page": result}, principal=principal)
    outbox.mark_read(session, actor=principal)
    return response


@router.get("/cases/{code}")
def case_page(request: Request, code: str, session: DbSession, principal: PageUser):
    case = service.get_case(session, actor=principal, code=code)
    ctx = application_context(session, case.application, principal)
    ctx["qr"] = licences.qr_svg(str(request.base_url).rstrip("/") + f"/cases/{case.code}")
    ctx["licences"] = sharing.licences_for_case(session, case_code=case.code)
    return render(request, "cases/case.html", ctx, principal=principal)
