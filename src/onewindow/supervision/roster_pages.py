"""A department's inspection list (抽查事项清单) and inspector pool (执法检查人员: qualifications, the
enterprises each is tied to and so never draws, on duty or not): what its 双随机 plans draw from."""

from __future__ import annotations

import re

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from onewindow.catalog import service as catalog
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.kept import EMPTY, Kept
from onewindow.common.roles import Role
from onewindow.common.web import attempt, form_dict, render
from onewindow.sharing import service as sharing
from onewindow.supervision import plans

router = APIRouter()
SPLIT = re.compile(r"[\s,，、;；]+")


def _department(session, principal, wanted: str | None) -> int | None:
    """The inspector's own department; the office picks one (the first department by default)."""
    if principal.role == Role.inspector:
        return principal.department_id
    if wanted and wanted.isdigit() and len(wanted) < 10:
        return int(wanted)
    first = next(iter(catalog.list_departments(session)), None)
    return first.id if first else None


def _page(request: Request, session, principal, department_id: int | None, kept: Kept = EMPTY,
          matter: str | None = None, badge: str | None = None):
    principal.require(*plans.PLANNERS, Role.supervisor)
    matters = plans.matters_of(session, department_id=department_id) if department_id else []
    people = plans.inspectors_of(session, department_id=department_id) if department_id else []
    tied = sorted({t for i in people for t in i.tied_enterprise_ids})
    facts = {r[0]: (r[1], r[2]) for r in sharing.enterprise_facts(session, ids=tied)} if tied else {}
    if kept and kept.values.get("form") == "inspector":
        badge = str(kept.values.get("badge", ""))
    person = next((i for i in people if i.badge == badge), None)
    return render(request, "supervision/roster.html",
                  {"department_id": department_id, "matters": matters, "people": people, "facts": facts,
                   "departments": {d.id: d.name for d in catalog.list_departments(session)},
                   "office": principal.role != Role.inspector, "kept": kept, "form": kept.values.get("form") if kept else None,
                   "matter": next((m for m in matters if m.code == matter), None),
                   "person": person, "tied_text": "\n".join(facts[t][0] for t in (person.tied_enterprise_ids if person
                                                                                   else []) if t in facts),
                   "qualifications": sorted({m.qualification for m in matters})},
                  principal=principal, status_code=kept.status_code if kept else 200)


@router.get("/supervision/roster")
def roster(request: Request, session: DbSession, principal: PageUser,
           department_id: str | None = Query(None, max_length=10), matter: str | None = Query(None, max_length=32),
           badge: str | None = Query(None, max_length=32)):
    return _page(request, session, principal, _department(session, principal, department_id), matter=matter,
                 badge=badge)


# the matter form's controls are prefixed: the inspector form on the same page has its own 姓名 (name)
MATTER_NAMES = {"code": "m_code", "name": "m_name", "qualification": "m_qualification", "basis": "m_basis"}


def _exists(session, department_id: int | None) -> None:
    if not department_id or catalog.department_by_id(session, department_id=department_id) is None:
        raise ValidationFailed.one("请选择部门", field="department_id", label="部门")


def _back(department_id) -> str:
    return f"/supervision/roster?department_id={department_id}" if department_id else "/supervision/roster"


@router.post("/supervision/roster/matters", dependencies=[CsrfChecked])
async def save_matter(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    dept = _department(session, principal, data.get("department_id"))

    def run():
        _exists(session, dept)
        plans.save_matter(session, actor=principal, department_id=dept or 0, code=data.get("m_code", ""),
                          name=data.get("m_name", ""), qualification=data.get("m_qualification", ""),
                          basis=data.get("m_basis", ""))
        session.commit()
        return RedirectResponse(_back(dept), status_code=303)

    return await attempt(request, session, run, back=_back(dept), done="已保存抽查事项", names=MATTER_NAMES,
                         page=lambda kept: _page(request, session, principal, dept, kept))


def _tied_ids(session, text: str) -> list[int]:
    usccs = [u.upper() for u in SPLIT.split(text or "") if u]
    ids = {u: sharing.enterprise_id(session, uscc=u) for u in usccs}
    unknown = [u for u, i in ids.items() if i is None]
    if unknown:
        raise ValidationFailed.one(f"以下统一社会信用代码不是已登记的企业：{'、'.join(unknown)}", field="tied",
                                   label="回避企业")
    return sorted(set(ids.values()))


@router.post("/supervision/roster/inspectors", dependencies=[CsrfChecked])
async def save_inspector(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    dept = _department(session, principal, data.get("department_id"))

    def run():
        _exists(session, dept)
        quals = [q for q in SPLIT.split(data.get("qualifications", "")) if q]
        if not quals:
            raise ValidationFailed.one("请填写至少一项执法资格", field="qualifications", label="执法资格")
        plans.save_inspector(session, actor=principal, department_id=dept or 0, badge=data.get("badge", ""),
                             name=data.get("name", ""), qualifications=quals,
                             tied_enterprise_ids=_tied_ids(session, data.get("tied", "")),
                             active=data.get("active") == "1")
        session.commit()
        return RedirectResponse(_back(dept), status_code=303)

    return await attempt(request, session, run, back=_back(dept), done="已保存执法检查人员",
                         page=lambda kept: _page(request, session, principal, dept, kept))
