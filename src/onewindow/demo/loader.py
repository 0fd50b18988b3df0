"""The demo city 示范市: its catalogue (data/catalog.yaml, loaded through the ordinary import) and
one account for every role. Loading twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onewindow.accounts import service as accounts
from onewindow.accounts.models import User
from onewindow.catalog import service as catalog
from onewindow.catalog.models import Bundle, Department, ServiceItem
from onewindow.common.roles import ROLE_LABELS, Role
from onewindow.common.security import SYSTEM
from onewindow.demo.cases import load_cases
from onewindow.demo.enterprises import enterprise_count, load_enterprises
from onewindow.demo.knowledge import load_knowledge
from onewindow.demo.registries import load_registries

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
    # one approver for every other department of 企业开办一件事, so the demo bundle can be finished
    ("approver_ga", "卫审批（公安）", Role.approver, "GAJ"),
    ("approver_rmyh", "蒋审批（人民银行）", Role.approver, "RMYH"),
    ("approver_yb", "沈审批（医保）", Role.approver, "YBJ"),
    ("approver_gjj", "韩审批（公积金）", Role.approver, "GJJZX"),
    ("approver_gd", "杨审批（供电）", Role.approver, "GDGS"),
    ("approver_gs", "朱审批（供水）", Role.approver, "GSGS"),
    ("approver_rq", "秦审批（燃气）", Role.approver, "RQGS"),
    ("approver_tx", "尤审批（通信）", Role.approver, "TXGS"),
]

# E-licences held before the demo starts (issued by other systems, signed here like any other), so
# 免证办 works from the first application: ID cards for the two applicant accounts, and the licence
# of the demo enterprise. (holder kind, holder key, licence type, issuer department code, data)
LICENCES = [
    ("person", "149902198203150015", "身份证", "GAJ", {"姓名": "刘晓晨", "公民身份号码": "149902198203150015"}),
    ("person", "149902199007080026", "身份证", "GAJ", {"姓名": "周市民", "公民身份号码": "149902199007080026"}),
    ("enterprise", "91149902MA0CG2025K", "营业执照", "SCJGJ",
     {"名称": "示范市晨光商贸有限公司", "统一社会信用代码": "91149902MA0CG2025K", "类型": "有限责任公司",
      "法定代表人": "刘晓晨"}),
]


@dataclass
class DemoReport:
    departments: int = 0
    items: int = 0  # in force today
    draft_items: int = 0  # items with only a draft (not yet published)
    bundles: int = 0  # published
    draft_bundles: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    registries: dict[str, int] = field(default_factory=dict)
    policies: int = 0
    award_items: int = 0
    matched_enterprises: int = 0
    applications: int = 0
    cases: dict[str, int] = field(default_factory=dict)  # running / warning / overdue / completed
    knowledge: int = 0  # 12345 knowledge articles in force
    ratings: int = 0
    indicators: int = 0
    graded: int = 0  # enterprises with a credit grade
    demands: int = 0  # 12345 诉求 in every state

    def summary(self) -> str:
        c = self.cases
        drafts = f"（另有未发布草稿 {self.draft_items} 个）" if self.draft_items else ""
        return (f"示范市已就绪：部门 {self.departments} 个，现行事项 {self.items} 个{drafts}，一件事 {self.bundles} 个（另有草稿 {self.draft_bundles} 个），"
                f"登记企业 {self.registries.get('enterprises', 0)} 家，人口 {self.registries.get('persons', 0)} 人，"
                f"电子证照 {self.registries.get('licences', 0)} 份；惠企政策 {self.policies} 件、"
                f"奖补事项 {self.award_items} 项，可享政策的企业 {self.matched_enterprises} 家；"
                f"申请 {self.applications} 件，办理中 {c.get('running', 0)} 件（预警 {c.get('warning', 0)}、"
                f"超期 {c.get('overdue', 0)}），已办结 {c.get('completed', 0)} 件；12345知识库现行知识 {self.knowledge} 条；"
                f"好差评 {self.ratings} 条；12345诉求 {self.demands} 件；评定信用等级企业 {self.graded} 家；营商环境指标数据 {self.indicators} 项。")


def load_demo(session: Session) -> DemoReport:
    path = DATA / "catalog.yaml"
    catalog.import_catalog(session, actor=SYSTEM, filename=path.name, content=path.read_bytes())
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
    load_enterprises(session)  # the 10,000 generated market entities that policy matching runs over
    report.registries["enterprises"] = enterprise_count(session)
    report.registries["licences"] = _load_licences(session, depts)
    _load_policies(session, report)
    report.knowledge = load_knowledge(session)  # the 12345 knowledge base, through its ordinary import
    report.applications = load_cases(session)  # running cases in every state, some in 预警 and 超期
    from onewindow.demo.ratings import load_ratings

    report.ratings = load_ratings(session)  # 好差评 with 差评 callbacks and rectifications in every state
    from onewindow.demo.demands import load_demands

    report.demands = load_demands(session)  # 12345 诉求 in every state, routed to units at three levels

    from onewindow.demo.supervision import load_supervision

    report.graded = load_supervision(session)  # credit grades, two departments' published draws, a joint visit

    from onewindow.demo.indicators import load_indicators

    added, report.indicators = load_indicators(session)  # twelve months of history, computed, published, reported
    report.applications += added
    _count(session, report)
    return report


def _count(session: Session, report: DemoReport) -> None:
    """The figures as the pages show them: items in force (the guide), published bundles (the 一件事
    list), every licence held, and the cases by state (the supervisor's pages)."""
    from onewindow.cases import service as cases
    from onewindow.catalog.service import current_clause
    from onewindow.sharing.models import Licence

    def count(stmt) -> int:
        return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    report.departments = session.scalar(select(func.count()).select_from(Department)) or 0
    current = select(ServiceItem.code).where(current_clause()).distinct()
    report.items = count(current)
    report.draft_items = count(select(ServiceItem.code).where(ServiceItem.code.not_in(current)).distinct())
    report.bundles = count(select(Bundle.id).where(Bundle.status == "published"))
    report.draft_bundles = count(select(Bundle.id).where(Bundle.status != "published"))
    report.registries["licences"] = count(select(Licence.id))
    supervisor = accounts.principal_for(session.scalar(select(User).where(User.username == "supervisor")))
    report.cases = {state: count(cases.case_list(session, actor=supervisor, status="running", sla_state=sla))
                    for state, sla in (("running", None), ("warning", "warning"), ("overdue", "overdue"))}
    report.cases["completed"] = count(cases.case_list(session, actor=supervisor, status="completed"))


def _load_policies(session: Session, report: DemoReport) -> None:
    """The policy library (data/policies.yaml, through the ordinary import, whose test cases must pass),
    then one full matching run so 可享政策 and the officer's statistics have something to show."""
    from onewindow.policies import service as policies
    from onewindow.policies.models import AwardItem, MatchRun, Policy, PolicyMatch

    path = DATA / "policies.yaml"
    policies.import_library(session, actor=SYSTEM, filename=path.name, content=path.read_bytes())
    if session.scalar(select(MatchRun.id).limit(1)) is None:
        session.flush()
        policies.run_full(session, actor=SYSTEM)
    report.policies = session.scalar(select(func.count()).select_from(Policy)) or 0
    report.award_items = session.scalar(select(func.count(func.distinct(AwardItem.code)))) or 0
    report.matched_enterprises = session.scalar(select(func.count(func.distinct(PolicyMatch.enterprise_id)))) or 0


def _load_licences(session: Session, depts: dict[str, int]) -> int:
    from datetime import date

    from onewindow.licences import service as licences
    from onewindow.sharing.models import Licence

    count = 0
    for kind, key, licence_type, dept, data in LICENCES:
        held = session.scalar(select(Licence.id).where(Licence.holder_kind == kind, Licence.holder_key == key,
                                                       Licence.licence_type == licence_type))
        if held is None:
            name = data.get("姓名") or data["名称"]
            licences.issue(session, actor=SYSTEM, licence_type=licence_type, holder_kind=kind, holder_key=key,
                           holder_name=name, data=data, issuer_department_id=depts[dept], case_code=None,
                           item_code=None, issued_on=date(2024, 3, 1))
        count += 1
    return count
