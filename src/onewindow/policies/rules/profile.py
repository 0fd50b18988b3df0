"""The enterprise profile schema that policy rules are typed against.

A profile is a mapping field name → value. Types and their Python / Polars representations:

=========  ==========================  ==========================
type       Python value                Polars column
=========  ==========================  ==========================
int        ``int``                     Int64
money      ``int`` fen (分)            Int64
date       ``datetime.date``           Date
bool       ``bool``                    Boolean
str        ``str``                     Utf8
enum       ``str`` from ``choices``    Utf8
set        ``frozenset[str]``          List(Utf8)
industry   ``str`` GB/T 4754 class     Utf8
=========  ==========================  ==========================

``None`` (a null) means the value is unknown; an empty set means "known to have none".
``age_years`` is *derived*: it is always computed from ``established_on`` at the date the rule is
evaluated ("as of"), in whole years, so the same profile gives the right age on any date; a stored
age in the input is ignored. Set fields may declare a ``vocabulary``: a rule naming a value outside
it is rejected on save (a misspelt certification would otherwise silently match nobody).

Rules may name a field by its code name or by its Chinese label (``从业人数 >= 20``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TYPES = ("int", "money", "date", "bool", "str", "enum", "set", "industry")

TYPE_NAMES = {
    "int": "整数",
    "money": "金额",
    "date": "日期",
    "bool": "是/否",
    "str": "文本",
    "enum": "枚举",
    "set": "集合",
    "industry": "行业代码",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: str
    choices: tuple[str, ...] = ()  # enum values
    vocabulary: tuple[str, ...] = ()  # known members of a set field (empty: free text)
    derived_from: str | None = None  # a derived field is computed, never read from the input

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"unknown field type {self.type!r}")

    @property
    def title(self) -> str:
        """「employees」（从业人数）— how error messages name a field."""
        return f"「{self.name}」（{self.label}）"


CERTIFICATIONS = (
    "高新技术企业",
    "科技型中小企业",
    "创新型中小企业",
    "专精特新中小企业",
    '专精特新"小巨人"',
    "制造业单项冠军",
    "技术创新示范企业",
    "省级技术中心",
    "国家级技术中心",
    "瞪羚企业",
    "独角兽企业",
    "省级专精特新中小企业",
    "市级专精特新中小企业",
    "省级科技小巨人",
    "市级技术中心",
    "省级重点实验室",
    "省级工程技术研究中心",
    "市级工程技术研究中心",
    "省级新型研发机构",
    "国家级重点实验室",
)

# 统计局 and 证监局 flags. 新升规上 / 新升限上 / 新升规上服务业 mark an enterprise that entered the
# statistics this year (新规上, 小升规, 限下转限上 awards); the listing stages drive staged awards.
FLAGS = (
    "规上", "新升规上", "限上", "新升限上", "资质内建筑业", "新升资质内建筑业", "规上服务业",
    "新升规上服务业", "上市", "上市辅导备案", "上市申报受理", "新三板", "外资", "小微企业", "个体工商户",
)

TAX_CREDIT_GRADES = ("A", "B", "M", "C", "D")

PROFILE_FIELDS: tuple[Field, ...] = (
    Field("industry", "industry", "所属行业"),
    Field("region", "str", "所在地区"),
    Field("registered_capital", "money", "注册资本"),
    Field("established_on", "date", "成立日期"),
    Field("age_years", "int", "成立年限", derived_from="established_on"),
    Field("employees", "int", "从业人数"),
    Field("tax_paid", "money", "纳税额"),
    Field("tax_credit_grade", "enum", "纳税信用等级", choices=TAX_CREDIT_GRADES),
    Field("certifications", "set", "资质认定", vocabulary=CERTIFICATIONS),
    Field("violations", "int", "近三年违法违规次数"),
    Field("credit_serious", "bool", "严重失信"),
    Field("flags", "set", "企业标识", vocabulary=FLAGS),
    Field("revenue", "money", "营业收入"),
    Field("unemployment_insurance_paid", "money", "失业保险缴费"),
    Field("layoffs", "int", "裁员人数"),
    Field("graduates_hired", "int", "招用高校毕业生人数"),
    Field("rd_expense", "money", "研发费用"),
)


class Schema:
    """Fields by name and by Chinese label."""

    def __init__(self, fields: Iterable[Field]) -> None:
        self.fields: dict[str, Field] = {}
        self._by_label: dict[str, Field] = {}
        for field in fields:
            self.fields[field.name] = field
            self._by_label[field.label] = field

    def get(self, name: str) -> Field | None:
        return self.fields.get(name) or self._by_label.get(name)

    def names(self) -> list[str]:
        return list(self.fields) + list(self._by_label)

    def __iter__(self):
        return iter(self.fields.values())

    def stored(self) -> list[Field]:
        """Fields that are read from data (not derived)."""
        return [f for f in self.fields.values() if f.derived_from is None]

    def polars_schema(self) -> dict[str, Any]:
        import polars as pl

        dtypes = {
            "int": pl.Int64,
            "money": pl.Int64,
            "date": pl.Date,
            "bool": pl.Boolean,
            "str": pl.Utf8,
            "enum": pl.Utf8,
            "set": pl.List(pl.Utf8),
            "industry": pl.Utf8,
        }
        return {f.name: dtypes[f.type] for f in self.stored()}

    def coerce(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        """Python values for every stored field (absent → None); ISO date text and lists accepted.

        Raises ``ValueError`` with a Chinese message naming the field for a value of the wrong type.
        """
        out: dict[str, Any] = {}
        for field in self.stored():
            value = profile.get(field.name)
            out[field.name] = None if value is None else _coerce(field, value)
        return out

    def frame(self, profiles: Iterable[Mapping[str, Any]]):
        """A Polars DataFrame with one column per stored field, one row per profile."""
        import polars as pl

        rows = [self.coerce(p) for p in profiles]
        columns = {
            f.name: [sorted(r[f.name]) if f.type == "set" and r[f.name] is not None else r[f.name] for r in rows]
            for f in self.stored()
        }
        return pl.DataFrame(columns, schema=self.polars_schema())


def _coerce(field: Field, value: Any) -> Any:
    kind = field.type
    bad = ValueError(f"{field.title}应为{TYPE_NAMES[kind]}，而不是「{value!r}」")
    if kind in ("int", "money"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if kind == "date":
        if isinstance(value, dt.datetime):
            raise bad
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise bad from None
        raise bad
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if kind == "set":
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise bad
        items = frozenset(value)
        if not all(isinstance(item, str) for item in items):
            raise bad
        return items
    if not isinstance(value, str):
        raise bad
    if kind == "enum" and value not in field.choices:
        raise ValueError(f"{field.title}应为 {'/'.join(field.choices)} 之一，而不是「{value}」")
    return value


def age_in_years(established_on: dt.date | None, as_of: dt.date) -> int | None:
    """Whole years completed on ``as_of`` (the Polars engine uses the same formula)."""
    if established_on is None:
        return None
    later_in_year = (established_on.month, established_on.day) > (as_of.month, as_of.day)
    return as_of.year - established_on.year - int(later_in_year)


PROFILE_SCHEMA = Schema(PROFILE_FIELDS)
