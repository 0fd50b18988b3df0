"""API shapes every domain shares (ids, the error answer) and those of the audit trail."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

MAX_ID = 2**31 - 1  # ids are 32-bit in both databases; a larger one is bad input, not a crash


class ErrorOut(BaseModel):
    code: str
    message: str
    errors: list[dict] = []


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor_id: int | None
    actor_name: str
    actor_role: str
    action: str
    entity_type: str
    entity_id: str
    before: str | None
    after: str | None
    hash: str


class AuditPage(BaseModel):
    items: list[AuditOut]
    total: int
    page: int
    per_page: int


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None
