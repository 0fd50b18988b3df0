"""Supervision tests: the case tests' world, two departments' inspection lists and inspectors, 40 enterprises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from onewindow.catalog import service as catalog
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.supervision import plans
from tests.cases.conftest import add_enterprise, add_user, uscc, world  # noqa: F401 — world is a fixture

PERIOD = (date(2027, 3, 1), date(2027, 3, 31))  # working days 22–31 fall outside the default quiet days


@dataclass
class Sup:
    w: object
    scjg: int
    rs: int
    insp_scjg: Principal
    insp_rs: Principal
    office: Principal
    enterprises: list
    tied: object  # the inspector tied to enterprises[0]


@pytest.fixture
def sup(session, world):  # noqa: F811
    scjg, rs = (catalog.department_id(session, code=c) for c in ("SCJGJ", "RSJ"))
    insp_scjg = add_user(session, Role.inspector, "insp_scjg", "SCJGJ")
    ents = [add_enterprise(session, uscc(100 + i), f"测试市第{i}号商贸有限公司") for i in range(40)]
    plans.save_matter(session, actor=insp_scjg, department_id=scjg, code="SC-01", name="营业执照规范悬挂检查",
                      qualification="市场监管执法")
    plans.save_matter(session, actor=world.inspector, department_id=rs, code="RS-01", name="劳动用工检查",
                      qualification="劳动保障监察")
    tied = plans.save_inspector(session, actor=insp_scjg, department_id=scjg, badge="SC0001", name="张执法",
                                qualifications=["市场监管执法"], tied_enterprise_ids=[ents[0].id])
    for n, name in enumerate(("李执法", "王执法", "赵执法"), start=2):
        plans.save_inspector(session, actor=insp_scjg, department_id=scjg, badge=f"SC000{n}", name=name,
                             qualifications=["市场监管执法"])
    for n, name in enumerate(("陈监察", "周监察"), start=1):
        plans.save_inspector(session, actor=world.inspector, department_id=rs, badge=f"RS000{n}", name=name,
                             qualifications=["劳动保障监察"])
    session.commit()
    return Sup(w=world, scjg=scjg, rs=rs, insp_scjg=insp_scjg, insp_rs=world.inspector, office=world.supervisor,
               enterprises=ents, tied=tied)
