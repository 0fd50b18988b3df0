"""The one validator of the policy library, for YAML and xlsx imports, single-item edits and the
test runner alike. It collects every problem with its location and writes nothing; the import
writes only when it found none.

What it checks, besides required fields and types: dates in order, levels, department and
catalogue item codes (against the database, when there is one), duplicate codes, parameter types
and dated values, rules and amounts typed against the profile schema and the parameters (the
file's merged with the database's), negative money, exclusivity groups (unknown members or
parents, an item in two groups, cycles, groups of fewer than two members), test cases (fields and
types of the profile, an amount expected of an ineligible case) and — for items to be published —
that every test case passes, since publishing requires it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common.errors import ErrorCollector
from onewindow.policies.engine.core import compile_item
from onewindow.policies.library import testcases
from onewindow.policies.library.documents import UNREADABLE, Entry, LibraryDoc, Where
from onewindow.policies.library.values import (
    CODE,
    LEVELS,
    PARAM_NAME,
    PARAM_TYPES,
    RECURRENCES,
    STATUSES,
    XLSX_LABELS,
    Row,
    amount_value,
    money,
    param_value,
)
from onewindow.policies.models import (
    AwardItem,
    ExclusivityGroup,
    Policy,
    PolicyParameter,
    PolicyParameterValue,
)
from onewindow.policies.rules.amounts import check_amount
from onewindow.policies.rules.core import ParameterError, Parameters, RuleError, check
from onewindow.policies.rules.profile import TYPE_NAMES

__all__ = ["CODE", "PARAM_NAME", "XLSX_LABELS", "Checked", "DbState", "amount_value", "check_document",
           "load_parameters", "param_value"]

@dataclass
class DbState:
    """What the database already holds that a file is checked against (empty for a file alone)."""

    departments: set[str] | None = None  # None: no database, codes are not checked
    apply_items: set[str] | None = None
    policies: dict[str, tuple[dt.date | None, dt.date | None]] = field(default_factory=dict)
    params: Parameters = field(default_factory=Parameters)
    groups: dict[str, str | None] = field(default_factory=dict)  # code -> parent
    item_groups: dict[str, str | None] = field(default_factory=dict)  # item code -> group of its latest version

    @classmethod
    def load(cls, session: Session | None) -> DbState:
        if session is None:
            return cls()
        # The version a file's item is compared with: the latest published, else the latest draft.
        item_groups: dict[str, str | None] = {}
        published: set[str] = set()
        for code, status, group in session.execute(
                select(AwardItem.code, AwardItem.status, AwardItem.exclusive_group)
                .where(AwardItem.status != "retired").order_by(AwardItem.code, AwardItem.version)):
            if status == "published" or code not in published:
                item_groups[code] = group
            if status == "published":
                published.add(code)
        return cls(
            departments=set(catalog.department_codes(session).values()),
            apply_items=catalog.item_codes(session),
            policies={p.code: (p.valid_from, p.valid_to) for p in session.scalars(select(Policy))},
            params=load_parameters(session),
            groups=dict(session.execute(select(ExclusivityGroup.code, ExclusivityGroup.parent_code)).all()),
            item_groups=item_groups,
        )


def load_parameters(session: Session) -> Parameters:
    params = Parameters()
    for p in session.scalars(select(PolicyParameter).order_by(PolicyParameter.name)):
        params.define(p.name, p.type, label=p.label)
    rows = session.execute(select(PolicyParameter.name, PolicyParameterValue.effective_from, PolicyParameterValue.value)
                           .join(PolicyParameterValue, PolicyParameterValue.parameter_id == PolicyParameter.id))
    for name, day, value in rows:
        params.add(name, day, value)
    return params


@dataclass
class Checked:
    parameters: list[dict] = field(default_factory=list)  # {name, type, label, values: {date: value}}
    groups: list[dict] = field(default_factory=list)  # {code, name, parent, note}
    policies: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)  # content, "group", "tests", "_spec" when it compiled
    moved: dict[str, str | None] = field(default_factory=dict)  # items not in the file whose group it changes
    params: Parameters = field(default_factory=Parameters)  # the database's merged with the file's


# --- the validator --------------------------------------------------------------------------------


def check_document(session: Session | None, doc: LibraryDoc, errors: ErrorCollector, *,
                   run_tests: bool = True) -> Checked:
    """Every rule of the library over a document; problems go to ``errors`` (nothing is written).

    Entries with a bad value still take part in the cross-entry checks by their valid values, so
    one answer lists every problem and an item is never blamed for its policy's typo."""
    db = DbState.load(session)
    out = Checked(params=db.params)
    _check_parameters(doc, db, out, errors)
    policies = _check_policies(doc, db, out, errors)
    items = _check_items(doc, db, policies, out, errors)
    _check_groups(doc, db, items, out, errors)
    _check_tests(doc, items, errors)
    if run_tests:
        for item in out.items:
            if item["status"] == "published" and item.get("_spec") is not None:
                for failure in testcases.run_item(item["_spec"], item["tests"], out.params):
                    if failure.passed:
                        continue
                    errors.add(f"测试用例未通过（发布前须全部通过）：{failure.message}",
                               **item["tests"][failure.index]["_where"].at())
    return out


