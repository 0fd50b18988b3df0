"""Duplicates and hot spots (issue 11 item 5): candidate duplicates of a demand being taken (same caller,
same enterprise, or similar text and place in the last N days), 并单 (a duplicate linked to a main demand
whose reply answers every filer), and the hot-spot counts of topics and regions, this week against last.

Candidates come from indexes only (candidates() says how): the caller's number, the enterprise and the
words jieba finds in the subject, content and place (terms.py) — the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, union_all
from sqlalchemy.orm import Session

from onewindow.calendar import clock
from onewindow.calendar.service import load_calendar
from onewindow.common import events, outbox
from onewindow.common.errors import Conflict, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.time import local_date
from onewindow.db import utcnow
from onewindow.demands import deadlines, handling, service, terms
from onewindow.demands.models import Assignment, Demand, DemandTerm, Merge
from onewindow.demands.states import DEMAND

HOTSPOT_READERS = frozenset({Role.supervisor, Role.agent, Role.admin})
MERGERS = handling.DISPATCHERS
MAX_WORDS = 8  # words of the call's subject and content looked up
MAX_PLACE_WORDS = 4
TEXT_THRESHOLD = 4  # a subject word counts 2, a content word 1, a place word 2: "alike" needs two real hits
PHONE_SCORE, ENTERPRISE_SCORE = 10, 8
# Per word, only its newest demands in the window count: a word shared by more than this many that
# month (a street, 营业执照) says little about sameness, while a rare one (a 小区's name) keeps all its
# demands. Per key, the candidates kept for exact scoring. Both bound the work on a province's data.
PER_WORD, PER_KEY = 200, 60


@dataclass
class Candidate:
    demand: Demand
    score: int
    reasons: list[str] = field(default_factory=list)  # 同一来电号码 / 同一企业 / 内容相近 / 地点相近

    @property
    def reason_text(self) -> str:
        return "、".join(self.reasons)


def candidates(session: Session, *, actor: Principal, phone: str = "", enterprise_uscc: str = "", subject: str = "",
               content: str = "", location: str = "", days: int = 30, limit: int = 10,
               exclude_code: str = "") -> list[Candidate]:
    """The demands `actor` may see, received in the last `days`, that may be the same matter: the same
    caller number, the same enterprise, or alike in words and place. Best score first, then newest.

    Found in two steps on indexes, never by scanning the window: the newest demands of the same number
    and of the same enterprise, and those sharing the most of the call's words (each word's newest
    PER_WORD postings in terms.py's table); then those few are scored exactly."""
    phone, uscc = (phone or "").strip().replace(" ", "")[:20], (enterprise_uscc or "").strip().upper()[:18]
    words = terms.words(subject, content, limit=MAX_WORDS)
    place = terms.words(location, limit=MAX_PLACE_WORDS)
    if not (phone or uscc or words or place):
        return []
    since = utcnow() - timedelta(days=max(1, min(int(days), 366)))
    ids: set[int] = set()
    usable = service.visible(actor).with_only_columns(Demand.id).where(Demand.received_at >= since,
                                                                        Demand.merged_into_id.is_(None))
    for column, value in ((Demand.filer_phone, phone), (Demand.enterprise_uscc, uscc)):
        if value:  # the newest the actor could merge into, so the cut keeps those
            ids.update(session.scalars(usable.where(column == value).order_by(Demand.received_at.desc())
                                       .limit(PER_KEY)))
    looked_up = [(w, "t") for w in words] + [(w, "l") for w in place]
    if looked_up:
        newest = [select(DemandTerm.demand_id, DemandTerm.weight)
                  .where(DemandTerm.term == w, DemandTerm.part == part, DemandTerm.received_at >= since)
                  .order_by(DemandTerm.received_at.desc()).limit(PER_WORD).subquery() for w, part in looked_up]
        hits = union_all(*(select(n.c.demand_id, n.c.weight) for n in newest)).subquery()
        total = func.sum(hits.c.weight)
        ids.update(session.scalars(select(hits.c.demand_id).group_by(hits.c.demand_id)
                                   .having(total >= TEXT_THRESHOLD).order_by(total.desc()).limit(PER_KEY)))
    if not ids:
        return []
    scores: dict[tuple[int, str], int] = {}
    if looked_up:
        matched = or_(and_(DemandTerm.part == "t", DemandTerm.term.in_(words or [""])),
                      and_(DemandTerm.part == "l", DemandTerm.term.in_(place or [""])))
        for demand_id, part, weight in session.execute(
                select(DemandTerm.demand_id, DemandTerm.part, func.sum(DemandTerm.weight))
                .where(DemandTerm.demand_id.in_(ids), matched).group_by(DemandTerm.demand_id, DemandTerm.part)):
            scores[(demand_id, part)] = int(weight or 0)
    stmt = service.visible(actor).where(Demand.id.in_(ids), Demand.received_at >= since,
                                        Demand.merged_into_id.is_(None))
    if exclude_code:
        stmt = stmt.where(Demand.code != exclude_code)
    out = []
    for demand in session.scalars(stmt):
        same_phone, same_uscc = bool(phone) and demand.filer_phone == phone, bool(uscc) and demand.enterprise_uscc == uscc
        text_score, place_score = scores.get((demand.id, "t"), 0), scores.get((demand.id, "l"), 0)
        if not (same_phone or same_uscc or text_score + place_score >= TEXT_THRESHOLD):
            continue
        reasons = [r for r, hit in (("同一来电号码", same_phone), ("同一企业", same_uscc), ("内容相近", text_score >= 2),
                                    ("地点相近", place_score > 0)) if hit]
        score = PHONE_SCORE * same_phone + ENTERPRISE_SCORE * same_uscc + text_score + place_score
        out.append(Candidate(demand=demand, score=score, reasons=reasons))
    out.sort(key=lambda c: (-c.score, -c.demand.received_at.timestamp(), -c.demand.id))
    return out[:max(1, min(int(limit), 50))]


