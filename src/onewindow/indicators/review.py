"""审议意见: opinions of the people's congress (or a review visit) recorded, split into problems, each
assigned to a unit as a 整改事项 in the rectification ledger; the closing report reads the ledger back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common import audit
from onewindow.common.errors import ErrorCollector, NotFound
from onewindow.common.security import Principal
from onewindow.common.time import today
from onewindow.indicators import service as S
from onewindow.indicators.models import ReviewOpinion, ReviewProblem
from onewindow.rectification import service as rectification

SOURCES = ("人大审议", "政协视察", "督查回访")
MAX_PROBLEMS = 30


def record(session: Session, *, actor: Principal, title: str, source: str, received_on: date | None, text: str,
           problems: list[tuple[str, int | None]], limit_days: int | None = None) -> ReviewOpinion:
    """Record an opinion with its problems (text, responsible department): all or nothing."""
    S.require_supervisor(actor)
    errors = ErrorCollector()
    title = (title or "").strip()
    if not title or len(title) > 200:
        errors.add("请填写标题（不超过200字）", field="title", label="标题")
    if source not in SOURCES:
        errors.add(f"来源须为{'、'.join(SOURCES)}之一", field="source", label="来源")
    problems = [(t.strip(), d) for t, d in problems if (t or "").strip() or d]
    if not problems:
        errors.add("请至少填写一个问题及其责任单位", field="problems", label="问题")
    if len(problems) > MAX_PROBLEMS:
        errors.add(f"问题不能超过{MAX_PROBLEMS}个", field="problems", label="问题")
    for i, (t, d) in enumerate(problems, start=1):
        if not t or len(t) > 2000:
            errors.add(f"第{i}个问题须填写内容（不超过2000字）", field=f"problem_{i}", label="问题")
        if d is None or catalog.department_by_id(session, department_id=d) is None:
            errors.add(f"第{i}个问题须选择存在的责任单位", field=f"department_{i}", label="责任单位")
    errors.raise_if_any("审议意见未登记")
    opinion = ReviewOpinion(title=title, source=source, received_on=received_on or today(), text=(text or "")[:20000],
                            recorded_by=actor.display_name or "")
    session.add(opinion)
    session.flush()
    for i, (t, d) in enumerate(problems, start=1):
        ref = rectification.open_item(session, source_kind="review", source_ref=f"{opinion.id}:{i}",
                                      title=f"{title}：{t}"[:200], department_id=d, actor=actor,
                                      limit_days=limit_days)
        session.add(ReviewProblem(opinion_id=opinion.id, text=t, department_id=d, rectification_id=ref.id))
    session.flush()
    session.refresh(opinion)
    audit.record(session, actor=actor, action="review_opinion.record", entity_type="review_opinion",
                 entity_id=opinion.id, after={"title": title, "problems": len(problems)})
    return opinion


def list_opinions(session: Session, *, actor: Principal) -> list[ReviewOpinion]:
    S.require_supervisor(actor)
    return list(session.scalars(select(ReviewOpinion).order_by(ReviewOpinion.received_on.desc(), ReviewOpinion.id)))


@dataclass(frozen=True)
class ProblemLine:
    text: str
    unit: str
    item_id: int | None
    status: str
    deadline: date | None
    closed_on: date | None
    on_time: bool


def closing_report(session: Session, *, actor: Principal, opinion_id: int) -> tuple[ReviewOpinion, list[ProblemLine], int]:
    """(opinion, its problems with their 整改 state, how many closed): the 办理情况报告."""
    S.require_supervisor(actor)
    opinion = session.get(ReviewOpinion, opinion_id)
    if opinion is None:
        raise NotFound(f"审议意见{opinion_id}不存在")
    names = catalog.departments_by_id(session, ids={p.department_id for p in opinion.problems})
    lines = []
    for p in opinion.problems:
        ref = rectification.item_ref(session, item_id=p.rectification_id) if p.rectification_id else None
        lines.append(ProblemLine(p.text, names[p.department_id].name if p.department_id in names else "—",
                                 p.rectification_id, ref.status_label if ref else "—", ref.deadline if ref else None,
                                 ref.closed_on if ref else None, bool(ref and ref.on_time)))
    return opinion, lines, sum(1 for x in lines if x.closed_on)
