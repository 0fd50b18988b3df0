"""好差评's public face: rateable matters (opened on "case.completed", "demand.closed", an online
"application.submitted", and by the window), rating, the
change window, default ratings; callbacks, appeals and statistics live in followup.py and stats.py.

Anti-abuse: only the matter's party rates it (anyone else: 404, so ids reveal nothing); staff who
handled it may not (403); one rating per matter per rater — within the change window a second
replaces the first (audited), after it a second is refused.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.accounts import service as accounts
from onewindow.cases import service as cases
from onewindow.common import audit, events, outbox
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.pagination import Page, paginate
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM, Principal
from onewindow.common.time import local_date, today
from onewindow.config import get_settings
from onewindow.db import utcnow
from onewindow.ratings.models import Rating, RatingMatter
from onewindow.ratings.states import BAD, DEFAULT_LEVEL, LEVELS, REASONS

MAX_COMMENT = 500
WINDOW_ROLES = frozenset({Role.clerk})


def _matter(session: Session, *, kind: str, ref: str, title: str, department_id: int | None, completed_on: date,
            party_id: int | None = None, clerk_id: int | None = None, item_code: str | None = None,
            staff_ids: set[int] | None = None, token: str | None = None, staff_id: int | None = None,
            counter_id: int | None = None, device: str | None = None) -> RatingMatter:
    existing = session.scalar(select(RatingMatter).where(RatingMatter.kind == kind, RatingMatter.ref == ref))
    if existing is not None:  # a re-run handler opens nothing twice
        return existing
    staff = set(staff_ids or ()) | ({staff_id} if staff_id is not None else set())
    matter = RatingMatter(kind=kind, ref=ref, title=title[:200], department_id=department_id, item_code=item_code,
                          clerk_id=clerk_id, party_id=party_id, staff_ids=sorted(staff), token=token,
                          staff_id=staff_id, counter_id=counter_id, device=device,
                          completed_on=completed_on, rated=False, created_at=utcnow(),
                          default_due_on=completed_on + timedelta(days=get_settings().rating_default_days))
    session.add(matter)
    session.flush()
    return matter


def on_case_completed(session: Session, event) -> int:
    """The "case.completed" handler: the case (and, for a bundle, each department's task) becomes rateable
    and the applicant is asked to rate. Cases completed before this system (backfilled events) are not
    rated: nobody could be asked any more. Returns how many matters it opened."""
    if (event.payload or {}).get("backfilled"):
        return 0
    facts = cases.case_facts(session, code=event.entity_id)
    if facts is None or facts.status != "completed":
        return 0
    on = local_date(facts.completed_at) if facts.completed_at else today()
    staff = facts.staff_ids
    item_code = facts.tasks[0].item_code if facts.target_kind == "item" and facts.tasks else facts.target_code
    # The staff member a case counts for: the approver of the lead department's task (the one task of a
    # single item), else the clerk who accepted it; a bundle's task counts for its own approver.
    lead = next((t.assignee_id for t in facts.tasks if t.department_id == facts.lead_department_id and t.assignee_id),
                None)
    opened = [_matter(session, kind="case", ref=facts.code, title=facts.title, department_id=facts.lead_department_id,
                      completed_on=on, party_id=facts.applicant_id, item_code=item_code, staff_ids=staff,
                      clerk_id=facts.accepted_by_id, staff_id=lead or facts.accepted_by_id)]
    if facts.target_kind == "bundle":
        opened += [_matter(session, kind="task", ref=str(t.id), title=f"{facts.title} · {t.item_name}",
                           department_id=t.department_id, completed_on=on, party_id=facts.applicant_id,
                           item_code=t.item_code, staff_ids=staff, staff_id=t.assignee_id)
                   for t in facts.tasks if t.status in ("approved", "refused")]
    if facts.applicant_id is not None:
        outbox.notify(session, recipient_id=facts.applicant_id, subject=f"请评价：{facts.title}",
                      body=f"办件 {facts.code} 已办结，欢迎对办理服务作出评价（好差评）", link="/ratings/mine",
                      dedupe_key=f"rating:ask:{facts.code}")
    return len(opened)


def on_application_submitted(session: Session, event) -> int:
    """The "application.submitted" handler: an application the applicant submitted online through the portal
    is a rated 网上办事 (online service) of its lead department — the portal's guidance, forms and shared data,
    rated by its party like any matter. Resubmitted after 一次性告知, it is the same matter (one rating).
    Applications entered at the window or by an assistant are rated as window visits and cases instead."""
    facts = cases.application_facts(session, application_id=int((event.payload or {}).get("id") or 0))
    if facts is None or facts.channel != "online" or facts.applicant_id is None:
        return 0
    on = local_date(facts.submitted_at) if facts.submitted_at else today()
    matter = _matter(session, kind="online", ref=str(facts.id), title=f"网上办事：{facts.title}",
                     department_id=facts.lead_department_id, completed_on=on, party_id=facts.applicant_id,
                     item_code=facts.target_code)
    outbox.notify(session, recipient_id=facts.applicant_id, subject=f"请评价网上办事服务：{facts.title}",
                  body="您的申请已在网上提交，欢迎对网上办事服务作出评价（好差评）",
                  link=f"/ratings/matters/{matter.id}", dedupe_key=f"rating:ask:online:{facts.id}")
    return 1


def open_visit(session: Session, *, actor: Principal, department_id: int, title: str = "窗口服务",
               item_code: str | None = None) -> RatingMatter:
    """A window visit: the clerk opens it and the party rates it on the tablet or through its QR code."""
    if actor.role not in WINDOW_ROLES:
        raise Forbidden("此操作仅限综合窗口人员")
    from onewindow.catalog import service as catalog

    if catalog.department_by_id(session, department_id=department_id) is None:
        raise ValidationFailed.one("所办事项的部门不存在", field="department_id", label="部门")
    token = secrets.token_urlsafe(24)
    return _matter(session, kind="window", ref=token, title=(title or "窗口服务").strip() or "窗口服务",
                   department_id=department_id, completed_on=today(), clerk_id=actor.user_id, item_code=item_code,
                   staff_id=actor.user_id, token=token)


def open_counter_visit(session: Session, *, counter, device: str) -> RatingMatter:
    """A window visit opened by a scan of a counter's standing code (ratings.counters checks the code and the
    device): bound to the counter and the clerk on duty, who is its staff member."""
    token = secrets.token_urlsafe(24)
    return _matter(session, kind="window", ref=token, title=f"{counter.name}服务", department_id=counter.department_id,
                   completed_on=today(), clerk_id=counter.clerk_id, staff_id=counter.clerk_id, token=token,
                   counter_id=counter.id, device=device)


def open_visits(session: Session, *, actor: Principal, clerk_id: int | None = None) -> list[tuple[RatingMatter, str]]:
    """Window visits not yet rated, with their clerk's name, for the printable QR sheet: a clerk sees their
    own, a department's staff their department's, supervisors and admins every window's."""
    stmt = (select(RatingMatter).where(RatingMatter.kind == "window", RatingMatter.rated.is_(False), RatingMatter.token.is_not(None)))
    if actor.role in WINDOW_ROLES:
        stmt = stmt.where(RatingMatter.clerk_id == actor.user_id)
    elif actor.role not in (Role.supervisor, Role.admin):
        if actor.department_id is None:
            raise Forbidden("无权查看窗口评价二维码")
        stmt = stmt.where(RatingMatter.department_id == actor.department_id)
    if clerk_id is not None:
        stmt = stmt.where(RatingMatter.clerk_id == clerk_id)
    matters = session.scalars(stmt.order_by(RatingMatter.clerk_id, RatingMatter.id).limit(500)).all()
    names = accounts.display_names(session, {m.clerk_id for m in matters if m.clerk_id is not None})
    return [(m, names.get(m.clerk_id) or "窗口人员") for m in matters]


