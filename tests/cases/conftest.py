"""A small world for case tests: the test catalogue, registry entries, and one account per role."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from onewindow.accounts import service as accounts
from onewindow.accounts.credentials import hash_password
from onewindow.accounts.models import User
from onewindow.catalog.models import Department
from onewindow.common.ids import with_id_check, with_uscc_check
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.sharing.models import Enterprise, EnterpriseMember, Person
from tests.conftest import PASSWORD

PDF = b"%PDF-1.4\n% test material\n"


def id_number(seq: int, birth: str = "19850312") -> str:
    return with_id_check(f"140102{birth}{seq % 1000:03d}")


def uscc(seq: int) -> str:
    return with_uscc_check(f"91140100MA{seq:07d}")


@dataclass
class World:
    applicant: Principal
    other_applicant: Principal
    assistant: Principal
    clerk: Principal
    approvers: dict[str, Principal]  # department code -> approver
    inspector: Principal
    supervisor: Principal
    person_key: str
    enterprise_key: str
    other_key: str


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # Argon2 is slow on purpose; one hash serves every test account


def add_user(session, role: Role, username: str, department: str | None = None) -> Principal:
    dept_id = session.scalar(select(Department.id).where(Department.code == department)) if department else None
    user = User(username=username, display_name=f"测试{username}", role=role.value, department_id=dept_id,
                password_hash=_password_hash())
    session.add(user)
    session.flush()
    return accounts.principal_for(user)


def add_person(session, key: str, name: str, user: Principal | None = None) -> Person:
    p = Person(id_number=key, name=name, gender="男", birth_date=date(1985, 3, 12), phone="13912345678",
               address="测试市迎泽区柳巷1号", user_id=user.user_id if user else None)
    session.add(p)
    session.flush()
    return p


def add_enterprise(session, key: str, name: str, *, status: str = "存续", member: Principal | None = None,
                   legal_id: str | None = None) -> Enterprise:
    e = Enterprise(uscc=key, name=name, entity_type="有限责任公司", industry_code="F5212",
                   registered_capital_fen=100_000_000, established_on=date(2020, 5, 1), region_code="140100",
                   address="测试市小店区长风街8号", legal_person_name="王法人",
                   legal_person_id_number=legal_id or id_number(900), status=status, tax_credit_grade="A",
                   insured_employees=12, certifications=[])
    session.add(e)
    session.flush()
    if member:
        session.add(EnterpriseMember(enterprise_id=e.id, user_id=member.user_id, relation="法定代表人"))
        session.flush()
    return e


@pytest.fixture
def world(catalog, session) -> World:
    applicant = add_user(session, Role.applicant, "app1")
    other = add_user(session, Role.applicant, "app2")
    person_key, other_key = id_number(1), id_number(2)
    add_person(session, person_key, "李申请", applicant)
    add_person(session, other_key, "赵别人", other)
    enterprise_key = uscc(1)
    add_enterprise(session, enterprise_key, "测试市晨光商贸有限公司", member=applicant, legal_id=person_key)
    approvers = {code: add_user(session, Role.approver, f"appr_{code.lower()}", code)
                 for code in ("SCJGJ", "GAJ", "SWJ", "RSJ")}
    w = World(applicant=applicant, other_applicant=other, assistant=add_user(session, Role.assistant, "helper"),
              clerk=add_user(session, Role.clerk, "clerk1"), approvers=approvers,
              inspector=add_user(session, Role.inspector, "insp_rs", "RSJ"),
              supervisor=add_user(session, Role.supervisor, "sup1"),
              person_key=person_key, enterprise_key=enterprise_key, other_key=other_key)
    session.commit()
    return w
