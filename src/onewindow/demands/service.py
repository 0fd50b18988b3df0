"""诉求's public face: intake from every channel (idempotent, throttled where anonymous), who may see
which demand, how a demand is shown to whom (masking, 保密), tracking without an account, and the
reveal of a filer's number (audited). Dispatch and handling live in handling.py, re-exported below.

Row-level access: agents (12345 坐席/派单员), supervisors and admins see every demand; a handling unit
only those with an active assignment to it; an applicant only their own; a window clerk those taken
at a window. Anyone else gets 404, so codes reveal nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onewindow.calendar import clock
from onewindow.common import audit, events, ids, masking
from onewindow.common.errors import ErrorCollector, Forbidden, NotFound, TooManyRequests
from onewindow.common.pagination import Page, paginate
from onewindow.common.ratelimit import Limits, Window
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.time import local_date
from onewindow.db import utcnow
from onewindow.demands import deadlines, terms
from onewindow.demands.models import Assignment, Demand, History
from onewindow.demands.states import CHANNELS, CONFIDENTIAL_KINDS, DEMAND, KINDS, ROLES, URGENCIES

ALL_READERS = frozenset({Role.agent, Role.supervisor, Role.admin})
REVEALERS = frozenset({Role.agent, Role.supervisor, Role.admin})  # roles whose work needs the full number
CHANNEL_ROLES = {"hotline": {Role.agent}, "window": {Role.clerk},
                 "other": {Role.agent, Role.supervisor, Role.admin},  # also batch imports (imports.py)
                 "web": {Role.applicant}, "mobile": {Role.applicant}}
# Anonymous intake and tracking, per address or device (common.ratelimit: counted in the database).
THROTTLE = {"scan": Limits("demands.scan", "提交", {"client": Window(limit=5, seconds=600)}),
            "track": Limits("demands.track", "查询", {"client": Window(limit=10, seconds=600)})}
HIDDEN = "（保密）"


# ---------------------------------------------------------------- intake

def _check_intake(*, channel: str, kind: str, urgency: str, subject: str, content: str, phone: str,
                  id_number: str, bound: bool, window_linked: bool) -> None:
    errors = ErrorCollector()
    if channel not in CHANNELS:
        errors.add("请选择受理渠道", field="channel", label="受理渠道")
    if kind not in KINDS:
        errors.add("请选择诉求类型（咨询、求助、投诉、举报、建议）", field="kind", label="诉求类型")
    if urgency not in URGENCIES:
        errors.add("请选择紧急程度（紧急、一般、复杂）", field="urgency", label="紧急程度")
    if not subject:
        errors.add("请填写诉求标题", field="subject", label="诉求标题")
    if not content:
        errors.add("请填写诉求内容", field="content", label="诉求内容")
    if phone and (problem := ids.phone_problem(phone)):
        errors.add(problem, field="filer_phone", label="联系电话")
    if id_number and (problem := ids.id_number_problem(id_number)):
        errors.add(problem, field="filer_id_number", label="身份证号码")
    if channel == "scan" and not bound:
        errors.add("码上监督的诉求须来自窗口、企业或事项的二维码", field="window_department_id", label="监督码")
    if channel == "window" and not window_linked:
        errors.add("办不成事窗口须关联办件编号或事项", field="case_code", label="关联办件或事项")
    if channel in ("hotline", "web", "mobile", "window") and not phone:
        errors.add("请填写联系电话", field="filer_phone", label="联系电话")
    errors.raise_if_any("诉求信息有误")


def _throttle(session: Session, *, scope: str, key: str) -> None:
    """Refuse the request when this address or device has made too many of this kind lately; else count it."""
    THROTTLE[scope].check(session, client=key)


def file_demand(session: Session, *, actor: Principal | None, channel: str, kind: str, subject: str, content: str,
                urgency: str = "general", topic: str = "", region: str = "", location: str = "",
                filer_name: str = "", filer_phone: str = "", filer_id_number: str = "", confidential: bool = False,
                anonymous: bool = False, enterprise_name: str = "", enterprise_uscc: str = "",
                window_department_id: int | None = None, item_code: str = "", case_code: str = "",
                idempotency_key: str | None = None, client_key: str = "") -> Demand:
    """Take one demand from any channel and give it its code (一事一码).

    hotline/other: an agent; window (办不成事): a clerk, linked to a case or item; web/mobile: a
    signed-in applicant; scan (码上监督): anyone, pre-bound to a window, enterprise or item, anonymous
    allowed, throttled per `client_key` (address or device). With `idempotency_key`, a retry returns
    the demand the first call made. 举报 is confidential by default; any filer may ask 保密.
    """
    if idempotency_key and (done := session.scalar(select(Demand).where(Demand.idempotency_key == idempotency_key))):
        return done
    allowed = CHANNEL_ROLES.get(channel)
    if allowed is not None and (actor is None or actor.role not in allowed):
        raise Forbidden(f"「{CHANNELS.get(channel, channel)}」渠道的诉求须由相应人员登记")
    subject, content = (subject or "").strip()[:200], (content or "").strip()[:5000]
    phone, id_number = (filer_phone or "").strip().replace(" ", ""), (filer_id_number or "").strip().upper()
    _check_intake(channel=channel, kind=kind, urgency=urgency, subject=subject, content=content, phone=phone,
                  id_number=id_number, bound=bool(window_department_id or enterprise_uscc or enterprise_name
                                                   or item_code),
                  window_linked=bool(case_code or item_code))
    if channel == "scan":
        _throttle(session, scope="scan", key=client_key)
    anonymous = anonymous and channel == "scan"
    if anonymous:
        filer_name = phone = id_number = ""
    now = utcnow()
    demand = Demand(code=f"tmp-{secrets.token_hex(8)}",  # replaced by the readable code once the id is known
                    idempotency_key=idempotency_key or None,
                    channel=channel, kind=kind, urgency=urgency, topic=(topic or "")[:40], region=(region or "")[:40],
                    subject=subject, content=content, location=(location or "")[:200],
                    filer_name=(filer_name or "").strip()[:64], filer_phone=phone[:20], filer_id_number=id_number,
                    filer_user_id=actor.user_id if actor and actor.role == Role.applicant else None,
                    anonymous=anonymous, confidential=bool(confidential) or kind in CONFIDENTIAL_KINDS,
                    enterprise_name=(enterprise_name or "")[:200], enterprise_uscc=(enterprise_uscc or "")[:18],
                    window_department_id=window_department_id, item_code=(item_code or "")[:40],
                    case_code=(case_code or "")[:40],
                    taken_by_id=actor.user_id if actor and actor.role in (Role.agent, Role.clerk) else None,
                    received_at=now, status="received", version=1)
    try:
        with session.begin_nested():  # two retries racing: the second finds the first's key taken
            session.add(demand)
            session.flush()
    except IntegrityError:
        done = session.scalar(select(Demand).where(Demand.idempotency_key == idempotency_key))
        if done is None:
            raise
        return done
    demand.code = f"12345-{local_date(now):%Y%m%d}-{demand.id:06d}"
    terms.index(session, demand)  # its words, for the duplicate candidates of later calls
    limits = deadlines.limits_for(session, kind=kind, urgency=urgency)
    deadlines.start_clock(session, demand, stage="dispatch", limit=clock.Limit(clock.WORKING_HOURS,
                                                                                limits.dispatch_minutes), start=now)
    session.flush()
    record(session, demand, actor=actor, action="receive",
           message=f"经{CHANNELS[channel]}受理，类型「{KINDS[kind]}」，{URGENCIES[urgency]}")
    audit.record(session, actor=actor or _scanner(), action="demand.file", entity_type="demand", entity_id=demand.code,
                 after={"channel": channel, "kind": kind, "urgency": urgency, "confidential": demand.confidential})
    events.emit(session, name="demand.received", entity_type="demand", entity_id=demand.code,
                payload={"id": demand.id, "channel": channel, "kind": kind})
    return demand


def duplicate_terms(*, demand_id: int, received_at: datetime, subject: str, content: str,
                    location: str) -> list[dict]:
    """The demand_terms rows of a demand, for a loader writing demands in bulk (the demo)."""
    return terms.rows(demand_id=demand_id, received_at=received_at, subject=subject, content=content,
                      location=location)


def _scanner() -> Principal:
    return Principal(user_id=None, username="anonymous", display_name="扫码监督人", role=Role.applicant)


def record(session: Session, demand: Demand, *, actor: Principal | None, action: str, message: str,
           department_id: int | None = None) -> None:
    """One line of the demand's timeline (Chinese; never the filer's identity)."""
    session.add(History(demand_id=demand.id, at=utcnow(), actor_id=actor.user_id if actor else None,
                        actor_name=actor.display_name if actor else "", department_id=department_id,
                        action=action, message=message))


# ---------------------------------------------------------------- access

def assigned_to(department_id: int, *, open_only: bool = False):
    """The condition "an active assignment of this demand is the unit's" (its inbox; gone after 改派);
    with `open_only`, and the demand is not 办结 yet (the unit's open work, on its own index)."""
    cond = exists().where(Assignment.demand_id == Demand.id, Assignment.department_id == department_id,
                          Assignment.active.is_(True))
    return cond.where(Assignment.demand_open.is_(True)) if open_only else cond


# From this many open demands on, a unit's inbox walks the deadline index and probes each demand (below
# it, fetching them all and sorting is cheaper). PostgreSQL misjudges the semi-join by 30×, so it
# would fetch and sort 9,500 demands (≈ 80–750 ms) where the walk reads ≈ 900 index rows (≈ 7 ms).
WALK_FROM = 1000


def open_work_by_deadline(department_id: int):
    """The unit's open work as a per-row probe (a scalar subquery, which the planner cannot turn into a
    join): with the inbox's deadline order, the database walks ix_demands_open_due and stops at the page."""
    probe = (select(Assignment.id).where(Assignment.demand_id == Demand.id, Assignment.department_id == department_id,
                                          Assignment.active.is_(True), Assignment.demand_open.is_(True))
             .limit(1).scalar_subquery())
    return select(Demand).where(Demand.status != "closed", probe.is_not(None))


def open_work_count(session: Session, *, department_id: int) -> int:
    """How many demands not yet 办结 the unit holds (its inbox's total): the unit's open-work index alone
    answers it, where counting the inbox's statement would visit each demand (≈ 70 ms at 18,000)."""
    return session.scalar(select(func.count(distinct(Assignment.demand_id))).where(
        Assignment.department_id == department_id, Assignment.active.is_(True),
        Assignment.demand_open.is_(True))) or 0


def may_read(session: Session, *, actor: Principal, demand: Demand) -> bool:
    if actor.role in ALL_READERS:
        return True
    if actor.role == Role.applicant:
        return demand.filer_user_id is not None and demand.filer_user_id == actor.user_id
    if actor.role == Role.clerk:
        return demand.taken_by_id == actor.user_id
    if actor.role == Role.handler and actor.department_id is not None:
        return any(a.active and a.department_id == actor.department_id for a in demand.assignments)
    return False


def get_demand(session: Session, *, actor: Principal, code: str) -> Demand:
    """The demand with this code, if the actor may see it (else 404)."""
    demand = session.scalar(select(Demand).where(Demand.code == code)) if code else None
    if demand is None or not may_read(session, actor=actor, demand=demand):
        raise NotFound(f"诉求{code}不存在")
    return demand


def visible(actor: Principal, *, open_only: bool = False):
    """The statement of every demand `actor` may see — the one row-level rule lists, pages and exports
    share; with `open_only`, those not 办结 yet."""
    stmt = select(Demand).where(Demand.status != "closed") if open_only else select(Demand)
    if actor.role == Role.handler and actor.department_id is not None:
        return stmt.where(assigned_to(actor.department_id, open_only=open_only))
    if actor.role == Role.applicant:
        return stmt.where(Demand.filer_user_id == actor.user_id)
    if actor.role == Role.clerk:
        return stmt.where(Demand.taken_by_id == actor.user_id)
    if actor.role not in ALL_READERS:
        raise Forbidden("诉求仅限12345坐席、承办单位、督查及诉求人本人查看")
    return stmt


def list_demands(session: Session, *, actor: Principal, status: str | None = None, kind: str | None = None,
                 department_id: int | None = None, sla_state: str | None = None, page: int = 1,
                 per_page: int = 20) -> Page:
    """The demands the actor may see, newest first: a unit's inbox, the dispatcher's board, the filer's own."""
    stmt = visible(actor)
    if status:
        stmt = stmt.where(Demand.status == status)
    if kind:
        stmt = stmt.where(Demand.kind == kind)
    if department_id is not None:
        stmt = stmt.where(assigned_to(department_id))
    if sla_state:
        stmt = stmt.where(Demand.sla_state == sla_state)
    return paginate(session, stmt.order_by(Demand.id.desc()), page=page, per_page=per_page)


# ---------------------------------------------------------------- how a demand is shown

def sees_identity(actor: Principal, demand: Demand) -> bool:
    """Full number and ID: only the agent or clerk who took it and the filer themself."""
    return actor.user_id is not None and actor.user_id in (demand.taken_by_id, demand.filer_user_id)


def identity(actor: Principal, demand: Demand) -> dict:
    """The filer's identity as this actor may see it: in full, masked, or — for a handling unit of a
    confidential demand — not at all."""
    if sees_identity(actor, demand):
        return {"filer_name": demand.filer_name, "filer_phone": demand.filer_phone,
                "filer_id_number": demand.filer_id_number, "masked": False}
    if demand.confidential and actor.role not in REVEALERS:
        return {"filer_name": HIDDEN, "filer_phone": "", "filer_id_number": "", "masked": True}
    return {"filer_name": masking.mask_name(demand.filer_name), "filer_phone": masking.mask_phone(demand.filer_phone),
            "filer_id_number": masking.mask_id_number(demand.filer_id_number) if demand.filer_id_number else "",
            "masked": True}


def demand_view(session: Session, *, actor: Principal, demand: Demand) -> dict:
    """Everything the actor may read of a demand, Chinese labels beside keys: the one place the API
    (and later pages and exports) take a demand from, so masking and 保密 hold everywhere."""
    when = deadlines.deadline_of(demand)
    unit_view = actor.role == Role.handler
    return {
        "code": demand.code, "channel": demand.channel, "channel_label": CHANNELS[demand.channel],
        "kind": demand.kind, "kind_label": KINDS[demand.kind], "urgency": demand.urgency,
        "urgency_label": URGENCIES[demand.urgency], "topic": demand.topic, "region": demand.region,
        "subject": demand.subject, "content": demand.content, "location": demand.location,
        **identity(actor, demand), "anonymous": demand.anonymous, "confidential": demand.confidential,
        "enterprise_name": demand.enterprise_name, "enterprise_uscc": demand.enterprise_uscc,
        "window_department_id": demand.window_department_id, "item_code": demand.item_code,
        "case_code": demand.case_code, "received_at": demand.received_at, "status": demand.status,
        "status_label": DEMAND.label(demand.status), "due_stage": demand.due_stage,
        "due": when, "due_label": clock.Limit(demand.due_unit, demand.due_amount).label if demand.due_unit else "",
        "due_note": demand.due_note, "sla_state": demand.sla_state, "sla_label": clock.SLA_LABELS[demand.sla_state],
        "lead_department_id": demand.lead_department_id, "reply": demand.reply, "replied_at": demand.replied_at,
        "direct": demand.direct, "reopened": demand.reopened, "satisfaction": demand.satisfaction,
        "resolved": demand.resolved, "closed_at": demand.closed_at, "closed_how": demand.closed_how,
        "version": demand.version,
        "assignments": [{"id": a.id, "department_id": a.department_id, "role": a.role, "role_label": ROLES[a.role],
                         "status": a.status, "active": a.active, "returned_reason": a.returned_reason,
                         "sign_due": a.sign_due_at, "sign_sla_state": a.sign_sla_state,
                         "sign_sla_label": clock.SLA_LABELS.get(a.sign_sla_state, "")}
                        for a in demand.assignments if a.active or not unit_view],
    }


def history(session: Session, *, actor: Principal, code: str) -> list[History]:
    demand = get_demand(session, actor=actor, code=code)
    return list(session.scalars(select(History).where(History.demand_id == demand.id).order_by(History.id)))


def reveal_identity(session: Session, *, actor: Principal, code: str, reason: str) -> dict:
    """The full number and ID for a role that needs them (callback, verification); recorded in the audit."""
    demand = get_demand(session, actor=actor, code=code)
    if not sees_identity(actor, demand):
        actor.require(*REVEALERS)
        if not (reason or "").strip():
            from onewindow.common.errors import ValidationFailed

            raise ValidationFailed.one("查看完整号码须说明事由", field="reason", label="查看事由")
        audit.record(session, actor=actor, action="demand.reveal", entity_type="demand", entity_id=demand.code,
                     after={"reason": reason.strip()[:200], "confidential": demand.confidential})
    return {"filer_name": demand.filer_name, "filer_phone": demand.filer_phone,
            "filer_id_number": demand.filer_id_number}


# ---------------------------------------------------------------- tracking without an account

@dataclass(frozen=True)
class Tracking:
    """The outcome of a look-up by code and phone; routes answer `error` without raising so the
    throttle's count commits even when the look-up fails."""

    view: dict | None = None
    error: Exception | None = None


def track(session: Session, *, code: str, phone: str, client_key: str) -> Tracking:
    """What a filer without an account sees of their demand: its progress and reply, no identity, no units'
    internal notes. Code and phone must both match; throttled per address or device."""
    try:
        _throttle(session, scope="track", key=client_key)
    except TooManyRequests as exc:
        return Tracking(error=exc)
    demand = session.scalar(select(Demand).where(Demand.code == (code or "").strip()))
    phone = (phone or "").strip().replace(" ", "")
    if demand is None or not phone or demand.filer_phone != phone:
        return Tracking(error=NotFound("诉求编号与联系电话不匹配"))
    lines = session.scalars(select(History).where(History.demand_id == demand.id).order_by(History.id))
    return Tracking(view={"code": demand.code, "kind_label": KINDS[demand.kind], "subject": demand.subject,
                          "received_at": demand.received_at, "status_label": DEMAND.label(demand.status),
                          "reply": demand.reply if demand.status in ("replied", "closed") else "",
                          "closed_at": demand.closed_at,
                          "history": [{"at": h.at, "message": h.message} for h in lines]})


from onewindow.demands.handling import (  # noqa: E402 — the handling half of the public face
    answer_directly,
    answer_supervision,
    call_back,
    close_timed_out_callbacks,
    decide_extension,
    dispatch,
    escalate,
    redispatch,
    reply,
    request_extension,
    return_demand,
    set_limits,
    sign,
    suggest_units,
    supervise,
)


def measure_providers() -> list:
    """What demands offer the indicators (common.measures): 12345 按时办结, 满意, 直办, 化解."""
    from onewindow.demands.measures import PROVIDER

    return [PROVIDER]


__all__ = ["answer_directly", "answer_supervision", "assigned_to", "call_back", "close_timed_out_callbacks", "decide_extension",
           "demand_view", "dispatch", "duplicate_terms", "escalate", "file_demand", "get_demand", "history", "identity",
           "list_demands", "may_read", "measure_providers", "redispatch", "reply", "request_extension", "return_demand",
           "reveal_identity", "set_limits", "sign", "suggest_units", "supervise", "track", "visible"]
