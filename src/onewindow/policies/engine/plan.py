"""The match plan: every item's rules lowered, as of one date, onto a shared set of atoms.

Two thousand rules repeat themselves: the same thresholds (round numbers), regions, certifications
and exclusions recur across items. Lowering canonicalises each leaf condition with its parameters
resolved on the date — ``revenue >= $门槛`` and ``营业收入 >= 2000万元`` become the same atom
``revenue < 2000万元`` under a ``not`` — so the engine evaluates each distinct atom once, however
many items use it. Atoms are few kinds, each with a fast vectorised form (:mod:`.bits`):

- :class:`Cmp`   a numeric field (int, money, date as days) ``< c`` or ``== c``; ``<=``, ``>``,
  ``>=`` and ``!=`` are written with ``not`` and an integer bound (exact, also for fractional
  bounds such as ``employees >= 1.5``); the derived age becomes a bound on the establishment date
  (``age_years >= 3`` as of 2025-06-30 is ``established_on <= 2022-06-30``), so no age is computed;
- :class:`Cat`   a text / enum / industry field in a set of values, or under an industry code;
- :class:`Has`   a set field has a member;
- :class:`Flag`  a yes/no field is true;
- :class:`General` anything else (two fields compared, formulas): evaluated by the Polars form of
  the rule language (:func:`.rules_polars.condition_expr`).

``not`` keeps Kleene logic: an atom on a missing value is unknown, and so is its negation.

The boolean structure above the atoms is a DAG of interned nodes: and/or are flattened, their
operands deduplicated and sorted, constants folded (``x and false`` is false), so identical
subexpressions of different items are one node, evaluated once.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from onewindow.policies.rules.arith import field_refs, is_arithmetic
from onewindow.policies.rules.parser import (
    And,
    Bare,
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
    from onewindow.policies.engine.core import ItemSpec
    from onewindow.policies.rules.core import Parameters

EPOCH = dt.date(1970, 1, 1)  # Polars' Date is days since this day


@dataclass(frozen=True)
class Cmp:
    field: str  # a stored numeric field (int, money, or date as days since 1970-01-01)
    op: str  # "lt" | "eq"
    value: int


@dataclass(frozen=True)
class Cat:
    field: str
    op: str  # "in" | "under"
    values: frozenset[str] | str


@dataclass(frozen=True)
class Has:
    field: str
    member: str


@dataclass(frozen=True)
class Flag:
    field: str


@dataclass(frozen=True)
class Known:
    """True where the field has a value, *unknown* where it is null (not false), so that
    ``not Known`` — how ``employees == 1.5`` lowers — is false where known and unknown on a null."""

    field: str


@dataclass(frozen=True)
class General:
    key: tuple  # structure with constants resolved: equal keys, equal conditions
    node: Node = field(compare=False, hash=False)
    fields: frozenset[str] = field(compare=False, hash=False, default=frozenset())


Atom = Cmp | Cat | Has | Flag | Known | General

# DAG node shapes: ("const", bool) | ("atom", atom index) | ("not", id) | ("and", ids) | ("or", ids)
TRUE, FALSE = 0, 1


@dataclass
class StagePlan:
    name: str
    when: int  # node id (TRUE when the stage has no condition)
    fixed: int | None  # fen, or None for a formula
    amount: Any  # the stage's Amount


@dataclass
class ItemPlan:
    code: str
    rule: int
    stages: list[StagePlan]
    group: str | None
    budget_fen: int | None

    @property
    def constant(self) -> int | None:
        """The amount when it is the same for every eligible enterprise (one fixed stage, always)."""
        if len(self.stages) == 1 and self.stages[0].when == TRUE and self.stages[0].fixed is not None:
            return self.stages[0].fixed
        return None


@dataclass
class Plan:
    atoms: list[Atom] = field(default_factory=list)
    nodes: list[tuple] = field(default_factory=lambda: [("const", True), ("const", False)])
    uses: list[int] = field(default_factory=list)  # parents and items using each node (set by finish)
    items: list[ItemPlan] = field(default_factory=list)
    _atom_ids: dict[Atom, int] = field(default_factory=dict)
    _node_ids: dict[tuple, int] = field(default_factory=lambda: {("const", True): TRUE, ("const", False): FALSE})
    _order: dict[int, tuple[int, ...]] | None = None
    _chains: tuple[dict[int, tuple[int, ...]], dict[tuple, int]] | None = None
    reached: set[int] = field(default_factory=set)

    def atom(self, atom: Atom) -> int:
        index = self._atom_ids.get(atom)
        if index is None:
            index = self._atom_ids[atom] = len(self.atoms)
            self.atoms.append(atom)
        return self.node(("atom", index))

    def node(self, shape: tuple) -> int:
        ident = self._node_ids.get(shape)
        if ident is None:
            ident = self._node_ids[shape] = len(self.nodes)
            self.nodes.append(shape)
        return ident

    def finish(self) -> None:
        """Count each node's users among the nodes the items actually reach: lowering interns some
        nodes it then flattens away (``(a and b) and c`` is one ``and``), which must not count."""
        self.uses = [0] * len(self.nodes)
        stack = []
        for item in self.items:
            for root in (item.rule, *(stage.when for stage in item.stages)):
                self.uses[root] += 1
                stack.append(root)
        seen: set[int] = set()
        while stack:
            ident = stack.pop()
            if ident in seen:
                continue
            seen.add(ident)
            for child in _children(self.nodes[ident]):
                self.uses[child] += 1
                stack.append(child)
        self.reached = seen

    def junctions(self):
        """The reachable and/or nodes: (id, shape)."""
        return ((ident, self.nodes[ident]) for ident in sorted(self.reached) if self.nodes[ident][0] in ("and", "or"))

    def order(self) -> dict[int, tuple[int, ...]]:
        """For each and/or node, its operands in the order a per-enterprise evaluation should try
        them: atoms before subexpressions, and among atoms those that most often decide alone — a
        region or industry match is false for most enterprises, ending an ``and`` at once."""
        if self._order is None:
            rank = {Cat: 0, Has: 1, Flag: 2, Cmp: 3, Known: 4, General: 5}

            def key(ident: int) -> tuple[int, int]:
                shape = self.nodes[ident]
                return (rank[type(self.atoms[shape[1]])] if shape[0] == "atom" else 6, ident)

            self._order = {ident: tuple(sorted(shape[1], key=key)) for ident, shape in self.junctions()}
        return self._order

    def chains(self) -> tuple[dict[int, tuple[int, ...]], dict[tuple, int]]:
        """For the vectorised evaluation: each and/or node's operands ordered most-shared first, and
        how many nodes begin with each such prefix. Items of one measure issued by many regions
        differ only in their region atom; ordered this way they share every operand but the last,
        so the shared part is combined once and each item adds one operation."""
        if self._chains is None:
            freq: dict[int, int] = {}
            for _, shape in self.junctions():
                for child in shape[1]:
                    freq[child] = freq.get(child, 0) + 1
            order: dict[int, tuple[int, ...]] = {}
            prefixes: dict[tuple, int] = {}
            for ident, shape in self.junctions():
                chain = order[ident] = tuple(sorted(shape[1], key=lambda c: (-freq[c], c)))
                for k in range(2, len(chain)):
                    key = (shape[0], chain[:k])
                    prefixes[key] = prefixes.get(key, 0) + 1
            self._chains = (order, {key: n for key, n in prefixes.items() if n > 1})
        return self._chains


def _children(shape: tuple) -> tuple[int, ...]:
    if shape[0] == "not":
        return (shape[1],)
    if shape[0] in ("and", "or"):
        return shape[1]
    return ()


def build(items: Sequence[ItemSpec], as_of: dt.date, parameters: Parameters) -> Plan:
    """Lower every item's rule and stage conditions; amounts stay as they are (formulas are
    evaluated only where an item's rule holds)."""
    plan = Plan()
    lower = _Lower(plan, as_of, parameters)
    for item in items:
        rule = lower.node(item.rule.node)
        stages = [
            StagePlan(s.name, lower.node(s.when.node) if s.when is not None else TRUE, s.amount.fixed, s.amount)
            for s in item.stages
        ]
        plan.items.append(ItemPlan(item.code, rule, stages, item.group, item.budget_fen))
    plan.finish()
    return plan


