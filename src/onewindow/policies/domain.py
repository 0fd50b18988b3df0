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


DOMAIN = Domain(
    package="policies", label="惠企政策", models="models", api=("api",),
    pages=("pages.batch", "pages.officer", "pages.public"), commands="commands",
    # A completed case's award settles on its "case.completed" event, after the commit; the job retries.
    handlers=(EventHandler("case.completed", "policies.settle_award", _settle_award),),
    jobs=(PeriodicJob("policies.settle", timedelta(minutes=5), _settle, "已办结奖补申请入账（重试）"),
          PeriodicJob("policies.matching", timedelta(minutes=5), _match, "增量政策匹配")),
)
