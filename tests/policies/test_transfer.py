"""Policy library import and export: versions like the catalogue's, re-imports change nothing, round
trips are the identity in both formats, and a bad file writes nothing and lists every error located."""

import io
from datetime import date
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import select

from onewindow.catalog import transfer as catalog_transfer
from onewindow.common.errors import Forbidden, ValidationFailed
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM, Principal
from onewindow.policies.library import core as library
from onewindow.policies.library import transfer
from onewindow.policies.library.documents import money_text
from onewindow.policies.models import (
    AwardItem,
    ExclusivityGroup,
    Policy,
    PolicyParameter,
    PolicyParameterValue,
    PolicyTestCase,
)
from onewindow.policies.rules.core import parse_money
from tests.policies.conftest import catalogue_yaml

DATA = Path(__file__).parent / "data"
SMALL = (DATA / "library_small.yaml").read_bytes()
BAD = (DATA / "library_bad.yaml").read_bytes()


def load_catalogue(session):
    """Departments ZF/FGW/KJJ/RSJ and the apply items T-FGW-0101, T-KJ-0101."""
    catalog_transfer.import_catalog(session, actor=SYSTEM, filename="policy_catalogue.yaml", content=catalogue_yaml())
    session.flush()
    return session


def load_small(session):
    """The catalogue and the small library (tests/policies/data/library_small.yaml)."""
    load_catalogue(session)
    transfer.import_library(session, actor=SYSTEM, filename="library_small.yaml", content=SMALL)
    session.flush()
    return session


@pytest.fixture
def catalogue(session):
    return load_catalogue(session)


@pytest.fixture
def lib(session):
    return load_small(session)


def small(**changes) -> dict:
    return yaml.safe_load(SMALL) | changes


def item_of(data: dict, code: str) -> dict:
    return next(i for p in data["policies"] for i in p["items"] if i["code"] == code)


def dump(data: dict) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()


def versions(session, code: str) -> list[tuple[int, str, date | None, date | None]]:
    return [(i.version, i.status, i.valid_from, i.valid_to) for i in session.scalars(
        select(AwardItem).where(AwardItem.code == code).order_by(AwardItem.version))]


def wipe(session) -> None:
    for model in (PolicyTestCase, AwardItem, Policy, ExclusivityGroup, PolicyParameterValue, PolicyParameter):
        for row in session.scalars(select(model)):
            session.delete(row)
        session.flush()


def test_import_writes_version_1_of_every_item_published(lib):
    counts = transfer.counts(lib)
    assert counts == {"policies": 2, "award_items": 7, "policy_parameters": 4, "policy_parameter_values": 5,
                      "exclusivity_groups": 2, "policy_test_cases": 15}
    assert versions(lib, "TS-XGS-01") == [(1, "published", date(2026, 1, 1), date(2028, 12, 31))]
    assert versions(lib, "TS-WG-01") == [(1, "published", date(2026, 1, 1), date(2026, 12, 31))]  # its own end
    item = library.get_item(lib, code="TS-SS-01", as_of=date(2026, 6, 30))
    assert item.amount == {"stages": [
        {"name": "辅导备案", "when": 'flags has "上市辅导备案" or flags has "上市申报受理"', "amount": 200_000_000},
        {"name": "申报受理", "when": 'flags has "上市申报受理"', "amount": 300_000_000}]}
    assert item.apply_item_code == "T-FGW-0101" and library.item_content(lib, item)["department"] == "FGW"
    assert library.get_item(lib, code="TS-XGS-01", as_of=date(2026, 6, 30)).budget_fen == 500_000_000
    assert {i.code: i.exclusive_group for i in lib.scalars(select(AwardItem))
            if i.exclusive_group} == {"TS-GQ-01": "G-KJ", "TS-ZJ-01": "G-ZJ", "TS-ZJ-02": "G-ZJ"}
    params = library.load_parameters(lib)
    assert params.value_at("研发起补标准", date(2026, 12, 31)) == 100_000_000
    assert params.value_at("研发起补标准", date(2027, 1, 1)) == 50_000_000
    assert params.value_at("重点行业", date(2026, 3, 1)) == frozenset({"C3011", "C3411"})
    case = lib.scalar(select(PolicyTestCase).where(PolicyTestCase.name == "未裁员的小微企业按60%返还"))
    assert case.profile == {"employees": 15, "layoffs": 0, "credit_serious": False,
                            "unemployment_insurance_paid": 1_200_000}
    assert case.expected_amount_fen == 720_000
    record = lib.scalar(select(AuditRecord).where(AuditRecord.action == "policies.import"))
    assert '"TS-XGS-01@1"' in record.after and record.entity_id == "library_small.yaml"


