"""Vectorised evaluation of a match plan (:mod:`.plan`) over a frame of profiles.

Three-valued results are two packed bitsets over the rows, 64 rows per ``uint64`` word (2,000,000
rows are 31,250 words, 250 KB): *definitely true* (T) and *definitely false* (F). An atom keeps
only T and the mask of rows where the fields it reads are known (K); its F is ``K & ~T``. Kleene's
and/or/not are then word-wise numpy operations: T(a and b) = T(a) & T(b), F(a and b) = F(a) | F(b),
and ``not`` swaps T and F — so unknown stays unknown under ``not``, as in the other evaluators.
Padding bits past the last row are always 0 in both.

Columns are converted once per field, only for fields some atom or formula reads:

- numbers, money, dates (days) and the derived age: ``int64`` arrays (nulls filled, and K);
- text, enum and industry: codes into the *sorted* distinct values, so that ``industry under
  "C3"`` or a city's districts ``region in {…}`` are one contiguous range of codes — one subtraction
  and one comparison per row, instead of a table lookup;
- sets: a bitmask per row over the members the plan's atoms ask about.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from onewindow.policies.engine.plan import FALSE, TRUE, Cat, Cmp, Flag, General, Has, Known, Plan
from onewindow.policies.rules import arith as rules_arith
from onewindow.policies.rules.frames import condition_expr, full_height

if TYPE_CHECKING:  # pragma: no cover
    from onewindow.policies.rules.core import Parameters

INT64 = np.iinfo(np.int64)
MAX_RUNS = 8  # a categorical atom matching more separate runs of codes uses a lookup table
FEW = 4  # a text field with this many atoms or fewer is compared directly, without coding it
THREADS = max(1, min(4, os.cpu_count() or 1))  # numpy and Polars release the GIL in their loops
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def pool() -> ThreadPoolExecutor:
    """One pool for every match: the same few threads each time, so that the memory their
    allocator arenas hold is reused rather than multiplied by every match a service runs."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="policy-match")
        return _POOL


# --- bitsets --------------------------------------------------------------------------------


def pack(mask: np.ndarray, words: int) -> np.ndarray:
    """A boolean row mask as little-endian bits in ``words`` uint64 words (padding 0)."""
    raw = np.packbits(mask, bitorder="little")
    if raw.size != words * 8:
        raw = np.concatenate([raw, np.zeros(words * 8 - raw.size, np.uint8)])
    return raw.view(np.uint64)


def count(bits: np.ndarray) -> int:
    return int(np.bitwise_count(bits).sum(dtype=np.int64))


def indices(bits: np.ndarray) -> np.ndarray:
    """The set rows, ascending, unpacking only the non-zero words (eligibility is usually sparse)."""
    nz = np.flatnonzero(bits)
    if nz.size == 0:
        return np.empty(0, np.int64)
    if nz.size * 2 > bits.size:  # dense: unpack everything, positions are the rows
        return np.flatnonzero(np.unpackbits(bits.view(np.uint8), bitorder="little"))
    at = np.flatnonzero(np.unpackbits(bits[nz].view(np.uint8), bitorder="little"))
    return nz[at >> 6] * 64 + (at & 63)


def from_indices(rows: np.ndarray, words: int) -> np.ndarray:
    mask = np.zeros(words * 64, bool)
    mask[rows] = True
    return pack(mask, words)


