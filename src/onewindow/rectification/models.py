"""Rectification items (整改事项) and their progress notes (with optional attachments)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onewindow.db import Base, UTCDateTime, utcnow


class RectificationItem(Base):
    """One 整改事项: what is to be put right (its source), by whom (the responsible unit) and by when."""

    __tablename__ = "rectification_items"
    __table_args__ = (
        # one item per source: a retried open returns the item already opened
        UniqueConstraint("source_kind", "source_ref", name="uq_rectification_source"),
        Index("ix_rectification_department_status", "department_id", "status"),
        Index("ix_rectification_status_sla", "status", "sla_state", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_kind: Mapped[str] = mapped_column(String(20))  # "rating" (later: "demand", "inspection" …)
    source_ref: Mapped[str] = mapped_column(String(80))  # the source's own id or code
    title: Mapped[str] = mapped_column(String(200))  # Chinese: what is to be rectified
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(12))  # rectification.states.ItemStatus (moves: ITEM)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    limit_days: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date] = mapped_column(Date)
    deadline_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_state: Mapped[str] = mapped_column(String(8), default="normal")  # normal / warning / overdue
    return_reason: Mapped[str | None] = mapped_column(Text)  # the supervisor's last reason for sending it back
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_on: Mapped[date | None] = mapped_column(Date)  # Beijing date of 销号: on time when ≤ deadline
    version: Mapped[int] = mapped_column(Integer, default=1)

    notes: Mapped[list[RectificationNote]] = relationship(order_by="RectificationNote.id", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}


class RectificationNote(Base):
    """A progress note, the evidence submitted, a return or the acceptance — with an optional file."""

    __tablename__ = "rectification_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rectification_items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # progress / evidence / returned / closed
    text: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
