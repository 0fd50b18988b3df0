"""Running cases of the demo city, so the window, the departments and the supervisor see work on a fresh
demo: an application waiting at the window, tasks 待审查 / 审查中 / 补正中 / 特别程序, decided ones, and
cases received long enough ago to be in 预警 and 超期.

Every case goes through the ordinary services (apply, submit, accept, review, …). Only the day a case
was received is then moved back — the demo's cases arrived before the demo started — and the deadlines
are recomputed and swept by the SLA clock like any other. Loading twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.accounts import service as accounts
from onewindow.accounts.models import User
from onewindow.calendar import service as calendar
from onewindow.cases import service as cases
from onewindow.common import time as beijing

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ENTERPRISE = "91149902MA0CG2025K"  # 示范市晨光商贸有限公司, the applicant account's enterprise
SAMPLE = {"text": "示范内容", "textarea": "示范市晨光商贸有限公司按要求申请办理本事项。", "number": "12",
          "money": "500000", "date": None, "phone": "13800001234", "email": "demo@example.cn"}


@dataclass(frozen=True)
class DemoCase:
    item: str  # 实施编码 of a single item
    approver: str  # the department approver's username
    steps: tuple[str, ...]  # after acceptance: review / supplement / suspend / approve / refuse
    received_days_ago: int = 0  # working days before today the window received it


PLAN = (
    DemoCase("SFS-SCJG-0013", "approver_scjg", ()),  # 待审查
    DemoCase("SFS-SCJG-0016", "approver_scjg", ("review",)),  # 审查中
    DemoCase("SFS-RS-0011", "approver_rs", ("review", "supplement")),  # 补正中 (clock stopped)
    DemoCase("SFS-SCJG-0018", "approver_scjg", ("review", "suspend")),  # 特别程序
    DemoCase("SFS-RS-0012", "approver_rs", ("review",), received_days_ago=9),  # 预警: 1 of 10 days left
    DemoCase("SFS-SW-0010", "approver_sw", ("review",), received_days_ago=4),  # 预警: due tomorrow
    DemoCase("SFS-SCJG-0019", "approver_scjg", (), received_days_ago=8),  # 超期 by 3 working days
    DemoCase("SFS-RS-0008", "approver_rs", ("review",), received_days_ago=7),  # 超期
    DemoCase("SFS-SCJG-0015", "approver_scjg", ("review", "approve")),  # 已办结, licence issued
    DemoCase("SFS-SW-0004", "approver_sw", ("review", "refuse")),  # 不予许可
)
WAITING = ("SFS-SCJG-0017",)  # submitted, waiting at the window (待受理)


def _user(session: Session, username: str):
    return accounts.principal_for(session.scalar(select(User).where(User.username == username)))


def _apply(session: Session, *, applicant, item: str, key: str):
    app = cases.start_application(session, actor=applicant, target_kind="item", target_code=item,
                                  subject_kind="enterprise", subject_key=ENTERPRISE)
    form = {}
    for f in app.plan["fields"]:
        if app.form_data.get(f["key"]) not in (None, ""):
            continue  # prefilled from the registries
        if f.get("options"):
            form[f["key"]] = f["options"][0]
        elif f["type"] == "date":
            form[f["key"]] = beijing.today().isoformat()
        elif f["type"] in SAMPLE:
            form[f["key"]] = SAMPLE[f["type"]]
    cases.save_form(session, actor=applicant, application_id=app.id, form_data=form)
    for m in cases.material_states(app):
        if m["status"] == "missing":
            cases.upload_material(session, actor=applicant, application_id=app.id, material_code=m["code"],
                                  filename=f"{m['name']}.pdf", content=PDF, content_type="application/pdf")
    return cases.submit(session, actor=applicant, application_id=app.id, idempotency_key=key)


def load_cases(session: Session) -> int:
    """The demo's running cases; the number of applications the demo holds."""
    applicant, clerk = _user(session, "applicant"), _user(session, "clerk")
    if session.scalar(cases.list_applications(session, actor=clerk).limit(1)) is not None:
        return len(session.scalars(cases.list_applications(session, actor=clerk)).all())
    cal = calendar.load_calendar(session)
    today = beijing.today()
    for n, item in enumerate(WAITING):
        _apply(session, applicant=applicant, item=item, key=f"demo-waiting-{n}")
    for n, plan in enumerate(PLAN):
        app = _apply(session, applicant=applicant, item=plan.item, key=f"demo-case-{n}")
        case = cases.accept(session, actor=clerk, application_id=app.id)
        approver = _user(session, plan.approver)
        task = case.tasks[0]
        for step in plan.steps:
            common = {"actor": approver, "task_id": task.id}
            if step == "review":
                cases.start_review(session, **common)
            elif step == "supplement":
                cases.request_supplement(session, text="请补充提交近三个月的经营场所租赁合同及房产证明", **common)
            elif step == "suspend":
                cases.suspend(session, procedure="专家评审", reason="争议涉及商标权属，组织专家评审", **common)
            elif step == "approve":
                cases.approve(session, result_data={}, **common)
            elif step == "refuse":
                cases.refuse(session, reason="申请材料显示限额需求与经营规模不符（依据《增值税专用发票使用规定》）",
                             **common)
        if plan.received_days_ago:
            cases.received_earlier(session, case=case,
                                   received_on=_working_days_before(cal, today, plan.received_days_ago))
        session.flush()
    cases.sweep(session, today=today)
    return len(WAITING) + len(PLAN)


def _working_days_before(cal, today, working_days: int):
    day = today
    for _ in range(working_days):
        day -= timedelta(days=1)
        while not cal.is_working_day(day):
            day -= timedelta(days=1)
    return day
