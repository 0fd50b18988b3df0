"""诉求 (demands) and their handling: assignments to 主办/协办 units, time limits by type × urgency,
routing rules, extensions (延期), supervision orders (督办), callbacks (回访) and the timeline (the throttle
of anonymous intake and tracking counts in common.ratelimit)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onewindow.db import Base, UTCDateTime, utcnow

OPEN = text("status <> 'closed'")
UNIT_OPEN = text("active IS TRUE AND demand_open IS TRUE")


class Demand(Base):
    """One demand, one code (一事一码). The filer's identity lives only here and is never copied into
    the timeline, assignments or notices, so hiding it (保密) is a matter of one place."""

    __tablename__ = "demands"
    __table_args__ = (Index("ix_demands_status_due", "status", "due_at"),
                      Index("ix_demands_filer_phone", "filer_phone"),
                      Index("ix_demands_received_at", "received_at"),
                      Index("ix_demands_enterprise_uscc", "enterprise_uscc"),  # the same enterprise's demands
                      # The open demands (3% of a city's years of them), soonest deadline first: the lists
                      # due first (overdue, callbacks, board) walk these instead of the whole table.
                      Index("ix_demands_open_due", "due_at", "due_on", "id", postgresql_where=OPEN,
                            sqlite_where=OPEN),
                      Index("ix_demands_open_sla", "sla_state", "due_at", "due_on", "id", postgresql_where=OPEN,
                            sqlite_where=OPEN))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    channel: Mapped[str] = mapped_column(String(12))  # demands.states.CHANNELS
    kind: Mapped[str] = mapped_column(String(12))  # demands.states.KINDS
    urgency: Mapped[str] = mapped_column(String(8))  # demands.states.URGENCIES
    topic: Mapped[str] = mapped_column(String(40), default="")
    region: Mapped[str] = mapped_column(String(40), default="")
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(200), default="")
    # The filer (any of these may be empty: anonymous 码上监督 scans).
    filer_name: Mapped[str] = mapped_column(String(64), default="")
    filer_phone: Mapped[str] = mapped_column(String(20), default="")
    filer_id_number: Mapped[str] = mapped_column(String(18), default="")
    filer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)  # 保密: identity hidden from units
    # What it is about, when known or pre-bound by the channel.
    enterprise_name: Mapped[str] = mapped_column(String(200), default="")
    enterprise_uscc: Mapped[str] = mapped_column(String(18), default="")
    window_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    item_code: Mapped[str] = mapped_column(String(40), default="")
    case_code: Mapped[str] = mapped_column(String(40), default="")
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the agent / clerk who took it
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12))  # demands.states.DemandStatus (moves: DEMAND)
    # The clock running now (dispatch, reply or callback): a moment for hour limits, a date for days.
    due_stage: Mapped[str | None] = mapped_column(String(10))
    due_unit: Mapped[str | None] = mapped_column(String(14))
    due_amount: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_on: Mapped[date | None] = mapped_column(Date)
    due_note: Mapped[str] = mapped_column(String(200), default="")
    sla_state: Mapped[str] = mapped_column(String(8), default="normal")
    overdue_ever: Mapped[bool] = mapped_column(Boolean, default=False)  # 按时办结率 counts on this
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str] = mapped_column(Text, default="")
    article_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_articles.id"))  # 直办 from this article
    direct: Mapped[bool] = mapped_column(Boolean, default=False)  # 直办
    reopened: Mapped[int] = mapped_column(Integer, default=0)  # an unsatisfied callback reopens once
    satisfaction: Mapped[str | None] = mapped_column(String(12))  # the last callback's
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_how: Mapped[str | None] = mapped_column(String(12))  # direct / callback / timeout / merged
    # 并单: the main demand whose reply answers this one's filer too (demands.duplicates.merge)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("demands.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    assignments: Mapped[list[Assignment]] = relationship(order_by="Assignment.id", lazy="selectin",
                                                         back_populates="demand")


class Assignment(Base):
    """A unit's part in a demand: 主办 (lead, replies) or 协办 (assists). Replaced on 改派, kept (inactive)
    for the record; a unit sees a demand while one of its assignments is active."""

    __tablename__ = "demand_assignments"
    __table_args__ = (Index("ix_demand_assignments_unit_active", "department_id", "active"),
                      # A unit's inbox: its open work only, not the years of 办结 ones it keeps.
                      Index("ix_demand_assignments_unit_open", "department_id", "demand_id",
                            postgresql_where=UNIT_OPEN, sqlite_where=UNIT_OPEN))

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[str] = mapped_column(String(8))  # lead 主办 / assist 协办
    status: Mapped[str] = mapped_column(String(12))  # pending / signed / returned / replaced / done
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # False once the demand is 办结 (handling._close): the inbox's index then leaves it out. Copied from
    # the demand's state because an index cannot join; set at the one move that closes with units.
    demand_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 签收 clock of this unit (working minutes from dispatch, deadlines.sign_limit): swept while pending
    sign_minutes: Mapped[int | None] = mapped_column(Integer)
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_sla_state: Mapped[str] = mapped_column(String(8), default="normal")
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    opinion: Mapped[str] = mapped_column(Text, default="")  # a 协办 unit's contribution

    demand: Mapped[Demand] = relationship(back_populates="assignments")


class Limit(Base):
    """时限 by type × urgency (kind "*": any type). Dispatch in working minutes; reply in working hours
    (unit "working_hours", amount in minutes) or working days; callback in working days."""

    __tablename__ = "demand_limits"
    __table_args__ = (UniqueConstraint("kind", "urgency", name="uq_demand_limits_kind_urgency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    urgency: Mapped[str] = mapped_column(String(8))
    dispatch_minutes: Mapped[int] = mapped_column(Integer)
    reply_unit: Mapped[str] = mapped_column(String(14))
    reply_amount: Mapped[int] = mapped_column(Integer)
    callback_days: Mapped[int] = mapped_column(Integer, default=2)
    sign_minutes: Mapped[int] = mapped_column(Integer, default=120)  # 签收, working minutes from dispatch
    version: Mapped[int] = mapped_column(Integer, default=1)


class Route(Base):
    """A routing rule: demands of this type / topic / region (empty: any) go to this unit (and 协办 units).
    The most specific matching rule wins, then the lower `priority`."""

    __tablename__ = "demand_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default="")
    topic: Mapped[str] = mapped_column(String(40), default="")
    region: Mapped[str] = mapped_column(String(40), default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    assist_ids: Mapped[list] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DemandTerm(Base):
    """A meaningful word of a demand (terms.py): "t" subject/content (weight 2 subject, 1 content), "l"
    its place (2). Looked up by word, newest first within a window, for duplicate candidates."""

    __tablename__ = "demand_terms"
    __table_args__ = (Index("ix_demand_terms_recent", "term", "part", "received_at"),)

    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id"), primary_key=True)
    term: Mapped[str] = mapped_column(String(32), primary_key=True)
    part: Mapped[str] = mapped_column(String(1), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    weight: Mapped[int] = mapped_column(Integer)


class Merge(Base):
    """One 并单 and, if it was wrong, its undoing (撤销并单): what the merged demand was before (state,
    clock, assignments, the demands that followed it), so the undo can put it back."""

    __tablename__ = "demand_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id"), index=True)
    into_id: Mapped[int] = mapped_column(ForeignKey("demands.id"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undo_reason: Mapped[str] = mapped_column(Text, default="")


class Extension(Base):
    """延期: the lead unit asks for more time, the dispatcher approves (a new deadline) or refuses."""

    __tablename__ = "demand_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(10))  # demands.states.ExtensionStatus (moves: EXTENSION)
    reason: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(14))
    amount: Mapped[int] = mapped_column(Integer)  # working days, or working minutes
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class Supervision(Base):
    """督办: an order to a unit with its own deadline; overdue, it escalates to the unit's superior."""

    __tablename__ = "demand_supervisions"
    __table_args__ = (Index("ix_demand_supervisions_unit_status", "department_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    superior_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(10))  # demands.states.SupervisionStatus (moves: SUPERVISION)
    reason: Mapped[str] = mapped_column(Text)
    limit_days: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    sla_state: Mapped[str] = mapped_column(String(8), default="normal")
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    response: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Callback(Base):
    """回访 of a reply: satisfaction and resolved or not; `timed_out` when nobody was reached in time."""

    __tablename__ = "demand_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)  # 1, or 2 after a reopening
    satisfaction: Mapped[str | None] = mapped_column(String(12))
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class History(Base):
    """The timeline people read (the audit trail is the record): Chinese messages, never the identity."""

    __tablename__ = "demand_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    action: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
