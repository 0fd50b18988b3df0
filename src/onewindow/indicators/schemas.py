"""Indicators' JSON shapes (the API and openapi.json)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DefinitionOut(BaseModel):
    code: str
    version: int
    name: str
    category: str
    formula: str
    numerator: str
    denominator: str | None
    unit: str
    direction: str
    target: float | None
    lead_unit: str
    has_source: bool
    source_note: str = Field(description="「暂无数据来源」when a measure's domain is not installed")


class FigureOut(BaseModel):
    code: str
    version: int
    period: str
    unit_kind: str
    unit_key: str
    unit_label: str
    numerator: float
    denominator: float | None
    value: float | None


class ComputeIn(BaseModel):
    periods: list[str] = Field(min_length=1, max_length=40)


class ComputeOut(BaseModel):
    periods: int
    written: int
    discrepancies: int


class RecordOut(BaseModel):
    ref: str
    title: str
    department_id: int | None
    item_code: str | None
    on: str | None
    value: float
    link: str


class DrillOut(BaseModel):
    code: str
    period: str
    unit_kind: str
    unit_key: str
    part: str
    measure: str
    measure_label: str
    total: float
    complete: bool
    records: list[RecordOut]


class ImportOut(BaseModel):
    written: int
    unchanged: int


class ReportOut(BaseModel):
    id: int
    kind: str
    period: str
    title: str
    status: str
    version: int
    rectifications: int


class ReportIn(BaseModel):
    kind: str = Field(max_length=10)
    period: str = Field(max_length=8)
