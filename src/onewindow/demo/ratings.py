"""The demo city's 好差评 (fixed seed): ratings of its completed cases and of 60 window visits over the last
three months, a few defaulted after 7 days, four window counters with their standing codes, and real-name 差评 whose callbacks and rectifications stand in
every state (待回访, 整改中, 待验收, 已销号 and confirmed), plus one appeal waiting for the supervisor."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.accounts import service as accounts
from onewindow.accounts.models import User
from onewindow.catalog import service as catalog
from onewindow.common import events
from onewindow.common.time import today
from onewindow.ratings import service as ratings
from onewindow.ratings.models import Callback, Rating, RatingMatter
from onewindow.rectification import service as rectification

SEED = 2026
LEVELS = (("very_satisfied", 55), ("satisfied", 25), ("basic", 12), ("unsatisfied", 5), ("very_unsatisfied", 3))
VISITS = (("SCJGJ", "企业登记咨询"), ("SWJ", "发票申领"), ("RSJ", "社保参保登记"), ("GAJ", "户籍证明"),
          ("ZJJ", "施工许可咨询"))
# (department, visit title, level, reasons, how far it got): the real-name 差评 the demo follows up
BAD = (("SWJ", "发票申领", "unsatisfied", ["等候时间过长"], "pending"),
       ("RSJ", "社保参保登记", "very_unsatisfied", ["服务态度差"], "rectifying"),
       ("SCJGJ", "企业登记咨询", "unsatisfied", ["一次性告知不到位", "多次跑腿"], "submitted"),
       ("SWJ", "税务登记", "unsatisfied", ["办事流程繁琐"], "closed"),
       ("RSJ", "失业登记", "unsatisfied", ["材料要求不合理"], "appeal"))
STAFF = {"SCJGJ": "approver_scjg", "SWJ": "approver_sw", "RSJ": "approver_rs"}
COUNTERS = (("SCJGJ", "1号窗口"), ("SWJ", "2号窗口"), ("GAJ", "3号窗口"), ("RSJ", "4号窗口"))


def _user(session: Session, username: str):
    return accounts.principal_for(session.scalar(select(User).where(User.username == username)))


def load_ratings(session: Session) -> int:
    """Load once (a second run finds the visits and changes nothing); the number of ratings held."""
    if session.scalar(select(RatingMatter.id).where(RatingMatter.kind == "window").limit(1)) is not None:
        return session.query(Rating).count()
    from onewindow.domains import registry

    # the completed demo cases become rateable the ordinary way: their "case.completed" events
    events.dispatch(session, registry().event_handlers(), only="ratings.open_matters")
    rng = random.Random(SEED)
    clerk, citizen, applicant = _user(session, "clerk"), _user(session, "citizen"), _user(session, "applicant")
    supervisor = _user(session, "supervisor")
    on = today()
    for matter in session.scalars(select(RatingMatter).where(RatingMatter.party_id == applicant.user_id)):
        ratings.rate(session, actor=applicant, matter=matter, level="very_satisfied", comment="办理很快，一次办好")
    depts = {code: catalog.department_id(session, code=code) for code, _ in VISITS}
    levels, weights = zip(*LEVELS, strict=True)
    for n in range(60):
        code, title = VISITS[n % len(VISITS)]
        visit = ratings.open_visit(session, actor=clerk, department_id=depts[code], title=title)
        days_ago = rng.randrange(0, 90)
        visit.completed_on = on - timedelta(days=days_ago)
        visit.default_due_on = visit.completed_on + timedelta(days=7)
        if n % 12 == 11:
            continue  # left unrated: older ones are defaulted below
        level = rng.choices(levels, weights)[0]
        reasons = [rng.choice(("等候时间过长", "办事流程繁琐", "其他"))] if level in ("unsatisfied", "very_unsatisfied") else []
        rating = ratings.rate(session, actor=None, matter=visit, level=level, reasons=reasons)  # anonymous QR
        rating.rated_on = visit.completed_on
    ratings.apply_defaults(session, on=on)
    # The service hall's counters with their standing rating codes; the demo clerk is on duty at 1号窗口.
    for code, name in COUNTERS:
        counter = ratings.create_counter(session, actor=supervisor, department_id=depts[code], name=name)
        if name == "1号窗口":
            ratings.take_duty(session, actor=clerk, counter_id=counter.id)
    for code, title, level, reasons, stage in BAD:
        visit = ratings.open_visit(session, actor=clerk, department_id=catalog.department_id(session, code=code),
                                   title=title)
        rating = ratings.rate(session, actor=citizen, matter=visit, level=level, reasons=reasons,
                              comment="希望改进")
        staff = _user(session, STAFF[code])
        if stage == "appeal":
            ratings.file_appeal(session, actor=staff, rating_id=rating.id,
                                 reason="该事项不属本部门办理，评价人误选部门，窗口录像可证")
            continue
        cb = session.scalar(select(Callback).where(Callback.rating_id == rating.id))
        if stage == "pending":
            continue
        ratings.record_callback(session, actor=staff, callback_id=cb.id, note="已电话回访评价人，情况属实")
        if stage == "rectifying":
            rectification.add_progress(session, actor=staff, item_id=cb.rectification_id, text="已约谈窗口人员，开展服务规范培训")
            continue
        rectification.submit_evidence(session, actor=staff, item_id=cb.rectification_id,
                                      text="增设引导岗，推行一次性告知清单", file=("整改报告.pdf", b"%PDF-1.4\n% demo\n"))
        if stage == "closed":
            rectification.accept(session, actor=supervisor, item_id=cb.rectification_id, text="整改到位，同意销号")
            events.dispatch(session, registry().event_handlers(), only="ratings.rectified")
            ratings.confirm(session, actor=citizen, callback_id=cb.id, satisfied=True, comment="改进明显，满意")
    session.flush()
    return session.query(Rating).count()
