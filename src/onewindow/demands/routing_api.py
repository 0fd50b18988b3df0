"""分派规则 over the API: list, create, change (PATCH; disabling is {"active": false}) and a trial of
what the rules suggest for a demand. Mounted before api.py so /demands/routes is not read as a code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from onewindow.common.api import ERRORS
from onewindow.common.http import CurrentUser, DbSession
from onewindow.common.schemas import MAX_ID
from onewindow.demands import routing
from onewindow.demands.schemas import RouteIn, RouteOut, RoutePatch
from onewindow.demands.states import KINDS

router = APIRouter(prefix="/demands/routes", tags=["诉求"], responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def route_out(line: routing.RouteLine) -> dict:
    r = line.route
    return {"id": r.id, "kind": r.kind, "kind_label": KINDS.get(r.kind, "任意类型"), "topic": r.topic,
            "region": r.region, "department_id": r.department_id, "department_name": line.department,
            "level": line.level, "assist_ids": list(r.assist_ids or []), "assist_names": list(line.assists),
            "priority": r.priority, "active": r.active}


def _one(session, actor, route_id: int) -> dict:
    return route_out(next(line for line in routing.list_routes(session, actor=actor) if line.route.id == route_id))


@router.get("", response_model=list[RouteOut], summary="分派规则列表（启用的在前，条件具体的在前）")
def list_routes(session: DbSession, actor: CurrentUser, active: bool | None = Query(None)) -> list:
    return [route_out(line) for line in routing.list_routes(session, actor=actor, active=active)]


@router.post("", response_model=RouteOut, status_code=201, summary="新增分派规则")
def create_route(body: RouteIn, session: DbSession, actor: CurrentUser) -> dict:
    route = routing.create_route(session, actor=actor, **body.model_dump())
    return _one(session, actor, route.id)


@router.patch("/{route_id}", response_model=RouteOut, summary="修改或停用分派规则")
def update_route(route_id: Id, body: RoutePatch, session: DbSession, actor: CurrentUser) -> dict:
    routing.update_route(session, actor=actor, route_id=route_id, changes={k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None})
    return _one(session, actor, route_id)
