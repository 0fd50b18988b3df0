"""Tolerance lists (免罚清单: 首违不罚, 轻微违法不罚) as versioned documents: draft a version with its items
(序号, 违法行为, 法律依据, 不予处罚条件), publish it (the previous version is superseded), and diff any two
versions item by item (by 序号) and field by field."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common import audit
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.supervision.models import ToleranceList
from onewindow.supervision.states import FIELD_LABELS, TOLERANCE, TOLERANCE_KINDS

EDITORS = frozenset({Role.inspector, Role.supervisor, Role.admin})
FIELDS = tuple(FIELD_LABELS)


def _clean_items(items: list[dict]) -> list[dict]:
    out, seen = [], set()
    for n, raw in enumerate(items, start=1):
        item = {f: str(raw.get(f, "") or "").strip() for f in FIELDS}
        for f in FIELDS:
            if not item[f]:
                raise ValidationFailed.one(f"第{n}项缺少「{FIELD_LABELS[f]}」", field=f"items.{n}.{f}",
                                           label=FIELD_LABELS[f])
        if item["no"] in seen:
            raise ValidationFailed.one(f"序号{item['no']}重复", field=f"items.{n}.no", label="序号")
        seen.add(item["no"])
        out.append(item)
    if not out:
        raise ValidationFailed.one("清单至少须有一项", field="items", label="清单事项")
    return out


def draft(session: Session, *, actor: Principal, code: str, department_id: int, kind: str, title: str,
          items: list[dict]) -> ToleranceList:
    """A new draft version (the next number) of the list `code`."""
    _own(actor, department_id)
    if kind not in TOLERANCE_KINDS:
        raise ValidationFailed.one("清单类型须为首违不罚或轻微违法不罚", field="kind", label="清单类型")
    if catalog.department_by_id(session, department_id=department_id) is None:
        raise ValidationFailed.one("部门不存在", field="department_id", label="部门")
    code, title = (code or "").strip()[:32], (title or "").strip()[:200]
    if not code:
        raise ValidationFailed.one("请填写清单编号", field="code", label="清单编号")
    if not title:
        raise ValidationFailed.one("请填写清单名称", field="title", label="清单名称")
    last = session.scalar(select(func.max(ToleranceList.version_no)).where(ToleranceList.code == code)) or 0
    row = ToleranceList(code=code, department_id=department_id, kind=kind, title=title, version_no=last + 1,
                        items=_clean_items(items), status="draft")
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="tolerance_list.draft", entity_type="tolerance_list", entity_id=row.id,
                 after={"code": code, "list_version": row.version_no, "count": len(row.items)})
    return row


def create_list(session: Session, *, actor: Principal, code: str, department_id: int, kind: str, title: str,
                items: list[dict]) -> ToleranceList:
    """A new list: its first draft. A code already in use is refused (a new version is `new_version`)."""
    _own(actor, department_id)
    if versions(session, code=(code or "").strip()[:32]):
        raise ValidationFailed.one(f"清单编号{code.strip()}已被使用，请换一个编号或为该清单起草新版本", field="code",
                                   label="清单编号")
    return draft(session, actor=actor, code=code, department_id=department_id, kind=kind, title=title, items=items)


def get(session: Session, *, list_id: int) -> ToleranceList:
    row = session.get(ToleranceList, list_id)
    if row is None:
        raise NotFound("免罚清单不存在")
    return row


def _own(actor: Principal, department_id: int) -> None:
    actor.require(*EDITORS)
    if actor.role == Role.inspector and actor.department_id != department_id:
        raise Forbidden("只能编制本部门的免罚清单")


def _draft_of(session: Session, actor: Principal, list_id: int, version: int | None) -> ToleranceList:
    """A draft the actor may edit, as it was read (a stale form is refused, not silently overwritten)."""
    row = get(session, list_id=list_id)
    _own(actor, row.department_id)
    if row.status != "draft":
        raise Conflict(f"第{row.version_no}版已{TOLERANCE.label(row.status)}，不能再修改；请起草新版本")
    if version is not None and row.version != version:
        raise Conflict(TOLERANCE.stale)
    return row


def _edited(session: Session, actor: Principal, row: ToleranceList, items: list[dict], what: dict) -> ToleranceList:
    row.items = items  # a new list, so the JSON column is written
    session.flush()
    audit.record(session, actor=actor, action="tolerance_list.edit", entity_type="tolerance_list", entity_id=row.id,
                 after={"code": row.code, "list_version": row.version_no, **what})
    return row


def save_item(session: Session, *, actor: Principal, list_id: int, item: dict, replaces: str | None = None,
              version: int | None = None) -> ToleranceList:
    """Add an item to a draft, or change the item numbered `replaces` (its 序号 may change too)."""
    row = _draft_of(session, actor, list_id, version)
    items = [dict(i) for i in row.items]
    at = next((n for n, i in enumerate(items) if i["no"] == replaces), None) if replaces else None
    if replaces and at is None:
        raise NotFound(f"第{row.version_no}版中没有序号{replaces}")
    new = {f: str(item.get(f, "") or "").strip() for f in FIELDS}
    for f in FIELDS:
        if not new[f]:
            raise ValidationFailed.one(f"请填写「{FIELD_LABELS[f]}」", field=f, label=FIELD_LABELS[f])
        if len(new[f]) > (16 if f == "no" else 2000):
            raise ValidationFailed.one(f"「{FIELD_LABELS[f]}」过长", field=f, label=FIELD_LABELS[f])
    if any(i["no"] == new["no"] for n, i in enumerate(items) if n != at):
        raise ValidationFailed.one(f"序号{new['no']}已在清单中", field="no", label="序号")
    if at is None:
        items.append(new)
    else:
        items[at] = new
    return _edited(session, actor, row, items, {"no": new["no"], "change": "修改" if replaces else "新增"})


def remove_item(session: Session, *, actor: Principal, list_id: int, no: str,
                version: int | None = None) -> ToleranceList:
    row = _draft_of(session, actor, list_id, version)
    items = [dict(i) for i in row.items if i["no"] != no]
    if len(items) == len(row.items):
        raise NotFound(f"第{row.version_no}版中没有序号{no}")
    if not items:
        raise ValidationFailed.one("清单至少须有一项，不能删除最后一项", field="items", label="清单事项")
    return _edited(session, actor, row, items, {"no": no, "change": "删除"})


def rename(session: Session, *, actor: Principal, list_id: int, title: str, kind: str,
           version: int | None = None) -> ToleranceList:
    row = _draft_of(session, actor, list_id, version)
    if kind not in TOLERANCE_KINDS:
        raise ValidationFailed.one("清单类型须为首违不罚或轻微违法不罚", field="kind", label="清单类型")
    if not (title or "").strip():
        raise ValidationFailed.one("请填写清单名称", field="title", label="清单名称")
    row.title, row.kind = title.strip()[:200], kind
    session.flush()
    audit.record(session, actor=actor, action="tolerance_list.edit", entity_type="tolerance_list", entity_id=row.id,
                 after={"code": row.code, "list_version": row.version_no, "title": row.title, "kind": kind})
    return row


def new_version(session: Session, *, actor: Principal, code: str) -> ToleranceList:
    """The next draft, starting from the latest version's items; one draft at a time per list."""
    rows = versions(session, code=code)
    if not rows:
        raise NotFound(f"免罚清单{code}不存在")
    last = rows[-1]
    _own(actor, last.department_id)
    if last.status == "draft":
        raise Conflict(f"第{last.version_no}版草稿尚未发布，请继续编辑该草稿")
    return draft(session, actor=actor, code=code, department_id=last.department_id, kind=last.kind,
                 title=last.title, items=[dict(i) for i in last.items])


