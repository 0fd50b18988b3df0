"""The home page and the audit viewer (signing in and the users admin are `accounts`' pages)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from onewindow.common import audit, checkpoints
from onewindow.common.audit_text import AuditVocabulary
from onewindow.common.http import DbSession, MaybeUser, PageUser
from onewindow.common.roles import AUDIT_READERS
from onewindow.common.web import render

router = APIRouter()


@router.get("/")
def home(request: Request, principal: MaybeUser):
    return render(request, "home.html", principal=principal)


@router.get("/audit")
def audit_page(request: Request, session: DbSession, principal: PageUser, q: str | None = Query(None, max_length=64),
               entity_type: str | None = Query(None, max_length=64), action: str | None = Query(None, max_length=64),
               page: int = Query(1, ge=1, le=100000), verify: bool = False):
    words: AuditVocabulary = request.app.state.audit_vocabulary
    named = [key for key, name in words.actions.items() if q and q in name]  # 查「受理」 finds case.accept
    result = audit.list_records(session, actor=principal, q=q, entity_type=entity_type, action=action or None,
                                q_actions=named, page=page, per_page=30)
    check = checkpoints.verify(session) if verify and principal.role in AUDIT_READERS else None
    rows = [(r, words.action_label(r.action, r.entity_type), words.entity_label(r.entity_type),
             *words.change(r.entity_type, r.before, r.after)) for r in result.items]
    return render(request, "audit.html", {
        "page": result, "rows": rows, "q": q or "", "entity_type": entity_type or "", "action": action or "",
        "actions": sorted(words.actions.items(), key=lambda kv: kv[1]),
        "entities": sorted(words.entities.items(), key=lambda kv: kv[1]), "check": check}, principal=principal)


@router.get("/audit/checkpoints")
def audit_checkpoints_page(request: Request, session: DbSession, principal: PageUser):
    principal.require(*AUDIT_READERS)
    checked = list(reversed(checkpoints.check(session)))
    return render(request, "audit_checkpoints.html", {"checked": checked, "directory": checkpoints.directory(),
                                                      "all_ok": all(c.matches for c in checked)},
                  principal=principal)
