"""好差评 from the completed case to the rater's confirmation (#12.1, #12.2, #12.6)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from onewindow.calendar.sweep import sweep
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.models import AuditRecord, OutboxMessage
from onewindow.common.time import today
from onewindow.ratings import followup
from onewindow.ratings import service as ratings
from onewindow.ratings.deadlines import SOURCES
from onewindow.ratings.models import Rating, RatingMatter
from onewindow.rectification import service as rectification
from tests.ratings.conftest import dispatch, matter_of


def test_completed_case_opens_matters_per_case_and_task_and_asks_the_applicant(session, world, completed):
    kinds = sorted(m.kind for m in session.scalars(select(RatingMatter)))
    assert kinds == ["case", "online", "task", "task", "task", "task"]  # online: its submission through the portal
    task_matter = matter_of(session, completed, "task", "T-GA-0001")
    assert task_matter.department_id == next(t.department_id for t in completed.tasks if t.item_code == "T-GA-0001")
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == world.applicant.user_id,
                                                      OutboxMessage.subject.contains("请评价")))
    dispatch(session)  # a second run of the handlers opens nothing twice
    assert session.query(RatingMatter).count() == 6


def test_bad_rating_is_called_back_rectified_closed_and_confirmed(session, world, completed):
    matter = matter_of(session, completed, "task", "T-RS-0001")
    with pytest.raises(ValidationFailed):  # a 差评 names a reason from the list
        ratings.rate(session, actor=world.applicant, matter=matter, level="unsatisfied")
    rating = ratings.rate(session, actor=world.applicant, matter=matter, level="unsatisfied",
                          reasons=["等候时间过长"], comment="排队两个小时")
    session.commit()
    cb = session.scalar(select(followup.Callback).where(followup.Callback.rating_id == rating.id))
    assert cb.status == "pending" and cb.deadline > today()
    rs = world.inspector  # the RSJ department
    with pytest.raises(NotFound):  # another department cannot see it
        followup.get_callback(session, actor=world.approvers["GAJ"], callback_id=cb.id)
    followup.record_callback(session, actor=rs, callback_id=cb.id, note="已电话回访，属实")
    session.commit()
    assert cb.status == "rectifying" and cb.rectification_id is not None
    with pytest.raises(NotFound):
        rectification.get_item(session, actor=world.approvers["GAJ"], item_id=cb.rectification_id)
    rectification.submit_evidence(session, actor=rs, item_id=cb.rectification_id, text="增开窗口，实行预约",
                                  file=("整改报告.pdf", b"%PDF-1.4 r"))
    rectification.accept(session, actor=world.supervisor, item_id=cb.rectification_id)
    session.commit()
    dispatch(session)  # "rectification.closed" → the rater is told
    session.refresh(cb)
    assert cb.status == "told"
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == world.applicant.user_id,
                                                      OutboxMessage.subject.contains("已整改完毕")))
    with pytest.raises(Forbidden):
        followup.confirm(session, actor=rs, callback_id=cb.id, satisfied=True)
    followup.confirm(session, actor=world.applicant, callback_id=cb.id, satisfied=True, comment="满意")
    session.commit()
    assert cb.status == "satisfied" and cb.confirmed_at is not None


def test_an_overdue_callback_is_swept(session, world, completed):
    matter = matter_of(session, completed, "case")
    rating = ratings.rate(session, actor=world.applicant, matter=matter, level="very_unsatisfied",
                          reasons=["办理超时"])
    cb = session.scalar(select(followup.Callback).where(followup.Callback.rating_id == rating.id))
    report = sweep(session, sources=SOURCES, today=cb.deadline + timedelta(days=3))
    assert report.of("ratings.callbacks")["overdue"] == 1 and cb.sla_state == "overdue"
    # 督办 with recipients: the responsible department's staff and the supervisor, by name, once.
    sweep(session, sources=SOURCES, today=cb.deadline + timedelta(days=4))
    notices = session.scalars(select(OutboxMessage).where(
        OutboxMessage.dedupe_key.startswith(f"rating_callback:supervise:{cb.id}:"))).all()
    recipients = {n.recipient_id for n in notices}
    assert world.supervisor.user_id in recipients and None not in recipients and len(recipients) == len(notices) >= 2
    assert all(n.department_id == cb.department_id and n.subject.startswith("【督办】差评回访超期") for n in notices)


def test_only_the_party_rates_and_staff_never_their_own(session, world, completed):
    matter = matter_of(session, completed, "case")
    with pytest.raises(NotFound):
        ratings.rate(session, actor=world.other_applicant, matter=matter, level="satisfied")
    with pytest.raises(Forbidden):  # the clerk who accepted it
        ratings.rate(session, actor=world.clerk, matter=matter, level="very_satisfied")
    with pytest.raises(NotFound):
        ratings.get_matter(session, actor=world.other_applicant, matter_id=matter.id)
    visit = ratings.open_visit(session, actor=world.clerk, department_id=matter.department_id)
    with pytest.raises(Forbidden):
        ratings.rate(session, actor=world.clerk, matter=visit, level="very_satisfied")
    assert ratings.rate(session, actor=None, matter=ratings.matter_by_token(session, token=visit.token),
                        level="satisfied").real_name is False


def test_a_change_within_the_window_replaces_and_a_second_later_is_refused(session, world, completed):
    matter = matter_of(session, completed, "case")
    first = ratings.rate(session, actor=world.applicant, matter=matter, level="basic")
    again = ratings.rate(session, actor=world.applicant, matter=matter, level="very_satisfied")
    session.commit()
    assert again.id == first.id and again.level == "very_satisfied" and again.changed_at is not None
    assert session.query(Rating).filter(Rating.matter_id == matter.id).count() == 1
    change = session.scalar(select(AuditRecord).where(AuditRecord.action == "rating.change"))
    assert json.loads(change.before)["level"] == "basic" and json.loads(change.after)["level"] == "very_satisfied"
    first.created_at -= timedelta(hours=25)  # the change window (24 hours) has passed
    session.commit()
    with pytest.raises(Conflict, match="只能评价一次"):
        ratings.rate(session, actor=world.applicant, matter=matter, level="unsatisfied", reasons=["其他"])


def test_unrated_matters_become_basic_by_default_after_the_period(session, world, completed):
    matter = matter_of(session, completed, "case")
    ratings.rate(session, actor=world.applicant, matter=matter, level="satisfied")
    assert ratings.apply_defaults(session, on=today() + timedelta(days=6)) == 0
    assert ratings.apply_defaults(session, on=today() + timedelta(days=7)) == 5  # the four tasks, the online service
    defaults = session.scalars(select(Rating).where(Rating.is_default.is_(True))).all()
    assert {r.level for r in defaults} == {"basic"} and all(r.rater_id is None for r in defaults)
    assert ratings.apply_defaults(session, on=today() + timedelta(days=30)) == 0
    task = matter_of(session, completed, "task", "T-GA-0001")
    with pytest.raises(Conflict, match="默认"):
        ratings.rate(session, actor=world.applicant, matter=task, level="very_satisfied")


def test_backfilled_completions_open_no_matters(session, world):
    from types import SimpleNamespace

    assert ratings.on_case_completed(session, SimpleNamespace(entity_id="BJ-none", payload={"backfilled": True})) == 0
