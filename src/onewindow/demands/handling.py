"""Answering and handling a demand: 直办 from the knowledge base, 派单 with a suggested unit, 签收, 退单 and
改派, 延期, 答复 (to the filer through the outbox), 回访 (an unsatisfied one reopens once), 办结 after the
callback or its timeout, and 督办 escalating to the unit's superior. Every state change goes through the
machines in states.py (409 on a stale version); every clock through deadlines.py on the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.calendar import clock
from onewindow.calendar.service import load_calendar
from onewindow.catalog import service as catalog
from onewindow.common import audit, outbox
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM, Principal
from onewindow.common.time import local_date
from onewindow.db import utcnow
from onewindow.demands import deadlines
from onewindow.demands.models import Assignment, Callback, Demand, Extension, Limit, Route, Supervision
from onewindow.demands.states import DEMAND, EXTENSION, KINDS, SATISFACTION, SUPERVISION, URGENCIES

DISPATCHERS = frozenset({Role.agent, Role.admin})
SUPERVISORS = frozenset({Role.supervisor, Role.admin})
MAX_ASSIST = 5


def _get(session: Session, code: str) -> Demand:
    demand = session.scalar(select(Demand).where(Demand.code == code)) if code else None
    if demand is None:
        raise NotFound(f"诉求{code}不存在")
    return demand


def _text(value: str | None, *, field: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed.one(f"请填写{label}", field=field, label=label)
    return text[:5000]


def _lead(demand: Demand) -> Assignment | None:
    return next((a for a in demand.assignments if a.active and a.role == "lead"), None)


def _mine(actor: Principal, demand: Demand, *, lead: bool = True) -> Assignment:
    """The actor's unit's active assignment (the lead one when `lead`); anyone else: 404 or 403."""
    from onewindow.demands.service import may_read

    if not may_read(None, actor=actor, demand=demand):
        raise NotFound(f"诉求{demand.code}不存在")
    actor.require(Role.handler)
    for a in demand.assignments:
        if a.active and a.department_id == actor.department_id and (a.role == "lead" or not lead):
            return a
    raise Forbidden("此操作仅限主办单位")


def _history(session, demand, actor, action, message, department_id=None):
    from onewindow.demands.service import record

    record(session, demand, actor=actor, action=action, message=message, department_id=department_id)


def note(session: Session, demand: Demand, actor: Principal, action: str, message: str) -> None:
    """A line on a demand's timeline (duplicates.py writes 并单 there)."""
    _history(session, demand, actor, action, message)


def _unit_name(session: Session, department_id: int) -> str:
    ref = catalog.department_by_id(session, department_id=department_id)
    if ref is None:
        raise ValidationFailed.one(f"承办单位（编号{department_id}）不存在", field="lead_department_id", label="承办单位")
    return ref.name


# ---------------------------------------------------------------- routing

@dataclass(frozen=True)
class UnitSuggestion:
    lead_department_id: int
    assist_department_ids: tuple[int, ...]
    route_id: int
    level: str  # 市 / 县 / 乡 / 村


def suggest_units(session: Session, *, kind: str, topic: str = "", region: str = "") -> UnitSuggestion | None:
    """The unit the routing rules suggest: the active rule matching the most of type, topic and region
    (an empty field matches anything), then the lower priority; None when no rule matches."""
    best, key = None, None
    for r in session.scalars(select(Route).where(Route.active.is_(True))):
        if any(v and v != want for v, want in ((r.kind, kind), (r.topic, topic), (r.region, region))):
            continue
        score = (-(bool(r.kind) + bool(r.topic) + bool(r.region)), r.priority, r.id)
        if key is None or score < key:
            best, key = r, score
    if best is None:
        return None
    level = catalog.department_levels(session, ids=[best.department_id]).get(best.department_id)
    return UnitSuggestion(best.department_id, tuple(best.assist_ids or ()), best.id, level.level if level else "")


# ---------------------------------------------------------------- 直办 and 派单

