"""Bundle (一件事) planning: dependency DAG, lead department, merged form and materials, reductions.

Pure functions over plain data, so the designer preview, the saved bundle page, the API and the
import all compute the same plan.

Reductions compare the bundle with applying for each item one by one:
- materials: every item's materials vs the merged list minus those replaced by shared data or
  e-licences (a material asked by several items is submitted once);
- form fields: every item's fields vs distinct keys minus prefilled ones (表单去重, 数据预填);
- steps (环节): one by one, each item's steps; bundled, application and issuance happen once
  (一次申请、统一出件) and the items' internal steps overlap in parallel, so only the heaviest
  dependency chain counts: 2 + max over chains of Σ (steps − 2);
- visits: the sum vs the most any one item needs (one trip to one window serves all);
- time: the sum of promised limits vs the critical path through the DAG (parallel approval).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from onewindow.common.errors import ErrorCollector


@dataclass(frozen=True)
class MaterialView:
    code: str
    name: str
    required: bool
    pending_allowed: bool
    shared_source: str | None
    produced_by: str | None = None


@dataclass(frozen=True)
class FieldView:
    key: str
    label: str
    type: str
    required: bool
    shared_source: str | None
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemView:
    code: str
    name: str
    department_code: str
    department_name: str
    promised_limit_days: int
    statutory_limit_days: int
    steps: int
    visits: int
    materials: tuple[MaterialView, ...]
    fields: tuple[FieldView, ...]


@dataclass
class MergedMaterial:
    code: str
    name: str
    required: bool
    pending_allowed: bool
    shared_source: str | None
    used_by: list[str] = field(default_factory=list)
    produced_by: str | None = None  # the item of this bundle that produces it: handed over, not asked

    @property
    def replaced(self) -> bool:
        return self.shared_source is not None or self.produced_by is not None


@dataclass
class MergedField:
    key: str
    label: str
    type: str
    required: bool
    shared_source: str | None
    options: tuple[str, ...]
    used_by: list[str] = field(default_factory=list)

    @property
    def prefilled(self) -> bool:
        return self.shared_source is not None


@dataclass(frozen=True)
class Reduction:
    separate: int
    bundled: int

    @property
    def saved(self) -> int:
        return self.separate - self.bundled

    @property
    def percent(self) -> float:
        return round(100 * self.saved / self.separate, 1) if self.separate else 0.0


@dataclass
class BundlePlan:
    order: list[str]                # topological order
    stages: list[list[str]]         # items that can run together, step by step
    lead_item: str
    lead_department: str
    critical_path: list[str]
    materials: list[MergedMaterial]
    fields: list[MergedField]
    reductions: dict[str, Reduction]


REDUCTION_LABELS = {"materials": "提交材料（件）", "fields": "填报字段（项）", "steps": "办理环节（个）",
                    "visits": "跑动次数（次）", "time": "承诺时限（工作日）",
                    "statutory_time": "法定时限（工作日）"}


def find_cycle(codes: list[str], deps: dict[str, list[str]]) -> list[str] | None:
    """A dependency cycle as [a, b, …, a], or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in deps.get(node, []):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for code in codes:
        if state.get(code) is None and (found := visit(code)):
            return found
    return None


def check_structure(codes: list[str], deps: dict[str, list[str]], core: str | None, errors: ErrorCollector,
                    *, sheet: str | None = None, row: int | None = None) -> None:
    """Every problem of a bundle's shape: duplicates, unknown dependencies, self-loops, cycles, core item."""
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            errors.add(f"事项{code}重复加入", sheet=sheet, row=row, field="items")
        seen.add(code)
    if not codes:
        errors.add("一件事至少包含一个事项", sheet=sheet, row=row, field="items")
    for code, needs in deps.items():
        for dep in needs:
            if dep == code:
                errors.add(f"事项{code}不能依赖自身", sheet=sheet, row=row, field="depends_on")
            elif dep not in seen:
                errors.add(f"事项{code}的前置事项{dep}不在本一件事中", sheet=sheet, row=row, field="depends_on")
    if core and core not in seen:
        errors.add(f"核心事项{core}不在本一件事中", sheet=sheet, row=row, field="core_item")
    clean = {c: [d for d in deps.get(c, []) if d in seen and d != c] for c in codes}
    if cycle := find_cycle(codes, clean):
        # Arrows point from an item to its prerequisite: "A 依赖于 B" means B is decided first.
        errors.add("依赖关系存在环：" + " 依赖于 ".join(cycle) + "，无法确定先办哪一项",
                   sheet=sheet, row=row, field="depends_on")


