"""What other domains may write into an application, through cases' public face instead of its rows:
fields the system fills and locks (like registry prefill), and a domain's own note in the plan
(policies keeps the award an application is for under ``plan["award"]``). JSON columns are replaced,
never mutated in place, so the change is seen and the version bumps."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.cases.applying import _check_authorisation
from onewindow.cases.models import Application


def check_authorisation(authorisation: dict | None, *, required: bool) -> dict | None:
    """The applicant's authorisation of an assistant (帮办代办), checked as start_application does."""
    return _check_authorisation(authorisation, required=required)


def add_system_fields(app: Application, *, fields: list[dict], values: dict[str, str], source: str) -> None:
    """Append `fields` to the application's form (replacing fields of the same key), fill them with
    `values` and lock them as filled by `source`."""
    keys = {f["key"] for f in fields}
    app.plan = {**app.plan, "fields": [f for f in app.plan["fields"] if f["key"] not in keys] + fields}
    app.form_data = {**(app.form_data or {}), **values}
    prefilled = dict(app.prefilled or {})
    prefilled["fields"] = {**prefilled.get("fields", {}), **dict.fromkeys(values, source)}
    app.prefilled = prefilled


def annotate(app: Application, *, key: str, value: Any) -> None:
    """A domain's note on the application, kept in its plan under `key`."""
    app.plan = {**app.plan, key: value}


def find_applications(session: Session, *, subject_key: str | None = None, target_code: str | None = None,
                      created_by_id: int | None = None, idempotency_key: str | None = None) -> list[Application]:
    """Applications matching every given criterion, newest first (no row-level check: for services)."""
    stmt = select(Application).order_by(Application.id.desc())
    for column, value in ((Application.subject_key, subject_key), (Application.target_code, target_code),
                          (Application.created_by_id, created_by_id),
                          (Application.idempotency_key, idempotency_key)):
        if value is not None:
            stmt = stmt.where(column == value)
    return list(session.scalars(stmt))
