"""common's registration: the home and audit pages, the audit API and command, delivery of queued
notifications, the retry of domain events, the purge of rate-limit hits and the hourly signed checkpoint of the audit chain."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from onewindow.common.registry import Domain, PeriodicJob, Registry


def _deliver(session: Session, registry: Registry) -> str:
    from onewindow.common import outbox

    return f"发送通知 {outbox.deliver_pending(session)} 条"


def _checkpoint(session: Session, registry: Registry) -> str:
    from onewindow.common import checkpoints

    return checkpoints.job(session, registry)


def _events(session: Session, registry: Registry) -> str:
    from onewindow.common import events

    return events.dispatch(session, registry.event_handlers()).summary()


def _purge_rate_limits(session: Session, registry: Registry) -> str:
    from onewindow.common import ratelimit

    list(registry.api_routers())  # limits are declared where they are used: make sure this process has them
    return f"清理过期的限流记录 {ratelimit.purge(session)} 条"


def _audit():
    from onewindow.common.audit_text import COMMON

    return COMMON

DOMAIN = Domain(
    package="common", label="公共", models="models", api=("api",), pages=("pages",), commands="commands",
    jobs=(PeriodicJob("common.outbox", timedelta(minutes=1), _deliver, "发送待发通知"),
          PeriodicJob("common.audit_checkpoint", timedelta(hours=1), _checkpoint, "签名审计链检查点（SM2）"),
          # Retries what the after-commit dispatch did not finish (a handler failed, the process died).
          PeriodicJob("common.events", timedelta(minutes=1), _events, "处理领域事件（重试）"),
          PeriodicJob("common.rate_limits", timedelta(minutes=10), _purge_rate_limits, "清理过期的限流记录")),
    audit=_audit)
