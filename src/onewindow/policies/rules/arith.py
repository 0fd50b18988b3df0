"""Arithmetic in rules and amount formulas: types, exact evaluation, the vectorised form, and how
a formula reads in Chinese.

Types (checked when a rule or amount is saved)::

    int ± int → int          int × int → int           int ÷ int → number
    number with int/number → number                    (number: an exact fraction, e.g. 60%, 1.5)
    money ± money → money    money × number → money    money ÷ number → money
    money ÷ money → number   money × money: error      number ÷ money: error
    min(…) / max(…): all money → money, all int → int, int/number mixed → number

Dates, text, yes/no and sets do not take part in arithmetic. Values are exact: Python
``int``/``Fraction`` for one enterprise (:func:`value`), and for the vectorised engines a
numerator and a positive denominator in 128-bit integers (:func:`rational`), so that comparing
``裁员人数 <= 从业人数 * 5.5%`` cross-multiplies (``裁员人数 * 200 <= 从业人数 * 11``) instead of
rounding. Division by zero makes the value unknown (like missing data), never an error at run time.

128-bit integers hold every product of two 64-bit values; a formula whose intermediate values
could exceed that (three fields multiplied together, say) is rejected when it is saved
(:func:`check_bounds`), since a wrapped integer would silently give a wrong amount.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

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
)
from onewindow.policies.rules.profile import TYPE_NAMES

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from onewindow.policies.rules.core import _Checker

NUMERIC = ("int", "number")
ARITHMETIC = ("int", "number", "money")
KIND_NAMES = {**TYPE_NAMES, "number": "数值", "setlit": "集合"}
FUNCTIONS = ("min", "max")
SYMBOLS = {"+": "+", "-": "-", "*": "×", "/": "÷"}
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
LIMIT = 2**127 - 1  # largest Int128
FIELD_BOUND = 2**63  # |Int64|, the widest a profile column can be

Number = int | Fraction


# --- types ----------------------------------------------------------------------------------


def result_kind(op: str, lt: str, rt: str) -> str | None:
    """The type of ``l op r``, or None when the combination is not allowed."""
    if lt in NUMERIC and rt in NUMERIC:
        return "int" if lt == rt == "int" and op != "/" else "number"
    if op in "+-":
        return "money" if lt == rt == "money" else None
    if op == "*":
        return "money" if {lt, rt} in ({"money", "int"}, {"money", "number"}) else None
    if lt == "money":  # "/"
        return "number" if rt == "money" else "money"
    return None


def check_arith(checker: _Checker, node: Arith) -> tuple[Node, str] | None:
    left, right = checker.operand(node.left), checker.operand(node.right)
    if left is None or right is None:
        return None
    (lnode, lt), (rnode, rt) = left, right
    for n, k in ((lnode, lt), (rnode, rt)):
        if k not in ARITHMETIC:
            checker.error(n, f"{checker.describe(n, k)}不能参与算术运算（+ - × ÷）", _field(n))
            return None
    kind = result_kind(node.op, lt, rt)
    if kind is None:
        checker.error(node, _mismatch(checker, node.op, lnode, lt, rnode, rt), _field(lnode) or _field(rnode))
        return None
    if node.op == "/" and isinstance(rnode, Literal) and rnode.value == 0:
        checker.error(rnode, "除数不能为 0")
        return None
    return Arith(node.pos, node.op, lnode, rnode, kind), kind


def _mismatch(checker: _Checker, op: str, lnode: Node, lt: str, rnode: Node, rt: str) -> str:
    sym = SYMBOLS[op]
    if op == "*":
        return f"两个金额不能相乘（{checker.src(lnode)} × {checker.src(rnode)}）：请把其中一个写成比例或倍数，如 60%"
    if op == "/":
        return f"不能用{checker.describe(lnode, lt)}除以金额{checker.describe(rnode, rt)}"
    plain = rnode if rt != "money" else lnode
    if isinstance(plain, Literal):
        return f"金额只能与金额相加减，「{checker.src(plain)}」请写明单位，如 {checker.src(plain)}元 或 {checker.src(plain)}万元"
    return f"{checker.describe(lnode, lt)}与{checker.describe(rnode, rt)}不能相{'加' if sym == '+' else '减'}：金额只能与金额相加减"


def check_call(checker: _Checker, node: Call) -> tuple[Node, str] | None:
    if node.name not in FUNCTIONS:
        checker.error(node, f"未知函数「{node.name}」，可用的函数：min（取较小值）、max（取较大值）")
        return None
    if len(node.args) < 2:
        checker.error(node, f"{node.name}(…) 至少需要两个值，如 {node.name}(失业保险缴费 * 60%, 50万元)")
        return None
    typed = [checker.operand(arg) for arg in node.args]
    if any(t is None for t in typed):
        return None
    for n, k in typed:
        if k not in ARITHMETIC:
            checker.error(n, f"{checker.describe(n, k)}不能用于 {node.name}(…)，只能比较数值或金额", _field(n))
            return None
    kinds = {k for _, k in typed}
    if "money" in kinds and kinds != {"money"}:
        checker.error(node, f"{node.name}(…) 中的值须同为金额或同为数值，金额请写明单位")
        return None
    kind = "money" if kinds == {"money"} else ("int" if kinds == {"int"} else "number")
    return Call(node.pos, node.name, [n for n, _ in typed], kind), kind


def _field(node: Node):
    return node.field if isinstance(node, FieldRef) else None


def is_arithmetic(node: Node) -> bool:
    return isinstance(node, Arith | Call) or (isinstance(node, Literal) and node.kind == "number")


def field_refs(node: Node) -> list[FieldRef]:
    """Every field read by an operand or condition, in reading order."""
    if isinstance(node, FieldRef):
        return [node]
    if isinstance(node, Arith):
        return field_refs(node.left) + field_refs(node.right)
    if isinstance(node, Call):
        return [r for arg in node.args for r in field_refs(arg)]
    if isinstance(node, Compare):
        return field_refs(node.left) + field_refs(node.right)
    if isinstance(node, Bare):
        return field_refs(node.operand)
    if isinstance(node, And | Or):
        return [r for item in node.items for r in field_refs(item)]
    if isinstance(node, Not):
        return field_refs(node.item)
    return []


def is_condition(node: Node) -> bool:
    return isinstance(node, And | Or | Not | Compare | Bare)


# --- exact evaluation, one enterprise -------------------------------------------------------


def value(node: Node, leaf: Callable[[Node], Any]) -> Number | None:
    """The exact value of an arithmetic operand; ``leaf`` gives a field's, parameter's or
    literal's value. None when a value read is unknown or a divisor is zero."""
    if isinstance(node, Arith):
        left, right = value(node.left, leaf), value(node.right, leaf)
        return apply(node.op, left, right)
    if isinstance(node, Call):
        values = [value(arg, leaf) for arg in node.args]
        if any(v is None for v in values):
            return None
        return min(values) if node.name == "min" else max(values)
    return leaf(node)


