"""Articles as the API and the pages show them: department by name, state by its Chinese label."""

from __future__ import annotations

from sqlalchemy.orm import Session

from onewindow.common import time as beijing
from onewindow.knowledge import service


def in_force(article) -> bool:
    today = beijing.today()
    return (article.status == "published" and article.valid_from is not None and article.valid_from <= today
            and (article.valid_to is None or article.valid_to >= today))


def article_outs(session: Session, articles) -> list[dict]:
    articles = list(articles)
    names = service.department_names(session, ids={a.department_id for a in articles})
    codes = service.department_codes(session) if articles else {}
    return [{"id": a.id, "code": a.code, "version": a.version, "status": a.status,
             "status_label": service.STATUS_LABELS[a.status], "in_force": in_force(a), "topic": a.topic,
             "department": codes.get(a.department_id), "department_id": a.department_id,
             "department_name": names.get(a.department_id, ""), "title": a.title, "body": a.body,
             "keywords": list(a.keywords or []), "valid_from": a.valid_from, "valid_to": a.valid_to,
             "published_at": a.published_at} for a in articles]


def suggestion_outs(session: Session, suggestions) -> list[dict]:
    names = service.department_names(session, ids={s.department_id for s in suggestions})
    return [{"id": s.id, "code": s.code, "version": s.version, "title": s.title, "topic": s.topic,
             "department_name": names.get(s.department_id, ""), "snippet": s.snippet} for s in suggestions]
