"""API shapes for accounts, tokens and the audit trail."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from onewindow.common.roles import Role

MAX_ID = 2**31 - 1  # ids are 32-bit in both databases; a larger one is bad input, not a crash


class ErrorOut(BaseModel):
    code: str
    message: str
    errors: list[dict] = []


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    name: str = Field(default="api", max_length=64, description="令牌用途，便于日后吊销")


class TokenOut(BaseModel):
    token: str = Field(description="仅此一次显示，请妥善保存")
    token_id: int
    username: str
    role: Role


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None
    active: bool
    version: int


class UserCreate(BaseModel):
    username: str = Field(pattern=r"^[A-Za-z0-9_.\-]{3,64}$")
    display_name: str = Field(min_length=1, max_length=64)
    role: Role
    password: str = Field(min_length=8, max_length=256, description="至少8位，且同时包含字母和数字")
    department_id: StrictInt | None = Field(default=None, ge=1, le=MAX_ID)


class UserUpdate(BaseModel):
    expected_version: int | None = Field(default=None, ge=1, le=MAX_ID, description="乐观锁：读到的版本")
    display_name: str | None = Field(default=None, max_length=64)
    role: Role | None = None
    department_id: StrictInt | None = Field(default=None, ge=1, le=MAX_ID)
    clear_department: bool = False
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=256)


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    page: int
    per_page: int


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


class MeOut(BaseModel):
    user_id: int | None
    username: str
    display_name: str
    role: Role
    role_label: str
    department_id: int | None
