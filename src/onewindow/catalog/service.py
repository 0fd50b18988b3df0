"""The catalogue's public API: departments, service items and their versions, bundles and their plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from onewindow.catalog import bundles as planner
from onewindow.catalog import transfer
from onewindow.catalog.documents import Document, RawRow
from onewindow.catalog.models import Bundle, Department, ServiceItem
from onewindow.common import audit, search, versions
from onewindow.common import time as beijing
from onewindow.common.errors import Conflict, ErrorCollector, NotFound, ValidationFailed
from onewindow.common.pagination import Page
from onewindow.common.roles import CATALOG_EDITORS, Role
from onewindow.common.security import Principal


def current_clause(today: date | None = None):
    """Published and in force today."""
    return versions.in_force(ServiceItem, today)


def _can_edit(actor: Principal | None) -> bool:
    return actor is not None and actor.role in CATALOG_EDITORS


# ---- departments ---------------------------------------------------------------------------

def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def department_tree(session: Session) -> list[tuple[int, Department]]:
    """(depth, department) in tree order, for indented lists."""
    depts = list_departments(session)
    children: dict[int | None, list[Department]] = {}
    for d in depts:
        children.setdefault(d.parent_id, []).append(d)
    out: list[tuple[int, Department]] = []

    def walk(parent: int | None, depth: int) -> None:
        for d in children.get(parent, []):
            out.append((depth, d))
            walk(d.id, depth + 1)

    walk(None, 0)
    return out


def item_counts(session: Session) -> dict[int, int]:
    """Items in force per department id."""
    rows = session.execute(select(ServiceItem.department_id, func.count(func.distinct(ServiceItem.code)))
                           .where(current_clause()).group_by(ServiceItem.department_id))
    return dict(rows.all())


# ---- items ------------------------------------------------------------------------------------

def search_items(session: Session, *, q: str | None = None, department: str | None = None,
                 item_type: str | None = None, online_depth: str | None = None, level: str | None = None,
                 status: str = "current", actor: Principal | None = None, page: int = 1,
                 per_page: int = 20) -> Page:
    """Items as citizens browse them (the version in force); editors may also list drafts or all versions.

    A query goes to the full-text index first; only when that finds nothing does a substring match on
    the name run (for fragments jieba does not segment as words). The two are not OR-ed in one
    statement because PostgreSQL would then scan every row instead of using the index.
    """
    stmt = select(ServiceItem)
    if status == "current" or not _can_edit(actor):
        stmt = stmt.where(current_clause())
    elif status in ("draft", "published", "retired"):
        stmt = stmt.where(ServiceItem.status == status)
    if department:
        stmt = stmt.where(ServiceItem.department_id.in_(select(Department.id).where(Department.code == department)))
    if item_type:
        stmt = stmt.where(ServiceItem.item_type == item_type)
    if online_depth:
        stmt = stmt.where(ServiceItem.online_depth == online_depth)
    if level:
        stmt = stmt.where(ServiceItem.level == level)
    return search.search(session, stmt, model=ServiceItem, title=ServiceItem.name, q=q,
                         order=(ServiceItem.code, ServiceItem.version), page=page, per_page=per_page)


def get_item(session: Session, *, code: str, version: int | None = None, actor: Principal | None = None) -> ServiceItem:
    """The version asked for, else the one in force; drafts only for catalogue editors."""
    return versions.get_version(session, ServiceItem, code=code, version=version, noun="事项", drafts=_can_edit(actor))


def list_versions(session: Session, *, code: str, actor: Principal | None = None) -> list[ServiceItem]:
    return versions.list_versions(session, ServiceItem, code=code, noun="事项", drafts=_can_edit(actor))


def save_draft(session: Session, *, actor: Principal, data: dict) -> ServiceItem:
    """Create or replace a draft version from its document form (the same as one item of an import)."""
    actor.require(Role.admin)
    data = {**data, "status": "draft"}
    doc = Document()
    doc.rows["items"].append(RawRow("item", 1, data, "items"))
    link = {"item": data.get("code"), "version": data.get("version", 1)}
    for n, m in enumerate(data.get("materials") or [], start=1):
        doc.rows["materials"].append(RawRow("materials", n, {**link, **(m if isinstance(m, dict) else {})}))
    for n, f in enumerate(data.get("form_fields") or [], start=1):
        doc.rows["form_fields"].append(RawRow("form_fields", n, {**link, **(f if isinstance(f, dict) else {})}))
    errors = ErrorCollector()
    checked = transfer.check(session, doc, errors)
    errors.raise_if_any("事项信息有误")
    row = checked.items[0]
    existing = session.scalar(select(ServiceItem).where(ServiceItem.code == row["code"],
                                                        ServiceItem.version == row["version"]))
    before = transfer.item_document(existing) if existing else None
    transfer.apply(session, checked)
    item = get_item(session, code=row["code"], version=row["version"], actor=actor)
    audit.record(session, actor=actor, action="item.save_draft", entity_type="service_item",
                 entity_id=f"{item.code}@{item.version}", before=before, after=transfer.item_document(item))
    return item


def new_version(session: Session, *, actor: Principal, code: str) -> ServiceItem:
    """A draft copied from the latest version, to edit and publish."""
    actor.require(Role.admin)
    latest = versions.next_draft_of(session, ServiceItem, code=code, noun="事项")
    data = transfer.item_document(latest)
    data.update(version=latest.version + 1, valid_from=None, valid_to=None)
    return save_draft(session, actor=actor, data=data)


def publish_item(session: Session, *, actor: Principal, code: str, version: int,
                 valid_from: date | None = None) -> ServiceItem:
    """Publish a draft; the version it replaces ends the day before. Running cases keep their version."""
    actor.require(Role.admin)
    item = get_item(session, code=code, version=version, actor=actor)
    versions.require_draft(item, noun="事项")
    valid_from = valid_from or beijing.today()
    versions.publish(session, ServiceItem, item, valid_from)
    audit.record(session, actor=actor, action="item.publish", entity_type="service_item",
                 entity_id=f"{code}@{version}", before={"status": "draft"},
                 after={"status": "published", "valid_from": valid_from})
    return item


# ---- bundles ------------------------------------------------------------------------------------

def list_bundles(session: Session, *, actor: Principal | None = None) -> list[Bundle]:
    stmt = select(Bundle).order_by(Bundle.code)
    if not _can_edit(actor):
        stmt = stmt.where(Bundle.status == "published")
    return list(session.scalars(stmt))


def search_bundles(session: Session, *, q: str | None, actor: Principal | None = None, limit: int = 10) -> list[Bundle]:
    """Bundles (一件事) whose name or description holds every word of the query ("企业开办" finds
    企业开办一件事). A city has a few hundred bundles, so the words are matched as substrings with
    search.contains rather than through a full-text index of their own."""
    terms = search.query_terms(q or "")
    if not terms:
        return []
    stmt = select(Bundle)
    if not _can_edit(actor):
        stmt = stmt.where(Bundle.status == "published")
    for term in terms:
        stmt = stmt.where(search.contains(Bundle.name, term) | search.contains(Bundle.description, term))
    title_first = case((search.contains(Bundle.name, q.strip()), 0), else_=1)
    return list(session.scalars(stmt.order_by(title_first, Bundle.code).limit(limit)))


def get_bundle(session: Session, *, code: str, actor: Principal | None = None) -> Bundle:
    bundle = session.scalar(select(Bundle).where(Bundle.code == code))
    if bundle is None or (bundle.status != "published" and not _can_edit(actor)):
        raise NotFound(f"一件事{code}不存在")
    return bundle


def _item_view(item: ServiceItem) -> planner.ItemView:
    return planner.ItemView(
        code=item.code, name=item.name, department_code=item.department.code,
        department_name=item.department.name, promised_limit_days=item.promised_limit_days,
        statutory_limit_days=item.statutory_limit_days, steps=item.steps, visits=item.visits,
        materials=tuple(planner.MaterialView(m.code, m.name, m.required, m.pending_allowed, m.shared_source,
                                             m.produced_by)
                        for m in item.materials),
        fields=tuple(planner.FieldView(f.key, f.label, f.type, f.required, f.shared_source, tuple(f.options or ()))
                     for f in item.form_fields),
    )


def current_items(session: Session, codes: list[str]) -> dict[str, ServiceItem]:
    rows = session.scalars(select(ServiceItem).where(ServiceItem.code.in_(codes), current_clause())
                           .order_by(ServiceItem.version))
    return {i.code: i for i in rows}  # the highest version in force wins


def plan_bundle(session: Session, *, items: list[str], depends_on: dict[str, list[str]],
                core_item: str | None = None,
                found: dict[str, ServiceItem] | None = None) -> tuple[planner.BundlePlan, dict[str, ServiceItem]]:
    """Check a bundle's shape and compute its plan over the items' versions in force today.
    `found` lets a caller planning many bundles load their items in one query."""
    errors = ErrorCollector()
    found = current_items(session, items) if found is None else {c: found[c] for c in items if c in found}
    for code in items:
        if code not in found:
            errors.add(f"事项{code}不存在或没有现行有效的已发布版本", field="items")
    planner.check_structure(items, depends_on, core_item, errors)
    errors.raise_if_any("一件事配置有误")
    views = [_item_view(found[c]) for c in dict.fromkeys(items)]
    return planner.plan(views, depends_on, core_item), found


def bundle_plan(session: Session, *, bundle: Bundle,
                found: dict[str, ServiceItem] | None = None) -> tuple[planner.BundlePlan, dict[str, ServiceItem]]:
    return plan_bundle(session, items=[bi.item_code for bi in bundle.items],
                       depends_on={bi.item_code: list(bi.depends_on or []) for bi in bundle.items},
                       core_item=bundle.core_item, found=found)


def bundle_plans(session: Session, *, bundles: list[Bundle]) -> list[tuple[Bundle, planner.BundlePlan]]:
    """Plans of many bundles, their items loaded in one query rather than one per bundle."""
    found = current_items(session, sorted({bi.item_code for b in bundles for bi in b.items}))
    return [(b, bundle_plan(session, bundle=b, found=found)[0]) for b in bundles]


def save_bundle(session: Session, *, actor: Principal, code: str, name: str, description: str = "",
                status: str = "draft", core_item: str | None = None, items: list[dict],
                expected_version: int | None = None) -> Bundle:
    """Create or replace a bundle. `items`: [{"item": code, "depends_on": [codes]}] in designer order."""
    actor.require(Role.admin)
    row = {"code": code, "name": name, "description": description, "status": status, "core_item": core_item or None}
    doc = Document()
    doc.rows["bundles"].append(RawRow("bundle", 1, row, "bundles"))
    for n, bi in enumerate(items, start=1):
        doc.rows["bundle_items"].append(RawRow("items", n, {"bundle": code, **bi}, "bundle_items"))
    errors = ErrorCollector()
    checked = transfer.check(session, doc, errors)
    errors.raise_if_any("一件事配置有误")
    clean = checked.bundles[0]
    plan_bundle(session, items=[bi["item"] for bi in clean["items"]],
                depends_on={bi["item"]: bi["depends_on"] for bi in clean["items"]}, core_item=clean["core_item"])
    bundle = session.scalar(select(Bundle).where(Bundle.code == clean["code"]))
    if bundle is not None and expected_version is not None and bundle.version != expected_version:
        raise Conflict(f"一件事{code}已被他人修改，请刷新后重试")
    before = transfer.bundle_document(bundle) if bundle else None
    bundle = bundle or Bundle(code=clean["code"])
    transfer.fill_bundle(bundle, clean)
    session.add(bundle)
    session.flush()
    audit.record(session, actor=actor, action="bundle.save", entity_type="bundle", entity_id=bundle.code,
                 before=before, after=transfer.bundle_document(bundle))
    return bundle


def delete_bundle(session: Session, *, actor: Principal, code: str) -> None:
    actor.require(Role.admin)
    bundle = get_bundle(session, code=code, actor=actor)
    before = transfer.bundle_document(bundle)
    session.delete(bundle)
    audit.record(session, actor=actor, action="bundle.delete", entity_type="bundle", entity_id=code, before=before)


def check_valid_from(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed.one("生效日期格式应为YYYY-MM-DD", field="valid_from") from exc


# ---- look-ups for other packages ------------------------------------------------------------------
# Policies, licences and the demo loader name departments and catalogue items by code; they ask here
# rather than reading the catalogue's tables, so the tables may change without touching them.

def import_catalog(session: Session, *, actor: Principal, filename: str, content: bytes) -> transfer.ImportSummary:
    """Import a catalogue document (xlsx or YAML) in one transaction; any error writes nothing."""
    return transfer.import_catalog(session, actor=actor, filename=filename, content=content)


def department_id(session: Session, *, code: str) -> int | None:
    """The id of the department with this code, or None when there is none."""
    return session.scalar(select(Department.id).where(Department.code == code))


def department_ids_with_code(*, code: str):
    """A sub-query of the ids of the department with this code (none or one), for ``column.in_(…)``
    inside another package's query: the filter stays one statement, with no round trip first."""
    return select(Department.id).where(Department.code == code)