def _check_parameters(doc: LibraryDoc, db: DbState, out: Checked, errors: ErrorCollector) -> None:
    params, defined, named, bad_values = out.params, {}, set(), set()
    for entry in doc.parameters:
        r = Row(entry, "parameters", errors)
        name = r.text("name", required=True, max_len=60)
        named.add(name)
        if name is not None and not PARAM_NAME.match(name):
            r.error("name", f"参数名「{name}」只能由汉字、字母、数字和下划线组成（规则中写作 ${name}）")
            name = None
        kind = r.choice("type", PARAM_TYPES)
        label = r.text("label")
        if name is None:
            continue
        if name in defined:
            r.error("name", f"参数「{name}」重复")
            continue
        old = params.type_of(name)
        if kind is not None and old is not None and old != kind:
            r.error("type", f"参数「{name}」已存在且类型为{TYPE_NAMES[old]}，不能改为{TYPE_NAMES[kind]}（已有规则依赖其类型）")
            kind = old
        if kind is None:
            continue
        if old is None:
            params.define(name, kind, label=label or "")
        else:
            params.get(name).label = label or ""
        defined[name] = {"name": name, "type": kind, "label": label or "", "values": {}, "_entry": entry}
    seen: set[tuple[str, dt.date]] = set()
    for entry in doc.values:
        r = Row(entry, "values", errors)
        name = r.text("parameter", required=True, max_len=60)
        day = r.date("from", required=True)
        if name is None:
            continue
        if name not in defined:
            if name in named:  # its definition is wrong, and was reported
                continue
            if params.type_of(name) is None:
                r.error("parameter", f"参数「{name}」未定义（须在「参数」中列出其类型）")
                continue
            defined[name] = {"name": name, "type": params.type_of(name), "label": params.get(name).label,
                             "values": {}, "_entry": entry}
        if day is None:
            continue
        if (name, day) in seen:
            r.error("from", f"参数「{name}」在 {day.isoformat()} 的取值重复")
            continue
        seen.add((name, day))
        value = param_value(params.type_of(name), entry.values.get("value"),
                            lambda m, r=r, name=name: r.error("value", f"参数「${name}」的取值：{m}"))
        if value is None:
            bad_values.add(name)
            continue
        try:
            params.add(name, day, value)
        except ParameterError as exc:
            r.error("value", str(exc))
            continue
        defined[name]["values"][day] = value
    for spec in defined.values():
        if not params.get(spec["name"]).values and spec["name"] not in bad_values:
            errors.add(f"参数「{spec['name']}」没有任何取值", **spec["_entry"].where.at("values"))
    out.parameters = [{k: v for k, v in p.items() if k != "_entry"} for p in defined.values()]


