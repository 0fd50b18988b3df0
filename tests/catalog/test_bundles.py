"""Bundle planning: DAG checks, lead department, merged form and materials, reductions."""

import pytest

from onewindow.catalog import bundles as planner
from onewindow.catalog import service
from onewindow.common.errors import ErrorCollector, ValidationFailed


def view(code, dept, days, steps=4, visits=0, materials=(), fields=()):
    return planner.ItemView(code=code, name=code, department_code=dept, department_name=dept + "局",
                            promised_limit_days=days, statutory_limit_days=days * 2, steps=steps, visits=visits,
                            materials=tuple(planner.MaterialView(*m) for m in materials),
                            fields=tuple(planner.FieldView(*f) for f in fields))


def test_cycle_is_named():
    errors = ErrorCollector()
    planner.check_structure(["A", "B", "C"], {"A": ["C"], "B": ["A"], "C": ["B"]}, None, errors)
    [detail] = errors.errors
    assert detail.field == "depends_on" and "依赖关系存在环" in detail.message
    # A 依赖于 C 依赖于 B 依赖于 A: a closed walk naming every member, saying which way the arrows point
    assert detail.message.count("依赖于") == 3 and detail.message.startswith("依赖关系存在环：A 依赖于 C")


def test_structure_errors_are_all_reported():
    errors = ErrorCollector()
    planner.check_structure(["A", "A", "B"], {"B": ["B", "Z"]}, "Q", errors)
    messages = " ".join(e.message for e in errors.errors)
    assert "重复" in messages and "依赖自身" in messages and "Z不在" in messages and "核心事项Q" in messages


def test_critical_path_and_reductions():
    # A(1d) → {B(4d), C(2d)} ; C → D(3d). Critical path A→C→D = 6 days, sum 10.
    items = [
        view("A", "市场", 1, materials=[("ID", "身份证", True, False, "licence:身份证"), ("APP", "申请书", True, False, None)],
             fields=[("name", "名称", "text", True, None), ("phone", "电话", "phone", True, None)]),
        view("B", "公安", 4, visits=1, materials=[("ID", "身份证", True, False, "licence:身份证")],
             fields=[("name", "名称", "text", True, "enterprise.name"), ("uscc", "代码", "uscc", True, "enterprise.uscc")]),
        view("C", "税务", 2, steps=5, materials=[("APP", "申请书", True, True, None), ("TAX", "税表", False, True, None)],
             fields=[("phone", "电话", "phone", True, None)]),
        view("D", "人社", 3, steps=6, visits=2),
    ]
    deps = {"B": ["A"], "C": ["A"], "D": ["C"]}
    plan = planner.plan(items, deps, None)
    assert plan.stages == [["A"], ["B", "C"], ["D"]]
    assert plan.critical_path == ["A", "C", "D"]
    assert plan.lead_item == "A" and plan.lead_department == "市场局"  # no core item: the first step
    r = plan.reductions
    assert (r["time"].separate, r["time"].bundled) == (10, 6)
    assert (r["statutory_time"].separate, r["statutory_time"].bundled) == (20, 12)
    # materials: 5 asked one by one; merged ID (replaced by e-licence), APP, TAX → 2 to submit
    assert (r["materials"].separate, r["materials"].bundled) == (5, 2)
    # fields: 5 one by one; name asked once (A asks the applicant), phone once, uscc prefilled → 2
    assert (r["fields"].separate, r["fields"].bundled) == (5, 2)
    # steps: 4+4+5+6 = 19; bundled 2 + heaviest internal chain A(2)+C(3)+D(4) = 11
    assert (r["steps"].separate, r["steps"].bundled) == (19, 11)
    assert (r["visits"].separate, r["visits"].bundled) == (3, 2)
    assert r["time"].percent == 40.0
    app = next(m for m in plan.materials if m.code == "APP")
    assert app.used_by == ["A", "C"] and app.pending_allowed is False  # key for A, so key for the bundle


def test_core_item_sets_lead_department():
    items = [view("A", "市场", 1), view("B", "公安", 1)]
    assert planner.plan(items, {}, "B").lead_department == "公安局"


def test_plan_from_catalogue(catalog):
    bundle = service.get_bundle(catalog, code="T-YJS-KB")
    plan, found = service.bundle_plan(catalog, bundle=bundle)
    assert plan.lead_department == "测试市市场监督管理局"
    assert plan.reductions["materials"].separate == 10 and plan.reductions["materials"].bundled == 5
    assert plan.reductions["fields"].bundled == 8
    assert plan.reductions["time"].bundled == 4 and plan.reductions["time"].separate == 6


def test_plan_rejects_unknown_or_retired_items(catalog):
    with pytest.raises(ValidationFailed) as info:
        service.plan_bundle(catalog, items=["T-SCJG-0001", "NOPE-0001"], depends_on={}, core_item=None)
    assert "NOPE-0001" in info.value.details[0].message


def test_issue_9_material_produced_inside_the_bundle_is_not_asked():
    """#9.8: 完税凭证 from 契税申报 for 不动产转移登记 — handed over, not asked, counted as not asked."""
    items = [
        view("TAX", "税务", 1, materials=[("APP-T", "申报表", True, False, None)]),
        view("REG", "不动产", 5, materials=[("RECEIPT", "完税凭证", True, False, None, "TAX"),
                                            ("APP-R", "申请书", True, False, None)]),
        view("LONE", "住建", 2, materials=[("RECEIPT", "完税凭证", True, False, None, "TAX")]),
    ]
    plan = planner.plan(items, {"REG": ["TAX"]}, None)
    receipt = next(m for m in plan.materials if m.code == "RECEIPT")
    # LONE does not wait for TAX, so it still needs the applicant's copy: asked once for the bundle
    assert receipt.produced_by is None and receipt.replaced is False
    plan = planner.plan(items[:2], {"REG": ["TAX"]}, None)
    receipt = next(m for m in plan.materials if m.code == "RECEIPT")
    assert receipt.produced_by == "TAX" and receipt.replaced
    assert (plan.reductions["materials"].separate, plan.reductions["materials"].bundled) == (3, 2)
    # without the dependency the receipt would not exist when REG starts: it is asked
    plan = planner.plan(items[:2], {}, None)
    assert next(m for m in plan.materials if m.code == "RECEIPT").produced_by is None
