"""API shapes of the shared-data registries."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class ReadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    actor_role: str
    application_id: int | None
    registry_kind: str = Field(description="enterprise 企业登记库 / person 人口库 / licence 电子证照库 / credit 信用库")
    subject: str = Field(description="主体代码（已脱敏）")
    fields: list[str] = Field(description="读取的属性，如 enterprise.name、licence:营业执照")
    purpose: str


class ReadPage(BaseModel):
    items: list[ReadOut]
    total: int
    page: int
    per_page: int


class EnterpriseOut(BaseModel):
    uscc: str = Field(description="统一社会信用代码")
    name: str
    entity_type: str
    industry_code: str = Field(description="国民经济行业分类（GB/T 4754）代码")
    registered_capital_fen: int = Field(description="注册资本（分）")
    established_on: date
    region_code: str
    address: str
    legal_person_name: str
    legal_person_id_number: str = Field(description="法定代表人身份证号（已脱敏）")
    status: str = Field(description="存续 / 注销 / 吊销")
    tax_credit_grade: str | None = Field(description="纳税信用等级 A/B/M/C/D")
    tax_paid_fen: int = Field(description="上一完整年度纳税额（分）")
    insured_employees: int = Field(description="参保职工人数")
    certifications: list[str] = Field(description="高新技术企业、专精特新等认定")
