"""Departments, service items (one row per version), their materials and form fields, and bundles."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onewindow.db import Base, UTCDateTime, utcnow


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(4))  # 市 / 县 / 乡 / 村
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Department | None] = relationship(remote_side=[id])


class ServiceItem(Base):
    """One version of a service item (事项). Published versions are never edited: a change is a new version,
    so cases that reference a version keep the rules they were accepted under."""

    __tablename__ = "service_items"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_service_items_code_version"),
        # Lists filter by status and sort by code: one index serves both, no sort per page.
        Index("ix_service_items_status_code_version", "status", "code", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)  # 实施编码
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft / published / retired
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    basic_code: Mapped[str] = mapped_column(String(12), index=True)  # 基本编码
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(16), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    level: Mapped[str] = mapped_column(String(4))
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    statutory_limit_days: Mapped[int] = mapped_column(Integer)
    promised_limit_days: Mapped[int] = mapped_column(Integer)
    steps: Mapped[int] = mapped_column(Integer)
    visits: Mapped[int] = mapped_column(Integer)
    fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    fee_basis: Mapped[str] = mapped_column(Text, default="")
    online_depth: Mapped[str] = mapped_column(String(8))
    cross_province: Mapped[bool] = mapped_column(Boolean, default=False)
    within_province: Mapped[bool] = mapped_column(Boolean, default=False)
    commitment_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    result_type: Mapped[str] = mapped_column(String(16))
    result_name: Mapped[str] = mapped_column(String(100), default="")
    # jieba-segmented name, department and material names; indexed by FTS5 / PostgreSQL full-text.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department] = relationship(lazy="joined")
    materials: Mapped[list[Material]] = relationship(
        order_by="Material.position", cascade="all, delete-orphan", lazy="selectin")
    form_fields: Mapped[list[FormField]] = relationship(
        order_by="FormField.position", cascade="all, delete-orphan", lazy="selectin")


class Material(Base):
    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))  # merge key: the same material across items
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    pending_allowed: Mapped[bool] = mapped_column(Boolean, default=False)  # 容缺
    form: Mapped[str] = mapped_column(String(16))
    copies: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(16))
    shared_source: Mapped[str | None] = mapped_column(String(64))
    # The item (实施编码) whose approval produces this material; in a bundle holding it, not asked.
    produced_by: Mapped[str | None] = mapped_column(String(40))


class FormField(Base):
    __tablename__ = "form_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(48))
    label: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    options: Mapped[list] = mapped_column(JSON, default=list)
    shared_source: Mapped[str | None] = mapped_column(String(64))


class Bundle(Base):
    """一件事: items by code, so a bundle follows each item's current published version."""

    __tablename__ = "bundles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # draft / published
    core_item: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    items: Mapped[list[BundleItem]] = relationship(
        order_by="BundleItem.position", cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}


class BundleItem(Base):
    __tablename__ = "bundle_items"
    __table_args__ = (UniqueConstraint("bundle_id", "item_code", name="uq_bundle_items_bundle_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    depends_on: Mapped[list] = mapped_column(JSON, default=list)
