"""One enterprise against every item, with reasons: the enterprise's 可享政策 page and policy tests.

The same compiled plan as the batch engine (:mod:`.plan`), evaluated in plain Python for
one profile: the profile is coerced once, each distinct atom is evaluated at most once (thousands
of rules share a few hundred atoms), shared subexpressions once. Amounts, exclusivity and budgets
follow :mod:`.core` exactly, as :func:`.engine.match` would decide for a frame holding only this
enterprise (a budget then caps this enterprise's award at the budget).

The reasons — each failed condition with the actual and the required value, and the missing
data — are built only when read (:attr:`ItemExplanation.conditions`, ``.missing``), exactly as the
rule language's reference evaluator (:func:`.rules_compile.explain`) gives them, by one
:class:`.rules_reasons.Reasons` per enterprise: each distinct leaf condition (most recur across
items: a region, a threshold, an exclusion) is evaluated and formatted once for all items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from onewindow.policies.engine.plan import EPOCH, Cat, Cmp, Flag, General, Has, Plan
from onewindow.policies.rules.compiler import Condition, MissingData, evaluate_condition
from onewindow.policies.rules.profile import PROFILE_SCHEMA
from onewindow.policies.rules.reasons import Reasons

if TYPE_CHECKING:  # pragma: no cover
    from onewindow.policies.engine.core import ItemSpec
    from onewindow.policies.rules.core import Parameters


@dataclass
class StageOutcome:
    name: str  # "" for an item paid in one go
    holds: bool | None  # the stage's condition (True when it has none); None: unknown
    amount: int | None  # fen counted for this stage; None when not counted (condition or data)


@dataclass(slots=True)
class ItemExplanation:
    code: str
    title: str
    eligible: bool  # the rule holds and the amount is known and positive
    status: str  # eligible | ineligible | undetermined (missing data decides)
    rule_status: str  # the rule alone: eligible | ineligible | undetermined
    amount: int | None  # eligible amount in fen (sum of the stages counted); None unless the rule holds
    stages: list[StageOutcome] = field(default_factory=list)
    outcome: str | None = None  # awarded | superseded | budget_reduced; None when not eligible
    awarded_amount: int = 0
    superseded_by: str | None = None
    spec: Any = field(default=None, repr=False)
    _context: Any = field(default=None, repr=False)
    _conditions: list[Condition] | None = field(default=None, repr=False)
    _missing: list[MissingData] | None = field(default=None, repr=False)

    @property
    def conditions(self) -> list[Condition]:
        """Each condition that failed or lacked data: the rule's when it does not hold, else those of
        the stages whose condition does not hold (a staged award with no stage reached). Built on
        first read."""
        if self._conditions is None:
            self._build()
        return self._conditions  # type: ignore[return-value]

    @property
    def missing(self) -> list[MissingData]:
        """The data that would decide: fields unknown in the rule, the stage conditions, or the
        formula of a stage whose condition holds. Built on first read."""
        if self._missing is None:
            self._build()
        return self._missing  # type: ignore[return-value]

    def _build(self) -> None:
        """Conditions and missing data in one walk of each rule, by the enterprise's shared
        :class:`.rules_reasons.Reasons` (the conditions repeated across items are formatted once)."""
        values, reasons = self._context
        if self.rule_status != "eligible":
            self._conditions, self._missing = reasons.explain(self.spec.rule)
            return
        conditions: list[Condition] = []
        missing: list[MissingData] = []
        for stage, result in zip(self.spec.stages, self.stages, strict=True):
            if stage.when is not None and result.holds is not True:
                stage_conditions, stage_missing = reasons.explain(stage.when)
                if not self.eligible:
                    conditions += stage_conditions
                if result.holds is None:
                    missing += stage_missing
            elif result.holds and result.amount is None:
                schema = stage.amount.schema
                for name in sorted(stage.amount.fields):
                    if values.get(name) is None:
                        missing.append(MissingData(name, schema.get(name).label, stage.amount.text))
        self._conditions, self._missing = conditions, missing

    @property
    def failed(self) -> list[Condition]:
        return [c for c in self.conditions if c.outcome == "failed"]


def explain_enterprise(
    profile: Mapping[str, Any], items: Sequence[ItemSpec], *, as_of: dt.date | str, parameters: Parameters
) -> list[ItemExplanation]:
    """Every item for one enterprise profile (a mapping as :meth:`.profile.Schema.coerce` takes:
    money in fen, dates as ``date`` or ISO text, sets as lists), in the order of ``items``."""
    from onewindow.policies.engine.batch import plan_for

    as_of = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    schema = items[0].rule.schema if items else PROFILE_SCHEMA
    values = schema.coerce(profile)
    plan = plan_for(items, as_of, parameters)
    ev = _Scalar(plan, values, as_of, parameters)
    context = (values, Reasons(values, as_of, parameters))
    out: list[ItemExplanation] = []
    value = ev.value
    for spec, item in zip(items, plan.items, strict=True):
        rule = value(item.rule)
        rule_status = "eligible" if rule else ("undetermined" if rule is None else "ineligible")
        ex = ItemExplanation(spec.code, spec.title, False, rule_status, rule_status, None, [], None, 0, None, spec, context)
        if rule:
            total, known = 0, False
            for stage in item.stages:
                holds = ev.value(stage.when)
                amount = None
                if holds:
                    amount = stage.fixed if stage.fixed is not None else stage.amount.evaluate_coerced(values, as_of, parameters)
                    if amount is not None:
                        total, known = total + amount, True
                ex.stages.append(StageOutcome(stage.name, holds, amount))
            ex.amount = total if known else None
            ex.eligible = total > 0
            ex.status = "eligible" if ex.eligible else ("undetermined" if _undecided(ex.stages) else "ineligible")
            if ex.eligible:
                ex.outcome, ex.awarded_amount = "awarded", total
        out.append(ex)
    _resolve(out, plan)
    return out


def _undecided(stages: list[StageOutcome]) -> bool:
    """No amount counted because data is missing: a stage condition unknown, or a formula unknown."""
    return any(s.holds is None or (s.holds and s.amount is None) for s in stages)


def _resolve(out: list[ItemExplanation], plan: Plan) -> None:
    """Highest award per group (ties: smallest code), then budgets, as the batch engine does."""
    best: dict[str, ItemExplanation] = {}
    for ex, item in zip(out, plan.items, strict=True):
        if ex.eligible and item.group is not None:
            current = best.get(item.group)
            if current is None or (ex.amount, current.code) > (current.amount, ex.code):
                best[item.group] = ex
    for ex, item in zip(out, plan.items, strict=True):
        if not ex.eligible:
            continue
        winner = best.get(item.group) if item.group is not None else ex
        if winner is not ex:
            ex.outcome, ex.awarded_amount, ex.superseded_by = "superseded", 0, winner.code
        elif item.budget_fen is not None and ex.amount > item.budget_fen:
            ex.outcome, ex.awarded_amount = "budget_reduced", ex.amount * item.budget_fen // ex.amount


class _Scalar:
    """Kleene values of the plan's nodes for one coerced profile, each atom at most once."""

    def __init__(self, plan: Plan, values: Mapping[str, Any], as_of: dt.date, parameters: Parameters) -> None:
        self.plan, self.values, self.as_of, self.parameters = plan, values, as_of, parameters
        self.nodes, self.uses, self.order = plan.nodes, plan.uses, plan.order()
        self.atoms: dict[int, bool | None] = {}
        self.memo: dict[int, bool | None] = {}
        self._numbers: dict[str, int | None] = {}

    def number(self, name: str) -> int | None:
        """A numeric field's value as the atoms compare it (a date as days since 1970)."""
        if name not in self._numbers:
            value = self.values.get(name)
            self._numbers[name] = (value - EPOCH).days if isinstance(value, dt.date) else value
        return self._numbers[name]

    def atom(self, index: int) -> bool | None:
        if index in self.atoms:
            return self.atoms[index]
        atom = self.plan.atoms[index]
        if isinstance(atom, Cmp):
            v = self.number(atom.field)
            result = None if v is None else (v < atom.value if atom.op == "lt" else v == atom.value)
        elif isinstance(atom, General):
            result = evaluate_condition(atom.node, self.values, self.as_of, self.parameters)
        else:
            v = self.values.get(atom.field)
            if v is None:
                result = None  # also for Known: "known" is unknown on a null, so its negation is too
            elif isinstance(atom, Cat):
                result = v.startswith(atom.values) if atom.op == "under" else v in atom.values
            elif isinstance(atom, Has):
                result = atom.member in v
            elif isinstance(atom, Flag):
                result = bool(v)
            else:
                result = True  # Known
        self.atoms[index] = result
        return result

    def value(self, ident: int) -> bool | None:
        memo = self.memo
        if ident in memo:
            return memo[ident]
        shape = self.nodes[ident]
        kind = shape[0]
        if kind == "atom":
            result = memo[ident] = self.atom(shape[1])
            return result
        if kind == "const":
            return shape[1]
        if kind == "not":
            inner = self.value(shape[1])
            result = None if inner is None else not inner
        else:
            stop = kind == "or"  # the value that decides: true for or, false for and
            result = not stop
            for child in self.order[ident]:  # the likeliest deciders first (see Plan.order)
                v = memo[child] if child in memo else self.value(child)
                if v is stop:
                    result = stop
                    break
                if v is None:
                    result = None
        if self.uses[ident] > 1:
            memo[ident] = result
        return result