def test_reimporting_the_same_file_changes_nothing(lib):
    before = transfer.export_library(lib, fmt="yaml")[0]
    audits = len(lib.scalars(select(AuditRecord)).all())
    summary = transfer.import_library(lib, actor=SYSTEM, filename="library_small.yaml", content=SMALL)
    assert summary.versions == [] and summary.unchanged_items == 7
    assert (summary.parameters, summary.parameter_values, summary.groups, summary.policies, summary.tests) == (
        0, 0, 0, 0, 0)
    assert transfer.export_library(lib, fmt="yaml")[0] == before
    assert transfer.counts(lib)["award_items"] == 7
    assert len(lib.scalars(select(AuditRecord)).all()) == audits  # nothing changed: nothing written (#9.5)


def test_changed_item_becomes_a_new_published_version_that_ends_the_old_one(lib):
    data = small()
    item_of(data, "TS-GQ-01")["amount"] = "15万元"
    item_of(data, "TS-GQ-01")["tests"][0]["amount"] = "15万元"
    item_of(data, "TS-XGS-01")["valid_from"] = "2027-01-01"  # a new rule from a later date
    summary = transfer.import_library(lib, actor=SYSTEM, filename="v2.yaml", content=dump(data))
    assert sorted(summary.versions) == ["TS-GQ-01@2", "TS-XGS-01@2"] and summary.unchanged_items == 5
    # same start date: the old version never comes into force again, so it is retired
    assert versions(lib, "TS-GQ-01") == [(1, "retired", date(2026, 2, 1), date(2026, 1, 31)),
                                         (2, "published", date(2026, 2, 1), date(2027, 12, 31))]
    # later start: the old version stays in force until the day before
    assert versions(lib, "TS-XGS-01") == [(1, "published", date(2026, 1, 1), date(2026, 12, 31)),
                                          (2, "published", date(2027, 1, 1), date(2028, 12, 31))]
    assert library.get_item(lib, code="TS-XGS-01", as_of=date(2026, 12, 31)).version == 1
    assert library.get_item(lib, code="TS-XGS-01", as_of=date(2027, 1, 1)).version == 2
    assert library.get_item(lib, code="TS-GQ-01", as_of=date(2026, 6, 1)).amount == {"fixed": 15_000_000}


def test_a_new_end_date_changes_the_version_in_place(lib):
    data = small()
    item_of(data, "TS-WG-01")["valid_to"] = "2027-06-30"
    summary = transfer.import_library(lib, actor=SYSTEM, filename="v2.yaml", content=dump(data))
    assert summary.versions == ["TS-WG-01@1（失效日期）"]
    assert versions(lib, "TS-WG-01") == [(1, "published", date(2026, 1, 1), date(2027, 6, 30))]


