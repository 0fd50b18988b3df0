"""cases' registration: applications and tasks (their deadlines go to the calendar's sweep), and the
periodic check of 容缺 commitments and post-checks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from onewindow.common.registry import Domain, PeriodicJob, Registry


def _deadlines():
    from onewindow.cases.deadlines import SOURCES

    return SOURCES


def _commitments(session: Session, registry: Registry) -> str:
    from onewindow.cases.sweep import commitments
    from onewindow.common.time import today

    overdue, notified, revoked = commitments(session, today=today())
    return f"容缺逾期 {overdue}；新通知 {notified}；逾期未整改撤销 {revoked}"


def _audit():
    from onewindow.cases.queries import OWN_FIELDS
    from onewindow.cases.states import APPLICATION, CASE, TASK, VERIFICATION, ApplicationStatus
    from onewindow.cases.window import MODES
    from onewindow.common.audit_text import AuditVocabulary

    own = AuditVocabulary(
        actions={"application.start": "创建申请", "application.upload": "上传申请材料", "application.submit": "提交申请",
                 "application.notice": "一次性告知（退回补齐）", "application.refuse": "不予受理",
                 "commitment.fulfil": "容缺承诺履行完毕", "case.accept": "受理", "case.deliver": "送达审批结果",
                 "personal_data.reveal": "查看个人信息原文", "verification.result": "录入核查结果",
                 "verification.rectified": "整改完成", "verification.revoke": "核查后撤销许可"},
        entities={"application": "申请", "commitment": "容缺承诺"},
        fields={"target_kind": "办理对象类型", "target": "办理对象编码", "authorisation.authoriser": "授权人", "authorisation.reference": "授权书编号",
                "authorisation.scope": "授权范围", "authorisation.recorded_at": "登记时间", "channel": "渠道", "authorisation": "代办授权", "material": "材料编码", "file": "文件名",
                "files": "文件", "task": "任务编号", "items": "告知内容", "application.reason": "不予受理理由",
                "application": "申请编号", "case": "办件编号", "mode": "受理方式", "deadline": "办结期限", "tasks": "事项",
                "method": "送达方式", "tracking_number": "快递单号", "field": "信息项", "purpose": "查看用途",
                "procedure": "特别程序", "task.reason": "理由", "text": "补正要求", "result": "结果",
                "licences": "证照编号", "summary": "办结说明", "rectification_due_on": "整改期限",
                "status": "状态"},
        values={"mode": MODES, "channel": {"online": "网上申请", "assisted": "帮办代办", "window": "窗口申请"},
                "target_kind": {"item": "事项", "bundle": "一件事"}, "method": {"window": "窗口领取", "mail": "邮寄"},
                "application.status": ApplicationStatus.labels(),
                "field": OWN_FIELDS})
    return AuditVocabulary.merge([APPLICATION.vocabulary(), CASE.vocabulary(), TASK.vocabulary(), VERIFICATION.vocabulary(), own])

def _measures():
    from onewindow.cases import service

    return service.measure_providers()


DOMAIN = Domain(
    package="cases", label="办件", models="models", api=("api",), pages=("pages", "staff_pages"),
    jobs=(PeriodicJob("cases.commitments", timedelta(minutes=5), _commitments, "容缺承诺与承诺核查到期"),),
    deadlines=_deadlines,
    audit=_audit,
    measures=_measures,
)
