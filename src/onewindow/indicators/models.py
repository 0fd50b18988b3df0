"""Indicator definitions (versioned data), computed figures per period × unit, published periods,
discrepancies found after publishing, reports (月调度 / 季通报) and review opinions (审议意见)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onewindow.db import Base, UTCDateTime, utcnow


class IndicatorDefinition(Base):
    """One version of an indicator. A changed formula or target is a new version; figures name the
    version they were computed with, so a published figure still says what it meant."""

    __tablename__ = "indicator_definitions"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_indicator_definitions_code_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(40), default="")
    formula: Mapped[str] = mapped_column(String(12))  # ratio / count / average
    numerator: Mapped[str] = mapped_column(String(60))  # a measure name, "cases.completed_on_time"
    denominator: Mapped[str | None] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(12))  # % / 件 / 天 / 万元 / 家 / 次
    direction: Mapped[str] = mapped_column(String(8))  # higher / lower
    target: Mapped[float | None] = mapped_column(Float)
    lead_unit: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    cases: Mapped[list] = mapped_column(JSON, default=list)  # [{"numerator": 93, "denominator": 100, "expect": 93.0}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IndicatorFigure(Base):
    """A computed figure: one indicator, one period ("2026-05", "2026-Q2"), one unit (the whole city,
    a department, a county, an item). Numerator and denominator are kept so figures roll up."""

    __tablename__ = "indicator_figures"
    __table_args__ = (UniqueConstraint("code", "period", "unit_kind", "unit_key", name="uq_indicator_figures_cell"),
                      Index("ix_indicator_figures_period", "period", "unit_kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(8))
    unit_kind: Mapped[str] = mapped_column(String(12))  # all / department / county / item
    unit_key: Mapped[str] = mapped_column(String(40))  # "all", a department id, an item code
    unit_label: Mapped[str] = mapped_column(String(200), default="")
    numerator: Mapped[float] = mapped_column(Float, default=0)
    denominator: Mapped[float | None] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float)  # None: no denominator (no records)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IndicatorPeriod(Base):
    """A period's state: once published its figures are frozen; a later recomputation that differs is a
    discrepancy row, never a silent change."""

    __tablename__ = "indicator_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8), unique=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str] = mapped_column(String(64), default="")
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IndicatorDiscrepancy(Base):
    __tablename__ = "indicator_discrepancies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(8), index=True)
    unit_kind: Mapped[str] = mapped_column(String(12))
    unit_key: Mapped[str] = mapped_column(String(40))
    published_value: Mapped[float | None] = mapped_column(Float)
    recomputed_value: Mapped[float | None] = mapped_column(Float)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IndicatorReport(Base):
    """A 月调度 or 季通报: its content is a snapshot (rankings, gaps, overdue, open rectifications) taken
    when generated, so the published report never changes under its readers."""

    __tablename__ = "indicator_reports"
    __table_args__ = (UniqueConstraint("kind", "period", name="uq_indicator_reports_kind_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # monthly / quarterly
    period: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft / published
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ReviewOpinion(Base):
    """审议意见 of the people's congress, or a review visit's findings: split into problems."""

    __tablename__ = "review_opinions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # 人大审议 / 政协视察 / 督查回访
    received_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    problems: Mapped[list[ReviewProblem]] = relationship(order_by="ReviewProblem.id", lazy="selectin",
                                                         back_populates="opinion")


class ReviewProblem(Base):
    __tablename__ = "review_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("review_opinions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    rectification_id: Mapped[int | None] = mapped_column(Integer)  # the 整改事项 opened for it

    opinion: Mapped[ReviewOpinion] = relationship(back_populates="problems")
