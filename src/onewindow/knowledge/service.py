"""The knowledge base's public API (demands and the agent's desk call it): search, suggestions while
typing, articles and their versions, editing, publishing and retiring, import and export."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common import audit, search, versions
from onewindow.common import time as beijing
from onewindow.common.errors import (
    Conflict,
    ErrorCollector,
    Forbidden,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from onewindow.common.pagination import Page
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.knowledge import fields as F
from onewindow.knowledge import suggest as suggesting
from onewindow.knowledge import transfer
from onewindow.knowledge.models import Article
from onewindow.knowledge.states import ARTICLE, ArticleStatus
from onewindow.knowledge.suggest import Suggestion

# Agents answer from it; handlers and supervisors read it to see what callers were told. Admins edit.
READERS = frozenset({Role.agent, Role.handler, Role.supervisor, Role.admin})
EDITORS = frozenset({Role.admin})
NOUN = "知识条目"
STATUS_LABELS = ArticleStatus.labels()
TOPICS = F.TOPICS

__all__ = ["Suggestion", "suggest"]


def can_edit(actor: Principal | None) -> bool:
    return actor is not None and actor.role in EDITORS


def require_reader(actor: Principal | None) -> None:
    if actor is None:
        raise Unauthenticated("请先登录")
    if actor.role not in READERS:
        raise Forbidden("知识库仅限12345坐席、承办单位、督查和管理员查阅")


def require_editor(actor: Principal | None) -> None:
    require_reader(actor)
    actor.require(*EDITORS)


# ---- reading ---------------------------------------------------------------------------------

def search_articles(session: Session, *, query: str | None, topic: str | None = None,
                    department_id: int | None = None, status: str = "current", actor: Principal | None = None,
                    page: int = 1, per_page: int = 20) -> Page:
    """Articles whose text holds every word of the query (jieba, the catalogue's full-text machinery);
    by default those in force today, editors may list drafts, retired or all versions."""
    if actor is not None:
        require_reader(actor)
    stmt = select(Article)
    if status == "current" or not can_edit(actor):
        stmt = stmt.where(versions.in_force(Article))
    elif status in F.STATUSES:
        stmt = stmt.where(Article.status == status)
    if topic:
        stmt = stmt.where(Article.topic == topic)
    if department_id:
        stmt = stmt.where(Article.department_id == department_id)
    return search.search(session, stmt, model=Article, title=Article.title, q=query,
                         order=(Article.code, Article.version), page=page, per_page=per_page)


def suggest(session: Session, *, text: str, limit: int = 5) -> list[Suggestion]:
    """Articles for what the agent is typing: only published ones in force today, best first, fast."""
    return suggesting.suggest(session, text=text, limit=max(1, min(limit, 20)))


def get_article(session: Session, *, article_id: int, actor: Principal | None = None) -> Article:
    """One version by its id; a draft only for editors."""
    row = session.get(Article, article_id)
    if row is None or (row.status == "draft" and not can_edit(actor)):
        raise NotFound(f"知识条目（编号{article_id}）不存在")
    return row


def get_by_code(session: Session, *, code: str, version: int | None = None,
                actor: Principal | None = None) -> Article:
    """The version asked for, else the one in force (an editor: else the latest)."""
    return versions.get_version(session, Article, code=code, version=version, noun=NOUN, drafts=can_edit(actor))


def list_versions(session: Session, *, code: str, actor: Principal | None = None) -> list[Article]:
    return versions.list_versions(session, Article, code=code, noun=NOUN, drafts=can_edit(actor))


def department_names(session: Session, *, ids) -> dict[int, str]:
    return {i: d.name for i, d in catalog.departments_by_id(session, ids=set(ids)).items()}


def departments(session: Session) -> list[tuple[int, str, str]]:
    """(id, code, indented name) of every department in tree order, for the pages' choices."""
    return [(d.id, d.code, "　" * depth + d.name) for depth, d in catalog.department_tree(session)]


def department_codes(session: Session) -> dict[int, str]:
    return catalog.department_codes(session)


def owning_department(article_id):
    """The SQL value "the department owning the article with this id" (correlated on `article_id`, a
    column of the caller's query): demands credit a 直办 answer to it (demands.measures)."""
    return select(Article.department_id).where(Article.id == article_id).correlate_except(Article).scalar_subquery()


def topic_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Article.topic, func.count()).where(versions.in_force(Article))
                           .group_by(Article.topic))
    return dict(rows.tuples().all())


def document(session: Session, article: Article) -> dict:
    """The article as its import/export document spells it (department by code)."""
    return transfer.article_document(article, catalog.department_codes(session))


# ---- editing ---------------------------------------------------------------------------------

