"""Knowledge-base endpoints under /api/knowledge: search, suggestions, articles and versions, editing,
import and export. Thin: every rule, including who may read or edit, is in the service."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, UploadFile

from onewindow.common.api import ERRORS
from onewindow.common.http import CurrentUser, DbSession
from onewindow.common.schemas import MAX_ID
from onewindow.common.uploads import read_upload
from onewindow.knowledge import service
from onewindow.knowledge.schemas import (
    ArticleEditIn,
    ArticleIn,
    ArticleOut,
    ArticlePage,
    ArticlePublishIn,
    KnowledgeImportOut,
    SuggestionOut,
)
from onewindow.knowledge.views import article_outs, suggestion_outs

router = APIRouter(prefix="/knowledge", tags=["知识库"], responses=ERRORS)
Code = Annotated[str, Path(pattern=r"^KB-[0-9]{6}$", description="知识编号")]
Version = Annotated[int, Path(ge=1, le=9999, description="版本号")]


def _one(session, article) -> dict:
    return article_outs(session, [article])[0]


@router.get("/articles", response_model=ArticlePage, summary="检索知识（中文全文检索）")
def articles(session: DbSession, actor: CurrentUser, q: str | None = Query(None, max_length=100),
             topic: str | None = Query(None, max_length=32), department_id: int | None = Query(None, ge=1, le=MAX_ID),
             status: Literal["current", "draft", "published", "retired", "all"] = "current",
             page: int = Query(1, ge=1, le=100000), per_page: int = Query(20, ge=1, le=200)) -> dict:
    result = service.search_articles(session, query=q, topic=topic, department_id=department_id, status=status,
                                     actor=actor, page=page, per_page=per_page)
    return {"items": article_outs(session, result.items), "total": result.total, "page": result.page,
            "per_page": result.per_page}


@router.get("/suggest", response_model=list[SuggestionOut], summary="坐席输入时的知识推荐（仅现行有效）")
def suggest(session: DbSession, actor: CurrentUser, text: str = Query("", max_length=500),
            limit: int = Query(5, ge=1, le=20)) -> list[dict]:
    service.require_reader(actor)
    return suggestion_outs(session, service.suggest(session, text=text, limit=limit))


@router.get("/articles/{article_id}", response_model=ArticleOut, summary="知识条目（某一版本）")
def article(article_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession, actor: CurrentUser) -> dict:
    service.require_reader(actor)
    return _one(session, service.get_article(session, article_id=article_id, actor=actor))


@router.get("/codes/{code}/versions", response_model=list[ArticleOut], summary="知识条目的全部版本")
def versions(code: Code, session: DbSession, actor: CurrentUser) -> list[dict]:
    service.require_reader(actor)
    return article_outs(session, service.list_versions(session, code=code, actor=actor))


@router.post("/articles", response_model=ArticleOut, status_code=201, summary="新建知识条目（草稿，管理员）")
def create(body: ArticleIn, session: DbSession, actor: CurrentUser) -> dict:
    return _one(session, service.create_article(session, actor=actor, data=body.model_dump()))


@router.put("/codes/{code}", response_model=ArticleOut, summary="修改知识条目：草稿原地修改，已发布则生成新版本草稿")
def edit(code: Code, body: ArticleEditIn, session: DbSession, actor: CurrentUser) -> dict:
    data = body.model_dump()
    expected = data.pop("expected_version")
    return _one(session, service.edit_article(session, actor=actor, code=code, data=data, expected_version=expected))


@router.post("/codes/{code}/versions/{version}/publish", response_model=ArticleOut, summary="发布草稿版本")
def publish(code: Code, version: Version, body: ArticlePublishIn, session: DbSession, actor: CurrentUser) -> dict:
    return _one(session, service.publish_article(session, actor=actor, code=code, version=version,
                                                 valid_from=body.valid_from))


@router.post("/codes/{code}/versions/{version}/retire", response_model=ArticleOut, summary="停用已发布版本")
def retire(code: Code, version: Version, session: DbSession, actor: CurrentUser) -> dict:
    return _one(session, service.retire_article(session, actor=actor, code=code, version=version))


@router.post("/import", response_model=KnowledgeImportOut, summary="导入知识库（YAML 或 xlsx；有错则全部不写入）")
async def import_articles(file: UploadFile, session: DbSession, actor: CurrentUser) -> dict:
    service.require_editor(actor)
    filename, content = await read_upload(file, suffixes=(".yaml", ".yml", ".xlsx"))
    summary = service.import_articles(session, actor=actor, filename=filename, content=content)
    return {"written": summary.written, "unchanged": summary.unchanged, "sha256": summary.sha256}


@router.get("/export", summary="导出知识库（含草稿，管理员）", response_class=Response,
            responses={200: {"content": {"application/yaml": {}, "application/vnd.openxmlformats-officedocument"
                                         ".spreadsheetml.sheet": {}}}})
def export(session: DbSession, actor: CurrentUser, format: Literal["yaml", "xlsx"] = "yaml") -> Response:
    content, media, name = service.export_articles(session, actor=actor, fmt=format)
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