def test_draft_in_the_file_is_not_in_force_until_imported_as_published(catalogue):
    data = small()
    item_of(data, "TS-GQ-01")["status"] = "draft"
    transfer.import_library(catalogue, actor=SYSTEM, filename="d.yaml", content=dump(data))
    assert versions(catalogue, "TS-GQ-01") == [(1, "draft", date(2026, 2, 1), date(2027, 12, 31))]
    assert library.search_items(catalogue, q="高新技术企业", as_of=date(2026, 6, 1)).total == 0
    summary = transfer.import_library(catalogue, actor=SYSTEM, filename="p.yaml", content=SMALL)
    assert summary.versions == ["TS-GQ-01@1"]
    assert versions(catalogue, "TS-GQ-01") == [(1, "published", date(2026, 2, 1), date(2027, 12, 31))]


@pytest.mark.parametrize("fmt", ["yaml", "xlsx"])
def test_export_import_round_trip(lib, fmt):
    before = transfer.export_library(lib, fmt="yaml")[0]
    content, _, name = transfer.export_library(lib, fmt=fmt)
    counts = transfer.counts(lib)
    wipe(lib)
    assert transfer.counts(lib)["award_items"] == 0
    transfer.import_library(lib, actor=SYSTEM, filename=name, content=content)
    assert transfer.export_library(lib, fmt="yaml")[0] == before  # byte for byte: the same library
    assert transfer.counts(lib) == counts
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(content))
        assert book.sheetnames == ["参数", "参数取值", "互斥组", "政策", "奖补事项", "分段兑现", "测试用例"]
        assert [c.value for c in book["奖补事项"][1]][:4] == ["政策编码", "编码", "名称", "兑现部门"]
        stages = [[c.value for c in row] for row in book["分段兑现"].iter_rows(min_row=2)]
        assert stages[1] == ["TS-SS-01", "申报受理", 'flags has "上市申报受理"', "300万元", None]


def test_export_reads_like_the_source(lib):
    exported = yaml.safe_load(transfer.export_library(lib, fmt="yaml")[0])
    source = yaml.safe_load(SMALL)
    assert exported["groups"] == source["groups"]
    assert item_of(exported, "TS-WG-01") == item_of(source, "TS-WG-01")
    assert exported["parameters"]["研发起补标准"]["values"] == {date(2026, 1, 1): "100万元", date(2027, 1, 1): "50万元"}


def test_bad_file_lists_every_error_located_and_writes_nothing(catalogue):
    before = transfer.counts(catalogue)
    with pytest.raises(ValidationFailed) as exc:
        transfer.import_library(catalogue, actor=SYSTEM, filename="library_bad.yaml", content=BAD)
    errors = {(e.field, e.message) for e in exc.value.details}
    expected = [
        ("policies[0].items[0].vaild_from", "未知字段「vaild_from」，是否为「valid_from」？"),
        ("parameters.营收标准.type", "类型「float」无效"),
        ("parameters.人数上限.values.2026-01-01.value", "应为整数，而不是「很多」"),
        ("parameters.起奖标准.values.2026-01-01.value", "金额须写成带单位的文本"),
        ("policies[0].level", "层级「区级」无效"),
        ("policies[0].valid_to", "失效日期 2026-01-01 早于生效日期 2026-06-01"),
        ("policies[1].code", "政策编码「BD-2026-01」重复"),
        ("policies[0].items[0].department", "兑现部门「NOPE」不是目录中的部门编码"),
        ("policies[0].items[0].rule", "规则第1行第1列：未知字段「revenu」，是否为「revenue」？"),
        ("policies[0].items[0].amount", "金额不能为负数：「-5万元」"),
        ("policies[0].items[0].budget", "资金上限：金额须写成带单位的文本"),
        ("policies[0].items[0].recurrence", "兑现频次「monthly」无效"),
        ("policies[0].items[1].apply_item", "免申即享事项无需企业申报"),
        ("policies[0].items[1].amount", "金额公式第1行第1列：金额公式的结果须为金额"),
        ("policies[0].items[2].apply_item", "申报事项「T-NOPE-0001」不是目录中的事项编码"),
        ("policies[0].items[3].code", "事项编码「BD-C-01」重复"),
        ("groups[1].items", "互斥组「G-B」的成员事项「BD-NONE-01」不存在"),
        ("groups[2].items", "事项「BD-A-01」同时属于互斥组「G-A」和「G-C」"),
        ("groups[0].parent", "互斥组存在环：G-A → G-B → G-A"),
        ("groups[2].items", "互斥组「G-C」只有1个成员"),
        ("policies[0].items[2].tests[0].as_of", "日期「2026-13-01」不是有效日期"),
        ("policies[0].items[2].tests[0].profile.certification", "未知字段「certification」，是否为「certifications」？"),
        ("policies[0].items[2].tests[0].profile.employees", "「employees」（从业人数）应为整数"),
        ("policies[0].items[2].tests[0].amount", "用例预期不符合条件，不应再写预期金额"),
    ]
    for where, fragment in expected:
        assert any(f == where and fragment in m for f, m in errors), (where, fragment, sorted(errors))
    assert len(exc.value.details) == len(expected)  # each mistake once, no echoes
    assert transfer.counts(catalogue) == before


