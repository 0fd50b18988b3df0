"""The demo city 示范市: its catalogue (data/catalog.yaml, loaded through the ordinary import) and
one account for every role. Loading twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onewindow.catalog import transfer
from onewindow.catalog.models import Bundle, Department, ServiceItem
from onewindow.common import service as accounts
from onewindow.common.models import User
from onewindow.common.roles import ROLE_LABELS, Role
from onewindow.common.security import SYSTEM
from onewindow.sharing.demo import load_registries

DATA = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "Demo2026"

# (username, name, role, department code)
ACCOUNTS = [
    ("admin", "王管理", Role.admin, None),
    ("supervisor", "李督查", Role.supervisor, None),
    ("clerk", "张窗口", Role.clerk, "ZWFWJ"),
    ("approver_scjg", "赵审批（市场监管）", Role.approver, "SCJGJ"),
    ("approver_sw", "钱审批（税务）", Role.approver, "SWJ"),
    ("approver_rs", "孙审批（人社）", Role.approver, "RSJ"),
    ("applicant", "示范市晨光商贸有限公司", Role.applicant, None),
    ("citizen", "周市民", Role.applicant, None),
    ("assistant", "吴帮办", Role.assistant, "ZWFWJ"),
    ("agent", "郑坐席", Role.agent, None),
    ("handler", "冯承办（住建）", Role.handler, "ZJJ"),
    ("policy_officer", "陈政策", Role.policy_officer, None),
    ("inspector", "褚监管（市场监管）", Role.inspector, "SCJGJ"),
]


@dataclass
class DemoReport:
    departments: int = 0
    items: int = 0
    bundles: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    registries: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"示范市已就绪：部门 {self.departments} 个，现行事项 {self.items} 个，一件事 {self.bundles} 个，"
                f"登记企业 {self.registries.get('enterprises', 0)} 家，人口 {self.registries.get('persons', 0)} 人。")


def load_demo(session: Session) -> DemoReport:
    path = DATA / "catalog.yaml"
    transfer.import_catalog(session, actor=SYSTEM, filename=path.name, content=path.read_bytes())
    depts = {d.code: d.id for d in session.scalars(select(Department))}
    report = DemoReport()
    for username, name, role, dept in ACCOUNTS:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            department_id = depts[dept] if dept else None  # a KeyError here means the demo data lost a department
            accounts.create_user(session, actor=SYSTEM, username=username, display_name=name, role=role,
                                 password=DEMO_PASSWORD, department_id=department_id)
        report.accounts.append((username, name, ROLE_LABELS[role]))
    session.flush()
    report.registries = load_registries(session)
    report.departments = session.scalar(select(func.count()).select_from(Department)) or 0
    report.items = session.scalar(select(func.count(func.distinct(ServiceItem.code)))) or 0
    report.bundles = session.scalar(select(func.count()).select_from(Bundle)) or 0
    return report
