"""One sweep over every deadline a domain declares: 预警 / 超期 states, written back and notified once.

A domain declares its deadline-bearing rows as a ``DeadlineSource`` (in its ``domain.py``): `rows`
yields the open rows whose clock is running, each as a ``Tracked`` (its due date or moment, its
limit, the state stored now, and whom to tell); `write` stores a new state on the row (and does
whatever else the domain does then, e.g. a case's 超期 event). The sweep computes each state on the
official calendar and tells the row's department or person once per state and deadline (a dedupe
key in the outbox), so it can run as often as wanted from as many processes as wanted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from onewindow.calendar import clock
from onewindow.calendar.service import load_calendar
from onewindow.common import outbox
from onewindow.common.time import local_date
from onewindow.db import utcnow


@dataclass(frozen=True)
class Notice:
    """What the responsible party is told when the row turns 预警 or 超期 (the state label is prefixed)."""

    subject: str
    body: str
    link: str
    department_id: int | None = None
    recipient_id: int | None = None


@dataclass(frozen=True)
class Tracked:
    key: str  # unique across all sources, e.g. "task:42"; part of the notices' dedupe keys
    due: date | datetime  # Beijing date for working days, UTC moment for working hours
    limit: clock.Limit
    state: str  # the state stored on the row now
    notice: Notice
    row: object = None  # the domain's own row, handed back to `write`


@dataclass(frozen=True)
class DeadlineSource:
    name: str  # "cases.tasks"
    label: str  # "审批任务"
    rows: Callable[[Session], Iterable[Tracked]]
    write: Callable[[Session, Tracked, str], None]


@dataclass
class DeadlineReport:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # source name -> state -> rows now in it
    labels: dict[str, str] = field(default_factory=dict)
    changed: int = 0
    notified: int = 0

    def of(self, name: str) -> dict[str, int]:
        return self.counts.get(name, {clock.WARNING: 0, clock.OVERDUE: 0})

    def summary(self) -> str:
        parts = [f"{self.labels[n]}：预警 {c[clock.WARNING]}、超期 {c[clock.OVERDUE]}" for n, c in self.counts.items()]
        return "；".join([*parts, f"状态变化 {self.changed}，新通知 {self.notified}"])


def sweep(session: Session, *, sources: Sequence[DeadlineSource], now: datetime | None = None,
          today: date | None = None) -> DeadlineReport:
    """Judge every tracked row of every source; day limits on `today` (the Beijing date of `now` unless
    given), hour limits at `now`."""
    now = now or utcnow()
    today = today or local_date(now)
    cal = load_calendar(session)
    hours, policy = clock.OfficeHours.configured(), clock.WarningPolicy.configured()
    report = DeadlineReport()
    for source in sources:
        counts = report.counts.setdefault(source.name, {clock.WARNING: 0, clock.OVERDUE: 0})
        report.labels[source.name] = source.label
        for tracked in list(source.rows(session)):
            state = clock.state(cal, due=tracked.due, limit=tracked.limit, now=now, today=today, hours=hours,
                                policy=policy)
            if state != clock.NORMAL:
                counts[state] += 1
            if state == tracked.state:
                continue
            source.write(session, tracked, state)
            report.changed += 1
            n = tracked.notice
            if state != clock.NORMAL and outbox.notify(
                    session, dedupe_key=f"sla:{tracked.key}:{state}:{_stamp(tracked.due)}",
                    subject=f"【{clock.SLA_LABELS[state]}】{n.subject}", body=n.body, link=n.link,
                    department_id=n.department_id, recipient_id=n.recipient_id) is not None:
                report.notified += 1
    return report


def _stamp(due: date | datetime) -> str:
    return due.isoformat() if isinstance(due, datetime) else str(due)