def _check_policies(doc: LibraryDoc, db: DbState, out: Checked, errors: ErrorCollector) -> dict:
    """Policies of the file by code, plus those of the database, as code -> (valid_from, valid_to)."""
    known = dict(db.policies)
    seen: set[str] = set()
    for entry in doc.policies:
        r = Row(entry, "policies", errors)
        row = {"code": r.text("code", required=True, max_len=40, pattern=CODE),
               "doc_number": r.text("doc_number", max_len=100), "title": r.text("title", required=True, max_len=300),
               "issuer": r.text("issuer", required=True), "level": r.choice("level", LEVELS),
               "published_on": r.date("published_on"), "valid_from": r.date("valid_from"),
               "valid_to": r.date("valid_to"), "tags": r.strings("tags"),
               "full_text": r.text("full_text", max_len=500_000)}
        if row["valid_from"] and row["valid_to"] and row["valid_to"] < row["valid_from"]:
            r.error("valid_to", f"失效日期 {row['valid_to']} 早于生效日期 {row['valid_from']}")
        code = row["code"]
        if code is None:
            continue
        if code in seen:
            r.error("code", f"政策编码「{code}」重复")
            continue
        seen.add(code)
        known[code] = (row["valid_from"], row["valid_to"])
        if r.ok:
            out.policies.append(row)
    return known


def _check_items(doc: LibraryDoc, db: DbState, policies: dict, out: Checked, errors: ErrorCollector) -> dict:
    items: dict[str, dict] = {}
    for entry in doc.items:
        r = Row(entry, "items", errors)
        policy = entry.values.get("policy")
        if doc.xlsx:
            policy = r.text("policy", required=True, max_len=40)
            if policy is not None and policy not in policies:
                r.error("policy", f"政策「{policy}」不在「政策」表中，也不在政策库中")
        row = {"code": r.text("code", required=True, max_len=40, pattern=CODE), "policy": policy,
               "title": r.text("title", required=True), "department": r.text("department", required=True, max_len=32),
               "tags": r.strings("tags"), "description": r.text("description", max_len=20000),
               "rule": r.text("rule", required=True, max_len=20000), "budget_fen": r.money("budget"),
               "auto_grant": r.flag("auto_grant"), "recurrence": r.choice("recurrence", RECURRENCES, default="once"),
               "apply_item": r.text("apply_item", max_len=40, default=None),
               "valid_from": r.date("valid_from"), "valid_to": r.date("valid_to"),
               "status": r.choice("status", STATUSES, default="published"), "group": None, "tests": []}
        if db.departments is not None and row["department"] and row["department"] not in db.departments:
            r.error("department", f"兑现部门「{row['department']}」不是目录中的部门编码")
        if row["apply_item"]:
            if row["auto_grant"]:
                r.error("apply_item", "免申即享事项无需企业申报，不应填写申报事项")
            elif db.apply_items is not None and row["apply_item"] not in db.apply_items:
                r.error("apply_item", f"申报事项「{row['apply_item']}」不是目录中的事项编码")
        own_dates = row["valid_from"] or row["valid_to"]  # else the policy's, whose order is checked there
        policy_from, policy_to = policies.get(policy, (None, None))
        row["valid_from"] = row["valid_from"] or policy_from
        row["valid_to"] = row["valid_to"] or policy_to
        if own_dates and row["valid_from"] and row["valid_to"] and row["valid_to"] < row["valid_from"]:
            r.error("valid_to", f"失效日期 {row['valid_to']} 早于生效日期 {row['valid_from']}")
        if row["status"] == "published" and row["valid_from"] is None:
            r.error("valid_from", "发布的事项须有生效日期（在事项或所属政策中填写 valid_from）")
        rule = _check_rule(r, row, out.params)
        row["amount"] = _check_amount(r, entry, entry.values.get("amount"), out.params)
        code = row["code"]
        if code is None:
            continue
        if code in items:
            r.error("code", f"事项编码「{code}」重复")
            continue
        row["_where"] = entry.where
        items[code] = row
        if rule is not None and row["amount"] is not None:
            try:
                row["_spec"] = compile_item(code=code, title=row["title"] or code, rule=row["rule"],
                                            amount=amount_value(row["amount"]), parameters=out.params)
            except RuleError as exc:
                for e in exc.errors:
                    r.error("amount", e.message)
        if r.ok:
            out.items.append(row)
    return items


