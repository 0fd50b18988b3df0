"""The policy library: policies and their award items, versioned (draft → published; publishing
ends the version before, the day before the new one starts), dated parameters, exclusivity groups,
Chinese full-text search, and the compiled items the matcher and 免申即享 batches run on.

Reading published items is public; policy officers (政策管理员) and admins edit. An officer who
belongs to a department edits only the items that department pays.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import cast, exists, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common import audit, search, versions
from onewindow.common import time as beijing
from onewindow.common.documents import unknown_key
from onewindow.common.errors import Conflict, ErrorCollector, Forbidden, NotFound, ValidationFailed
from onewindow.common.pagination import Page
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.policies.engine.core import ItemSpec, compile_item
from onewindow.policies.library import testcases
from onewindow.policies.library.documents import YAML_KEYS, Entry, LibraryDoc, Where
from onewindow.policies.library.validate import (
    CODE,
    PARAM_NAME,
    amount_value,
    check_document,
    load_parameters,
    param_value,
)
from onewindow.policies.models import (
    AwardItem,
    ExclusivityGroup,
    Policy,
    PolicyParameter,
    PolicyParameterValue,
    PolicyTestCase,
)
from onewindow.policies.rules.core import ParameterError, Parameters, RuleError, check

POLICY_EDITORS = (Role.policy_officer, Role.admin)
ITEM_STATUSES = ("draft", "published", "retired")
CONTENT_KEYS = ("policy", "title", "department", "tags", "description", "rule", "amount", "budget_fen", "auto_grant",
                "recurrence", "apply_item", "valid_from", "group")

__all__ = ["POLICY_EDITORS", "active_specs", "add_parameter_value", "can_edit", "define_parameter", "flatten_groups",
           "get_item", "get_policy", "list_groups", "list_parameters", "list_test_cases", "list_versions",
           "load_parameters", "new_version", "policy_items", "publish_item", "run_tests", "save_draft", "save_group",
           "search_items", "search_policies"]


def can_edit(actor: Principal | None) -> bool:
    return actor is not None and actor.role in POLICY_EDITORS


def _require_editor(actor: Principal, department_id: int | None = None) -> None:
    actor.require(*POLICY_EDITORS)
    if department_id is not None and actor.role == Role.policy_officer and actor.department_id not in (None,
                                                                                                        department_id):
        raise Forbidden("只能编辑本部门兑现的奖补事项")


def current_clause(as_of: date | None = None):
    """Published and in force on the day."""
    return versions.in_force(AwardItem, as_of)


def _has_tag(session: Session, column, tag: str):
    """A JSON list column holding the tag (the lists are short; no index is needed beside the others)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(column, JSONB).contains([tag])
    return exists(select(text("1")).select_from(func.json_each(column).table_valued("value"))
                  .where(text("value = :tag").bindparams(tag=tag)))


def search_policies(session: Session, *, q: str | None = None, level: str | None = None, tag: str | None = None,
                    department: str | None = None, page: int = 1, per_page: int = 20) -> Page:
    """Policies, by Chinese full text over title, document number, issuer, tags and text; `department`
    keeps policies with an item in force that the department pays."""
    stmt = select(Policy)
    if level:
        stmt = stmt.where(Policy.level == level)
    if tag:
        stmt = stmt.where(_has_tag(session, Policy.tags, tag))
    if department:
        stmt = stmt.where(Policy.id.in_(select(AwardItem.policy_id).where(
            AwardItem.department_id.in_(catalog.department_ids_with_code(code=department)), current_clause())))
    return search.search(session, stmt, model=Policy, title=Policy.title, q=q, order=(Policy.code,), page=page,
                         per_page=per_page)


def search_items(session: Session, *, q: str | None = None, department: str | None = None, tag: str | None = None,
                 level: str | None = None, auto_grant: bool | None = None, policy: str | None = None,
                 status: str = "current", as_of: date | None = None, actor: Principal | None = None,
                 page: int = 1, per_page: int = 20) -> Page:
    """Award items as enterprises browse them (the version in force); editors may also list drafts,
    published or retired versions, or every version (status "all")."""
    stmt = select(AwardItem)
    if status == "current" or not can_edit(actor):
        stmt = stmt.where(current_clause(as_of))
    elif status in ITEM_STATUSES:
        stmt = stmt.where(AwardItem.status == status)
    elif status != "all":
        raise ValidationFailed.one(f"状态「{status}」无效，应为 current/draft/published/retired/all 之一", field="status")
    if department:
        stmt = stmt.where(AwardItem.department_id.in_(catalog.department_ids_with_code(code=department)))
    if tag:
        stmt = stmt.where(_has_tag(session, AwardItem.tags, tag))
    if level or policy:
        conditions = [Policy.level == level] if level else []
        conditions += [Policy.code == policy] if policy else []
        stmt = stmt.where(AwardItem.policy_id.in_(select(Policy.id).where(*conditions)))
    if auto_grant is not None:
        stmt = stmt.where(AwardItem.auto_grant.is_(auto_grant))
    return search.search(session, stmt, model=AwardItem, title=AwardItem.title, q=q,
                         order=(AwardItem.code, AwardItem.version), page=page, per_page=per_page)


