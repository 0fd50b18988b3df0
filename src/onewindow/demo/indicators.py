"""Twelve months of the demo city's history for the indicators (fixed seed): completed and overdue cases
per department and item, their ratings, then every month and quarter computed, the closed periods
published, and the last 月调度 and 季通报 generated and published (off-target units get 整改事项).

Bulk rows like the other loaders (the history happened before the demo started); everything after —
computation, publishing, reports — goes through the indicators' ordinary services. Loading twice
changes nothing."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.accounts.models import User
from onewindow.cases.models import Application, Case
from onewindow.catalog.models import ServiceItem
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from onewindow.common.time import SHANGHAI, today
from onewindow.indicators import periods as P
from onewindow.indicators import reports
from onewindow.indicators import service as indicators
from onewindow.ratings.models import Rating, RatingMatter

SEED = 14
PREFIX = "LS"  # 历史办件 codes: LS202601-0001
PER_MONTH = 160


def _history(session: Session, rng: random.Random) -> int:
    items = session.execute(select(ServiceItem.code, ServiceItem.name, ServiceItem.department_id,
                                   ServiceItem.promised_limit_days).where(ServiceItem.status == "published")).all()
    applicant = session.scalar(select(User.id).where(User.role == Role.applicant).limit(1)) or \
        session.scalar(select(User.id).limit(1))
    if not items or applicant is None:
        return 0
    now = today()
    n = 0
    for back, month in enumerate(reversed(P.months_back(now, 13)[:-1]), start=1):
        month_start = P.bounds(month)[0]
        skill = 0.85 + 0.012 * (12 - back)  # the city gets better month by month
        for _ in range(PER_MONTH):
            code, name, dept, limit = rng.choice(items)
            accepted = month_start + timedelta(days=rng.randrange(0, 27))
            online = rng.random() < skill
            app = Application(created_by_id=applicant, channel="online" if online else "window",
                              subject_kind="enterprise", subject_key=f"9114990{n:011d}"[:18],
                              subject_name=f"示范市历史企业{n % 97 + 1}", target_kind="item", target_code=code,
                              title=name, plan={}, status="accepted",
                              created_at=datetime.combine(accepted, datetime.min.time(), SHANGHAI))
            session.add(app)
            session.flush()
            late = rng.random() > skill + 0.08
            took = max(0, (limit or 1) + (rng.randrange(1, 5) if late else -rng.randrange(0, max(limit, 1))))
            done = datetime.combine(accepted + timedelta(days=took), datetime.min.time(), SHANGHAI) + timedelta(hours=15)
            n += 1
            case = Case(code=f"{PREFIX}{accepted:%Y%m}-{n:05d}", application_id=app.id, title=name,
                        lead_department_id=dept, status="completed", acceptance_mode="normal",
                        accepted_at=datetime.combine(accepted, datetime.min.time(), SHANGHAI) + timedelta(hours=10),
                        accepted_on=accepted, limit_days=limit, sla_state="overdue" if late else "normal",
                        completed_at=done, delivery_method="mail" if online and rng.random() < 0.6 else "window")
            session.add(case)
            matter = RatingMatter(kind="case", ref=case.code, title=name, department_id=dept, item_code=code,
                                  completed_on=done.date(), default_due_on=done.date() + timedelta(days=7), rated=True,
                                  staff_ids=[])
            session.add(matter)
            session.flush()
            level = rng.choices(("very_satisfied", "satisfied", "basic", "unsatisfied"),
                                (60, 25, 12, 3 if not late else 15))[0]
            session.add(Rating(matter_id=matter.id, level=level, real_name=level == "unsatisfied", reasons=[],
                               rated_on=done.date(), rater_name="示范企业"))
    session.flush()
    return n


def load_indicators(session: Session) -> tuple[int, int]:
    """The history, computed and published: (historical cases added now, figures held)."""
    added = 0
    if session.scalar(select(Case.id).where(Case.code.like(f"{PREFIX}%")).limit(1)) is None:
        added = _history(session, random.Random(SEED))
    indicators.ensure_builtin(session)
    now = today()
    months = P.months_back(now, 13)
    quarters = sorted({P.quarter_of(P.bounds(m)[0]) for m in months})
    indicators.compute_periods(session, actor=SYSTEM, periods=months + quarters)
    for period in months[:-1] + [q for q in quarters if q != P.quarter_of(now)]:
        if not indicators.is_published(session, period=period):
            indicators.publish_period(session, actor=SYSTEM, period=period)
    last_month, last_quarter = months[-2], P.previous(P.quarter_of(now))
    for kind, period in (("monthly", P.previous(last_month)), ("monthly", last_month), ("quarterly", last_quarter)):
        existing = [r for r in reports.list_reports(session) if r.kind == kind and r.period == period]
        if not existing:
            r = reports.generate(session, actor=SYSTEM, kind=kind, period=period)
            reports.publish(session, actor=SYSTEM, report_id=r.id)
    return added, len(indicators.figures(session))