def _check_rule(r: Row, row: dict, params: Parameters):
    if not row["rule"]:
        return None
    try:
        compiled = check(row["rule"], params)
    except RuleError as exc:
        for e in exc.errors:
            r.error("rule", f"规则{e.message}")
        return None
    if row["valid_from"]:
        for name in sorted(compiled.parameter_names):
            try:
                params.value_at(name, row["valid_from"])
            except ParameterError:
                first = params.get(name).values[0][0].isoformat()
                r.error("rule", f"规则引用的参数「${name}」在事项生效日 {row['valid_from']} 尚无取值（最早从 {first} 起）")
    return compiled


def _check_amount(r: Row, entry: Entry, value: Any, params: Parameters) -> dict | None:
    """The amount as stored: {"fixed": fen} | {"formula": text} | {"stages": [{name, when, amount}]}."""
    if value is None:
        r.error("amount", "金额不能为空：写固定金额（如 5万元）、公式 {formula: …} 或分段 {stages: […]}")
        return None
    if isinstance(value, dict) and set(value) == {"stages"}:
        stages = value["stages"]
        if not isinstance(stages, list) or not stages:
            r.error("amount", "分段兑现 stages 应为非空列表，每段写 name、when、amount")
            return None
        out, names = [], set()
        for i, stage in enumerate(stages):
            where = entry.stage_where(i)
            if not isinstance(stage, dict):
                r.error(None, "每个阶段应为映射 {name, when, amount}", where)
                continue
            name, when = stage.get("name"), stage.get("when")
            if not isinstance(name, str) or not name.strip():
                r.error("name", "阶段名称不能为空", where)
            elif name in names:
                r.error("name", f"阶段名称「{name}」重复", where)
            names.add(name)
            if when is None:
                pass  # paid whenever the item's rule holds
            elif not isinstance(when, str) or not when.strip():
                r.error("when", "阶段条件 when 应为规则文本；不写则只要满足事项条件即兑现", where)
            else:
                try:
                    check(when, params)
                except RuleError as exc:
                    for e in exc.errors:
                        r.error("when", f"阶段「{name}」的条件{e.message}", where)
            inner = _single_amount(r, stage.get("amount"), params, where, f"阶段「{name}」的")
            out.append({"name": name, "when": when.strip() if isinstance(when, str) else None,
                        "amount": inner.get("fixed", inner) if inner else None})
        return {"stages": out} if r.ok else None
    if isinstance(value, dict) and "stages" in value:
        r.error("amount", "分段金额只写 stages 一项")
        return None
    return _single_amount(r, value, params, None, "")


def _single_amount(r: Row, value: Any, params: Parameters, where: Where | None, prefix: str) -> dict | None:
    if value is None:
        r.error("amount", f"{prefix}金额不能为空", where)
        return None
    if isinstance(value, dict):
        if set(value) != {"formula"} or not isinstance(value["formula"], str) or not value["formula"].strip():
            r.error("amount", f"{prefix}金额应为带单位的金额（如 5万元）或 {{formula: 公式}}，而不是「{value}」", where)
            return None
        try:
            check_amount({"formula": value["formula"]}, params)
        except RuleError as exc:
            for e in exc.errors:
                r.error("amount", f"{prefix}金额公式{e.message}", where)
            return None
        return {"formula": value["formula"]}
    fen = money(value, lambda m: r.error("amount", f"{prefix}{m}", where))
    return None if fen is None else {"fixed": fen}


