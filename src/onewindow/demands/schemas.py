"""What the demands API takes and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from onewindow.common.schemas import MAX_ID

Ids = list[Annotated[int, Field(ge=1, le=MAX_ID)]]  # an id past 32 bits is bad input, not a crash


class DemandIn(BaseModel):
    channel: str = Field(..., max_length=12, description="hotline / web / mobile / window / scan / other")
    kind: str = Field(..., max_length=12, description="consult 咨询 / help 求助 / complaint 投诉 / report 举报 / suggestion 建议")
    urgency: str = Field("general", max_length=8, description="urgent 紧急 / general 一般 / complex 复杂")
    subject: str = Field(..., max_length=200)
    content: str = Field(..., max_length=5000)
    topic: str = Field("", max_length=40)
    region: str = Field("", max_length=40)
    location: str = Field("", max_length=200)
    filer_name: str = Field("", max_length=64)
    filer_phone: str = Field("", max_length=20)
    filer_id_number: str = Field("", max_length=18)
    confidential: bool = Field(False, description="保密：对承办单位隐藏诉求人身份")
    anonymous: bool = Field(False, description="匿名（仅码上监督）")
    enterprise_name: str = Field("", max_length=200)
    enterprise_uscc: str = Field("", max_length=18)
    window_department_id: int | None = Field(None, ge=1, le=MAX_ID)
    item_code: str = Field("", max_length=40)
    case_code: str = Field("", max_length=40)
    idempotency_key: str | None = Field(None, min_length=8, max_length=80, description="重试时同一键只生成一件诉求")


class AssignmentOut(BaseModel):
    id: int
    department_id: int
    role: str
    role_label: str
    status: str
    active: bool
    returned_reason: str
    sign_due: datetime | None = None
    sign_sla_state: str = "normal"
    sign_sla_label: str = ""


class DemandOut(BaseModel):
    code: str
    channel: str
    channel_label: str
    kind: str
    kind_label: str
    urgency: str
    urgency_label: str
    topic: str
    region: str
    subject: str
    content: str
    location: str
    filer_name: str
    filer_phone: str
    filer_id_number: str
    masked: bool
    anonymous: bool
    confidential: bool
    enterprise_name: str
    enterprise_uscc: str
    window_department_id: int | None
    item_code: str
    case_code: str
    received_at: datetime
    status: str
    status_label: str
    due_stage: str | None
    due: datetime | date | None
    due_label: str
    due_note: str
    sla_state: str
    sla_label: str
    lead_department_id: int | None
    reply: str
    replied_at: datetime | None
    direct: bool
    reopened: int
    satisfaction: str | None
    resolved: bool | None
    closed_at: datetime | None
    closed_how: str | None
    version: int
    assignments: list[AssignmentOut]


class DemandPageOut(BaseModel):
    items: list[DemandOut]
    total: int
    page: int
    per_page: int


class HistoryOut(BaseModel):
    at: datetime
    actor_name: str
    department_id: int | None
    action: str
    message: str


class TrackLine(BaseModel):
    at: datetime
    message: str


class TrackOut(BaseModel):
    code: str
    kind_label: str
    subject: str
    received_at: datetime
    status_label: str
    reply: str
    closed_at: datetime | None
    history: list[TrackLine]


class IdentityOut(BaseModel):
    filer_name: str
    filer_phone: str
    filer_id_number: str


class RevealIn(BaseModel):
    reason: str = Field(..., max_length=200, description="查看完整号码的事由（记入审计）")


class UnitSuggestionOut(BaseModel):
    lead_department_id: int
    assist_department_ids: Ids
    route_id: int
    level: str


class Versioned(BaseModel):
    version: int = Field(..., ge=1, le=MAX_ID, description="读取时的版本号，过期则 409")


class AnswerIn(Versioned):
    article_id: int = Field(..., ge=1, le=MAX_ID)
    text: str = Field("", max_length=5000)


class DispatchIn(Versioned):
    lead_department_id: int = Field(..., ge=1, le=MAX_ID)
    assist_department_ids: Ids = Field(default_factory=list, max_length=5)
    note: str = Field("", max_length=500)


class SignIn(BaseModel):
    version: int | None = Field(None, ge=1, le=MAX_ID)


class ReasonIn(Versioned):
    reason: str = Field(..., max_length=2000)


class ReplyIn(Versioned):
    text: str = Field(..., max_length=5000)


class ExtensionIn(BaseModel):
    reason: str = Field(..., max_length=2000)
    days: int = Field(0, ge=0, le=30)
    hours: int = Field(0, ge=0, le=48)


class ExtensionOut(BaseModel):
    id: int
    status: str
    status_label: str
    reason: str
    unit: str
    amount: int
    decision: str
    version: int


class DecisionIn(Versioned):
    approve: bool
    decision: str = Field("", max_length=2000)


class CallbackIn(Versioned):
    satisfaction: str = Field(..., max_length=12, description="satisfied 满意 / basic 基本满意 / unsatisfied 不满意")
    resolved: bool
    note: str = Field("", max_length=2000)
    reopen: bool = False
    reasons: str = Field("", max_length=2000)


class SuperviseIn(BaseModel):
    reason: str = Field(..., max_length=2000)
    days: int = Field(2, ge=1, le=30)


class SupervisionOut(BaseModel):
    id: int
    department_id: int
    superior_id: int | None
    status: str
    status_label: str
    reason: str
    due_on: date
    sla_state: str
    response: str
    version: int


class ResponseIn(Versioned):
    response: str = Field(..., max_length=2000)


class LimitIn(BaseModel):
    kind: str = Field("*", max_length=12)
    urgency: str = Field(..., max_length=8)
    dispatch_minutes: int = Field(..., ge=1, le=10000)
    reply_unit: str = Field(..., max_length=14, description="working_days / working_hours")
    reply_amount: int = Field(..., ge=1, le=100000, description="工作日数，或工作分钟数")
    callback_days: int = Field(2, ge=1, le=30)
    sign_minutes: int | None = Field(None, ge=1, le=10000, description="签收时限（工作分钟）；不填取默认：紧急30，其余120")


class LimitOut(LimitIn):
    id: int


class ImportedRowOut(BaseModel):
    row: int = Field(..., description="文件中的行号（表头为第1行）")
    code: str
    subject: str
    suggested_department_id: int | None = Field(None, description="按分派规则建议的主办单位")


class DemandImportOut(BaseModel):
    filename: str
    sha256: str
    created: list[ImportedRowOut] = Field(..., description="本次新建的诉求")
    existing: list[ImportedRowOut] = Field(..., description="来源渠道和来源编号已导入过的行（未重复生成）")


class RouteIn(BaseModel):
    kind: str = Field("", max_length=12, description="诉求类型；空为任意类型")
    topic: str = Field("", max_length=40, description="所属领域；空为任意")
    region: str = Field("", max_length=40, description="区域；空为任意")
    department_id: int = Field(..., ge=1, le=MAX_ID, description="建议的主办单位")
    assist_ids: Ids = Field(default_factory=list, max_length=5, description="建议的协办单位")
    priority: int = Field(100, ge=1, le=10000, description="条件同样具体时，数字小的优先")
    active: bool = True


class RoutePatch(BaseModel):
    kind: str | None = Field(None, max_length=12)
    topic: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=40)
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    assist_ids: Ids | None = Field(None, max_length=5)
    priority: int | None = Field(None, ge=1, le=10000)
    active: bool | None = None


class RouteOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    topic: str
    region: str
    department_id: int
    department_name: str
    level: str
    assist_ids: Ids
    assist_names: list[str]
    priority: int
    active: bool