def department_code(session: Session, *, department_id: int) -> str | None:
    return session.scalar(select(Department.code).where(Department.id == department_id))


def department_codes(session: Session) -> dict[int, str]:
    """Every department's code by its id."""
    return dict(session.execute(select(Department.id, Department.code)).tuples().all())


@dataclass(frozen=True)
class DepartmentRef:
    """A department as other packages name it: plain values, not a row they could change."""

    id: int
    code: str
    name: str


def _refs(session: Session, where) -> list[DepartmentRef]:
    rows = session.execute(select(Department.id, Department.code, Department.name).where(where))
    return [DepartmentRef(*row) for row in rows.tuples()]


def department_by_id(session: Session, *, department_id: int) -> DepartmentRef | None:
    return next(iter(_refs(session, Department.id == department_id)), None)


def department_by_code(session: Session, *, code: str) -> DepartmentRef | None:
    return next(iter(_refs(session, Department.code == code)), None)


def departments_by_id(session: Session, *, ids: set[int] | list[int]) -> dict[int, DepartmentRef]:
    """The departments with these ids, by id; unknown ids are left out."""
    return {d.id: d for d in _refs(session, Department.id.in_(ids))} if ids else {}


def item_codes(session: Session) -> set[str]:
    """The code of every service item with any version (draft, published or retired)."""
    return set(session.scalars(select(ServiceItem.code).distinct()))


