"""policies' registration: the policy library, matching and disbursement; settling of completed award
applications on the "case.completed" event and incremental matching on registry changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from onewindow.common.registry import Domain, EventHandler, PeriodicJob, Registry


def _settle_award(session: Session, event) -> bool:
    from onewindow.policies.disbursement import applying

    return applying.on_case_completed(session, event)


def _settle(session: Session, registry: Registry) -> str:
    from onewindow.policies.disbursement import applying

    settled = applying.settle_completed_applications(session)
    return "另一进程正在结算，本次跳过" if settled is None else f"奖补兑现结算 {settled} 件"


def _match(session: Session, registry: Registry) -> str:
    from onewindow.common.errors import DomainError
    from onewindow.common.security import SYSTEM
    from onewindow.policies.matching import core as matching

    try:  # 政策找企业 on every data change: only the enterprises whose registry data changed
        run = matching.changed_since_last_run(session, actor=SYSTEM)
    except DomainError as exc:  # another process holds the matching lease
        return f"政策匹配未运行：{exc}"
    return f"政策匹配 {run.enterprise_count} 家企业" if run else "政策匹配：无数据变化"


def _audit():
    from onewindow.common.audit_text import AuditVocabulary
    from onewindow.policies.disbursement.core import BATCH, LINE_LABELS
    from onewindow.policies.library.values import LABELS, XLSX_LABELS

    # Field labels are the library file's own headers (values.LABELS), so the audit page reads as the file.
    fields = {f"award_item.{k}": v for k, v in LABELS["items"].items()}
    fields |= {f"award_item.amount.stages.{k}": v for k, v in LABELS["stages"].items()}
    fields |= {f"exclusivity_group.{k}": v for k, v in LABELS["groups"].items()}
    fields |= {"award_item.amount.fixed": "固定金额", "award_item.amount.stages": "分阶段金额", "award_item.budget_fen": "资金上限",
               "award_item.group": "互斥组", "award_item.ended": "同时结束的旧版本", "award_item.tests": "通过测试用例数",
               "policy_parameter.type": "类型", "policy_parameter.label": "说明", "effective_from": "生效日期",
               "policy_parameter.value": "取值",
               "policy_library.parameters": "参数数", "policy_library.parameter_values": "参数取值数",
               "policy_library.groups": "互斥组数", "policy_library.policies": "政策数",
               "policy_library.versions": "新事项版本", "policy_library.unchanged_items": "未变事项数",
               "policy_library.tests": "更新测试用例数",
               "match_run.kind": "匹配方式", "match_run.scope": "范围", "as_of": "匹配日期", "match_run.enterprises": "企业数",
               "match_run.items": "政策事项数", "match_run.matches": "匹配结果数", "match_run.ms": "耗时（毫秒）",
               "sequence": "批次序号", "lines": "企业数", "total_fen": "合计金额",
               "disbursement_line.batch": "批次编号", "batch": "批次编号", "reason": "理由",
               "payment_reference": "支付凭证号", "disbursement_batch.total_fen": "合计金额"}
    # A policy application's award (on the application, then on its case when settled) and a batch.
    award = {"item": "政策事项编码", "item_code": "政策事项编码", "item_version_id": "政策事项版本号", "version": "版本",
             "title": "政策事项", "period": "兑现年度", "stages": "兑现阶段", "amount_fen": "金额",
             "department_id": "兑现部门编号", "granted": "本次兑现", "already_paid": "此前已兑现",
             "task_status": "审批任务状态"}
    fields |= {f"{entity}.{k}": v for entity in ("application", "case", "disbursement_batch") for k, v in award.items()}
    return AuditVocabulary.merge([BATCH.vocabulary(), AuditVocabulary(
        actions={"policy.match_full": "全量政策匹配", "policy.match_enterprises": "按企业政策匹配",
                 "policy.match_item": "按政策事项匹配", "policy_item.save_draft": "保存政策事项草稿",
                 "policy_item.new_version": "新建政策事项版本", "policy_item.publish": "发布政策事项",
                 "policy_parameter.define": "定义政策参数", "policy_parameter.value": "设置政策参数取值",
                 "policy_group.save": "保存互斥组", "policies.import": "导入政策库",
                 "disbursement.generate": "生成兑现批次", "disbursement.exclude": "从兑现批次剔除企业",
                 "disbursement.include": "恢复拟拨付企业", "disbursement.pay": "兑现批次拨付",
                 "disbursement_batch.approve": "审核通过兑现批次", "disbursement_batch.cancel": "作废兑现批次",
                 "policy.apply": "申请政策兑现", "policy.award_grant": "奖补入账", "policy.award_none": "奖补未入账（已兑现或无应付）"},
        entities={"award_item": "政策事项", "policy_parameter": "政策参数", "exclusivity_group": "互斥组",
                  "policy_library": "政策库文件", "match_run": "政策匹配", "disbursement_line": "兑现明细"},
        fields=fields,
        values={"award_item.status": XLSX_LABELS["status"], "recurrence": XLSX_LABELS["recurrence"],
                "policy_parameter.type": XLSX_LABELS["type"], "disbursement_line.status": LINE_LABELS,
                "disbursement_batch.status": BATCH.labels, "period": {"once": "一次性"},
                "match_run.kind": {"full": "全量", "item": "按事项", "changed": "数据变化", "enterprises": "按企业"}},
        money=frozenset({"fixed", "amount", "budget_fen", "amount_fen", "total_fen", "granted_fen"}))])

def _measures():
    from onewindow.policies import service

    return service.measure_providers()


DOMAIN = Domain(
    package="policies", label="惠企政策", models="models", api=("api",),
    pages=("pages.batch", "pages.officer", "pages.public"), commands="commands",
    # A completed case's award settles on its "case.completed" event, after the commit; the job retries.
    handlers=(EventHandler("case.completed", "policies.settle_award", _settle_award),),
    jobs=(PeriodicJob("policies.settle", timedelta(minutes=5), _settle, "已办结奖补申请入账（重试）"),
          PeriodicJob("policies.matching", timedelta(minutes=5), _match, "增量政策匹配")),
    audit=_audit,
    measures=_measures,
)