def answer_directly(session: Session, *, actor: Principal, code: str, version: int, article_id: int,
                    text: str = "") -> Demand:
    """直办: the agent answers from a knowledge-base article in force; the demand closes as 直办."""
    actor.require(*DISPATCHERS)
    demand = _get(session, code)
    from onewindow.knowledge import service as knowledge

    article = knowledge.get_article(session, article_id=article_id, actor=actor)
    if article.status != "published":
        raise ValidationFailed.one("只能引用已发布的知识条目", field="article_id", label="知识条目")
    answer = (text or "").strip() or article.body
    DEMAND.move(session, demand, "answer", actor=actor, version=version,
                values={"reply": answer[:5000], "replied_at": utcnow(), "article_id": article.id, "direct": True,
                        "closed_how": "direct", "due_stage": None, "due_at": None, "due_on": None,
                        "sla_state": clock.NORMAL},
                after={"article": article.code}, payload={"code": demand.code, "direct": True})
    _history(session, demand, actor, "answer", f"依据知识库「{article.title}」直接答复并办结（直办）")
    _tell_filer(session, demand, subject="您的诉求已答复")
    answer_merged(session, demand)
    return demand


def _assign(session: Session, demand: Demand, *, actor: Principal, lead: int, assist: list[int] | tuple[int, ...]):
    assist = [d for d in dict.fromkeys(assist or ()) if d != lead]
    if len(assist) > MAX_ASSIST:
        raise ValidationFailed.one(f"协办单位最多{MAX_ASSIST}个", field="assist_department_ids", label="协办单位")
    names = {d: _unit_name(session, d) for d in [lead, *assist]}
    now = utcnow()
    limits = deadlines.limits_for(session, kind=demand.kind, urgency=demand.urgency)
    for dept, role in [(lead, "lead"), *[(d, "assist") for d in assist]]:
        a = Assignment(demand_id=demand.id, department_id=dept, role=role, status="pending", active=True,
                       dispatched_by_id=actor.user_id, dispatched_at=now)
        deadlines.start_sign_clock(session, a, minutes=limits.sign_minutes, start=now)  # each unit its own
        session.add(a)
        demand.assignments.append(a)
        outbox.notify(session, department_id=dept, subject=f"新派诉求 {demand.code}（{'主办' if role == 'lead' else '协办'}）",
                      body=f"{KINDS[demand.kind]}·{URGENCIES[demand.urgency]}：{demand.subject}",
                      link=f"/demands/{demand.code}", dedupe_key=f"demand:assign:{demand.code}:{dept}:{now.isoformat()}")
    deadlines.start_clock(session, demand, stage="reply",
                          limit=clock.Limit(limits.reply_unit, limits.reply_amount), start=now)
    demand.lead_department_id = lead
    return names


def dispatch(session: Session, *, actor: Principal, code: str, version: int, lead_department_id: int,
             assist_department_ids: list[int] | tuple[int, ...] = (), note: str = "") -> Demand:
    """派单 to a 主办 unit (and 协办 units); the reply clock starts now on the limits of type × urgency."""
    actor.require(*DISPATCHERS)
    demand = _get(session, code)
    DEMAND.check(demand, "dispatch", version=version)
    names = _assign(session, demand, actor=actor, lead=lead_department_id, assist=assist_department_ids)
    DEMAND.move(session, demand, "dispatch", actor=actor, version=version,
                after={"lead": lead_department_id, "assist": list(assist_department_ids)}, payload={"code": code})
    _history(session, demand, actor, "dispatch", f"派至{names[lead_department_id]}（主办）"
             + "".join(f"、{n}（协办）" for d, n in names.items() if d != lead_department_id)
             + (f"：{note.strip()}" if (note or "").strip() else ""), department_id=lead_department_id)
    return demand


def redispatch(session: Session, *, actor: Principal, code: str, version: int, lead_department_id: int,
               assist_department_ids: list[int] | tuple[int, ...] = (), note: str = "") -> Demand:
    """改派: after a 退单 (or before the unit signed), to other units; the old assignments are kept, inactive.
    Two dispatchers at once: the version check lets one through, the other gets 409."""
    actor.require(*DISPATCHERS)
    demand = _get(session, code)
    DEMAND.check(demand, "redispatch", version=version)
    DEMAND.move(session, demand, "redispatch", actor=actor, version=version,
                after={"lead": lead_department_id, "assist": list(assist_department_ids)}, payload={"code": code})
    for a in demand.assignments:
        if a.active:
            a.active, a.status = False, "returned" if a.status == "returned" else "replaced"
    names = _assign(session, demand, actor=actor, lead=lead_department_id, assist=assist_department_ids)
    _history(session, demand, actor, "redispatch", f"改派至{names[lead_department_id]}（主办）"
             + (f"：{note.strip()}" if (note or "").strip() else ""), department_id=lead_department_id)
    return demand