def _check_groups(doc: LibraryDoc, db: DbState, items: dict, out: Checked, errors: ErrorCollector) -> None:
    parents = dict(db.groups)
    file_groups: dict[str, tuple[Row, dict, list[str]]] = {}
    member_of: dict[str, str] = {}
    for entry in doc.groups:
        r = Row(entry, "groups", errors)
        row = {"code": r.text("code", required=True, max_len=40, pattern=CODE), "name": r.text("name", required=True),
               "parent": r.text("parent", max_len=40, pattern=CODE, default=None), "note": r.text("note", max_len=20000)}
        members = r.strings("items")
        code = row["code"]
        if code is None:
            continue
        if code in file_groups:
            r.error("code", f"互斥组编码「{code}」重复")
            continue
        file_groups[code] = (r, row, [m for m in dict.fromkeys(members) if m in items or m in db.item_groups])
        parents[code] = row["parent"]
        seen: set[str] = set()
        for m in members:
            if m in seen:
                r.error("items", f"互斥组「{code}」的成员事项「{m}」重复")
                continue
            seen.add(m)
            if m not in items and m not in db.item_groups:
                r.error("items", f"互斥组「{code}」的成员事项「{m}」不存在")
            elif m in member_of:
                r.error("items", f"事项「{m}」同时属于互斥组「{member_of[m]}」和「{code}」，一个事项只能属于一个互斥组")
            else:
                member_of[m] = code
        if r.ok:
            out.groups.append(row)
    for r, row, _ in file_groups.values():
        if row["parent"] and row["parent"] not in parents:
            r.error("parent", f"上级互斥组「{row['parent']}」不存在")
    reported: set[frozenset] = set()
    for code, (r, _, _) in file_groups.items():
        path, node = [code], parents.get(code)
        while node is not None and node not in path:
            path.append(node)
            node = parents.get(node)
        if node is not None:
            cycle = path[path.index(node):] + [node]
            if frozenset(cycle) not in reported:
                reported.add(frozenset(cycle))
                r.error("parent", "互斥组存在环：" + " → ".join(cycle))
    # Final membership: the file speaks for the groups it lists; other memberships stay as they are.
    final = dict(db.item_groups)
    for code, row in items.items():
        old = db.item_groups.get(code)
        row["group"] = member_of.get(code, None if old in file_groups else old)
        final[code] = row["group"]
    for code, old in db.item_groups.items():
        if code in items:
            continue
        new = member_of.get(code, None if old in file_groups else old)
        if new != old:
            out.moved[code], final[code] = new, new
    # Groups that lose a member to the file are counted again, as are the file's own (by what they list).
    left = {db.item_groups[c] for c in out.moved} | {db.item_groups.get(c) for c, row in items.items()
                                                     if db.item_groups.get(c) != row["group"]}
    for code in sorted(set(file_groups) | (left - {None})):
        subgroups = sum(1 for p in parents.values() if p == code)
        listed = file_groups[code][2] if code in file_groups else [c for c, g in final.items() if g == code]
        count = len(listed) + subgroups
        if count < 2:
            where = file_groups[code][0].entry.where if code in file_groups else Where("groups")
            errors.add(f"互斥组「{code}」只有{count}个成员（事项与下级组合计），至少两个才有“不重复享受”可言",
                       **where.at("items"))


def _check_tests(doc: LibraryDoc, items: dict, errors: ErrorCollector) -> None:
    seen: set[tuple[str, str]] = set()
    for entry in doc.tests:
        r = Row(entry, "tests", errors)
        code = entry.values.get("item")
        if doc.xlsx:
            code = r.text("item", required=True, max_len=40)
            if code is not None and code not in items:
                r.error("item", f"事项「{code}」不在「奖补事项」表中")
        case = {"name": r.text("name", required=True), "as_of": r.date("as_of", required=True),
                "eligible": r.flag("eligible", default=None), "amount_fen": r.money("amount"), "_where": entry.where}
        profile = entry.values.get("profile")
        if profile is UNREADABLE:
            r.ok = False
        elif not isinstance(profile, dict):
            r.error("profile", "画像 profile 应为映射：字段名 → 值，如 {industry: C3011, flags: [规上]}")
        else:
            def fail(key: str | None, message: str, r: Row = r) -> None:
                where = r.entry.where if doc.xlsx or key is None else r.entry.where.child("profile")
                r.error(key if key and not doc.xlsx else "profile", message, where)
            case["profile"] = testcases.normalize_profile(profile, fail)
        if case["eligible"] is False and case["amount_fen"]:
            r.error("amount", "用例预期不符合条件，不应再写预期金额")
        if case["name"] is not None and code is not None:
            if (code, case["name"]) in seen:
                r.error("name", f"事项「{code}」的用例名称「{case['name']}」重复")
                continue
            seen.add((code, case["name"]))
        if r.ok and code in items:
            items[code]["tests"].append(case)
