"""涉企收费 pages: the problem list with the period's totals, a problem registered from a lead (the refund
owed typed in 元, kept in fen), refunds recorded as they are made, and 销号 with the evidence uploaded."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from onewindow.catalog import service as catalog
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.kept import EMPTY, Kept
from onewindow.common.money import parse_yuan
from onewindow.common.schemas import MAX_ID
from onewindow.common.time import today
from onewindow.common.uploads import file_response_headers, read_upload
from onewindow.common.web import attempt, form_dict, render
from onewindow.sharing import service as sharing
from onewindow.supervision import fees
from onewindow.supervision import states as S

router = APIRouter()
EVIDENCE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".ofd", ".docx", ".xlsx")
LABELS = {"fee": S.FEE.labels, "leads": S.LEADS}


def _an_id():
    return Path(ge=1, le=MAX_ID)


def _fen(text: str | None, *, field: str, label: str) -> int:
    try:
        return parse_yuan(text, label=label)
    except ValueError as exc:
        raise ValidationFailed.one(str(exc), field=field, label=label) from None


def _period(start: str | None, end: str | None) -> tuple[date, date, list[str]]:
    """The totals' period: this year so far unless chosen; a date that cannot be read falls back, said so."""
    on, problems = today(), []
    first, last = date(on.year, 1, 1), on
    for text, label, slot in ((start, "开始日期", 0), (end, "结束日期", 1)):
        if not text:
            continue
        try:
            day = date.fromisoformat(text)
        except ValueError:
            problems.append(f"{label}「{text}」不是有效日期（年-月-日），已按默认期间统计")
            continue
        first, last = (day, last) if slot == 0 else (first, day)
    if last < first:
        problems.append("结束日期早于开始日期，已按默认期间统计")
        first, last = date(on.year, 1, 1), on
    return first, last, problems


def _page(request: Request, session, principal, kept: Kept = EMPTY, start: str | None = None, end: str | None = None):
    principal.require(*fees.OFFICE)
    first, last, problems = _period(start, end)
    departments = {d.id: d.name for d in catalog.list_departments(session)}
    rows = fees.problems(session)
    names = sharing.enterprise_names(session, ids=[r.enterprise_id for r in rows if r.enterprise_id])
    return render(request, "supervision/fees.html",
                  {"rows": rows, "labels": LABELS, "departments": departments, "names": names, "kept": kept,
                   "totals": fees.totals(session, start=first, end=last), "period_problems": problems,
                   "closer": principal.role in fees.CLOSERS, "today": today().isoformat(),
                   "refunds": lambda p: principal.role in fees.CLOSERS or principal.department_id == p.department_id},
                  principal=principal, status_code=kept.status_code if kept else 200)


@router.get("/supervision/fees")
def fee_list(request: Request, session: DbSession, principal: PageUser,
             start: str | None = Query(None, max_length=10), end: str | None = Query(None, max_length=10)):
    return _page(request, session, principal, start=start, end=end)


@router.post("/supervision/fees", dependencies=[CsrfChecked])
async def register(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def run():
        principal.require(*fees.OFFICE)
        dept = data.get("department_id", "")
        if not dept.isdigit() or len(dept) > 9:
            raise ValidationFailed.one("请选择责任单位", field="department_id", label="责任单位")
        enterprise_id = None
        if uscc := data.get("enterprise_uscc", "").strip().upper():
            enterprise_id = sharing.enterprise_id(session, uscc=uscc)
            if enterprise_id is None:
                raise ValidationFailed.one(f"统一社会信用代码{uscc}不是已登记的企业", field="enterprise_uscc",
                                           label="涉及企业")
        found = data.get("found_on", "").strip()
        try:
            found_on = date.fromisoformat(found) if found else None
        except ValueError:
            raise ValidationFailed.one("发现日期须为年-月-日", field="found_on", label="发现日期") from None
        fees.open_problem(session, actor=principal, lead_kind=data.get("lead_kind", ""),
                          lead_ref=data.get("lead_ref", ""), department_id=int(dept),
                          description=data.get("description", ""),
                          refund_fen=_fen(data.get("refund"), field="refund", label="应退金额"),
                          enterprise_id=enterprise_id, found_on=found_on)
        session.commit()
        return RedirectResponse("/supervision/fees", status_code=303)

    return await attempt(request, session, run, back="/supervision/fees", done="已登记涉企收费问题",
                         names={"refund_fen": "refund"}, page=lambda kept: _page(request, session, principal, kept))


def _version(data: dict) -> int | None:
    v = data.get("version", "")
    return int(v) if v.isdigit() and len(v) < 10 else None


@router.post("/supervision/fees/{problem_id}/refund", dependencies=[CsrfChecked])
async def refund(request: Request, problem_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    """A refund made: the amount in 元 (amount_<id>), added to what was refunded."""
    data = await form_dict(request)
    field = f"amount_{problem_id}"

    def run():
        fees.record_refund(session, actor=principal, problem_id=problem_id,
                           amount_fen=_fen(data.get(field), field=field, label="本次退费"),
                           note=data.get(f"note_{problem_id}", ""), version=_version(data))
        session.commit()
        return RedirectResponse("/supervision/fees", status_code=303)

    return await attempt(request, session, run, back="/supervision/fees", done="已登记退费",
                         names={"amount": field}, page=lambda kept: _page(request, session, principal, kept))


@router.post("/supervision/fees/{problem_id}/close", dependencies=[CsrfChecked])
async def close(request: Request, problem_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    """销号: evidence_<id> (text), file_<id> (the voucher, optional), refunded_<id> (the total refunded, 元)."""
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get(f"file_{problem_id}")
    try:
        attached = (await read_upload(upload, suffixes=EVIDENCE_SUFFIXES)
                    if getattr(upload, "filename", None) else None)
    except ValidationFailed as exc:  # a bad file is shown beside the file control, like any other error
        attached = ValidationFailed(exc.message, details=[
            type(d)(message=d.message, field=f"file_{problem_id}", label="销号凭证") for d in exc.details])

    def run():
        if isinstance(attached, Exception):
            raise attached
        fees.close(session, actor=principal, problem_id=problem_id, evidence=data.get(f"evidence_{problem_id}", ""),
                   refunded_fen=_fen(data.get(f"refunded_{problem_id}"), field=f"refunded_{problem_id}",
                                     label="已退金额"),
                   version=_version(data), file=attached)
        session.commit()
        return RedirectResponse("/supervision/fees", status_code=303)

    def shown(kept: Kept):
        if isinstance(attached, Exception):  # an upload is not kept as text: put its error beside it by hand
            kept.errors[f"file_{problem_id}"] = [d.message for d in attached.details]
        return _page(request, session, principal, kept)

    return await attempt(request, session, run, back="/supervision/fees", done="已销号",
                         names={"evidence": f"evidence_{problem_id}", "refunded_fen": f"refunded_{problem_id}"},
                         page=shown)


@router.get("/supervision/fees/{problem_id}/evidence")
def evidence(problem_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    name, content = fees.evidence_file(session, actor=principal, problem_id=problem_id)
    media, headers = file_response_headers(content, name)
    return Response(content, media_type=media, headers=headers)
