"""API shapes of the policy library. Inputs use the library file's spelling (money as text with a unit,
amounts as ``5万元`` / ``{formula: …}`` / ``{stages: […]}``), so a form, the API and an import are
checked by the same validator; outputs give money in fen and, beside it, as text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import AwardItem, Policy, PolicyParameter, PolicyTestCase
from .rules import format_money
from .validate import amount_value

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