def get_policy(session: Session, *, code: str) -> Policy:
    policy = session.scalar(select(Policy).where(Policy.code == code))
    if policy is None:
        raise NotFound(f"政策{code}不存在")
    return policy


def policy_items(session: Session, *, policy: Policy, as_of: date | None = None) -> list[AwardItem]:
    """The policy's items in force (one version each)."""
    rows = session.scalars(select(AwardItem).where(AwardItem.policy_id == policy.id, current_clause(as_of))
                           .order_by(AwardItem.code, AwardItem.version))
    return list({i.code: i for i in rows}.values())  # the highest version in force wins


def get_item(session: Session, *, code: str, version: int | None = None, actor: Principal | None = None,
             as_of: date | None = None) -> AwardItem:
    """The version asked for, else the one in force; editors without one in force get the latest."""
    return versions.get_version(session, AwardItem, code=code, version=version, noun="奖补事项",
                                drafts=can_edit(actor), as_of=as_of)


def list_versions(session: Session, *, code: str, actor: Principal | None = None) -> list[AwardItem]:
    return versions.list_versions(session, AwardItem, code=code, noun="奖补事项", drafts=can_edit(actor))


def list_test_cases(session: Session, *, code: str) -> list[PolicyTestCase]:
    return list(session.scalars(select(PolicyTestCase).where(PolicyTestCase.item_code == code)
                                .order_by(PolicyTestCase.id)))


# --- writing versions (also used by the import) ----------------------------------------------------


def item_content(session: Session, item: AwardItem) -> dict[str, Any]:
    """A version's content in the validator's terms; two versions with equal content are the same item."""
    return {"policy": session.scalar(select(Policy.code).where(Policy.id == item.policy_id)), "title": item.title,
            "department": catalog.department_code(session, department_id=item.department_id),
            "tags": list(item.tags or []),
            "description": item.description, "rule": item.rule, "amount": item.amount, "budget_fen": item.budget_fen,
            "auto_grant": item.auto_grant, "recurrence": item.recurrence, "apply_item": item.apply_item_code,
            "valid_from": item.valid_from, "valid_to": item.valid_to, "group": item.exclusive_group}


def same_content(session: Session, item: AwardItem, row: Mapping[str, Any]) -> bool:
    return versions.same_content(item_content(session, item), row, CONTENT_KEYS)


def fill_version(session: Session, item: AwardItem, row: Mapping[str, Any]) -> None:
    policy = session.scalar(select(Policy).where(Policy.code == row["policy"]))
    department = catalog.department_by_code(session, code=row["department"])
    item.policy_id, item.department_id = policy.id, department.id
    item.title, item.tags, item.description, item.rule = row["title"], list(row["tags"]), row["description"], row["rule"]
    item.amount, item.budget_fen, item.auto_grant = row["amount"], row["budget_fen"], row["auto_grant"]
    item.recurrence, item.apply_item_code, item.exclusive_group = row["recurrence"], row["apply_item"], row["group"]
    item.valid_from, item.valid_to = row["valid_from"], row["valid_to"]
    item.search_text = search.segment(row["title"], row["description"] or "", " ".join(row["tags"]), policy.title,
                               department.name)


def publish_version(session: Session, item: AwardItem, valid_from: date) -> list[str]:
    """Publish ``item`` from ``valid_from``; earlier published versions end the day before (a version
    that would end before it began is retired). Returns the versions ended, for the audit record."""
    return versions.publish(session, AwardItem, item, valid_from)


