"""The demo city's 监管 (fixed seed): credit grades for every enterprise (some with records), the inspection
lists and inspectors of 市场监管局 and 人社局, one plan per department announced, drawn and published, one
joint visit merging both plans' common enterprise, results with a rectification, a 首违不罚 list in two
versions and a few 涉企收费 problems."""

from __future__ import annotations

import calendar
import random
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common.security import SYSTEM
from onewindow.common.time import today
from onewindow.sharing import service as sharing
from onewindow.supervision import credit, fees, findings, gate, plans, tolerance
from onewindow.supervision.models import Plan

SEED = 2026
RATIOS = {"A": 0.002, "B": 0.004, "C": 0.02, "D": 1.0}
LIST_V1 = [{"no": "1", "conduct": "未按规定公示营业执照", "basis": "《无证无照经营查处办法》第十条", "conditions": "首次违法且及时改正"},
           {"no": "2", "conduct": "未按时报送年度报告", "basis": "《企业信息公示暂行条例》第八条", "conditions": "首次且30日内补报"},
           {"no": "3", "conduct": "广告用语轻微不当", "basis": "《广告法》第九条", "conditions": "未造成危害后果"}]
LIST_V2 = [{**LIST_V1[0], "conditions": "首次违法、及时改正且未造成危害后果"}, LIST_V1[2],
           {"no": "4", "conduct": "未按规定明码标价", "basis": "《价格法》第十三条", "conditions": "首次且当场改正"}]


def load_supervision(session: Session) -> int:
    """Load once (a second run finds the plans and changes nothing); the number of enterprises graded."""
    if session.scalar(select(Plan.id).limit(1)) is not None:
        return len(credit.grade_counts(session)) and sum(credit.grade_counts(session).values())
    rng = random.Random(SEED)
    scjg, rs = catalog.department_id(session, code="SCJGJ"), catalog.department_id(session, code="RSJ")
    facts = sharing.enterprise_facts(session)
    ids = [f[0] for f in facts]
    on = today()
    for n, eid in enumerate(rng.sample(ids, min(300, len(ids)))):
        severity = ("minor", "general", "general", "serious")[n % 4]
        credit.record_entry(session, actor=SYSTEM, enterprise_id=eid, source="penalty" if n % 2 else "inspection",
                            ref=f"demo-{n}", severity=severity, department_id=scjg,
                            reason=("未按规定公示信息", "超范围经营", "未依法缴纳社保", "生产销售不合格产品")[n % 4],
                            occurred_on=date.fromordinal(on.toordinal() - rng.randint(5, 200)))
    credit.recompute(session)
    plans.save_matter(session, actor=SYSTEM, department_id=scjg, code="SC-01", name="营业执照和年报公示检查",
                      qualification="市场监管执法", basis="《企业信息公示暂行条例》")
    plans.save_matter(session, actor=SYSTEM, department_id=scjg, code="SC-02", name="明码标价检查",
                      qualification="市场监管执法", basis="《价格法》")
    plans.save_matter(session, actor=SYSTEM, department_id=rs, code="RS-01", name="劳动合同与社保参保检查",
                      qualification="劳动保障监察", basis="《劳动保障监察条例》")
    for n, name in enumerate(("张建国", "李文华", "王海燕", "赵志强", "刘晓明", "陈丽"), start=1):
        plans.save_inspector(session, actor=SYSTEM, department_id=scjg, badge=f"SC{n:04d}", name=name,
                             qualifications=["市场监管执法"], tied_enterprise_ids=[ids[n]] if n <= 2 else [])
    for n, name in enumerate(("周伟", "吴静", "郑磊", "孙婷"), start=1):
        plans.save_inspector(session, actor=SYSTEM, department_id=rs, badge=f"RS{n:04d}", name=name,
                             qualifications=["劳动保障监察"])
    start = on.replace(day=1)
    end = on.replace(day=calendar.monthrange(on.year, on.month)[1])
    made = []
    for dept, title, codes in ((scjg, f"{on.year}年{on.month}月市场主体双随机抽查", ["SC-01", "SC-02"]),
                               (rs, f"{on.year}年{on.month}月劳动保障双随机抽查", ["RS-01"])):
        p = plans.create_plan(session, actor=SYSTEM, department_id=dept, title=title, period_start=start,
                              period_end=end, matter_codes=codes, ratios=RATIOS)
        plans.announce(session, actor=SYSTEM, plan_id=p.id, public_value=f"{start.isoformat()} 上证指数收盘 3401.27")
        plans.run_draw(session, actor=SYSTEM, plan_id=p.id)
        plans.publish(session, actor=SYSTEM, plan_id=p.id)
        made.append(p)
    # D 类 (严重失信) is drawn by every plan, so both departments draw them: their visits are joint.
    visits = plans.request_visits(session, actor=SYSTEM, plan_ids=[p.id for p in made])
    for n, v in enumerate(visits[:12]):
        gate.decide(session, actor=SYSTEM, inspection_id=v.id, approve=True)
        results = [{"matter_code": c, "result": ("pass", "pass", "rectify", "pass", "absent")[n % 5] if i == 0 else "pass",
                    "note": "现场检查"} for i, c in enumerate(v.matter_codes)]
        findings.record_results(session, actor=SYSTEM, inspection_id=v.id, results=results)
    v1 = tolerance.draft(session, actor=SYSTEM, code="SCJG-SWBF", department_id=scjg, kind="first",
                         title="市场监管领域首违不罚清单", items=LIST_V1)
    tolerance.publish(session, actor=SYSTEM, list_id=v1.id)
    v2 = tolerance.draft(session, actor=SYSTEM, code="SCJG-SWBF", department_id=scjg, kind="first",
                         title="市场监管领域首违不罚清单", items=LIST_V2)
    tolerance.publish(session, actor=SYSTEM, list_id=v2.id)
    for n, (dept, text, fen) in enumerate(((scjg, "违规收取检验检测费", 1_280_000), (rs, "培训费重复收取", 356_000),
                                           (scjg, "行业协会强制收取会费", 500_000))):
        p = fees.open_problem(session, actor=SYSTEM, lead_kind=("hotline", "inspection", "demand")[n],
                              lead_ref=f"demo-fee-{n}", department_id=dept, description=text, refund_fen=fen,
                              enterprise_id=ids[10 + n])
        if n == 0:
            fees.close(session, actor=SYSTEM, problem_id=p.id, evidence="退费凭证 TF-2026-001", refunded_fen=fen)
    session.flush()
    return sum(credit.grade_counts(session).values())