def test_failing_test_case_blocks_publishing_by_import(catalogue):
    data = small()
    item_of(data, "TS-WG-01")["tests"][0]["amount"] = "7000元"
    with pytest.raises(ValidationFailed) as exc:
        transfer.import_library(catalogue, actor=SYSTEM, filename="t.yaml", content=dump(data))
    (error,) = exc.value.details
    assert error.field == "policies[0].items[2].tests[0]"
    assert "预期金额 7,000元，实际 7,200元" in error.message and "未通过" in error.message
    assert transfer.counts(catalogue)["award_items"] == 0
    item_of(data, "TS-WG-01")["status"] = "draft"  # a draft may be imported with failing cases, to fix
    transfer.import_library(catalogue, actor=SYSTEM, filename="t.yaml", content=dump(data))
    assert versions(catalogue, "TS-WG-01")[0][1] == "draft"


def test_xlsx_errors_name_sheet_row_and_column(lib):
    content = transfer.export_library(lib, fmt="xlsx")[0]
    book = load_workbook(io.BytesIO(content))
    sheet = book["奖补事项"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "TS-GQ-01")
    row[header.index("规则")].value = 'certifications has "高新技术企业" and revenu > 0元'
    row[header.index("金额")].value = 150000
    tests = book["测试用例"]
    tests.cell(row=2, column=4).value = "{industry: C3011, flags: [规上"  # a broken YAML mapping
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationFailed) as exc:
        transfer.import_library(lib, actor=SYSTEM, filename="bad.xlsx", content=out.getvalue())
    got = {(e.sheet, e.row, e.field): e.message for e in exc.value.details}
    n = row[0].row
    assert "规则第1行第33列：未知字段「revenu」" in got[("奖补事项", n, "G列（规则）")]
    assert "金额须写成带单位的文本" in got[("奖补事项", n, "H列（金额）")]
    assert "画像应写成 YAML 映射" in got[("测试用例", 2, "D列（画像）")]


def test_parameter_values_merge_by_date_and_types_stay(lib):
    data = {"parameters": {"研发起补标准": {"type": "money", "values": {"2028-01-01": "30万元"}}}}
    summary = transfer.import_library(lib, actor=SYSTEM, filename="p.yaml", content=dump(data))
    assert summary.parameter_values == 1
    params = library.load_parameters(lib)
    assert [v for _, v in params.get("研发起补标准").values] == [100_000_000, 50_000_000, 30_000_000]
    data = {"parameters": {"研发起补标准": {"type": "int", "values": {"2029-01-01": 3}}}}
    with pytest.raises(ValidationFailed) as exc:
        transfer.import_library(lib, actor=SYSTEM, filename="p.yaml", content=dump(data))
    assert "已存在且类型为金额，不能改为整数" in exc.value.details[0].message


