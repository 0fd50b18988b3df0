"""Rateable matters, ratings (好差评), the callbacks of bad ratings and departments' appeals (申诉)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
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


class Counter(Base):
    """A window counter (窗口) of the service hall: its standing QR code, printed once and left on the desk,
    opens a window visit bound to the counter and to the clerk on duty there. `serial` is in the code's
    signature: raising it voids every code printed before (a code photographed and spread)."""

    __tablename__ = "rating_counters"
    __table_args__ = (UniqueConstraint("department_id", "name", name="uq_rating_counters_department_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))  # "3号窗口"
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # on duty (signed in at the counter)
    on_duty_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    serial: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class RatingMatter(Base):
    """Something that may be rated: a completed case, one department's task of a bundle, a window visit
    (bound to the clerk, reached by its QR token, opened by the clerk or by a scan of the counter's standing
    code), a demand's handling, an online service (an application submitted online). `staff_id` is the staff
    member who handled it (the task's approver, the demand's replier, the visit's clerk), for the statistics per
    staff member. Unrated by `default_due_on`, it is rated 基本满意 by default."""

    __tablename__ = "rating_matters"
    __table_args__ = (UniqueConstraint("kind", "ref", name="uq_rating_matters_kind_ref"),
                      Index("ix_rating_matters_party", "party_id"),
                      Index("ix_rating_matters_default_due", "rated", "default_due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # case / task / window / demand / online
    ref: Mapped[str] = mapped_column(String(80))  # case code, task id, visit token, demand code, application id
    title: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    item_code: Mapped[str | None] = mapped_column(String(40))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the window's staff member
    party_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who may rate (None: the QR holder)
    staff_ids: Mapped[list] = mapped_column(JSON, default=list)  # who handled it: may not rate it
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # the one it is counted for
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("rating_counters.id"), index=True)  # a scanned visit
    device: Mapped[str | None] = mapped_column(String(64))  # the scanning device (hashed): one visit per N minutes
    token: Mapped[str | None] = mapped_column(String(43), unique=True)  # a window visit's QR
    completed_on: Mapped[date] = mapped_column(Date)
    default_due_on: Mapped[date] = mapped_column(Date)
    rated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ratings: Mapped[list[Rating]] = relationship(order_by="Rating.id", lazy="selectin", back_populates="matter")


class Rating(Base):
    """One rating of one matter by one rater. Never deleted: an upheld appeal only excludes it from the
    statistics; a change within the window replaces its level (audited)."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("matter_id", "rater_id", name="uq_ratings_matter_rater"),
                      Index("ix_ratings_rated_on", "rated_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("rating_matters.id"), index=True)
    rater_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: default or anonymous QR
    rater_name: Mapped[str] = mapped_column(String(64), default="")
    level: Mapped[str] = mapped_column(String(20))  # ratings.levels.LEVELS
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    real_name: Mapped[bool] = mapped_column(Boolean, default=False)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)  # an appeal upheld: out of the statistics
    rated_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    matter: Mapped[RatingMatter] = relationship(back_populates="ratings", lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Callback(Base):
    """回访 of a real-name 差评 by the responsible department, then its rectification, then the rater's word."""

    __tablename__ = "rating_callbacks"
    __table_args__ = (Index("ix_rating_callbacks_department_status", "department_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(12))  # ratings.states.CallbackStatus (moves: CALLBACK)
    opened_on: Mapped[date] = mapped_column(Date)
    limit_days: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date] = mapped_column(Date)
    sla_state: Mapped[str] = mapped_column(String(8), default="normal")
    note: Mapped[str | None] = mapped_column(Text)  # what the callback found
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectification_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_items.id"))
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    rating: Mapped[Rating] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Appeal(Base):
    """申诉: a department asks the supervisor to take a rating out of the statistics, with evidence."""

    __tablename__ = "rating_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # ratings.states.AppealStatus (moves: APPEAL)
    reason: Mapped[str] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    rating: Mapped[Rating] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
