"""Public and enterprise pages of 惠企政策: the policy library (search, one policy with its items) and
可享政策 for the enterprises the signed-in account acts for (matched items with amounts and reasons,
why not for the rest, 申请 for items that are not 免申即享, the ledger of what was paid)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from onewindow.catalog import service as catalog
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, MaybeUser, PageUser
from onewindow.common.schemas import MAX_ID
from onewindow.common.web import attempt, form_dict, render
from onewindow.policies import access
from onewindow.policies import service as library
from onewindow.policies.disbursement import applying
from onewindow.policies.disbursement import core as disbursement
from onewindow.policies.matching import core as matching
from onewindow.policies.rules.core import Parameters
from onewindow.policies.rules.readable import readable_amount, readable_rule

router = APIRouter()
LEVELS = ("国家级", "省级", "市级", "县级")
RECURRENCE = {"once": "一次性", "yearly": "每年"}
ITEM_STATUS = {"draft": "草稿", "published": "已发布", "retired": "已停用"}
Text = Query(None, max_length=50)




def item_view(item, parameters: Parameters) -> dict:
    """What a page shows of an award item: its conditions and amount in Chinese."""
    return {"item": item, "conditions": readable_rule(item.rule, parameters), "amount": readable_amount(
        item.amount, parameters)}


# ---------------------------------------------------------------- the public library

@router.get("/policies")
def policies(request: Request, session: DbSession, principal: MaybeUser, q: str | None = Text,
             level: str | None = Query(None, max_length=8), department: str | None = Query(None, max_length=32),
             tag: str | None = Query(None, max_length=40), auto: bool = False,
             view: str = Query("policies", pattern="^(policies|items)$"), page: int = Query(1, ge=1, le=100000)):
    view = "items" if auto else view
    filters = {"q": q or "", "level": level or "", "department": department or "", "tag": tag or "",
               "auto": auto, "view": view}
    if view == "items":
        result = library.search_items(session, q=q, level=level or None, department=department or None,
                                      tag=tag or None, auto_grant=True if auto else None, page=page, per_page=20)
    else:
        result = library.search_policies(session, q=q, level=level or None, department=department or None,
                                         tag=tag or None, page=page, per_page=20)
    outs = library.item_outs(session, result.items) if view == "items" else []
    policy_titles = {code: library.get_policy(session, code=code).title for code in {o.policy for o in outs}}
    query = "&".join(f"{k}={quote(str(v))}" for k, v in filters.items() if v and k != "auto")
    return render(request, "policies/search.html", {
        "page": result, "outs": outs, "policy_titles": policy_titles, "filters": filters, "levels": LEVELS,
        "departments": catalog.list_departments(session), "query": query + ("&auto=true" if auto else ""),
    }, principal=principal)


@router.get("/policies/{code}")
def policy(request: Request, code: str, session: DbSession, principal: MaybeUser):
    p = library.get_policy(session, code=code[:40])
    parameters = library.load_parameters(session)
    items = library.policy_items(session, policy=p)
    items = [item_view(i, parameters) | {"out": out, "versions": library.list_versions(session, code=i.code)}
             for i, out in zip(items, library.item_outs(session, items), strict=True)]
    return render(request, "policies/policy.html", {
        "policy": p, "items": items, "recurrence": RECURRENCE, "item_status": ITEM_STATUS,
        "can_edit": library.can_edit(principal),
    }, principal=principal)



# ---------------------------------------------------------------- 可享政策 for an enterprise

def _why_not(ex) -> dict:
    return {"code": ex.code, "title": ex.title, "status": ex.status,
            "failed": [c for c in ex.conditions if c.outcome == "failed"], "missing": ex.missing}


@router.get("/my/policies")
def my_policies(request: Request, session: DbSession, principal: PageUser,
                enterprise_id: int | None = Query(None, ge=1, le=MAX_ID)):
    ids = access.my_enterprise_ids(session, principal)
    enterprises = [access.readable_enterprise(session, principal, i) for i in ids]
    ctx: dict = {"enterprises": enterprises, "selected": None, "uuid": lambda: uuid.uuid4().hex}
    if enterprise_id is None and enterprises:
        enterprise_id = enterprises[0].id
    if enterprise_id is not None:
        ent = access.readable_enterprise(session, principal, enterprise_id)
        matches = matching.matches_for_enterprise(session, actor=principal, enterprise_id=ent.id)
        try:
            explained = matching.explain_for_enterprise(session, actor=principal, enterprise_id=ent.id).items
            unavailable = None
        except ValidationFailed as exc:
            explained, unavailable = [], exc.message
        titles = {e.code: e.title for e in explained} | {m.item_code: m.title for m in matches}
        matched = {m.item_code for m in matches}
        applications: dict[str, object] = {}
        for app in applying.applications_for(session, actor=principal, enterprise_id=ent.id):
            applications.setdefault(applying.award_of(app)["item_code"], app)  # newest first
        ctx.update(
            selected=ent, matches=matches, titles=titles, applications=applications, unavailable=unavailable,
            pending=[e for e in explained if e.eligible and e.code not in matched],
            why_not=[_why_not(e) for e in explained if not e.eligible and e.code not in matched],
            ledger=disbursement.ledger(session, actor=principal, enterprise_id=ent.id, page=1, per_page=200),
            running=applying.RUNNING)
    return render(request, "policies/my_policies.html", ctx, principal=principal)


@router.post("/my/policies/apply", dependencies=[CsrfChecked])
async def apply(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    enterprise_id = data.get("enterprise_id", "")
    valid = enterprise_id.isascii() and enterprise_id.isdigit() and len(enterprise_id) <= 9  # "²".isdigit() too
    back = f"/my/policies?enterprise_id={enterprise_id}" if valid else "/my/policies"

    def run():
        if not valid:
            raise ValidationFailed.one("请选择企业", field="enterprise_id")
        app = applying.apply_for_award(session, actor=principal, enterprise_id=int(enterprise_id),
                                       item_code=data.get("item_code", "")[:40],
                                       idempotency_key=data.get("idempotency_key") or None)
        return RedirectResponse(f"/applications/{app.id}", status_code=303)

    return await attempt(request, session, run, back=back,
                         done="已生成奖补申请，奖补信息已填入表单，请补充收款账号等信息后提交")