def item_facts_query():
    """A query of the published items' code, 网办深度 and time limits, for another package to join as a
    sub-query (the indicators' measures): one statement, no round trip per item."""
    return select(ServiceItem.code, ServiceItem.online_depth, ServiceItem.statutory_limit_days,
                  ServiceItem.promised_limit_days).where(ServiceItem.status == "published")


def bundle_measure_counts(session: Session, *, period_start: date, period_end: date) -> list:
    """The reductions of every published bundle (一件事) against its items applied for separately; the
    catalogue has no period, so every period shows the bundles as they stand."""
    from onewindow.common.measures import MeasureRow

    rows = []
    for bundle, plan in bundle_plans(session, bundles=[b for b in list_bundles(session) if b.status == "published"]):
        for key in ("materials", "steps", "time"):
            r = plan.reductions[key]
            rows.append(MeasureRow(f"catalog.{key}_separate", None, bundle.code, float(r.separate)))
            rows.append(MeasureRow(f"catalog.{key}_saved", None, bundle.code, float(r.saved)))
    return rows


def bundle_measure_records(session: Session, *, measure: str, period_start: date, period_end: date,
                           department_ids=None, item_code: str | None = None, limit: int = 500) -> list:
    from onewindow.common.measures import Record

    return [Record(r.item_code, get_bundle(session, code=r.item_code).name, None, r.item_code, None, r.value,
                   f"/catalog/bundles/{r.item_code}")
            for r in bundle_measure_counts(session, period_start=period_start, period_end=period_end)
            if r.measure == measure and (item_code is None or r.item_code == item_code) and department_ids is None
            ][:limit]


def measure_providers() -> list:
    from onewindow.common.measures import Measure, MeasureProvider

    labels = {"materials": ("材料", "件"), "steps": ("环节", "个"), "time": ("承诺时限", "天")}
    measures = tuple(m for key, (label, unit) in labels.items()
                     for m in (Measure(f"catalog.{key}_separate", f"一件事分别办理{label}", unit),
                               Measure(f"catalog.{key}_saved", f"一件事减少{label}", unit)))
    return [MeasureProvider("catalog", "一件事", measures, bundle_measure_counts, bundle_measure_records)]


@dataclass(frozen=True)
class DepartmentLevel:
    """Where a department sits: its level (市 / 县 / 乡 / 村) and its superior (None at the top)."""

    id: int
    name: str
    level: str
    parent_id: int | None


def department_levels(session: Session, *, ids: set[int] | list[int]) -> dict[int, DepartmentLevel]:
    """The level and superior of each department with these ids (demands dispatch and escalate by them)."""
    if not ids:
        return {}
    rows = session.execute(select(Department.id, Department.name, Department.level, Department.parent_id)
                           .where(Department.id.in_(list(ids))))
    return {r[0]: DepartmentLevel(*r) for r in rows.tuples()}
