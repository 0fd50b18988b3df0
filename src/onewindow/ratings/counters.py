"""Window counters (窗口) and their standing rating QR codes (#12: "by QR at the window, bound to the clerk and
the visit"). A counter's code is printed once and stays on the desk; a scan opens a window visit bound to
the counter and to the clerk on duty there at that moment, then the rating form.

Abuse limits: the code is signed (HMAC of the counter and its serial with the instance's secret), so codes
cannot be made up or walked through; raising the serial voids every copy printed before. One device — the
rater's cookie, or the X-Device-Id an app sends — gets one visit per counter per VISIT_MINUTES: scanning
again reopens the same visit rather than a fresh one to rate again. Scans are rate-limited per counter and
per address (common.ratelimit) by the routes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onewindow.accounts import service as accounts
from onewindow.catalog import service as catalog
from onewindow.common import audit
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.config import get_settings
from onewindow.db import utcnow
from onewindow.ratings.models import Counter, RatingMatter

VISIT_MINUTES = 30  # one visit per device per counter within this long
MANAGERS = frozenset({Role.supervisor, Role.admin})  # set up counters, void their codes
VIEWERS = frozenset({Role.clerk, Role.supervisor, Role.admin})  # see and print the sheet
INVALID = "评价二维码无效或已作废，请扫描窗口现场张贴的二维码"


# ---------------------------------------------------------------- the signed code

def _signature(counter_id: int, serial: int) -> str:
    mac = hmac.new(get_settings().secret_key.encode(), f"ow-rating-counter:{counter_id}:{serial}".encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:15]).decode()  # 120 bits: no guessing, short enough for a small code


def code_of(counter: Counter) -> str:
    """What the counter's QR carries (after /rate/c/): its id, serial and signature."""
    return f"{counter.id}-{counter.serial}-{_signature(counter.id, counter.serial)}"


def counter_by_code(session: Session, *, code: str) -> Counter:
    """The counter a scanned code stands for; a forged, altered or voided code is refused (404)."""
    parts = (code or "").split("-", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) > 9 or len(parts[1]) > 6:
        raise NotFound(INVALID)
    counter_id, serial = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(parts[2].encode(), _signature(counter_id, serial).encode()):
        raise NotFound(INVALID)
    counter = session.get(Counter, counter_id)
    if counter is None or not counter.active or counter.serial != serial:
        raise NotFound(INVALID)
    return counter


def device_key(device: str | None) -> str:
    """A device as stored on its visits: a hash, never the cookie itself."""
    return hashlib.sha256((device or "").encode()).hexdigest()[:64]


def new_device() -> str:
    return secrets.token_urlsafe(16)


# ---------------------------------------------------------------- scanning

def visit_from_scan(session: Session, *, code: str, device: str) -> RatingMatter:
    """A scan of a counter's standing code: the device's visit of this counter within VISIT_MINUTES (so a
    second scan reopens it), else a new window visit bound to the counter and the clerk on duty."""
    from onewindow.ratings.service import open_counter_visit  # service re-exports this module: import late

    counter = counter_by_code(session, code=code)
    if counter.clerk_id is None:
        raise Conflict(f"{counter.name}当前无工作人员值守，暂不能评价；请向现场工作人员反映")
    hashed = device_key(device)
    recent = session.scalar(select(RatingMatter).where(
        RatingMatter.counter_id == counter.id, RatingMatter.device == hashed,
        RatingMatter.clerk_id == counter.clerk_id,
        RatingMatter.created_at > utcnow() - timedelta(minutes=VISIT_MINUTES)).order_by(RatingMatter.id.desc()))
    if recent is not None:
        return recent
    return open_counter_visit(session, counter=counter, device=hashed)


# ---------------------------------------------------------------- managing counters

def create_counter(session: Session, *, actor: Principal, department_id: int, name: str) -> Counter:
    actor.require(*MANAGERS)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.one("请填写窗口名称（如“3号窗口”）", field="name", label="窗口名称")
    if len(name) > 64:
        raise ValidationFailed.one("窗口名称不能超过 64 字", field="name", label="窗口名称")
    if catalog.department_by_id(session, department_id=department_id) is None:
        raise ValidationFailed.one("请选择窗口所属部门", field="department_id", label="所属部门")
    counter = Counter(department_id=department_id, name=name, serial=1, active=True, created_at=utcnow(), version=1)
    try:
        with session.begin_nested():
            session.add(counter)
    except IntegrityError:
        raise ValidationFailed.one(f"该部门已有名为“{name}”的窗口", field="name", label="窗口名称") from None
    audit.record(session, actor=actor, action="rating_counter.create", entity_type="rating_counter",
                 entity_id=counter.id, after={"department_id": department_id, "name": name})
    return counter


def _get(session: Session, counter_id: int) -> Counter:
    counter = session.get(Counter, counter_id)
    if counter is None or not counter.active:
        raise NotFound(f"窗口{counter_id}不存在")
    return counter


def take_duty(session: Session, *, actor: Principal, counter_id: int) -> Counter:
    """A window clerk signs in at a counter: its code now rates them. A clerk is on duty at one counter."""
    if actor.role != Role.clerk:
        raise Forbidden("仅综合窗口人员可在窗口值守")
    counter = _get(session, counter_id)
    for other in session.scalars(select(Counter).where(Counter.clerk_id == actor.user_id, Counter.id != counter.id)):
        other.clerk_id, other.on_duty_at = None, None
    before = counter.clerk_id
    counter.clerk_id, counter.on_duty_at = actor.user_id, utcnow()
    session.flush()
    audit.record(session, actor=actor, action="rating_counter.duty", entity_type="rating_counter",
                 entity_id=counter.id, before={"clerk_id": before}, after={"clerk_id": actor.user_id})
    return counter


def leave_duty(session: Session, *, actor: Principal, counter_id: int) -> Counter:
    counter = _get(session, counter_id)
    if counter.clerk_id != actor.user_id and actor.role not in MANAGERS:
        raise Forbidden("只能结束本人的窗口值守")
    before = counter.clerk_id
    counter.clerk_id, counter.on_duty_at = None, None
    session.flush()
    audit.record(session, actor=actor, action="rating_counter.leave", entity_type="rating_counter",
                 entity_id=counter.id, before={"clerk_id": before}, after={"clerk_id": None})
    return counter


def void_codes(session: Session, *, actor: Principal, counter_id: int) -> Counter:
    """Every copy of the counter's code printed so far stops working; print the sheet again."""
    actor.require(*MANAGERS)
    counter = _get(session, counter_id)
    counter.serial += 1
    session.flush()
    audit.record(session, actor=actor, action="rating_counter.void", entity_type="rating_counter",
                 entity_id=counter.id, before={"serial": counter.serial - 1}, after={"serial": counter.serial})
    return counter


def list_counters(session: Session, *, actor: Principal) -> list[tuple[Counter, str, str]]:
    """(counter, its department's name, the clerk on duty's name or "") for the sheet and the duty page."""
    if actor.role not in VIEWERS:
        raise Forbidden("窗口评价二维码仅限综合窗口人员和营商环境局查看")
    counters = session.scalars(select(Counter).where(Counter.active.is_(True))
                               .order_by(Counter.department_id, Counter.name)).all()
    names = accounts.display_names(session, {c.clerk_id for c in counters if c.clerk_id})
    depts = catalog.departments_by_id(session, ids={c.department_id for c in counters})
    return [(c, depts[c.department_id].name if c.department_id in depts else "", names.get(c.clerk_id, ""))
            for c in counters]

