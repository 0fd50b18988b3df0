"""Applications and cases move through the one transition mechanism (#10.1): each move only from the
states declared for it (a 409 in Chinese otherwise), a stale version is a 409 that writes nothing, and
every move leaves one audit record and one domain event in its transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from onewindow.cases import service
from onewindow.cases.api import application_out
from onewindow.cases.models import Application
from onewindow.cases.states import APPLICATION, CASE, ApplicationStatus
from onewindow.common.errors import Conflict
from onewindow.common.models import AuditRecord, DomainEvent
from tests.cases.helpers import FORM, UPLOADS, approve, submitted_bundle
from tests.cases.test_authorisation import browser
from tests.conftest import csrf


def _events(session, app_id: int, name: str) -> int:
    return session.scalar(select(func.count()).select_from(DomainEvent).where(
        DomainEvent.name == name, DomainEvent.entity_type == "application", DomainEvent.entity_id == str(app_id)))


def _audits(session, app_id: int, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == action, AuditRecord.entity_type == "application",
        AuditRecord.entity_id == str(app_id)))


def _status(session, app_id: int) -> tuple[str, int]:
    session.expire_all()
    row = session.get(Application, app_id)
    return row.status, row.version


def _draft(session, w):
    from tests.cases.conftest import PDF

    app = service.start_application(session, actor=w.applicant, target_kind="bundle", target_code="T-YJS-KB",
                                    subject_kind="person", subject_key=w.person_key)
    service.save_form(session, actor=w.applicant, application_id=app.id,
                      form_data={**FORM, "legal_person_id_number": w.person_key})
    for code in UPLOADS:
        service.upload_material(session, actor=w.applicant, application_id=app.id, material_code=code,
                                filename=f"{code}.pdf", content=PDF, content_type="application/pdf")
    session.commit()
    return app


def test_issue10_every_application_move_writes_its_state_one_audit_record_and_one_event(session, world):
    app = _draft(session, world)
    service.submit(session, actor=world.applicant, application_id=app.id)
    assert _status(session, app.id)[0] == "submitted"
    service.send_notice(session, actor=world.clerk, application_id=app.id, items=["补充住所使用证明"])
    assert _status(session, app.id)[0] == "returned"
    service.submit(session, actor=world.applicant, application_id=app.id)  # resubmitted after the notice
    row = session.get(Application, app.id)
    assert row.status == "submitted" and row.notice == ["补充住所使用证明"]  # the window checks against it
    case = service.accept(session, actor=world.clerk, application_id=app.id)
    session.commit()
    assert _status(session, app.id)[0] == "accepted"
    for name, action, n in (("application.submitted", "application.submit", 2),
                            ("application.returned", "application.notice", 1),
                            ("application.accepted", "application.accept", 1)):
        assert _events(session, app.id, name) == n, name
        assert _audits(session, app.id, action) == n, action
    accepted = session.scalar(select(DomainEvent).where(DomainEvent.name == "application.accepted",
                                                        DomainEvent.entity_id == str(app.id)))
    assert accepted.payload["from"] == "submitted" and accepted.payload["case_code"] == case.code

    other = submitted_bundle(session, world, key="submit-key-0002")
    service.refuse_application(session, actor=world.clerk, application_id=other.id, reason="不属于本窗口受理范围")
    session.commit()
    assert _status(session, other.id)[0] == "refused"
    assert _events(session, other.id, "application.refused") == 1
    assert _audits(session, other.id, "application.refuse") == 1


@pytest.mark.parametrize("move", ["accept", "notice", "refuse"])
def test_issue10_a_window_move_on_a_draft_is_a_409_in_chinese_and_writes_nothing(session, world, move):
    app = _draft(session, world)
    with pytest.raises(Conflict, match="申请当前为「草稿」，不能执行此操作") as e:
        _window(session, world, move, app.id)
    assert e.value.status_code == 409
    assert _status(session, app.id) == ("draft", app.version)
    assert session.scalar(select(func.count()).select_from(DomainEvent).where(
        DomainEvent.entity_type == "application", DomainEvent.entity_id == str(app.id))) == 0


def _window(session, w, move, app_id, version=None):
    if move == "accept":
        return service.accept(session, actor=w.clerk, application_id=app_id, version=version)
    if move == "notice":
        return service.send_notice(session, actor=w.clerk, application_id=app_id, items=["补正"], version=version)
    return service.refuse_application(session, actor=w.clerk, application_id=app_id, reason="理由", version=version)


@pytest.mark.parametrize("first,then,label", [
    ("accept", "refuse", "已受理"), ("accept", "notice", "已受理"), ("accept", "accept", "已受理"),
    ("refuse", "accept", "不予受理"), ("refuse", "notice", "不予受理"),
    ("notice", "accept", "退回补齐（一次性告知）"), ("notice", "refuse", "退回补齐（一次性告知）"),
])
def test_issue10_a_decided_application_refuses_every_further_window_move(session, world, first, then, label):
    app = submitted_bundle(session, world)
    _window(session, world, first, app.id)
    session.commit()
    with pytest.raises(Conflict, match=f"申请当前为「{label}」，不能执行此操作"):
        _window(session, world, then, app.id)


def test_issue10_submitting_again_is_a_409_unless_the_same_key_retries(session, world):
    app = submitted_bundle(session, world, key="submit-key-0003")
    again = service.submit(session, actor=world.applicant, application_id=app.id, idempotency_key="submit-key-0003")
    assert again.id == app.id and _events(session, app.id, "application.submitted") == 1
    with pytest.raises(Conflict, match="申请当前为「待受理」，不能执行此操作"):
        service.submit(session, actor=world.applicant, application_id=app.id)


def test_issue10_a_stale_version_is_a_409_and_the_application_stays_as_it_was(session, world):
    app = _draft(session, world)
    seen = app.version
    service.save_form(session, actor=world.applicant, application_id=app.id, form_data={"seal_count": "3"})
    session.commit()
    with pytest.raises(Conflict, match=APPLICATION.stale):
        service.submit(session, actor=world.applicant, application_id=app.id, version=seen)
    session.rollback()
    assert _status(session, app.id)[0] == "draft"
    service.submit(session, actor=world.applicant, application_id=app.id, version=_status(session, app.id)[1])
    session.commit()
    status, now = _status(session, app.id)
    for move in ("accept", "notice", "refuse"):  # the clerk's page showed an older version
        with pytest.raises(Conflict, match=APPLICATION.stale):
            _window(session, world, move, app.id, version=now - 1)
        session.rollback()
    assert _status(session, app.id) == ("submitted", now)
    assert _events(session, app.id, "application.accepted") == 0
    service.accept(session, actor=world.clerk, application_id=app.id, version=now)
    session.commit()
    assert _status(session, app.id)[0] == "accepted"


def test_issue10_the_window_page_sends_the_version_it_showed(client, session, world):
    app = submitted_bundle(session, world)
    clerk = browser(client, world.clerk)
    html = clerk.get(f"/applications/{app.id}").text
    assert f'name="version" value="{app.version}"' in html
    stale = {"csrf_token": csrf(html), "mode": "normal", "version": str(app.version - 1)}
    r = clerk.post(f"/applications/{app.id}/accept", data=stale, follow_redirects=True)
    assert APPLICATION.stale in r.text
    assert _status(session, app.id)[0] == "submitted"
    r = clerk.post(f"/applications/{app.id}/accept", data={**stale, "version": str(app.version)},
                   follow_redirects=True)
    assert "已受理" in r.text and _status(session, app.id)[0] == "accepted"


def test_issue10_labels_shown_come_from_the_states(session, world):
    app = submitted_bundle(session, world)
    assert APPLICATION.label(app.status) == ApplicationStatus.submitted.label == "待受理"
    assert application_out(session, app, world.applicant)["status"] == "submitted"
    assert CASE.label("completed") == "已办结"


def test_issue10_a_completed_case_cannot_complete_again(session, world):
    from tests.cases.helpers import accepted_case

    case = accepted_case(session, world)
    for code in ("T-SCJG-0001", "T-GA-0001", "T-SW-0001", "T-RS-0001"):
        approve(session, world, case, code)
    session.expire_all()
    case = service.get_case(session, actor=world.supervisor, code=case.code)
    assert case.status == "completed"
    assert session.scalar(select(func.count()).select_from(DomainEvent).where(
        DomainEvent.name == "case.completed", DomainEvent.entity_id == case.code)) == 1
    from onewindow.cases.approval import complete

    with pytest.raises(Conflict, match="办件当前为「已办结」，不能执行此操作"):
        complete(session, case=case, actor=world.supervisor)


def test_an_accepted_application_knows_its_case_in_the_same_session(session, world):
    """The demo's flaky 'no task 待审查' (#9.9 test): acceptance read `app.case` (None) before creating the
    case, and the case was linked by its key only, so the application object kept None past the commit
    (sessions do not expire on commit) — lists in that session skipped the case while the object lived,
    which the garbage collector's timing decided. Holding the object here makes it deterministic."""
    app = submitted_bundle(session, world)
    case = service.accept(session, actor=world.clerk, application_id=app.id)
    session.commit()
    assert app.case is case
    listed = session.scalars(service.list_applications(session, actor=world.supervisor)).all()
    assert next(a for a in listed if a.id == app.id).case is case
