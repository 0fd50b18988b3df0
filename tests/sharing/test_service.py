"""The sharing service: check digits, prefill with one read-log row per registry, conditions, licences,
credit and who may read what."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from onewindow.common import time as beijing
from onewindow.common.errors import Forbidden, NotFound, ValidationFailed
from onewindow.common.masking import mask_id_number
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM, Principal
from onewindow.sharing import service
from onewindow.sharing.models import Enterprise, EnterpriseMember, SharedDataRead
from tests.sharing.conftest import ACTIVE, CITIZEN, CLOSED, LEGAL, UNKNOWN, UNKNOWN_PERSON, add_licence, link

CLERK = Principal(user_id=None, username="clerk_t", display_name="测窗口", role=Role.clerk)


def reads(session, **where) -> list[SharedDataRead]:
    stmt = select(SharedDataRead).order_by(SharedDataRead.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(SharedDataRead, key) == value)
    return list(session.scalars(stmt))


def test_check_digits_are_validated_and_the_field_named():
    assert service.check_subject_key(kind="enterprise", key=f" {ACTIVE.lower()} ") == ACTIVE
    assert service.check_subject_key(kind="person", key=LEGAL) == LEGAL
    bad_uscc = ACTIVE[:-1] + ("0" if ACTIVE[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        service.check_subject_key(kind="enterprise", key=bad_uscc)
    assert exc.value.details[0].field == "subject_key" and "校验位" in exc.value.message
    bad_id = LEGAL[:-1] + ("0" if LEGAL[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        service.check_subject_key(kind="person", key=bad_id, field="holder_key")
    assert exc.value.details[0].field == "holder_key" and "校验位" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        service.check_subject_key(kind="enterprise", key=LEGAL)  # an ID number is not a USCC
    assert exc.value.details[0].field == "subject_key"
    with pytest.raises(ValidationFailed) as exc:
        service.check_subject_key(kind="company", key=ACTIVE)
    assert exc.value.details[0].field == "subject_kind"


def test_prefill_for_an_enterprise_reads_each_registry_once(registry):
    session = registry
    add_licence(session, code="LIC-OLD", licence_type="营业执照", holder_key=ACTIVE,
                issued_on=beijing.today() - timedelta(days=900))
    add_licence(session, code="LIC-NEW", licence_type="营业执照", holder_key=ACTIVE)
    add_licence(session, code="LIC-EXPIRED", licence_type="食品经营许可证", holder_key=ACTIVE,
                valid_until=beijing.today() - timedelta(days=1))
    add_licence(session, code="LIC-REVOKED", licence_type="消防安全检查合格证", holder_key=ACTIVE, status="revoked")
    sources = {
        "company": "enterprise.name", "capital": "enterprise.registered_capital_fen",
        "founded": "enterprise.established_on", "kind": "enterprise.type", "uscc": "enterprise.uscc",
        "certs": "enterprise.certifications", "lp_name": "person.name", "lp_phone": "person.phone",
        "lp_birth": "person.birth_date", "licence_no": "licence:营业执照", "food": "licence:食品经营许可证",
        "fire": "licence:消防安全检查合格证", "deed": "property.certificate", "death": "person.death_record",
    }
    values = service.prefill(session, actor=CLERK, application_id=7, subject_kind="enterprise", subject_key=ACTIVE,
                             sources=sources, purpose="一件事申请表预填")
    assert values == {
        "company": "示范市测试商贸有限公司", "capital": 123_456_700, "founded": "2018-05-20", "kind": "有限责任公司",
        "uscc": ACTIVE, "certs": ["高新技术企业"], "lp_name": "测法人", "lp_phone": "13800138000",
        "lp_birth": "1980-01-01", "licence_no": "LIC-NEW",
    }
    rows = reads(session, application_id=7)
    assert [r.registry_kind for r in rows] == ["enterprise", "person", "licence"]
    enterprise, person, licence = rows
    assert enterprise.subject == mask_id_number(ACTIVE) and ACTIVE not in enterprise.subject
    assert set(enterprise.fields) == {"enterprise.name", "enterprise.registered_capital_fen",
                                      "enterprise.established_on", "enterprise.type", "enterprise.uscc",
                                      "enterprise.certifications", "enterprise.legal_person_id_number"}
    assert person.subject == mask_id_number(LEGAL) and set(person.fields) == {"person.name", "person.phone",
                                                                              "person.birth_date"}
    assert set(licence.fields) == {"licence:营业执照", "licence:食品经营许可证", "licence:消防安全检查合格证"}
    assert {r.purpose for r in rows} == {"一件事申请表预填"} and {r.actor_role for r in rows} == {"clerk"}


def test_prefill_for_a_person_has_no_enterprise_attributes(registry):
    session = registry
    values = service.prefill(session, actor=CLERK, application_id=8, subject_kind="person", subject_key=CITIZEN,
                             sources={"name": "person.name", "phone": "person.phone", "company": "enterprise.name"},
                             purpose="申请表预填")
    assert values == {"name": "测市民"}  # the registry holds no phone for this person
    rows = reads(session, application_id=8)
    assert [(r.registry_kind, r.fields) for r in rows] == [("person", ["person.name", "person.phone"])]


def test_prefill_for_an_unknown_subject_fills_nothing_but_logs_the_read(registry):
    values = service.prefill(registry, actor=CLERK, application_id=9, subject_kind="enterprise",
                             subject_key=UNKNOWN, sources={"company": "enterprise.name", "lp": "person.name"},
                             purpose="预填")
    assert values == {}
    assert [r.registry_kind for r in reads(registry, application_id=9)] == ["enterprise"]


def test_prefill_needs_a_purpose(registry):
    with pytest.raises(ValidationFailed) as exc:
        service.prefill(registry, actor=CLERK, application_id=None, subject_kind="person", subject_key=CITIZEN,
                        sources={"name": "person.name"}, purpose="  ")
    assert exc.value.details[0].field == "purpose"


def test_verify_conditions_on_active_closed_and_unknown_enterprises(registry):
    def verify(kind, key):
        return service.verify_conditions(registry, actor=CLERK, application_id=3, subject_kind=kind,
                                         subject_key=key, purpose="受理前核验")

    assert all(c.passed for c in verify("enterprise", ACTIVE))
    closed = verify("enterprise", CLOSED)
    assert closed[0].passed and not closed[1].passed and "注销" in closed[1].detail
    unknown = verify("enterprise", UNKNOWN)
    assert not any(c.passed for c in unknown) and "查无" in unknown[0].detail
    assert verify("person", CITIZEN)[0].passed
    assert not verify("person", UNKNOWN_PERSON)[0].passed
    assert len(reads(registry, application_id=3)) == 5


def test_valid_licences_and_when_their_reads_are_logged(registry):
    session = registry
    add_licence(session, code="L1", licence_type="营业执照", holder_key=ACTIVE)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # validity is a local date
    add_licence(session, code="L2", licence_type="食品经营许可证", holder_key=ACTIVE, valid_until=today)
    add_licence(session, code="L3", licence_type="卫生许可证", holder_key=ACTIVE, valid_until=today - timedelta(days=1))
    mine = service.valid_licences(session, actor=CLERK, application_id=None, holder_kind="enterprise",
                                  holder_key=ACTIVE)
    assert {lic.code for lic in mine} == {"L1", "L2"} and reads(session) == []
    named = service.valid_licences(session, actor=CLERK, application_id=None, holder_kind="enterprise",
                                   holder_key=ACTIVE, licence_types=["营业执照", "卫生许可证"])
    assert [lic.code for lic in named] == ["L1"]
    assert [(r.registry_kind, r.fields) for r in reads(session)] == [
        ("licence", ["licence:卫生许可证", "licence:营业执照"])]


def test_applicants_read_only_their_own_subjects(registry, user_factory):
    session = registry
    user = user_factory(Role.applicant, username="owner")
    link(session, user, enterprise=ACTIVE, person=LEGAL)
    me = Principal(user_id=user.id, username="owner", display_name="测", role=Role.applicant)
    assert service.subjects_for(session, actor=me) == [
        service.Subject("enterprise", ACTIVE, "示范市测试商贸有限公司"), service.Subject("person", LEGAL, "测法人")]
    found = service.find_subject(session, actor=me, kind="enterprise", key=ACTIVE, application_id=None,
                                 purpose="选择办事主体")
    assert found == service.Subject("enterprise", ACTIVE, "示范市测试商贸有限公司")
    with pytest.raises(Forbidden):
        service.find_subject(session, actor=me, kind="enterprise", key=CLOSED, application_id=None, purpose="x")
    with pytest.raises(Forbidden):
        service.prefill(session, actor=me, application_id=None, subject_kind="person", subject_key=CITIZEN,
                        sources={"n": "person.name"}, purpose="x")
    assert service.find_subject(session, actor=CLERK, kind="person", key=UNKNOWN_PERSON, application_id=None,
                                purpose="核对身份") is None


def test_serious_bad_credit_until_repaired(registry):
    session = registry
    assert not service.has_serious_bad_credit(session, subject_kind="enterprise", subject_key=ACTIVE)
    service.record_credit(session, actor=SYSTEM, subject_kind="enterprise", subject_key=ACTIVE,
                          subject_name="示范市测试商贸有限公司", severity="一般", reason="年报逾期",
                          source="示范市市场监督管理局", reference=None)
    assert not service.has_serious_bad_credit(session, subject_kind="enterprise", subject_key=ACTIVE)
    serious = service.record_credit(session, actor=SYSTEM, subject_kind="enterprise", subject_key=ACTIVE.lower(),
                                    subject_name="示范市测试商贸有限公司", severity="严重", reason="告知承诺不实",
                                    source="示范市市场监督管理局", reference="CASE-1")
    assert service.has_serious_bad_credit(session, subject_kind="enterprise", subject_key=ACTIVE)
    assert [r.severity for r in service.credit_records(session, subject_kind="enterprise", subject_key=ACTIVE)] \
        == ["严重", "一般"]
    audit_row = session.scalar(select(AuditRecord).where(AuditRecord.entity_type == "credit_record",
                                                         AuditRecord.entity_id == str(serious.id)))
    assert audit_row.action == "credit.record" and ACTIVE not in audit_row.after
    service.repair_credit(session, actor=SYSTEM, record_id=serious.id)
    assert not service.has_serious_bad_credit(session, subject_kind="enterprise", subject_key=ACTIVE)


def test_recording_credit_checks_role_and_input(registry):
    applicant = Principal(user_id=None, username="a", display_name="a", role=Role.applicant)
    with pytest.raises(Forbidden):
        service.record_credit(registry, actor=applicant, subject_kind="person", subject_key=CITIZEN,
                              subject_name="测市民", severity="严重", reason="x", source="y", reference=None)
    with pytest.raises(ValidationFailed) as exc:
        service.record_credit(registry, actor=SYSTEM, subject_kind="person", subject_key=CITIZEN,
                              subject_name="", severity="很严重", reason="x", source="y", reference=None)
    assert {d.field for d in exc.value.details} == {"severity", "subject_name"}


def test_read_log_is_for_supervisors_and_admins(registry):
    service.find_subject(registry, actor=CLERK, kind="person", key=CITIZEN, application_id=11, purpose="核对")
    service.find_subject(registry, actor=CLERK, kind="person", key=LEGAL, application_id=12, purpose="核对")
    for role in (Role.applicant, Role.clerk, Role.approver):
        with pytest.raises(Forbidden):
            service.read_log(registry, actor=Principal(user_id=None, username="x", display_name="x", role=role))
    supervisor = Principal(user_id=None, username="s", display_name="s", role=Role.supervisor)
    assert service.read_log(registry, actor=supervisor).total == 2
    page = service.read_log(registry, actor=supervisor, application_id=11)
    assert page.total == 1 and page.items[0].subject == mask_id_number(CITIZEN)


def test_helpers_for_cases_and_licences(registry, user_factory):
    session = registry
    owner = user_factory(Role.applicant, username="boss")
    clerk_user = user_factory(Role.applicant, username="staffer")
    link(session, clerk_user, enterprise=ACTIVE)  # 经办人 linked first, but the 法定代表人 wins
    session.add(EnterpriseMember(enterprise_id=session.scalar(select(Enterprise.id).where(Enterprise.uscc == ACTIVE)),
                                 user_id=owner.id, relation="法定代表人"))
    session.commit()
    session.scalar(select(EnterpriseMember).where(EnterpriseMember.user_id == clerk_user.id)).relation = "经办人"
    link(session, owner, person=LEGAL)
    assert service.account_for(session, subject_kind="enterprise", subject_key=ACTIVE.lower()) == owner.id
    assert service.account_for(session, subject_kind="person", subject_key=LEGAL) == owner.id
    assert service.account_for(session, subject_kind="person", subject_key=CITIZEN) is None
    assert service.account_for(session, subject_kind="enterprise", subject_key=CLOSED) is None
    lic = add_licence(session, code="C1", licence_type="营业执照", holder_key=ACTIVE)
    lic.case_code = "CASE-9"
    session.commit()
    assert service.licence_by_id(session, licence_id=lic.id).code == "C1"
    assert [x.code for x in service.licences_for_case(session, case_code="CASE-9")] == ["C1"]
    with pytest.raises(NotFound):
        service.licence_by_id(session, licence_id=10**6)