# ---------------------------------------------------------------- reading

def get_matter(session: Session, *, actor: Principal | None, matter_id: int) -> RatingMatter:
    matter = session.get(RatingMatter, matter_id)
    if matter is None or actor is None or not _may_read(actor, matter):
        raise NotFound(f"评价事项{matter_id}不存在")
    return matter


def _may_read(actor: Principal, matter: RatingMatter) -> bool:
    if actor.role in (Role.supervisor, Role.admin):
        return True
    if actor.role == Role.applicant:
        return matter.party_id == actor.user_id
    return actor.department_id is not None and actor.department_id == matter.department_id


def matter_by_token(session: Session, *, token: str) -> RatingMatter:
    matter = session.scalar(select(RatingMatter).where(RatingMatter.token == token)) if token else None
    if matter is None:
        raise NotFound("评价二维码无效或已过期")
    return matter


def my_matters(session: Session, *, actor: Principal, page: int = 1, per_page: int = 20) -> Page:
    actor.require(Role.applicant)
    stmt = select(RatingMatter).where(RatingMatter.party_id == actor.user_id).order_by(RatingMatter.id.desc())
    return paginate(session, stmt, page=page, per_page=per_page)


def mine(matter: RatingMatter, actor: Principal | None) -> Rating | None:
    """The actor's own rating of the matter (a visit's one rating, whoever gave it)."""
    if matter.kind == "window":
        return next(iter(matter.ratings), None)
    return next((r for r in matter.ratings if actor and r.rater_id == actor.user_id), None)