# ---------------------------------------------------------------- the unit's work

def sign(session: Session, *, actor: Principal, code: str, version: int | None = None) -> Demand:
    """签收 by the actor's unit; the lead unit's signature moves the demand to 办理中."""
    demand = _get(session, code)
    mine = _mine(actor, demand, lead=False)
    if mine.status != "pending":
        raise Conflict("本单位已签收该诉求")
    mine.status, mine.signed_at = "signed", utcnow()
    if mine.role == "lead":
        DEMAND.move(session, demand, "sign", actor=actor, version=version, payload={"code": code})
    else:
        audit.record(session, actor=actor, action="demand.sign_assist", entity_type="demand", entity_id=code)
    _history(session, demand, actor, "sign", f"{_unit_name(session, mine.department_id)}已签收",
             department_id=mine.department_id)
    return demand


def return_demand(session: Session, *, actor: Principal, code: str, version: int, reason: str) -> Demand:
    """退单: the lead unit sends it back to the dispatcher with a reason; the dispatch clock runs again."""
    demand = _get(session, code)
    mine = _mine(actor, demand)
    reason = _text(reason, field="reason", label="退单理由")
    limits = deadlines.limits_for(session, kind=demand.kind, urgency=demand.urgency)
    DEMAND.move(session, demand, "return", actor=actor, version=version, after={"reason": reason},
                payload={"code": code, "department_id": mine.department_id})
    mine.status, mine.returned_reason = "returned", reason
    deadlines.start_clock(session, demand, stage="dispatch",
                          limit=clock.Limit(clock.WORKING_HOURS, limits.dispatch_minutes))
    _history(session, demand, actor, "return", f"{_unit_name(session, mine.department_id)}退单：{reason}",
             department_id=mine.department_id)
    return demand


def request_extension(session: Session, *, actor: Principal, code: str, reason: str, days: int = 0,
                      hours: int = 0) -> Extension:
    """延期 asked by the lead unit: so many more working days (or working hours), for the dispatcher to decide."""
    demand = _get(session, code)
    mine = _mine(actor, demand)
    if demand.status != "handling":
        raise Conflict("诉求签收后、答复前方可申请延期")
    if session.scalar(select(Extension.id).where(Extension.demand_id == demand.id, Extension.status == "pending")):
        raise Conflict("已有待审批的延期申请")
    if (days <= 0) == (hours <= 0) or days > 30 or hours > 48:
        raise ValidationFailed.one("请填写延长的工作日（1–30）或工作小时（1–48）之一", field="days", label="延长时限")
    ext = Extension(demand_id=demand.id, department_id=mine.department_id, status="pending",
                    reason=_text(reason, field="reason", label="延期理由"),
                    unit=clock.WORKING_DAYS if days else clock.WORKING_HOURS, amount=days or hours * 60,
                    requested_by_id=actor.user_id, requested_at=utcnow(), version=1)
    session.add(ext)
    session.flush()
    audit.record(session, actor=actor, action="demand_extension.request", entity_type="demand_extension",
                 entity_id=ext.id, after={"demand": code, "reason": ext.reason, "amount": ext.amount})
    _history(session, demand, actor, "extend", f"申请延期：{ext.reason}", department_id=mine.department_id)
    return ext


