"""Applications (申请), cases (办件), department tasks (部门办理任务) and what hangs off them."""

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


class Application(Base):
    """What the applicant fills in and submits; becomes a case when the window accepts it.

    `plan` is a snapshot of the item versions and bundle structure at the time the draft was
    started, so a catalogue change later never changes a running application.
    """

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("created_by_id", "idempotency_key", name="uq_applications_idempotency"),
        Index("ix_applications_status_submitted", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(12))  # online / assisted / window
    authorisation: Mapped[dict | None] = mapped_column(JSON)  # 帮办代办 authorisation
    subject_kind: Mapped[str] = mapped_column(String(12))  # enterprise / person
    subject_key: Mapped[str] = mapped_column(String(18), index=True)  # USCC or ID number
    subject_name: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    target_kind: Mapped[str] = mapped_column(String(8))  # item / bundle
    target_code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    plan: Mapped[dict] = mapped_column(JSON)
    form_data: Mapped[dict] = mapped_column(JSON, default=dict)
    prefilled: Mapped[dict] = mapped_column(JSON, default=dict)  # key -> registry attribute (read-only)
    checks: Mapped[list] = mapped_column(JSON, default=list)  # condition verification results
    status: Mapped[str] = mapped_column(String(12), index=True)  # cases.states.ApplicationStatus (moves: APPLICATION)
    notice: Mapped[list | None] = mapped_column(JSON)  # 一次性告知: everything missing, in one list
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    uploads: Mapped[list[Upload]] = relationship(order_by="Upload.id", lazy="selectin",
                                                 back_populates="application")
    case: Mapped[Case | None] = relationship(back_populates="application", uselist=False)

    __mapper_args__ = {"version_id_col": version}


class Upload(Base):
    """An uploaded material file. Kept in the database so a case and its files commit together."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))  # a 补正 for this task
    material_code: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)

    application: Mapped[Application] = relationship(back_populates="uploads")


class Case(Base):
    """办件: an accepted application, with its one-window code (一件一码) and overall time limit."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_sla", "status", "sla_state", "deadline"),
        Index("ix_cases_accepted_at", "accepted_at"),
        # the case list at a million rows: newest first within a status, or a status and 预警/超期
        Index("ix_cases_status_accepted", "status", "accepted_at", "id"),
        Index("ix_cases_status_sla_accepted", "status", "sla_state", "accepted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # cases.states.CaseStatus (moves: CASE)
    acceptance_mode: Mapped[str] = mapped_column(String(20))  # normal / pending_materials / commitment
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_on: Mapped[date] = mapped_column(Date)  # local date the clock starts from
    limit_days: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date | None] = mapped_column(Date)
    deadline_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_state: Mapped[str] = mapped_column(String(8), default="normal")  # normal / warning / overdue
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_method: Mapped[str] = mapped_column(String(8), default="window")  # window / mail
    delivery_address: Mapped[str | None] = mapped_column(String(300))
    tracking_number: Mapped[str | None] = mapped_column(String(40))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    application: Mapped[Application] = relationship(back_populates="case", lazy="joined")
    tasks: Mapped[list[Task]] = relationship(order_by="Task.position", lazy="selectin", back_populates="case")

    __mapper_args__ = {"version_id_col": version}


class Task(Base):
    """One item's work in one department. Moves on its own: waiting (for a prerequisite) → pending
    → in_review → approved / refused, with supplement and suspended as clock-stopped detours."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_department_status", "department_id", "status"),
        Index("ix_tasks_department_case", "department_id", "case_id"),  # "cases with a task in department X"
        Index("ix_tasks_status_sla", "status", "sla_state", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    item_name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    depends_on: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12))
    commitment: Mapped[bool] = mapped_column(Boolean, default=False)  # approved on 告知承诺
    limit_days: Mapped[int] = mapped_column(Integer)
    started_on: Mapped[date | None] = mapped_column(Date)  # the task's clock starts here
    deadline: Mapped[date | None] = mapped_column(Date)
    deadline_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_state: Mapped[str] = mapped_column(String(8), default="normal")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    supplement_request: Mapped[str | None] = mapped_column(Text)
    result_data: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)  # refusal or cancellation reason
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship(back_populates="tasks")
    suspensions: Mapped[list[ClockSuspension]] = relationship(order_by="ClockSuspension.id", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}


class ClockSuspension(Base):
    """计时暂停: 补正 or a special procedure (听证, 检验检测, 专家评审, 现场勘验 …)."""

    __tablename__ = "clock_suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # supplement / special_procedure
    procedure: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_on: Mapped[date] = mapped_column(Date)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_on: Mapped[date | None] = mapped_column(Date)


class CaseEvent(Base):
    """The timeline an applicant sees: one row per step, per department, with its time."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")


class Commitment(Base):
    """A signed commitment: 容缺 (supply missing materials by a date) or 告知承诺 (meet the conditions)."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # pending_materials / commitment
    text: Mapped[str] = mapped_column(Text)
    material_codes: Mapped[list] = mapped_column(JSON, default=list)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Verification(Base):
    """事中事后核查 of a 告知承诺 approval: due → passed, or failed → rectification → rectified or revoked."""

    __tablename__ = "verifications"
    __table_args__ = (Index("ix_verifications_department_status", "department_id", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    licence_id: Mapped[int | None] = mapped_column(ForeignKey("licences.id"))
    status: Mapped[str] = mapped_column(String(12))  # waiting / due / passed / rectifying / rectified / revoked
    due_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rectification_due_on: Mapped[date | None] = mapped_column(Date)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
