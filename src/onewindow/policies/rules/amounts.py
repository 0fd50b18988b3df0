"""Award amounts: a fixed sum of money, or a formula over the enterprise's data.

    check_amount("5万元")                                    # fixed: 5_000_000 fen
    check_amount(1500)                                       # fixed, already in fen
    check_amount({"formula": "min(失业保险缴费 * 60%, 50万元)"}, parameters)

A formula is written in the rule language's arithmetic (:mod:`.arith`: ``+ - * /``,
parentheses, ``min``/``max``, percents, decimals, money with a unit, fields by code or Chinese
label, ``$parameters``) and must come out as money: ``从业人数 * 1000元`` is money, ``从业人数 * 2``
is not. It is computed exactly and only the final amount is rounded, **down to the fen** (an
award never pays a fraction of a fen more than the policy grants). A formula that comes out
**negative pays 0**: a policy grants money, it never claws it back through a formula (a
fixed amount or a formula of constants that is negative is rejected when saved). When a field
the formula reads is unknown, or a divisor is zero, the amount is unknown (``None``): the
matching engine then does not count it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from onewindow.policies.rules import arith as rules_arith
from onewindow.policies.rules.core import Parameters, _Checker
from onewindow.policies.rules.frames import full_height, rational_expr
from onewindow.policies.rules.parser import (
    ErrorItem,
    FieldRef,
    Literal,
    Node,
    ParamRef,
    RuleError,
    format_money,
    parse,
    parse_money,
)
from onewindow.policies.rules.profile import PROFILE_SCHEMA, Schema, age_in_years

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

__all__ = ["Amount", "check_amount"]


@dataclass(frozen=True, eq=False)
class Amount:
    """A checked amount: ``fixed`` fen, or a typed formula ``node`` over ``fields``."""

    text: str  # as written ("5万元", or the formula)
    fixed: int | None
    node: Node | None = None
    fields: frozenset[str] = frozenset()  # stored fields read (age_years counts as established_on)
    parameter_names: frozenset[str] = frozenset()
    parameters: Parameters | None = None
    schema: Schema = PROFILE_SCHEMA

    @property
    def is_formula(self) -> bool:
        return self.node is not None

    def source(self, node: Node) -> str:
        return self.text[node.pos.start : node.pos.end]

    def describe(self) -> str:
        """How the amount reads: ``5万元`` or ``min(失业保险缴费 × 60%, 50万元)``."""
        if self.node is None:
            return format_money(self.fixed or 0)
        return rules_arith.describe(self.node, self.source)

    def evaluate(self, profile: Mapping[str, Any], as_of: dt.date, parameters: Parameters | None = None) -> int | None:
        """The amount in fen for one enterprise, or None when data it reads is unknown."""
        if self.node is None:
            return self.fixed
        return self.evaluate_coerced(self.schema.coerce(profile), as_of, parameters)

    def evaluate_coerced(self, values: Mapping[str, Any], as_of: dt.date, parameters: Parameters | None = None) -> int | None:
        """:meth:`evaluate` on a profile already passed through ``schema.coerce``."""
        if self.node is None:
            return self.fixed
        params = parameters if parameters is not None else self.parameters

        def leaf(node: Node) -> Any:
            if isinstance(node, FieldRef):
                if node.field.derived_from:
                    return age_in_years(values.get(node.field.derived_from), as_of)
                return values.get(node.field.name)
            if isinstance(node, ParamRef):
                return params.value_at(node.name, as_of)
            assert isinstance(node, Literal)
            return node.value

        result = rules_arith.value(self.node, leaf)
        return None if result is None else rules_arith.floor_fen(result)

    def to_polars(self, as_of: dt.date, parameters: Parameters | None = None) -> pl.Expr:
        """An Int64 expression: the amount in fen per row, null where :meth:`evaluate` is None."""
        import polars as pl

        if self.node is None:
            return pl.repeat(self.fixed, pl.len(), dtype=pl.Int64).alias("amount")
        params = parameters if parameters is not None else self.parameters
        return full_height(rules_arith.floor_expr(rational_expr(self.node, as_of, params))).alias("amount")


def check_amount(value: Any, parameters: Parameters | None = None, schema: Schema = PROFILE_SCHEMA) -> Amount:
    """Check an amount as written in the library: money text, int fen, or ``{"formula": …}``.
    Raises :class:`RuleError` listing every problem (positions relative to the formula text)."""
    parameters = parameters if parameters is not None else Parameters()
    if isinstance(value, bool) or value is None:
        raise _error(str(value), "金额应写作带单位的金额（如 5万元）或公式 {formula: …}")
    if isinstance(value, int):
        if value < 0:
            raise _error(str(value), "金额不能为负数")
        return Amount(format_money(value), value, parameters=parameters, schema=schema)
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("-", "－"):
            raise _error(text, "金额不能为负数")
        try:
            fen = parse_money(text)
        except ValueError as exc:
            raise _error(text, str(exc)) from None
        return Amount(text, fen, parameters=parameters, schema=schema)
    if isinstance(value, Mapping):
        extra = sorted(str(k) for k in value if k != "formula")
        if extra or "formula" not in value:
            what = f"未知的键「{'、'.join(extra)}」；" if extra else ""
            raise _error(str(dict(value)), f"{what}公式金额应写作 {{formula: \"…\"}}，分阶段金额只能用于奖补事项的 amount")
        formula = value["formula"]
        if not isinstance(formula, str):
            raise _error(str(formula), "公式应为文本，如 \"min(失业保险缴费 * 60%, 50万元)\"")
        return _formula(formula, parameters, schema)
    raise _error(repr(value), "金额应写作带单位的金额（如 5万元）或公式 {formula: …}，不能是小数")


def _error(text: str, message: str) -> RuleError:
    return RuleError([ErrorItem(1, 1, text, f"第1行第1列：{message}")])


def _formula(text: str, parameters: Parameters, schema: Schema) -> Amount:
    tree = parse(text, start="amount")
    checker = _Checker(text, parameters, schema)
    typed = checker.operand(tree)
    if typed is not None:
        node, kind = typed
        if kind != "money":
            checker.error(node, f"金额公式的结果须为金额，而{checker.describe(node, kind)}不是金额；"
                          "请乘以带单位的金额（如 从业人数 * 1000元）或比例（如 失业保险缴费 * 60%）")
        else:
            message = rules_arith.check_bounds(None, [node], checker.param_bound)
            if message:
                checker.error(node, message)
            elif not checker.fields and not checker.params:
                constant = rules_arith.value(node, lambda leaf: leaf.value)
                if constant is not None and constant < 0:
                    checker.error(node, f"金额不能为负数：「{text.strip()}」的结果为 {format_money(int(constant))}")
    if checker.errors or typed is None:
        raise RuleError(checker.errors)
    return Amount(
        text, None, node, frozenset(checker.fields), frozenset(checker.params), parameters=parameters, schema=schema
    )