def candidates_of(session: Session, *, actor: Principal, demand: Demand, days: int = 30,
                  limit: int = 10) -> list[Candidate]:
    """The candidates of a demand already on file (its page), itself left out."""
    return candidates(session, actor=actor, phone=demand.filer_phone, enterprise_uscc=demand.enterprise_uscc,
                      subject=demand.subject, content=demand.content, location=demand.location, days=days,
                      limit=limit, exclude_code=demand.code)


# ---------------------------------------------------------------- 并单

def merge(session: Session, *, actor: Principal, code: str, into_code: str, version: int) -> Demand:
    """并单: `code` is the same matter as `into_code`. It closes at once (closed_how "merged") and leaves
    every unit's inbox; the main demand's reply — now, if it has one, or when it comes — goes to its filer
    too. Demands already merged into `code` follow it to the main one, so the link is one level deep."""
    actor.require(*MERGERS)
    into_code = (into_code or "").strip()
    if not into_code:
        raise ValidationFailed.one("请填写主诉求编号", field="into_code", label="主诉求编号")
    demand = service.get_demand(session, actor=actor, code=code)
    if into_code == demand.code:
        raise ValidationFailed.one("不能并入诉求自身", field="into_code", label="主诉求编号")
    main = service.get_demand(session, actor=actor, code=into_code)
    if main.merged_into_id is not None:
        root = session.get(Demand, main.merged_into_id)
        raise ValidationFailed.one(f"诉求{main.code}已并入{root.code}，请并入{root.code}", field="into_code",
                                   label="主诉求编号")
    if main.status == "closed" and not main.reply:
        raise ValidationFailed.one(f"主诉求{main.code}已办结且无答复，不能并入", field="into_code", label="主诉求编号")
    DEMAND.check(demand, "merge", version=version)
    record = Merge(demand_id=demand.id, into_id=main.id, merged_at=utcnow(), merged_by_id=actor.user_id,
                   before=_state_of(session, demand))
    DEMAND.move(session, demand, "merge", actor=actor, version=version,
                values={"merged_into_id": main.id, "closed_how": "merged", "due_stage": None, "due_at": None,
                        "due_on": None, "sla_state": clock.NORMAL},
                after={"merged_into": main.code, "closed_how": "merged"}, payload={"code": demand.code})
    # No "demand.closed" event (the move has none): the units did not handle this one, so nothing is rated.
    events.emit(session, name="demand.merged", entity_type="demand", entity_id=demand.code,
                payload={"code": demand.code, "into": main.code, "actor_id": actor.user_id})
    for a in demand.assignments:
        if a.active:
            a.active, a.status = False, "merged"
    for child in session.scalars(select(Demand).where(Demand.merged_into_id == demand.id)):
        child.merged_into_id = main.id
    session.add(record)
    handling.note(session, demand, actor, "merge", f"并入主诉求 {main.code}，主诉求的答复将一并告知诉求人")
    handling.note(session, main, actor, "merge", f"诉求 {demand.code} 并入本诉求，本诉求的答复将一并告知其诉求人")
    if main.reply:
        handling.answer_merged(session, main, only=demand)
    return demand


