"""The demo loader's supervision part on a small registry: grades, published draws, a joint visit, two list versions."""

from __future__ import annotations

from onewindow.demo.supervision import load_supervision
from onewindow.supervision import fees, gate, plans, tolerance
from onewindow.supervision.models import CreditEntry


def test_demo_supervision_loads_once(session, sup):
    from onewindow.common.time import today

    graded = load_supervision(session)
    assert graded >= 40 and session.query(CreditEntry).count() > 0
    published = plans.list_plans(session, published_only=True)
    assert len(published) == 2
    kinds = {v.kind for v in gate.list_inspections(session, actor=sup.office)}
    assert "joint" in kinds
    assert [v.version_no for v in tolerance.versions(session, code="SCJG-SWBF")] == [1, 2]
    assert fees.totals(session, start=today().replace(day=1), end=today())["cases"] == 3
    assert load_supervision(session) == graded
