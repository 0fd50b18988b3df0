"""API shapes of the catalogue, generated from the column specs in fields.py so the API, the YAML
and the xlsx formats cannot drift apart."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from onewindow.catalog.fields import BUNDLE_ITEM, DEPARTMENT, FORM_FIELD, ITEM, MATERIAL
from onewindow.common.columns import Col

_KINDS = {"str": str, "text": str, "int": int, "bool": bool, "date": date, "list": list[str]}


def _field(col: Col, *, output: bool):
    typ = Literal[col.choices] if col.choices else _KINDS[col.kind]  # type: ignore[valid-type]
    extra = {"description": col.label}
    if col.kind == "int":
        extra.update(ge=col.min, le=col.max)
    if col.kind == "str":
        extra["max_length"] = col.max_len
    if col.pattern is not None and col.kind == "str" and col.key != "shared_source":
        extra["pattern"] = col.pattern.pattern
    required = col.required and col.default is None
    if output or required:
        return (typ if required else typ | None, Field(... if required else None, **extra))
    default = list(col.default) if col.kind == "list" else col.default
    return (typ | None, Field(default, **extra))


def _model(name: str, cols: tuple[Col, ...], *, output: bool = False, **extra_fields):
    fields = {c.key: _field(c, output=output) for c in cols}
    fields.update(extra_fields)
    return create_model(name, __config__=ConfigDict(extra="forbid" if not output else "ignore"), **fields)


MaterialIn = _model("MaterialIn", MATERIAL)
FormFieldIn = _model("FormFieldIn", FORM_FIELD)
ItemIn = _model("ItemIn", tuple(c for c in ITEM if c.key not in ("status",)),
                materials=(list[MaterialIn], Field(default=[], max_length=100)),
                form_fields=(list[FormFieldIn], Field(default=[], max_length=200)))
MaterialOut = _model("MaterialOut", MATERIAL, output=True)
FormFieldOut = _model("FormFieldOut", FORM_FIELD, output=True)
ItemOut = _model("ItemOut", ITEM, output=True, department_name=(str, ...),
                 materials=(list[MaterialOut], ...), form_fields=(list[FormFieldOut], ...))
DepartmentOut = _model("DepartmentOut", DEPARTMENT, output=True, id=(int, ...))
BundleItemIn = _model("BundleItemIn", BUNDLE_ITEM)


class BundleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z0-9-]{2,40}$", description="一件事编码")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    status: Literal["draft", "published"] = "draft"
    core_item: str | None = Field(default=None, max_length=40, description="核心事项（其部门为牵头部门）")
    items: list[BundleItemIn] = Field(max_length=200)
    expected_version: int | None = Field(default=None, ge=1, le=2**31 - 1, description="乐观锁：修改时带上读到的版本")


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    core_item: str | None = Field(default=None, max_length=40)
    items: list[BundleItemIn] = Field(max_length=200)


class ItemPage(BaseModel):
    items: list[ItemOut]  # type: ignore[valid-type]
    total: int
    page: int
    per_page: int


class ReductionOut(BaseModel):
    label: str
    separate: int
    bundled: int
    saved: int
    percent: float


class MergedMaterialOut(BaseModel):
    code: str
    name: str
    required: bool
    pending_allowed: bool
    shared_source: str | None
    replaced: bool
    used_by: list[str]


class MergedFieldOut(BaseModel):
    key: str
    label: str
    type: str
    required: bool
    shared_source: str | None
    prefilled: bool
    used_by: list[str]


class PlanOut(BaseModel):
    order: list[str]
    stages: list[list[str]]
    lead_item: str
    lead_department: str
    critical_path: list[str]
    materials: list[MergedMaterialOut]
    fields: list[MergedFieldOut]
    reductions: dict[str, ReductionOut]


class BundleOut(BaseModel):
    code: str
    name: str
    description: str
    status: str
    core_item: str | None
    version: int
    items: list[dict]
    plan: PlanOut


class PublishIn(BaseModel):
    valid_from: date | None = Field(default=None, description="生效日期，缺省为今天")


class ImportOut(BaseModel):
    departments: int
    items: int
    unchanged_items: int
    bundles: int
    sha256: str