def replace_tests(session: Session, code: str, cases: list[dict]) -> bool:
    """The item's test cases become ``cases``; False when they already were."""
    wanted = [(c["name"], c["as_of"], c["profile"], c["eligible"], c["amount_fen"]) for c in cases]
    existing = list_test_cases(session, code=code)
    if [(t.name, t.as_of, t.profile, t.expected_eligible, t.expected_amount_fen) for t in existing] == wanted:
        return False
    for t in existing:
        session.delete(t)
    session.flush()
    for name, as_of, profile, eligible, amount in wanted:
        session.add(PolicyTestCase(item_code=code, name=name, as_of=as_of, profile=profile,
                                   expected_eligible=eligible, expected_amount_fen=amount))
    return True


def latest_version(session: Session, code: str) -> AwardItem | None:
    return versions.latest(session, AwardItem, code)


# --- editing ------------------------------------------------------------------------------------------


def save_draft(session: Session, *, actor: Principal, data: dict) -> AwardItem:
    """Create or replace the draft of an item, from its library-file form (the keys of one item of the
    YAML, plus ``policy`` and, optionally, ``group``), checked by the import's validator."""
    actor.require(*POLICY_EDITORS)
    errors = ErrorCollector()
    allowed = (*YAML_KEYS["items"], "policy", "group")
    for key in data:
        if key not in allowed:
            errors.add(unknown_key(key, allowed), field=str(key))
    policy = data.get("policy")
    if not isinstance(policy, str) or session.scalar(select(Policy.id).where(Policy.code == policy)) is None:
        errors.add(f"政策「{policy}」不存在", field="policy")
    group = data.get("group")
    if group is not None and session.scalar(select(ExclusivityGroup.id).where(ExclusivityGroup.code == group)) is None:
        errors.add(f"互斥组「{group}」不存在", field="group")
    doc = LibraryDoc(items=[Entry({k: v for k, v in data.items() if k not in ("tests", "group")} | {"status": "draft"},
                                  Where())])
    for i, case_data in enumerate(data.get("tests") or []):
        doc.tests.append(Entry({**case_data, "item": data.get("code")} if isinstance(case_data, dict) else {},
                               Where(f"tests[{i}]")))
    checked = check_document(session, doc, errors, run_tests=False)
    errors.raise_if_any("奖补事项信息有误")
    row = checked.items[0]
    if "group" in data:
        row["group"] = group
    department_id = catalog.department_id(session, code=row["department"])
    latest = latest_version(session, row["code"])
    if latest is not None:
        _require_editor(actor, latest.department_id)
    _require_editor(actor, department_id)
    before = item_content(session, latest) if latest is not None else None
    item = latest if latest is not None and latest.status == "draft" else AwardItem(
        code=row["code"], version=(latest.version + 1) if latest else 1, status="draft")
    fill_version(session, item, row)
    session.add(item)
    if "tests" in data:
        replace_tests(session, row["code"], row["tests"])
    session.flush()
    audit.record(session, actor=actor, action="policy_item.save_draft", entity_type="award_item",
                 entity_id=f"{item.code}@{item.version}", before=before, after=item_content(session, item))
    return item


def new_version(session: Session, *, actor: Principal, code: str) -> AwardItem:
    """A draft copied from the latest version, to edit and publish."""
    actor.require(*POLICY_EDITORS)
    latest = versions.next_draft_of(session, AwardItem, code=code, noun="奖补事项")
    _require_editor(actor, latest.department_id)
    item = AwardItem(code=code, version=latest.version + 1, status="draft")
    fill_version(session, item, item_content(session, latest))
    session.add(item)
    session.flush()
    audit.record(session, actor=actor, action="policy_item.new_version", entity_type="award_item",
                 entity_id=f"{code}@{item.version}", after=item_content(session, item))
    return item


def compile_version(item: AwardItem, parameters: Parameters, *, group: str | None = None,
                    budget_fen: int | None = None) -> ItemSpec:
    try:
        return compile_item(code=item.code, title=item.title, rule=item.rule, amount=amount_value(item.amount),
                            parameters=parameters, group=group, budget_fen=budget_fen, auto_grant=item.auto_grant)
    except (RuleError, ParameterError) as exc:
        raise ValidationFailed(f"奖补事项{item.code}第{item.version}版的规则或金额无效：{exc}") from exc


