"""Chinese full-text search: jieba segmentation, then SQLite FTS5 or PostgreSQL full-text on the
segmented text (the indexes are created by the migrations). Serves the catalogue's service items and
the policy library (policies, award items): any model with an ``id`` and a ``search_text`` column
whose table has a ``<table>_fts`` FTS5 index on SQLite and a GIN index on PostgreSQL."""

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


def contains(column, query: str) -> ColumnElement[bool]:
    """Substring match on a column, with LIKE's wildcards taken literally (the fallback for fragments
    jieba does not segment as words)."""
    escaped = query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def name_contains(query: str) -> ColumnElement[bool]:
    return contains(ServiceItem.name, query)


def full_text(session: Session, query: str, model=ServiceItem) -> ColumnElement[bool] | None:
    """Rows of `model` whose segmented text holds every word of the query, through the full-text
    index; None when the query has no words (only punctuation)."""
    terms = query_terms(query)
    if not terms:
        return None
    if session.get_bind().dialect.name == "postgresql":
        return func.to_tsvector(text("'simple'"), model.search_text).op("@@")(
            func.plainto_tsquery(text("'simple'"), " ".join(terms)))
    fts = f"{model.__tablename__}_fts"  # a table name from the model, never from input
    expr = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
    return model.id.in_(
        select(text("rowid")).select_from(text(fts)).where(text(f"{fts} MATCH :q").bindparams(q=expr)))
