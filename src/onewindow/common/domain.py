"""common's registration: accounts and sign-in pages, notifications, the audit command, delivery
of queued notifications, and the retry of domain events."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from onewindow.common.registry import Domain, PeriodicJob, Registry


def _deliver(session: Session, registry: Registry) -> str:
    from onewindow.common import outbox

    return f"发送通知 {outbox.deliver_pending(session)} 条"


def _events(session: Session, registry: Registry) -> str:
    from onewindow.common import events

    return events.dispatch(session, registry.event_handlers()).summary()


DOMAIN = Domain(
    package="common", label="公共", models="models", api=("api",), pages=("pages",), commands="commands",
    jobs=(PeriodicJob("common.outbox", timedelta(minutes=1), _deliver, "发送待发通知"),
          # Retries what the after-commit dispatch did not finish (a handler failed, the process died).
          PeriodicJob("common.events", timedelta(minutes=1), _events, "处理领域事件（重试）")),
)
