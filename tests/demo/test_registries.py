"""The demo city's registries: valid keys, the demo accounts linked, serious bad credit, idempotent."""

from collections import Counter

from sqlalchemy import select

from onewindow.common.ids import id_number_problem, phone_problem, uscc_problem
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.demo.registries import load_registries
from onewindow.sharing import service
from onewindow.sharing.models import CreditRecord, Enterprise, Person


def test_demo_registries_load_twice_and_link_the_demo_accounts(session, user_factory):
    applicant = user_factory(Role.applicant, username="applicant")
    citizen = user_factory(Role.applicant, username="citizen")
    first = load_registries(session)
    assert load_registries(session) == first  # idempotent
    assert 180 <= first["enterprises"] <= 220 and 280 <= first["persons"] <= 320

    enterprises = list(session.scalars(select(Enterprise)))
    persons = list(session.scalars(select(Person)))
    assert not [e.uscc for e in enterprises if uscc_problem(e.uscc)]
    assert not [p.id_number for p in persons if id_number_problem(p.id_number)]
    assert not [p.phone for p in persons if phone_problem(p.phone)]
    statuses = Counter(e.status for e in enterprises)
    assert statuses["存续"] > 150 and statuses["注销"] >= 1 and statuses["吊销"] >= 1
    assert {e.tax_credit_grade for e in enterprises} >= {"A", "B", "M", "C", "D"}
    assert any("高新技术企业" in e.certifications for e in enterprises)

    me = Principal(user_id=applicant.id, username="applicant", display_name="示范市晨光商贸有限公司",
                   role=Role.applicant)
    subjects = service.subjects_for(session, actor=me)
    assert [(s.kind, s.name) for s in subjects] == [("enterprise", "示范市晨光商贸有限公司"), ("person", "刘晓晨")]
    company = session.scalar(select(Enterprise).where(Enterprise.name == "示范市晨光商贸有限公司"))
    assert company.status == "存续" and company.legal_person_id_number == subjects[1].key
    assert not service.has_serious_bad_credit(session, subject_kind="enterprise", subject_key=company.uscc)

    them = Principal(user_id=citizen.id, username="citizen", display_name="周市民", role=Role.applicant)
    assert [(s.kind, s.name) for s in service.subjects_for(session, actor=them)] == [("person", "周市民")]

    serious = session.scalars(select(CreditRecord).where(CreditRecord.severity == "严重",
                                                         CreditRecord.subject_kind == "enterprise",
                                                         CreditRecord.repaired_at.is_(None))).all()
    assert serious and service.has_serious_bad_credit(session, subject_kind="enterprise",
                                                      subject_key=serious[0].subject_key)