class _Lower:
    def __init__(self, plan: Plan, as_of: dt.date, parameters: Parameters) -> None:
        self.plan, self.as_of, self.parameters = plan, as_of, parameters

    # boolean structure
    def node(self, node: Node) -> int:
        if isinstance(node, And | Or):
            return self.junction("and" if isinstance(node, And) else "or", [self.node(item) for item in node.items])
        if isinstance(node, Not):
            return self.negate(self.node(node.item))
        if isinstance(node, Bare):
            return self.bare(node)
        assert isinstance(node, Compare)
        return self.compare(node)

    def negate(self, ident: int) -> int:
        if ident in (TRUE, FALSE):
            return FALSE if ident == TRUE else TRUE
        shape = self.plan.nodes[ident]
        if shape[0] == "not":
            return shape[1]
        return self.plan.node(("not", ident))

    def junction(self, kind: str, idents: list[int]) -> int:
        absorbing, neutral = (FALSE, TRUE) if kind == "and" else (TRUE, FALSE)
        flat: set[int] = set()
        for ident in idents:
            if ident == absorbing:
                return absorbing
            if ident == neutral:
                continue
            shape = self.plan.nodes[ident]
            flat.update(shape[1] if shape[0] == kind else (ident,))
        if not flat:
            return neutral
        if len(flat) == 1:
            return next(iter(flat))
        return self.plan.node((kind, tuple(sorted(flat))))

    def const(self, value: bool | None) -> int:
        return TRUE if value else FALSE

    # leaves
    def value(self, node: Node) -> Any:
        if isinstance(node, ParamRef):
            return self.parameters.value_at(node.name, self.as_of)
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, SetLiteral):
            return frozenset(item.value for item in node.items)
        raise TypeError(node)  # pragma: no cover

    def bare(self, node: Bare) -> int:
        operand = node.operand
        if isinstance(operand, FieldRef):
            return self.plan.atom(Flag(operand.field.name))
        return self.const(bool(self.value(operand)))

    def compare(self, node: Compare) -> int:
        left, right = node.left, node.right
        constant_left = not field_refs(left)
        constant_right = not field_refs(right)
        if constant_left and constant_right:
            from onewindow.policies.rules.compiler import evaluate_condition

            result = evaluate_condition(node, {}, self.as_of, self.parameters)
            return self.general(node) if result is None else self.const(result)
        if isinstance(left, FieldRef) and constant_right and not is_arithmetic(right):
            return self.field_vs_constant(node, left.field, node.op, self.value(right))
        if isinstance(right, FieldRef) and constant_left and not is_arithmetic(left) and node.op in _FLIP:
            return self.field_vs_constant(node, right.field, _FLIP[node.op], self.value(left))
        if isinstance(left, FieldRef) and constant_right and node.op in _FLIP and left.field.type in ("int", "money"):
            from onewindow.policies.rules.arith import value as exact

            folded = exact(right, self.value)  # e.g. 从业人数 >= 2 / 3 * 30: a constant formula
            return self.general(node) if folded is None else self.field_vs_constant(node, left.field, node.op, folded)
        return self.general(node)

    def field_vs_constant(self, node: Compare, fld: Any, op: str, value: Any) -> int:
        kind = fld.type
        name = fld.name
        if kind in ("int", "money", "date"):
            if fld.derived_from:  # age_years: a bound on the date it is derived from
                def compare(o, v):
                    return self.age(fld.derived_from, o, v)
            else:
                def compare(o, v):
                    return self.numeric(name, o, v)
            if op == "in":
                return self.junction("or", [compare("==", v) for v in value])
            return compare(op, value)
        if kind in ("str", "enum", "industry"):
            if op == "under":
                return self.plan.atom(Cat(name, "under", value))
            values = value if op == "in" else frozenset([value])
            atom = self.plan.atom(Cat(name, "in", frozenset(values)))
            return self.negate(atom) if op == "!=" else atom
        if kind == "set" and op == "has":
            return self.plan.atom(Has(name, value))
        if kind == "bool" and op in ("==", "!="):
            atom = self.plan.atom(Flag(name))
            return atom if (op == "==") == bool(value) else self.negate(atom)
        return self.general(node)  # pragma: no cover - every typed comparison is covered above

    def numeric(self, name: str, op: str, value: Any) -> int:
        """``field op value`` as ``lt``/``eq`` atoms on integers (dates as days since 1970)."""
        if isinstance(value, dt.date):
            value = (value - EPOCH).days
        if op == "==":
            if isinstance(value, Fraction) and value.denominator != 1:
                return self.negate(self.plan.atom(Known(name)))  # an integer never equals 1.5
            return self.plan.atom(Cmp(name, "eq", int(value)))
        if op == "!=":
            return self.negate(self.numeric(name, "==", value))
        below = math.ceil(value) if op in ("<", ">=") else math.floor(value) + 1  # x < c  /  x <= c ⇔ x < ⌊c⌋+1
        atom = self.plan.atom(Cmp(name, "lt", int(below)))
        return atom if op in ("<", "<=") else self.negate(atom)

    def age(self, source: str, op: str, value: Any) -> int:
        """Whole years since ``source`` on the match date, compared with ``value``."""
        if op == "==":
            if isinstance(value, Fraction) and value.denominator != 1:
                return self.negate(self.plan.atom(Known(source)))
            k = int(value)
            return self.junction("and", [self.age(source, ">=", k), self.negate(self.age(source, ">=", k + 1))])
        if op == "!=":
            return self.negate(self.age(source, "==", value))
        at_least = math.ceil(value) if op in ("<", ">=") else math.floor(value) + 1  # age < c ⇔ not age >= ⌈c⌉
        atom = self.plan.atom(Cmp(source, "lt", self.born_by(int(at_least)) + 1))  # date <= D ⇔ date < D + 1
        return atom if op in (">=", ">") else self.negate(atom)

    def born_by(self, years: int) -> int:
        """The last date (days since 1970) of an enterprise at least ``years`` old on the match date:
        the same day ``years`` earlier (28 February for 29 February in a common year), as
        :func:`.profile.age_in_years` counts."""
        year = self.as_of.year - years
        if year < dt.MINYEAR:
            return _BEYOND_LOW  # nobody is that old
        if year > dt.MAXYEAR:
            return _BEYOND_HIGH  # everybody is (a negative age)
        day = 28 if (self.as_of.month, self.as_of.day) == (2, 29) and not calendar.isleap(year) else self.as_of.day
        return (dt.date(year, self.as_of.month, day) - EPOCH).days

    def general(self, node: Node) -> int:
        key = self.key(node)
        reads = frozenset(r.field.derived_from or r.field.name for r in field_refs(node))
        return self.plan.atom(General(key, node, reads))

    def key(self, node: Node) -> tuple:
        from onewindow.policies.rules.parser import Arith, Call

        if isinstance(node, FieldRef):
            return ("field", node.field.name)
        if isinstance(node, ParamRef | Literal | SetLiteral):
            return ("value", type(self.value(node)).__name__, self.value(node))
        if isinstance(node, Arith):
            return ("arith", node.op, self.key(node.left), self.key(node.right))
        if isinstance(node, Call):
            return ("call", node.name, *(self.key(arg) for arg in node.args))
        if isinstance(node, Compare):
            return ("compare", node.op, self.key(node.left), self.key(node.right))
        if isinstance(node, Bare):
            return ("bare", self.key(node.operand))
        raise TypeError(node)  # pragma: no cover


_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_BEYOND_LOW, _BEYOND_HIGH = -(2**63) - 2, 2**63  # bounds outside any stored value (int64)
