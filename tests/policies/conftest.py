"""A small policy world shared by the policy tests: a catalogue with the departments that pay awards
(and the catalogue items enterprises apply through), a handful of enterprises with distinct profiles,
accounts for each role, and a library of award items covering the shapes that matter — auto-grant
once and yearly, staged, an exclusivity group, an item to apply for, a budget cap.

Library rows are inserted directly (``add_item``), so tests do not depend on the YAML importer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import select

from onewindow.catalog import transfer
from onewindow.catalog.models import Department
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM, Principal
from onewindow.db import utcnow
from onewindow.policies.models import AwardItem, ExclusivityGroup, MatchRun, Policy, PolicyMatch
from onewindow.sharing.models import Enterprise, EnterpriseMember
from tests.cases.conftest import add_person, add_user, id_number, uscc

AS_OF = date(2026, 6, 30)

# Departments that pay awards, and the catalogue items used to apply for awards that are not auto-granted.
CATALOGUE = """
format: onewindow-catalog/1
departments:
  - {code: ZF, name: 政策测试市人民政府, level: 市, parent: null}
  - {code: FGW, name: 政策测试市发展和改革委员会, level: 市, parent: ZF}
  - {code: KJJ, name: 政策测试市科学技术局, level: 市, parent: ZF}
  - {code: RSJ, name: 政策测试市人力资源和社会保障局, level: 市, parent: ZF}
items:
%s
""".strip()

APPLY_ITEM = """
  - code: {code}
    basic_code: "{basic}"
    version: 1
    status: published
    valid_from: 2024-01-01
    valid_to: null
    name: {name}
    item_type: 行政给付
    department: {dept}
    level: 市
    legal_basis: 政策测试市惠企政策
    conditions: 符合奖补事项条件的企业
    statutory_limit_days: 20
    promised_limit_days: 10
    steps: 3
    visits: 0
    fee_fen: 0
    fee_basis: 不收费
    online_depth: 全程网办
    cross_province: false
    within_province: true
    commitment_allowed: false
    result_type: 其他
    result_name: 奖补资金拨付
    materials:
      - {{code: M-AWARD-PROOF, name: 奖补申请佐证材料, required: false, pending_allowed: false, form: 电子, copies: 1, source: 申请人自备, shared_source: null}}
    form_fields:
      - {{key: enterprise_name, label: 企业名称, type: text, required: true, options: [], shared_source: enterprise.name}}
      - {{key: bank_account, label: 收款账号, type: text, required: true, options: [], shared_source: null}}
