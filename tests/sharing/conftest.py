"""Registry rows for the sharing tests: enterprises in each status, persons, licences."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from onewindow.common import time as beijing
from onewindow.demo.registries import id_with_check, uscc_with_check
from onewindow.sharing.models import Enterprise, Licence, Person
from tests.conftest import link  # noqa: F401  (re-exported for the sharing tests)

LEGAL = id_with_check("14990219800101001")
CITIZEN = id_with_check("14990319920202002")
ACTIVE = uscc_with_check("91149902MA0TEXT01")
CLOSED = uscc_with_check("91149902MA0TEXT02")
UNKNOWN = uscc_with_check("91149902MA0TEXT03")
UNKNOWN_PERSON = id_with_check("14990219700707007")


@pytest.fixture
def registry(session):
    """Two enterprises (存续, 注销) with a legal person in the population registry, and a second person."""
    session.add_all([
        Person(id_number=LEGAL, name="测法人", gender="男", birth_date=date(1980, 1, 1), phone="13800138000",
               address="示范市东城区测试路1号", household_registration="示范市东城区测试路1号", marital_status="已婚"),
        Person(id_number=CITIZEN, name="测市民", gender="女", birth_date=date(1992, 2, 2), phone="",
               address="示范市西城区测试路2号"),
        Enterprise(uscc=ACTIVE, name="示范市测试商贸有限公司", entity_type="有限责任公司", industry_code="F5212",
                   registered_capital_fen=123_456_700, established_on=date(2018, 5, 20), region_code="149902",
                   address="示范市东城区测试路8号", legal_person_name="测法人", legal_person_id_number=LEGAL,
                   status="存续", tax_credit_grade="A", tax_paid_fen=10_000_00, insured_employees=12,
                   certifications=["高新技术企业"]),
        Enterprise(uscc=CLOSED, name="示范市已注销有限公司", entity_type="有限责任公司", industry_code="H6210",
                   registered_capital_fen=0, established_on=date(2010, 1, 1), region_code="149902",
                   legal_person_name="测法人", legal_person_id_number=LEGAL, status="注销"),
    ])
    session.commit()
    return session


def add_licence(session, *, code: str, licence_type: str, holder_key: str, holder_kind: str = "enterprise",
                issued_on: date | None = None, valid_until: date | None = None, status: str = "valid") -> Licence:
    lic = Licence(code=code, licence_type=licence_type, holder_kind=holder_kind, holder_key=holder_key,
                  holder_name="测试", issued_on=issued_on or beijing.today() - timedelta(days=30),
                  valid_until=valid_until, data={}, payload="{}", signature="", algorithm="test", key_id="k",
                  status=status)
    session.add(lic)
    session.commit()
    return lic
