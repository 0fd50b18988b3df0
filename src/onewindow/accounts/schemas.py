"""API shapes for accounts, sign-in and API tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from onewindow.common.roles import Role
from onewindow.common.schemas import MAX_ID


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


class MeOut(BaseModel):
    user_id: int | None
    username: str
    display_name: str
    role: Role
    role_label: str
    department_id: int | None


class TokenInfo(BaseModel):
    """One issued token as its owner sees it later: never the token itself."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None = Field(description="最近一次用于认证的时间（约每分钟更新一次）")
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenList(BaseModel):
    items: list[TokenInfo]
