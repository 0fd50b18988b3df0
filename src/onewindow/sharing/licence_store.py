"""The e-licence registry's writes and look-ups for the package that issues and revokes licences.

`licences` signs, verifies and shows licences; the rows live here, in the registry every prefill and
免证办 check reads (sharing.service.valid_licences). These calls are re-exported by sharing.service,
the package's public face; the Licence rows they return are for reading — a change goes through
these calls, which keep the registry's rules (one code per licence, a revocation counted once).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onewindow.sharing.models import Licence


def last_licence_code(session: Session, *, prefix: str, digits: int) -> str | None:
    """The highest code made of ``prefix`` and ``digits`` digits, or None when there is none yet."""
    # Equal-length digit suffixes order the same under every collation, so the unique index serves this.
    return session.scalar(select(func.max(Licence.code)).where(
        Licence.code.between(prefix + "0" * digits, prefix + "9" * digits),
        func.length(Licence.code) == len(prefix) + digits))


def licence_by_code(session: Session, *, code: str) -> Licence | None:
    """The licence with exactly this code (any status)."""
    return session.scalar(select(Licence).where(Licence.code == code))


def valid_licence_for_case(session: Session, *, case_code: str, licence_type: str, holder_kind: str,
                           holder_key: str) -> Licence | None:
    """The valid licence of this type already issued to this holder for this case, if any."""
    return session.scalar(select(Licence).where(
        Licence.case_code == case_code, Licence.licence_type == licence_type,
        Licence.holder_kind == holder_kind, Licence.holder_key == holder_key, Licence.status == "valid"))


def store_licence(session: Session, *, code: str, licence_type: str, holder_kind: str, holder_key: str,
                  holder_name: str, issuer_department_id: int | None, case_code: str | None,
                  item_code: str | None, issued_on: date, valid_until: date | None, data: dict, payload: str,
                  signature: str, algorithm: str, key_id: str) -> Licence | None:
    """Register a signed licence, valid, under ``code``. None when a concurrent issue took that code
    first (the caller signs again with the next serial); any other integrity error is raised."""
    licence = Licence(code=code, licence_type=licence_type, holder_kind=holder_kind, holder_key=holder_key,
                      holder_name=holder_name, issuer_department_id=issuer_department_id, case_code=case_code,
                      item_code=item_code, issued_on=issued_on, valid_until=valid_until, data=data,
                      payload=payload, signature=signature, algorithm=algorithm, key_id=key_id, status="valid")
    try:
        with session.begin_nested():  # only this row is undone when the code was taken
            session.add(licence)
            session.flush()
    except IntegrityError:
        if session.scalar(select(Licence.id).where(Licence.code == code)) is None:
            raise
        return None
    return licence


def revoke_licence(session: Session, *, licence: Licence, reason: str, at: datetime) -> bool:
    """Mark a valid licence revoked. One conditional UPDATE, so of two concurrent revocations only one
    counts; True when this call revoked it. The row is refreshed either way."""
    changed = session.execute(
        update(Licence).where(Licence.id == licence.id, Licence.status == "valid")
        .values(status="revoked", revoked_at=at, revoke_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(licence)
    return bool(changed)


def licences_held(session: Session, *, holders: Sequence[tuple[str, str]]) -> list[Licence]:
    """Every licence (any status) held by these (holder kind, holder key) pairs, newest first."""
    if not holders:
        return []
    held = or_(*(and_(Licence.holder_kind == kind, Licence.holder_key == key) for kind, key in holders))
    return list(session.scalars(select(Licence).where(held).order_by(Licence.issued_on.desc(), Licence.id.desc())))
