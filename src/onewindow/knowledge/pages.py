"""Knowledge-base pages: search, an article with its versions, the editor's form, import/export, and the
htmx partial of suggestions the agent's desk includes (/knowledge/suggest?text=…)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.kept import EMPTY, Kept
from onewindow.common.uploads import read_upload
from onewindow.common.web import attempt, form_dict, render
from onewindow.knowledge import fields as F
from onewindow.knowledge import service
from onewindow.knowledge.views import article_outs, in_force, suggestion_outs

router = APIRouter(prefix="/knowledge")
STATUS_CHOICES = [("current", "现行有效"), ("draft", "草稿"), ("published", "已发布（含历史版本）"),
                  ("retired", "已停用"), ("all", "全部版本")]


@router.get("")
def search_page(request: Request, session: DbSession, principal: PageUser, q: str | None = Query(None, max_length=100),
                topic: str | None = Query(None, max_length=32), department_id: str | None = Query(None, max_length=12),
                status: str = Query("current", max_length=16), page: int = Query(1, ge=1, le=100000)):
    dept = int(department_id) if department_id and department_id.isdigit() and len(department_id) < 10 else None
    result = service.search_articles(session, query=q, topic=topic or None, department_id=dept, status=status,
                                     actor=principal, page=page)
    ctx = {"page": result, "rows": article_outs(session, result.items), "q": q or "", "topic": topic or "",
           "department_id": dept, "status": status, "topics": F.TOPICS, "departments": service.departments(session),
           "status_choices": STATUS_CHOICES, "counts": service.topic_counts(session),
           "can_edit": service.can_edit(principal)}
    name = "knowledge/_results.html" if request.headers.get("hx-request") else "knowledge/search.html"
    return render(request, name, ctx, principal=principal)


@router.get("/suggest")
def suggest_partial(request: Request, session: DbSession, principal: PageUser, text: str = Query("", max_length=500),
                    limit: int = Query(5, ge=1, le=20)):
    """The agent's desk puts this under the problem being typed (hx-get with hx-trigger="keyup changed delay")."""
    service.require_reader(principal)
    rows = suggestion_outs(session, service.suggest(session, text=text, limit=limit))
    return render(request, "knowledge/_suggest.html", {"rows": rows, "text": text}, principal=principal)


@router.get("/articles/{article_id}")
def article_page(request: Request, article_id: int, session: DbSession, principal: PageUser):
    service.require_reader(principal)
    article = service.get_article(session, article_id=min(article_id, 2**31 - 1), actor=principal)
    history = service.list_versions(session, code=article.code, actor=principal)
    return render(request, "knowledge/article.html", {
        "a": article_outs(session, [article])[0], "versions": article_outs(session, history),
        "can_edit": service.can_edit(principal), "in_force": in_force(article)}, principal=principal)


# ---- editing -----------------------------------------------------------------------------------

def _form_values(out: dict | None) -> dict:
    if out is None:
        return {"topic": "", "department": "", "title": "", "body": "", "keywords": "", "valid_from": "", "valid_to": ""}
    return {"topic": out["topic"], "department": out["department"] or "", "title": out["title"], "body": out["body"],
            "keywords": "、".join(out["keywords"]), "valid_from": (out["valid_from"] or "") and str(out["valid_from"]),
            "valid_to": (out["valid_to"] or "") and str(out["valid_to"])}


def _form(request, session, principal, *, action: str, values: dict, latest: dict | None, kept: Kept = EMPTY):
    ctx = {"action": action, "values": values, "latest": latest, "topics": F.TOPICS, "labels": F.LABELS,
           "dept_options": [(code, name) for _, code, name in service.departments(session)], "kept": kept}
    return render(request, "knowledge/edit.html", ctx, principal=principal, status_code=kept.status_code)


def _data(form: dict) -> dict:
    return {k: form.get(k, "") for k in F.EDITABLE}


@router.get("/new")
def new_form(request: Request, session: DbSession, principal: PageUser):
    service.require_editor(principal)
    return _form(request, session, principal, action="/knowledge/new", values=_form_values(None), latest=None)


@router.post("/new", dependencies=[CsrfChecked])
async def create(request: Request, session: DbSession, principal: PageUser):
    form = await form_dict(request)

    def run():
        article = service.create_article(session, actor=principal, data=_data(form))
        return RedirectResponse(f"/knowledge/articles/{article.id}", status_code=303)

    return await attempt(request, session, run, back="/knowledge/new", done="已保存为草稿", page=lambda kept: _form(
        request, session, principal, action="/knowledge/new", values=_form_values(None), latest=None, kept=kept))


