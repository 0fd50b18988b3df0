"""demands' registration: tables, the API, the callback timeout job, the deadlines it declares to the
calendar's sweep (派单/答复/回访 clocks, 督办 orders) and its audit vocabulary. Ratings and supervision
follow demands through its events ("demand.replied", "demand.closed"), never by importing it back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from onewindow.common.registry import Domain, PeriodicJob, Registry


def _callbacks(session: Session, registry: Registry) -> str:
    from onewindow.demands import service

    return f"回访超时办结诉求 {service.close_timed_out_callbacks(session)} 件"


def _deadlines():
    from onewindow.demands.deadlines import SOURCES

    return SOURCES


def _audit():
    from onewindow.common.audit_text import AuditVocabulary
    from onewindow.demands.states import (
        CHANNELS,
        CLOSED_HOW,
        DEMAND,
        EXTENSION,
        KINDS,
        SATISFACTION,
        SUPERVISION,
        URGENCIES,
    )

    own = AuditVocabulary(
        actions={"demand.file": "受理诉求", "demand.reveal": "查看诉求人完整号码", "demand.sign_assist": "协办单位签收",
                 "demand_extension.request": "申请延期", "demand_supervision.open": "督办",
                 "demand_limit.set": "设置诉求时限", "demand.import": "批量导入诉求",
                 "demand_route.create": "新增分派规则", "demand_route.update": "修改分派规则"},
        entities={"demand_limit": "诉求时限", "demand_import": "诉求导入文件", "demand_route": "分派规则"},
        fields={"channel": "受理渠道", "kind": "诉求类型", "urgency": "紧急程度", "confidential": "保密",
                "reason": "理由", "article": "知识条目", "lead": "主办单位", "assist": "协办单位",
                "closed_how": "办结方式", "satisfaction": "满意度", "reasons": "重办理由", "demand": "诉求编号",
                "amount": "延长时限", "due_on": "督办时限", "dispatch_minutes": "派单时限（分钟）",
                "reply_unit": "答复时限单位", "reply_amount": "答复时限", "callback_days": "回访时限（工作日）",
                "sign_minutes": "签收时限（工作分钟）",
                "into": "主诉求编号", "merged_into": "并入主诉求", "file": "文件名", "created": "新增诉求数",
                "skipped": "已导入过的行数", "topic": "所属领域", "region": "区域", "department": "建议主办单位",
                "assists": "建议协办单位", "priority": "优先级", "active": "启用"},
        values={"channel": CHANNELS, "kind": KINDS, "urgency": URGENCIES, "satisfaction": SATISFACTION,
                "closed_how": CLOSED_HOW,
                "reply_unit": {"working_days": "工作日", "working_hours": "工作小时"}})
    return AuditVocabulary.merge([DEMAND.vocabulary(), EXTENSION.vocabulary(), SUPERVISION.vocabulary(), own])


def _measures():
    from onewindow.demands import service

    return service.measure_providers()


DOMAIN = Domain(
    package="demands", label="诉求", models="models", api=("imports_api", "routing_api", "api"),
    # /demands/qr, /demands/hotspots, /demands/desk/duplicates and /demands/supervisions mount before /demands/{code};
    # Open311 GeoReport v2 lives at /open311/v2/, outside /api
    pages=("qr_pages", "duplicate_pages", "supervision_pages", "import_pages", "routing_pages", "pages", "open311"),
    jobs=(PeriodicJob("demands.callbacks", timedelta(hours=1), _callbacks, "回访期限届满的诉求按期办结"),),
    deadlines=_deadlines,
    audit=_audit,
    measures=_measures,
)
