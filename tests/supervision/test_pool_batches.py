"""The pool is read from the registries in keyset batches: any batch size gives the same published document."""

from __future__ import annotations

from onewindow.sharing import service as sharing
from onewindow.supervision import credit, plans
from onewindow.supervision.models import CreditGrade
from tests.cases.conftest import add_enterprise, uscc
from tests.supervision.conftest import PERIOD


def test_batches_give_the_same_pool_and_skip_closed_enterprises(session, sup, monkeypatch):
    add_enterprise(session, uscc(900), "测试市已注销商贸有限公司", status="注销")
    credit.recompute(session)
    session.query(CreditGrade).filter(CreditGrade.enterprise_id == sup.enterprises[7].id).delete()  # ungraded → B
    p = plans.create_plan(session, actor=sup.insp_scjg, department_id=sup.scjg, title="分批", period_start=PERIOD[0],
                          period_end=PERIOD[1], matter_codes=["SC-01"], ratios={g: 0.5 for g in "ABCD"})
    whole = plans.build_pool(session, p)
    monkeypatch.setattr(plans, "POOL_BATCH", 3)
    assert plans.build_pool(session, p) == whole
    codes = [e[0] for e in whole["entities"]]
    assert uscc(900) not in codes and len(codes) == len(set(codes)) == 41  # 40 + the world's enterprise
    assert [sup.enterprises[7].uscc, "B"] in whole["entities"]
    batches = list(sharing.enterprise_batches(session, status="存续", size=3))
    assert all(len(b) <= 3 for b in batches) and sum(map(len, batches)) == 41
