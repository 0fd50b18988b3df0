"""The scheduler: runs every registered periodic job that is due, each under its own database lease.

A job's lease (``job:<name>``) is taken only once it has expired, held while the job runs (at least
RUN_TTL, so a slow run is never started twice), and then set to expire one interval after the start:
however many app processes tick, each job runs once per interval, in one of them. A job that fails
is logged and rolled back; the others still run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from onewindow.common import lease
from onewindow.common.registry import PeriodicJob, Registry
from onewindow.db import for_writing, session_scope, utcnow

log = logging.getLogger("onewindow.jobs")
RUN_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class JobResult:
    name: str
    status: str  # ran | skipped | failed
    summary: str

    def line(self) -> str:
        label = {"ran": "", "skipped": "跳过：", "failed": "失败："}[self.status]
        return f"[{self.name}] {label}{self.summary}"


def run_due(registry: Registry, *, holder: str | None = None, engine=None) -> list[JobResult]:
    holder = holder or lease.default_holder()
    # A job's flush may touch any table, and its foreign keys resolve only when every domain's tables are
    # mapped: `serve` starts the sweep before the app has imported them (the outbox failed on `users`).
    registry.model_modules()
    return [run_job(job, registry, holder=holder, engine=engine) for job in registry.jobs()]


def run_job(job: PeriodicJob, registry: Registry, *, holder: str, engine=None) -> JobResult:
    name, started = f"job:{job.name}", utcnow()
    with session_scope(engine) as session:
        if not lease.acquire(for_writing(session), name=name, holder=holder, ttl=max(job.interval, RUN_TTL),
                             renew=False):
            return JobResult(job.name, "skipped", "本周期已由其他进程运行或正在运行")
    try:
        with session_scope(engine) as session:
            result = JobResult(job.name, "ran", job.run(for_writing(session), registry))
    except Exception as exc:  # one job's failure must not stop the others; the next interval retries
        log.exception("定时任务 %s 失败", job.name)
        result = JobResult(job.name, "failed", f"{type(exc).__name__}: {exc}")
    with session_scope(engine) as session:
        lease.hold_until(for_writing(session), name=name, holder=holder, until=started + job.interval)
    return result
