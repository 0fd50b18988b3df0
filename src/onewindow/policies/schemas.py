"""API shapes of the policy library. Inputs use the library file's spelling (money as text with a unit,
amounts as ``5万元`` / ``{formula: …}`` / ``{stages: […]}``), so a form, the API and an import are
checked by the same validator; outputs give money in fen and, beside it, as text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from onewindow.cases.schemas import AuthorisationIn
from onewindow.common.schemas import MAX_ID
from onewindow.policies.library.validate import amount_value
from onewindow.policies.rules.core import format_money

from .models import AwardItem, Policy, PolicyParameter, PolicyTestCase

CODE_PATTERN = r"^[A-Z0-9-]{2,40}$"
Level = Literal["国家级", "省级", "市级", "县级"]


class TestCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    __test__ = False  # not a pytest class

    name: str = Field(min_length=1, max_length=200)
    as_of: date = Field(description="按哪一天的规则和参数计算")
    profile: dict[str, Any] = Field(description="企业画像：字段名 → 值；金额写成带单位的文本，如 2000万元")
    eligible: bool
    amount: str | None = Field(default=None, max_length=40, description="预期金额，如 5万元（符合条件时）")


class TestCaseOut(BaseModel):
    __test__ = False

    name: str
    as_of: date
    profile: dict[str, Any]
    eligible: bool
    amount_fen: int | None

    @classmethod
    def of(cls, case: PolicyTestCase) -> TestCaseOut:
        return cls(name=case.name, as_of=case.as_of, profile=case.profile, eligible=case.expected_eligible,
                   amount_fen=case.expected_amount_fen)


class AwardItemIn(BaseModel):
    """A draft version of an award item, as one item of the library file plus its policy and group."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE_PATTERN, description="事项编码")
    policy: str = Field(pattern=CODE_PATTERN, description="所属政策编码")
    title: str = Field(min_length=1, max_length=200)
    department: str = Field(max_length=32, description="兑现责任部门编码（事项目录中的部门）")
    tags: list[str] = Field(default=[], max_length=50)
    description: str = Field(default="", max_length=20000)
    rule: str = Field(min_length=1, max_length=20000, description="申报条件，用规则语言书写")
    amount: str | dict[str, Any] = Field(description="5万元、{formula: …} 或 {stages: [{name, when, amount}]}")
    budget: str | None = Field(default=None, max_length=40, description="资金上限，如 500万元")
    auto_grant: bool = Field(default=False, description="免申即享")
    recurrence: Literal["once", "yearly"] = "once"
    apply_item: str | None = Field(default=None, max_length=40, description="申报所用的目录事项编码（非免申事项）")
    valid_from: date | None = None
    valid_to: date | None = None
    group: str | None = Field(default=None, max_length=40, description="所属互斥组编码")
    tests: list[TestCaseIn] | None = Field(default=None, max_length=200, description="测试用例；省略则保留原有用例")

    def library_data(self) -> dict[str, Any]:
        """The dict ``library.save_draft`` takes (the file's spelling; absent tests keep the stored ones)."""
        data = self.model_dump(exclude_none=True, exclude={"tests", "group"})
        data["group"] = self.group
        if self.tests is not None:
            data["tests"] = [t.model_dump(exclude_none=True) for t in self.tests]
        return data


class AwardItemOut(BaseModel):
    code: str
    version: int
    status: str
    policy: str
    title: str
    department: str
    department_name: str
    tags: list[str]
    description: str
    rule: str
    amount: Any = Field(description="金额，写法同政策库文件")
    budget_fen: int | None
    budget_text: str | None
    auto_grant: bool
    recurrence: str
    apply_item: str | None
    group: str | None
    valid_from: date | None
    valid_to: date | None
    published_at: datetime | None

    @classmethod
    def of(cls, item: AwardItem, *, policy: str, department: str, department_name: str) -> AwardItemOut:
        """``policy`` and ``department`` are codes (the version stores ids; callers listing many items
        look the codes up once)."""
        return cls(code=item.code, version=item.version, status=item.status, policy=policy,
                   title=item.title, department=department, department_name=department_name,
                   tags=list(item.tags or []), description=item.description, rule=item.rule,
                   amount=amount_value(item.amount), budget_fen=item.budget_fen,
                   budget_text=None if item.budget_fen is None else format_money(item.budget_fen),
                   auto_grant=item.auto_grant, recurrence=item.recurrence, apply_item=item.apply_item_code,
                   group=item.exclusive_group, valid_from=item.valid_from, valid_to=item.valid_to,
                   published_at=item.published_at)


