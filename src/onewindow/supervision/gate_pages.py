"""The inspection gate's forms: 企业宁静日 set by the business-environment office, and an ad-hoc visit
(临时入企检查) asked for with its reason and, on a quiet day, the exception that allows it. The office
approves or refuses visits on the inspections page (pages.py)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from onewindow.catalog import service as catalog
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.kept import EMPTY, Kept
from onewindow.common.roles import Role
from onewindow.common.web import attempt, form_dict, render
from onewindow.sharing import service as sharing
from onewindow.supervision import gate, plans
from onewindow.supervision import states as S

router = APIRouter()


def _quiet_page(request: Request, session, principal, kept: Kept = EMPTY):
    principal.require(*gate.OFFICE)
    return render(request, "supervision/quiet_days.html",
                  {"quiet": gate.quiet_days(session), "default": gate.DEFAULT_QUIET, "exceptions": S.EXCEPTIONS,
                   "kept": kept}, principal=principal, status_code=kept.status_code if kept else 200)


@router.get("/supervision/quiet-days")
def quiet_days(request: Request, session: DbSession, principal: PageUser):
    return _quiet_page(request, session, principal)


def _day_of_month(text: str | None, *, field: str, label: str) -> int:
    text = (text or "").strip()
    if not text.isdigit() or not 1 <= int(text[:3]) <= 31:
        raise ValidationFailed.one(f"{label}须为1–31的整数", field=field, label=label)
    return int(text)


@router.post("/supervision/quiet-days", dependencies=[CsrfChecked])
async def set_quiet_days(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def run():
        first = _day_of_month(data.get("first_day"), field="first_day", label="起始日")
        last = _day_of_month(data.get("last_day"), field="last_day", label="截止日")
        gate.set_quiet_days(session, actor=principal, first_day=first, last_day=last)
        session.commit()
        return RedirectResponse("/supervision/quiet-days", status_code=303)

    return await attempt(request, session, run, back="/supervision/quiet-days", done="已保存企业宁静日",
                         page=lambda kept: _quiet_page(request, session, principal, kept))


def _visit_page(request: Request, session, principal, kept: Kept = EMPTY):
    principal.require(*gate.REQUESTERS)
    own = principal.department_id if principal.role == Role.inspector else None
    return render(request, "supervision/visit_new.html",
                  {"own": own, "quiet": gate.quiet_days(session), "exceptions": S.EXCEPTIONS, "kept": kept,
                   "departments": {d.id: d.name for d in catalog.list_departments(session)},
                   "matters": plans.matters_of(session, department_id=own)},
                  principal=principal, status_code=kept.status_code if kept else 200)


@router.get("/supervision/inspections/new")
def visit_form(request: Request, session: DbSession, principal: PageUser):
    return _visit_page(request, session, principal)


@router.post("/supervision/inspections/new", dependencies=[CsrfChecked])
async def visit_request(request: Request, session: DbSession, principal: PageUser):
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    codes = [v for v in form.getlist("matter_codes") if isinstance(v, str)]

    def run():
        principal.require(*gate.REQUESTERS)
        dept = str(principal.department_id) if principal.role == Role.inspector else data.get("department_id", "")
        if not dept.isdigit() or len(dept) > 9:
            raise ValidationFailed.one("请选择实施检查的部门", field="department_id", label="检查部门")
        uscc = data.get("enterprise_uscc", "").strip().upper()
        enterprise_id = sharing.enterprise_id(session, uscc=uscc) if uscc else None
        if enterprise_id is None:
            raise ValidationFailed.one("请填写已登记企业的统一社会信用代码", field="enterprise_uscc", label="被检查企业")
        try:
            visit_on = date.fromisoformat(data.get("visit_on", "").strip())
        except ValueError:
            raise ValidationFailed.one("请填写检查日期（年-月-日）", field="visit_on", label="检查日期") from None
        own = {m.code for m in plans.matters_of(session, department_id=int(dept))}
        if not set(codes) <= own:
            raise ValidationFailed.one("检查事项须为本部门抽查事项清单中的事项", field="matter_codes", label="检查事项")
        gate.request(session, actor=principal, enterprise_id=enterprise_id, visit_on=visit_on, kind="adhoc",
                     department_ids=[int(dept)], matter_codes=sorted(set(codes)), purpose=data.get("purpose", ""),
                     exception=data.get("exception") or None, exception_reason=data.get("exception_reason"))
        session.commit()
        return RedirectResponse("/supervision/inspections", status_code=303)

    return await attempt(request, session, run, back="/supervision/inspections/new",
                         done="已提交临时入企检查申请，待营商环境局核准",
                         names={"department_ids": "department_id"},
                         page=lambda kept: _visit_page(request, session, principal, kept))
