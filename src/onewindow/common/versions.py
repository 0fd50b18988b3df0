"""Versioned records (catalogue service items, policy award items): rows keyed by code and version,
each a draft, published or retired; publishing a draft ends the published versions before it the day
before it starts, and a version that would end before it began is retired. Running work keeps the
version it started on, so a published version's content never changes.

The model passed in has ``id, code, version, status, valid_from, valid_to, published_at``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from onewindow.common import time as beijing
from onewindow.common.errors import Conflict, NotFound
from onewindow.db import utcnow

STATUSES = ("draft", "published", "retired")


def in_force(model, day: date | None = None):
    """Published and in force on the day (today in Beijing by default)."""
    day = day or beijing.today()
    return and_(model.status == "published", model.valid_from <= day,
                or_(model.valid_to.is_(None), model.valid_to >= day))


def get_version(session: Session, model, *, code: str, version: int | None, noun: str, drafts: bool,
                as_of: date | None = None):
    """The version asked for, else the highest in force; with ``drafts`` (an editor) the latest when
    none is in force. A draft is hidden from everyone else."""
    stmt = select(model).where(model.code == code)
    if version is not None:
        row = session.scalar(stmt.where(model.version == version))
    else:
        row = session.scalar(stmt.where(in_force(model, as_of)).order_by(model.version.desc()))
        if row is None and drafts:
            row = session.scalar(stmt.order_by(model.version.desc()))
    if row is None or (row.status == "draft" and not drafts):
        raise NotFound(f"{noun}{code}" + (f"第{version}版" if version else "") + "不存在")
    return row


def list_versions(session: Session, model, *, code: str, noun: str, drafts: bool) -> list:
    stmt = select(model).where(model.code == code).order_by(model.version.desc())
    if not drafts:
        stmt = stmt.where(model.status != "draft")
    rows = list(session.scalars(stmt))
    if not rows:
        raise NotFound(f"{noun}{code}不存在")
    return rows


def latest(session: Session, model, code: str):
    return session.scalar(select(model).where(model.code == code).order_by(model.version.desc()))


def next_draft_of(session: Session, model, *, code: str, noun: str):
    """The latest version, which a new draft is copied from; 404 without one, 409 if a draft exists."""
    row = latest(session, model, code)
    if row is None:
        raise NotFound(f"{noun}{code}不存在")
    if row.status == "draft":
        raise Conflict(f"{noun}{code}已有草稿（第{row.version}版），请先编辑或发布该草稿")
    return row


def require_draft(row, *, noun: str) -> None:
    if row.status != "draft":
        raise Conflict(f"{noun}{row.code}第{row.version}版不是草稿，不能发布")


def publish(session: Session, model, row, valid_from: date) -> list[str]:
    """Publish ``row`` from ``valid_from``; earlier published versions end the day before. Returns the
    versions ended ("CODE@N"), for the audit record."""
    ended = []
    for prev in session.scalars(select(model).where(model.code == row.code, model.status == "published",
                                                    model.id != row.id)):
        if prev.valid_to is None or prev.valid_to >= valid_from:
            prev.valid_to = valid_from - timedelta(days=1)
            if prev.valid_from and prev.valid_to < prev.valid_from:
                prev.status = "retired"
            ended.append(f"{prev.code}@{prev.version}")
    row.status, row.valid_from, row.published_at = "published", valid_from, utcnow()
    return ended


def same_content(stored: Mapping[str, Any], incoming: Mapping[str, Any], keys: Iterable[str]) -> bool:
    """Two versions with equal content under ``keys`` are the same version: an import leaves it alone."""
    return all(stored[k] == incoming[k] for k in keys)


def unchanged(row, incoming: Mapping[str, Any], *, content: Callable[[Any], Any]) -> bool:
    """A stored version that an incoming one would not change at all: same status, same end date and
    the same content (``content`` maps either side to something comparable)."""
    return (row.status == incoming["status"] and row.valid_to == incoming["valid_to"]
            and content(row) == content(incoming))
