"""Import and export of the whole policy library, as YAML or xlsx (docs/policies.md).

An import is checked in full first (:mod:`.validate`) and written in one transaction: a file with
any error writes nothing and answers with every error located. Written like the catalogue's import,
by code: a new item code becomes version 1; an item whose content changed becomes a new version,
published by the import (the file is the library as it should be in force, and its test cases have
passed) unless the file marks it ``status: draft``; an unchanged item is left alone, so importing
the same file twice changes nothing. Policies and groups are edited in place; parameter values are
merged by effective date.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common import audit, documents
from onewindow.common import time as beijing
from onewindow.common.errors import ErrorCollector, Forbidden, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.search import segment
from onewindow.common.security import Principal
from onewindow.policies.library import core as library
from onewindow.policies.library import testcases
from onewindow.policies.library.documents import (
    FORMAT,
    LibraryDoc,
    money_text,
    read_xlsx,
    read_yaml,
    write_xlsx,
    write_yaml,
)
from onewindow.policies.library.validate import XLSX_LABELS, Checked, amount_value, check_document
from onewindow.policies.models import (
    AwardItem,
    ExclusivityGroup,
    Policy,
    PolicyParameter,
    PolicyParameterValue,
    PolicyTestCase,
)

POLICY_KEYS = ("code", "doc_number", "title", "issuer", "level", "published_on", "valid_from", "valid_to", "tags",
               "full_text")


@dataclass
class ImportSummary:
    parameters: int = 0  # parameters defined or changed
    parameter_values: int = 0  # dated values written
    groups: int = 0
    policies: int = 0  # created or changed
    versions: list[str] = field(default_factory=list)  # item versions written, "CODE@N"
    unchanged_items: int = 0
    tests: int = 0  # items whose test cases were replaced
    sha256: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.parameters or self.parameter_values or self.groups or self.policies or self.versions
                    or self.tests)

    def as_dict(self) -> dict:
        return {"parameters": self.parameters, "parameter_values": self.parameter_values, "groups": self.groups,
                "policies": self.policies, "versions": self.versions, "unchanged_items": self.unchanged_items,
                "tests": self.tests, "sha256": self.sha256}

    def text(self) -> str:
        return (f"参数 {self.parameters}（取值 {self.parameter_values}），互斥组 {self.groups}，政策 {self.policies}，"
                f"事项新版本 {len(self.versions)}（未变 {self.unchanged_items}），测试用例更新 {self.tests} 项")


def read_document(*, filename: str, content: bytes, errors: ErrorCollector) -> LibraryDoc:
    kind = documents.kind_of(filename, errors)
    return read_xlsx(content, errors) if kind == "xlsx" else read_yaml(content, errors) if kind else LibraryDoc()


def check_file(session: Session | None, *, filename: str, content: bytes,
               run_tests: bool = True) -> tuple[Checked, ErrorCollector]:
    """Read and validate a library file; with ``session`` None, nothing in a database is consulted."""
    errors = ErrorCollector()
    doc = read_document(filename=filename, content=content, errors=errors)
    checked = check_document(session, doc, errors, run_tests=run_tests)  # even after a read error: every problem
    return checked, errors


def import_library(session: Session, *, actor: Principal, filename: str, content: bytes) -> ImportSummary:
    actor.require(*library.POLICY_EDITORS)
    if actor.role == Role.policy_officer and actor.department_id is not None:
        raise Forbidden("整库导入仅限不属于具体部门的政策管理员或系统管理员")
    checked, errors = check_file(session, filename=filename, content=content)
    errors.raise_if_any("导入失败，未写入任何数据")
    summary = apply(session, checked)
    summary.sha256 = hashlib.sha256(content).hexdigest()
    if not summary.changed:  # an unchanged library writes nothing, not even the audit record (as the catalogue)
        return summary
    audit.record(session, actor=actor, action="policies.import", entity_type="policy_library",
                 entity_id=filename[:128], after=summary.as_dict())
    return summary


def apply(session: Session, checked: Checked) -> ImportSummary:
    """Write a checked library. Runs only after the validator found nothing."""
    out = ImportSummary()
    params = {p.name: p for p in session.scalars(select(PolicyParameter))}
    for spec in checked.parameters:
        param = params.get(spec["name"])
        if param is None or param.label != spec["label"]:
            out.parameters += 1
        param = param or PolicyParameter(name=spec["name"], type=spec["type"])
        param.label = spec["label"]
        session.add(param)
        session.flush()
        stored = {v.effective_from: v for v in session.scalars(
            select(PolicyParameterValue).where(PolicyParameterValue.parameter_id == param.id))}
        for day, value in spec["values"].items():
            row = stored.get(day) or PolicyParameterValue(parameter_id=param.id, effective_from=day)
            new = library.stored_param_value(value)
            if row.id is None or row.value != new:
                row.value = new
                session.add(row)
                out.parameter_values += 1

    groups = {g.code: g for g in session.scalars(select(ExclusivityGroup))}
    for row in checked.groups:
        group = groups.get(row["code"]) or ExclusivityGroup(code=row["code"])
        if (group.name, group.parent_code, group.note) != (row["name"], row["parent"], row["note"]):
            group.name, group.parent_code, group.note = row["name"], row["parent"], row["note"]
            session.add(group)
            out.groups += 1

    policies = {p.code: p for p in session.scalars(select(Policy))}
    for row in checked.policies:
        policy = policies.get(row["code"]) or Policy(code=row["code"])
        if any(getattr(policy, k) != row[k] for k in POLICY_KEYS):
            for key in POLICY_KEYS:
                setattr(policy, key, row[key])
            policy.search_text = segment(row["title"], row["doc_number"], row["issuer"], " ".join(row["tags"]),
                                         row["full_text"])
            session.add(policy)
            out.policies += 1
    session.flush()

    for row in checked.items:
        _write_item(session, row, out)
        out.tests += library.replace_tests(session, row["code"], row["tests"])
    for code, group in checked.moved.items():  # items the file regrouped without listing them
        latest = _reference(session, code)
        _write_item(session, {**library.item_content(session, latest), "group": group, "code": code,
                              "status": latest.status}, out)
    session.flush()
    return out


def _reference(session: Session, code: str) -> AwardItem | None:
    """What a file's item is compared with: the latest published version, else the latest draft."""
    stmt = select(AwardItem).where(AwardItem.code == code).order_by(AwardItem.version.desc())
    return session.scalar(stmt.where(AwardItem.status == "published")) or session.scalar(stmt)


