"""API shapes of e-licences and their verification."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class VerificationOut(BaseModel):
    status: Literal["valid", "revoked", "altered", "unknown"] = Field(
        description="valid 有效 / revoked 已撤销 / altered 内容被篡改 / unknown 查无此证")
    status_label: str
    message: str
    code: str | None = Field(None, description="证照编号（仅有效或已撤销时给出）")
    licence_type: str | None = None
    holder_name: str | None = Field(None, description="持证主体（脱敏）")
    issuer: str | None = Field(None, description="签发部门")
    issued_on: date | None = None
    valid_until: date | None = None
    expired: bool = False


class LicenceOut(BaseModel):
    code: str
    licence_type: str
    holder_kind: str = Field(description="enterprise 企业 / person 个人")
    holder_key: str = Field(description="统一社会信用代码，或脱敏的身份证号码")
    holder_name: str
    issuer_department_id: int | None
    issuer: str
    case_code: str | None
    item_code: str | None
    issued_on: date
    valid_until: date | None
    data: dict[str, Any] = Field(description="证照内容（身份证号码、电话已脱敏）")
    status: str = Field(description="valid 有效 / revoked 已撤销")
    revoked_at: datetime | None
    revoke_reason: str | None
    algorithm: str
    key_id: str
    verify_path: str = Field(description="核验页面路径，二维码指向它")
    document_path: str


class RevokeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="撤销原因")
