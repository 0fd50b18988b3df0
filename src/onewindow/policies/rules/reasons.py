"""Reasons for many rules and one enterprise at once (the "why not" of every award item): each
distinct leaf condition is evaluated and formatted once per enterprise, with exactly the result of
the reference walker :func:`.rules_compile.explain` (tests compare the two).
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from onewindow.policies.rules.arith import field_refs
from onewindow.policies.rules.compiler import Condition, MissingData, _Eval
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


