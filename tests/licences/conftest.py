"""E-licence fixtures: a signing key outside the repository, holders in the registries, an issuing helper."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from onewindow.catalog.models import Department
from onewindow.common.ids import with_id_check as id_with_check
from onewindow.common.ids import with_uscc_check as uscc_with_check
from onewindow.common.security import SYSTEM
from onewindow.licences import service, signing
from onewindow.sharing.models import Enterprise, Person
from tests.conftest import link  # noqa: F401  (re-exported for the licence tests)

USCC = uscc_with_check("91149902MA0LCN001")
OTHER_USCC = uscc_with_check("91149902MA0LCN002")
PERSON_ID = id_with_check("14990219850505005")
OTHER_ID = id_with_check("14990219900606006")


@pytest.fixture(scope="session", autouse=True)
def licence_key_file(tmp_path_factory):
    """Each xdist worker signs with its own key in a temporary folder, never in the repository's var/."""
    path = tmp_path_factory.mktemp("licence-key") / signing.KEY_FILE_NAME
    patch = pytest.MonkeyPatch()
    patch.setenv(signing.KEY_FILE_ENV, str(path))
    yield path
    patch.undo()


@pytest.fixture
def holders(catalog):
    """An enterprise and a person in the registries; accounts are linked by `link`."""
    session = catalog
    session.add_all([
        Person(id_number=PERSON_ID, name="李证照", gender="女", birth_date=date(1985, 5, 5)),
        Person(id_number=OTHER_ID, name="王他人", gender="男", birth_date=date(1990, 6, 6)),
        Enterprise(uscc=USCC, name="示范市证照测试有限公司", entity_type="有限责任公司", industry_code="F5212",
                   established_on=date(2020, 1, 2), region_code="149902", legal_person_name="李证照",
                   legal_person_id_number=PERSON_ID),
        Enterprise(uscc=OTHER_USCC, name="示范市别家有限公司", entity_type="有限责任公司", industry_code="F5212",
                   established_on=date(2021, 1, 2), region_code="149902", legal_person_name="王他人",
                   legal_person_id_number=OTHER_ID),
    ])
    session.commit()
    return session


def department_id(session, code: str = "SCJGJ") -> int:
    return session.scalar(select(Department.id).where(Department.code == code))


def issue(session, *, holder_kind: str = "enterprise", holder_key: str = USCC,
          holder_name: str = "示范市证照测试有限公司", licence_type: str = "营业执照", case_code: str | None = None,
          issued_on: date = date(2025, 3, 14), valid_until: date | None = None, department: str = "SCJGJ",
          data: dict | None = None, actor=SYSTEM):
    lic = service.issue(
        session, actor=actor, licence_type=licence_type, holder_kind=holder_kind, holder_key=holder_key,
        holder_name=holder_name,
        data=data if data is not None else {"名称": holder_name, "统一社会信用代码": holder_key, "注册资本": "100万元",
                                            "法定代表人身份证号": PERSON_ID, "经营范围": "日用百货销售"},
        issuer_department_id=department_id(session, department) if department else None,
        case_code=case_code, item_code="T-SCJG-0001", issued_on=issued_on, valid_until=valid_until)
    session.commit()
    return lic