# ---------------------------------------------------------------- rating

def _check(level: str, reasons: list[str] | None, comment: str | None) -> tuple[list[str], str]:
    if level not in LEVELS:
        raise ValidationFailed.one("请选择评价等级", field="level", label="评价等级")
    reasons = [r for r in dict.fromkeys(reasons or []) if r]
    if any(r not in REASONS for r in reasons):
        raise ValidationFailed.one("差评原因须从列表中选择", field="reasons", label="差评原因")
    if level in BAD and not reasons:
        raise ValidationFailed.one("不满意或非常不满意时请至少选择一项原因", field="reasons", label="差评原因")
    if level not in BAD:
        reasons = []
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed.one(f"评价内容不能超过 {MAX_COMMENT} 字", field="comment", label="评价内容")
    return reasons, comment


def rate(session: Session, *, actor: Principal | None, matter: RatingMatter, level: str,
         reasons: list[str] | None = None, comment: str | None = None) -> Rating:
    """Rate a matter already reached through its party's access (`get_matter`) or its QR (`matter_by_token`)."""
    if actor is not None and actor.user_id in (matter.staff_ids or []):
        raise Forbidden("工作人员不能评价本人经办的事项")
    if actor is not None and actor.role != Role.applicant:
        raise Forbidden("工作人员不能参与好差评")
    if matter.kind != "window" and (actor is None or matter.party_id != actor.user_id):
        raise NotFound(f"评价事项{matter.id}不存在")  # only the party of the matter rates it
    reasons, comment = _check(level, reasons, comment)
    existing = mine(matter, actor)
    if existing is not None and matter.kind == "window" and existing.rater_id != (actor.user_id if actor else None):
        raise Conflict("本次窗口服务已评价过，每次服务只能评价一次")
    if session.scalar(select(Rating.id).where(Rating.matter_id == matter.id, Rating.is_default.is_(True))):
        raise Conflict("该事项评价期已过，已按默认「基本满意」计入，不能再评价")  # the default stands
    if existing is not None:
        return _change(session, existing, actor=actor, level=level, reasons=reasons, comment=comment)
    return _record(session, matter, by=actor or _anonymous(), rater_id=actor.user_id if actor else None,
                   rater_name=actor.display_name if actor else "", level=level, reasons=reasons, comment=comment,
                   real_name=actor is not None)