def _stages(codes: list[str], deps: dict[str, list[str]]) -> list[list[str]]:
    depth: dict[str, int] = {}

    def level(code: str) -> int:
        if code not in depth:
            depth[code] = 1 + max((level(d) for d in deps.get(code, [])), default=-1)
        return depth[code]

    for code in codes:
        level(code)
    out: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for code in codes:  # keep the designer's order within a stage
        out[depth[code]].append(code)
    return out


def _longest(order: list[str], deps: dict[str, list[str]], weight: dict[str, int]) -> tuple[int, list[str]]:
    best: dict[str, tuple[int, list[str]]] = {}
    for code in order:
        prev = max((best[d] for d in deps.get(code, [])), key=lambda t: t[0], default=(0, []))
        best[code] = (prev[0] + weight[code], prev[1] + [code])
    return max(best.values(), key=lambda t: t[0], default=(0, []))


def plan(items: list[ItemView], deps: dict[str, list[str]], core: str | None) -> BundlePlan:
    """The plan of a bundle whose structure passed `check_structure`."""
    by_code = {i.code: i for i in items}
    codes = [i.code for i in items]
    stages = _stages(codes, deps)
    order = [c for stage in stages for c in stage]
    lead = core if core in by_code else (stages[0][0] if stages else codes[0])

    before: dict[str, set[str]] = {}
    for code in order:  # prerequisites, transitively (order is topological)
        before[code] = {p for d in deps.get(code, []) for p in (d, *before.get(d, ()))}
    materials: dict[str, MergedMaterial] = {}
    fields: dict[str, MergedField] = {}
    for code in order:
        item = by_code[code]
        for m in item.materials:
            merged = materials.get(m.code)
            # Handed over only when the producer is decided first (a prerequisite, directly or not).
            produced = m.produced_by if m.produced_by in before[code] else None
            if merged is None:
                merged = materials[m.code] = MergedMaterial(m.code, m.name, m.required, m.pending_allowed,
                                                             m.shared_source, produced_by=produced)
            else:
                merged.produced_by = merged.produced_by if produced else None
                merged.required |= m.required
                merged.pending_allowed &= m.pending_allowed  # key material for any item is key for the bundle
                # Replaced only if every item can take it from shared data; otherwise it is submitted once.
                merged.shared_source = merged.shared_source if m.shared_source else None
            merged.used_by.append(code)
        for f in item.fields:
            mf = fields.get(f.key)
            if mf is None:
                mf = fields[f.key] = MergedField(f.key, f.label, f.type, f.required, f.shared_source, f.options)
            else:
                mf.required |= f.required
                # Prefilled only if every item can; if one asks the applicant, the answer serves all.
                mf.shared_source = mf.shared_source if f.shared_source else None
            mf.used_by.append(code)

    promised, path = _longest(order, deps, {c: by_code[c].promised_limit_days for c in codes})
    statutory, _ = _longest(order, deps, {c: by_code[c].statutory_limit_days for c in codes})
    internal, _ = _longest(order, deps, {c: max(by_code[c].steps - 2, 0) for c in codes})
    reductions = {
        "materials": Reduction(sum(len(i.materials) for i in items),
                               sum(1 for m in materials.values() if not m.replaced)),
        "fields": Reduction(sum(len(i.fields) for i in items), sum(1 for f in fields.values() if not f.prefilled)),
        "steps": Reduction(sum(i.steps for i in items), min(2 + internal, sum(i.steps for i in items))),
        "visits": Reduction(sum(i.visits for i in items), max((i.visits for i in items), default=0)),
        "time": Reduction(sum(i.promised_limit_days for i in items), promised),
        "statutory_time": Reduction(sum(i.statutory_limit_days for i in items), statutory),
    }
    return BundlePlan(order=order, stages=stages, lead_item=lead,
                      lead_department=by_code[lead].department_name if lead in by_code else "",
                      critical_path=path, materials=list(materials.values()), fields=list(fields.values()),
                      reductions=reductions)