def _write_item(session: Session, row: dict, out: ImportSummary) -> None:
    code, status = row["code"], row["status"]
    ref, latest = _reference(session, code), library.latest_version(session, code)
    if ref is not None and library.same_content(session, ref, row) and (ref.status == "published") == (status == "published"):
        if ref.valid_to == row["valid_to"]:
            out.unchanged_items += 1
        else:  # a new end date is not a new rule: the version in force ends on another day
            ref.valid_to = row["valid_to"]
            out.versions.append(f"{code}@{ref.version}（失效日期）")
        return
    item = latest if latest is not None and latest.status == "draft" else AwardItem(
        code=code, version=(latest.version + 1) if latest else 1, status="draft")
    library.fill_version(session, item, row)
    session.add(item)
    session.flush()
    if status == "published":
        library.publish_version(session, item, row["valid_from"])
    out.versions.append(f"{code}@{item.version}")


# --- export ---------------------------------------------------------------------------------------


def _exported_versions(session: Session) -> list[AwardItem]:
    """Each item's latest published version, or its draft when it was never published."""
    chosen: dict[str, AwardItem] = {}
    for item in session.scalars(select(AwardItem).where(AwardItem.status != "retired")
                                .order_by(AwardItem.code, AwardItem.version)):
        held = chosen.get(item.code)
        if held is None or item.status == "published" or held.status == "draft":
            chosen[item.code] = item
    return list(chosen.values())