def _record(session: Session, matter: RatingMatter, *, by: Principal, rater_id: int | None, rater_name: str,
            level: str, reasons: list[str], comment: str, real_name: bool) -> Rating:
    """Write a rating, audited; a real-name 差评 opens its callback (差评必回访)."""
    rating = Rating(matter_id=matter.id, rater_id=rater_id, rater_name=rater_name, level=level, reasons=reasons,
                    comment=comment, is_default=False, real_name=real_name, excluded=False, rated_on=today(),
                    created_at=utcnow(), version=1)
    session.add(rating)
    matter.rated = True
    session.flush()
    if rating not in matter.ratings:
        matter.ratings.append(rating)
    audit.record(session, actor=by, action="rating.rate", entity_type="rating", entity_id=rating.id,
                 after={"matter": f"{matter.kind}:{matter.id}", "level": level, "reasons": reasons})
    if level in BAD and rating.real_name:
        from onewindow.ratings import followup

        followup.open_callback(session, rating=rating)
    return rating


# 12345 回访's three answers are three of the five 好差评 levels.
CALLBACK_LEVELS = {"satisfied": "satisfied", "basic": "basic", "unsatisfied": "unsatisfied"}


def on_demand_closed(session: Session, event) -> int:
    """The "demand.closed" handler: a demand's handling is a rated matter of its lead unit. The callback's
    satisfaction — asked of the filer in the agent's call, so real-name — is its rating, and a 不满意 is a
    差评 with its callback and rectification like any other. Closed without a callback (直办, timeout), a filer
    with an account may rate it under 我的评价, and the default applies after the usual days."""
    p = event.payload or {}
    code = p.get("code") or str(event.entity_id)
    # Who handled it: the staff member who gave the (last) reply, as its "demand.replied" event records.
    replied = events.last_payload(session, name="demand.replied", entity_type="demand", entity_id=code) or {}
    handler = replied.get("actor_id")
    matter = _matter(session, kind="demand", ref=code, title=f"12345诉求 {code} {p.get('subject') or ''}".strip(),
                     department_id=p.get("department_id"), completed_on=today(), party_id=p.get("filer_user_id"),
                     staff_id=handler)
    level = CALLBACK_LEVELS.get(p.get("satisfaction") or "")
    if level is None or matter.rated or matter.department_id is None:
        return 1
    _record(session, matter, by=SYSTEM, rater_id=p.get("filer_user_id"), rater_name="诉求人（12345回访）", level=level,
            reasons=["其他"] if level in BAD else [], real_name=True,
            comment="回访时表示问题已解决" if p.get("resolved") else "回访时表示问题未解决")
    return 1


def _anonymous() -> Principal:
    return Principal(user_id=None, username="anonymous", display_name="扫码评价人", role=Role.applicant)


def _change(session: Session, rating: Rating, *, actor: Principal | None, level: str, reasons: list[str],
            comment: str) -> Rating:
    hours = get_settings().rating_change_hours
    if utcnow() - rating.created_at > timedelta(hours=hours):
        raise Conflict(f"您已评价过该事项，每件事项只能评价一次（评价后 {hours} 小时内可修改，现已超过）")
    from onewindow.ratings.models import Callback

    if session.scalar(select(Callback.id).where(Callback.rating_id == rating.id)) is not None:
        raise Conflict("该差评已转回访整改，不能再修改评价")
    before = {"level": rating.level, "reasons": rating.reasons, "comment": rating.comment}
    rating.level, rating.reasons, rating.comment, rating.changed_at = level, reasons, comment, utcnow()
    session.flush()
    audit.record(session, actor=actor or _anonymous(), action="rating.change", entity_type="rating",
                 entity_id=rating.id, before=before, after={"level": level, "reasons": reasons, "comment": comment})
    if level in BAD and rating.real_name:
        from onewindow.ratings import followup

        followup.open_callback(session, rating=rating)
    return rating


def apply_defaults(session: Session, *, on: date | None = None, limit: int = 5000) -> int:
    """Matters unrated when their period ends are rated 基本满意 by default (marked so in every statistic)."""
    on = on or today()
    due = session.scalars(select(RatingMatter).where(RatingMatter.rated.is_(False), RatingMatter.default_due_on <= on)
                          .order_by(RatingMatter.id).limit(limit)).all()
    for matter in due:
        session.add(Rating(matter_id=matter.id, rater_id=None, rater_name="", level=DEFAULT_LEVEL, reasons=[],
                           comment="", is_default=True, real_name=False, excluded=False, rated_on=matter.default_due_on,
                           created_at=utcnow(), version=1))
        matter.rated = True
    if due:
        session.flush()
        audit.record(session, actor=SYSTEM, action="rating.default", entity_type="rating", entity_id="batch",
                     after={"matters": [m.id for m in due][:200], "count": len(due), "on": str(on)})
    return len(due)