def apply(op: str, left: Number | None, right: Number | None) -> Number | None:
    if left is None or right is None:
        return None
    if op == "+":
        return _tidy(left + right)
    if op == "-":
        return _tidy(left - right)
    if op == "*":
        return _tidy(left * right)
    return None if right == 0 else _tidy(Fraction(left) / right)


def _tidy(x: Number) -> Number:
    return x.numerator if isinstance(x, Fraction) and x.denominator == 1 else x


def floor_fen(x: Number) -> int:
    """An amount's final value: floored to the fen; a negative result pays nothing (0)."""
    return max(0, math.floor(x))


# --- vectorised form ------------------------------------------------------------------------


@dataclass(frozen=True)
class Width:
    """The integer type of the vectorised arithmetic and the largest magnitude it holds."""

    dtype: str
    limit: int


WIDE = Width("Int128", LIMIT)  # any data: every product of two 64-bit values fits
NARROW = Width("Int64", 2**63 - 1)  # when the data's actual magnitudes allow it: several times faster


@dataclass
class Rational:
    """``num / den`` with ``den > 0``; each part is a Python int (a constant) or a polars integer
    expression; ``nb``/``db`` bound their magnitudes so overflow is caught before it happens."""

    num: Any
    den: Any
    nb: int
    db: int
    null: bool = False  # a constant unknown (a constant divisor of zero)

    @property
    def constant(self) -> bool:
        return isinstance(self.num, int) and isinstance(self.den, int)