def _stored_value(kind: str, value):
    if kind == "money":
        return money_text(value)
    if kind == "date":
        return date.fromisoformat(value)
    return value


def case_document(case: PolicyTestCase) -> dict:
    doc = {"name": case.name, "as_of": case.as_of, "profile": testcases.profile_document(case.profile),
           "eligible": case.expected_eligible}
    if case.expected_amount_fen is not None:
        doc["amount"] = money_text(case.expected_amount_fen)
    return doc


def item_document(item: AwardItem, policy: Policy, department: str, cases: list[PolicyTestCase]) -> dict:
    doc = {"code": item.code, "title": item.title, "department": department, "tags": list(item.tags or []),
           "description": item.description, "rule": item.rule, "amount": amount_value(item.amount)}
    if item.budget_fen is not None:
        doc["budget"] = money_text(item.budget_fen)
    doc.update(auto_grant=item.auto_grant, recurrence=item.recurrence)
    if item.apply_item_code:
        doc["apply_item"] = item.apply_item_code
    if item.valid_from != policy.valid_from:  # otherwise inherited from the policy, as the file had it
        doc["valid_from"] = item.valid_from
    if item.valid_to != policy.valid_to:
        doc["valid_to"] = item.valid_to
    if item.status == "draft":
        doc["status"] = "draft"
    if cases:
        doc["tests"] = [case_document(c) for c in cases]
    return doc


def export_data(session: Session) -> dict:
    params = {}
    for p in library.list_parameters(session):
        values = session.scalars(select(PolicyParameterValue).where(PolicyParameterValue.parameter_id == p.id)
                                 .order_by(PolicyParameterValue.effective_from))
        params[p.name] = {"type": p.type, "label": p.label,
                          "values": {v.effective_from: _stored_value(p.type, v.value) for v in values}}
    items = _exported_versions(session)
    cases: dict[str, list[PolicyTestCase]] = {}
    for case in session.scalars(select(PolicyTestCase).order_by(PolicyTestCase.item_code, PolicyTestCase.id)):
        cases.setdefault(case.item_code, []).append(case)
    groups = []
    for g in library.list_groups(session):
        doc = {"code": g.code, "name": g.name}
        if g.parent_code:
            doc["parent"] = g.parent_code
        doc["items"] = sorted(i.code for i in items if i.exclusive_group == g.code)
        if g.note:
            doc["note"] = g.note
        groups.append(doc)
    by_policy: dict[int, list[AwardItem]] = {}
    for item in items:
        by_policy.setdefault(item.policy_id, []).append(item)
    departments = catalog.department_codes(session)
    policies = []
    for p in session.scalars(select(Policy).order_by(Policy.code)):
        doc = {k: getattr(p, k) for k in POLICY_KEYS if getattr(p, k) not in (None, "")}
        doc["tags"] = list(p.tags or [])
        doc["items"] = [item_document(i, p, departments[i.department_id], cases.get(i.code, []))
                        for i in by_policy.get(p.id, [])]
        policies.append(doc)
    return {"format": FORMAT, "parameters": params, "groups": groups, "policies": policies}


def export_library(session: Session, *, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the whole library."""
    data = export_data(session)
    stamp = beijing.today().isoformat()
    if fmt == "xlsx":
        return (write_xlsx(data, labels=XLSX_LABELS),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"policies-{stamp}.xlsx")
    if fmt == "yaml":
        return write_yaml(data).encode(), "application/yaml", f"policies-{stamp}.yaml"
    raise ValidationFailed.one("格式须为 yaml 或 xlsx", field="format")


def counts(session: Session) -> dict[str, int]:
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Policy, AwardItem, PolicyParameter, PolicyParameterValue, ExclusivityGroup, PolicyTestCase)}