"""

APPLY_ITEMS = {"T-FGW-0101": ("000201001000", "惠企政策奖补兑现申请", "FGW"),
               "T-KJ-0101": ("000202001000", "科技创新奖补兑现申请", "KJJ")}


def catalogue_yaml() -> bytes:
    items = "".join(APPLY_ITEM.format(code=c, basic=b, name=n, dept=d) for c, (b, n, d) in APPLY_ITEMS.items())
    return (CATALOGUE % items.rstrip()).encode()


@dataclass
class PolicyWorld:
    officer: Principal  # 政策管理员 without a department: every item
    fgw_officer: Principal  # only 发改委's items
    kjj_officer: Principal
    applicant: Principal  # acts for 甲 and 乙
    other_applicant: Principal  # acts for 丙
    clerk: Principal
    approvers: dict[str, Principal]  # department code -> approver
    enterprises: dict[str, Enterprise]  # 甲 乙 丙 丁 戊
    items: dict[str, AwardItem] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)

    def ent(self, name: str) -> Enterprise:
        return self.enterprises[name]


# name -> (registry seq, profile columns). 甲: new 规上 manufacturer, 高新, listing tutoring filed;
# 乙: 小巨人 and provincial 专精特新 (the group pays only 小巨人); 丙: small employer; 丁: nothing;
# 戊: 高新 but 注销 (not active).
ENTERPRISES = {
    "甲": (11, dict(industry_code="C3011", stats_flags=["规上", "新升规上", "上市辅导备案"],
                    certifications=["高新技术企业"], insured_employees=120, revenue_fen=3_500_000_000)),
    "乙": (12, dict(industry_code="C3411", stats_flags=["规上"],
                    certifications=['专精特新"小巨人"', "省级专精特新中小企业"], insured_employees=80)),
    "丙": (13, dict(industry_code="F5212", stats_flags=["小微企业"], insured_employees=15,
                    unemployment_insurance_fen=1_200_000, layoffs=0)),
    "丁": (14, dict(industry_code="I6510", stats_flags=[], insured_employees=3)),
    "戊": (15, dict(industry_code="C3011", stats_flags=["新升规上"], certifications=["高新技术企业"],
                    insured_employees=40, status="注销")),
}


def add_enterprise(session, seq: int, name: str, **columns) -> Enterprise:
    values = dict(entity_type="有限责任公司", industry_code="C3011", registered_capital_fen=500_000_000,
                  established_on=date(2018, 3, 1), region_code="141102", address="政策测试市离石区滨河路1号",
                  legal_person_name="张法人", legal_person_id_number=id_number(700 + seq), status="存续",
                  tax_credit_grade="A", tax_paid_fen=80_000_000, insured_employees=10, certifications=[],
                  stats_flags=[])
    values.update(columns)
    e = Enterprise(uscc=uscc(seq), name=name, **values)
    session.add(e)
    session.flush()
    return e


def add_policy(session, code: str = "PT-2026-01", title: str = "政策测试市促进高质量发展若干措施") -> Policy:
    p = session.scalar(select(Policy).where(Policy.code == code))
    if p is None:
        p = Policy(code=code, doc_number="测政发〔2026〕1号", title=title, issuer="政策测试市人民政府", level="市级",
                   published_on=date(2026, 1, 1), valid_from=date(2026, 1, 1), valid_to=date(2028, 12, 31),
                   tags=["测试"])
        session.add(p)
        session.flush()
    return p


def add_item(session, world: PolicyWorld | None, code: str, *, title: str, department: str, rule: str,
             amount: dict, auto_grant: bool = False, recurrence: str = "once", apply_item: str | None = None,
             group: str | None = None, budget_fen: int | None = None, version: int = 1,
             status: str = "published") -> AwardItem:
    """One published award item version. `amount` as stored: {"fixed": fen} | {"formula": …} | {"stages": […]}."""
    dept_id = session.scalar(select(Department.id).where(Department.code == department))
    item = AwardItem(code=code, version=version, status=status, policy_id=add_policy(session).id, title=title,
                     department_id=dept_id, tags=[], rule=rule, amount=amount, exclusive_group=group,
                     budget_fen=budget_fen, auto_grant=auto_grant, recurrence=recurrence,
                     apply_item_code=apply_item, valid_from=date(2026, 1, 1), valid_to=date(2028, 12, 31),
                     description=title, published_at=utcnow() if status == "published" else None)
    session.add(item)
    session.flush()
    if world is not None:
        world.items[code] = item
    return item


def standard_items(session, world: PolicyWorld) -> None:
    add_item(session, world, "PT-XGS-01", title="新规上工业企业奖励", department="FGW",
             rule='flags has "新升规上" and industry under "C"', amount={"fixed": 5_000_000}, auto_grant=True)
    add_item(session, world, "PT-WG-01", title="稳岗返还", department="RSJ",
             rule="employees >= 1 and layoffs == 0", amount={"formula": "unemployment_insurance_paid * 60%"},
             auto_grant=True, recurrence="yearly")
    add_item(session, world, "PT-SS-01", title="企业上市分阶段奖励", department="FGW",
             rule='flags has "上市辅导备案" or flags has "上市申报受理"', auto_grant=True,
             amount={"stages": [{"name": "辅导备案", "when": 'flags has "上市辅导备案"', "amount": 200_000_000},
                                {"name": "申报受理", "when": 'flags has "上市申报受理"', "amount": 300_000_000}]})
    add_item(session, world, "PT-GQ-01", title="高新技术企业认定奖励", department="KJJ",
             rule='certifications has "高新技术企业"', amount={"fixed": 10_000_000}, apply_item="T-KJ-0101")
    session.add(ExclusivityGroup(code="PT-G-ZJTX", name="专精特新梯度培育奖励不重复享受"))
    add_item(session, world, "PT-ZJ-01", title='专精特新"小巨人"奖励', department="KJJ",
             rule='certifications has "专精特新\\"小巨人\\""', amount={"fixed": 60_000_000},
             apply_item="T-KJ-0101", group="PT-G-ZJTX")
    add_item(session, world, "PT-ZJ-02", title="省级专精特新中小企业奖励", department="KJJ",
             rule='certifications has "省级专精特新中小企业"', amount={"fixed": 30_000_000},
             apply_item="T-KJ-0101", group="PT-G-ZJTX")
    session.flush()


@pytest.fixture
def policy_world(session) -> PolicyWorld:
    transfer.import_catalog(session, actor=SYSTEM, filename="policy_catalogue.yaml", content=catalogue_yaml())
    officer = add_user(session, Role.policy_officer, "pol_all")
    applicant = add_user(session, Role.applicant, "pol_app1")
    other = add_user(session, Role.applicant, "pol_app2")
    add_person(session, id_number(711), "张法人", applicant)
    enterprises = {}
    for name, (seq, columns) in ENTERPRISES.items():
        enterprises[name] = add_enterprise(session, seq, f"政策测试{name}有限公司", **columns)
    for name, user in (("甲", applicant), ("乙", applicant), ("丙", other)):
        session.add(EnterpriseMember(enterprise_id=enterprises[name].id, user_id=user.user_id, relation="法定代表人"))
    w = PolicyWorld(
        officer=officer, fgw_officer=add_user(session, Role.policy_officer, "pol_fgw", "FGW"),
        kjj_officer=add_user(session, Role.policy_officer, "pol_kjj", "KJJ"), applicant=applicant,
        other_applicant=other, clerk=add_user(session, Role.clerk, "pol_clerk"),
        approvers={d: add_user(session, Role.approver, f"pol_appr_{d.lower()}", d) for d in ("FGW", "KJJ", "RSJ")},
        enterprises=enterprises,
        departments=dict(session.execute(select(Department.code, Department.id)).all()),
    )
    standard_items(session, w)
    session.commit()
    return w


def add_match(session, world: PolicyWorld, enterprise: str | Enterprise, item_code: str, amount: int, *,
              outcome: str = "awarded", eligible: int | None = None, stages: dict | None = None,
              superseded_by: str | None = None, run: MatchRun | None = None) -> PolicyMatch:
    """A stored match, as a matching run would write it (for tests that start after matching)."""
    ent = world.ent(enterprise) if isinstance(enterprise, str) else enterprise
    if run is None:
        run = MatchRun(kind="full", as_of=AS_OF, started_by="test")
        session.add(run)
        session.flush()
    item = world.items[item_code]
    m = PolicyMatch(enterprise_id=ent.id, item_code=item_code, item_version_id=item.id,
                    eligible_amount_fen=amount if eligible is None else eligible, awarded_amount_fen=amount,
                    outcome=outcome, superseded_by=superseded_by, stage_amounts=stages or {}, run_id=run.id)
    session.add(m)
    session.flush()
    return m