def test(bits: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The bits at ``rows`` as a boolean array."""
    return ((bits[rows >> 6] >> (rows & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)


# --- columns --------------------------------------------------------------------------------


class Columns:
    """The frame's columns as numpy arrays. :meth:`prepare` converts every column the plan reads
    in one Polars ``select`` (Polars runs its expressions in parallel) and the set columns in
    parallel threads; anything else is converted on first use."""

    def __init__(self, frame: pl.DataFrame, as_of: dt.date, members: dict[str, list[str]]) -> None:
        self.frame, self.as_of = frame, as_of
        self.n = frame.height
        self.words = (self.n + 63) // 64
        self.ones = pack(np.ones(self.n, bool), self.words)
        self.zeros = np.zeros(self.words, np.uint64)
        self.members = members  # set field → the members atoms ask about
        self._known: dict[str, np.ndarray] = {}
        self._numeric: dict[str, np.ndarray] = {}
        self._physical: dict[str, pl.Series] = {}  # categorical codes as Polars gives them
        self._codes: dict[str, tuple[np.ndarray, list[str]]] = {}
        self._masks: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
        self._flags: dict[str, np.ndarray] = {}

    def series(self, name: str) -> pl.Series:
        try:
            return self.frame.get_column(name)
        except pl.exceptions.ColumnNotFoundError:
            raise ValueError(f"画像数据缺少字段「{name}」") from None

    def prepare(self, numeric: set[str], flags: set[str], cats: set[str], known: set[str], sets: set[str]) -> None:
        for name in {*numeric, *flags, *cats, *known, *sets}:
            self.series(name)  # a clear error for a missing column
        exprs: list[pl.Expr] = []
        for name in numeric:
            expr = pl.col(name)
            if self.frame.schema[name] == pl.Date:
                expr = expr.to_physical()
            if self.frame.schema[name] != pl.Int64:
                expr = expr.cast(pl.Int64)
            exprs.append(expr.fill_null(0).alias(f"n|{name}"))
        exprs += [pl.col(name).fill_null(False).alias(f"f|{name}") for name in flags]
        exprs += [pl.col(name).cast(pl.Categorical).to_physical().alias(f"c|{name}") for name in cats]
        nullable = {name for name in known if self.frame.get_column(name).null_count()}
        exprs += [pl.col(name).is_not_null().alias(f"k|{name}") for name in nullable]
        for name in known - nullable:
            self._known[name] = self.ones
        masks = [pool().submit(self.mask, name) for name in sets]
        converted = self.frame.select(exprs) if exprs else None
        if converted is not None:
            for column in converted.iter_columns():
                kind, name = column.name.split("|", 1)
                if kind == "n":
                    self._numeric[name] = column.to_numpy()
                elif kind == "f":
                    self._flags[name] = column.to_numpy()
                elif kind == "c":
                    self._physical[name] = column
                else:
                    self._known[name] = pack(column.to_numpy(), self.words)
        codes = [pool().submit(self.codes, name) for name in cats]
        for future in [*masks, *codes]:
            future.result()

    def integral(self, names) -> bool:
        """Every field is an int or money column (those the 64-bit fast paths take)."""
        return all(self.frame.schema.get(name) == pl.Int64 and name != "enterprise_id" for name in names)

    def bounds(self, names) -> dict[str, int]:
        """The largest magnitude of each column, for choosing 64-bit arithmetic."""
        names = sorted(names)
        stats = self.frame.select([e for n in names for e in (pl.col(n).max(), pl.col(n).min().alias(f"{n}|min"))]).row(0)
        return {n: max(abs(stats[2 * i] or 0), abs(stats[2 * i + 1] or 0)) for i, n in enumerate(names)}

    def known(self, name: str) -> np.ndarray:
        if name not in self._known:
            s = self.series(name)
            self._known[name] = self.ones if s.null_count() == 0 else pack(s.is_not_null().to_numpy(), self.words)
        return self._known[name]

    def numeric(self, name: str) -> np.ndarray:
        if name not in self._numeric:
            s = self.series(name)
            if s.dtype == pl.Date:
                s = s.to_physical()
            self._numeric[name] = s.cast(pl.Int64).fill_null(0).to_numpy()
        return self._numeric[name]

    def flag(self, name: str) -> np.ndarray:
        if name not in self._flags:
            self._flags[name] = self.series(name).fill_null(False).to_numpy()
        return self._flags[name]

    def codes(self, name: str) -> tuple[np.ndarray, list[str]]:
        """Codes 0…k-1 of the sorted distinct values, and the values; a null row gets code k."""
        if name not in self._codes:
            s = self.series(name)
            physical = self._physical.pop(name, None)
            if physical is None:
                physical = s.cast(pl.Categorical).to_physical()
            nulls = physical.is_null().to_numpy() if physical.null_count() else None
            raw = physical.fill_null(0).to_numpy() if nulls is not None else physical.to_numpy()
            rows = np.flatnonzero(~nulls) if nulls is not None else None
            present = np.bincount(raw[rows] if rows is not None else raw, minlength=int(raw.max()) + 1 if raw.size else 0)
            seen = np.flatnonzero(present)
            holder = np.zeros(present.size, np.int64)  # some row holding each code, to read its text
            holder[raw[rows] if rows is not None else raw] = rows if rows is not None else np.arange(self.n)
            values = s.gather(holder[seen]).to_list()
            order = sorted(range(len(values)), key=values.__getitem__)
            dtype = np.uint16 if len(values) < 2**16 else np.uint32
            lut = np.full(present.size, len(values), dtype)
            lut[seen[order]] = np.arange(len(values), dtype=dtype)
            codes = lut[raw]
            if nulls is not None:
                codes[nulls] = len(values)
            self._codes[name] = (codes, [values[i] for i in order])
        return self._codes[name]

    def mask(self, name: str) -> tuple[np.ndarray, dict[str, int]]:
        """Per row, a bitmask of the asked-about members it has (64 at most per field)."""
        if name not in self._masks:
            wanted = sorted(self.members.get(name, ()))[:64]
            bit = {m: 1 << i for i, m in enumerate(wanted)}
            s = self.series(name)
            lengths = s.list.len().fill_null(0).to_numpy().astype(np.int64)
            flat = s.explode(empty_as_null=False, keep_nulls=False)
            names = list(bit)
            codes = flat.cast(pl.Enum(names), strict=False).to_physical().fill_null(len(names)).to_numpy()
            dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if np.iinfo(t).bits >= len(names))
            lut = np.array([bit[m] for m in names] + [0], dtype)
            out = np.zeros(self.n, dtype)
            nonempty = lengths > 0
            if codes.size:  # OR each row's members together (a duplicate member does no harm)
                starts = np.cumsum(lengths) - lengths
                out[nonempty] = np.bitwise_or.reduceat(lut[codes], starts[nonempty])
            self._masks[name] = (out, bit)
        return self._masks[name]


# --- atoms and rules ------------------------------------------------------------------------


class Bits:
    """T and F bitsets of the plan's nodes over one frame; nodes shared by several items or
    parents are computed once and kept."""

    def __init__(self, plan: Plan, frame: pl.DataFrame, as_of: dt.date, parameters: Parameters) -> None:
        self.plan, self.as_of, self.parameters = plan, as_of, parameters
        members: dict[str, list[str]] = {}
        for atom in plan.atoms:
            if isinstance(atom, Has):
                members.setdefault(atom.field, []).append(atom.member)
        self.cols = Columns(frame, as_of, members)
        self.words = self.cols.words
        self._prepare()
        self._compared = self._comparisons()
        # atoms are independent: evaluate them in threads (numpy releases the GIL while it works)
        results = list(pool().map(self.evaluate, plan.atoms, range(len(plan.atoms))))
        self.atom_t = [t for t, _ in results]
        self.atom_k = [k for _, k in results]
        self._cache_t: dict[int, np.ndarray] = {}
        self._cache_f: dict[int, np.ndarray] = {}
        self.chain_order, self.shared_prefixes = plan.chains()
        self._prefix: dict[tuple, np.ndarray] = {}  # combined prefixes other nodes will reuse
        self._left: dict[tuple, int] = {}  # … and how many more times

    def _prepare(self) -> None:
        numeric, flags, cats, known, sets = set(), set(), set(), set(), set()
        self.direct = self._few_categorical()
        for atom in self.plan.atoms:
            if isinstance(atom, General):
                continue
            known.add(atom.field)
            if isinstance(atom, Cat) and atom.field not in self.direct:
                cats.add(atom.field)
            elif isinstance(atom, Has):
                sets.add(atom.field)
            elif isinstance(atom, Flag):
                flags.add(atom.field)
        for item in self.plan.items:  # formulas read their fields at the rows where a rule holds
            for stage in item.stages:
                if stage.fixed is None and self.cols.integral(stage.amount.fields):
                    numeric |= stage.amount.fields
                    known |= stage.amount.fields
        self.cols.prepare(numeric, flags, cats, known, sets)

    def _few_categorical(self) -> set[str]:
        """Text fields so seldom tested that comparing the strings beats coding the column (a
        Categorical cast hashes every row; ``tax_credit_grade in {"A", "B"}`` alone does not pay)."""
        tests: dict[str, int] = {}
        for atom in self.plan.atoms:
            if isinstance(atom, Cat):
                tests[atom.field] = tests.get(atom.field, 0) + 1
        return {name for name, n in tests.items() if n <= FEW}

    def _comparisons(self) -> pl.DataFrame:
        """Every numeric comparison atom, and the text atoms of :meth:`_few_categorical` fields, in
        one Polars ``select`` (run in parallel, no int64 copies of the columns), null read as false;
        column ``str(index)`` per atom."""
        exprs = []
        for index, atom in enumerate(self.plan.atoms):
            if isinstance(atom, Cat) and atom.field in self.direct:
                col = pl.col(atom.field)
                hit = col.str.starts_with(atom.values) if atom.op == "under" else col.is_in(sorted(atom.values))
                exprs.append(hit.fill_null(False).alias(str(index)))
            if isinstance(atom, Cmp) and INT64.min <= atom.value <= INT64.max:
                col = pl.col(atom.field)
                if self.cols.frame.schema[atom.field] == pl.Date:
                    col = col.to_physical()
                hit = col < atom.value if atom.op == "lt" else col == atom.value
                exprs.append(hit.fill_null(False).alias(str(index)))
        return self.cols.frame.select(exprs)

    def evaluate(self, atom, index: int) -> tuple[np.ndarray, np.ndarray]:
        """T and K of the plan's atom number ``index``."""
        cols, words = self.cols, self.words
        if isinstance(atom, Cmp):
            known = cols.known(atom.field)
            if atom.value > INT64.max or atom.value < INT64.min:  # beyond any stored value
                every = atom.op == "lt" and atom.value > 0
                return (known if every else cols.zeros), known
            hit = self._compared.get_column(str(index)).to_numpy()
            return pack(hit, words), known
        if isinstance(atom, Cat):
            if atom.field in self.direct:
                return pack(self._compared.get_column(str(index)).to_numpy(), words), cols.known(atom.field)
            return self.categorical(atom), cols.known(atom.field)
        if isinstance(atom, Has):
            mask, bit = cols.mask(atom.field)
            if atom.member in bit:
                hit = (mask & mask.dtype.type(bit[atom.member])) != 0
            else:  # past 64 asked-about members of one field: test the lists directly
                hit = cols.series(atom.field).list.contains(atom.member).fill_null(False).to_numpy()
            return pack(hit, words), cols.known(atom.field)
        if isinstance(atom, Flag):
            return pack(cols.flag(atom.field), words), cols.known(atom.field)
        if isinstance(atom, Known):
            known = cols.known(atom.field)
            return known, known
        assert isinstance(atom, General)
        expr = None
        if cols.integral(atom.fields):  # 64-bit arithmetic when the data's magnitudes allow it
            try:
                expr = condition_expr(atom.node, self.as_of, self.parameters, rules_arith.NARROW, cols.bounds(atom.fields))
            except rules_arith.Overflow:
                expr = None
        if expr is None:
            expr = condition_expr(atom.node, self.as_of, self.parameters)
        s = cols.frame.select(full_height(expr).alias("x")).to_series()
        known = pack(s.is_not_null().to_numpy(), words)
        return pack(s.fill_null(False).to_numpy(), words), known

    def categorical(self, atom: Cat) -> np.ndarray:
        codes, values = self.cols.codes(atom.field)
        if atom.op == "under":
            table = np.fromiter((v.startswith(atom.values) for v in values), bool, len(values))
        else:
            table = np.fromiter((v in atom.values for v in values), bool, len(values))
        # runs of matching codes: sorted values make a subtree or a city's districts one run
        edges = np.flatnonzero(np.diff(np.concatenate([[False], table, [False]]).astype(np.int8)))
        runs = list(zip(edges[::2], edges[1::2], strict=True))
        if not runs:
            return self.cols.zeros
        if len(runs) > MAX_RUNS:
            return pack(np.concatenate([table, [False]])[codes], self.words)
        result = None
        for lo, hi in runs:  # lo <= code < hi as one unsigned comparison (codes below lo wrap round)
            hit = pack((codes - codes.dtype.type(lo)) < codes.dtype.type(hi - lo), self.words)
            result = hit if result is None else result | hit
        return result

    # nodes
    def t(self, ident: int) -> np.ndarray:
        cached = self._cache_t.get(ident)
        if cached is not None:
            return cached
        shape = self.plan.nodes[ident]
        kind = shape[0]
        if kind == "const":
            return self.cols.ones if ident == TRUE else self.cols.zeros
        if kind == "atom":
            return self.atom_t[shape[1]]
        if kind == "not":
            result = self.f(shape[1])
        else:
            result = self._chain(ident, "t", np.bitwise_and if kind == "and" else np.bitwise_or, self.t)
        if self.plan.uses[ident] > 1:
            self._cache_t[ident] = result
        return result

    def f(self, ident: int) -> np.ndarray:
        cached = self._cache_f.get(ident)
        if cached is not None:
            return cached
        shape = self.plan.nodes[ident]
        kind = shape[0]
        if kind == "const":
            return self.cols.zeros if ident == TRUE else self.cols.ones
        if kind == "atom":
            result = self.atom_k[shape[1]] & ~self.atom_t[shape[1]]
            self._cache_f[ident] = result  # an atom's F is cheap to keep and often reused
            return result
        if kind == "not":
            result = self.t(shape[1])
        else:
            result = self._chain(ident, "f", np.bitwise_or if kind == "and" else np.bitwise_and, self.f)
        if self.plan.uses[ident] > 1:
            self._cache_f[ident] = result
        return result

    def _chain(self, ident: int, side: str, op, operand) -> np.ndarray:
        """Combine a node's operands left to right in :meth:`.Plan.chains` order, starting from the
        longest prefix another node already combined, and keeping prefixes that more nodes will
        start with (until their last use)."""
        order = self.chain_order[ident]
        kind = self.plan.nodes[ident][0]
        start, acc = 0, None
        for k in range(len(order) - 1, 1, -1):
            hit = self._prefix.get((side, kind, order[:k]))
            if hit is not None:
                for j in range(2, k + 1):  # this node has used every kept prefix of its own
                    self._release((side, kind, order[:j]))
                start, acc = k, hit
                break
        if acc is None:
            start, acc = 1, operand(order[0])
        shared = True  # acc is an array kept elsewhere: the next operation must not write into it
        for k in range(start, len(order)):
            if shared:
                acc = op(acc, operand(order[k]))
                shared = False
            else:
                op(acc, operand(order[k]), out=acc)
            if k + 1 < len(order):
                uses = self.shared_prefixes.get((kind, order[: k + 1]))
                if uses is not None:
                    self._prefix[(side, kind, order[: k + 1])] = acc
                    self._left[(side, kind, order[: k + 1])] = uses - 1
                    shared = True
        return acc

    def _release(self, key: tuple) -> None:
        if key not in self._left:
            return
        left = self._left[key] - 1
        if left <= 0:
            del self._prefix[key], self._left[key]
        else:
            self._left[key] = left


__all__ = ["FALSE", "TRUE", "Bits", "Columns", "count", "from_indices", "indices", "pack", "test"]