def list_ratings(session: Session, *, actor: Principal, department_id: int | None = None,
                 item_code: str | None = None, clerk_id: int | None = None, staff_id: int | None = None,
                 unassigned: bool = False, level: str | None = None,
                 start: date | None = None, end: date | None = None, bad: bool = False, kind: str | None = None,
                 page: int = 1, per_page: int = 20) -> Page:
    """The drill-down behind every statistic: the supervisor sees all, a department its own."""
    stmt = select(Rating).join(RatingMatter, Rating.matter_id == RatingMatter.id)
    if actor.role not in (Role.supervisor, Role.admin):
        if actor.department_id is None:
            raise Forbidden("评价明细仅限营商环境局/督查及相关部门查看")
        stmt = stmt.where(RatingMatter.department_id == actor.department_id)
    if department_id is not None:
        stmt = stmt.where(RatingMatter.department_id == department_id)
    if item_code:
        stmt = stmt.where(RatingMatter.item_code == item_code)
    if clerk_id is not None:
        stmt = stmt.where(RatingMatter.clerk_id == clerk_id)
    if staff_id is not None:
        stmt = stmt.where(RatingMatter.staff_id == staff_id)
    elif unassigned:  # the statistics' 未指定 line of the staff dimension
        stmt = stmt.where(RatingMatter.staff_id.is_(None))
    if kind:
        stmt = stmt.where(RatingMatter.kind == kind)
    if level:
        stmt = stmt.where(Rating.level == level)
    if bad:
        stmt = stmt.where(Rating.level.in_(BAD))
    if start:
        stmt = stmt.where(Rating.rated_on >= start)
    if end:
        stmt = stmt.where(Rating.rated_on <= end)
    return paginate(session, stmt.order_by(Rating.id.desc()), page=page, per_page=per_page)


def get_rating(session: Session, *, actor: Principal, rating_id: int) -> Rating:
    rating = session.get(Rating, rating_id)
    if rating is None:
        raise NotFound(f"评价{rating_id}不存在")
    m = rating.matter
    if actor.role in (Role.supervisor, Role.admin) or (actor.role == Role.applicant and rating.rater_id == actor.user_id) \
            or (actor.department_id is not None and actor.department_id == m.department_id
                and actor.role != Role.applicant):
        return rating
    raise NotFound(f"评价{rating_id}不存在")


# The follow-up of 差评 (callbacks, appeals) is part of the public face too.
# Window counters and their standing codes (counters.py) too.
from onewindow.ratings.counters import (  # noqa: E402
    counter_by_code,
    create_counter,
    leave_duty,
    list_counters,
    take_duty,
    visit_from_scan,
    void_codes,
)
from onewindow.ratings.followup import (  # noqa: E402
    confirm,
    decide_appeal,
    file_appeal,
    get_appeal,
    get_callback,
    list_appeals,
    list_callbacks,
    my_callbacks,
    record_callback,
)

__all__ = [
    "measure_providers","apply_defaults", "confirm", "decide_appeal", "file_appeal", "get_appeal", "get_callback", "get_matter",
           "get_rating", "list_appeals", "list_callbacks", "list_ratings", "matter_by_token", "mine", "my_callbacks",
           "my_matters", "on_application_submitted", "open_counter_visit", "counter_by_code", "create_counter",
           "leave_duty", "list_counters", "take_duty", "visit_from_scan", "void_codes", "on_case_completed", "on_demand_closed", "open_visit", "open_visits", "rate", "record_callback"]



def measure_providers() -> list:
    """What ratings offers the indicators (common.measures)."""
    from onewindow.ratings.measures import PROVIDER

    return [PROVIDER]
