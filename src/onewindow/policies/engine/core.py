"""The matching engine: award items compiled from the library, matched against every enterprise.

    spec = compile_item(code="LS-XGS-01", title="新规上工业企业奖励", rule='flags has "新升规上"',
                        amount="5万元", parameters=params, group="G-RT", budget_fen=None)
    result = match(frame, specs, as_of=date(2025, 6, 30), parameters=params)
    result.summary()      # per item: eligible / awarded counts and totals
    result.pairs()        # per (enterprise, item): amounts, outcome, superseded_by, stage amounts
    explain_enterprise(profile, specs, as_of=…, parameters=…)   # one enterprise, with reasons

Semantics, the same in :func:`match` and :func:`explain_enterprise`:

- **Eligible** when the rule is definitely true (Kleene logic: unknown data is not eligibility)
  *and* the enterprise's amount is known and positive. The amount is the sum of the stages whose
  condition holds (a fixed or formula amount is one stage, named ""); a stage whose formula reads
  unknown data is not counted; when no stage counts, the enterprise is not eligible.
- **Exclusivity** ("每家企业不重复奖，以最高标准为准"): within a group, each enterprise is awarded
  only its highest eligible amount; a tie goes to the smallest item code. The other eligible items
  are ``superseded`` (awarded 0, ``superseded_by`` the winner).
- **Budget**: after exclusivity, when an item's awarded total exceeds its remaining budget, every
  award of that item is scaled by budget/total, floored to the fen (``budget_reduced``). Paying
  everyone the same share of what is left is how 资金不足按比例兑付 is done: no enterprise is
  dropped for having been matched later, and the total never exceeds the budget.

Matching works the same on any subset of enterprises or items (the service re-matches only the
changed enterprises, or one group's items); a budget then applies to the awards in that call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from onewindow.policies.engine.batch import Batch, plan_for
from onewindow.policies.engine.explain import ItemExplanation, StageOutcome, explain_enterprise
from onewindow.policies.rules.amounts import Amount, check_amount
from onewindow.policies.rules.core import CompiledRule, Parameters, check
from onewindow.policies.rules.parser import ErrorItem, RuleError
from onewindow.policies.rules.profile import PROFILE_SCHEMA, Schema

__all__ = [
    "ItemExplanation",
    "ItemSpec",
    "MatchResult",
    "Stage",
    "StageOutcome",
    "compile_item",
    "explain_enterprise",
    "match",
]


@dataclass(frozen=True, eq=False)
class Stage:
    name: str  # "" for an item paid in one go
    amount: Amount
    when: CompiledRule | None  # None: always (the item's rule alone decides)


@dataclass(frozen=True, eq=False)
class ItemSpec:
    """An award item ready to match. Compared by identity: two specs are the same item only if
    they are the same object (the engine caches its compiled plan per sequence of specs)."""

    code: str
    title: str
    rule: CompiledRule
    stages: tuple[Stage, ...]
    group: str | None = None  # the root exclusivity group (nested groups already flattened)
    budget_fen: int | None = None  # remaining budget; None = unlimited
    auto_grant: bool = False


STAGE_KEYS = {"name", "when", "amount"}


def compile_item(
    *,
    code: str,
    title: str,
    rule: str,
    amount: Any,
    parameters: Parameters,
    group: str | None = None,
    budget_fen: int | None = None,
    auto_grant: bool = False,
    schema: Schema = PROFILE_SCHEMA,
) -> ItemSpec:
    """Check an item's rule and amount (fixed money / ``{"formula": …}`` / ``{"stages": […]}``).
    Raises one :class:`RuleError` listing every problem, each located by ``ErrorItem.part``
    (资格条件, 金额, 第2阶段「申报受理」条件 …) with line and column inside that part's text."""
    errors: list[ErrorItem] = []

    def fail(part: str, message: str, text: str = "") -> None:
        errors.append(ErrorItem(1, 1, text, f"{part}：{message}", None, part))

    def checked(part: str, func, *args):
        try:
            return func(*args)
        except RuleError as exc:
            errors.extend(e.within(part) for e in exc.errors)
            return None

    if not isinstance(code, str) or not code.strip():
        fail("编码", "事项编码不能为空", str(code))
    compiled = checked("资格条件", check, rule, parameters, schema) if isinstance(rule, str) else None
    if not isinstance(rule, str):
        fail("资格条件", f"资格条件应为规则文本，而不是「{rule!r}」", repr(rule))
    stages: list[Stage] = []
    if isinstance(amount, Mapping) and "stages" in amount:
        stages = _stages(amount, parameters, schema, fail, checked)
    else:
        single = checked("金额", check_amount, amount, parameters, schema)
        if single is not None:
            stages = [Stage("", single, None)]
    if budget_fen is not None and (isinstance(budget_fen, bool) or not isinstance(budget_fen, int) or budget_fen < 0):
        fail("预算", f"预算应为非负的整数分，而不是「{budget_fen!r}」", repr(budget_fen))
    if errors:
        raise RuleError(errors)
    return ItemSpec(code, title, compiled, tuple(stages), group, budget_fen, bool(auto_grant))