def _latest(session, principal, code: str) -> dict:
    versions = service.list_versions(session, code=code, actor=principal)
    return article_outs(session, versions[:1])[0]


@router.get("/codes/{code}/edit")
def edit_form(request: Request, code: str, session: DbSession, principal: PageUser):
    service.require_editor(principal)
    latest = _latest(session, principal, code[:20])
    return _form(request, session, principal, action=f"/knowledge/codes/{latest['code']}/edit",
                 values=_form_values(latest), latest=latest)


@router.post("/codes/{code}/edit", dependencies=[CsrfChecked])
async def edit(request: Request, code: str, session: DbSession, principal: PageUser):
    service.require_editor(principal)
    latest = _latest(session, principal, code[:20])
    form = await form_dict(request)
    expected = int(form["version"]) if form.get("version", "").isdigit() and len(form["version"]) < 5 else None
    action = f"/knowledge/codes/{latest['code']}/edit"

    def run():
        article = service.edit_article(session, actor=principal, code=latest["code"], data=_data(form),
                                       expected_version=expected)
        return RedirectResponse(f"/knowledge/articles/{article.id}", status_code=303)

    return await attempt(request, session, run, back=action, done="已保存为草稿", page=lambda kept: _form(
        request, session, principal, action=action, values=_form_values(latest), latest=latest, kept=kept))


@router.post("/codes/{code}/versions/{version}/publish", dependencies=[CsrfChecked])
async def publish(request: Request, code: str, version: int, session: DbSession, principal: PageUser):
    form = await form_dict(request)
    back = f"/knowledge/codes/{code[:20]}/versions/{min(version, 9999)}"

    def run():
        try:
            valid_from = date.fromisoformat(form["valid_from"]) if form.get("valid_from") else None
        except ValueError:
            raise ValidationFailed.one("生效日期格式应为 2026-01-01", field="valid_from", label="生效日期") from None
        article = service.publish_article(session, actor=principal, code=code[:20], version=min(version, 9999),
                                          valid_from=valid_from)
        return RedirectResponse(f"/knowledge/articles/{article.id}", status_code=303)

    return await attempt(request, session, run, back=back, done=f"第{version}版已发布")


@router.post("/codes/{code}/versions/{version}/retire", dependencies=[CsrfChecked])
async def retire(request: Request, code: str, version: int, session: DbSession, principal: PageUser):
    back = f"/knowledge/codes/{code[:20]}/versions/{min(version, 9999)}"

    def run():
        article = service.retire_article(session, actor=principal, code=code[:20], version=min(version, 9999))
        return RedirectResponse(f"/knowledge/articles/{article.id}", status_code=303)

    return await attempt(request, session, run, back=back, done=f"第{version}版已停用，不再向坐席推荐")


@router.get("/codes/{code}/versions/{version}")
def version_page(code: str, version: int, session: DbSession, principal: PageUser):
    service.require_reader(principal)
    article = service.get_by_code(session, code=code[:20], version=min(max(version, 1), 9999), actor=principal)
    return RedirectResponse(f"/knowledge/articles/{article.id}", status_code=303)


# ---- import / export ----------------------------------------------------------------------------

@router.get("/import")
def import_page(request: Request, principal: PageUser):
    service.require_editor(principal)
    return render(request, "knowledge/import.html", {}, principal=principal)


@router.post("/import", dependencies=[CsrfChecked])
async def import_file(request: Request, session: DbSession, principal: PageUser, file: UploadFile):
    service.require_editor(principal)
    try:
        filename, content = await read_upload(file, suffixes=(".yaml", ".yml", ".xlsx"))
        summary = service.import_articles(session, actor=principal, filename=filename, content=content)
    except ValidationFailed as exc:
        session.rollback()
        return render(request, "knowledge/import.html", {"errors": exc.details, "error_title": exc.message},
                      principal=principal, status_code=422)
    return render(request, "knowledge/import.html", {"summary": summary, "filename": filename}, principal=principal)


@router.get("/export.{fmt}")
def export(fmt: str, session: DbSession, principal: PageUser):
    content, media, name = service.export_articles(session, actor=principal, fmt=fmt)
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
