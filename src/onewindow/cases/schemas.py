"""API shapes for applications, cases, tasks and post-checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Text = Field(default="", max_length=4000)


class AuthorisationIn(BaseModel):
    reference: str = Field(max_length=64, description="授权委托书编号")
    authoriser: str = Field(default="", max_length=64, description="授权人")
    scope: str = Field(default="代为申请、补正和领取结果", max_length=200)


class ApplicationIn(BaseModel):
    target_kind: Literal["item", "bundle"]
    target_code: str = Field(min_length=2, max_length=40)
    subject_kind: Literal["enterprise", "person"]
    subject_key: str = Field(min_length=1, max_length=18, description="统一社会信用代码或身份证号")
    subject_name: str | None = Field(default=None, max_length=200)
    contact_phone: str = Field(default="", max_length=20)
    authorisation: AuthorisationIn | None = None
    form_data: dict[str, Any] = Field(default_factory=dict)
    submit: bool = Field(default=False, description="创建后立即提交（须同时提供 Idempotency-Key）")


class DeliveryIn(BaseModel):
    method: Literal["window", "mail"] = "window"
    address: str = Field(default="", max_length=300)


class FormIn(BaseModel):
    form_data: dict[str, Any]
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)
    delivery: DeliveryIn | None = None


class SubmitIn(BaseModel):
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class NoticeIn(BaseModel):
    items: list[str] = Field(min_length=1, max_length=50)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


class AcceptIn(BaseModel):
    mode: Literal["normal", "pending_materials", "commitment"] = "normal"
    commitment_text: str = Text
    due_on: date | None = Field(default=None, le=date(2100, 12, 31))


class TaskActionIn(BaseModel):
    version: int | None = Field(default=None, ge=1, le=2**31 - 1, description="看到的任务版本；已被他人处理则 409")
    text: str = Text
    reason: str = Text
    procedure: str | None = Field(default=None, max_length=20)
    result_data: dict[str, str] = Field(default_factory=dict)


class RevealIn(BaseModel):
    field: str = Field(min_length=1, max_length=48)
    purpose: str = Field(default="", max_length=200)


class DeliveryRecordIn(BaseModel):
    method: Literal["window", "mail"]
    tracking_number: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)


class VerificationResultIn(BaseModel):
    passed: bool
    result: str = Field(min_length=1, max_length=4000)
    rectification_due_on: date | None = Field(default=None, le=date(2100, 12, 31))
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class RectificationIn(BaseModel):
    rectified: bool
    result: str = Field(min_length=1, max_length=4000)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class MaterialOut(BaseModel):
    code: str
    name: str
    required: bool
    pending_allowed: bool
    status: str = Field(description="licence 电子证照免提交 / shared 共享数据 / uploaded 已上传 / missing 缺")
    ref: str | None
    uploads: list[dict]


class TaskOut(BaseModel):
    id: int
    item_code: str
    item_name: str
    department_id: int
    status: str
    status_label: str
    depends_on: list[str]
    commitment: bool
    limit_days: int
    started_on: date | None
    deadline: date | None
    deadline_estimated: bool
    sla_state: str
    supplement_request: str | None
    result_data: dict | None
    reason: str | None
    decided_at: datetime | None
    version: int


class CaseOut(BaseModel):
    id: int
    code: str
    title: str
    status: str
    acceptance_mode: str
    accepted_at: datetime
    limit_days: int
    deadline: date | None
    deadline_estimated: bool
    sla_state: str
    completed_at: datetime | None
    delivery_method: str
    tracking_number: str | None
    delivered_at: datetime | None
    application_id: int
    tasks: list[TaskOut]


class EventOut(BaseModel):
    at: datetime
    actor_name: str
    action: str
    message: str
    department_id: int | None


class ApplicationOut(BaseModel):
    id: int
    status: str
    channel: str
    title: str
    target_kind: str
    target_code: str
    subject_kind: str
    subject_key: str
    subject_name: str
    form: list[dict]
    materials: list[MaterialOut]
    checks: list[dict]
    notice: list[str] | None
    refusal_reason: str | None
    authorisation: dict | None
    version: int
    submitted_at: datetime | None
    case: CaseOut | None
    timeline: list[EventOut]


class PageOut(BaseModel):
    items: list[dict]
    total: int
    page: int
    per_page: int
    capped: bool = Field(default=False, description="为真时 total 只是下限（超过计数上限，不再精确计数）")


class RevealOut(BaseModel):
    field: str
    value: str


class VerificationOut(BaseModel):
    id: int
    case_id: int
    task_id: int
    status: str
    due_on: date
    result: str | None
    rectification_due_on: date | None
    licence_id: int | None
    version: int
