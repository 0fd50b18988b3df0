"""The 12345 knowledge base (知识库): articles, one row per version, that agents answer callers from."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onewindow.db import Base, UTCDateTime, utcnow


class Article(Base):
    """One version of a knowledge article (知识条目). A published version is never edited: an edit makes
    the next version, so an answer given to a caller can be traced to the text that was in force."""

    __tablename__ = "knowledge_articles"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_knowledge_articles_code_version"),
        # Suggestions filter on status and validity first; lists sort by code.
        Index("ix_knowledge_articles_status_code_version", "status", "code", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), index=True)  # 知识编号, the same for every version
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft / published / retired (states.py)
    topic: Mapped[str] = mapped_column(String(32), index=True)  # 主题分类
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)  # 主管部门
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # 答复口径
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # jieba-segmented title, keywords, topic, department and body; FTS5 / PostgreSQL full-text index.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