def _stages(amount: Mapping, parameters: Parameters, schema: Schema, fail, checked) -> list[Stage]:
    extra = sorted(str(k) for k in amount if k != "stages")
    if extra:
        fail("金额", f"分阶段金额只写 stages，不能同时写「{'、'.join(extra)}」")
    raw = amount["stages"]
    if not isinstance(raw, list | tuple) or not raw:
        fail("金额", "stages 应为非空列表，每个阶段写 name、when、amount", repr(raw))
        return []
    stages, seen = [], set()
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, Mapping):
            fail(f"第{number}阶段", "每个阶段应写作 {name: …, when: …, amount: …}", repr(entry))
            continue
        name = entry.get("name")
        label = f"第{number}阶段「{name}」" if isinstance(name, str) and name.strip() else f"第{number}阶段"
        if not isinstance(name, str) or not name.strip():
            fail(label, "阶段名称 name 不能为空", repr(name))
        elif name in seen:
            fail(label, f"阶段名称「{name}」重复")
        seen.add(name)
        unknown = sorted(str(k) for k in entry if k not in STAGE_KEYS)
        if unknown:
            fail(label, f"未知的键「{'、'.join(unknown)}」，阶段只写 name、when、amount")
        when_text = entry.get("when")
        when = None
        if when_text is not None and not (isinstance(when_text, str) and not when_text.strip()):
            if isinstance(when_text, str):
                when = checked(f"{label}条件", check, when_text, parameters, schema)
            else:
                fail(f"{label}条件", f"条件应为规则文本，而不是「{when_text!r}」", repr(when_text))
        if "amount" not in entry:
            fail(f"{label}金额", "缺少金额 amount")
            continue
        stage_amount = checked(f"{label}金额", check_amount, entry["amount"], parameters, schema)
        if stage_amount is not None and isinstance(name, str):
            stages.append(Stage(name, stage_amount, when))
    return stages


# --- batch matching -------------------------------------------------------------------------

SUMMARY_SCHEMA = {
    "item_code": pl.Utf8,
    "eligible_count": pl.Int64,
    "awarded_count": pl.Int64,
    "eligible_total": pl.Int64,
    "awarded_total": pl.Int64,
    "budget_fen": pl.Int64,
}


class MatchResult:
    """The outcome of :func:`match`. Counts and totals are computed by ``match``; the per-pair
    table is built only when :meth:`pairs` is called (recomputing each item's rows from the kept
    atom bitsets), so timing ``match`` measures eligibility, amounts, groups and budgets alone."""

    def __init__(self, batch: Batch) -> None:
        self._batch = batch

    @property
    def item_codes(self) -> list[str]:
        return [item.code for item in self._batch.plan.items]

    def summary(self) -> pl.DataFrame:
        """Per item: eligible_count, awarded_count, eligible_total, awarded_total (fen), budget_fen."""
        rows = [
            (item.code, s.eligible_count, s.awarded_count, s.eligible_total, s.awarded_total, item.budget_fen)
            for item, s in zip(self._batch.plan.items, self._batch.summaries, strict=True)
        ]
        return pl.DataFrame(rows, schema=SUMMARY_SCHEMA, orient="row")

    def pairs(self, *, stages: bool = True) -> pl.DataFrame:
        """One row per eligible (enterprise, item): enterprise_id, item_code, eligible_amount,
        awarded_amount (fen), outcome (awarded / superseded / budget_reduced), superseded_by, and —
        unless ``stages=False`` — stage_amounts, a list of {stage, amount} for the stages counted.
        Rows come item by item (in the order of the items given), enterprises ascending."""
        return self._batch.pairs(stages=stages)


def match(profiles: pl.DataFrame, items: Sequence[ItemSpec], *, as_of: dt.date, parameters: Parameters) -> MatchResult:
    """Match every enterprise of ``profiles`` (an ``enterprise_id`` column and the profile
    schema's columns, null = unknown) against ``items`` as of a date."""
    codes = [item.code for item in items]
    if len(set(codes)) != len(codes):
        dup = sorted({c for c in codes if codes.count(c) > 1})
        raise ValueError(f"事项编码重复：{'、'.join(dup)}")
    if "enterprise_id" not in profiles.columns:
        raise ValueError("画像数据缺少 enterprise_id 列")
    plan = plan_for(items, as_of, parameters)
    batch = Batch(plan, profiles, as_of, parameters)
    batch.run()
    return MatchResult(batch)

