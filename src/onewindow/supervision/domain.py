"""监管's registration: its tables, API and pages, the nightly credit recomputation (minor records leave the
grade and the publication after 3 months), its audit vocabulary and the measures it offers the indicators
(visits per credit grade, supervision.measures) and the credit grade it shows on the case pages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from onewindow.common.registry import Domain, PeriodicJob, Registry


def _regrade(session: Session, registry: Registry) -> str:
    from onewindow.supervision import credit

    return f"重新评定信用等级 {credit.recompute_all(session)} 户"


def _audit():
    from onewindow.calendar.clock import SLA_LABELS
    from onewindow.common.audit_text import AuditVocabulary
    from onewindow.supervision import states as S

    own = AuditVocabulary(
        actions={"sup_credit.record": "记入信用记录", "sup_credit.regrade": "重新评定信用等级",
                 "credit_repair.apply": "申请信用修复", "sup_plan.create": "制定抽查计划",
                 "sup_inspection.request": "申请入企检查", "sup_inspection.joint": "合并为联合抽查",
                 "sup_finding.record": "登记检查结果", "tolerance_list.draft": "起草免罚清单新版本",
                 "fee_problem.open": "登记涉企收费问题", "sup_quiet_days.set": "设置企业宁静日",
                 "sup_inspection.report_unapproved": "反映未经核准的入企检查",
                 "sup_inspection.publish_results": "公示检查结果", "sup_matter.save": "维护抽查事项", "sup_inspector.save": "维护执法检查人员"},
        entities={"sup_credit": "信用记录", "sup_finding": "检查结果", "sup_quiet_days": "企业宁静日",
                  "sup_matter": "抽查事项", "sup_inspector": "执法检查人员", "enterprise": "企业"},
        fields={"grade": "信用等级", "score": "信用分", "severity": "严重程度", "source": "来源", "reason": "事由",
                "result": "检查结果", "matter_code": "抽查事项", "tolerance_item": "免罚清单事项",
                "list_version": "清单版本", "visit_on": "检查日期", "exception": "宁静日例外情形",
                "exception_reason": "例外理由", "refund_fen": "应退金额（分）", "seed": "随机种子",
                "pool_hash": "抽取名录哈希", "public_value": "公开随机值", "first_day": "起始日", "last_day": "截止日",
                "record": "信用记录", "evidence": "销号证据", "picks": "抽中企业数", "inspection_ids": "合并的检查",
                "enterprise_id": "企业", "department_id": "部门", "rules_version": "评价规则版本",
                "ratios": "各信用等级抽取比例", "A": "A类", "B": "B类", "C": "C类", "D": "D类",
                "qualifications": "执法资格", "code": "清单编码", "visited_on": "检查日期", "department_name": "检查部门",
                "description": "情况描述", "demand": "诉求编号", "due_on": "公示期限",
                "publish_state": "公示时限状态"},
        values={"grade": S.GRADE_LABELS, "severity": S.SEVERITIES, "source": S.SOURCES, "result": S.RESULTS,
                "exception": S.EXCEPTIONS, "publish_state": SLA_LABELS})
    # the officers' forms (tolerance drafts edited item by item, fee refunds, the inspector roster)
    forms = AuditVocabulary(
        actions={"tolerance_list.edit": "修改免罚清单草稿", "fee_problem.refund": "登记涉企收费退费"},
        fields={"refunded_fen": "已退金额（分）", "note": "说明", "change": "修改方式", "no": "序号", "title": "名称",
                "kind": "清单类型", "file": "凭证文件", "tied_enterprise_ids": "回避企业", "active": "在岗"},
        values={"kind": S.TOLERANCE_KINDS})
    return AuditVocabulary.merge([S.REPAIR.vocabulary(), S.PLAN.vocabulary(), S.INSPECTION.vocabulary(),
                                  S.TOLERANCE.vocabulary(), S.FEE.vocabulary(), own, forms])


def _deadlines():
    from onewindow.supervision.publication import SOURCES

    return SOURCES


def _measures():
    from onewindow.supervision.measures import PROVIDER

    return [PROVIDER]


def _subject_facts(session: Session, *, subject_kind: str, subject_key: str):
    from onewindow.supervision import credit

    return credit.subject_facts(session, subject_kind=subject_kind, subject_key=subject_key)


DOMAIN = Domain(
    package="supervision", label="监管", models="models", api=("api",),
    pages=("pages", "publication_pages", "tolerance_pages", "fee_pages", "gate_pages", "roster_pages"),
    jobs=(PeriodicJob("supervision.regrade", timedelta(hours=24), _regrade, "每日重新评定企业信用等级"),),
    audit=_audit,
    deadlines=_deadlines,
    measures=_measures,
    subject_facts=_subject_facts,
)
