"""免罚清单 pages for the officers: the lists per department, a new list, a draft version edited item by item
(违法行为, 法律依据, 不予处罚条件), publication, and the comparison of two versions (tolerance.diff).
The public page of published versions and their diff stays in pages.py."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse

from onewindow.catalog import service as catalog
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.kept import EMPTY, Kept
from onewindow.common.roles import Role
from onewindow.common.schemas import MAX_ID
from onewindow.common.web import attempt, form_dict, render
from onewindow.supervision import states as S
from onewindow.supervision import tolerance

router = APIRouter()
ITEM_FIELDS = tuple(S.FIELD_LABELS)
LABELS = {"tolerance": S.TOLERANCE_KINDS, "list": S.TOLERANCE.labels, "fields": S.FIELD_LABELS}


def _an_id():
    return Path(ge=1, le=MAX_ID)


def _version(data: dict) -> int | None:
    v = data.get("version", "")
    return int(v) if v.isdigit() and len(v) < 10 else None


def _editable(principal, department_id: int) -> bool:
    return principal.role in (Role.supervisor, Role.admin) or (
        principal.role == Role.inspector and principal.department_id == department_id)


def _grouped(rows) -> list[dict]:
    """One entry per list code: its versions oldest first, the current (published) and the open draft."""
    out: dict[str, dict] = {}
    for r in rows:
        g = out.setdefault(r.code, {"code": r.code, "department_id": r.department_id, "versions": []})
        g["versions"].append(r)
    for g in out.values():
        g["latest"] = g["versions"][-1]
        g["current"] = next((v for v in g["versions"] if v.status == "published"), None)
        g["draft"] = next((v for v in g["versions"] if v.status == "draft"), None)
    return list(out.values())


def _manage_page(request: Request, session, principal, kept: Kept = EMPTY):
    principal.require(*tolerance.EDITORS)
    own = principal.department_id if principal.role == Role.inspector else None
    groups = [g for g in _grouped(tolerance.lists(session)) if own is None or g["department_id"] == own]
    return render(request, "supervision/tolerance_manage.html",
                  {"groups": groups, "labels": LABELS, "own": own, "kept": kept,
                   "departments": {d.id: d.name for d in catalog.list_departments(session)},
                   "editable": lambda dept: _editable(principal, dept)},
                  principal=principal, status_code=kept.status_code if kept else 200)


@router.get("/supervision/tolerance/manage")
def manage(request: Request, session: DbSession, principal: PageUser):
    return _manage_page(request, session, principal)


@router.post("/supervision/tolerance/manage", dependencies=[CsrfChecked])
async def create(request: Request, session: DbSession, principal: PageUser):
    """A new list and its first draft, with the first item typed on the same form."""
    data = await form_dict(request)

    def run():
        principal.require(*tolerance.EDITORS)
        dept = str(principal.department_id) if principal.role == Role.inspector else data.get("department_id", "")
        if not dept.isdigit() or len(dept) > 9:
            raise ValidationFailed.one("请选择制定清单的部门", field="department_id", label="部门")
        row = tolerance.create_list(session, actor=principal, code=data.get("code", ""), department_id=int(dept),
                                    kind=data.get("kind", ""), title=data.get("title", ""),
                                    items=[{f: data.get(f, "") for f in ITEM_FIELDS}])
        session.commit()
        return RedirectResponse(f"/supervision/tolerance/versions/{row.id}", status_code=303)

    return await attempt(request, session, run, back="/supervision/tolerance/manage",
                         done="已创建免罚清单草稿（第1版），可继续添加事项", names={"items.1.": ""},
                         page=lambda kept: _manage_page(request, session, principal, kept))


@router.post("/supervision/tolerance/versions", dependencies=[CsrfChecked])
async def new_version(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def run():
        row = tolerance.new_version(session, actor=principal, code=data.get("code", ""))
        session.commit()
        return RedirectResponse(f"/supervision/tolerance/versions/{row.id}", status_code=303)

    return await attempt(request, session, run, back="/supervision/tolerance/manage",
                         done="已起草新版本：内容沿用上一版，请修改后发布")


def _version_page(request: Request, session, principal, list_id: int, kept: Kept = EMPTY, editing: str | None = None):
    principal.require(*tolerance.EDITORS)
    row = tolerance.get(session, list_id=list_id)
    versions = tolerance.versions(session, code=row.code)
    earlier = [v for v in versions if v.version_no < row.version_no]
    diff = (tolerance.diff_versions(session, code=row.code, from_version=earlier[-1].version_no,
                                    to_version=row.version_no) if earlier else None)
    if kept:
        editing = kept.values.get("replaces") or None
    item = next((i for i in row.items if i["no"] == editing), None) if editing else None
    return render(request, "supervision/tolerance_version.html",
                  {"row": row, "versions": versions, "diff": diff, "labels": LABELS, "kept": kept,
                   "can_edit": row.status == "draft" and _editable(principal, row.department_id),
                   "editing": item, "fields": ITEM_FIELDS,
                   "department": (catalog.department_by_id(session, department_id=row.department_id) or {})},
                  principal=principal, status_code=kept.status_code if kept else 200)


@router.get("/supervision/tolerance/versions/{list_id}")
def version_page(request: Request, list_id: int = _an_id(), *, session: DbSession, principal: PageUser,
                 edit: str | None = Query(None, max_length=16)):
    return _version_page(request, session, principal, list_id, editing=edit)


async def _draft_step(request: Request, session, principal, list_id: int, step, done: str):
    data = await form_dict(request)
    back = f"/supervision/tolerance/versions/{list_id}"

    def run():
        step(data, _version(data))
        session.commit()
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, done=done,
                         page=lambda kept: _version_page(request, session, principal, list_id, kept))


@router.post("/supervision/tolerance/versions/{list_id}/items", dependencies=[CsrfChecked])
async def save_item(request: Request, list_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    """Add an item (no `replaces`) or change the item numbered `replaces`."""
    return await _draft_step(request, session, principal, list_id, lambda d, v: tolerance.save_item(
        session, actor=principal, list_id=list_id, item={f: d.get(f, "") for f in ITEM_FIELDS},
        replaces=d.get("replaces") or None, version=v), "已保存清单事项")


@router.post("/supervision/tolerance/versions/{list_id}/items/remove", dependencies=[CsrfChecked])
async def remove_item(request: Request, list_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    back = f"/supervision/tolerance/versions/{list_id}"

    def run():
        tolerance.remove_item(session, actor=principal, list_id=list_id, no=data.get("no", ""),
                              version=_version(data))
        session.commit()
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, done=f"已删除第{data.get('no', '')[:16]}项")


@router.post("/supervision/tolerance/versions/{list_id}/header", dependencies=[CsrfChecked])
async def rename(request: Request, list_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    return await _draft_step(request, session, principal, list_id, lambda d, v: tolerance.rename(
        session, actor=principal, list_id=list_id, title=d.get("title", ""), kind=d.get("kind", ""), version=v),
        "已保存清单名称和类型")


@router.post("/supervision/tolerance/versions/{list_id}/publish", dependencies=[CsrfChecked])
async def publish(request: Request, list_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    back = f"/supervision/tolerance/versions/{list_id}"

    def run():
        tolerance.publish(session, actor=principal, list_id=list_id, version=_version(data))
        session.commit()
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, done="已发布：本版本为现行清单，上一版本已被替代")


@router.get("/supervision/tolerance/compare")
def compare(request: Request, session: DbSession, principal: PageUser, code: str = Query(..., max_length=32),
            a: int = Query(..., ge=1, le=10000), b: int = Query(..., ge=1, le=10000)):
    """Any two versions, drafts included (for the officers; the public page compares published ones)."""
    principal.require(*tolerance.EDITORS)
    diff = tolerance.diff_versions(session, code=code, from_version=a, to_version=b)
    versions = tolerance.versions(session, code=code)
    return render(request, "supervision/tolerance_compare.html",
                  {"diff": diff, "versions": versions, "labels": LABELS, "code": code}, principal=principal)
