"""Case-handling endpoints: applying, the window, department tasks, post-checks, time limits."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Header, Path, Query, UploadFile

from onewindow.cases import service
from onewindow.cases.schemas import (
    AcceptIn,
    ApplicationIn,
    ApplicationOut,
    CaseOut,
    DeliveryRecordIn,
    FormIn,
    NoticeIn,
    PageOut,
    ReasonIn,
    RectificationIn,
    RevealIn,
    RevealOut,
    SubmitIn,
    TaskActionIn,
    TaskOut,
    VerificationOut,
    VerificationResultIn,
)
from onewindow.cases.states import EDITABLE, TASK
from onewindow.common.api import ERRORS
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CurrentUser, DbSession
from onewindow.common.pagination import paginate
from onewindow.common.schemas import MAX_ID
from onewindow.common.security import Principal

router = APIRouter(tags=["办件"], responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=8, max_length=64,
                                                 pattern=r"^[A-Za-z0-9_.:-]+$",
                                                 description="重试时使用同一键，只产生一份申请")]
PageNo = Query(1, ge=1, le=100000)
PerPage = Query(20, ge=1, le=200)


def task_out(task) -> dict:
    return {c: getattr(task, c) for c in TaskOut.model_fields if c != "status_label"} | {
        "status_label": TASK.label(task.status)}


def case_out(case) -> dict:
    data = {c: getattr(case, c) for c in CaseOut.model_fields if c != "tasks"}
    return data | {"tasks": [task_out(t) for t in case.tasks]}


def application_out(session, app, actor: Principal) -> dict:
    return {
        "id": app.id, "status": app.status, "channel": app.channel, "title": app.title,
        "target_kind": app.target_kind, "target_code": app.target_code, "subject_kind": app.subject_kind,
        "subject_key": service.masked_subject(app, actor), "subject_name": app.subject_name,
        "form": service.visible_form(app, actor),
        "materials": [{**{k: m[k] for k in ("code", "name", "required", "pending_allowed", "status", "ref")},
                       "uploads": [{"id": u.id, "filename": u.filename, "size": u.size, "sha256": u.sha256}
                                   for u in m["uploads"]]} for m in service.material_states(app)],
        "checks": app.checks, "notice": app.notice, "refusal_reason": app.refusal_reason,
        "authorisation": app.authorisation, "version": app.version, "submitted_at": app.submitted_at,
        "case": case_out(app.case) if app.case else None,
        "timeline": [{"at": e.at, "actor_name": e.actor_name, "action": e.action, "message": e.message,
                      "department_id": e.department_id} for e in service.timeline(session, app=app)],
    }


COUNT_CAP = 10_000  # case lists stop counting here ("10000+"); exact counts of a million rows cost seconds


def _page(result, render) -> dict:
    return {"items": [render(x) for x in result.items], "total": result.total, "page": result.page,
            "per_page": result.per_page, "capped": result.capped}


@router.post("/applications", response_model=ApplicationOut, status_code=201,
             summary="开始申请（事项或一件事），可同时提交；Idempotency-Key 保证重试只产生一份")
def start(body: ApplicationIn, session: DbSession, actor: CurrentUser, key: IdempotencyKey = None) -> dict:
    app = service.start_application(
        session, actor=actor, target_kind=body.target_kind, target_code=body.target_code,
        subject_kind=body.subject_kind, subject_key=body.subject_key, subject_name=body.subject_name,
        contact_phone=body.contact_phone, idempotency_key=key,
        authorisation=body.authorisation.model_dump() if body.authorisation else None)
    if body.form_data and app.status == "draft":
        service.save_form(session, actor=actor, application_id=app.id, form_data=body.form_data)
    if body.submit and app.status in EDITABLE:
        service.submit(session, actor=actor, application_id=app.id, idempotency_key=key)
    return application_out(session, app, actor)


@router.get("/applications", response_model=PageOut, summary="申请列表（申请人只见本人的）")
def applications(session: DbSession, actor: CurrentUser, status: str | None = Query(None, max_length=12),
                 page: int = PageNo, per_page: int = PerPage) -> dict:
    result = paginate(session, service.list_applications(session, actor=actor, status=status), page=page,
                      per_page=per_page)
    return _page(result, lambda a: {"id": a.id, "title": a.title, "status": a.status, "channel": a.channel,
                                    "subject_name": a.subject_name, "submitted_at": a.submitted_at,
                                    "case_code": a.case.code if a.case else None})


@router.get("/applications/{application_id}", response_model=ApplicationOut, summary="申请详情与办理进度")
def application(application_id: Id, session: DbSession, actor: CurrentUser) -> dict:
    return application_out(session, service.get_application(session, actor=actor, application_id=application_id),
                           actor)


@router.put("/applications/{application_id}/form", response_model=ApplicationOut, summary="保存草稿")
def save_form(application_id: Id, body: FormIn, session: DbSession, actor: CurrentUser) -> dict:
    app = service.save_form(session, actor=actor, application_id=application_id, form_data=body.form_data,
                            version=body.version,
                            delivery=body.delivery.model_dump() if body.delivery else None)
    return application_out(session, app, actor)


@router.post("/applications/{application_id}/materials", response_model=ApplicationOut, status_code=201,
             summary="上传材料（PDF、JPG、PNG、OFD，大小受限）")
async def upload(application_id: Id, session: DbSession, actor: CurrentUser, file: UploadFile = File(...),
                 material_code: str = Form(..., max_length=40)) -> dict:
    content = await file.read()
    service.upload_material(session, actor=actor, application_id=application_id, material_code=material_code,
                            filename=file.filename or "", content=content,
                            content_type=file.content_type or "")
    return application_out(session, service.get_application(session, actor=actor, application_id=application_id),
                           actor)


@router.post("/applications/{application_id}/submit", response_model=ApplicationOut,
             summary="提交申请；同一 Idempotency-Key 重试不会重复提交")
def submit(application_id: Id, body: SubmitIn, session: DbSession, actor: CurrentUser,
           key: IdempotencyKey = None) -> dict:
    app = service.submit(session, actor=actor, application_id=application_id, idempotency_key=key,
                         version=body.version)
    return application_out(session, app, actor)


@router.post("/applications/{application_id}/reveal", response_model=RevealOut,
             summary="查看一项脱敏个人信息的完整值（记入审计）")
def reveal(application_id: Id, body: RevealIn, session: DbSession, actor: CurrentUser) -> dict:
    return {"field": body.field, "value": service.reveal(session, actor=actor, application_id=application_id,
                                                         field=body.field, purpose=body.purpose)}


@router.get("/window/queue", response_model=PageOut, tags=["综合窗口"], summary="待受理申请")
def window_queue(session: DbSession, actor: CurrentUser, page: int = PageNo, per_page: int = PerPage) -> dict:
    actor.require(*service.WINDOW_ROLES)
    result = paginate(session, service.queue(), page=page, per_page=per_page)
    return _page(result, lambda a: {"id": a.id, "title": a.title, "subject_name": a.subject_name,
                                    "channel": a.channel, "submitted_at": a.submitted_at})


@router.post("/applications/{application_id}/accept", response_model=CaseOut, tags=["综合窗口"],
             summary="受理（正常、容缺受理、告知承诺），生成办件编码")
def accept(application_id: Id, body: AcceptIn, session: DbSession, actor: CurrentUser) -> dict:
    return case_out(service.accept(session, actor=actor, application_id=application_id, mode=body.mode,
                                   commitment_text=body.commitment_text, due_on=body.due_on))


@router.post("/applications/{application_id}/notice", response_model=ApplicationOut, tags=["综合窗口"],
             summary="一次性告知需补齐的全部内容")
def notice(application_id: Id, body: NoticeIn, session: DbSession, actor: CurrentUser) -> dict:
    return application_out(session, service.send_notice(session, actor=actor, application_id=application_id,
                                                        items=body.items), actor)


@router.post("/applications/{application_id}/refuse", response_model=ApplicationOut, tags=["综合窗口"],
             summary="不予受理（写明理由）")
def refuse_application(application_id: Id, body: ReasonIn, session: DbSession, actor: CurrentUser) -> dict:
    return application_out(session, service.refuse_application(session, actor=actor, application_id=application_id,
                                                               reason=body.reason), actor)


@router.get("/cases", response_model=PageOut, summary="办件列表：按状态、部门、预警/超期筛选")
def cases(session: DbSession, actor: CurrentUser, status: str | None = Query(None, max_length=12),
          department_id: int | None = Query(None, ge=1, le=MAX_ID),
          sla_state: Literal["normal", "warning", "overdue"] | None = None, overdue: bool | None = None,
          page: int = PageNo, per_page: int = PerPage) -> dict:
    stmt = service.case_list(session, actor=actor, status=status, department_id=department_id,
                             sla_state=sla_state, overdue=overdue)
    result = paginate(session, stmt, page=page, per_page=per_page, max_count=COUNT_CAP)
    return _page(result, lambda c: {"code": c.code, "title": c.title, "status": c.status, "sla_state": c.sla_state,
                                    "accepted_at": c.accepted_at, "deadline": c.deadline})


@router.get("/cases/{code}", response_model=CaseOut, summary="办件详情（一件一码）")
def case(code: Annotated[str, Path(max_length=40)], session: DbSession, actor: CurrentUser) -> dict:
    return case_out(service.get_case(session, actor=actor, code=code))


@router.post("/cases/{code}/delivery", response_model=CaseOut, tags=["综合窗口"], summary="出件：窗口领取或邮寄")
def delivery(code: Annotated[str, Path(max_length=40)], body: DeliveryRecordIn, session: DbSession,
             actor: CurrentUser) -> dict:
    return case_out(service.record_delivery(session, actor=actor, code=code, method=body.method,
                                            tracking_number=body.tracking_number, address=body.address))


@router.get("/tasks", response_model=PageOut, tags=["部门审批"], summary="本部门审批任务")
def tasks(session: DbSession, actor: CurrentUser, status: str | None = Query(None, max_length=12),
          sla_state: Literal["normal", "warning", "overdue"] | None = None,
          page: int = PageNo, per_page: int = PerPage) -> dict:
    result = paginate(session, service.task_list(actor=actor, status=status, sla_state=sla_state), page=page,
                      per_page=per_page)
    return _page(result, task_out)


@router.get("/tasks/{task_id}", response_model=TaskOut, tags=["部门审批"], summary="任务详情（只限本部门）")
def task(task_id: Id, session: DbSession, actor: CurrentUser) -> dict:
    return task_out(service.get_task(session, actor=actor, task_id=task_id))


TaskAction = Literal["review", "supplement-request", "suspend", "resume", "approve", "refuse"]


@router.post("/tasks/{task_id}/{action}", response_model=TaskOut, tags=["部门审批"],
             summary="办理任务：开始审查、要求补正、特别程序、恢复、准予、不予许可（只限本部门）")
def act(task_id: Id, action: TaskAction, body: TaskActionIn, session: DbSession, actor: CurrentUser) -> dict:
    common = {"actor": actor, "task_id": task_id, "version": body.version}
    match action:
        case "review":
            task = service.start_review(session, **common)
        case "supplement-request":
            task = service.request_supplement(session, text=body.text, **common)
        case "suspend":
            task = service.suspend(session, procedure=body.procedure or "", reason=body.reason, **common)
        case "resume":
            task = service.resume(session, **common)
        case "approve":
            task = service.approve(session, result_data=body.result_data, **common)
        case _:
            task = service.refuse(session, reason=body.reason, **common)
    return task_out(task)


@router.post("/tasks/{task_id}/supplement", response_model=TaskOut, tags=["部门审批"],
             summary="申请人提交补正（恢复计时）")
async def supplement(task_id: Id, session: DbSession, actor: CurrentUser, message: str = Form("", max_length=2000),
                     material_code: str | None = Form(None, max_length=40),
                     file: UploadFile | None = File(None)) -> dict:
    files = []
    if file is not None and file.filename:
        if not material_code:
            raise ValidationFailed.one("上传补正材料须指明对应的材料", field="material_code")
        files.append((material_code, file.filename, file.content_type or "", await file.read()))
    return task_out(service.supplement(session, actor=actor, task_id=task_id, message=message, files=files))


def verification_out(v) -> dict:
    return {c: getattr(v, c) for c in VerificationOut.model_fields}


@router.get("/verifications", response_model=PageOut, tags=["承诺核查"], summary="告知承诺核查清单（到期在前）")
def verifications(session: DbSession, actor: CurrentUser, status: str | None = Query(None, max_length=12),
                  page: int = PageNo, per_page: int = PerPage) -> dict:
    return _page(paginate(session, service.due_list(actor=actor, status=status), page=page, per_page=per_page),
                 verification_out)


@router.post("/verifications/{verification_id}/result", response_model=VerificationOut, tags=["承诺核查"],
             summary="登记核查结果；不通过则责令限期整改")
def verification_result(verification_id: Id, body: VerificationResultIn, session: DbSession,
                        actor: CurrentUser) -> dict:
    return verification_out(service.record_result(
        session, actor=actor, verification_id=verification_id, passed=body.passed, result=body.result,
        rectification_due_on=body.rectification_due_on, version=body.version))


@router.post("/verifications/{verification_id}/rectification", response_model=VerificationOut, tags=["承诺核查"],
             summary="登记整改复查；未整改则撤销许可并记入信用")
def rectification(verification_id: Id, body: RectificationIn, session: DbSession, actor: CurrentUser) -> dict:
    return verification_out(service.record_rectification(
        session, actor=actor, verification_id=verification_id, rectified=body.rectified, result=body.result,
        version=body.version))


@router.post("/sweep", tags=["办理时限"], summary="立即巡检时限（预警、超期；幂等，数据库租约防并发）")
def run_sweep(session: DbSession, actor: CurrentUser) -> dict:
    actor.require(*service.SWEEP_ROLES)
    report = service.sweep(session)
    return {"ran": report.ran, "summary": report.summary()}