def _state_of(session: Session, demand: Demand) -> dict:
    """What 撤销并单 puts back: the state, the running clock, the reply, the active assignments and the
    demands already merged into this one (they follow it to the main demand, and back)."""
    def iso(v):
        return v.isoformat() if v is not None else None

    return {"status": demand.status, "due_stage": demand.due_stage, "due_unit": demand.due_unit,
            "due_amount": demand.due_amount, "due_at": iso(demand.due_at), "due_on": iso(demand.due_on),
            "due_note": demand.due_note, "sla_state": demand.sla_state, "reply": demand.reply,
            "replied_at": iso(demand.replied_at), "reopened": demand.reopened,
            "assignments": [[a.id, a.status] for a in demand.assignments if a.active],
            "followers": list(session.scalars(select(Demand.id).where(Demand.merged_into_id == demand.id)))}


UNDOERS = frozenset({Role.agent, Role.supervisor, Role.admin})


def unmerge(session: Session, *, actor: Principal, code: str, version: int, reason: str) -> Demand:
    """撤销并单 (拆单) of a wrong merge: the demand goes back to the state it had before, its own units'
    inbox and its clocks, and the main demand no longer answers it. The clock is taken to have stood
    still while it was merged (no unit had it): the working time left at the merge is left again from
    now. Refused once the main demand is 办结 — its reply has reached every filer as final; a filer
    who is still not served files anew. A copy of the main reply already sent is withdrawn, the filer
    told that the demand will be handled on its own."""
    actor.require(*UNDOERS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.one("请填写撤销并单的理由", field="reason", label="撤销理由")
    demand = service.get_demand(session, actor=actor, code=code)
    main = merged_into(session, demand)
    if main is None or demand.closed_how != "merged":
        raise Conflict(f"诉求{demand.code}未并单，无需撤销")
    record = session.scalar(select(Merge).where(Merge.demand_id == demand.id, Merge.undone_at.is_(None))
                            .order_by(Merge.id.desc()))
    if record is None:
        raise Conflict(f"诉求{demand.code}并单时未留存原状态，不能撤销，请重新受理")
    if main.status == "closed":
        raise Conflict(f"主诉求{main.code}已办结，答复已告知各诉求人，不能撤销并单；如诉求人仍有诉求，请重新受理")
    was, now = record.before, utcnow()
    told = bool(demand.reply) and demand.reply != (was.get("reply") or "")  # the main's reply was copied
    due = _resumed(session, was, paused_at=record.merged_at, now=now)
    DEMAND.move(session, demand, f"unmerge_{was['status']}", actor=actor, version=version,
                values={"merged_into_id": None, "closed_how": None, "closed_at": None,
                        "reply": was.get("reply") or "", "replied_at": _moment(was.get("replied_at")),
                        "reopened": was.get("reopened") or 0, **due},
                before={"merged_into": main.code}, after={"reason": reason[:500]}, payload={"code": demand.code})
    for assignment_id, status in was.get("assignments", []):
        a = session.get(Assignment, assignment_id)
        if a is None or a.demand_id != demand.id:
            continue
        a.active, a.status = True, status
        if status == "pending" and a.sign_due_at is not None:
            a.sign_due_at = deadlines.resumed(session, deadline=a.sign_due_at, unit=clock.WORKING_HOURS,
                                              paused_at=record.merged_at, now=now)
            a.sign_sla_state = _judge(session, a.sign_due_at, clock.Limit(clock.WORKING_HOURS, a.sign_minutes or 0),
                                      now)
    for follower in session.scalars(select(Demand).where(Demand.id.in_(was.get("followers") or [0]),
                                                         Demand.merged_into_id == main.id)):
        follower.merged_into_id = demand.id  # they were this demand's duplicates, not the main one's
    record.undone_at, record.undone_by_id, record.undo_reason = now, actor.user_id, reason[:2000]
    events.emit(session, name="demand.unmerged", entity_type="demand", entity_id=demand.code,
                payload={"code": demand.code, "from": main.code, "actor_id": actor.user_id})
    handling.note(session, demand, actor, "unmerge", f"撤销并单（原并入 {main.code}）：{reason}；本诉求恢复单独办理")
    handling.note(session, main, actor, "unmerge", f"诉求 {demand.code} 撤销并单：{reason}；本诉求的答复不再告知其诉求人")
    if told:
        outbox.notify(session, recipient_id=demand.filer_user_id, subject=f"您的诉求将单独办理（{demand.code}）",
                      body="此前告知的答复系针对另一诉求，您的诉求将由承办单位单独办理并答复。",
                      link=f"/demands/track?code={demand.code}", dedupe_key=f"demand:unmerge:{demand.code}:{record.id}")
    return demand


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _judge(session: Session, due, limit: clock.Limit, now: datetime) -> str:
    """预警/超期/正常 of a restored deadline now, on the one clock (the sweep would say the same)."""
    return clock.state(load_calendar(session), due=due, limit=limit, now=now, today=local_date(now))


def _resumed(session: Session, was: dict, *, paused_at: datetime, now: datetime) -> dict:
    """The demand's clock columns as they were, the deadline moved on by the time spent merged."""
    cols = {"due_stage": was.get("due_stage"), "due_unit": was.get("due_unit"), "due_amount": was.get("due_amount"),
            "due_at": None, "due_on": None, "due_note": was.get("due_note") or "", "sla_state": clock.NORMAL}
    if not cols["due_stage"]:
        return cols
    unit = cols["due_unit"]
    when = _moment(was.get("due_at")) if unit == clock.WORKING_HOURS else (
        date.fromisoformat(was["due_on"]) if was.get("due_on") else None)
    if when is None:
        return cols
    new = deadlines.resumed(session, deadline=when, unit=unit, paused_at=paused_at, now=now)
    cols["due_at" if unit == clock.WORKING_HOURS else "due_on"] = new
    cols["sla_state"] = _judge(session, new, clock.Limit(unit, cols["due_amount"] or 0), now)
    return cols


def merges_of(session: Session, demand: Demand) -> list[Merge]:
    """A demand's merges and their undoing, for its page."""
    return list(session.scalars(select(Merge).where(Merge.demand_id == demand.id).order_by(Merge.id)))


def merged_into(session: Session, demand: Demand) -> Demand | None:
    return session.get(Demand, demand.merged_into_id) if demand.merged_into_id else None


def merged_ones(session: Session, demand: Demand) -> list[Demand]:
    return list(session.scalars(select(Demand).where(Demand.merged_into_id == demand.id).order_by(Demand.id)))


# ---------------------------------------------------------------- 热点

@dataclass
class Hotspot:
    dimension: str  # 诉求主题 / 区域
    name: str
    recent: int  # the last 7 days
    before: int  # the 7 days before those

    @property
    def change(self) -> int:
        return self.recent - self.before

    @property
    def change_text(self) -> str:
        if self.before == 0:
            return "新出现" if self.recent else "—"
        pct = round(100 * self.change / self.before)
        return f"{'+' if pct > 0 else ''}{pct}%"


def hotspots(session: Session, *, actor: Principal, now: datetime | None = None, days: int = 7,
             limit: int = 50) -> list[Hotspot]:
    """Topics and regions with their counts in the last `days` against the `days` before, the most
    risen first (then the busiest). Only demands the actor may see count; a merged one counts once, in
    its main demand."""
    actor.require(*HOTSPOT_READERS)
    now = now or utcnow()
    mid, start = now - timedelta(days=days), now - timedelta(days=2 * days)
    base = service.visible(actor).where(Demand.received_at >= start, Demand.received_at < now,
                                        Demand.merged_into_id.is_(None)).subquery()
    recent = func.sum(case((base.c.received_at >= mid, 1), else_=0))
    before = func.sum(case((base.c.received_at < mid, 1), else_=0))
    out: list[Hotspot] = []
    for label, column in (("诉求主题", base.c.topic), ("区域", base.c.region)):
        stmt = (select(column, recent, before).where(and_(column.is_not(None), column != ""))
                .group_by(column))
        out += [Hotspot(label, name, int(r or 0), int(b or 0)) for name, r, b in session.execute(stmt)]
    out.sort(key=lambda h: (-h.change, -h.recent, h.dimension, h.name))
    return out[:limit]


HOTSPOT_HEAD = ("维度", "名称", "近7日", "前7日", "增减", "变化")


def export_hotspots(rows: list[Hotspot]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "诉求热点"
    ws.append(list(HOTSPOT_HEAD))
    for h in rows:
        ws.append([h.dimension, h.name, h.recent, h.before, h.change, h.change_text])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