class Overflow(ValueError):
    pass


def _guard(width: Width, *bounds: int) -> None:
    for b in bounds:
        if b > width.limit:
            raise Overflow("公式中相乘的字段过多，中间结果可能超出精确计算的范围（约 ±1.7×10³⁸）；请简化公式")


def _lit(x: Any, width: Width) -> pl.Expr:
    import polars as pl

    return pl.lit(x, getattr(pl, width.dtype)) if isinstance(x, int) else x


def constant(x: Number | None) -> Rational:
    if x is None:
        return Rational(0, 1, 0, 1, null=True)
    f = Fraction(x)
    return Rational(f.numerator, f.denominator, abs(f.numerator), f.denominator)


def column(expr: pl.Expr, bound: int = FIELD_BOUND, width: Width = WIDE) -> Rational:
    """A column as a rational; ``bound``: the largest magnitude it holds (the type's, or the data's)."""
    import polars as pl

    return Rational(expr.cast(getattr(pl, width.dtype)), 1, bound, 1)


def _mul(a: Any, b: Any, w: Width) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if isinstance(a, int):
        return b if a == 1 else _lit(a, w) * b
    if isinstance(b, int):
        return a if b == 1 else a * _lit(b, w)
    return a * b


def _add(a: Any, b: Any, sign: int, w: Width) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        return a + sign * b
    return _lit(a, w) + _lit(b, w) if sign > 0 else _lit(a, w) - _lit(b, w)


def rational(node: Node, leaf: Callable[[Node], Rational], width: Width = WIDE) -> Rational:
    """The vectorised exact value of an operand; ``leaf`` gives a field as :func:`column` and a
    constant as :func:`constant`. Raises :class:`Overflow` if ``width`` might not be enough."""
    import polars as pl

    w = width
    if isinstance(node, Arith):
        a, b = rational(node.left, leaf, w), rational(node.right, leaf, w)
        if a.null or b.null:
            return constant(None)
        if a.constant and b.constant:
            return constant(apply(node.op, Fraction(a.num, a.den), Fraction(b.num, b.den)))
        if node.op in "+-":
            sign = 1 if node.op == "+" else -1
            if isinstance(a.den, int) and isinstance(b.den, int):
                lcm = math.lcm(a.den, b.den)
                fa, fb = lcm // a.den, lcm // b.den
                _guard(w, a.nb * fa, b.nb * fb, a.nb * fa + b.nb * fb)
                return Rational(_add(_mul(a.num, fa, w), _mul(b.num, fb, w), sign, w), lcm, a.nb * fa + b.nb * fb, lcm)
            _guard(w, a.nb * b.db, b.nb * a.db, a.nb * b.db + b.nb * a.db, a.db * b.db)
            num = _add(_mul(a.num, b.den, w), _mul(b.num, a.den, w), sign, w)
            return Rational(num, _mul(a.den, b.den, w), a.nb * b.db + b.nb * a.db, a.db * b.db)
        if node.op == "*":
            _guard(w, a.nb * b.nb, a.db * b.db)
            return Rational(_mul(a.num, b.num, w), _mul(a.den, b.den, w), a.nb * b.nb, a.db * b.db)
        # division: multiply by the divisor's reciprocal, keeping the denominator positive
        _guard(w, a.nb * b.db, a.db * b.nb)
        if b.constant:
            if b.num == 0:
                return constant(None)
            sign = 1 if b.num > 0 else -1
            return Rational(_mul(a.num, b.den * sign, w), _mul(a.den, abs(b.num), w), a.nb * b.db, a.db * b.nb)
        divisor = _lit(b.num, w)
        num = pl.when(divisor != 0).then(_lit(_mul(a.num, b.den, w), w) * divisor.sign())  # zero → unknown
        return Rational(num, _lit(a.den, w) * divisor.abs(), a.nb * b.db, a.db * b.nb)
    if isinstance(node, Call):
        values = [rational(arg, leaf, w) for arg in node.args]
        if any(v.null for v in values):
            return constant(None)
        result = values[0]
        for other in values[1:]:
            result = _pick(node.name, result, other, w)
        return result
    return leaf(node)


