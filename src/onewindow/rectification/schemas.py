"""What the rectification API takes and answers."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class NoteOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    text: str
    actor_name: str
    at: datetime
    filename: str | None = None


class ItemOut(BaseModel):
    id: int
    source_kind: str
    source_label: str
    source_ref: str
    title: str
    department_id: int
    status: str
    status_label: str
    opened_on: date
    deadline: date
    sla_state: str
    return_reason: str | None = None
    closed_on: date | None = None
    version: int
    notes: list[NoteOut] = []


class ItemPageOut(BaseModel):
    items: list[ItemOut]
    total: int
    page: int
    per_page: int


class DecisionIn(BaseModel):
    text: str = Field("", max_length=2000, description="验收意见")
    version: int | None = Field(None, ge=1, le=2**31 - 1)


class ReturnIn(BaseModel):
    reason: str = Field(..., max_length=2000, description="退回原因")
    version: int | None = Field(None, ge=1, le=2**31 - 1)


class UnitLineOut(BaseModel):
    department_id: int
    department_name: str
    counts: dict[str, int]
    overdue: int
    on_time_closed: int
    total: int
