"""Database leases: periodic work (SLA sweeps, reminders) runs in one process at a time.

A lease row names its holder and an expiry. Taking it is one conditional UPDATE (or the first
INSERT), so two processes racing for it cannot both win; a crashed holder's lease simply expires.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onewindow.common.models import Lease
from onewindow.db import utcnow


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire(session: Session, *, name: str, holder: str, ttl: timedelta, renew: bool = True) -> bool:
    """Take or renew the lease `name` for `ttl`; False when another holder has it unexpired. With
    `renew=False` even its own holder gets it only once it has expired (a job that runs once per interval)."""
    now = utcnow()
    free = or_(Lease.holder == holder, Lease.expires_at < now) if renew else Lease.expires_at < now
    taken = session.execute(
        update(Lease).where(Lease.name == name, free)
        .values(holder=holder, expires_at=now + ttl)
    ).rowcount
    if taken:
        return True
    if session.get(Lease, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return False  # someone inserted it first
    return True


def release(session: Session, *, name: str, holder: str) -> None:
    session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                    .values(expires_at=utcnow()))


def hold_until(session: Session, *, name: str, holder: str, until: datetime) -> None:
    """Keep (or shorten) a held lease to `until`: a periodic job's lease lasts its interval from its start."""
    session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder).values(expires_at=until))
