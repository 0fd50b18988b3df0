"""The policy library service: Chinese search with filters, reading versions, drafts published only when
their test cases pass, dated parameters, exclusivity groups, and the compiled items for matching."""

from datetime import date

import pytest
from sqlalchemy import select

from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.policies import service
from onewindow.policies.library import core as library
from onewindow.policies.library.validate import amount_value
from onewindow.policies.models import AwardItem
from tests.policies.test_transfer import load_small, versions

PUBLIC = Principal(user_id=None, username="e", display_name="企业", role=Role.applicant)
JUNE = date(2026, 6, 30)


@pytest.fixture
def lib(session):
    return load_small(session)


def officer(department_id: int | None = None) -> Principal:
    return Principal(user_id=None, username="officer", display_name="政策管理员", role=Role.policy_officer,
                     department_id=department_id)


def draft_of(session, code: str) -> dict:
    """An item's library-file form, as an edit form would send it."""
    item = library.get_item(session, code=code, as_of=JUNE)
    content = library.item_content(session, item)
    data = {k: content[k] for k in ("policy", "title", "department", "tags", "description", "rule", "group")}
    data.update(code=code, amount=amount_value(item.amount), auto_grant=item.auto_grant,
                recurrence=item.recurrence, valid_from=item.valid_from.isoformat())
    if item.apply_item_code:
        data["apply_item"] = item.apply_item_code
    return data


@pytest.mark.parametrize("query, expected", [
    ("高新技术企业", "TS-GQ-01"), ("稳岗", "TS-WG-01"), ("上市", "TS-SS-01"), ("研发", "TS-YF-01"),
    ("小巨人", "TS-ZJ-01"), ("失业保险费", "TS-WG-01"), ("科学技术局", "TS-GQ-01"),
])
def test_items_by_chinese_full_text(lib, query, expected):
    codes = [i.code for i in library.search_items(lib, q=query, as_of=JUNE).items]
    assert expected in codes


def test_substring_fallback_and_nothing_found(lib):
    # jieba cuts 「规上工」 into 规 / 上工, words no text holds: only the substring fallback on titles finds it
    assert [i.code for i in library.search_items(lib, q="规上工", as_of=JUNE).items] == ["TS-XGS-01"]
    assert library.search_items(lib, q="不存在的奖励名称", as_of=JUNE).total == 0
    assert library.search_items(lib, q="%", as_of=JUNE).total == 0


def test_item_filters_and_pages(lib):
    def codes(**kw):
        return [i.code for i in library.search_items(lib, **{"as_of": JUNE, **kw}).items]

    assert codes(department="KJJ") == ["TS-GQ-01", "TS-YF-01", "TS-ZJ-01", "TS-ZJ-02"]
    assert codes(tag="专精特新") == ["TS-ZJ-01", "TS-ZJ-02"]
    assert codes(auto_grant=True) == ["TS-WG-01", "TS-XGS-01", "TS-YF-01"]
    assert codes(level="县级") == ["TS-GQ-01", "TS-YF-01", "TS-ZJ-01", "TS-ZJ-02"]
    assert codes(policy="TS-2026-01", q="奖励") == ["TS-SS-01", "TS-XGS-01"]
    page = library.search_items(lib, as_of=JUNE, page=2, per_page=3)
    assert page.total == 7 and [i.code for i in page.items] == ["TS-XGS-01", "TS-YF-01", "TS-ZJ-01"]
    assert codes(department="KJJ", as_of=date(2026, 1, 15)) == []  # that policy starts on 2026-02-01
    assert "TS-WG-01" not in [i.code for i in library.search_items(lib, as_of=date(2027, 1, 1)).items]


def test_policies_by_full_text_and_filters(lib):
    def codes(**kw):
        return [p.code for p in library.search_policies(lib, **kw).items]

    assert codes(q="工业经济") == ["TS-2026-01"]
    assert codes(q="测科发") == ["TS-2026-02"]
    assert codes(q="失业保险费") == ["TS-2026-01"]  # in the full text only
    assert codes(level="县级") == ["TS-2026-02"]
    assert codes(tag="稳增长") == ["TS-2026-01"]
    assert codes(department="RSJ") == ["TS-2026-01"]
    assert codes() == ["TS-2026-01", "TS-2026-02"]


def test_policy_with_its_items_and_item_history(lib):
    policy = library.get_policy(lib, code="TS-2026-02")
    assert [i.code for i in library.policy_items(lib, policy=policy, as_of=JUNE)] == [
        "TS-GQ-01", "TS-YF-01", "TS-ZJ-01", "TS-ZJ-02"]
    with pytest.raises(NotFound):
        library.get_policy(lib, code="NOPE")
    draft = library.new_version(lib, actor=officer(), code="TS-GQ-01")
    assert (draft.version, draft.status, draft.amount) == (2, "draft", {"fixed": 10_000_000})
    with pytest.raises(Conflict, match="已有草稿"):
        library.new_version(lib, actor=officer(), code="TS-GQ-01")
    assert library.get_item(lib, code="TS-GQ-01", as_of=JUNE).version == 1  # the public sees the one in force
    with pytest.raises(NotFound):
        library.get_item(lib, code="TS-GQ-01", version=2, actor=PUBLIC)
    assert library.get_item(lib, code="TS-GQ-01", version=2, actor=officer()).status == "draft"
    assert [v.version for v in library.list_versions(lib, code="TS-GQ-01", actor=PUBLIC)] == [1]
    assert [v.version for v in library.list_versions(lib, code="TS-GQ-01", actor=officer())] == [2, 1]
    assert [i.code for i in library.search_items(lib, status="draft", actor=officer()).items] == ["TS-GQ-01"]
    assert library.search_items(lib, status="draft", actor=PUBLIC, as_of=JUNE).total == 7  # public: in force only


