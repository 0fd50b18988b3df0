"""诉求 endpoints: intake (staff, applicants, anonymous 码上监督), tracking by code and phone, the lists,
and each step of handling. Thin: the service decides who may see and do what."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse

from onewindow.common.api import ERRORS
from onewindow.common.http import CurrentUser, DbSession, MaybeUser, client_address
from onewindow.common.schemas import MAX_ID, ErrorOut
from onewindow.demands import service as demands
from onewindow.demands.schemas import (
    AnswerIn,
    CallbackIn,
    DecisionIn,
    DemandIn,
    DemandOut,
    DemandPageOut,
    DispatchIn,
    ExtensionIn,
    ExtensionOut,
    HistoryOut,
    IdentityOut,
    LimitIn,
    LimitOut,
    ReasonIn,
    ReplyIn,
    ResponseIn,
    RevealIn,
    SignIn,
    SuperviseIn,
    SupervisionOut,
    TrackOut,
    UnitSuggestionOut,
)
from onewindow.demands.states import EXTENSION, SUPERVISION

router = APIRouter(prefix="/demands", tags=["诉求"], responses=ERRORS)
Code = Annotated[str, Path(min_length=5, max_length=32, pattern=r"^[0-9A-Za-z-]+$", description="诉求编号（一事一码）")]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
TOO_MANY = {429: {"model": ErrorOut, "description": "提交或查询过于频繁"}}


def _client(request: Request, device: str | None) -> str:
    """The throttle's key: the device id the mobile page sends, else the address."""
    return f"device:{device[:64]}" if device else f"ip:{client_address(request)}"


def _out(session, actor, demand) -> dict:
    return demands.demand_view(session, actor=actor, demand=demand)


def _extension(e) -> dict:
    return {"id": e.id, "status": e.status, "status_label": EXTENSION.label(e.status), "reason": e.reason,
            "unit": e.unit, "amount": e.amount, "decision": e.decision, "version": e.version}


def _supervision(s) -> dict:
    return {"id": s.id, "department_id": s.department_id, "superior_id": s.superior_id, "status": s.status,
            "status_label": SUPERVISION.label(s.status), "reason": s.reason, "due_on": s.due_on,
            "sla_state": s.sla_state, "response": s.response, "version": s.version}


@router.post("", response_model=DemandOut, status_code=201, summary="登记诉求（坐席、窗口、网站/移动端）")
def file_demand(body: DemandIn, session: DbSession, actor: CurrentUser) -> dict:
    return _out(session, actor, demands.file_demand(session, actor=actor, **body.model_dump()))


@router.post("/scan", status_code=201, summary="码上监督：扫码提交诉求（可匿名）", responses=TOO_MANY)
def scan(body: DemandIn, request: Request, session: DbSession, actor: MaybeUser,
         x_device_id: Annotated[str | None, Header(max_length=64)] = None) -> dict:
    data = body.model_dump() | {"channel": "scan"}
    demand = demands.file_demand(session, actor=actor, client_key=_client(request, x_device_id), **data)
    return {"code": demand.code, "message": "诉求已提交，请记下诉求编号以便查询"}


@router.get("/track", response_model=TrackOut, summary="凭诉求编号和联系电话查询进度（无需账号）",
            responses=TOO_MANY)
def track(request: Request, session: DbSession, code: str = Query(..., max_length=32),
          phone: str = Query(..., max_length=20),
          x_device_id: Annotated[str | None, Header(max_length=64)] = None):
    result = demands.track(session, code=code, phone=phone, client_key=_client(request, x_device_id))
    if result.error is not None:  # answered, not raised: the throttle's count must commit
        return JSONResponse(result.error.as_dict(), status_code=result.error.status_code)
    return result.view


@router.get("", response_model=DemandPageOut, summary="诉求列表（按身份：全部、本单位或本人）")
def list_demands(session: DbSession, actor: CurrentUser, status: str | None = Query(None, max_length=12),
                 kind: str | None = Query(None, max_length=12), sla_state: str | None = Query(None, max_length=8),
                 department_id: int | None = Query(None, ge=1, le=MAX_ID), page: int = Query(1, ge=1, le=100000),
                 per_page: int = Query(20, ge=1, le=200)) -> dict:
    result = demands.list_demands(session, actor=actor, status=status, kind=kind, sla_state=sla_state,
                                  department_id=department_id, page=page, per_page=per_page)
    return {"items": [_out(session, actor, d) for d in result.items], "total": result.total, "page": result.page,
            "per_page": result.per_page}


@router.get("/suggest-unit", response_model=UnitSuggestionOut | None, summary="按分派规则建议承办单位")
def suggest_unit(session: DbSession, actor: CurrentUser, kind: str = Query(..., max_length=12),
                 topic: str = Query("", max_length=40), region: str = Query("", max_length=40)):
    actor.require(*demands.ALL_READERS)
    s = demands.suggest_units(session, kind=kind, topic=topic, region=region)
    return None if s is None else {"lead_department_id": s.lead_department_id,
                                   "assist_department_ids": list(s.assist_department_ids), "route_id": s.route_id,
                                   "level": s.level}


