"""分派规则 (routing rules) kept by the 12345 dispatchers and supervisors: type, topic and region (empty:
any) → the suggested 主办 unit and up to five 协办 units, with a priority. handling.suggest_units reads
them (the most specific active rule wins, then the lower priority); this module only keeps them:
checked field by field (every problem at once, beside its field), audited, disabled rather than
deleted so a past suggestion can still be explained."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common import audit
from onewindow.common.errors import ErrorCollector, NotFound
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.demands.models import Route
from onewindow.demands.states import KINDS

KEEPERS = frozenset({Role.agent, Role.supervisor, Role.admin})
MAX_ASSIST = 5
FIELDS = ("kind", "topic", "region", "department_id", "assist_ids", "priority", "active")
LABELS = {"kind": "诉求类型", "topic": "所属领域", "region": "区域", "department_id": "建议主办单位",
          "assist_ids": "建议协办单位", "priority": "优先级", "active": "启用"}


@dataclass(frozen=True)
class RouteLine:
    """A rule as the list shows it: the units by name and level (市/县/乡/村), never by id alone."""

    route: Route
    department: str
    level: str
    assists: tuple[str, ...]


def _whole(value, errors: ErrorCollector) -> int | None:
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value <= 10000:
        errors.add("优先级须为1–10000的整数（数字小的优先）", field="priority", label=LABELS["priority"])
        return None
    return value


def _clean(session: Session, data: dict, errors: ErrorCollector, *, route_id: int | None) -> dict:
    """The rule's values from what was sent; each problem reported beside its field."""
    out = {}
    kind = (data.get("kind") or "").strip()
    if kind and kind not in KINDS:
        errors.add(f"诉求类型须为{'、'.join(KINDS.values())}之一，或留空表示任意类型", field="kind", label=LABELS["kind"])
    out["kind"] = kind
    for key in ("topic", "region"):
        text = (data.get(key) or "").strip()
        if len(text) > 40:
            errors.add(f"{LABELS[key]}不能超过40个字", field=key, label=LABELS[key])
        out[key] = text[:40]
    lead = data.get("department_id")
    known = catalog.departments_by_id(session, ids=[i for i in [lead, *(data.get("assist_ids") or [])]
                                                    if isinstance(i, int) and not isinstance(i, bool)])
    if not isinstance(lead, int) or lead not in known:
        errors.add("请选择建议的主办单位", field="department_id", label=LABELS["department_id"])
    out["department_id"] = lead
    assists = list(data.get("assist_ids") or [])
    if len(assists) > MAX_ASSIST:
        errors.add(f"协办单位最多{MAX_ASSIST}个", field="assist_ids", label=LABELS["assist_ids"])
    elif any(a not in known for a in assists):
        errors.add("协办单位中有不存在的单位", field="assist_ids", label=LABELS["assist_ids"])
    elif lead in assists:
        errors.add("主办单位不能同时作为协办单位", field="assist_ids", label=LABELS["assist_ids"])
    elif len(set(assists)) != len(assists):
        errors.add("协办单位不能重复", field="assist_ids", label=LABELS["assist_ids"])
    out["assist_ids"] = list(dict.fromkeys(assists))
    out["priority"] = _whole(data.get("priority", 100), errors)
    out["active"] = bool(data.get("active", True))
    if out["active"] and not errors:
        same = session.scalar(select(Route.id).where(Route.active.is_(True), Route.kind == out["kind"],
                                                     Route.topic == out["topic"], Route.region == out["region"],
                                                     Route.id != (route_id or 0)))
        if same is not None:
            errors.add(f"已有条件相同的启用规则（规则{same}），请修改那条规则或先停用它", field="topic",
                       label=LABELS["topic"])
    return out


def _values(route: Route) -> dict:
    return {"kind": route.kind, "topic": route.topic, "region": route.region, "department": route.department_id,
            "assists": list(route.assist_ids or []), "priority": route.priority, "active": route.active}


def get_route(session: Session, *, actor: Principal, route_id: int) -> Route:
    actor.require(*KEEPERS)
    route = session.get(Route, route_id)
    if route is None:
        raise NotFound(f"分派规则{route_id}不存在")
    return route


def list_routes(session: Session, *, actor: Principal, active: bool | None = None) -> list[RouteLine]:
    """Every rule, enabled ones first, most specific first — the order suggest_units weighs them in."""
    actor.require(*KEEPERS)
    stmt = select(Route)
    if active is not None:
        stmt = stmt.where(Route.active.is_(active))
    routes = list(session.scalars(stmt))
    routes.sort(key=lambda r: (not r.active, -(bool(r.kind) + bool(r.topic) + bool(r.region)), r.priority, r.id))
    ids = {r.department_id for r in routes} | {a for r in routes for a in (r.assist_ids or [])}
    levels = catalog.department_levels(session, ids=ids)
    return [RouteLine(r, levels[r.department_id].name if r.department_id in levels else "（单位已撤销）",
                      levels[r.department_id].level if r.department_id in levels else "",
                      tuple(levels[a].name for a in (r.assist_ids or []) if a in levels)) for r in routes]


def create_route(session: Session, *, actor: Principal, kind: str = "", topic: str = "", region: str = "",
                 department_id: int | None = None, assist_ids: list[int] | None = None, priority: int = 100,
                 active: bool = True) -> Route:
    actor.require(*KEEPERS)
    errors = ErrorCollector()
    clean = _clean(session, {"kind": kind, "topic": topic, "region": region, "department_id": department_id,
                             "assist_ids": assist_ids or [], "priority": priority, "active": active}, errors,
                   route_id=None)
    errors.raise_if_any("分派规则有误")
    route = Route(**clean)
    session.add(route)
    session.flush()
    audit.record(session, actor=actor, action="demand_route.create", entity_type="demand_route", entity_id=route.id,
                 after=_values(route))
    return route


def update_route(session: Session, *, actor: Principal, route_id: int, changes: dict) -> Route:
    """Change what `changes` names (of FIELDS); the rest stays. Disabling is `{"active": False}`."""
    route = get_route(session, actor=actor, route_id=route_id)
    before = _values(route)
    data = {k: getattr(route, k) for k in FIELDS} | {k: v for k, v in changes.items() if k in FIELDS}
    errors = ErrorCollector()
    clean = _clean(session, data, errors, route_id=route.id)
    errors.raise_if_any("分派规则有误")
    for key, value in clean.items():
        setattr(route, key, value)
    session.flush()
    after = _values(route)
    if after != before:
        audit.record(session, actor=actor, action="demand_route.update", entity_type="demand_route",
                     entity_id=route.id, before=before, after=after)
    return route
