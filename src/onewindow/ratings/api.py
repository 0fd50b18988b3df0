"""好差评 endpoints: the party's matters and ratings, window visits (QR), callbacks, appeals, statistics."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Header, Path, Query, Request, UploadFile
from fastapi.responses import Response

from onewindow.common.api import ERRORS
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CurrentUser, DbSession, MaybeUser, client_address
from onewindow.common.ratelimit import Limits, Window
from onewindow.common.schemas import MAX_ID, ErrorOut
from onewindow.common.uploads import read_upload
from onewindow.db import for_writing
from onewindow.ratings import counters, followup, stats
from onewindow.ratings import service as ratings
from onewindow.ratings.schemas import (
    AppealOut,
    CallbackIn,
    CallbackOut,
    ConfirmIn,
    DecisionIn,
    MatterOut,
    MatterPageOut,
    RatingIn,
    RatingOut,
    RatingPageOut,
    StatisticsOut,
    VisitIn,
    VisitOut,
)
from onewindow.ratings.states import APPEAL, CALLBACK, KIND_LABELS, LEVELS

router = APIRouter(prefix="/ratings", tags=["好差评"], responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Token = Annotated[str, Path(min_length=8, max_length=43, pattern=r"^[A-Za-z0-9_-]+$")]

# The QR rating endpoints answer anyone holding the code: per code, a window visit is rated by one person
# a few times at most; per address, a service hall's shared Wi-Fi may carry many honest raters at once.
ANONYMOUS = Limits("ratings.qr", "扫码评价", {"token": Window(limit=20, seconds=600),
                                              "address": Window(limit=120, seconds=600)})


def anonymous_rate_limit(request: Request, session: DbSession) -> None:
    """The one limit for every token-addressed rating endpoint, page and API alike (429 in Chinese). The hit
    commits at once: a request that then fails (a guessed code) has still counted."""
    ANONYMOUS.check(session, token=str(request.path_params.get("token", ""))[:64], address=client_address(request))
    session.commit()


RateLimited = Depends(anonymous_rate_limit)

# Scans of a counter's standing code: a counter serves a person every few minutes at most, so 60 scans in
# 10 minutes is a script, not a queue; per address the same, since a hall's Wi-Fi is shared.
SCANS = Limits("ratings.scan", "扫码评价", {"counter": Window(limit=60, seconds=600),
                                            "address": Window(limit=60, seconds=600)})


def scan_rate_limit(request: Request, session: DbSession) -> None:
    """Counted and committed before the code is checked, so forged codes count against their sender too."""
    SCANS.check(session, counter=str(request.path_params.get("code", "")).split("-")[0][:12],
                address=client_address(request))
    session.commit()
    for_writing(session)  # the scan then writes its visit (SQLite: take the write lock at BEGIN)


ScanLimited = Depends(scan_rate_limit)
By = Literal["department", "item", "clerk", "staff", "kind", "month"]
EVIDENCE = (".pdf", ".png", ".jpg", ".jpeg", ".ofd", ".docx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A date as text: pydantic would read a bare number as a Unix timestamp, so "start=0" must not pass as 1970.
DateQ = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="日期，如 2026-12-01")]


def _day(value: str | None, label: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.one(f"{label}不是有效日期", label=label) from None


def rating_out(r) -> dict:
    return {"id": r.id, "matter_id": r.matter_id, "level": r.level, "level_label": LEVELS[r.level],
            "reasons": r.reasons, "comment": r.comment, "is_default": r.is_default, "real_name": r.real_name,
            "excluded": r.excluded, "rated_on": r.rated_on, "changed_at": r.changed_at}


def matter_out(m, actor) -> dict:
    mine = ratings.mine(m, actor)
    return {"id": m.id, "kind": m.kind, "kind_label": KIND_LABELS.get(m.kind, ""), "title": m.title,
            "department_id": m.department_id, "staff_id": m.staff_id, "completed_on": m.completed_on, "default_due_on": m.default_due_on,
            "rated": m.rated, "my_rating": rating_out(mine) if mine else None}


def callback_out(c) -> dict:
    return {"id": c.id, "rating_id": c.rating_id, "department_id": c.department_id, "status": c.status,
            "status_label": CALLBACK.label(c.status), "deadline": c.deadline, "sla_state": c.sla_state, "note": c.note,
            "rectification_id": c.rectification_id, "confirmation": c.confirmation, "version": c.version}


def appeal_out(a) -> dict:
    return {"id": a.id, "rating_id": a.rating_id, "department_id": a.department_id, "status": a.status,
            "status_label": APPEAL.label(a.status), "reason": a.reason, "filename": a.filename,
            "decision": a.decision, "version": a.version}


def _page(result, render) -> dict:
    return {"items": [render(x) for x in result.items], "total": result.total, "page": result.page,
            "per_page": result.per_page}


@router.get("/mine", response_model=MatterPageOut, summary="我的待评价与已评价事项")
def mine(session: DbSession, principal: CurrentUser, page: int = Query(1, ge=1, le=100000)):
    return _page(ratings.my_matters(session, actor=principal, page=page), lambda m: matter_out(m, principal))


@router.get("/matters/{matter_id}", response_model=MatterOut, summary="评价事项")
def matter(matter_id: Id, session: DbSession, principal: CurrentUser):
    return matter_out(ratings.get_matter(session, actor=principal, matter_id=matter_id), principal)


@router.post("/matters/{matter_id}/rating", response_model=RatingOut, summary="评价（限办事人本人；时限内可修改一次）")
def rate(matter_id: Id, body: RatingIn, session: DbSession, principal: CurrentUser):
    m = ratings.get_matter(session, actor=principal, matter_id=matter_id)
    return rating_out(ratings.rate(session, actor=principal, matter=m, level=body.level, reasons=body.reasons,
                                   comment=body.comment))


@router.post("/visits", response_model=VisitOut, summary="窗口人员发起一次窗口服务评价（生成评价二维码）")
def open_visit(body: VisitIn, session: DbSession, principal: CurrentUser):
    m = ratings.open_visit(session, actor=principal, department_id=body.department_id, title=body.title,
                           item_code=body.item_code)
    return {"matter_id": m.id, "token": m.token, "url": f"/rate/{m.token}"}


@router.post("/visits/{token}/rating", response_model=RatingOut, summary="扫码评价窗口服务", dependencies=[RateLimited],
             responses={429: {"model": ErrorOut, "description": "扫码评价过于频繁"}})
def rate_visit(token: Token, body: RatingIn, session: DbSession, principal: MaybeUser):
    m = ratings.matter_by_token(session, token=token)
    return rating_out(ratings.rate(session, actor=principal, matter=m, level=body.level, reasons=body.reasons,
                                   comment=body.comment))


@router.post("/counters/{code}/visits", response_model=VisitOut, summary="扫描窗口常设评价码：本次窗口服务（绑定窗口及值守人员）",
             dependencies=[ScanLimited], responses={429: {"model": ErrorOut, "description": "扫码评价过于频繁"}})
def scan_counter(code: Annotated[str, Path(min_length=5, max_length=64, pattern=r"^[0-9]+-[0-9]+-[A-Za-z0-9_=-]+$")],
                 session: DbSession, x_device_id: Annotated[str, Header(min_length=8, max_length=64)]):
    """The device id is the app's own (one visit per device and counter within 30 minutes)."""
    m = counters.visit_from_scan(session, code=code, device=x_device_id)
    return {"matter_id": m.id, "token": m.token, "url": f"/rate/{m.token}"}


