"""The rectification ledger: open, progress, evidence, return, 销号; a unit sees only its own items;
overdue items go to the sweep and 督办 (#12.3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onewindow.calendar.sweep import sweep
from onewindow.catalog import service as catalog
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.models import DomainEvent, OutboxMessage
from onewindow.common.security import SYSTEM
from onewindow.common.time import today
from onewindow.rectification import service as rectification
from onewindow.rectification.deadlines import SOURCES
from tests.conftest import PASSWORD, csrf


def _open(session, dept="RSJ", ref="42"):
    dept_id = catalog.department_id(session, code=dept)
    item = rectification.open_item(session, source_kind="rating", source_ref=ref, title="窗口服务态度差",
                                   department_id=dept_id, actor=SYSTEM)
    session.commit()
    return item


def test_item_moves_from_rectifying_through_evidence_to_closed(session, world):
    ref = _open(session)
    assert ref.status == "rectifying" and ref.status_label == "整改中"
    assert ref.deadline > today()  # 5 working days on the calendar
    unit = world.inspector  # RSJ
    rectification.add_progress(session, actor=unit, item_id=ref.id, text="已约谈窗口人员", file=("a.pdf", b"%PDF-1.4 x"))
    with pytest.raises(Forbidden):
        rectification.accept(session, actor=unit, item_id=ref.id)
    with pytest.raises(Conflict):  # nothing submitted yet: no 销号 without evidence
        rectification.accept(session, actor=world.supervisor, item_id=ref.id)
    with pytest.raises(ValidationFailed):
        rectification.submit_evidence(session, actor=unit, item_id=ref.id, text=" ")
    rectification.submit_evidence(session, actor=unit, item_id=ref.id, text="已整改", file=("b.pdf", b"%PDF-1.4 y"))
    with pytest.raises(ValidationFailed):
        rectification.return_item(session, actor=world.supervisor, item_id=ref.id, reason="")
    item = rectification.return_item(session, actor=world.supervisor, item_id=ref.id, reason="材料不全")
    assert item.status == "rectifying" and item.return_reason == "材料不全"
    rectification.submit_evidence(session, actor=unit, item_id=ref.id, text="补充了培训记录")
    item = rectification.accept(session, actor=world.supervisor, item_id=ref.id, text="同意销号")
    session.commit()
    assert item.status == "closed" and item.closed_on == today()
    assert [n.kind for n in item.notes] == ["progress", "evidence", "returned", "evidence", "closed"]
    assert rectification.item_ref(session, item_id=ref.id).on_time
    assert session.scalar(select(DomainEvent).where(DomainEvent.name == "rectification.closed",
                                                    DomainEvent.entity_id == str(ref.id))) is not None


def test_opening_the_same_source_twice_is_one_item(session, world):
    assert _open(session).id == _open(session).id


def test_a_unit_sees_only_its_own_items(session, world):
    mine, theirs = _open(session, "RSJ", "1"), _open(session, "GAJ", "2")
    unit = world.inspector  # RSJ
    assert [i.id for i in rectification.list_items(session, actor=unit).items] == [mine.id]
    with pytest.raises(NotFound):
        rectification.get_item(session, actor=unit, item_id=theirs.id)
    with pytest.raises(NotFound):
        rectification.submit_evidence(session, actor=unit, item_id=theirs.id, text="不是我的")
    with pytest.raises(Forbidden):
        rectification.list_items(session, actor=world.applicant)
    lines = rectification.ledger(session, actor=world.supervisor)
    assert {u.department_id: u.counts["rectifying"] for u in lines} == {
        catalog.department_id(session, code="RSJ"): 1, catalog.department_id(session, code="GAJ"): 1}


def test_an_overdue_item_is_swept_and_supervised(session, world):
    ref = _open(session)
    report = sweep(session, sources=SOURCES, today=ref.deadline + timedelta(days=10))
    assert report.of("rectification.items")["overdue"] == 1
    assert session.scalar(select(OutboxMessage).where(
        OutboxMessage.dedupe_key == f"rectification:supervise:{ref.id}:{world.supervisor.user_id}"))
    assert rectification.get_item(session, actor=world.supervisor, item_id=ref.id).sla_state == "overdue"


def signed_in(client, username):
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                     "csrf_token": csrf(client.get("/login").text), "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    return client


def test_pages_show_the_ledger_and_let_the_unit_and_supervisor_act(session, world, client):
    ref = _open(session)
    signed_in(client, "insp_rs")
    item = client.get(f"/rectification/{ref.id}")
    assert item.status_code == 200 and "整改中" in item.text and "evidence-form" in item.text
    r = client.post(f"/rectification/{ref.id}/evidence", data={"csrf_token": csrf(item.text), "text": "已整改"},
                    files={"file": ("证明.pdf", b"%PDF-1.4 z", "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303
    client.post("/logout", data={"csrf_token": csrf(client.get("/rectification").text)})
    signed_in(client, "sup1")
    page = client.get("/rectification")
    assert page.status_code == 200 and "见人、见事、见结果" in page.text and "窗口服务态度差" in page.text
    item = client.get(f"/rectification/{ref.id}")
    assert "待验收" in item.text and "证明.pdf" in item.text
    client.post(f"/rectification/{ref.id}/accept", data={"csrf_token": csrf(item.text), "version": "2"})
    assert "已销号" in client.get(f"/rectification/{ref.id}").text


def test_the_overdue_notice_has_recipients_the_unit_and_the_supervisor(session, world):
    """督办 reaches people: each of the responsible unit's staff and each supervisor gets it in their inbox,
    once however often the sweep runs; other units' staff do not."""
    ref = _open(session)  # RSJ
    for _ in range(2):
        sweep(session, sources=SOURCES, today=ref.deadline + timedelta(days=10))
    notices = session.scalars(select(OutboxMessage).where(
        OutboxMessage.dedupe_key.startswith(f"rectification:supervise:{ref.id}:"))).all()
    rsj = catalog.department_id(session, code="RSJ")
    unit_staff = {u.user_id for u in [world.inspector, *world.approvers.values()] if u.department_id == rsj}
    assert {n.recipient_id for n in notices} == unit_staff | {world.supervisor.user_id}
    assert len(notices) == len(unit_staff) + 1 and all(n.department_id == rsj for n in notices)
    assert all(n.subject.startswith("【督办】整改事项超期") for n in notices)
    assert world.approvers["GAJ"].user_id not in {n.recipient_id for n in notices}
