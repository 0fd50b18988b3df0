"""The policy library as a document: parameters, exclusivity groups, policies with their award items,
payment stages and test cases. YAML and xlsx are two spellings of it; both readers give the same
entries, each value located so that an error can say where it is — a YAML path such as
``policies[2].items[0].rule``, or a sheet, row and column letter such as 奖补事项 第5行 G列（规则）.

The readers only shape and locate; every rule about the values is in :mod:`.transfer`'s validator,
so one validator serves both formats.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from onewindow.common import documents, yamlio
from onewindow.common.errors import ErrorCollector

FORMAT = "onewindow-policies/1"
UNREADABLE = object()  # a cell the reader could not parse, already reported


@dataclass(frozen=True)
class Col:
    key: str
    header: str  # the xlsx column header


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    cols: tuple[Col, ...]


def _cols(*pairs: str) -> tuple[Col, ...]:
    return tuple(Col(k, h) for k, h in (p.split(":") for p in pairs))


SHEETS = (
    Sheet("parameters", "参数", _cols("name:名称", "type:类型", "label:说明")),
    Sheet("values", "参数取值", _cols("parameter:参数", "from:生效日期", "value:取值")),
    Sheet("groups", "互斥组", _cols("code:编码", "name:名称", "parent:上级组", "items:成员事项", "note:说明")),
    Sheet("policies", "政策", _cols("code:编码", "doc_number:文号", "title:标题", "issuer:发文机关", "level:层级",
                                   "published_on:发布日期", "valid_from:生效日期", "valid_to:失效日期", "tags:标签",
                                   "full_text:全文")),
    Sheet("items", "奖补事项", _cols("policy:政策编码", "code:编码", "title:名称", "department:兑现部门", "tags:标签",
                                   "description:说明", "rule:规则", "amount:金额", "formula:金额公式",
                                   "budget:资金上限", "auto_grant:免申即享", "recurrence:兑现频次",
                                   "apply_item:申报事项", "valid_from:生效日期", "valid_to:失效日期", "status:状态")),
    Sheet("stages", "分段兑现", _cols("item:事项编码", "name:阶段", "when:条件", "amount:金额", "formula:金额公式")),
    Sheet("tests", "测试用例", _cols("item:事项编码", "name:名称", "as_of:日期", "profile:画像", "eligible:应符合",
                                   "amount:金额")),
)
SHEET = {s.key: s for s in SHEETS}

# Keys a YAML entry may carry (the xlsx link columns — policy, item — are implied by nesting there).
YAML_KEYS = {
    "parameters": ("type", "label", "values"),
    "groups": ("code", "name", "parent", "items", "note"),
    "policies": ("code", "doc_number", "title", "issuer", "level", "published_on", "valid_from", "valid_to", "tags",
                 "full_text", "items"),
    "items": ("code", "title", "department", "tags", "description", "rule", "amount", "budget", "auto_grant",
              "recurrence", "apply_item", "valid_from", "valid_to", "status", "tests"),
    "stages": ("name", "when", "amount"),
    "tests": ("name", "as_of", "profile", "eligible", "amount"),
}


@dataclass(frozen=True)
class Where:
    """Where an entry is: a YAML path, or an xlsx sheet and row with the column of each key."""

    path: str = ""
    sheet: str | None = None
    row: int | None = None
    columns: Mapping[str, str] = field(default_factory=dict)  # key -> 「G列（规则）」

    def at(self, key: str | None = None) -> dict[str, Any]:
        """Keyword arguments for ``ErrorCollector.add`` naming the entry, or one of its values."""
        if self.sheet is not None:
            return {"sheet": self.sheet, "row": self.row, "field": self.columns.get(key) if key else None}
        return {"field": self.child(key).path if key else (self.path or None)}

    def child(self, key: str) -> Where:
        if self.sheet is not None:
            return self
        return Where(f"{self.path}{'' if key.startswith('[') or not self.path else '.'}{key}")


@dataclass
class Entry:
    values: dict[str, Any]
    where: Where
    stage_wheres: list[Where] | None = None  # xlsx: the 分段兑现 row of each stage

    def stage_where(self, index: int) -> Where:
        if self.stage_wheres is not None and index < len(self.stage_wheres):
            return self.stage_wheres[index]
        return self.where.child(f"amount.stages[{index}]")


@dataclass
class LibraryDoc:
    """Entries of every section; items name their policy and tests their item by code."""

    parameters: list[Entry] = field(default_factory=list)
    values: list[Entry] = field(default_factory=list)
    groups: list[Entry] = field(default_factory=list)
    policies: list[Entry] = field(default_factory=list)
    items: list[Entry] = field(default_factory=list)
    tests: list[Entry] = field(default_factory=list)
    xlsx: bool = False


def money_text(fen: int) -> str:
    """Exact money text that parses back to the same fen: 5万元, 1.5万元, 1500元, 12.34元."""
    if fen >= 1_000_000 and fen % 10_000 == 0:
        wan, rest = divmod(fen, 1_000_000)
        return f"{wan}万元" if rest == 0 else f"{wan}.{rest:06d}".rstrip("0") + "万元"
    yuan, cents = divmod(fen, 100)
    return f"{yuan}元" if cents == 0 else f"{yuan}.{cents:02d}元"


# --- YAML ---------------------------------------------------------------------------------------


def read_yaml(content: str | bytes, errors: ErrorCollector) -> LibraryDoc:
    doc = LibraryDoc()
    data = documents.load_yaml_mapping(content, errors, sections=("parameters", "groups", "policies"),
                                       format_name=FORMAT)
    if data is documents.NO_CONTENT:
        return doc

    def entries(value: Any, where: Where, section: str) -> list[tuple[dict, Where]]:
        def place(i: int | None) -> Where:
            return where if i is None else where.child(f"[{i}]")

        return [(entry, here) for here, entry in
                documents.list_entries(value, errors, allowed=YAML_KEYS[section], place=place, start=0)]

    params = data.get("parameters")
    if params is not None and not isinstance(params, dict):
        errors.add("应为映射：参数名 → {type, label, values}", field="parameters")
        params = None
    for name, spec in (params or {}).items():
        here = Where(f"parameters.{name}")
        if not isinstance(spec, dict):
            errors.add("应为映射：{type, label, values}", **here.at())
            continue
        documents.check_keys(spec, YAML_KEYS["parameters"], errors, at=here.at)
        doc.parameters.append(Entry({"name": name, "type": spec.get("type"), "label": spec.get("label")}, here))
        values = spec.get("values")
        if isinstance(values, dict):
            for day, value in values.items():
                doc.values.append(Entry({"parameter": name, "from": day, "value": value}, here.child(f"values.{day}")))
        elif isinstance(values, list):  # the other spelling rules.Parameters.from_dict accepts
            for item, vwhere in _value_list(values, here, errors):
                doc.values.append(Entry({"parameter": name, "from": item.get("from"), "value": item.get("value")},
                                        vwhere))
        elif values is not None:
            errors.add("应为映射：生效日期 → 取值", **here.at("values"))

    for entry, here in entries(data.get("groups"), Where("groups"), "groups"):
        doc.groups.append(Entry(dict(entry), here))
    for policy, here in entries(data.get("policies"), Where("policies"), "policies"):
        doc.policies.append(Entry({k: v for k, v in policy.items() if k != "items"}, here))
        for item, iwhere in entries(policy.get("items"), here.child("items"), "items"):
            values = {k: v for k, v in item.items() if k != "tests"}
            doc.items.append(Entry({**values, "policy": policy.get("code")}, iwhere))
            amount = item.get("amount")
            if isinstance(amount, dict) and isinstance(amount.get("stages"), list):
                for j, stage in enumerate(amount["stages"]):
                    if isinstance(stage, dict):
                        documents.check_keys(stage, YAML_KEYS["stages"], errors,
                                             at=iwhere.child(f"amount.stages[{j}]").at)
            for test, twhere in entries(item.get("tests"), iwhere.child("tests"), "tests"):
                doc.tests.append(Entry({**test, "item": item.get("code")}, twhere))
    return doc


def _value_list(values: list, here: Where, errors: ErrorCollector) -> list[tuple[dict, Where]]:
    out = []
    for i, item in enumerate(values):
        vwhere = here.child(f"values[{i}]")
        if not isinstance(item, dict) or set(item) - {"from", "value"}:
            errors.add("每个取值应为 {from: 生效日期, value: 取值}", **vwhere.at())
            continue
        out.append((item, vwhere))
    return out


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    """Multi-line text (rules, full texts) as a literal block, the way people write it."""
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def write_yaml(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


# --- xlsx ---------------------------------------------------------------------------------------

def split_list(value: Any) -> Any:
    """A list cell (「工业、稳增长」) as a list; anything else unchanged for the validator to judge."""
    if isinstance(value, str):
        return documents.split_list(value)
    return value


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _cell(value: Any) -> Any:
    """Blank cells as None; numbers typed into text columns stay numbers (the validator decides)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_xlsx(content: bytes, errors: ErrorCollector) -> LibraryDoc:
    doc = LibraryDoc(xlsx=True)
    book = documents.open_workbook(content, errors)
    if book is None:
        return doc
    documents.check_sheets(book, (s.title for s in SHEETS), errors)
    rows: dict[str, list[Entry]] = {}
    titles = {ws.title: ws for ws in book.worksheets}
    for sheet in SHEETS:
        rows[sheet.key] = []
        ws = titles.get(sheet.title)
        if ws is None:
            continue
        by_header = {c.header: c.key for c in sheet.cols}
        header, body = documents.sheet_rows(ws, by_header, errors)
        columns = {by_header[h]: f"{_letter(i)}列（{h}）" for i, h in enumerate(header) if h in by_header}
        for n, raw in body:
            values = {k: _cell(v) for k, v in raw.items()}
            if all(v is None for v in values.values()):
                continue
            rows[sheet.key].append(Entry(values, Where(sheet=sheet.title, row=n, columns=dict(columns))))

    doc.parameters = rows["parameters"]
    doc.values = rows["values"]
    for entry in rows["groups"]:
        entry.values["items"] = split_list(entry.values.get("items")) or []
        doc.groups.append(entry)
    for entry in rows["policies"]:
        entry.values["tags"] = split_list(entry.values.get("tags")) or []
        doc.policies.append(entry)
    stages: dict[Any, list[Entry]] = {}
    for entry in rows["stages"]:
        stages.setdefault(entry.values.get("item"), []).append(entry)
    item_codes = set()
    for entry in rows["items"]:
        item_codes.add(entry.values.get("code"))
        entry.values["tags"] = split_list(entry.values.get("tags")) or []
        _xlsx_amount(entry, stages.get(entry.values.get("code"), []), errors)
        doc.items.append(entry)
    for code, entries in stages.items():
        if code not in item_codes:
            for entry in entries:
                errors.add(f"事项「{code}」不在「奖补事项」表中" if code else "不能为空", **entry.where.at("item"))
    for entry in rows["tests"]:
        profile = entry.values.get("profile")
        if isinstance(profile, str):
            try:
                entry.values["profile"] = yamlio.load(profile)
            except yamlio.YamlError as exc:
                errors.add(f"画像应写成 YAML 映射，如 {{industry: C3011, flags: [规上]}}：{exc}", **entry.where.at("profile"))
                entry.values["profile"] = UNREADABLE
        doc.tests.append(entry)
    return doc


