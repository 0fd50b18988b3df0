"""What the ratings API takes and answers."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from onewindow.common.schemas import MAX_ID


class RatingIn(BaseModel):
    level: str = Field(..., max_length=20, description="very_satisfied / satisfied / basic / unsatisfied / very_unsatisfied")
    reasons: list[str] = Field(default_factory=list, max_length=10, description="差评原因（从列表中选择）")
    comment: str = Field("", max_length=500)


class RatingOut(BaseModel):
    id: int
    matter_id: int
    level: str
    level_label: str
    reasons: list[str]
    comment: str
    is_default: bool
    real_name: bool
    excluded: bool
    rated_on: date
    changed_at: datetime | None = None


class MatterOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    title: str
    department_id: int | None
    staff_id: int | None = None
    completed_on: date
    default_due_on: date
    rated: bool
    my_rating: RatingOut | None = None


class MatterPageOut(BaseModel):
    items: list[MatterOut]
    total: int
    page: int
    per_page: int


class RatingPageOut(BaseModel):
    items: list[RatingOut]
    total: int
    page: int
    per_page: int


class VisitIn(BaseModel):
    department_id: int = Field(..., ge=1, le=MAX_ID, description="所办事项的部门")
    title: str = Field("窗口服务", max_length=200)
    item_code: str | None = Field(None, max_length=40)


class VisitOut(BaseModel):
    matter_id: int
    token: str
    url: str


class CallbackOut(BaseModel):
    id: int
    rating_id: int
    department_id: int
    status: str
    status_label: str
    deadline: date
    sla_state: str
    note: str | None
    rectification_id: int | None
    confirmation: str | None
    version: int


class CallbackIn(BaseModel):
    note: str = Field(..., max_length=2000, description="回访情况")
    version: int | None = Field(None, ge=1, le=MAX_ID)


class ConfirmIn(BaseModel):
    satisfied: bool
    comment: str = Field("", max_length=2000)
    version: int | None = Field(None, ge=1, le=MAX_ID)


class AppealOut(BaseModel):
    id: int
    rating_id: int
    department_id: int
    status: str
    status_label: str
    reason: str
    filename: str | None
    decision: str | None
    version: int


class DecisionIn(BaseModel):
    uphold: bool
    decision: str = Field("", max_length=2000, description="审核意见")
    version: int | None = Field(None, ge=1, le=MAX_ID)


class StatLineOut(BaseModel):
    key: str
    label: str
    total: int
    good: int
    bad: int
    defaulted: int
    real_bad: int
    closed: int
    on_time: int
    good_rate: float | None
    bad_rate: float | None
    rated_share: float | None
    rectified_rate: float | None
    on_time_rate: float | None


class StatisticsOut(BaseModel):
    by: str
    total: StatLineOut
    lines: list[StatLineOut]
