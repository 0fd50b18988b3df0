"""Catalogue endpoints: departments, items and versions, bundles and their plans, import and export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, UploadFile

from onewindow.catalog import service, transfer
from onewindow.catalog.bundles import REDUCTION_LABELS, BundlePlan
from onewindow.catalog.schemas import (
    BundleIn,
    BundleOut,
    DepartmentOut,
    ImportOut,
    ItemIn,
    ItemOut,
    ItemPage,
    PlanIn,
    PlanOut,
    PublishIn,
)
from onewindow.common.api import ERRORS
from onewindow.common.http import CurrentUser, DbSession, MaybeUser
from onewindow.common.roles import Role
from onewindow.common.uploads import read_upload

router = APIRouter(tags=["事项目录"], responses=ERRORS)
Version = Annotated[int, Path(ge=1, le=9999, description="版本号")]


def item_out(item) -> dict:
    return {**transfer.item_document(item), "department_name": item.department.name}


def plan_out(plan: BundlePlan) -> dict:
    return {
        "order": plan.order, "stages": plan.stages, "lead_item": plan.lead_item,
        "lead_department": plan.lead_department, "critical_path": plan.critical_path,
        "materials": [{**vars(m), "replaced": m.replaced} for m in plan.materials],
        "fields": [{k: v for k, v in vars(f).items() if k != "options"} | {"prefilled": f.prefilled}
                   for f in plan.fields],
        "reductions": {k: {"label": REDUCTION_LABELS[k], "separate": r.separate, "bundled": r.bundled,
                           "saved": r.saved, "percent": r.percent} for k, r in plan.reductions.items()},
    }


@router.get("/departments", response_model=list[DepartmentOut], summary="部门列表")
def departments(session: DbSession) -> list[dict]:
    depts = service.list_departments(session)
    codes = {d.id: d.code for d in depts}
    return [{"id": d.id, "code": d.code, "name": d.name, "level": d.level, "parent": codes.get(d.parent_id)}
            for d in depts]


@router.get("/items", response_model=ItemPage, summary="检索事项（中文全文检索）")
def items(session: DbSession, actor: MaybeUser, q: str | None = Query(None, max_length=100),
          department: str | None = Query(None, max_length=32), item_type: str | None = Query(None, max_length=16),
          online_depth: str | None = Query(None, max_length=8), level: str | None = Query(None, max_length=4),
          status: Literal["current", "draft", "published", "retired", "all"] = "current",
          page: int = Query(1, ge=1, le=100000), per_page: int = Query(20, ge=1, le=200)) -> dict:
    result = service.search_items(session, q=q, department=department, item_type=item_type,
                                  online_depth=online_depth, level=level, status=status, actor=actor,
                                  page=page, per_page=per_page)
    return {"items": [item_out(i) for i in result.items], "total": result.total, "page": result.page,
            "per_page": result.per_page}


@router.get("/items/{code}", response_model=ItemOut, summary="事项详情（现行版本或指定版本）")
def item(code: str, session: DbSession, actor: MaybeUser, version: int | None = Query(None, ge=1, le=9999)) -> dict:
    return item_out(service.get_item(session, code=code, version=version, actor=actor))


@router.get("/items/{code}/versions", response_model=list[ItemOut], summary="事项的全部版本")
def versions(code: str, session: DbSession, actor: MaybeUser) -> list[dict]:
    return [item_out(i) for i in service.list_versions(session, code=code, actor=actor)]


@router.put("/items/{code}/versions/{version}", response_model=ItemOut, summary="保存草稿版本（管理员）")
def save_draft(code: str, version: Version, body: ItemIn, session: DbSession, actor: CurrentUser) -> dict:
    data = body.model_dump() | {"code": code, "version": version}
    return item_out(service.save_draft(session, actor=actor, data=data))


@router.post("/items/{code}/versions", response_model=ItemOut, status_code=201, summary="从最新版本复制出新草稿")
def new_version(code: str, session: DbSession, actor: CurrentUser) -> dict:
    return item_out(service.new_version(session, actor=actor, code=code))


@router.post("/items/{code}/versions/{version}/publish", response_model=ItemOut, summary="发布草稿版本")
def publish(code: str, version: Version, body: PublishIn, session: DbSession, actor: CurrentUser) -> dict:
    return item_out(service.publish_item(session, actor=actor, code=code, version=version,
                                         valid_from=body.valid_from))


@router.get("/bundles", response_model=list[BundleOut], summary="一件事列表及其减负成效")
def bundles(session: DbSession, actor: MaybeUser) -> list[dict]:
    plans = service.bundle_plans(session, bundles=service.list_bundles(session, actor=actor))
    return [_bundle_dict(b, plan) for b, plan in plans]


def _bundle_dict(bundle, plan: BundlePlan) -> dict:
    return {**transfer.bundle_document(bundle), "version": bundle.version, "plan": plan_out(plan)}


def bundle_out(session, bundle) -> dict:
    return _bundle_dict(bundle, service.bundle_plan(session, bundle=bundle)[0])


@router.get("/bundles/{code}", response_model=BundleOut, summary="一件事详情：合并表单、材料、减负成效")
def bundle(code: str, session: DbSession, actor: MaybeUser) -> dict:
    return bundle_out(session, service.get_bundle(session, code=code, actor=actor))


@router.put("/bundles/{code}", response_model=BundleOut, summary="新建或修改一件事（管理员）")
def save_bundle(code: str, body: BundleIn, session: DbSession, actor: CurrentUser) -> dict:
    data = body.model_dump()
    data["code"] = code
    data["items"] = [{"item": bi["item"], "depends_on": bi["depends_on"] or []} for bi in data["items"]]
    return bundle_out(session, service.save_bundle(session, actor=actor, **data))


@router.delete("/bundles/{code}", status_code=204, summary="删除一件事（管理员）")
def delete_bundle(code: str, session: DbSession, actor: CurrentUser) -> None:
    service.delete_bundle(session, actor=actor, code=code)


@router.post("/bundles/plan", response_model=PlanOut, summary="试算：合并表单、材料与减负成效（不保存）")
def plan(body: PlanIn, session: DbSession) -> dict:
    result, _ = service.plan_bundle(session, items=[bi.item for bi in body.items],
                                    depends_on={bi.item: list(bi.depends_on or []) for bi in body.items},
                                    core_item=body.core_item)
    return plan_out(result)


@router.post("/catalog/import", response_model=ImportOut, summary="导入目录（YAML 或 xlsx；有错则全部不写入）")
async def import_catalog(file: UploadFile, session: DbSession, actor: CurrentUser) -> dict:
    filename, content = await read_upload(file, suffixes=(".yaml", ".yml", ".xlsx"))
    summary = transfer.import_catalog(session, actor=actor, filename=filename, content=content)
    return {"departments": summary.departments, "items": summary.items, "unchanged_items": summary.unchanged_items,
            "bundles": summary.bundles, "sha256": summary.sha256}


@router.get("/catalog/export", summary="导出整个目录", response_class=Response,
            responses={200: {"content": {"application/yaml": {}, "application/vnd.openxmlformats-officedocument"
                                         ".spreadsheetml.sheet": {}}}})
def export_catalog(session: DbSession, actor: CurrentUser, format: Literal["yaml", "xlsx"] = "yaml") -> Response:
    actor.require(Role.admin)  # the export includes drafts
    content, media, name = transfer.export_catalog(session, fmt=format)
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