def _xlsx_amount(entry: Entry, stage_rows: list[Entry], errors: ErrorCollector) -> None:
    """金额 / 金额公式 / the item's 分段兑现 rows become the YAML amount value."""
    values = entry.values
    fixed, formula = values.pop("amount", None), values.pop("formula", None)
    if stage_rows:
        if fixed is not None or formula is not None:
            errors.add("分段兑现的事项不再填写金额或金额公式，金额写在「分段兑现」表中", **entry.where.at("amount"))
        stages, wheres = [], []
        for row in stage_rows:
            s_fixed, s_formula = row.values.get("amount"), row.values.get("formula")
            if s_fixed is not None and s_formula is not None:
                errors.add("金额与金额公式只能填一个", **row.where.at("formula"))
            if s_formula is not None:
                row.where.columns["amount"] = row.where.columns.get("formula", "")  # type: ignore[index]
            stages.append({"name": row.values.get("name"), "when": row.values.get("when"),
                           "amount": {"formula": s_formula} if s_formula is not None else s_fixed})
            wheres.append(row.where)
        values["amount"], entry.stage_wheres = {"stages": stages}, wheres
        return
    if fixed is not None and formula is not None:
        errors.add("金额与金额公式只能填一个", **entry.where.at("formula"))
    if formula is not None:
        entry.where.columns["amount"] = entry.where.columns.get("formula", "")  # type: ignore[index]
        values["amount"] = {"formula": formula}
    else:
        values["amount"] = fixed


