"""A small hand-counted world for the indicators: four cases, ratings, rectification items and awards
in May 2026 (one case accepted in April), across a municipal department and a county's department."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import select

from onewindow.cases.models import Application, Case
from onewindow.catalog.models import Department
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.time import SHANGHAI
from onewindow.indicators import service
from onewindow.ratings.models import Rating, RatingMatter
from onewindow.rectification.models import RectificationItem
from tests.conftest import make_user

MAY = "2026-05"


def beijing(y, m, d, h=12):
    return datetime(y, m, d, h, tzinfo=SHANGHAI)


@dataclass
class Fixture:
    supervisor: Principal
    staff: Principal
    city_dept: int  # 测试市市场监督管理局
    county: int  # 测试县
    county_dept: int  # 测试县市场监督管理局


def _case(session, n, *, dept, item, channel, delivery, limit, accepted, completed, sla, user, kind="item"):
    app = Application(created_by_id=user, channel=channel, subject_kind="enterprise", subject_key=f"91140100MA{n:08d}",
                      subject_name=f"测试企业{n}", target_kind=kind, target_code=item, title=f"办件{n}", plan={},
                      status="accepted", created_at=beijing(2026, 4, 1))
    session.add(app)
    session.flush()
    session.add(Case(code=f"C2026{n:04d}", application_id=app.id, title=f"办件{n}", lead_department_id=dept,
                     status="completed" if completed else "in_review", acceptance_mode="normal",
                     accepted_at=beijing(*accepted, 9), accepted_on=date(*accepted), limit_days=limit,
                     sla_state=sla, completed_at=beijing(*completed) if completed else None,
                     delivery_method=delivery))


def _rating(session, n, *, dept, level, real_name, on, excluded=False):
    m = RatingMatter(kind="case", ref=f"R{n}", title=f"评价事项{n}", department_id=dept, item_code="T-SCJG-0001",
                     completed_on=on, default_due_on=on, rated=True, staff_ids=[])
    session.add(m)
    session.flush()
    r = Rating(matter_id=m.id, level=level, real_name=real_name, rated_on=on, excluded=excluded, reasons=[])
    session.add(r)
    session.flush()
    return r


def _item(session, *, ref, dept, deadline, closed_on, kind="rating", status="closed"):
    session.add(RectificationItem(source_kind=kind, source_ref=ref, title=f"整改{ref}", department_id=dept,
                                  status=status, opened_on=date(2026, 5, 1), limit_days=10, deadline=deadline,
                                  closed_on=closed_on))


@pytest.fixture
def fx(session, catalog):
    szf = session.scalar(select(Department).where(Department.code == "SZF"))
    county = Department(code="CSX", name="测试县", level="县", parent_id=szf.id)
    session.add(county)
    session.flush()
    county_dept = Department(code="CSX-SCJG", name="测试县市场监督管理局", level="县", parent_id=county.id)
    session.add(county_dept)
    session.flush()
    city = session.scalar(select(Department.id).where(Department.code == "SCJGJ"))
    user = make_user(session, role=Role.applicant, username="ind_applicant")
    sup = make_user(session, role=Role.supervisor, username="ind_supervisor")
    staff = make_user(session, role=Role.approver, username="ind_staff", department="SCJGJ")
    _case(session, 1, dept=city, item="T-SCJG-0001", channel="online", delivery="mail", limit=1,
          accepted=(2026, 5, 3), completed=(2026, 5, 4), sla="normal", user=user.id)
    _case(session, 2, dept=city, item="T-GA-0001", channel="window", delivery="window", limit=0,
          accepted=(2026, 5, 10), completed=(2026, 5, 12), sla="overdue", user=user.id)
    _case(session, 3, dept=county_dept.id, item="T-SCJG-0001", channel="online", delivery="window", limit=1,
          accepted=(2026, 5, 20), completed=None, sla="overdue", user=user.id)
    _case(session, 4, dept=county_dept.id, item="B-KAIBAN", channel="online", delivery="mail", limit=2,
          accepted=(2026, 4, 28), completed=(2026, 5, 2), sla="normal", user=user.id, kind="bundle")
    # ratings in May: 3 good (one in the county), 2 real-name bad (one rectified), 1 anonymous bad, 1 excluded
    for n, (dept, level, real) in enumerate([(city, "satisfied", True), (city, "basic", False),
                                             (county_dept.id, "very_satisfied", True), (city, "unsatisfied", True),
                                             (county_dept.id, "very_unsatisfied", True), (city, "unsatisfied", False)]):
        r = _rating(session, n, dept=dept, level=level, real_name=real, on=date(2026, 5, 5 + n))
        if n == 3:
            _item(session, ref=str(r.id), dept=city, deadline=date(2026, 5, 20), closed_on=date(2026, 5, 18))
    _rating(session, 99, dept=city, level="unsatisfied", real_name=True, on=date(2026, 5, 9), excluded=True)
    # rectification closed in May: city one on time (above), county one late; one still open
    _item(session, ref="x1", dept=county_dept.id, deadline=date(2026, 5, 10), closed_on=date(2026, 5, 15), kind="demand")
    _item(session, ref="x2", dept=city, deadline=date(2026, 5, 30), closed_on=None, kind="demand", status="rectifying")
    session.commit()
    service.ensure_builtin(session)
    session.commit()

    def principal(u):
        return Principal(u.id, u.username, u.display_name, u.role, u.department_id)

    return Fixture(principal(sup), principal(staff), city, county.id, county_dept.id)