def publish_item(session: Session, *, actor: Principal, code: str, version: int,
                 valid_from: date | None = None) -> AwardItem:
    """Publish a draft once its test cases pass; the version before ends the day before it starts."""
    item = get_item(session, code=code, version=version, actor=actor)
    _require_editor(actor, item.department_id)
    versions.require_draft(item, noun="奖补事项")
    valid_from = valid_from or item.valid_from or beijing.today()
    if item.valid_to is not None and item.valid_to < valid_from:
        raise ValidationFailed.one(f"生效日期 {valid_from} 晚于失效日期 {item.valid_to}", field="valid_from")
    params = load_parameters(session)
    results = testcases.run_item(compile_version(item, params), testcases.stored_cases(list_test_cases(session, code=code)),
                                 params)
    failed = [r for r in results if not r.passed]
    if failed:
        raise ValidationFailed(f"奖补事项{code}有{len(failed)}个测试用例未通过，不能发布",
                               details=[testcases.detail(r) for r in failed])
    ended = publish_version(session, item, valid_from)
    audit.record(session, actor=actor, action="policy_item.publish", entity_type="award_item",
                 entity_id=f"{code}@{version}", before={"status": "draft"},
                 after={"status": "published", "valid_from": valid_from, "ended": ended, "tests": len(results)})
    return item


# --- parameters and groups -----------------------------------------------------------------------------


def list_parameters(session: Session) -> list[PolicyParameter]:
    return list(session.scalars(select(PolicyParameter).order_by(PolicyParameter.name)))


def define_parameter(session: Session, *, actor: Principal, name: str, type: str, label: str = "") -> PolicyParameter:
    actor.require(*POLICY_EDITORS)
    existing = session.scalar(select(PolicyParameter).where(PolicyParameter.name == name))
    if existing is not None:
        raise Conflict(f"参数「{name}」已存在")
    try:
        Parameters().define(name, type, label=label)
    except ParameterError as exc:
        raise ValidationFailed.one(str(exc), field="type") from exc
    if not PARAM_NAME.match(name):
        raise ValidationFailed.one(f"参数名「{name}」只能由汉字、字母、数字和下划线组成", field="name")
    param = PolicyParameter(name=name, type=type, label=label)
    session.add(param)
    session.flush()
    audit.record(session, actor=actor, action="policy_parameter.define", entity_type="policy_parameter",
                 entity_id=name, after={"type": type, "label": label})
    return param


