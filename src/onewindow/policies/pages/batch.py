"""Policy officers' 免申即享 pages: disbursement batches (generate for an item and year, review the list
with exclude/re-include, approve, record the payment, cancel) and the award ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse

from onewindow.common import time as beijing
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.schemas import MAX_ID
from onewindow.common.web import attempt, form_dict, render
from onewindow.policies import access
from onewindow.policies import service as library
from onewindow.policies.disbursement import core as disbursement
from onewindow.policies.models import AwardItem

router = APIRouter()
ADMIN = "/policy-admin"
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def _int(value: str | None, *, field: str = "version", label: str = "版本号") -> int:
    """A posted whole number (ASCII digits only: "²".isdigit() is true but int() refuses it); a located
    ValidationFailed when it is missing or not a number. The batch forms all post the version they
    showed (optimistic locking), so a missing one is refused rather than skipping the check."""
    value = (value or "").strip()
    if not value:
        raise ValidationFailed.one(f"缺少{label}，请刷新页面后重试", field=field)
    if value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    raise ValidationFailed.one(f"{label}须为不超过9位的数字", field=field)


@router.get(f"{ADMIN}/batches")
def batches(request: Request, session: DbSession, principal: PageUser, status: str | None = Query(None, max_length=12),
            item_code: str | None = Query(None, max_length=40), page: int = Query(1, ge=1, le=100000)):
    result = disbursement.list_batches(session, actor=principal, status=status or None, item_code=item_code or None,
                                       page=page, per_page=30)
    titles = {i.id: i.title for i in disbursement.item_versions(session, result.items).values()}
    dept = access.department_scope(principal)
    auto_items = [i for i in library.search_items(session, auto_grant=True, page=1, per_page=200).items
                  if dept is None or i.department_id == dept]
    query = "&".join(f"{k}={v}" for k, v in (("status", status), ("item_code", item_code)) if v)
    return render(request, "policies/batches.html", {
        "page": result, "titles": titles, "labels": disbursement.STATUS_LABELS, "status": status or "",
        "item_code": item_code or "", "auto_items": auto_items, "period": str(beijing.today().year),
        "query": query,
    }, principal=principal)


@router.post(f"{ADMIN}/batches", dependencies=[CsrfChecked])
async def generate(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def run():
        batch = disbursement.generate_batch(session, actor=principal, item_code=data.get("item_code", ""),
                                            period=data.get("period", ""))
        return RedirectResponse(f"{ADMIN}/batches/{batch.id}", status_code=303)

    return await attempt(request, session, run, back=f"{ADMIN}/batches",
                         done="兑现批次已生成（同一事项和年度已有未完成批次时打开该批次）")


@router.get(ADMIN + "/batches/{batch_id}")
def batch(request: Request, batch_id: Id, session: DbSession, principal: PageUser,
          status: str | None = Query(None, max_length=12), page: int = Query(1, ge=1, le=100000)):
    b = disbursement.get_batch(session, actor=principal, batch_id=batch_id)
    lines = disbursement.batch_lines(session, actor=principal, batch_id=batch_id, status=status or None, page=page,
                                     per_page=100)
    return render(request, "policies/batch.html", {
        "batch": b, "item": session.get(AwardItem, b.item_version_id), "lines": lines,
        "labels": disbursement.STATUS_LABELS, "line_labels": disbursement.LINE_LABELS, "status": status or "",
        "query": f"status={status}" if status else "",
    }, principal=principal)


def _batch_action(path: str, action, done: str) -> None:
    async def handler(request: Request, batch_id: Id, session: DbSession, principal: PageUser):
        data = await form_dict(request)
        back = f"{ADMIN}/batches/{batch_id}"

        def run():
            action(session, principal, batch_id, data)
            return RedirectResponse(back, status_code=303)

        return await attempt(request, session, run, back=back, done=done)

    router.add_api_route(ADMIN + "/batches/{batch_id}/" + path, handler, methods=["POST"], dependencies=[CsrfChecked])


_batch_action("approve", lambda s, p, b, d: disbursement.approve_batch(
    s, actor=p, batch_id=b, version=_int(d.get("version"))), "批次已审核通过，待登记支付")
_batch_action("pay", lambda s, p, b, d: disbursement.mark_paid(
    s, actor=p, batch_id=b, payment_reference=d.get("payment_reference", ""), version=_int(d.get("version"))),
    "已登记支付，奖补已记入台账并通知企业")
_batch_action("cancel", lambda s, p, b, d: disbursement.cancel_batch(
    s, actor=p, batch_id=b, reason=d.get("reason", ""), version=_int(d.get("version"))), "批次已作废")


def _line_action(path: str, action, done: str) -> None:
    async def handler(request: Request, batch_id: Id, line_id: Id, session: DbSession, principal: PageUser):
        data = await form_dict(request)
        back = f"{ADMIN}/batches/{batch_id}"

        def run():
            action(session, principal, batch_id, line_id, data)
            return RedirectResponse(back, status_code=303)

        return await attempt(request, session, run, back=back, done=done)

    router.add_api_route(ADMIN + "/batches/{batch_id}/lines/{line_id}/" + path, handler, methods=["POST"],
                         dependencies=[CsrfChecked])


_line_action("exclude", lambda s, p, b, ln, d: disbursement.exclude_line(
    s, actor=p, batch_id=b, line_id=ln, reason=d.get("reason", ""), version=_int(d.get("version"))),
    "已剔除该企业，理由已记录")
_line_action("include", lambda s, p, b, ln, d: disbursement.include_line(
    s, actor=p, batch_id=b, line_id=ln, version=_int(d.get("version"))), "已恢复该企业")


@router.get(f"{ADMIN}/ledger")
def ledger(request: Request, session: DbSession, principal: PageUser, item_code: str | None = Query(None, max_length=40),
           page: int = Query(1, ge=1, le=100000)):
    access.department_scope(principal)  # staff only; an enterprise sees its own on /my/policies
    result = disbursement.ledger(session, actor=principal, item_code=item_code or None, page=page, per_page=50)
    return render(request, "policies/ledger.html", {
        "page": result, "item_code": item_code or "", "query": f"item_code={item_code}" if item_code else "",
    }, principal=principal)