def write_xlsx(data: dict, *, labels: Mapping[str, Mapping[Any, str]]) -> bytes:
    """One sheet per section, Chinese headers. ``labels`` maps a key's codes to the words staff use
    in Excel (recurrence once → 一次 …); the reader accepts both."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    flat: dict[str, list[dict]] = {s.key: [] for s in SHEETS}
    for name, spec in (data.get("parameters") or {}).items():
        flat["parameters"].append({"name": name, "type": spec["type"], "label": spec.get("label", "")})
        for day, value in spec.get("values", {}).items():
            flat["values"].append({"parameter": name, "from": day, "value": value})
    for group in data.get("groups") or []:
        flat["groups"].append(group)
    for policy in data.get("policies") or []:
        flat["policies"].append(policy)
        for item in policy.get("items", []):
            row = {**item, "policy": policy["code"]}
            amount = item.get("amount")
            if isinstance(amount, dict) and "stages" in amount:
                row["amount"] = None
                for stage in amount["stages"]:
                    inner = stage.get("amount")
                    flat["stages"].append({"item": item["code"], "name": stage.get("name"), "when": stage.get("when"),
                                           "amount": None if isinstance(inner, dict) else inner,
                                           "formula": inner.get("formula") if isinstance(inner, dict) else None})
            elif isinstance(amount, dict):
                row["amount"], row["formula"] = None, amount.get("formula")
            flat["items"].append(row)
            for test in item.get("tests", []):
                flat["tests"].append({**test, "item": item["code"]})
    book = Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.title)
        ws.append([c.header for c in sheet.cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in flat[sheet.key]:
            ws.append([_xlsx_value(c.key, row.get(c.key), labels) for c in sheet.cols])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(key: str, value: Any, labels: Mapping[str, Mapping[Any, str]]) -> Any:
    if value is None:
        return None
    if key in labels and not isinstance(value, list | dict):
        return labels[key].get(value, value)
    if key == "profile":
        return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, sort_keys=False, width=10000).strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return documents.join_list(value, sep="、")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
