"""The reference evaluator of a checked rule (:class:`.rules.CompiledRule`).

- :func:`explain` walks the typed AST for one enterprise profile (a dict) and says why: the
  straightforward evaluator every faster path is tested against.
- :func:`.rules_polars.to_polars` compiles the same AST to one vectorised ``polars.Expr``;
  :class:`.rules_reasons.Reasons` gives the same reasons for thousands of rules at once.

Both use three-valued (Kleene) logic for unknown data — a condition reading a null is unknown;
``false and unknown`` is false, ``true or unknown`` is true, ``not unknown`` is unknown — and
a rule holds only when definitely true (Polars' ``&``, ``|``, ``~`` and comparisons propagate
nulls exactly so; the final ``fill_null(False)`` makes "unknown" "not eligible"). A Hypothesis
test checks the two agree on random rules and profiles with missing values.

Parameters are resolved "as of" the evaluation date, and ``age_years`` is derived from
``established_on`` on that date, identically in both. Arithmetic operands are exact in both:
``Fraction`` here, 128-bit numerator/denominator pairs in Polars (:mod:`.arith`).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from onewindow.policies.rules import arith as rules_arith
from onewindow.policies.rules import industries
from onewindow.policies.rules.arith import field_refs
from onewindow.policies.rules.parser import (
    And,
    Arith,
    Bare,
    Call,
    Compare,
    FieldRef,
    Literal,
    Node,
    Not,
    Or,
    ParamRef,
    SetLiteral,
    format_money,
)
from onewindow.policies.rules.profile import age_in_years

if TYPE_CHECKING:  # pragma: no cover

    from onewindow.policies.rules.core import CompiledRule, Parameters

COMPARISONS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_OP_TEXT = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "in": "属于", "has": "包含", "under": "属于行业"}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_NEGATED_TEXT = {"in": "不属于", "has": "不包含", "under": "不属于行业"}


# --- per-enterprise evaluator ---------------------------------------------------------------


@dataclass
class Condition:
    """A leaf condition that is not satisfied (``outcome`` "failed") or cannot be decided
    because data is missing ("missing")."""

    text: str  # as written in the rule
    field: str | None  # the (first) field read
    label: str | None
    outcome: str  # failed | missing
    actual: str  # e.g. 「从业人数：15」
    required: str  # e.g. 「从业人数 ≥ 20」
    negated: bool = False  # under a `not`: the condition held but must not


@dataclass
class MissingData:
    field: str
    label: str
    condition: str  # the rule text that needs it


@dataclass
class Explanation:
    eligible: bool
    status: str  # eligible | ineligible | undetermined (unknown because of missing data)
    conditions: list[Condition] = field(default_factory=list)
    missing: list[MissingData] = field(default_factory=list)

    @property
    def failed(self) -> list[Condition]:
        return [c for c in self.conditions if c.outcome == "failed"]


class _Eval:
    def __init__(
        self, rule: CompiledRule, profile: Mapping[str, Any], as_of: dt.date, parameters: Parameters, coerced: bool = False
    ) -> None:
        """``coerced``: the profile already went through ``schema.coerce`` (the engine coerces an
        enterprise once for all its items)."""
        self.rule, self.as_of, self.parameters = rule, as_of, parameters
        self.profile = profile if coerced else rule.schema.coerce(profile)
        self.values: dict[int, bool | None] = {}

    def operand(self, node: Node) -> Any:
        if isinstance(node, Arith | Call):
            return rules_arith.value(node, self.operand)
        if isinstance(node, FieldRef):
            if node.field.derived_from:
                return age_in_years(self.profile.get(node.field.derived_from), self.as_of)
            return self.profile.get(node.field.name)
        if isinstance(node, ParamRef):
            return self.parameters.value_at(node.name, self.as_of)
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, SetLiteral):
            return frozenset(item.value for item in node.items)
        raise TypeError(node)  # pragma: no cover

    def value(self, node: Node) -> bool | None:
        result = self._value(node)
        self.values[id(node)] = result
        return result

    def _value(self, node: Node) -> bool | None:
        if isinstance(node, And):
            results = [self.value(item) for item in node.items]  # evaluate all: explanations need every leaf
            return False if False in results else (None if None in results else True)
        if isinstance(node, Or):
            results = [self.value(item) for item in node.items]
            return True if True in results else (None if None in results else False)
        if isinstance(node, Not):
            inner = self.value(node.item)
            return None if inner is None else not inner
        if isinstance(node, Bare):
            v = self.operand(node.operand)
            return None if v is None else bool(v)
        assert isinstance(node, Compare)
        left, right = self.operand(node.left), self.operand(node.right)
        if left is None or right is None:
            return None
        if node.op == "in":
            return left in right
        if node.op == "has":
            return right in left
        if node.op == "under":
            return industries.covers(right, left)
        return COMPARISONS[node.op](left, right)

    # explanation
    def collect(self, node: Node, want: bool, out: list[Condition], missing: list[MissingData]) -> None:
        got = self.values[id(node)]
        if got is want:
            return
        if isinstance(node, And | Or):
            for item in node.items:
                self.collect(item, want, out, missing)
        elif isinstance(node, Not):
            self.collect(node.item, not want, out, missing)
        else:
            self.leaf(node, got, negated=not want, out=out, missing=missing)

    def leaf(self, node: Node, got: bool | None, negated: bool, out: list[Condition], missing: list[MissingData]) -> None:
        refs = list({id(r.field): r for r in field_refs(node)}.values())  # each field once, in reading order
        text = self.rule.source(node)
        actual = "；".join(f"{r.field.label}：{self.show(r, self.operand(r))}" for r in refs) or "—"
        if got is None:
            for r in refs:
                if self.operand(r) is None:
                    name = r.field.derived_from or r.field.name
                    stored = self.rule.schema.get(name)
                    if not any(m.field == name and m.condition == text for m in missing):
                        missing.append(MissingData(name, stored.label if stored else name, text))
        first = refs[0].field if refs else None
        out.append(
            Condition(
                text=text,
                field=first.name if first else None,
                label=first.label if first else None,
                outcome="missing" if got is None else "failed",
                actual=actual,
                required=self.required(node, negated),
                negated=negated,
            )
        )

    def required(self, node: Node, negated: bool) -> str:
        if isinstance(node, Bare):
            return f"{self.name(node.operand)}：{'否' if negated else '是'}"
        assert isinstance(node, Compare)
        op = node.op
        text = (_OP_TEXT[_NEGATED[op]] if op in _NEGATED else _NEGATED_TEXT[op]) if negated else _OP_TEXT[op]
        hint = next((n.field.type for n in (node.left, node.right) if isinstance(n, FieldRef)), None)
        hint = hint or next((n.kind for n in (node.left, node.right) if isinstance(n, Arith | Call)), None)
        return f"{self.name(node.left, hint)} {text} {self.name(node.right, hint)}"

    def name(self, node: Node, hint: str | None = None) -> str:
        """How an operand reads in a requirement: a field by its label, a constant by its value
        (shown as the type of the field it is compared with: money in 元/万元, industry with name),
        a formula as written with its value for this enterprise when known."""
        if isinstance(node, FieldRef):
            return node.field.label
        if isinstance(node, Arith | Call):
            text = rules_arith.describe(node, self.rule.source)
            result = self.operand(node)
            return text if result is None else f"{text}（={self.show_value(node.kind, result)}）"
        if isinstance(node, Literal) and node.kind == "number":
            return self.rule.source(node).strip()  # 5.5% reads better than 0.055
        shown = self.show_value(hint, self.operand(node))
        return f"{shown}（${node.name}）" if isinstance(node, ParamRef) else shown

    def show(self, ref: FieldRef, value: Any) -> str:
        if value is None:
            if ref.field.derived_from:
                return f"缺失（{self.rule.schema.get(ref.field.derived_from).label}未知）"
            return "缺失"
        return self.show_value(ref.field.type, value)

    def show_value(self, kind: str | None, value: Any) -> str:
        if isinstance(value, frozenset):
            inner = sorted(self.show_value(kind if kind != "set" else None, v) for v in value)
            return "{" + "、".join(inner) + "}" if inner else "无"
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, Fraction):
            return _show_fraction(value, kind)
        if kind == "money":
            return format_money(value)
        if kind == "industry":
            return industries.describe(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            return f"「{value}」"
        return str(value)


def _show_fraction(value: Fraction, kind: str | None) -> str:
    """A non-integral exact value, shown to 4 decimals (money in 元): 2.75, 61.7250元, ≈0.3333."""
    if kind == "money":
        yuan = value / 100
        text = f"{float(yuan):,.4f}".rstrip("0").rstrip(".")
        return f"{'' if yuan * 10_000 == int(yuan * 10_000) else '≈'}{text}元"
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return text if value * 10_000 == int(value * 10_000) else f"≈{text}"


def explain(
    rule: CompiledRule,
    profile: Mapping[str, Any],
    as_of: dt.date,
    parameters: Parameters | None = None,
    *,
    coerced: bool = False,
) -> Explanation:
    """Evaluate ``rule`` for one profile as of a date, with the reasons when it does not hold.
    ``coerced``: ``profile`` is already the output of ``rule.schema.coerce``."""
    ev = _Eval(rule, profile, as_of, parameters if parameters is not None else rule.parameters, coerced)
    result = ev.value(rule.node)
    explanation = Explanation(
        eligible=result is True,
        status="eligible" if result is True else ("ineligible" if result is False else "undetermined"),
    )
    if result is not True:
        ev.collect(rule.node, True, explanation.conditions, explanation.missing)
    return explanation


def evaluate_condition(node: Node, values: Mapping[str, Any], as_of: dt.date, parameters: Parameters) -> bool | None:
    """Kleene value of one typed condition for a profile already passed through ``schema.coerce``
    (the match engine's per-enterprise path evaluates each distinct atom once this way)."""
    return _Eval(None, values, as_of, parameters, coerced=True).value(node)  # type: ignore[arg-type]
