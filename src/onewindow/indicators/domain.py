"""indicators' registration: it reads the measures other domains declare (``Domain.measures``), computes
the current period's figures every few hours, and names its audit actions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from onewindow.common.registry import Domain, PeriodicJob, Registry


def _refresh(session: Session, registry: Registry) -> str:
    from onewindow.indicators import compute

    result = compute.refresh_current(session)
    return f"本期指标已更新 {result.written} 项，与已发布数据不一致 {result.discrepancies} 项"


def _audit():
    from onewindow.common.audit_text import AuditVocabulary

    return AuditVocabulary(
        actions={"indicator.import": "导入指标定义", "indicator.compute": "计算指标", "indicator.publish": "发布指标期次",
                 "indicator_report.generate": "生成通报", "indicator_report.publish": "发布通报",
                 "review_opinion.record": "登记审议意见"},
        entities={"indicator": "指标", "indicator_report": "指标通报", "review_opinion": "审议意见"},
        fields={"period": "期次", "codes": "指标", "written": "更新数", "discrepancies": "差异数", "kind": "类型",
                "title": "标题", "problems": "问题数", "rectifications": "整改事项数"},
        values={"kind": {"monthly": "月调度", "quarterly": "季通报"}})


DOMAIN = Domain(
    package="indicators", label="监测评价", models="models", api=("api",), pages=("pages",),
    jobs=(PeriodicJob("indicators.refresh", timedelta(hours=3), _refresh, "计算本期营商环境指标"),),
    audit=_audit,
)
