"""Amount formulas evaluated in numpy on the rows where an item's rule holds.

Most formula items are small (a county's 稳岗返还 matches a few thousand enterprises), so building
and running a Polars query per item costs more than the arithmetic. This evaluates the formula's
typed AST directly on the gathered int64 columns, exactly as :func:`.rules_arith.rational` does
— numerator and positive denominator, cross-multiplication for ``min``/``max``, a zero divisor
making the value unknown — with bounds taken from the actual values, so that every intermediate
provably fits in 64 bits; when it might not, :class:`.rules_arith.Overflow` sends the caller to
the 128-bit Polars form.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from onewindow.policies.rules.arith import NARROW, Overflow, apply
from onewindow.policies.rules.parser import Arith, Call, FieldRef, Literal, Node, ParamRef

LIMIT = NARROW.limit


@dataclass
class _Value:
    num: Any  # int64 array, or a Python int for a constant
    den: Any  # int64 array or Python int, always > 0
    nb: int  # |num| <= nb
    db: int  # den <= db
    null: np.ndarray | None  # rows where the value is unknown (None: none are)

    @property
    def constant(self) -> bool:
        return isinstance(self.num, int) and isinstance(self.den, int)


def _guard(*bounds: int) -> None:
    if max(bounds) > LIMIT:
        raise Overflow("64 位整数不足以精确计算")


def _either(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    return a if b is None else a | b


def amounts(node: Node, columns: Mapping[str, tuple[np.ndarray, np.ndarray | None]], size: int, constant) -> np.ndarray:
    """The formula's amounts in fen (floored, negatives 0), -1 where unknown. ``columns``: field →
    (int64 values, unknown mask or None) at the rows; ``constant(node)``: a parameter's or a
    literal's value on the date."""

    def leaf(n: Node) -> _Value:
        if isinstance(n, FieldRef):
            values, null = columns[n.field.name]
            bound = max(abs(int(values.max())), abs(int(values.min()))) if values.size else 0
            return _Value(values, 1, bound, 1, null)
        assert isinstance(n, ParamRef | Literal)
        f = Fraction(constant(n))
        _guard(abs(f.numerator), f.denominator)
        return _Value(f.numerator, f.denominator, abs(f.numerator), f.denominator, None)

    def unknown() -> _Value:
        return _Value(0, 1, 0, 1, np.ones(size, bool))

    def value(n: Node) -> _Value:
        if isinstance(n, Call):
            result = value(n.args[0])
            for arg in n.args[1:]:
                result = pick(n.name, result, value(arg))
            return result
        if not isinstance(n, Arith):
            return leaf(n)
        a, b = value(n.left), value(n.right)
        null = _either(a.null, b.null)
        if a.constant and b.constant:
            result = apply(n.op, Fraction(a.num, a.den), Fraction(b.num, b.den))
            if result is None:
                return unknown()
            f = Fraction(result)
            return _Value(f.numerator, f.denominator, abs(f.numerator), f.denominator, null)
        if n.op in "+-":
            sign = 1 if n.op == "+" else -1
            if isinstance(a.den, int) and isinstance(b.den, int):
                lcm = math.lcm(a.den, b.den)
                fa, fb = lcm // a.den, lcm // b.den
                _guard(a.nb * fa + b.nb * fb)
                return _Value(a.num * fa + sign * (b.num * fb), lcm, a.nb * fa + b.nb * fb, lcm, null)
            _guard(a.nb * b.db + b.nb * a.db, a.db * b.db)
            return _Value(a.num * b.den + sign * (b.num * a.den), a.den * b.den, a.nb * b.db + b.nb * a.db, a.db * b.db, null)
        if n.op == "*":
            _guard(a.nb * b.nb, a.db * b.db)
            return _Value(a.num * b.num, a.den * b.den, a.nb * b.nb, a.db * b.db, null)
        _guard(a.nb * b.db, a.db * b.nb)  # division: by the reciprocal, the denominator kept positive
        if b.constant:
            if b.num == 0:
                return unknown()
            sign = 1 if b.num > 0 else -1
            return _Value(a.num * (b.den * sign), a.den * abs(b.num), a.nb * b.db, a.db * b.nb, null)
        zero = b.num == 0
        divisor = np.where(zero, 1, b.num)
        return _Value(a.num * b.den * np.sign(divisor), a.den * np.abs(divisor), a.nb * b.db, a.db * b.nb,
                      _either(null, zero))

    def pick(name: str, a: _Value, b: _Value) -> _Value:
        _guard(a.nb * b.db, b.nb * a.db)
        left, right = a.num * b.den, b.num * a.den
        first = left <= right if name == "min" else left >= right
        return _Value(np.where(first, a.num, b.num), np.where(first, a.den, b.den), max(a.nb, b.nb), max(a.db, b.db),
                      _either(a.null, b.null))

    result = value(node)
    num = np.broadcast_to(np.asarray(result.num, np.int64), (size,))
    den = np.broadcast_to(np.asarray(result.den, np.int64), (size,))
    out = np.maximum(num // den, 0)
    if result.null is not None:
        out = np.where(result.null, -1, out)
    return out.astype(np.int64, copy=False)
