"""Demands tests: the small catalogue's departments plus a 县 and a 乡 under them, the people of the
12345 desk and two handling units, a clock that can be set, and helpers that walk a demand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from onewindow.catalog.models import Department
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.time import SHANGHAI
from onewindow.demands import service as demands
from tests.conftest import make_user


def beijing(*args) -> datetime:
    """A Beijing wall-clock moment, as the UTC moment the database stores."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def principal(user) -> Principal:
    return Principal(user_id=user.id, username=user.username, display_name=user.display_name, role=Role(user.role),
                     department_id=user.department_id)


@pytest.fixture
def at(monkeypatch):
    """Set the moment demands' clocks start from (the calendar itself is the real one)."""
    def set_to(moment: datetime):
        for mod in ("service", "handling", "deadlines", "duplicates"):
            monkeypatch.setattr(f"onewindow.demands.{mod}.utcnow", lambda m=moment: m)
        return moment
    return set_to


@pytest.fixture
def world(catalog):
    s = catalog
    from sqlalchemy import select

    szf = s.scalar(select(Department).where(Department.code == "SZF"))
    county = Department(code="XQ", name="测试县人民政府", level="县", parent_id=szf.id)
    s.add(county)
    s.flush()
    town = Department(code="XQ-ZZ", name="测试县城关镇", level="乡", parent_id=county.id)
    s.add(town)
    s.commit()
    people = {
        "agent": make_user(s, role=Role.agent, username="dem_agent"),
        "agent2": make_user(s, role=Role.agent, username="dem_agent2"),
        "market": make_user(s, role=Role.handler, username="dem_market", department="SCJGJ"),
        "police": make_user(s, role=Role.handler, username="dem_police", department="GAJ"),
        "town": make_user(s, role=Role.handler, username="dem_town", department="XQ-ZZ"),
        "supervisor": make_user(s, role=Role.supervisor, username="dem_sup"),
        "clerk": make_user(s, role=Role.clerk, username="dem_clerk"),
        "admin": make_user(s, role=Role.admin, username="dem_admin"),
    }
    w = {k: principal(u) for k, u in people.items()}
    w["dept"] = {d.code: d.id for d in s.scalars(select(Department))}
    w["session"] = s
    return w


def call(session, w, *, kind="complaint", urgency="general", key=None, **kw):
    """A hotline call taken by the agent."""
    data = {"subject": "超市售卖过期食品", "content": "在某超市购买的牛奶已过保质期，要求处理", "filer_name": "张三丰",
            "filer_phone": "13812345678", "filer_id_number": "", "topic": "食品安全", "region": "测试县"} | kw
    return demands.file_demand(session, actor=w["agent"], channel="hotline", kind=kind, urgency=urgency,
                               idempotency_key=key, **data)


def dispatched(session, w, demand, unit="SCJGJ", assist=()):
    return demands.dispatch(session, actor=w["agent"], code=demand.code, version=demand.version,
                            lead_department_id=w["dept"][unit], assist_department_ids=[w["dept"][a] for a in assist])