def test_a_file_regrouping_items_it_does_not_list_versions_them(lib):
    data = {"groups": [{"code": "G-ZJ", "name": "专精特新梯度培育奖励不重复享受", "parent": "G-KJ",
                        "items": ["TS-ZJ-01", "TS-ZJ-02", "TS-GQ-01"]}]}
    with pytest.raises(ValidationFailed) as exc:  # G-KJ would be left with G-ZJ alone
        transfer.import_library(lib, actor=SYSTEM, filename="g.yaml", content=dump(data))
    assert [e.message for e in exc.value.details] == [
        "互斥组「G-KJ」只有1个成员（事项与下级组合计），至少两个才有“不重复享受”可言"]
    data["groups"][0].pop("parent")
    data["groups"].append({"code": "G-KJ", "name": "科技创新类奖励不重复享受", "items": ["TS-YF-01", "TS-WG-01"]})
    summary = transfer.import_library(lib, actor=SYSTEM, filename="g.yaml", content=dump(data))
    assert sorted(summary.versions) == ["TS-GQ-01@2", "TS-WG-01@2", "TS-YF-01@2"]
    roots = library.flatten_groups({g.code: g.parent_code for g in library.list_groups(lib)},
                                   {i.code: i.exclusive_group for i in library.current_versions(
                                       lib, as_of=date(2026, 6, 30))})
    assert roots == {"TS-GQ-01": "G-ZJ", "TS-ZJ-01": "G-ZJ", "TS-ZJ-02": "G-ZJ", "TS-WG-01": "G-KJ",
                     "TS-YF-01": "G-KJ"}


def test_unknown_format_and_file_type(catalogue):
    with pytest.raises(ValidationFailed) as exc:
        transfer.import_library(catalogue, actor=SYSTEM, filename="x.yaml", content=b"format: other/1\npolicy: []\n")
    messages = [str(e) for e in exc.value.details]
    assert "format：不支持的格式「other/1」，应为 onewindow-policies/1" in messages
    assert any("未知字段「policy」，是否为「policies」？" in m for m in messages)
    with pytest.raises(ValidationFailed, match="导入失败"):
        transfer.import_library(catalogue, actor=SYSTEM, filename="x.csv", content=b"a,b")
    with pytest.raises(ValidationFailed) as exc:
        transfer.import_library(catalogue, actor=SYSTEM, filename="x.xlsx", content=b"not a zip")
    assert "不是有效的 xlsx 文件" in exc.value.details[0].message


def test_only_policy_officers_and_admins_import(catalogue, user_factory):
    for role in (Role.applicant, Role.clerk, Role.approver):
        actor = Principal(user_id=None, username="x", display_name="x", role=role)
        with pytest.raises(Forbidden):
            transfer.import_library(catalogue, actor=actor, filename="s.yaml", content=SMALL)
    fgw = Principal(user_id=None, username="o", display_name="o", role=Role.policy_officer, department_id=1)
    with pytest.raises(Forbidden, match="整库导入"):
        transfer.import_library(catalogue, actor=fgw, filename="s.yaml", content=SMALL)
    officer = user_factory(Role.policy_officer)
    actor = Principal(user_id=officer.id, username=officer.username, display_name="o", role=Role.policy_officer)
    transfer.import_library(catalogue, actor=actor, filename="s.yaml", content=SMALL)
    record = catalogue.scalar(select(AuditRecord).where(AuditRecord.action == "policies.import"))
    assert record.actor_role == "policy_officer"


def test_money_text_round_trips_exactly():
    for fen in (0, 1, 99, 100, 150_000, 1_000_000, 1_500_000, 1_010_000, 1_234_567, 18_437_50, 2_500_000_000,
                10**13 + 10_000):
        assert parse_money(money_text(fen)) == fen, fen
    assert money_text(5_000_000) == "5万元" and money_text(1_843_750) == "18437.50元"