def test_draft_is_published_only_when_its_cases_pass(lib):
    data = draft_of(lib, "TS-GQ-01") | {"amount": "12万元"}
    draft = library.save_draft(lib, actor=officer(), data=data)
    assert (draft.version, draft.status, draft.amount) == (2, "draft", {"fixed": 12_000_000})
    with pytest.raises(ValidationFailed) as exc:
        library.publish_item(lib, actor=officer(), code="TS-GQ-01", version=2, valid_from=date(2026, 7, 1))
    assert "有1个测试用例未通过" in exc.value.message
    assert "预期金额 10万元，实际 12万元" in exc.value.details[0].message
    case = data | {"tests": [{"name": "高新技术企业", "as_of": "2026-08-01",
                              "profile": {"certifications": ["高新技术企业"]}, "eligible": True, "amount": "12万元"}]}
    assert library.save_draft(lib, actor=officer(), data=case).version == 2  # the same draft, edited
    published = library.publish_item(lib, actor=officer(), code="TS-GQ-01", version=2, valid_from=date(2026, 7, 1))
    assert published.status == "published"
    assert versions(lib, "TS-GQ-01") == [(1, "published", date(2026, 2, 1), date(2026, 6, 30)),
                                         (2, "published", date(2026, 7, 1), date(2027, 12, 31))]
    assert library.get_item(lib, code="TS-GQ-01", as_of=JUNE).version == 1
    assert library.get_item(lib, code="TS-GQ-01", as_of=date(2026, 7, 1)).version == 2
    with pytest.raises(Conflict, match="不是草稿"):
        library.publish_item(lib, actor=officer(), code="TS-GQ-01", version=2)
    actions = lib.scalars(select(AuditRecord.action).where(AuditRecord.entity_id.like("TS-GQ-01@%"))).all()
    assert actions == ["policy_item.save_draft", "policy_item.save_draft", "policy_item.publish"]


def test_draft_is_checked_like_an_import(lib):
    data = draft_of(lib, "TS-GQ-01") | {"rule": 'certifications has "高新企业"', "budget": "-1万元", "colour": "red",
                                        "group": "G-NOPE"}
    with pytest.raises(ValidationFailed) as exc:
        library.save_draft(lib, actor=officer(), data=data)
    messages = {(e.field, e.message) for e in exc.value.details}
    assert ("colour", "未知字段「colour」；可用：code、title、department、tags、description、rule、amount、budget、"
            "auto_grant、recurrence、apply_item、valid_from、valid_to、status、tests、policy、group") in messages
    assert any(f == "rule" and "没有「高新企业」这一项，是否为「高新技术企业」？" in m for f, m in messages)
    assert ("budget", "资金上限：金额不能为负数：「-1万元」") in messages
    assert ("group", "互斥组「G-NOPE」不存在") in messages
    new = draft_of(lib, "TS-GQ-01") | {"code": "TS-NEW-01", "policy": "TS-2026-02", "group": None}
    created = library.save_draft(lib, actor=officer(), data=new)
    assert (created.code, created.version, created.exclusive_group) == ("TS-NEW-01", 1, None)


def test_department_officers_edit_only_their_items(lib):
    departments = dict(lib.execute(select(AwardItem.code, AwardItem.department_id)).all())
    fgw = officer(departments["TS-XGS-01"])
    with pytest.raises(Forbidden, match="本部门"):
        library.new_version(lib, actor=fgw, code="TS-GQ-01")
    assert library.new_version(lib, actor=fgw, code="TS-XGS-01").version == 2
    with pytest.raises(Forbidden):
        library.save_draft(lib, actor=PUBLIC, data=draft_of(lib, "TS-GQ-01"))