def decide_extension(session: Session, *, actor: Principal, extension_id: int, version: int, approve: bool,
                     decision: str = "") -> Extension:
    """The dispatcher approves (the reply deadline moves on by the time asked) or refuses a 延期."""
    actor.require(*DISPATCHERS)
    ext = session.get(Extension, extension_id)
    if ext is None:
        raise NotFound(f"延期申请{extension_id}不存在")
    demand = session.get(Demand, ext.demand_id)
    EXTENSION.move(session, ext, "approve" if approve else "refuse", actor=actor, version=version,
                   values={"decided_by_id": actor.user_id, "decision": (decision or "").strip()[:2000]})
    if approve and demand.status == "handling" and demand.due_stage == "reply":
        start = deadlines.deadline_of(demand)
        if ext.unit == clock.WORKING_DAYS:
            on = start if not isinstance(start, datetime) else local_date(start)
            new = clock.deadline(load_calendar(session), start=on, limit_days=ext.amount, suspensions=(), today=on)
            limit = clock.Limit.working_days((demand.due_amount or 0) + ext.amount
                                             if demand.due_unit == clock.WORKING_DAYS else ext.amount)
        else:
            new = clock.deadline_in_hours(load_calendar(session), start=start, limit_minutes=ext.amount, now=utcnow())
            limit = clock.Limit(clock.WORKING_HOURS, (demand.due_amount or 0) + ext.amount
                                if demand.due_unit == clock.WORKING_HOURS else ext.amount)
        deadlines.set_due(demand, stage="reply", limit=limit, deadline=new.due, note=new.estimated_note)
    _history(session, demand, actor, "extend", f"延期申请{'已批准' if approve else '未获批准'}"
             + (f"，新的答复时限 {deadlines._show(deadlines.deadline_of(demand))}" if approve else ""))
    return ext


def reply(session: Session, *, actor: Principal, code: str, version: int, text: str) -> Demand:
    """答复 by the lead unit; the filer is told (outbox) and the callback clock starts."""
    demand = _get(session, code)
    mine = _mine(actor, demand)
    text = _text(text, field="text", label="答复内容")
    DEMAND.move(session, demand, "reply", actor=actor, version=version, values={"reply": text, "replied_at": utcnow()},
                payload={"code": code, "department_id": mine.department_id, "kind": demand.kind})
    mine.status = "done"
    limits = deadlines.limits_for(session, kind=demand.kind, urgency=demand.urgency)
    deadlines.start_clock(session, demand, stage="callback", limit=clock.Limit.working_days(limits.callback_days))
    _history(session, demand, actor, "reply", f"{_unit_name(session, mine.department_id)}已答复：{text}",
             department_id=mine.department_id)
    _tell_filer(session, demand, subject="您的诉求已答复")
    answer_merged(session, demand)
    return demand


def answer_merged(session: Session, main: Demand, *, only: Demand | None = None) -> int:
    """并单: the main demand's reply is each merged demand's reply, sent to its own filer (already closed
    as merged, so nothing else moves). `only`: just that one (merged after the reply was given)."""
    if not main.reply:
        return 0
    rows = [only] if only is not None else list(session.scalars(select(Demand).where(Demand.merged_into_id == main.id)))
    for child in rows:
        child.reply, child.replied_at = main.reply, main.replied_at or utcnow()
        child.reopened = main.reopened  # a reply after 重办 is a new notice, not a duplicate of the first
        _history(session, child, SYSTEM, "reply", f"主诉求 {main.code} 已答复，答复一并告知：{main.reply[:500]}")
        _tell_filer(session, child, subject="您的诉求已答复")
    return len(rows)


def _tell_filer(session: Session, demand: Demand, *, subject: str) -> None:
    """The reply to the filer: their account's inbox, else the SMS the gateway sends to the number on file."""
    outbox.notify(session, recipient_id=demand.filer_user_id, subject=f"{subject}（{demand.code}）",
                  body=demand.reply[:500], link=f"/demands/track?code={demand.code}",
                  dedupe_key=f"demand:reply:{demand.code}:{demand.reopened}")


# ---------------------------------------------------------------- 回访 and 办结