def _pick(name: str, a: Rational, b: Rational, w: Width) -> Rational:
    """min/max of two values; unknown if either is."""
    import polars as pl

    if a.constant and b.constant:
        fa, fb = Fraction(a.num, a.den), Fraction(b.num, b.den)
        return constant(min(fa, fb) if name == "min" else max(fa, fb))
    left, right = _cross(a, b, w)
    first = left <= right if name == "min" else left >= right
    unknown = first.is_null()
    num = pl.when(unknown).then(None).when(first).then(_lit(a.num, w)).otherwise(_lit(b.num, w))
    den = pl.when(unknown).then(None).when(first).then(_lit(a.den, w)).otherwise(_lit(b.den, w))
    return Rational(num, den, max(a.nb, b.nb), max(a.db, b.db))


def _cross(a: Rational, b: Rational, w: Width) -> tuple[pl.Expr, pl.Expr]:
    _guard(w, a.nb * b.db, b.nb * a.db)
    return _lit(_mul(a.num, b.den, w), w), _lit(_mul(b.num, a.den, w), w)


def compare(op: str, a: Rational, b: Rational, width: Width = WIDE) -> pl.Expr | bool | None:
    """``a op b`` exactly, by cross-multiplying the denominators (both positive)."""
    import operator

    ops = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
    if a.null or b.null:
        return None
    if a.constant and b.constant:
        return ops[op](Fraction(a.num, a.den), Fraction(b.num, b.den))
    left, right = _cross(a, b, width)
    return ops[op](left, right)


def floor_expr(r: Rational, width: Width = WIDE) -> pl.Expr:
    """The amount in fen: floored (integer ``//`` rounds toward −∞), negatives paying 0."""
    import polars as pl

    if r.null:
        return pl.lit(None, pl.Int64)
    if r.constant:
        return pl.lit(floor_fen(Fraction(r.num, r.den)), pl.Int64)
    return (_lit(r.num, width) // _lit(r.den, width)).clip(lower_bound=0).cast(pl.Int64)


def check_bounds(op: str | None, nodes: list[Node], param_bound: Callable[[str], int]) -> str | None:
    """The overflow message if evaluating ``nodes`` (compared with ``op``, or one amount when op is
    None) might exceed 128 bits for any data, else None. Parameters count at their largest value."""
    import polars as pl

    def leaf(node: Node) -> Rational:
        if isinstance(node, FieldRef):
            return column(pl.col(node.field.name))
        if isinstance(node, ParamRef):
            return column(pl.lit(0), param_bound(node.name))
        if isinstance(node, Literal) and isinstance(node.value, int | Fraction) and not isinstance(node.value, bool):
            return constant(node.value)
        return column(pl.lit(0), 1)

    try:
        values = [rational(n, leaf) for n in nodes]
        if op is not None and len(values) == 2:
            compare(op, *values)
    except Overflow as exc:
        return str(exc)
    return None


# --- reading ---------------------------------------------------------------------------------


def describe(node: Node, source: Callable[[Node], str], parent: int = 0, right: bool = False) -> str:
    """``min(失业保险缴费 × 60%, 50万元)``: fields by Chinese label, × and ÷, literals as written."""
    if isinstance(node, FieldRef):
        return node.field.label
    if isinstance(node, ParamRef):
        return f"${node.name}"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(describe(arg, source) for arg in node.args)})"
    if isinstance(node, Arith):
        mine = PRECEDENCE[node.op]
        text = f"{describe(node.left, source, mine)} {SYMBOLS[node.op]} {describe(node.right, source, mine, True)}"
        # parenthesise a looser operation inside a tighter one, and a - b / a ÷ b on the right
        return f"({text})" if mine < parent or (mine == parent and right) else text
    return source(node).strip()
