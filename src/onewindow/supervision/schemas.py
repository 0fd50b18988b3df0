"""What the supervision API takes and answers."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from onewindow.common.schemas import MAX_ID


class GradeOut(BaseModel):
    enterprise_id: int
    grade: str
    grade_label: str
    score: int
    rules_version: str
    dishonest: bool
    abnormal: bool
    computed_on: date


class RepairIn(BaseModel):
    enterprise_id: int = Field(..., ge=1, le=MAX_ID)
    record: str = Field(..., max_length=32, description="entry:<编号> 或 registry:<编号>")
    reason: str = Field(..., max_length=2000)


class PlanIn(BaseModel):
    department_id: int = Field(..., ge=1, le=MAX_ID)
    title: str = Field(..., max_length=200)
    period_start: date
    period_end: date
    matter_codes: list[str] = Field(..., max_length=50)
    ratios: dict[str, float] = Field(..., description="各信用等级抽查比例（0–1），如 {\"A\": 0.02, \"D\": 0.5}")
    team_size: int = Field(2, ge=1, le=5)


class AnnounceIn(BaseModel):
    public_value: str = Field(..., max_length=200, description="公开随机值，如某日证券指数收盘价")


class PlanOut(BaseModel):
    id: int
    title: str
    status: str
    status_label: str
    department_id: int
    period_start: date
    period_end: date
    pool_hash: str | None
    seed: str | None
    public_value: str | None


class PickOut(BaseModel):
    rank: int
    uscc: str
    grade: str
    inspectors: list[str]
    visit_on: str | None


class InspectionIn(BaseModel):
    enterprise_id: int = Field(..., ge=1, le=MAX_ID)
    visit_on: date
    purpose: str = Field(..., max_length=2000)
    matter_codes: list[str] = Field(default_factory=list, max_length=50)
    exception: str | None = Field(None, max_length=12, description="complaint / safety / law")
    exception_reason: str | None = Field(None, max_length=2000)


class UnapprovedVisitIn(BaseModel):
    """举报未经审批的入企检查: filed as a confidential 12345 投诉."""

    enterprise_id: int = Field(..., ge=1, le=MAX_ID)
    visited_on: date
    department_name: str = Field(..., max_length=100)
    description: str = Field(..., max_length=2000)
    phone: str = Field(..., max_length=20, description="联系电话")
    idempotency_key: str | None = Field(None, max_length=40)


class UnapprovedVisitOut(BaseModel):
    code: str = Field(..., description="诉求编号（凭编号和联系电话查询办理进度）")
    status_label: str


class DecisionIn(BaseModel):
    approve: bool
    decision: str = Field("", max_length=2000)


class InspectionOut(BaseModel):
    id: int
    enterprise_id: int
    kind: str
    status: str
    status_label: str
    visit_on: date
    department_ids: list[int]
    matter_codes: list[str]
    exception: str | None
    exception_reason: str | None


class ResultIn(BaseModel):
    matter_code: str = Field(..., max_length=32)
    result: str = Field(..., max_length=12, description="pass / rectify / case / tolerated / absent")
    note: str = Field("", max_length=2000)
    serious: bool = False
    tolerance_list_id: int | None = Field(None, ge=1, le=MAX_ID)
    tolerance_item: str | None = Field(None, max_length=16)


class FieldChange(BaseModel):
    field: str
    label: str
    before: str
    after: str


class ItemChange(BaseModel):
    no: str
    fields: list[FieldChange]


class DiffOut(BaseModel):
    code: str
    from_version: int
    to_version: int
    added: list[dict]
    removed: list[dict]
    changed: list[ItemChange]


class FeeTotalsOut(BaseModel):
    start: date
    end: date
    cases: int
    closed: int
    refund_fen: int
    refunded_fen: int
    enterprises: int