def _checked(session: Session, data: dict) -> tuple[dict, int]:
    """The editable values, checked; the department named by code or by id."""
    errors = ErrorCollector()
    raw = dict(data)
    dept_id = raw.pop("department_id", None)
    if dept_id not in (None, "") and not raw.get("department"):
        ref = catalog.department_by_id(session, department_id=int(dept_id)) if str(dept_id).isdigit() else None
        raw["department"] = ref.code if ref else "?"
    clean = F.clean(raw, errors, keys=F.EDITABLE)
    ref = catalog.department_by_code(session, code=clean["department"]) if clean["department"] else None
    if clean["department"] and ref is None:
        errors.add("主管部门不存在", field="department", label=F.LABELS["department"])
    errors.raise_if_any("知识条目信息有误")
    return clean, ref.id


def _fill(session: Session, article: Article, clean: dict, department_id: int) -> None:
    article.topic, article.title, article.body = clean["topic"], clean["title"], clean["body"]
    article.keywords, article.department_id = list(clean["keywords"]), department_id
    article.valid_from, article.valid_to = clean["valid_from"], clean["valid_to"]
    name = department_names(session, ids=[department_id]).get(department_id, "")
    article.search_text = transfer.search_text(article, name)


def next_code(session: Session) -> str:
    last = session.scalar(select(func.max(Article.code)))
    return f"KB-{(int(last[3:]) if last else 0) + 1:06d}"


def create_article(session: Session, *, actor: Principal, data: dict) -> Article:
    """A new article, as a draft (第1版) to publish."""
    require_editor(actor)
    clean, dept = _checked(session, data)
    article = Article(code=next_code(session), version=1, status=ArticleStatus.draft.value)
    _fill(session, article, clean, dept)
    session.add(article)
    session.flush()
    audit.record(session, actor=actor, action="knowledge.create", entity_type="knowledge_article",
                 entity_id=f"{article.code}@1", after=document(session, article))
    return article


def edit_article(session: Session, *, actor: Principal, code: str, data: dict,
                 expected_version: int | None = None) -> Article:
    """Change an article: its draft in place, or — when the latest version is published or retired —
    a new draft version, so the published text stays as it was (and viewable)."""
    require_editor(actor)
    latest = versions.latest(session, Article, code)
    if latest is None:
        raise NotFound(f"{NOUN}{code}不存在")
    if expected_version is not None and latest.version != expected_version:
        raise Conflict(f"{NOUN}{code}已有更新的第{latest.version}版，请刷新后再修改")
    clean, dept = _checked(session, data)
    before = document(session, latest)
    if latest.status == ArticleStatus.draft:
        article = latest
    else:
        article = Article(code=code, version=latest.version + 1, status=ArticleStatus.draft.value)
        session.add(article)
    _fill(session, article, clean, dept)
    session.flush()
    audit.record(session, actor=actor, action="knowledge.edit", entity_type="knowledge_article",
                 entity_id=f"{code}@{article.version}", before=before, after=document(session, article))
    return article


def publish_article(session: Session, *, actor: Principal, code: str, version: int,
                    valid_from: date | None = None) -> Article:
    """Publish a draft from `valid_from` (today by default); the version before it ends the day before."""
    require_editor(actor)
    article = get_by_code(session, code=code, version=version, actor=actor)
    versions.require_draft(article, noun=NOUN)
    valid_from = valid_from or article.valid_from or beijing.today()
    if article.valid_to and article.valid_to < valid_from:
        raise ValidationFailed.one("失效日期早于生效日期", field="valid_to", label=F.LABELS["valid_to"])
    ARTICLE.move(session, article, "publish", actor=actor, values={"valid_from": valid_from},
                 after={"valid_from": valid_from.isoformat()})
    versions.publish(session, Article, article, valid_from)  # ends the versions it replaces
    session.flush()
    return article


def retire_article(session: Session, *, actor: Principal, code: str, version: int) -> Article:
    """Stop a published version (已停用): it is no longer suggested nor found, but stays viewable."""
    require_editor(actor)
    article = get_by_code(session, code=code, version=version, actor=actor)
    ARTICLE.move(session, article, "retire", actor=actor)
    return article


# ---- import / export -------------------------------------------------------------------------

def import_articles(session: Session, *, actor: Principal, filename: str, content: bytes) -> transfer.ImportSummary:
    """Import articles (YAML or xlsx) in one transaction: any error writes nothing; unchanged rows
    are left alone, so re-importing an export writes nothing at all."""
    require_editor(actor)
    return transfer.import_articles(session, actor=actor, filename=filename, content=content)


def export_articles(session: Session, *, actor: Principal, fmt: str) -> tuple[bytes, str, str]:
    require_editor(actor)  # drafts included
    return transfer.export_articles(session, fmt=fmt)