def stored_param_value(value: Any) -> Any:
    """JSON for a parameter value: money in fen, dates as ISO text, sets as sorted lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value


def add_parameter_value(session: Session, *, actor: Principal, name: str, effective_from: date,
                        value: Any) -> PolicyParameterValue:
    """A value in force from a date (replacing the value at that date, if any). Rules in force that read
    the parameter are checked again, so a value an enum or industry rule cannot take is refused."""
    actor.require(*POLICY_EDITORS)
    param = session.scalar(select(PolicyParameter).where(PolicyParameter.name == name))
    if param is None:
        raise NotFound(f"参数「{name}」不存在")
    errors = ErrorCollector()
    parsed = param_value(param.type, value, lambda m: errors.add(f"参数「${name}」的取值：{m}", field="value"))
    errors.raise_if_any("参数取值有误")
    params = load_parameters(session)
    params.add(name, effective_from, parsed)
    for item in session.scalars(select(AwardItem).where(AwardItem.status.in_(("draft", "published")),
                                                        AwardItem.rule.contains(f"${name}"))):
        try:
            check(item.rule, params)
        except RuleError as exc:
            errors.add(f"奖补事项{item.code}第{item.version}版的规则不接受此取值：{exc}", field="value")
    errors.raise_if_any("参数取值有误")
    row = session.scalar(select(PolicyParameterValue).where(PolicyParameterValue.parameter_id == param.id,
                                                            PolicyParameterValue.effective_from == effective_from))
    before = row.value if row is not None else None
    row = row or PolicyParameterValue(parameter_id=param.id, effective_from=effective_from)
    row.value = stored_param_value(parsed)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="policy_parameter.value", entity_type="policy_parameter",
                 entity_id=name, before={"effective_from": effective_from, "value": before},
                 after={"effective_from": effective_from, "value": row.value})
    return row


def list_groups(session: Session) -> list[ExclusivityGroup]:
    return list(session.scalars(select(ExclusivityGroup).order_by(ExclusivityGroup.code)))


def save_group(session: Session, *, actor: Principal, code: str, name: str, parent: str | None = None,
               note: str = "") -> ExclusivityGroup:
    """Create or edit a group; items join it through their own ``group`` (a new item version)."""
    actor.require(*POLICY_EDITORS)
    if not CODE.match(code or ""):
        raise ValidationFailed.one(f"互斥组编码「{code}」格式不正确", field="code")
    if not (name or "").strip():
        raise ValidationFailed.one("互斥组名称不能为空", field="name")
    parents = {g.code: g.parent_code for g in list_groups(session)}
    if parent is not None and parent not in parents:
        raise ValidationFailed.one(f"上级互斥组「{parent}」不存在", field="parent")
    parents[code] = parent
    path, node = [code], parent
    while node is not None and node not in path:
        path.append(node)
        node = parents.get(node)
    if node is not None:
        raise ValidationFailed.one("互斥组存在环：" + " → ".join([*path[path.index(node):], node]), field="parent")
    group = session.scalar(select(ExclusivityGroup).where(ExclusivityGroup.code == code))
    before = {"name": group.name, "parent": group.parent_code, "note": group.note} if group else None
    group = group or ExclusivityGroup(code=code)
    group.name, group.parent_code, group.note = name.strip(), parent, note
    session.add(group)
    session.flush()
    audit.record(session, actor=actor, action="policy_group.save", entity_type="exclusivity_group", entity_id=code,
                 before=before, after={"name": group.name, "parent": parent, "note": note})
    return group


def flatten_groups(parents: Mapping[str, str | None], members: Mapping[str, str | None]) -> dict[str, str]:
    """Item code → the root of its group's tree: of all the items under one root, an enterprise gets
    only the highest award (每家企业不重复奖，以最高标准为准)."""
    roots: dict[str, str] = {}
    for item, group in members.items():
        if group is None:
            continue
        seen, node = {group}, group
        while parents.get(node) is not None and parents[node] not in seen:  # stored groups have no cycles
            node = parents[node]
            seen.add(node)
        roots[item] = node
    return roots


def current_versions(session: Session, *, as_of: date) -> list[AwardItem]:
    rows = session.scalars(select(AwardItem).where(current_clause(as_of)).order_by(AwardItem.code, AwardItem.version))
    return list({i.code: i for i in rows}.values())


def active_specs(session: Session, *, as_of: date,
                 paid_by_item: Mapping[str, int] | None = None) -> tuple[list[ItemSpec], Parameters]:
    """The published items in force on ``as_of``, compiled, each with its root exclusivity group and the
    budget left: ``paid_by_item`` (item code → fen already paid) is subtracted from the cap."""
    params = load_parameters(session)
    items = current_versions(session, as_of=as_of)
    parents = {g.code: g.parent_code for g in list_groups(session)}
    roots = flatten_groups(parents, {i.code: i.exclusive_group for i in items})
    paid = paid_by_item or {}
    signature = tuple((name, params.get(name).type, tuple(params.get(name).values)) for name in sorted(params.names()))
    specs = []
    for i in items:
        budget = None if i.budget_fen is None else max(0, i.budget_fen - paid.get(i.code, 0))
        key = (i.code, i.title, i.rule, audit.canonical(i.amount), i.auto_grant, roots.get(i.code), budget, signature)
        spec = _SPECS.get(key)
        if spec is None:
            spec = _SPECS[key] = compile_version(i, params, group=roots.get(i.code), budget_fen=budget)
            while len(_SPECS) > SPEC_CACHE_SIZE:
                _SPECS.pop(next(iter(_SPECS)))
        specs.append(spec)
    return specs, params


# Compiled specs by what they are compiled from (content, not row ids, which a rolled-back insert may
# reuse): compiling 2,000 items costs seconds, and the same spec objects let the engine reuse its plan.
SPEC_CACHE_SIZE = 20_000
_SPECS: dict[tuple, ItemSpec] = {}


def run_tests(session: Session, *, codes: list[str] | None = None, as_of: date | None = None) -> testcases.Report:
    """Every published item's test cases (the version in force on ``as_of``, default today; for items
    not yet in force, the latest published version)."""
    params = load_parameters(session)
    stmt = select(AwardItem).where(AwardItem.status == "published").order_by(AwardItem.code, AwardItem.version)
    if codes:
        stmt = stmt.where(AwardItem.code.in_(codes))
    day = as_of or beijing.today()
    chosen: dict[str, AwardItem] = {}
    for item in session.scalars(stmt):
        held = chosen.get(item.code)
        if held is None or item.valid_from is None or item.valid_from <= day or held.valid_from > day:
            chosen[item.code] = item
    cases = {}
    for t in session.scalars(select(PolicyTestCase).where(PolicyTestCase.item_code.in_(list(chosen)))
                             .order_by(PolicyTestCase.id)):
        cases.setdefault(t.item_code, []).append(t)
    report = testcases.Report()
    for code, item in chosen.items():
        report.add(code, testcases.run_item(compile_version(item, params), testcases.stored_cases(cases.get(code, [])),
                                            params))
    return report