class AwardItemDetailOut(AwardItemOut):
    tests: list[TestCaseOut]
    versions: list[int]


class PolicyOut(BaseModel):
    code: str
    doc_number: str
    title: str
    issuer: str
    level: str
    published_on: date | None
    valid_from: date | None
    valid_to: date | None
    tags: list[str]

    @classmethod
    def of(cls, policy: Policy) -> PolicyOut:
        return cls(code=policy.code, doc_number=policy.doc_number, title=policy.title, issuer=policy.issuer,
                   level=policy.level, published_on=policy.published_on, valid_from=policy.valid_from,
                   valid_to=policy.valid_to, tags=list(policy.tags or []))


class PolicyDetailOut(PolicyOut):
    full_text: str
    items: list[AwardItemOut]


class PolicyPage(BaseModel):
    items: list[PolicyOut]
    total: int
    page: int
    per_page: int


class AwardItemPage(BaseModel):
    items: list[AwardItemOut]
    total: int
    page: int
    per_page: int


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_from: date | None = Field(default=None, description="生效日期，缺省为草稿的生效日期或今天")


class ParameterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_\u4e00-\u9fff]{1,60}$", description="规则中写作 $名称")
    type: Literal["int", "money", "date", "bool", "str", "set"]
    label: str = Field(default="", max_length=200)


class ParameterValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_from: date
    value: str | int | bool | list[str] = Field(description="金额写成带单位的文本，如 2000万元；集合写成列表")


class ParameterValueOut(BaseModel):
    effective_from: date
    value: Any


class ParameterOut(BaseModel):
    name: str
    type: str
    label: str
    values: list[ParameterValueOut]

    @classmethod
    def of(cls, param: PolicyParameter, values: list[tuple[date, Any]]) -> ParameterOut:
        return cls(name=param.name, type=param.type, label=param.label,
                   values=[ParameterValueOut(effective_from=d, value=v) for d, v in values])


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = Field(default=None, pattern=CODE_PATTERN, description="上级互斥组")
    note: str = Field(default="", max_length=20000)


class GroupOut(BaseModel):
    code: str
    name: str
    parent: str | None
    note: str
    items: list[str] = Field(description="现行版本属于本组的事项")


class CaseFailureOut(BaseModel):
    item: str
    name: str
    message: str


class TestReportOut(BaseModel):
    __test__ = False

    items: int
    cases: int
    ok: bool
    summary: str
    failures: list[CaseFailureOut]
    untested: list[str] = Field(description="没有测试用例的事项")


class ImportOut(BaseModel):
    parameters: int
    parameter_values: int
    groups: int
    policies: int
    versions: list[str]
    unchanged_items: int
    tests: int
    sha256: str


# =====================================================================================================
# API shapes of matching, applying and 免申即享 disbursements — added with policies/api.py (pages/API).
# =====================================================================================================

class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: str | None = Field(default=None, min_length=1, max_length=40,
                                  description="只重新匹配该事项（及其互斥组）；与 enterprise_ids 都省略则全量匹配")
    enterprise_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, min_length=1, max_length=10000, description="只重新匹配这些企业")


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str = Field(description="full / enterprises / item")
    scope: str
    as_of: date
    enterprise_count: int
    item_count: int
    match_count: int
    duration_ms: int
    started_by: str
    started_at: datetime


class StatisticsOut(BaseModel):
    item_code: str
    title: str
    department_id: int
    auto_grant: bool
    eligible_count: int
    awarded_count: int
    eligible_total_fen: int
    awarded_total_fen: int
    budget_fen: int | None
    paid_count: int
    paid_total_fen: int


class EnterpriseOut(BaseModel):
    id: int
    uscc: str
    name: str


