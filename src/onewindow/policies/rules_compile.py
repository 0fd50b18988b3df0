"""The two evaluators of a checked rule (:class:`.rules.CompiledRule`).

- :func:`explain` walks the typed AST for one enterprise profile (a dict) and says why: the
  straightforward reference evaluator, also used for the enterprise's "why not" page.
- :func:`to_polars` compiles the same AST to one vectorised ``polars.Expr`` over a DataFrame
  whose columns are the profile fields (see :meth:`.profile.Schema.frame`): the batch engine.

Both use three-valued (Kleene) logic for unknown data — a condition reading a null is unknown;
``false and unknown`` is false, ``true or unknown`` is true, ``not unknown`` is unknown — and
a rule holds only when definitely true (Polars' ``&``, ``|``, ``~`` and comparisons propagate
nulls exactly so; the final ``fill_null(False)`` makes "unknown" "not eligible"). A Hypothesis
test checks the two agree on random rules and profiles with missing values.

Parameters are resolved "as of" the evaluation date, and ``age_years`` is derived from
``established_on`` on that date, identically in both. Arithmetic operands are exact in both:
``Fraction`` here, 128-bit numerator/denominator pairs in Polars (:mod:`.rules_arith`).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import reduce
from typing import TYPE_CHECKING, Any

from . import industries, rules_arith
from .profile import age_in_years
from .rules_arith import WIDE, Rational, Width, field_refs, is_arithmetic
from .rules_parser import (
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

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from .rules import CompiledRule, Parameters

_OPS = {
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
        return _OPS[node.op](left, right)

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


class Reasons:
    """:func:`explain`'s reasons for many rules and one coerced profile, each distinct leaf
    condition evaluated and formatted once.

    Rules are read as shapes (:func:`_shape`): a leaf condition is identified by its text and its
    typed content, and/or/not by their operands' shapes, so the leaves and subtrees that recur
    across rules (thousands of items share a region test, a threshold, an exclusion) are one shape
    here, evaluated and explained once for the profile. The result is exactly :func:`explain`'s:
    the same conditions and missing data, in the same order. The lists returned are the caller's;
    the :class:`Condition` and :class:`MissingData` in them are shared between calls (read them,
    do not change them)."""

    def __init__(self, profile: Mapping[str, Any], as_of: dt.date, parameters: Parameters) -> None:
        """``profile``: already the output of ``schema.coerce``."""
        self.profile, self.as_of, self.parameters = profile, as_of, parameters
        self._values: dict[_Shape, bool | None] = {}
        self._why: tuple[dict, dict] = ({}, {})  # by want (False, True): shape -> (conditions, missing)
        self._actual: dict[tuple[int, ...], str] = {}  # the fields read (schema, fields) -> their values shown

    def explain(self, rule: CompiledRule) -> tuple[list[Condition], list[MissingData]]:
        """The conditions and missing data of ``rule`` (:func:`explain`'s; none when it holds)."""
        node = rule.node
        entry = _RULE_SHAPES.get(id(node))
        if entry is not None and entry[0]() is node and entry[1] is rule.text and entry[2] is rule.schema:
            shape = entry[3]
        else:
            shape = _shape(rule)
        memo = self._why[True]
        kind = shape.kind
        if kind != "and" and kind != "or":
            conditions, missing = memo[shape] if shape in memo else self.why(shape, True)
            return conditions[:], missing[:]
        # an item's own and/or (rarely shared by two items): gathered straight into the caller's lists
        why = self.why
        conditions: list[Condition] = []
        missing: list[MissingData] = []
        for item in shape.items:  # an and holds when no operand is gathered
            found = memo[item] if item in memo else why(item, True)
            if found is _NOTHING:  # the operand holds
                if kind == "or":
                    return [], []
            else:
                conditions += found[0]
                if found[1]:
                    _add_missing(missing, found[1])
        return conditions, missing

    def value(self, shape: _Shape) -> bool | None:
        values = self._values
        if shape in values:
            return values[shape]
        kind = shape.kind
        if kind == "leaf":
            ev = _Eval(shape.rule, self.profile, self.as_of, self.parameters, coerced=True)
            result = ev._value(shape.node)
        elif kind == "not":
            inner = self.value(shape.items[0])
            result = None if inner is None else not inner
        else:  # every operand, as _Eval does
            value = self.value
            results = [values[item] if item in values else value(item) for item in shape.items]
            if kind == "and":
                result = False if False in results else (None if None in results else True)
            else:
                result = True if True in results else (None if None in results else False)
        values[shape] = result
        return result

    def why(self, shape: _Shape, want: bool) -> tuple[list[Condition], list[MissingData]]:
        """What :meth:`_Eval.collect` gathers under ``shape`` (lists never changed once made)."""
        memo = self._why[want]
        if shape in memo:
            return memo[shape]
        values = self._values
        kind = shape.kind
        if kind == "and" or kind == "or":
            items, value = shape.items, self.value
            results = [values[item] if item in values else value(item) for item in items]
            if shape in values:
                got = values[shape]
            elif kind == "and":
                got = values[shape] = False if False in results else (None if None in results else True)
            else:
                got = values[shape] = True if True in results else (None if None in results else False)
            if got is want:
                found = _NOTHING
            else:
                why = self.why
                parts = [
                    memo[item] if item in memo else why(item, want)
                    for item, result in zip(items, results, strict=True)
                    if result is not want
                ]
                if len(parts) == 1:
                    found = parts[0]
                else:
                    conditions, missing = [], []
                    for part_conditions, part_missing in parts:
                        conditions += part_conditions
                        if part_missing:
                            _add_missing(missing, part_missing)
                    found = (conditions, missing)
        else:
            got = values[shape] if shape in values else self.value(shape)
            if got is want:
                found = _NOTHING
            elif kind == "leaf":
                found = self._leaf(shape, got, not want)
            else:  # not
                found = self.why(shape.items[0], not want)
        memo[shape] = found
        return found

    def _leaf(self, shape: _Shape, got: bool | None, negated: bool) -> tuple[list[Condition], list[MissingData]]:
        """:meth:`_Eval.leaf`, with what does not depend on the profile made once per shape, and the
        actual values once per set of fields read."""
        static = shape.static if shape.static is not None else _leaf_static(shape)
        text, refs, name, label, fixed, actual_key = static
        rule, node = shape.rule, shape.node
        ev = None
        actual = self._actual.get(actual_key)
        if actual is None:
            ev = _Eval(rule, self.profile, self.as_of, self.parameters, coerced=True)
            actual = "；".join(f"{r.field.label}：{ev.show(r, ev.operand(r))}" for r in refs) or "—"
            self._actual[actual_key] = actual
        missing: list[MissingData] = []
        if got is None:
            ev = ev or _Eval(rule, self.profile, self.as_of, self.parameters, coerced=True)
            for r in refs:
                if ev.operand(r) is None:
                    field_name = r.field.derived_from or r.field.name
                    stored = rule.schema.get(field_name)
                    if not any(m.field == field_name and m.condition == text for m in missing):
                        missing.append(MissingData(field_name, stored.label if stored else field_name, text))
        if fixed is not None:
            required = fixed[negated]
        else:
            ev = ev or _Eval(rule, self.profile, self.as_of, self.parameters, coerced=True)
            required = ev.required(node, negated)
        outcome = "missing" if got is None else "failed"
        return [Condition(text, name, label, outcome, actual, required, negated)], missing


_NOTHING: tuple[list[Condition], list[MissingData]] = ([], [])


def _add_missing(missing: list[MissingData], more: list[MissingData]) -> None:
    """Append each field not already there for the same condition text, as :meth:`_Eval.leaf` does."""
    if not missing:
        missing += more
        return
    for m in more:
        if not any(x.field == m.field and x.condition == m.condition for x in missing):
            missing.append(m)


def _leaf_static(shape: _Shape) -> tuple:
    """A leaf's text, the fields it reads (each once, in reading order), the first field's name and
    label, its requirement (not negated, negated) when it reads no parameter or formula, and the
    key of its actual values."""
    rule, node = shape.rule, shape.node
    refs = list({id(r.field): r for r in field_refs(node)}.values())
    first = refs[0].field if refs else None
    fixed = None
    if _plain(node):  # the requirement names fields and constants only
        ev = _Eval(rule, {}, None, None, coerced=True)  # type: ignore[arg-type]
        fixed = (ev.required(node, False), ev.required(node, True))
    key = (id(rule.schema), *(id(r.field) for r in refs))  # alive while the shape holds its node
    static = (rule.source(node), refs, first.name if first else None, first.label if first else None, fixed, key)
    shape.static = static
    return static


def _plain(node: Node) -> bool:
    if isinstance(node, Compare):
        return _plain(node.left) and _plain(node.right)
    if isinstance(node, Bare):
        return _plain(node.operand)
    if isinstance(node, SetLiteral):
        return all(_plain(item) for item in node.items)
    return isinstance(node, FieldRef | Literal)


class _Shape:
    """A rule subtree up to what explaining it depends on (see :class:`Reasons`); interned."""

    __slots__ = ("kind", "items", "node", "rule", "static", "__weakref__")

    def __init__(self, kind: str, items: tuple[_Shape, ...], node: Node | None, rule: Any) -> None:
        self.kind, self.items = kind, items  # kind: and | or | not | leaf
        self.node, self.rule = node, rule  # a leaf: the first node seen with this text and content, its _Source
        self.static: tuple | None = None  # a leaf: see _leaf_static


class _Source:
    """What explaining a leaf reads of its rule: the text and the schema (not the rule itself, which
    holds its shape: a shape must not keep the rules it was first seen in alive)."""

    __slots__ = ("text", "schema")

    def __init__(self, rule: CompiledRule) -> None:
        self.text, self.schema = rule.text, rule.schema

    def source(self, node: Node) -> str:
        return self.text[node.pos.start : node.pos.end]


_SHAPES: weakref.WeakValueDictionary[Any, _Shape] = weakref.WeakValueDictionary()
_RULE_SHAPES: dict[int, tuple[weakref.ref, str, Any, _Shape]] = {}  # id(rule.node) -> (node, text, schema, shape)


def _shape(rule: CompiledRule) -> _Shape:
    node = rule.node
    entry = _RULE_SHAPES.get(id(node))
    if entry is not None and entry[0]() is node and entry[1] is rule.text and entry[2] is rule.schema:
        return entry[3]
    shape = _intern(rule, node)
    _RULE_SHAPES[id(node)] = (weakref.ref(node, functools.partial(_forget, id(node))), rule.text, rule.schema, shape)
    return shape


def _forget(key: int, ref: weakref.ref, shapes: dict = _RULE_SHAPES) -> None:
    """A rule's node is gone: forget its shape (``shapes`` bound here: it outlives the module at exit)."""
    entry = shapes.get(key)
    if entry is not None and entry[0] is ref:
        del shapes[key]


def _intern(rule: CompiledRule, node: Node) -> _Shape:
    if isinstance(node, And | Or | Not):
        kind = "and" if isinstance(node, And) else ("or" if isinstance(node, Or) else "not")
        items = tuple(_intern(rule, item) for item in (node.items if kind != "not" else [node.item]))
        key: Any = (kind, *items)
    else:
        kind, items = "leaf", ()
        key = ("leaf", rule.source(node), _content(rule, node))
        try:
            hash(key)
        except TypeError:  # pragma: no cover - a constant that cannot be a key: this node alone
            key = ("leaf", node)
    shape = _SHAPES.get(key)
    if shape is None:
        shape = _SHAPES[key] = _Shape(kind, items, node if kind == "leaf" else None, _Source(rule) if kind == "leaf" else None)
    return shape


def _content(rule: CompiledRule, node: Node) -> Any:
    """Everything of a typed leaf its value and explanation depend on, besides its text."""
    if isinstance(node, FieldRef):
        f = node.field
        stored = rule.schema.get(f.derived_from or f.name)
        derived = rule.schema.get(f.derived_from) if f.derived_from else None
        return ("field", f.name, f.type, f.label, f.derived_from, stored.label if stored else None,
                derived.label if derived else None)
    if isinstance(node, ParamRef):
        return ("param", node.name, node.type)
    if isinstance(node, Literal):
        return ("literal", node.kind, type(node.value), node.value, rule.source(node))
    if isinstance(node, SetLiteral):
        return ("set", *(_content(rule, item) for item in node.items))
    if isinstance(node, Arith):
        return ("arith", node.op, node.kind, _content(rule, node.left), _content(rule, node.right), rule.source(node))
    if isinstance(node, Call):
        return ("call", node.name, node.kind, rule.source(node), *(_content(rule, arg) for arg in node.args))
    if isinstance(node, Compare):
        return ("compare", node.op, _content(rule, node.left), _content(rule, node.right))
    if isinstance(node, Bare):
        return ("bare", _content(rule, node.operand))
    return ("node", node)  # anything else: this very node, never shared


# --- vectorised evaluator -------------------------------------------------------------------


def to_polars(rule: CompiledRule, as_of: dt.date, parameters: Parameters | None = None) -> pl.Expr:
    """A boolean ``polars.Expr`` that is true exactly for the rows where ``explain`` says eligible."""
    import polars as pl

    params = parameters if parameters is not None else rule.parameters
    if not rule.fields:  # constants only: a literal would not broadcast to the frame's height in select()
        value = explain(rule, {}, as_of, params).eligible
        return pl.repeat(value, pl.len(), dtype=pl.Boolean).alias("eligible")
    return full_height(condition_expr(rule.node, as_of, params)).fill_null(False).alias("eligible")


def full_height(expr: pl.Expr) -> pl.Expr:
    """``expr`` with one value per row even when it folded to a constant (a formula reading a field
    divided by a parameter that is zero is unknown for every row: a scalar, which ``select`` would
    not broadcast to the frame's height)."""
    import polars as pl

    return pl.when(pl.repeat(True, pl.len())).then(expr)


def age_expr(as_of: dt.date, column: str = "established_on") -> pl.Expr:
    """Whole years from ``column`` to ``as_of`` (same formula as :func:`.profile.age_in_years`)."""
    import polars as pl

    col = pl.col(column)
    later = (col.dt.month().cast(pl.Int64) * 100 + col.dt.day().cast(pl.Int64)) > (as_of.month * 100 + as_of.day)
    return pl.lit(as_of.year, pl.Int64) - col.dt.year().cast(pl.Int64) - later.cast(pl.Int64)


def operand_expr(
    node: Node, as_of: dt.date, params: Parameters, width: Width = WIDE, bounds: Mapping[str, int] | None = None
) -> tuple[Any, bool]:
    """(expression or Python value, is it a column expression) for a field, constant or formula;
    a formula reading fields becomes a :class:`.rules_arith.Rational` of ``width`` integers
    (``bounds``: the largest magnitude of each field in the data, when known)."""
    import polars as pl

    if isinstance(node, FieldRef):
        if node.field.derived_from:
            return age_expr(as_of, node.field.derived_from), True
        return pl.col(node.field.name), True
    if isinstance(node, ParamRef):
        return params.value_at(node.name, as_of), False
    if isinstance(node, Literal):
        return node.value, False
    if isinstance(node, SetLiteral):
        return frozenset(item.value for item in node.items), False
    if isinstance(node, Arith | Call):
        if not field_refs(node):
            return rules_arith.value(node, lambda leaf: operand_expr(leaf, as_of, params)[0]), False
        return rational_expr(node, as_of, params, width, bounds), True
    raise TypeError(node)  # pragma: no cover


def rational_expr(
    node: Node, as_of: dt.date, params: Parameters, width: Width = WIDE, bounds: Mapping[str, int] | None = None
) -> Rational:
    def leaf(n: Node) -> Rational:
        value, is_col = operand_expr(n, as_of, params)
        if not is_col:
            return rules_arith.constant(value)
        bound = bounds.get(n.field.name, rules_arith.FIELD_BOUND) if bounds is not None else rules_arith.FIELD_BOUND
        return rules_arith.column(value, bound, width)

    return rules_arith.rational(node, leaf, width)


def condition_expr(
    node: Node, as_of: dt.date, params: Parameters, width: Width = WIDE, bounds: Mapping[str, int] | None = None
) -> pl.Expr:
    """A boolean expression for a typed condition, null where the answer is unknown (Kleene).
    ``width``/``bounds``: as for :func:`operand_expr` (raises ``rules_arith.Overflow`` when the data
    bounds do not fit ``width``)."""
    import polars as pl

    def lit(value: Any) -> pl.Expr:
        return pl.lit(value, pl.Date) if isinstance(value, dt.date) else pl.lit(value)

    def build(node: Node) -> pl.Expr:
        if isinstance(node, And):
            return reduce(operator.and_, (build(item) for item in node.items))
        if isinstance(node, Or):
            return reduce(operator.or_, (build(item) for item in node.items))
        if isinstance(node, Not):
            return ~build(node.item)
        if isinstance(node, Bare):
            value, is_col = operand_expr(node.operand, as_of, params)
            return value if is_col else pl.lit(bool(value), pl.Boolean)
        assert isinstance(node, Compare)
        left, lcol = operand_expr(node.left, as_of, params, width, bounds)
        right, rcol = operand_expr(node.right, as_of, params, width, bounds)
        if not lcol and not rcol:  # constants only: decide now, exactly as explain() does
            if left is None or right is None:  # a constant formula dividing by zero
                return pl.lit(None, pl.Boolean)
            if node.op == "in":
                result = left in right
            elif node.op == "has":
                result = right in left
            elif node.op == "under":
                result = industries.covers(right, left)
            else:
                result = _OPS[node.op](left, right)
            return pl.lit(result, pl.Boolean)
        if is_arithmetic(node.left) or is_arithmetic(node.right):
            return _compare_exact(node, left, lcol, right, rcol, width, bounds or {})
        if node.op == "in":
            if not lcol:  # a constant in a set-valued parameter … only reached with a column on the right
                raise TypeError("in: the right side must be a constant set")  # pragma: no cover
            return left.is_in(pl.Series(sorted(right)).implode())
        if node.op == "has":
            return left.list.contains(lit(right))
        if node.op == "under":
            return left.str.starts_with(right)
        return _OPS[node.op](left if lcol else lit(left), right if rcol else lit(right))

    return build(node)


def _compare_exact(
    node: Compare, left: Any, lcol: bool, right: Any, rcol: bool, width: Width, bounds: Mapping[str, int]
) -> pl.Expr:
    """A comparison with a formula or fraction on either side, by cross-multiplication."""
    import polars as pl

    def as_rational(value: Any, is_col: bool, side: Node) -> Rational:
        if isinstance(value, Rational):
            return value
        if not is_col:
            return rules_arith.constant(value)
        name = side.field.name if isinstance(side, FieldRef) else ""
        return rules_arith.column(value, bounds.get(name, rules_arith.FIELD_BOUND), width)

    a = as_rational(left, lcol, node.left)
    if node.op == "in":
        tests = [rules_arith.compare("==", a, rules_arith.constant(v), width) for v in sorted(right)]
        return reduce(operator.or_, (t if isinstance(t, pl.Expr) else pl.lit(t, pl.Boolean) for t in tests))
    result = rules_arith.compare(node.op, a, as_rational(right, rcol, node.right), width)
    return result if isinstance(result, pl.Expr) else pl.lit(result, pl.Boolean)


def evaluate_condition(node: Node, values: Mapping[str, Any], as_of: dt.date, parameters: Parameters) -> bool | None:
    """Kleene value of one typed condition for a profile already passed through ``schema.coerce``
    (the match engine's per-enterprise path evaluates each distinct atom once this way)."""
    return _Eval(None, values, as_of, parameters, coerced=True).value(node)  # type: ignore[arg-type]
