"""Chinese full-text search for any table: jieba segmentation, then SQLite FTS5 or PostgreSQL
full-text on the segmented text.

A searchable model has an integer ``id`` and a ``search_text`` column the owning domain fills with
``segment(...)`` of its fields; its migration creates the index with ``index_ddl`` (an FTS5 table
``<table>_fts`` kept in step by triggers on SQLite, a GIN index ``ix_<table>_search`` on PostgreSQL).
``search`` then answers a list query the same way everywhere: full text first, a substring match on
the title only when the full text finds nothing, rows whose title holds the query ranked first. The
catalogue (service items) and the policy library (policies, award items) use it; so can the 12345
knowledge base for its own table.
"""

from __future__ import annotations

import logging
import re

import jieba
from sqlalchemy import ColumnElement, Select, case, func, select, text
from sqlalchemy.orm import Session

from onewindow.common.pagination import Page, paginate

jieba.setLogLevel(logging.WARNING)
_WORD = re.compile(r"[\w\u4e00-\u9fff]+")
_TABLE = re.compile(r"^[a-z][a-z0-9_]*$")
# The objects index_ddl creates (with FTS5's shadow tables), which Alembic's autogenerate must leave alone.
MANAGED_NAME = re.compile(r"^(\w+_fts(_(a[idu]|data|idx|config|docsize|content))?|ix_\w+_search)$")


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


def full_text(session: Session, query: str, model, *, prefix: str | None = None) -> ColumnElement[bool] | None:
    """Rows of `model` whose segmented text holds every word of the query, through the full-text
    index; None when the query has no words (only punctuation). With `prefix`, also a word starting
    with it (a word still being typed: "公积" finds 公积金)."""
    terms = query_terms(query)
    if prefix is not None:
        prefix = "".join(_WORD.findall(prefix)) or None
    if not terms and prefix is None:
        return None
    if session.get_bind().dialect.name == "postgresql":
        if prefix is None:
            return func.to_tsvector(text("'simple'"), model.search_text).op("@@")(
                func.plainto_tsquery(text("'simple'"), " ".join(terms)))
        # Quoted lexemes (the words hold only letters, digits and CJK), the last one a prefix.
        expr = " & ".join([f"'{t}'" for t in terms] + [f"'{prefix}':*"])
        return func.to_tsvector(text("'simple'"), model.search_text).op("@@")(func.to_tsquery(text("'simple'"), expr))
    fts = f"{model.__tablename__}_fts"  # a table name from the model, never from input
    expr = " ".join(['"' + t.replace('"', '""') + '"' for t in terms] + ([f'"{prefix}"*'] if prefix else []))
    return model.id.in_(
        select(text("rowid")).select_from(text(fts)).where(text(f"{fts} MATCH :q").bindparams(q=expr)))


def search(session: Session, stmt: Select, *, model, title, q: str | None, order: tuple, page: int,
           per_page: int) -> Page:
    """One page of `stmt` (a select over `model`) matching `q`: full text first; the substring match on
    `title` only when that finds nothing (OR-ing both in one statement would make PostgreSQL scan every
    row instead of using the index). Without a query, the page in `order`."""
    if not (q and q.strip()):
        return paginate(session, stmt.order_by(*order), page=page, per_page=per_page)
    query = q.strip()
    order = (case((contains(title, query), 0), else_=1), *order)  # titles containing the query first
    fts = full_text(session, query, model)
    if fts is not None:
        result = paginate(session, stmt.where(fts).order_by(*order), page=page, per_page=per_page)
        if result.total:
            return result
    return paginate(session, stmt.where(contains(title, query)).order_by(*order), page=page, per_page=per_page)


def index_ddl(table: str, dialect: str) -> list[str]:
    """The statements a migration runs to make `table`'s ``search_text`` searchable."""
    _check_table(table)
    if dialect == "postgresql":
        return [f"CREATE INDEX ix_{table}_search ON {table} USING gin (to_tsvector('simple', search_text))"]
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', content_rowid='id')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
    ]


def drop_ddl(table: str, dialect: str) -> list[str]:
    """The statements that undo `index_ddl` (a migration's downgrade)."""
    _check_table(table)
    if dialect == "postgresql":
        return [f"DROP INDEX IF EXISTS ix_{table}_search"]
    return [*(f"DROP TRIGGER IF EXISTS {table}_fts_{s}" for s in ("au", "ad", "ai")), f"DROP TABLE IF EXISTS {table}_fts"]


def _check_table(table: str) -> None:
    if not _TABLE.match(table):  # the name goes into DDL text
        raise ValueError(f"表名不合法：{table!r}")
