"""The vectorised evaluator of a checked rule: :func:`to_polars` compiles the typed AST to one
``polars.Expr`` over a DataFrame whose columns are the profile fields (see
:meth:`.profile.Schema.frame`), with exactly the three-valued logic of :func:`.rules_compile.explain`
(a Hypothesis test checks the two agree). The batch engine also builds its shared atoms from
:func:`condition_expr`.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Mapping
from functools import reduce
from typing import TYPE_CHECKING, Any

import polars as pl

from onewindow.policies.rules import arith as rules_arith
from onewindow.policies.rules import industries
from onewindow.policies.rules.arith import WIDE, Rational, Width, field_refs, is_arithmetic
from onewindow.policies.rules.compiler import COMPARISONS, explain
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
)

if TYPE_CHECKING:  # pragma: no cover
    from onewindow.policies.rules.core import CompiledRule, Parameters


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
                result = COMPARISONS[node.op](left, right)
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
        return COMPARISONS[node.op](left if lcol else lit(left), right if rcol else lit(right))

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