def call_back(session: Session, *, actor: Principal, code: str, version: int, satisfaction: str, resolved: bool,
              note: str = "", reopen: bool = False, reasons: str = "") -> Demand:
    """回访 of a reply. Satisfied or not, it closes the demand (办结) — unless it was 不满意 and `reopen` is
    asked with reasons, which sends it back to the lead unit once (重办, a fresh reply clock)."""
    actor.require(*DISPATCHERS)
    demand = _get(session, code)
    if satisfaction not in SATISFACTION:
        raise ValidationFailed.one("请选择满意度（满意、基本满意、不满意）", field="satisfaction", label="满意度")
    DEMAND.check(demand, "reopen" if reopen else "close", version=version)
    rnd = demand.reopened + 1
    session.add(Callback(demand_id=demand.id, round=rnd, satisfaction=satisfaction, resolved=bool(resolved),
                         note=(note or "").strip()[:2000], by_id=actor.user_id, at=utcnow()))
    if reopen:
        if satisfaction != "unsatisfied":
            raise ValidationFailed.one("只有回访不满意时才能重办", field="reopen", label="重办")
        if demand.reopened >= 1:
            raise Conflict("该诉求已重办过一次，不能再次重办")
        reasons = _text(reasons, field="reasons", label="重办理由")
        lead = _lead(demand)
        DEMAND.move(session, demand, "reopen", actor=actor, version=version,
                    values={"reopened": demand.reopened + 1, "satisfaction": satisfaction, "resolved": bool(resolved)},
                    after={"satisfaction": satisfaction, "reasons": reasons}, payload={"code": code})
        if lead is not None:
            lead.status = "signed"
        limits = deadlines.limits_for(session, kind=demand.kind, urgency=demand.urgency)
        deadlines.start_clock(session, demand, stage="reply", limit=clock.Limit(limits.reply_unit, limits.reply_amount))
        _history(session, demand, actor, "reopen", f"回访不满意，退回重办：{reasons}",
                 department_id=demand.lead_department_id)
        if demand.lead_department_id:
            outbox.notify(session, department_id=demand.lead_department_id, subject=f"诉求重办 {code}", body=reasons,
                          link=f"/demands/{code}", dedupe_key=f"demand:reopen:{code}")
        return demand
    _close(session, demand, actor=actor, version=version, how="callback", satisfaction=satisfaction,
           resolved=bool(resolved))
    _history(session, demand, actor, "callback",
             f"回访：{SATISFACTION[satisfaction]}，{'已解决' if resolved else '未解决'}；已办结")
    return demand


def _close(session, demand, *, actor, version, how, satisfaction=None, resolved=None):
    DEMAND.move(session, demand, "close", actor=actor, version=version,
                values={"closed_how": how, "satisfaction": satisfaction, "resolved": resolved, "due_stage": None,
                        "due_at": None, "due_on": None, "sla_state": clock.NORMAL},
                after={"closed_how": how, "satisfaction": satisfaction},
                payload={"code": demand.code, "satisfaction": satisfaction, "resolved": resolved,
                         "department_id": demand.lead_department_id, "closed_how": how,
                         "subject": demand.subject[:100], "filer_user_id": demand.filer_user_id})
    for a in demand.assignments:
        a.demand_open = False  # out of every unit's inbox index (the demand stays readable to them)


def close_timed_out_callbacks(session: Session, *, now: datetime | None = None) -> int:
    """办结 the replied demands whose callback time ran out without a callback (the periodic job)."""
    now = now or utcnow()
    today = local_date(now)
    n = 0
    for d in session.scalars(select(Demand).where(Demand.status == "replied", Demand.due_stage == "callback",
                                                  Demand.due_on < today)):
        session.add(Callback(demand_id=d.id, round=d.reopened + 1, timed_out=True, at=now))
        _close(session, d, actor=SYSTEM, version=d.version, how="timeout")
        _history(session, d, SYSTEM, "timeout", "回访期限届满未能回访，按期办结")
        n += 1
    return n


# ---------------------------------------------------------------- 督办

def supervise(session: Session, *, actor: Principal, code: str, reason: str, days: int = 2) -> Supervision:
    """督办 of the lead unit, with a deadline in working days; overdue, it escalates to the unit's superior."""
    actor.require(*SUPERVISORS, Role.agent)
    demand = _get(session, code)
    if demand.status == "closed" or demand.lead_department_id is None:
        raise Conflict("只能督办已派单、尚未办结的诉求")
    if not 1 <= days <= 30:
        raise ValidationFailed.one("督办时限应为1–30个工作日", field="days", label="督办时限")
    dept = catalog.department_levels(session, ids=[demand.lead_department_id]).get(demand.lead_department_id)
    start = local_date(utcnow())
    due = clock.deadline(load_calendar(session), start=start, limit_days=days, suspensions=(), today=start)
    order = Supervision(demand_id=demand.id, department_id=demand.lead_department_id,
                        superior_id=dept.parent_id if dept else None, status="open",
                        reason=_text(reason, field="reason", label="督办事由"), limit_days=days, due_on=due.due,
                        opened_by_id=actor.user_id, opened_at=utcnow(), version=1)
    session.add(order)
    session.flush()
    audit.record(session, actor=actor, action="demand_supervision.open", entity_type="demand_supervision",
                 entity_id=order.id, after={"demand": code, "reason": order.reason, "due_on": str(due.due)})
    outbox.notify(session, department_id=order.department_id, subject=f"督办：诉求 {code}",
                  body=f"{order.reason}；请于 {due.due} 前反馈", link=f"/demands/supervisions/{order.id}",
                  dedupe_key=f"demand:supervise:{order.id}")
    _history(session, demand, actor, "supervise", f"督办：{order.reason}（{due.due} 前反馈）",
             department_id=order.department_id)
    return order


