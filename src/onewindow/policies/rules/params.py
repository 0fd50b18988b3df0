"""Dated parameters of the rule language: named thresholds, rates and lists, each a typed list of
values in force from their date until the next one's (``$规上营收门槛`` is 2000万元 until 2024 and
3000万元 from 2025). Rules and amount formulas read them "as of" the evaluation date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from onewindow.policies.rules.parser import parse_money
from onewindow.policies.rules.profile import TYPE_NAMES

PARAMETER_TYPES = ("int", "money", "date", "bool", "str", "set")


class ParameterError(ValueError):
    """An unknown parameter, a badly typed value, or no value in force on a date."""


@dataclass
class Parameter:
    name: str
    type: str
    label: str = ""
    values: list[tuple[dt.date, Any]] = field(default_factory=list)  # sorted by effective date

    def value_at(self, day: dt.date) -> Any:
        current = None
        found = False
        for effective_from, value in self.values:
            if effective_from > day:
                break
            current, found = value, True
        if not found:
            raise ParameterError(f"参数「${self.name}」在 {day.isoformat()} 尚无生效的值")
        return current


class Parameters:
    """Named parameters, each a typed list of (effective_from, value); a value is in force from
    its date until the next one's."""

    def __init__(self) -> None:
        self._items: dict[str, Parameter] = {}
        self.version = 0  # bumped on every change, so compiled match plans know when to recompile

    def define(self, name: str, type: str, values: Mapping[Any, Any] | Iterable = (), label: str = "") -> Parameter:
        if type not in PARAMETER_TYPES:
            raise ParameterError(f"参数「${name}」的类型「{type}」无效，应为 {'/'.join(PARAMETER_TYPES)} 之一")
        param = self._items[name] = Parameter(name, type, label)
        self.version += 1
        pairs = values.items() if isinstance(values, Mapping) else values
        for effective_from, value in pairs:
            self.add(name, effective_from, value)
        return param

    def add(self, name: str, effective_from: dt.date | str, value: Any) -> None:
        param = self.get(name)
        day = _as_date(effective_from, f"参数「${name}」的生效日期")
        param.values = sorted([*(v for v in param.values if v[0] != day), (day, _param_value(param, value))])
        self.version += 1

    def get(self, name: str) -> Parameter:
        try:
            return self._items[name]
        except KeyError:
            raise ParameterError(f"未知参数「${name}」") from None

    def value_at(self, name: str, day: dt.date) -> Any:
        return self.get(name).value_at(day)

    def type_of(self, name: str) -> str | None:
        param = self._items.get(name)
        return param.type if param else None

    def names(self) -> list[str]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, Any]]) -> Parameters:
        """``{"规上营收门槛": {"type": "money", "values": {"2011-01-01": "2000万元"}}}`` (YAML-friendly);
        ``values`` may also be a list of ``{"from": …, "value": …}``."""
        params = cls()
        for name, spec in data.items():
            values = spec.get("values", {})
            if not isinstance(values, Mapping):
                values = [(item["from"], item["value"]) for item in values]
            params.define(name, spec["type"], values, label=spec.get("label", ""))
        return params


def _as_date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ParameterError(f"{what}「{value}」不是有效日期") from None


def _param_value(param: Parameter, value: Any) -> Any:
    bad = ParameterError(f"参数「${param.name}」是{TYPE_NAMES[param.type]}，值「{value!r}」类型不符")
    kind = param.type
    if kind == "money":
        if isinstance(value, str):
            try:
                return parse_money(value)
            except ValueError as exc:
                raise ParameterError(f"参数「${param.name}」：{exc}") from None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if kind == "date":
        return _as_date(value, f"参数「${param.name}」的值")
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if kind == "set":
        if isinstance(value, str) or not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
            raise bad
        return frozenset(value)
    if not isinstance(value, str):
        raise bad
    return value
