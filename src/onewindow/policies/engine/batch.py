"""Batch matching over a frame: each item's eligible rows and amounts, exclusivity groups, budgets,
and the per-pair table. The semantics are stated in :mod:`.core`.

Items are processed a *unit* at a time — a whole exclusivity group, or one ungrouped item — so at
most one group's eligibility bitsets are alive at once, whatever the number of items. An item
with one fixed amount keeps only its bitset (its amount is the same everywhere); an item whose
amount varies (stages, formulas) keeps its eligible rows and their amounts, and its formulas are
evaluated only on the rows where its rule holds.

Highest-in-group for fixed amounts walks the group's items from the highest amount down (ties by
code) with a bitset of enterprises already served: each item wins where it is eligible and the
enterprise is not yet taken — a few word-wise operations per item. Groups with varying amounts,
and the per-pair table, sort the group's (row, amount, item) triples instead.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from onewindow.policies.engine import formula as engine_formula
from onewindow.policies.engine.bits import Bits, count, from_indices, indices, test
from onewindow.policies.engine.plan import TRUE, ItemPlan, Plan, build
from onewindow.policies.rules import arith as rules_arith
from onewindow.policies.rules.parser import ParamRef

if TYPE_CHECKING:  # pragma: no cover
    from onewindow.policies.engine.core import ItemSpec
    from onewindow.policies.rules.core import Parameters

OUTCOMES = ["awarded", "superseded", "budget_reduced"]
AWARDED, SUPERSEDED, REDUCED = 0, 1, 2
SAFE = 2**62  # products below this fit in int64 with room to spare
KEEP_BYTES = 256 * 2**20

# --- compiled plans, cached per (items, date, parameters) -------------------------------------

_PLANS: OrderedDict[tuple, tuple[tuple, object, Plan]] = OrderedDict()
_PLANS_LOCK = threading.Lock()
PLAN_CACHE_SIZE = 8


def plan_for(items: Sequence[ItemSpec], as_of: dt.date, parameters: Parameters) -> Plan:
    """The plan for these specs as of a date. Cached by the specs' identities (they are immutable)
    and the parameters' version, so re-explaining enterprise after enterprise does not recompile;
    the cache holds the specs, so their identities cannot be reused while cached."""
    key = (tuple(map(id, items)), as_of, id(parameters), parameters.version)
    with _PLANS_LOCK:
        hit = _PLANS.get(key)
        if hit is not None:
            _PLANS.move_to_end(key)
            return hit[2]
    plan = build(items, as_of, parameters)
    with _PLANS_LOCK:
        _PLANS[key] = (tuple(items), parameters, plan)
        while len(_PLANS) > PLAN_CACHE_SIZE:
            _PLANS.popitem(last=False)
    return plan


def units(plan: Plan) -> list[list[int]]:
    """Item indices by exclusivity group (each group's items sorted by code); ungrouped alone."""
    groups: dict[str, list[int]] = {}
    out: list[list[int]] = []
    for i, item in enumerate(plan.items):
        if item.group is None:
            out.append([i])
        else:
            if item.group not in groups:
                groups[item.group] = []
                out.append(groups[item.group])
            groups[item.group].append(i)
    for members in groups.values():
        members.sort(key=lambda i: plan.items[i].code)
    return out


@dataclass
class Rows:
    """One item's eligible rows. ``constant``: every eligible row's amount (then ``rows``,
    ``amounts`` and ``stages`` are only filled in detail); otherwise ``rows`` ascending with their
    ``amounts`` and ``stages``: per stage the amount counted at each row, -1 where not counted."""

    eligible: np.ndarray
    constant: int | None
    rows: np.ndarray | None = None
    amounts: np.ndarray | None = None
    stages: list[np.ndarray] | None = None


@dataclass
class Summary:
    eligible_count: int = 0
    awarded_count: int = 0
    eligible_total: int = 0
    awarded_total: int = 0
    scale: tuple[int, int] | None = None  # (budget, awarded total before scaling) when reduced


class Batch:
    def __init__(self, plan: Plan, frame: pl.DataFrame, as_of: dt.date, parameters: Parameters) -> None:
        self.plan, self.frame, self.as_of, self.parameters = plan, frame, as_of, parameters
        self.bits = Bits(plan, frame, as_of, parameters)
        self.words = self.bits.words
        self.units = units(plan)
        self.summaries = [Summary() for _ in plan.items]
        # rows of items whose amounts vary (formulas, stages), kept from run() for pairs() within a
        # memory budget: their formulas are the costly part to recompute
        self._kept: dict[int, Rows] = {}
        self._kept_bytes = 0

    # --- one item ---------------------------------------------------------------------------

    def rows(self, i: int, detail: bool = False) -> Rows:
        kept = self._kept.get(i)
        if kept is not None:
            return kept
        item = self.plan.items[i]
        rule = self.bits.t(item.rule)
        constant = item.constant
        if constant is not None:
            eligible = rule if constant > 0 else self.bits.cols.zeros
            out = Rows(eligible, constant)
            if detail:
                out.rows = indices(eligible)
                out.amounts = np.full(out.rows.size, constant, np.int64)
                out.stages = [out.amounts]
            return out
        if all(s.fixed is not None for s in item.stages):
            masks = [rule if s.when == TRUE else rule & self.bits.t(s.when) for s in item.stages]
            eligible = self.bits.cols.zeros
            for mask, stage in zip(masks, item.stages, strict=True):
                if stage.fixed > 0:
                    eligible = eligible | mask
            rows = indices(eligible)
            per = [np.where(test(m, rows), s.fixed, -1) for m, s in zip(masks, item.stages, strict=True)]
        else:
            rows, per = self.formula_rows(item, indices(rule))
            eligible = None
        amounts = np.zeros(rows.size, np.int64)
        for part in per:
            amounts += np.maximum(part, 0)
        if eligible is None:  # formulas: keep the rows where the amount is known and positive
            keep = amounts > 0
            rows, amounts, per = rows[keep], amounts[keep], [p[keep] for p in per]
            eligible = from_indices(rows, self.words)
        out = Rows(eligible, None, rows, amounts, per)
        size = eligible.nbytes + rows.nbytes + amounts.nbytes + sum(p.nbytes for p in per)
        if self._kept_bytes + size <= KEEP_BYTES:
            self._kept[i], self._kept_bytes = out, self._kept_bytes + size
        return out

    def formula_rows(self, item: ItemPlan, candidates: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        per = []
        for stage in item.stages:
            holds = test(self.bits.t(stage.when), candidates) if stage.when != TRUE else np.ones(candidates.size, bool)
            if stage.fixed is not None:
                per.append(np.where(holds, stage.fixed, -1))
                continue
            amount = np.full(candidates.size, -1, np.int64)
            at = np.flatnonzero(holds)
            if at.size:
                amount[at] = self.formula(stage.amount, candidates[at])
            per.append(amount)
        return candidates, per

    def formula(self, amount, rows: np.ndarray) -> np.ndarray:
        """A formula's amounts at ``rows`` (-1 where unknown), computed on those rows only."""
        if not amount.fields:
            value = amount.evaluate({}, self.as_of, self.parameters)
            return np.full(rows.size, -1 if value is None else value, np.int64)
        cols = self.bits.cols
        names = sorted(amount.fields)
        if cols.integral(names):  # numpy on the gathered int64 columns, if 64 bits provably suffice
            columns = {}
            for name in names:
                known = test(cols.known(name), rows)
                columns[name] = (cols.numeric(name)[rows], None if known.all() else ~known)
            try:
                return engine_formula.amounts(amount.node, columns, rows.size, self._constant)
            except rules_arith.Overflow:
                pass
        sub = self.frame.select([pl.col(name).gather(pl.Series(rows)) for name in names])
        expr = amount.to_polars(self.as_of, self.parameters)
        return sub.select(expr).to_series().fill_null(-1).to_numpy()

    def _constant(self, node):
        """A parameter's value on the match date, or a literal's."""
        return self.parameters.value_at(node.name, self.as_of) if isinstance(node, ParamRef) else node.value

    # --- summary ----------------------------------------------------------------------------

    def run(self) -> None:
        for unit in self.units:
            rows = [self.rows(i) for i in unit]
            if len(unit) == 1:
                self.settle(unit[0], rows[0], None)
            elif all(r.constant is not None for r in rows):
                taken = self.bits.cols.zeros
                for k in sorted(range(len(unit)), key=lambda k: -rows[k].constant):  # stable: code order on ties
                    won = rows[k].eligible & ~taken
                    taken = taken | rows[k].eligible
                    self.settle(unit[k], rows[k], won)
            else:
                for k, (won, _) in enumerate(winners([self._arrays(r) for r in rows])):
                    self.settle(unit[k], rows[k], won)

    def _arrays(self, r: Rows) -> tuple[np.ndarray, np.ndarray]:
        if r.rows is None:
            r.rows = indices(r.eligible)
            r.amounts = np.full(r.rows.size, r.constant, np.int64)
        return r.rows, r.amounts

    def settle(self, i: int, r: Rows, won: np.ndarray | None) -> None:
        """Counts and totals of item ``i``; ``won``: its winning rows as a bitset (fixed amounts)
        or flags over ``r.rows`` (None: it wins everywhere it is eligible)."""
        s = self.summaries[i]
        if r.constant is not None and (won is None or won.dtype == np.uint64):
            s.eligible_count = count(r.eligible)
            s.awarded_count = s.eligible_count if won is None else count(won)
            s.eligible_total = r.constant * s.eligible_count
            awarded = None
            raw = r.constant * s.awarded_count
        else:
            rows, amounts = self._arrays(r)
            s.eligible_count = int(rows.size)
            s.eligible_total = int(amounts.sum())
            awarded = amounts if won is None else amounts[won]
            s.awarded_count = int(awarded.size)
            raw = int(awarded.sum())
        budget = self.plan.items[i].budget_fen
        s.awarded_total = raw
        if budget is not None and raw > budget:
            s.scale = (budget, raw)
            if awarded is None:
                s.awarded_total = s.awarded_count * (r.constant * budget // raw)
            else:
                s.awarded_total = int(scaled(awarded, budget, raw).sum())

    # --- pairs ------------------------------------------------------------------------------

    def pairs(self, *, stages: bool = True) -> pl.DataFrame:
        # every column is allocated once at its final size (the counts are known from run())
        total = sum(s.eligible_count for s in self.summaries)
        out = {
            "row": np.empty(total, np.int64),
            "item": np.empty(total, np.int32),
            "eligible": np.empty(total, np.int64),
            "awarded": np.empty(total, np.int64),
            "outcome": np.empty(total, np.int32),
            "by": np.empty(total, np.int32),
        }
        blocks: list[tuple[int, int, list[np.ndarray]]] = []  # (item, pairs, per-stage amounts)
        at = 0
        for unit in self.units:
            rows = [self.rows(i, detail=True) for i in unit]
            for k, (won, winner) in enumerate(winners([(r.rows, r.amounts) for r in rows])):
                i, r = unit[k], rows[k]
                end = at + r.rows.size
                scale = self.summaries[i].scale
                out["row"][at:end] = r.rows
                out["item"][at:end] = i
                out["eligible"][at:end] = r.amounts
                awarded = out["awarded"][at:end]
                np.multiply(r.amounts, won, out=awarded)
                if scale is not None:
                    awarded[won] = scaled(r.amounts[won], *scale)
                out["outcome"][at:end] = np.where(won, REDUCED if scale else AWARDED, SUPERSEDED)
                out["by"][at:end] = np.where(won, len(self.plan.items), np.asarray(unit, np.int32)[winner])
                blocks.append((i, r.rows.size, r.stages))
                at = end
        return _frame(self, out, blocks if stages else None)


def _frame(batch: Batch, out: dict[str, np.ndarray], blocks) -> pl.DataFrame:
    items = batch.plan.items
    codes = [item.code for item in items]
    columns = {
        "enterprise_id": batch.frame.get_column("enterprise_id").gather(pl.Series(out["row"])).cast(pl.Int64),
        "item_code": pl.Series(codes, dtype=pl.Utf8).gather(pl.Series(out["item"])),
        "eligible_amount": pl.Series(out["eligible"], dtype=pl.Int64),
        "awarded_amount": pl.Series(out["awarded"], dtype=pl.Int64),
        "outcome": pl.Series(OUTCOMES, dtype=pl.Utf8).gather(pl.Series(out["outcome"])),
        "superseded_by": pl.Series([*codes, None], dtype=pl.Utf8).gather(pl.Series(out["by"])),
    }
    df = pl.DataFrame(columns)
    if blocks is None:
        return df
    return df.with_columns(_stage_lists(items, blocks).alias("stage_amounts"))


STAGE = pl.Struct({"stage": pl.Utf8, "amount": pl.Int64})


def _stage_lists(items: list[ItemPlan], blocks) -> pl.Series:
    """Per pair, the list of {stage, amount} counted. Built without nulls inside lists (Polars
    2.1 takes tens of seconds to concatenate lists of nullable structs): each run of consecutive
    items with the same number of stages becomes a fixed-width array of structs, reshaped to lists,
    dropping the stages not counted (amount -1) only where an item has several."""
    names = sorted({stage.name for item in items for stage in item.stages})
    name_series = pl.Series(names, dtype=pl.Utf8)
    segments: list[pl.Series] = []
    run: list[tuple[int, int, list[np.ndarray]]] = []

    def flush() -> None:
        if not run:
            return
        depth = len(items[run[0][0]].stages)
        ids = np.concatenate([np.tile(np.array([names.index(s.name) for s in items[i].stages], np.int32), size)
                              for i, size, _ in run])
        amounts = np.concatenate([np.column_stack(per).ravel() for _, _, per in run])
        flat = pl.DataFrame({"stage": name_series.gather(pl.Series(ids)), "amount": pl.Series(amounts, dtype=pl.Int64)})
        lists = flat.select(pl.struct("stage", "amount")).to_series().reshape((-1, depth)).cast(pl.List(STAGE))
        if depth > 1:  # a single stage is always counted where the item is eligible
            lists = lists.list.filter(pl.element().struct.field("amount") >= 0)
        segments.append(lists)
        run.clear()

    for block in blocks:
        if block[1] == 0:
            continue
        if run and len(items[run[0][0]].stages) != len(items[block[0]].stages):
            flush()
        run.append(block)
    flush()
    if not segments:
        return pl.Series([], dtype=pl.List(STAGE))
    return pl.concat(segments, rechunk=False)


def winners(entries: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Highest amount per row across a group's items (``entries`` in code order: ties go to the
    first). Returns per item (won flags over its rows, index of the winning item per row)."""
    if len(entries) == 1:
        rows = entries[0][0]
        return [(np.ones(rows.size, bool), np.zeros(rows.size, np.int64))]
    sizes = [rows.size for rows, _ in entries]
    all_rows = np.concatenate([rows for rows, _ in entries])
    all_amounts = np.concatenate([amounts for _, amounts in entries])
    all_items = np.repeat(np.arange(len(entries)), sizes)
    order = np.lexsort((all_items, -all_amounts, all_rows))
    sorted_rows = all_rows[order]
    first = np.ones(order.size, bool)
    first[1:] = sorted_rows[1:] != sorted_rows[:-1]
    run = np.cumsum(first) - 1
    winner = np.empty(order.size, np.int64)
    winner[order] = all_items[order][first][run]
    won = winner == all_items
    bounds = np.cumsum([0, *sizes])
    return [(won[a:b], winner[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def scaled(amounts: np.ndarray, budget: int, total: int) -> np.ndarray:
    """⌊amount × budget / total⌋ per award, exactly (Python integers when int64 could overflow)."""
    if amounts.size == 0:
        return amounts
    if int(amounts.max()) * budget < SAFE:
        return amounts * budget // total
    return np.array([a * budget // total for a in amounts.tolist()], np.int64)
