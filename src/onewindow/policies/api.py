"""惠企政策 endpoints: the policy library (public reading, officers' editing, import/export, test runs),
matching (可享政策, why not, per-item statistics, runs), applying for an award, 免申即享 disbursement
batches and the award ledger. Money is integer fen throughout. Every check of who may do what is in
the services; these routes only translate."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response, UploadFile
from sqlalchemy.orm import Session

from onewindow.common import time as beijing
from onewindow.common.api import ERRORS
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CurrentUser, DbSession, MaybeUser
from onewindow.common.schemas import MAX_ID
from onewindow.common.uploads import read_upload
from onewindow.policies import access
from onewindow.policies import service as library
from onewindow.policies.disbursement import applying
from onewindow.policies.disbursement import core as disbursement
from onewindow.policies.matching import core as matching
from onewindow.policies.models import AwardItem, DisbursementBatch
from onewindow.policies.schemas import (
    ApplyIn,
    ApplyOut,
    AwardItemDetailOut,
    AwardItemIn,
    AwardItemPage,
    BatchOut,
    BatchPage,
    CancelIn,
    ConditionOut,
    EnterpriseOut,
    ExcludeIn,
    ExplanationOut,
    GenerateIn,
    GroupIn,
    GroupOut,
    ImportOut,
    IncludeIn,
    LedgerPage,
    LineOut,
    LinePage,
    MatchOut,
    MissingOut,
    ParameterIn,
    ParameterOut,
    ParameterValueIn,
    PayIn,
    PolicyDetailOut,
    PolicyOut,
    PolicyPage,
    PublishIn,
    RunIn,
    RunOut,
    StatisticsOut,
    TestCaseOut,
    TestReportOut,
    VersionIn,
)

router = APIRouter(responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Code = Annotated[str, Path(max_length=40, description="编码")]
Version = Annotated[int, Path(ge=1, le=9999, description="版本号")]
PageNo = Query(1, ge=1, le=100000)
PerPage = Query(50, ge=1, le=200)
EnterpriseId = Query(ge=1, le=MAX_ID, description="企业（本账号代为办理的企业，或政策工作人员查询的任一企业）")
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=8, max_length=64,
                                                 pattern=r"^[A-Za-z0-9_.:-]+$",
                                                 description="重试时使用同一键，只产生一份申请")]
LIBRARY, MATCHING, DISBURSE = ["政策库"], ["政策匹配"], ["免申即享兑现"]


def _page(result, render) -> dict:
    return {"items": [render(x) for x in result.items], "total": result.total, "page": result.page,
            "per_page": result.per_page}


# ---------------------------------------------------------------- the library

@router.get("/policies", response_model=PolicyPage, tags=LIBRARY, summary="检索政策（中文全文，按层级、标签、兑现部门筛选）")
def policies(session: DbSession, q: str | None = Query(None, max_length=50),
             level: Literal["国家级", "省级", "市级", "县级"] | None = None, tag: str | None = Query(None, max_length=40),
             department: str | None = Query(None, max_length=32), page: int = PageNo, per_page: int = PerPage) -> dict:
    result = library.search_policies(session, q=q, level=level, tag=tag, department=department, page=page,
                                     per_page=per_page)
    return _page(result, PolicyOut.of)


@router.get("/policies/export", tags=LIBRARY, summary="导出政策库（YAML 或 xlsx，含草稿；政策管理员）",
            response_class=Response, responses={200: {"content": {"application/yaml": {}, "application/vnd."
                                                                   "openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def export(session: DbSession, actor: CurrentUser, format: Literal["yaml", "xlsx"] = "yaml") -> Response:
    actor.require(*library.POLICY_EDITORS)
    content, media, name = library.export_library(session, fmt=format)
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/policies/import", response_model=ImportOut, tags=LIBRARY,
             summary="导入政策库（YAML 或 xlsx）；有任何错误则全部不写入，并列出每处错误的位置")
async def import_library(file: UploadFile, session: DbSession, actor: CurrentUser) -> dict:
    actor.require(*library.POLICY_EDITORS)
    filename, content = await read_upload(file, suffixes=(".yaml", ".yml", ".xlsx"))
    return library.import_library(session, actor=actor, filename=filename, content=content).as_dict()


@router.post("/policies/tests", response_model=TestReportOut, tags=LIBRARY,
             summary="运行已发布事项的全部测试用例（政策管理员）")
def run_all_tests(session: DbSession, actor: CurrentUser) -> TestReportOut:
    actor.require(*library.POLICY_EDITORS)
    return library.report_out(library.run_tests(session))


@router.get("/policies/parameters", response_model=list[ParameterOut], tags=LIBRARY, summary="规则参数及其分日期取值")
def parameters(session: DbSession) -> list[ParameterOut]:
    return _parameter_outs(session)


@router.post("/policies/parameters", response_model=ParameterOut, status_code=201, tags=LIBRARY,
             summary="定义规则参数（政策管理员）")
def define_parameter(body: ParameterIn, session: DbSession, actor: CurrentUser) -> ParameterOut:
    library.define_parameter(session, actor=actor, name=body.name, type=body.type, label=body.label)
    return _parameter_outs(session, body.name)[0]


@router.post("/policies/parameters/{name}/values", response_model=ParameterOut, tags=LIBRARY,
             summary="为参数增加自某日起生效的取值（政策管理员）")
def add_parameter_value(name: Annotated[str, Path(max_length=60)], body: ParameterValueIn, session: DbSession,
                        actor: CurrentUser) -> ParameterOut:
    library.add_parameter_value(session, actor=actor, name=name, effective_from=body.effective_from, value=body.value)
    return _parameter_outs(session, name)[0]


@router.get("/policies/groups", response_model=list[GroupOut], tags=LIBRARY, summary="互斥组（不重复享受，以最高标准为准）")
def groups(session: DbSession) -> list[GroupOut]:
    return _group_outs(session)


@router.put("/policies/groups/{code}", response_model=GroupOut, tags=LIBRARY, summary="新建或修改互斥组（政策管理员）")
def save_group(code: Code, body: GroupIn, session: DbSession, actor: CurrentUser) -> GroupOut:
    if body.code != code:
        raise ValidationFailed.one("请求体中的编码与路径不一致", field="code")
    library.save_group(session, actor=actor, code=code, name=body.name, parent=body.parent, note=body.note)
    return next(g for g in _group_outs(session) if g.code == code)


@router.get("/policies/{code}", response_model=PolicyDetailOut, tags=LIBRARY, summary="政策详情及其现行奖补事项")
def policy(code: Code, session: DbSession) -> PolicyDetailOut:
    return library.policy_detail(session, code=code)


@router.get("/award-items", response_model=AwardItemPage, tags=LIBRARY,
            summary="检索奖补事项（现行版本；政策管理员可按状态列出草稿等）")
def award_items(session: DbSession, actor: MaybeUser, q: str | None = Query(None, max_length=50),
                department: str | None = Query(None, max_length=32), tag: str | None = Query(None, max_length=40),
                level: Literal["国家级", "省级", "市级", "县级"] | None = None, auto_grant: bool | None = None,
                policy: str | None = Query(None, max_length=40),
                status: Literal["current", "draft", "published", "retired", "all"] = "current",
                page: int = PageNo, per_page: int = PerPage) -> dict:
    result = library.search_items(session, q=q, department=department, tag=tag, level=level, auto_grant=auto_grant,
                                  policy=policy, status=status, actor=actor, page=page, per_page=per_page)
    return {"items": library.item_outs(session, result.items), "total": result.total, "page": result.page,
            "per_page": result.per_page}


def item_detail(session: Session, item: AwardItem, actor) -> AwardItemDetailOut:
    versions = [v.version for v in library.list_versions(session, code=item.code, actor=actor)]
    tests = [TestCaseOut.of(t) for t in library.list_test_cases(session, code=item.code)]
    return AwardItemDetailOut(**library.item_outs(session, [item])[0].model_dump(), tests=tests, versions=versions)


@router.get("/award-items/{code}", response_model=AwardItemDetailOut, tags=LIBRARY,
            summary="奖补事项（现行版本或指定版本），含测试用例与版本列表")
def award_item(code: Code, session: DbSession, actor: MaybeUser,
               version: int | None = Query(None, ge=1, le=9999)) -> AwardItemDetailOut:
    return item_detail(session, library.get_item(session, code=code, version=version, actor=actor), actor)


@router.put("/award-items/{code}/draft", response_model=AwardItemDetailOut, tags=LIBRARY,
            summary="保存草稿（新建事项或修改草稿）；规则错误指出行、列和字段")
def save_draft(code: Code, body: AwardItemIn, session: DbSession, actor: CurrentUser) -> AwardItemDetailOut:
    if body.code != code:
        raise ValidationFailed.one("请求体中的事项编码与路径不一致", field="code")
    return item_detail(session, library.save_draft(session, actor=actor, data=body.library_data()), actor)


@router.post("/award-items/{code}/versions", response_model=AwardItemDetailOut, status_code=201, tags=LIBRARY,
             summary="基于最新版本新建草稿")
def new_version(code: Code, session: DbSession, actor: CurrentUser) -> AwardItemDetailOut:
    return item_detail(session, library.new_version(session, actor=actor, code=code), actor)


@router.post("/award-items/{code}/versions/{version}/publish", response_model=AwardItemDetailOut, tags=LIBRARY,
             summary="发布草稿（测试用例须全部通过；上一版本于前一日失效）")
def publish(code: Code, version: Version, body: PublishIn, session: DbSession, actor: CurrentUser) -> AwardItemDetailOut:
    item = library.publish_item(session, actor=actor, code=code, version=version, valid_from=body.valid_from)
    return item_detail(session, item, actor)


@router.post("/award-items/{code}/tests", response_model=TestReportOut, tags=LIBRARY,
             summary="运行该事项已发布版本的测试用例（政策管理员）")
def run_item_tests(code: Code, session: DbSession, actor: CurrentUser) -> TestReportOut:
    actor.require(*library.POLICY_EDITORS)
    library.get_item(session, code=code, actor=actor)  # 404 for an unknown item
    return library.report_out(library.run_tests(session, codes=[code]))


def _parameter_outs(session: Session, name: str | None = None) -> list[ParameterOut]:
    loaded = library.load_parameters(session)
    out = []
    for p in library.list_parameters(session):
        if name is None or p.name == name:
            values = [(d, sorted(v) if isinstance(v, frozenset) else v) for d, v in loaded.get(p.name).values]
            out.append(ParameterOut.of(p, values))
    return out


def _group_outs(session: Session) -> list[GroupOut]:
    members: dict[str, list[str]] = {}
    for item in library.current_versions(session, as_of=beijing.today()):
        if item.exclusive_group:
            members.setdefault(item.exclusive_group, []).append(item.code)
    return [GroupOut(code=g.code, name=g.name, parent=g.parent_code, note=g.note, items=sorted(members.get(g.code, [])))
            for g in library.list_groups(session)]


def explanation_out(ex) -> dict:
    return {"enterprise_id": ex.enterprise_id, "name": ex.name, "as_of": ex.as_of, "items": [
        {"code": i.code, "title": i.title, "eligible": i.eligible, "status": i.status, "amount_fen": i.amount,
         "outcome": i.outcome, "awarded_amount_fen": i.awarded_amount, "superseded_by": i.superseded_by,
         "stages": [{"name": s.name, "holds": s.holds, "amount_fen": s.amount} for s in i.stages],
         "conditions": [{k: getattr(c, k) for k in ConditionOut.model_fields} for c in i.conditions],
         "missing": [{k: getattr(m, k) for k in MissingOut.model_fields} for m in i.missing]} for i in ex.items]}


# ---------------------------------------------------------------- matching

@router.get("/policy-matches/enterprises", response_model=list[EnterpriseOut], tags=MATCHING,
            summary="本账号代为办理的企业（查询可享政策时用其编号）")
def my_enterprises(session: DbSession, actor: CurrentUser) -> list[dict]:
    ents = [access.readable_enterprise(session, actor, i)
            for i in access.my_enterprise_ids(session, actor)]
    return [{"id": e.id, "uscc": e.uscc, "name": e.name} for e in ents]


@router.get("/policy-matches", response_model=list[MatchOut], tags=MATCHING,
            summary="可享政策：企业符合条件的事项、金额、是否已兑现（企业只能查本企业）")
def matches(session: DbSession, actor: CurrentUser, enterprise_id: int = EnterpriseId) -> list[dict]:
    return [m.__dict__ for m in matching.matches_for_enterprise(session, actor=actor, enterprise_id=enterprise_id)]


@router.get("/policy-matches/explanation", response_model=ExplanationOut, tags=MATCHING,
            summary="逐项说明：符合与否、金额，不符合时每个条件的实际值与要求、缺少的数据")
def explanation(session: DbSession, actor: CurrentUser, enterprise_id: int = EnterpriseId,
                as_of: date | None = Query(None, description="按哪一天的规则和参数，默认今天")) -> dict:
    if as_of is not None and not date(2000, 1, 1) <= as_of <= date(2100, 12, 31):
        raise ValidationFailed.one("日期须在 2000 年至 2100 年之间", field="as_of")
    return explanation_out(matching.explain_for_enterprise(session, actor=actor, enterprise_id=enterprise_id,
                                                           as_of=as_of))


@router.get("/policy-matches/statistics", response_model=list[StatisticsOut], tags=MATCHING,
            summary="各现行事项：符合条件企业数、可享企业数、金额、资金上限、已兑现（政策管理员）")
def statistics(session: DbSession, actor: CurrentUser) -> list[dict]:
    return [s.__dict__ for s in matching.item_statistics(session, actor=actor)]


@router.get("/policy-matches/runs", response_model=list[RunOut], tags=MATCHING, summary="最近的匹配运行")
def runs(session: DbSession, actor: CurrentUser, limit: int = Query(20, ge=1, le=200)) -> list:
    return matching.recent_runs(session, actor=actor, limit=limit)


@router.post("/policy-matches/runs", response_model=RunOut, status_code=201, tags=MATCHING,
             summary="重新匹配：全量、指定事项（含其互斥组）或指定企业（政策管理员）")
def run(body: RunIn, session: DbSession, actor: CurrentUser):
    if body.item_code and body.enterprise_ids:
        raise ValidationFailed.one("item_code 与 enterprise_ids 只能指定一项", field="enterprise_ids")
    if body.item_code:
        return matching.run_for_item(session, actor=actor, item_code=body.item_code)
    if body.enterprise_ids:
        return matching.run_for_enterprises(session, actor=actor, enterprise_ids=body.enterprise_ids)
    return matching.run_full(session, actor=actor)


@router.post("/award-items/{code}/applications", response_model=ApplyOut, status_code=201, tags=MATCHING,
             summary="申请兑现非免申即享事项：生成办件申请（奖补信息锁定在表单上），再按办件流程补充并提交")
def apply(code: Code, body: ApplyIn, session: DbSession, actor: CurrentUser, key: IdempotencyKey = None) -> dict:
    app = applying.apply_for_award(session, actor=actor, enterprise_id=body.enterprise_id, item_code=code,
                                   contact_phone=body.contact_phone, idempotency_key=key,
                                   authorisation=body.authorisation.model_dump() if body.authorisation else None)
    return {"application_id": app.id, "status": app.status, "title": app.title, "award": applying.award_of(app)}


def batch_out(session: Session, batch: DisbursementBatch, item: AwardItem | None = None) -> dict:
    item = item or session.get(AwardItem, batch.item_version_id)
    return {**{c: getattr(batch, c) for c in ("id", "item_code", "period", "sequence", "status", "line_count",
                                               "total_fen", "generated_by", "generated_at", "reviewed_by",
                                               "reviewed_at", "payment_reference", "paid_at", "version")},
            "item_version": item.version, "item_title": item.title,
            "status_label": disbursement.STATUS_LABELS[batch.status]}


def line_out(line, name: str, uscc: str) -> dict:
    return {"id": line.id, "enterprise_id": line.enterprise_id, "enterprise_name": name, "uscc": uscc,
            "stage": line.stage, "amount_fen": line.amount_fen, "status": line.status,
            "status_label": disbursement.LINE_LABELS[line.status], "excluded_reason": line.excluded_reason,
            "excluded_by": line.excluded_by}


# ---------------------------------------------------------------- disbursements

@router.get("/disbursements/ledger", response_model=LedgerPage, tags=DISBURSE,
            summary="奖补台账：已兑现的每一笔（企业只见本企业的）")
def ledger(session: DbSession, actor: CurrentUser, enterprise_id: int | None = Query(None, ge=1, le=MAX_ID),
           item_code: str | None = Query(None, max_length=40), page: int = PageNo, per_page: int = PerPage) -> dict:
    result = disbursement.ledger(session, actor=actor, enterprise_id=enterprise_id, item_code=item_code, page=page,
                                 per_page=per_page)
    return _page(result, lambda e: e.__dict__)


@router.get("/disbursements", response_model=BatchPage, tags=DISBURSE, summary="兑现批次列表（政策管理员）")
def batches(session: DbSession, actor: CurrentUser, item_code: str | None = Query(None, max_length=40),
            status: str | None = Query(None, max_length=12), page: int = PageNo, per_page: int = PerPage) -> dict:
    result = disbursement.list_batches(session, actor=actor, item_code=item_code, status=status, page=page,
                                       per_page=per_page)
    items = disbursement.item_versions(session, result.items)
    return _page(result, lambda b: batch_out(session, b, items[b.item_version_id]))


@router.post("/disbursements", response_model=BatchOut, status_code=201, tags=DISBURSE,
             summary="生成免申即享兑现批次（同一事项和年度已有未完成批次时返回该批次）")
def generate(body: GenerateIn, session: DbSession, actor: CurrentUser) -> dict:
    return batch_out(session, disbursement.generate_batch(session, actor=actor, item_code=body.item_code,
                                                          period=body.period))


@router.get("/disbursements/{batch_id}", response_model=BatchOut, tags=DISBURSE, summary="兑现批次")
def batch(batch_id: Id, session: DbSession, actor: CurrentUser) -> dict:
    return batch_out(session, disbursement.get_batch(session, actor=actor, batch_id=batch_id))


@router.get("/disbursements/{batch_id}/lines", response_model=LinePage, tags=DISBURSE,
            summary="批次明细：企业、金额、阶段、是否剔除")
def lines(batch_id: Id, session: DbSession, actor: CurrentUser, status: str | None = Query(None, max_length=12),
          page: int = PageNo, per_page: int = PerPage) -> dict:
    result = disbursement.batch_lines(session, actor=actor, batch_id=batch_id, status=status, page=page,
                                      per_page=per_page)
    return _page(result, lambda row: line_out(*row))


def _line_row(session: Session, actor, batch_id: int, line) -> dict:
    ent = access.readable_enterprise(session, actor, line.enterprise_id)
    return line_out(line, ent.name, ent.uscc)


@router.post("/disbursements/{batch_id}/lines/{line_id}/exclude", response_model=LineOut, tags=DISBURSE,
             summary="剔除一家企业（须写明理由，仅待审核批次）")
def exclude(batch_id: Id, line_id: Id, body: ExcludeIn, session: DbSession, actor: CurrentUser) -> dict:
    line = disbursement.exclude_line(session, actor=actor, batch_id=batch_id, line_id=line_id, reason=body.reason,
                                     version=body.version)
    return _line_row(session, actor, batch_id, line)


@router.post("/disbursements/{batch_id}/lines/{line_id}/include", response_model=LineOut, tags=DISBURSE,
             summary="恢复已剔除的企业")
def include(batch_id: Id, line_id: Id, body: IncludeIn, session: DbSession, actor: CurrentUser) -> dict:
    line = disbursement.include_line(session, actor=actor, batch_id=batch_id, line_id=line_id, version=body.version)
    return _line_row(session, actor, batch_id, line)


@router.post("/disbursements/{batch_id}/approve", response_model=BatchOut, tags=DISBURSE,
             summary="审核通过（按所见版本；批次已被修改则 409）")
def approve(batch_id: Id, body: VersionIn, session: DbSession, actor: CurrentUser) -> dict:
    return batch_out(session, disbursement.approve_batch(session, actor=actor, batch_id=batch_id,
                                                         version=body.version))


@router.post("/disbursements/{batch_id}/cancel", response_model=BatchOut, tags=DISBURSE,
             summary="作废未支付的批次（须写明理由）")
def cancel(batch_id: Id, body: CancelIn, session: DbSession, actor: CurrentUser) -> dict:
    return batch_out(session, disbursement.cancel_batch(session, actor=actor, batch_id=batch_id, reason=body.reason,
                                                        version=body.version))


@router.post("/disbursements/{batch_id}/pay", response_model=BatchOut, tags=DISBURSE,
             summary="登记支付（支付凭证号）；每笔写入台账，任何企业不会重复兑现")
def pay(batch_id: Id, body: PayIn, session: DbSession, actor: CurrentUser) -> dict:
    return batch_out(session, disbursement.mark_paid(session, actor=actor, batch_id=batch_id,
                                                     payment_reference=body.payment_reference, version=body.version))
