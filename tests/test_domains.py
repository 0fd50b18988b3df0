"""Domains register themselves (#10.3): the app, the migration metadata and the CLI read everything
from the registry; periodic jobs run once per interval under a lease each, and one job's failure does
not stop the others. Also (#10.5): no other local-date or zone definition than common/time."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from onewindow import domains
from onewindow.common import jobs, lease
from onewindow.common.models import Lease
from onewindow.common.registry import Domain, PeriodicJob, Registry
from onewindow.db import Base, session_scope

SRC = Path(__file__).resolve().parent.parent / "src" / "onewindow"
CENTRAL = ("app.py", "models.py", "cli.py")


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_issue10_central_files_name_no_domain_package():
    # common is the shared layer every file may use; the rest is reached only through the registry
    for name in CENTRAL:
        text = (SRC / name).read_text()
        for package in domains.PACKAGES:
            if package == "common":
                continue
            assert not any(m == f"onewindow.{package}" or m.startswith(f"onewindow.{package}.")
                           for m in _imported(SRC / name)), f"{name} imports onewindow.{package}"
            assert not re.search(rf"\b{package}_(api|pages|models)\b", text), f"{name} names {package}"
        assert not any(m.startswith(("onewindow.common.api", "onewindow.common.pages")) for m in _imported(SRC / name))


def test_issue10_every_domain_package_is_listed_and_declares_itself():
    listed = set(domains.PACKAGES)
    on_disk = {p.parent.name for p in SRC.glob("*/domain.py")}
    assert on_disk == listed
    for d in domains.registry().domains:
        assert isinstance(d, Domain) and d.label
        if d.models:
            assert any(getattr(d.module(d.models), n).__module__ == f"onewindow.{d.package}.models"
                       for n in dir(d.module(d.models)) if isinstance(getattr(d.module(d.models), n), type))


def test_issue10_metadata_holds_every_domains_tables():
    from onewindow import models

    tables = set(models.metadata.tables)
    for module in domains.registry().model_modules():
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Base) and obj is not Base and obj.__module__ == module.__name__:
                assert obj.__tablename__ in tables


def test_issue10_registered_jobs_and_deadlines():
    reg = domains.registry()
    names = [j.name for j in reg.jobs()]
    assert len(names) == len(set(names))
    assert {"calendar.deadlines", "cases.commitments", "common.outbox", "policies.settle"} <= set(names)
    assert {s.name for s in reg.deadlines()} >= {"cases.tasks", "cases.cases"}


def _registry(calls: list, fail: bool = False) -> Registry:
    def ok(session, registry):
        calls.append("ok")
        return "完成"

    def broken(session, registry):
        calls.append("broken")
        raise RuntimeError("坏了")

    jobs_ = (PeriodicJob("test.broken", timedelta(minutes=5), broken),) if fail else ()
    return Registry((Domain(package="test", label="测试", jobs=(*jobs_, PeriodicJob("test.ok", timedelta(minutes=5), ok))),))


def test_issue10_a_job_runs_once_per_interval_across_processes(tmp_path):
    from tests.conftest import live_engine

    engine = live_engine("jobs", "domains")
    calls: list = []
    reg = _registry(calls)
    first = jobs.run_due(reg, holder="process-a", engine=engine)
    second = jobs.run_due(reg, holder="process-b", engine=engine)
    again = jobs.run_due(reg, holder="process-a", engine=engine)  # its own holder waits for the interval too
    assert [r.status for r in first + second + again] == ["ran", "skipped", "skipped"] and calls == ["ok"]
    with session_scope(engine) as session:  # the interval passes
        row = session.scalar(select(Lease).where(Lease.name == "job:test.ok"))
        lease.hold_until(session, name=row.name, holder=row.holder, until=row.expires_at - timedelta(minutes=6))
    assert [r.status for r in jobs.run_due(reg, holder="process-b", engine=engine)] == ["ran"]
    engine.dispose()


def test_issue10_a_failing_job_does_not_stop_the_others():
    from tests.conftest import live_engine

    engine = live_engine("jobs", "failing")
    calls: list = []
    results = jobs.run_due(_registry(calls, fail=True), holder="p", engine=engine)
    assert calls == ["broken", "ok"]
    assert [r.status for r in results] == ["failed", "ran"] and "坏了" in results[0].line()
    engine.dispose()


def test_issue10_no_local_date_or_zone_outside_common_time():
    pattern = re.compile(r"date\.today\(\)|ZoneInfo\(|datetime\.now\(\)|\bzoneinfo\b")
    offenders = [f"{p.relative_to(SRC)}:{n}" for p in SRC.rglob("*.py") if p != SRC / "common" / "time.py"
                 for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders == []
