"""The shared machinery's tables: the hash-chained audit trail, the notification outbox, leases, domain
events and rate-limit hits. Accounts (users, tokens, sign-in failures) are `accounts`' own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onewindow.db import Base, UTCDateTime, utcnow


class AuditRecord(Base):
    """Append-only; `hash` covers the record and the previous record's hash.

    `seq` is dense (1, 2, 3 …) so a deleted row leaves a gap that verification reports.
    Database triggers refuse UPDATE and DELETE (see the first migration).
    """

    __tablename__ = "audit_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_name: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(128), index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The one row that serialises appends: writers lock it, so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """A notification written in the same transaction as the change it reports; senders deliver
    from here. `dedupe_key` makes repeated periodic work (SLA sweeps, reminders) write it once."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="site")  # site / sms / email
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Lease(Base):
    """A named lease so periodic work runs in one process at a time, whichever process gets it."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DomainEvent(Base):
    """Something that happened in one domain that others may act on ("case.completed"), written in the
    same transaction as the change (outbox style). `dispatched_at` is set once every handler known at
    the time has handled it, so the dispatcher's scan stays small."""

    __tablename__ = "domain_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed handler runs, for operators
    last_error: Mapped[str | None] = mapped_column(Text)


class HandledEvent(Base):
    """One (event, handler) pair that ran to the end. Written in the handler's own transaction, so the
    handler's work and this row commit together: a retry finds it and never runs the handler twice."""

    __tablename__ = "domain_events_handled"

    event_id: Mapped[int] = mapped_column(ForeignKey("domain_events.id"), primary_key=True)
    handler: Mapped[str] = mapped_column(String(64), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RateLimitHit(Base):
    """One request counted by a rate limit (common.ratelimit): its scope ("demands.scan:client"), the key it
    was counted under (an address, a device, a QR code) and when. Purged once no window counts it."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_scope_key_at", "scope", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(48))
    key: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
