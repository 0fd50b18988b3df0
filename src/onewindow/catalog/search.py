"""Chinese full-text search over service items: jieba segmentation, then SQLite FTS5 or PostgreSQL
full-text on the segmented text (the index is created by the migrations)."""

from __future__ import annotations

import logging
import re

import jieba
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from onewindow.catalog.models import ServiceItem

jieba.setLogLevel(logging.WARNING)
_WORD = re.compile(r"[\w\u4e00-\u9fff]+")


def segment(*parts: str) -> str:
    """Text as space-separated words, fine and coarse (cut_for_search), as both indexes expect."""
    words = []
    for part in parts:
        for token in jieba.cut_for_search(part or ""):
            words.extend(_WORD.findall(token))
    return " ".join(words)


def query_terms(query: str) -> list[str]:
    return [w for token in jieba.cut(query or "") for w in _WORD.findall(token)]


def name_contains(query: str) -> ColumnElement[bool]:
    """Substring match on the name, with LIKE's wildcards taken literally."""
    escaped = query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return ServiceItem.name.like(f"%{escaped}%", escape="\\")


def full_text(session: Session, query: str) -> ColumnElement[bool] | None:
    """Items whose segmented text holds every word of the query, through the full-text index;
    None when the query has no words (only punctuation)."""
    terms = query_terms(query)
    if not terms:
        return None
    if session.get_bind().dialect.name == "postgresql":
        return func.to_tsvector(text("'simple'"), ServiceItem.search_text).op("@@")(
            func.plainto_tsquery(text("'simple'"), " ".join(terms)))
    expr = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
    return ServiceItem.id.in_(
        select(text("rowid")).select_from(text("service_items_fts"))
        .where(text("service_items_fts MATCH :q").bindparams(q=expr)))