def test_parameter_values_are_dated_and_typed(lib):
    library.add_parameter_value(lib, actor=officer(), name="小微企业人数上限", effective_from=date(2027, 1, 1),
                                value=80)
    params = library.load_parameters(lib)
    assert params.value_at("小微企业人数上限", date(2026, 12, 31)) == 100
    assert params.value_at("小微企业人数上限", date(2027, 1, 1)) == 80
    with pytest.raises(ValidationFailed, match="参数取值有误") as exc:
        library.add_parameter_value(lib, actor=officer(), name="研发起补标准", effective_from=date(2028, 1, 1),
                                    value=300)
    assert "金额须写成带单位的文本" in exc.value.details[0].message
    with pytest.raises(ValidationFailed) as exc:  # a rule compares industry with it: codes must be classes
        library.add_parameter_value(lib, actor=officer(), name="重点行业", effective_from=date(2028, 1, 1),
                                    value=["C30"])
    assert "TS-ZJ-02" in exc.value.details[0].message
    with pytest.raises(NotFound):
        library.add_parameter_value(lib, actor=officer(), name="没有", effective_from=date(2028, 1, 1), value=1)
    param = library.define_parameter(lib, actor=officer(), name="新参数", type="date", label="某日期")
    assert param.type == "date"
    with pytest.raises(Conflict):
        library.define_parameter(lib, actor=officer(), name="新参数", type="date")
    with pytest.raises(ValidationFailed, match="类型"):
        library.define_parameter(lib, actor=officer(), name="坏参数", type="float")
    with pytest.raises(Forbidden):
        library.define_parameter(lib, actor=PUBLIC, name="x", type="int")


def test_groups_reject_cycles_and_unknown_parents(lib):
    with pytest.raises(ValidationFailed, match="互斥组存在环：G-KJ → G-ZJ → G-KJ"):
        library.save_group(lib, actor=officer(), code="G-KJ", name="科技", parent="G-ZJ")
    with pytest.raises(ValidationFailed, match="上级互斥组「G-NOPE」不存在"):
        library.save_group(lib, actor=officer(), code="G-NEW", name="新组", parent="G-NOPE")
    group = library.save_group(lib, actor=officer(), code="G-NEW", name="新组", parent="G-KJ", note="备注")
    assert (group.parent_code, group.note) == ("G-KJ", "备注")


def test_flatten_groups_maps_items_to_the_root():
    parents = {"A": None, "B": "A", "C": "B", "D": None}
    members = {"x": "C", "y": "B", "z": "A", "w": "D", "v": None}
    assert library.flatten_groups(parents, members) == {"x": "A", "y": "A", "z": "A", "w": "D"}


def test_active_specs_in_force_with_root_groups_and_budget_left(lib):
    specs, params = library.active_specs(lib, as_of=JUNE, paid_by_item={"TS-XGS-01": 120_000_000,
                                                                         "TS-YF-01": 2_000_000_000})
    by_code = {s.code: s for s in specs}
    assert sorted(by_code) == ["TS-GQ-01", "TS-SS-01", "TS-WG-01", "TS-XGS-01", "TS-YF-01", "TS-ZJ-01", "TS-ZJ-02"]
    assert {c: s.group for c, s in by_code.items() if s.group} == {"TS-GQ-01": "G-KJ", "TS-ZJ-01": "G-KJ",
                                                                   "TS-ZJ-02": "G-KJ"}
    assert by_code["TS-XGS-01"].budget_fen == 380_000_000
    assert by_code["TS-YF-01"].budget_fen == 0  # overspent: nothing left, never negative
    assert by_code["TS-GQ-01"].budget_fen is None
    assert by_code["TS-WG-01"].auto_grant and not by_code["TS-GQ-01"].auto_grant
    assert params.value_at("研发起补标准", date(2027, 1, 1)) == 50_000_000
    later, _ = library.active_specs(lib, as_of=date(2027, 1, 1))
    assert "TS-WG-01" not in {s.code for s in later}


def test_active_specs_are_compiled_once_per_content_and_parameters(lib):
    first, _ = library.active_specs(lib, as_of=JUNE)
    again, _ = library.active_specs(lib, as_of=JUNE)
    assert all(a is b for a, b in zip(first, again, strict=True))  # the engine keeps its plan for them
    library.add_parameter_value(lib, actor=officer(), name="小微企业人数上限", effective_from=date(2027, 1, 1),
                                value=80)
    changed, params = library.active_specs(lib, as_of=JUNE)
    assert not any(a is b for a, b in zip(first, changed, strict=True))
    assert params.value_at("小微企业人数上限", date(2027, 1, 1)) == 80


def test_database_test_run_reports_every_item(lib):
    report = library.run_tests(lib, as_of=JUNE)
    assert report.ok and report.summary() == "7 项事项，15 个用例，全部通过"


def test_api_shapes_of_items_policies_and_reports(lib):
    detail = service.policy_detail(lib, code="TS-2026-01")
    assert detail.doc_number == "测政发〔2026〕1号" and detail.full_text.startswith("第一条")
    by_code = {i.code: i for i in detail.items}
    wg = by_code["TS-WG-01"]
    assert (wg.policy, wg.department, wg.amount, wg.recurrence) == ("TS-2026-01", "RSJ",
                                                                   {"formula": "unemployment_insurance_paid * 60%"},
                                                                   "yearly")
    assert (by_code["TS-XGS-01"].budget_fen, by_code["TS-XGS-01"].budget_text) == (500_000_000, "500万元")
    assert by_code["TS-SS-01"].amount["stages"][0] == {
        "name": "辅导备案", "when": 'flags has "上市辅导备案" or flags has "上市申报受理"', "amount": "200万元"}
    out = service.report_out(library.run_tests(lib))
    assert out.ok and out.summary == "7 项事项，15 个用例，全部通过" and out.failures == []