class MatchOut(BaseModel):
    item_code: str
    title: str
    policy_code: str
    policy_title: str
    doc_number: str
    eligible_amount_fen: int = Field(description="按条件测算的金额（互斥与资金上限之前）")
    awarded_amount_fen: int = Field(description="可享金额；同组已享更高标准时为 0")
    outcome: str = Field(description="awarded / superseded / budget_reduced")
    outcome_label: str
    superseded_by: str | None = Field(description="同组以最高标准为准：胜出的事项编码")
    auto_grant: bool
    recurrence: str
    stage_amounts: dict[str, int]
    award_period: str
    paid_fen: int
    paid: bool
    paid_via: list[str]
    matched_at: datetime


class ConditionOut(BaseModel):
    text: str = Field(description="规则原文")
    field: str | None
    label: str | None
    outcome: str = Field(description="failed（不满足）/ missing（缺少数据）")
    actual: str
    required: str


class MissingOut(BaseModel):
    field: str
    label: str
    condition: str


class StageOut(BaseModel):
    name: str
    holds: bool | None
    amount_fen: int | None


class ItemExplanationOut(BaseModel):
    code: str
    title: str
    eligible: bool
    status: str = Field(description="eligible / ineligible / undetermined（缺少数据无法判断）")
    amount_fen: int | None
    outcome: str | None
    awarded_amount_fen: int
    superseded_by: str | None
    stages: list[StageOut]
    conditions: list[ConditionOut]
    missing: list[MissingOut]


class ExplanationOut(BaseModel):
    enterprise_id: int
    name: str
    as_of: date
    items: list[ItemExplanationOut]


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enterprise_id: int = Field(ge=1, le=MAX_ID)
    contact_phone: str = Field(default="", max_length=20)
    authorisation: AuthorisationIn | None = Field(
        default=None, description="帮办代办须登记申请人授权（授权书编号）；综合窗口现场核验身份时可省略")


class ApplyOut(BaseModel):
    application_id: int
    status: str
    title: str
    award: dict[str, Any] = Field(description="奖补事项、年度、各阶段及测算金额（分）")


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: str = Field(min_length=1, max_length=40, description="免申即享奖补事项编码")
    period: str = Field(pattern=r"^20\d{2}$", description="兑现期间（年度），如 2026")


class VersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=MAX_ID, description="页面所见的批次版本号（乐观锁）")


class ExcludeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="剔除理由")
    version: int = Field(ge=1, le=MAX_ID, description="页面所见的批次版本号（乐观锁）")


class IncludeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=MAX_ID, description="页面所见的批次版本号（乐观锁）")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="作废理由")
    version: int = Field(ge=1, le=MAX_ID, description="页面所见的批次版本号（乐观锁）")


class PayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_reference: str = Field(min_length=1, max_length=64, description="支付凭证号；同一凭证号重试不会重复记账")
    version: int = Field(ge=1, le=MAX_ID)


class BatchOut(BaseModel):
    id: int
    item_code: str
    item_version: int
    item_title: str
    period: str
    sequence: int
    status: str
    status_label: str
    line_count: int
    total_fen: int
    generated_by: str
    generated_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    payment_reference: str | None
    paid_at: datetime | None
    version: int


class BatchPage(BaseModel):
    items: list[BatchOut]
    total: int
    page: int
    per_page: int


class LineOut(BaseModel):
    id: int
    enterprise_id: int
    enterprise_name: str
    uscc: str
    stage: str
    amount_fen: int
    status: str
    status_label: str
    excluded_reason: str | None
    excluded_by: str | None


class LinePage(BaseModel):
    items: list[LineOut]
    total: int
    page: int
    per_page: int


class LedgerOut(BaseModel):
    id: int
    enterprise_id: int
    enterprise_name: str
    uscc: str
    item_code: str
    item_title: str
    stage: str
    award_period: str
    amount_fen: int
    source: str = Field(description="batch（免申即享批次）或 application（申请兑现）")
    batch_id: int | None
    case_code: str | None
    payment_reference: str
    paid_at: datetime


class LedgerPage(BaseModel):
    items: list[LedgerOut]
    total: int
    page: int
    per_page: int