def publish(session: Session, *, actor: Principal, list_id: int, version: int | None = None) -> ToleranceList:
    row = get(session, list_id=list_id)
    _own(actor, row.department_id)
    current = session.scalar(select(ToleranceList).where(ToleranceList.code == row.code,
                                                         ToleranceList.status == "published"))
    TOLERANCE.move(session, row, "publish", actor=actor, version=version, after={"list_version": row.version_no})
    if current is not None:
        TOLERANCE.move(session, current, "supersede", actor=actor)
    return row


def versions(session: Session, *, code: str) -> list[ToleranceList]:
    return list(session.scalars(select(ToleranceList).where(ToleranceList.code == code)
                                .order_by(ToleranceList.version_no)))


def lists(session: Session, *, published_only: bool = False) -> list[ToleranceList]:
    stmt = select(ToleranceList).order_by(ToleranceList.code, ToleranceList.version_no)
    if published_only:
        stmt = stmt.where(ToleranceList.status.in_(("published", "superseded")))
    return list(session.scalars(stmt))


def version_of(session: Session, *, code: str, version_no: int) -> ToleranceList:
    row = session.scalar(select(ToleranceList).where(ToleranceList.code == code,
                                                     ToleranceList.version_no == version_no))
    if row is None:
        raise NotFound(f"免罚清单{code}没有第{version_no}版")
    return row


def diff(old: list[dict], new: list[dict]) -> dict:
    """Items matched by 序号: added, removed, and changed with each differing field (before → after)."""
    a, b = {i["no"]: i for i in old}, {i["no"]: i for i in new}
    changed = []
    for no in [n for n in b if n in a]:
        fields = [{"field": f, "label": FIELD_LABELS[f], "before": a[no].get(f, ""), "after": b[no].get(f, "")}
                  for f in FIELDS if a[no].get(f, "") != b[no].get(f, "")]
        if fields:
            changed.append({"no": no, "fields": fields})
    return {"added": [b[n] for n in b if n not in a], "removed": [a[n] for n in a if n not in b], "changed": changed}


def diff_versions(session: Session, *, code: str, from_version: int, to_version: int) -> dict:
    old, new = version_of(session, code=code, version_no=from_version), version_of(session, code=code,
                                                                                  version_no=to_version)
    return {"code": code, "from_version": from_version, "to_version": to_version, **diff(old.items, new.items)}


def cited_item(session: Session, *, list_id: int, item_no: str) -> tuple[ToleranceList, dict]:
    """The published list item a finding cites (never a draft's)."""
    row = get(session, list_id=list_id)
    if row.status != "published":
        raise ValidationFailed.one("只能引用已发布的现行免罚清单", field="tolerance_list_id", label="免罚清单")
    item = next((i for i in row.items if i["no"] == str(item_no).strip()), None)
    if item is None:
        raise ValidationFailed.one(f"免罚清单第{row.version_no}版中没有序号{item_no}", field="tolerance_item",
                                   label="清单事项")
    return row, item
