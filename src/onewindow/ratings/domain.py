"""ratings' registration: matters become rateable on "case.completed", an online "application.submitted"
(网上办事) and "demand.closed"; a rating's rectification closing
("rectification.closed") tells the rater; unrated matters are defaulted by a periodic job; callbacks of
差评 go to the calendar's sweep."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from onewindow.common.registry import Domain, EventHandler, PeriodicJob, Registry


def _case_completed(session: Session, event):
    from onewindow.ratings import service

    return service.on_case_completed(session, event)


def _application_submitted(session: Session, event):
    from onewindow.ratings import service

    return service.on_application_submitted(session, event)


def _demand_closed(session: Session, event):
    from onewindow.ratings import service

    return service.on_demand_closed(session, event)


def _rectification_closed(session: Session, event):
    from onewindow.ratings import followup

    return followup.on_rectification_closed(session, event)


def _defaults(session: Session, registry: Registry) -> str:
    from onewindow.ratings import service

    return f"默认好评（基本满意）{service.apply_defaults(session)} 件"


def _deadlines():
    from onewindow.ratings.deadlines import SOURCES

    return SOURCES


def _audit():
    from onewindow.common.audit_text import AuditVocabulary
    from onewindow.ratings.states import APPEAL, CALLBACK, LEVELS

    own = AuditVocabulary(actions={"rating.rate": "评价", "rating.change": "修改评价", "rating.default": "默认好评（基本满意）",
                                   "rating.exclude": "评价不计入统计", "rating_appeal.file": "提出申诉",
                                   "rating_callback.open": "差评回访立项", "rating_counter.create": "添加窗口",
                                   "rating_counter.duty": "窗口值守", "rating_counter.leave": "结束窗口值守",
                                   "rating_counter.void": "作废窗口评价码"},
                          entities={"rating": "评价", "rating_counter": "窗口"},
                          fields={"level": "评价等级", "matter": "评价事项", "reasons": "不满意原因", "comment": "评价内容",
                                  "count": "件数", "matters": "事项", "on": "日期", "evidence": "申诉证据",
                                  "rating_id": "评价编号", "rectification_id": "整改事项编号",
                                  "department_id": "部门编号", "name": "窗口名称", "clerk_id": "值守人员编号",
                                  "serial": "二维码序号"},
                          values={"level": LEVELS})
    return AuditVocabulary.merge([CALLBACK.vocabulary(), APPEAL.vocabulary(), own])


def _measures():
    from onewindow.ratings import service

    return service.measure_providers()


DOMAIN = Domain(
    package="ratings", label="好差评", models="models", api=("api",), pages=("pages", "counter_pages"),
    handlers=(EventHandler("case.completed", "ratings.open_matters", _case_completed),
              EventHandler("application.submitted", "ratings.online_services", _application_submitted),
              EventHandler("demand.closed", "ratings.demand_replies", _demand_closed),
              EventHandler("rectification.closed", "ratings.rectified", _rectification_closed)),
    jobs=(PeriodicJob("ratings.defaults", timedelta(hours=1), _defaults, "逾期未评价事项默认基本满意"),),
    deadlines=_deadlines,
    audit=_audit,
    measures=_measures,
)