def escalate(session: Session, *, order: Supervision) -> None:
    """A 督办 order overdue goes up to the unit's superior department (once)."""
    if order.status != "open":
        return
    SUPERVISION.move(session, order, "escalate", actor=SYSTEM, version=order.version)
    demand = session.get(Demand, order.demand_id)
    if order.superior_id is not None:
        outbox.notify(session, department_id=order.superior_id, subject=f"督办超期升级：诉求 {demand.code}",
                      body=f"下级单位未在 {order.due_on} 前反馈督办：{order.reason}", link=f"/demands/{demand.code}",
                      dedupe_key=f"demand:escalate:{order.id}")
    _history(session, demand, SYSTEM, "escalate", "督办超期未反馈，已升级至上级部门", department_id=order.superior_id)


def answer_supervision(session: Session, *, actor: Principal, supervision_id: int, version: int,
                       response: str) -> Supervision:
    """The supervised unit answers its 督办 order."""
    order = session.get(Supervision, supervision_id)
    if order is None or actor.department_id != order.department_id:
        raise NotFound(f"督办单{supervision_id}不存在")
    actor.require(Role.handler)
    text = _text(response, field="response", label="督办反馈")
    SUPERVISION.move(session, order, "answer", actor=actor, version=version, values={"response": text})
    _history(session, session.get(Demand, order.demand_id), actor, "supervise", f"反馈督办：{text}",
             department_id=order.department_id)
    return order


# ---------------------------------------------------------------- configuration

def set_limits(session: Session, *, actor: Principal, kind: str, urgency: str, dispatch_minutes: int,
               reply_unit: str, reply_amount: int, callback_days: int = 2, sign_minutes: int | None = None) -> Limit:
    """Set the 时限 of a type × urgency (kind "*": every type); applies to clocks started from now on."""
    actor.require(Role.admin)
    if kind != "*" and kind not in KINDS or urgency not in URGENCIES:
        raise ValidationFailed.one("诉求类型或紧急程度无效", field="kind", label="诉求类型")
    if reply_unit not in (clock.WORKING_DAYS, clock.WORKING_HOURS) or reply_amount <= 0 or dispatch_minutes <= 0 \
            or callback_days <= 0:
        raise ValidationFailed.one("时限须为正数，单位为工作日或工作小时", field="reply_amount", label="答复时限")
    if sign_minutes is None:
        sign_minutes = deadlines.SIGN_DEFAULTS.get(urgency, 120)
    if not 1 <= sign_minutes <= 10000:
        raise ValidationFailed.one("签收时限须为1–10000个工作分钟", field="sign_minutes", label="签收时限")
    row = session.scalar(select(Limit).where(Limit.kind == kind, Limit.urgency == urgency))
    before = None if row is None else {"dispatch_minutes": row.dispatch_minutes, "reply_unit": row.reply_unit,
                                       "reply_amount": row.reply_amount, "callback_days": row.callback_days,
                                       "sign_minutes": row.sign_minutes}
    if row is None:
        row = Limit(kind=kind, urgency=urgency, version=1)
        session.add(row)
    row.dispatch_minutes, row.reply_unit, row.reply_amount, row.callback_days = (dispatch_minutes, reply_unit,
                                                                                 reply_amount, callback_days)
    row.sign_minutes = sign_minutes
    session.flush()
    audit.record(session, actor=actor, action="demand_limit.set", entity_type="demand_limit", entity_id=row.id,
                 before=before, after={"kind": kind, "urgency": urgency, "dispatch_minutes": dispatch_minutes,
                                       "reply_unit": reply_unit, "reply_amount": reply_amount,
                                       "callback_days": callback_days, "sign_minutes": sign_minutes})
    return row
