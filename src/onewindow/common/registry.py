"""How a domain package declares itself: its routers, pages, tables, CLI commands, periodic jobs,
deadlines and handlers of other domains' events. ``onewindow.domains`` lists the packages; the app, the migration metadata, the CLI and the
scheduler read everything from here, so adding a domain touches no central file but that list.

Modules are named relative to the domain's package and imported only when asked for, so the
migration metadata does not import every router and the CLI does not import the web app.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class PeriodicJob:
    """Work a domain wants done every `interval`, in one process at a time (a lease per job). `run`
    gets a session (committed when it returns) and the registry, and answers a one-line summary."""

    name: str  # "cases.commitments"; also the lease name, "job:<name>"
    interval: timedelta
    run: Callable[[Session, Registry], str]
    label: str = ""


@dataclass(frozen=True)
class EventHandler:
    """Work a domain does when another domain's event happens (``common.events``). `run` gets a session
    (a savepoint of the dispatcher's transaction) and the DomainEvent row; it runs once per event."""

    event: str  # "case.completed"
    name: str  # "policies.settle_award": recorded with each event it handled, so never two per domain alike
    run: Callable[[Session, Any], Any]


@dataclass(frozen=True)
class SubjectFact:
    """What a domain tells the pages of lower domains about an applicant (an enterprise by its USCC), which
    those cannot import: supervision's credit grade on the case pages and where 告知承诺 is decided."""

    key: str  # "credit_grade"
    label: str  # "信用等级"
    value: str  # "A类（守信）"
    tone: str = ""  # "" / "ok" / "warn" / "red": the page's tag colour
    note: str = ""  # e.g. "列入失信名单"


@dataclass(frozen=True)
class Domain:
    package: str  # "cases" → onewindow.cases
    label: str  # "办件"
    models: str | None = None  # the module holding its tables
    api: tuple[str, ...] = ()  # modules with a `router`, mounted under /api in this order
    pages: tuple[str, ...] = ()  # modules with a `router` of web pages, in this order
    commands: str | None = None  # a module with `commands`, a Typer group added to the `onewindow` command
    jobs: tuple[PeriodicJob, ...] = ()
    deadlines: Callable[[], Sequence[Any]] | None = None  # the calendar.sweep.DeadlineSource list, on demand
    handlers: tuple[EventHandler, ...] = ()  # what it does on other domains' events
    audit: Callable[[], Any] | None = None  # its common.audit_text.AuditVocabulary, on demand (#9.3)
    # A common.http.Authenticator, on demand: the one domain that knows accounts answers who a request is.
    authenticator: Callable[[], Any] | None = None
    measures: Callable[[], Sequence[Any]] | None = None  # its common.measures.MeasureProvider list, on demand
    # subject_facts(session, *, subject_kind, subject_key) -> [SubjectFact]: what it knows of an applicant
    subject_facts: Callable[..., Sequence[SubjectFact]] | None = None

    def module(self, name: str) -> ModuleType:
        return importlib.import_module(f"onewindow.{self.package}.{name}")


@dataclass(frozen=True)
class Registry:
    domains: tuple[Domain, ...]

    def api_routers(self) -> Iterator[Any]:
        for d in self.domains:
            for name in d.api:
                yield d.module(name).router

    def page_routers(self) -> Iterator[Any]:
        for d in self.domains:
            for name in d.pages:
                yield d.module(name).router

    def model_modules(self) -> list[ModuleType]:
        return [d.module(d.models) for d in self.domains if d.models]

    def command_groups(self) -> Iterator[Any]:
        for d in self.domains:
            if d.commands:
                yield d.module(d.commands).commands

    def jobs(self) -> list[PeriodicJob]:
        return [job for d in self.domains for job in d.jobs]

    def event_handlers(self) -> list[EventHandler]:
        return [h for d in self.domains for h in d.handlers]

    def audit_vocabulary(self) -> Any:
        """Every domain's audit vocabulary merged: how the audit page names actions, objects and fields."""
        from onewindow.common.audit_text import AuditVocabulary

        return AuditVocabulary.merge(d.audit() for d in self.domains if d.audit)

    def authenticator(self) -> Any:
        """The common.http.Authenticator: exactly one domain declares it."""
        found = [d.authenticator() for d in self.domains if d.authenticator]
        if len(found) != 1:
            raise RuntimeError(f"exactly one domain must declare an authenticator, found {len(found)}")
        return found[0]

    def measure_providers(self) -> list[Any]:
        """Every domain's measure providers (common.measures), for the indicators."""
        return [p for d in self.domains if d.measures for p in d.measures()]

    def subject_facts(self, session: Session, *, subject_kind: str, subject_key: str) -> list[SubjectFact]:
        """Every domain's facts about one applicant, in the domains' order (common.registry.SubjectFact)."""
        return [f for d in self.domains if d.subject_facts
                for f in d.subject_facts(session, subject_kind=subject_kind, subject_key=subject_key)]

    def deadlines(self) -> list[Any]:
        return [source for d in self.domains if d.deadlines for source in d.deadlines()]