@router.put("/limits", response_model=LimitOut, summary="设置诉求时限（类型 × 紧急程度，管理员）")
def set_limits(body: LimitIn, session: DbSession, actor: CurrentUser) -> dict:
    row = demands.set_limits(session, actor=actor, **body.model_dump())
    return {"id": row.id, **body.model_dump(), "sign_minutes": row.sign_minutes}


@router.post("/extensions/{extension_id}/decision", response_model=ExtensionOut, summary="审批延期申请")
def decide_extension(extension_id: Id, body: DecisionIn, session: DbSession, actor: CurrentUser) -> dict:
    return _extension(demands.decide_extension(session, actor=actor, extension_id=extension_id, **body.model_dump()))


@router.post("/supervisions/{supervision_id}/answer", response_model=SupervisionOut, summary="反馈督办")
def answer_supervision(supervision_id: Id, body: ResponseIn, session: DbSession, actor: CurrentUser) -> dict:
    return _supervision(demands.answer_supervision(session, actor=actor, supervision_id=supervision_id,
                                                   **body.model_dump()))


@router.get("/{code}", response_model=DemandOut, summary="诉求详情")
def get_demand(code: Code, session: DbSession, actor: CurrentUser) -> dict:
    return _out(session, actor, demands.get_demand(session, actor=actor, code=code))


@router.get("/{code}/history", response_model=list[HistoryOut], summary="办理过程")
def history(code: Code, session: DbSession, actor: CurrentUser) -> list:
    return [{"at": h.at, "actor_name": h.actor_name, "department_id": h.department_id, "action": h.action,
             "message": h.message} for h in demands.history(session, actor=actor, code=code)]


@router.post("/{code}/reveal", response_model=IdentityOut, summary="查看诉求人完整号码（记入审计）")
def reveal(code: Code, body: RevealIn, session: DbSession, actor: CurrentUser) -> dict:
    return demands.reveal_identity(session, actor=actor, code=code, reason=body.reason)


@router.post("/{code}/answer", response_model=DemandOut, summary="直办：依据知识库答复并办结")
def answer(code: Code, body: AnswerIn, session: DbSession, actor: CurrentUser) -> dict:
    return _out(session, actor, demands.answer_directly(session, actor=actor, code=code, **body.model_dump()))


@router.post("/{code}/dispatch", response_model=DemandOut, summary="派单（主办、协办）")
def dispatch(code: Code, body: DispatchIn, session: DbSession, actor: CurrentUser) -> dict:
    return _out(session, actor, demands.dispatch(session, actor=actor, code=code, **body.model_dump()))


@router.post("/{code}/redispatch", response_model=DemandOut, summary="改派")
def redispatch(code: Code, body: DispatchIn, session: DbSession, actor: CurrentUser) -> dict:
    return _out(session, actor, demands.redispatch(session, actor=actor, code=code, **body.model_dump()))


@router.post("/{code}/sign", response_model=DemandOut, summary="签收")
def sign(code: Code, body: SignIn, session: DbSession, actor: CurrentUser) -> dict:
    return _out(session, actor, demands.sign(session, actor=actor, code=code, version=body.version))


@router.post("/{code}/return", response_model=DemandOut, summary="退单（说明理由，退回派单员）")
def return_demand(code: Code, body: ReasonIn, session: DbSession, actor: CurrentUser) -> dict:
    return _out(session, actor, demands.return_demand(session, actor=actor, code=code, **body.model_dump()))


@router.post("/{code}/extensions", response_model=ExtensionOut, status_code=201, summary="申请延期")
def request_extension(code: Code, body: ExtensionIn, session: DbSession, actor: CurrentUser) -> dict:
    return _extension(demands.request_extension(session, actor=actor, code=code, **body.model_dump()))


@router.post("/{code}/reply", response_model=DemandOut, summary="答复诉求人")
def reply(code: Code, body: ReplyIn, session: DbSession, actor: CurrentUser) -> dict:
    return _out(session, actor, demands.reply(session, actor=actor, code=code, **body.model_dump()))


@router.post("/{code}/callback", response_model=DemandOut, summary="回访（不满意可重办一次）")
def call_back(code: Code, body: CallbackIn, session: DbSession, actor: CurrentUser) -> dict:
    return _out(session, actor, demands.call_back(session, actor=actor, code=code, **body.model_dump()))


@router.post("/{code}/supervise", response_model=SupervisionOut, status_code=201, summary="督办")
def supervise(code: Code, body: SuperviseIn, session: DbSession, actor: CurrentUser) -> dict:
    return _supervision(demands.supervise(session, actor=actor, code=code, **body.model_dump()))