@router.get("", response_model=RatingPageOut, summary="评价明细（统计下钻）")
def list_ratings(session: DbSession, principal: CurrentUser, department_id: int | None = Query(None, ge=1, le=MAX_ID),
                 item_code: str | None = Query(None, max_length=40), clerk_id: int | None = Query(None, ge=1, le=MAX_ID),
                 staff_id: int | None = Query(None, ge=1, le=MAX_ID, description="经办工作人员"),
                 level: str | None = Query(None, max_length=20), bad: bool = False, start: DateQ = None,
                 end: DateQ = None, page: int = Query(1, ge=1, le=100000)):
    result = ratings.list_ratings(session, actor=principal, department_id=department_id, item_code=item_code,
                                  clerk_id=clerk_id, staff_id=staff_id, level=level, bad=bad, start=_day(start, "开始日期"),
                                  end=_day(end, "结束日期"), page=page)
    return _page(result, rating_out)


@router.get("/statistics", response_model=StatisticsOut, summary="好评率、差评率、差评整改率、按时整改率、主动评价率")
def statistics(session: DbSession, principal: CurrentUser, by: By = "department", start: DateQ = None,
               end: DateQ = None):
    total, lines = stats.statistics(session, actor=principal, by=by, start=_day(start, "开始日期"),
                                   end=_day(end, "结束日期"))
    return {"by": by, "total": total.as_dict(), "lines": [x.as_dict() for x in lines]}


@router.get("/statistics.xlsx", summary="导出好差评统计（Excel）", response_class=Response,
            responses={200: {"content": {XLSX: {}}}})
def statistics_xlsx(session: DbSession, principal: CurrentUser, by: By = "department", start: DateQ = None,
                    end: DateQ = None):
    total, lines = stats.statistics(session, actor=principal, by=by, start=_day(start, "开始日期"),
                                   end=_day(end, "结束日期"))
    return Response(stats.export_xlsx(total, lines, by=by), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''ratings-statistics.xlsx"})


@router.get("/callbacks", response_model=list[CallbackOut], summary="差评回访")
def callbacks(session: DbSession, principal: CurrentUser, status: str | None = Query(None, max_length=12),
              page: int = Query(1, ge=1, le=100000)):
    return [callback_out(c) for c in followup.list_callbacks(session, actor=principal, status=status, page=page).items]


@router.post("/callbacks/{callback_id}/call", response_model=CallbackOut, summary="登记回访情况并转整改")
def call(callback_id: Id, body: CallbackIn, session: DbSession, principal: CurrentUser):
    return callback_out(followup.record_callback(session, actor=principal, callback_id=callback_id, note=body.note,
                                                 version=body.version))


@router.post("/callbacks/{callback_id}/confirm", response_model=CallbackOut, summary="评价人确认整改结果")
def confirm(callback_id: Id, body: ConfirmIn, session: DbSession, principal: CurrentUser):
    return callback_out(followup.confirm(session, actor=principal, callback_id=callback_id, satisfied=body.satisfied,
                                         comment=body.comment, version=body.version))


@router.post("/{rating_id}/appeal", response_model=AppealOut, summary="部门申诉（附证据）")
async def appeal(rating_id: Id, session: DbSession, principal: CurrentUser,
                 reason: Annotated[str, Form(max_length=2000)], file: Annotated[UploadFile | None, File()] = None):
    evidence = await read_upload(file, suffixes=EVIDENCE) if file is not None and file.filename else None
    return appeal_out(followup.file_appeal(session, actor=principal, rating_id=rating_id, reason=reason, file=evidence))


@router.post("/appeals/{appeal_id}/decision", response_model=AppealOut, summary="审核申诉：成立（不计入统计）或驳回")
def decide(appeal_id: Id, body: DecisionIn, session: DbSession, principal: CurrentUser):
    return appeal_out(followup.decide_appeal(session, actor=principal, appeal_id=appeal_id, uphold=body.uphold,
                                             decision=body.decision, version=body.version))
