"""Policy test cases: run from a library file without a database or from the database, failures
explained in Chinese, and the ``onewindow policies test|import|export`` commands."""

import re

import pytest
import yaml
from typer.testing import CliRunner

from onewindow.cli import app
from onewindow.common.errors import ValidationFailed
from onewindow.policies import service
from onewindow.policies.library import core as library
from onewindow.policies.library import transfer
from tests.policies.test_transfer import DATA, SMALL, dump, item_of, load_catalogue, load_small, small

runner = CliRunner()


def failing_file() -> bytes:
    data = small()
    item_of(data, "TS-XGS-01")["tests"][1]["eligible"] = True  # 营收不足2000万元: not eligible in truth
    item_of(data, "TS-WG-01")["tests"][0]["amount"] = "7000元"
    item_of(data, "TS-ZJ-02")["tests"][1]["eligible"] = True  # industry unknown: undetermined
    return dump(data)


def test_a_library_file_runs_without_a_database():
    report = service.test_file(filename="library_small.yaml", content=SMALL)
    assert report.ok and report.summary() == "7 项事项，15 个用例，全部通过"
    assert (report.items, report.cases, report.untested) == (7, 15, [])


def test_failures_say_what_was_expected_and_why():
    report = service.test_file(filename="f.yaml", content=failing_file())
    assert not report.ok and report.summary() == "7 项事项，15 个用例，3 个未通过"
    by_item = {f.item: f for f in report.failures}
    revenue = by_item["TS-XGS-01"]
    assert revenue.name == "营收不足2000万元" and revenue.index == 1
    assert revenue.message.startswith("事项「TS-XGS-01」用例「营收不足2000万元」（2026-06-30）：预期符合条件，实际不符合条件")
    assert "revenue >= $规上工业营收标准" in revenue.message and "1,999.99万元" in revenue.message
    assert "预期金额 7,000元，实际 7,200元" in by_item["TS-WG-01"].message
    unknown = by_item["TS-ZJ-02"].message
    assert "实际因数据缺失无法判定" in unknown and "缺少数据" in unknown


def test_database_cases_after_import_and_a_draft_is_not_run(session):
    load_small(session)
    assert library.run_tests(session).summary() == "7 项事项，15 个用例，全部通过"
    assert library.run_tests(session, codes=["TS-GQ-01"]).summary() == "1 项事项，1 个用例，全部通过"


def test_xlsx_file_runs_the_same_cases(session):
    load_small(session)
    content = transfer.export_library(session, fmt="xlsx")[0]
    assert service.test_file(filename="lib.xlsx", content=content).summary() == "7 项事项，15 个用例，全部通过"


def test_an_invalid_file_is_not_run():
    data = small()
    item_of(data, "TS-GQ-01")["tests"][0]["profile"] = {"certificatons": ["高新技术企业"]}
    with pytest.raises(ValidationFailed) as exc:
        service.test_file(filename="x.yaml", content=dump(data))
    assert str(exc.value.details[0]) == ("policies[1].items[0].tests[0].profile.certificatons："
                                         "画像中的未知字段「certificatons」，是否为「certifications」？")


def test_cli_test_passes_and_fails(tmp_path):
    result = runner.invoke(app, ["policies", "test", str(DATA / "library_small.yaml")])
    assert result.exit_code == 0, result.output
    assert "7 项事项，15 个用例，全部通过" in result.output
    bad = tmp_path / "failing.yaml"
    bad.write_bytes(failing_file())
    result = runner.invoke(app, ["policies", "test", str(bad)])
    assert result.exit_code == 1
    assert result.output.count("✗") == 3 and "7 项事项，15 个用例，3 个未通过" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("policies: [1]\n")
    result = runner.invoke(app, ["policies", "test", str(broken)])
    assert result.exit_code == 1 and "policies[0]：每一项应为映射" in result.output


def test_cli_import_export_and_database_test(cli_session, tmp_path):
    load_catalogue(cli_session)
    result = runner.invoke(app, ["policies", "import", str(DATA / "library_small.yaml")])
    assert result.exit_code == 0, result.output
    assert re.search(r"事项新版本 7（未变 0）", result.output)
    result = runner.invoke(app, ["policies", "test"])
    assert result.exit_code == 0 and "7 项事项，15 个用例，全部通过" in result.output
    for suffix in ("yaml", "xlsx"):
        out = tmp_path / f"lib.{suffix}"
        result = runner.invoke(app, ["policies", "export", str(out)])
        assert result.exit_code == 0 and out.exists()
    assert yaml.safe_load(out.with_suffix(".yaml").read_bytes())["policies"][0]["code"] == "TS-2026-01"
    result = runner.invoke(app, ["policies", "import", str(out)])  # the xlsx export: nothing changes
    assert result.exit_code == 0 and "事项新版本 0（未变 7）" in result.output
    result = runner.invoke(app, ["policies", "import", str(DATA / "library_bad.yaml")])
    assert result.exit_code == 1 and "导入失败，未写入任何数据" in result.output
    assert "policies[0].items[0].department：兑现部门「NOPE」不是目录中的部门编码" in result.output


def test_amount_failures_show_how_the_amount_came_out():
    data = small()
    item_of(data, "TS-SS-01")["tests"][1]["amount"] = "600万元"
    item_of(data, "TS-WG-01")["tests"][0]["profile"].pop("unemployment_insurance_paid")
    item_of(data, "TS-YF-01")["tests"][1]["amount"] = "9万元"
    failures = {f.item: f.message for f in service.test_file(filename="a.yaml", content=dump(data)).failures}
    assert failures["TS-SS-01"].endswith("预期金额 600万元，实际 500万元（辅导备案：200万元；申报受理：300万元）")
    assert failures["TS-WG-01"].endswith("实际因数据缺失无法判定；缺少数据：失业保险缴费（unemployment_insurance_paid * 60%）")
    assert "预期金额 9万元，实际 8万元（金额：min(研发费用 × 10%, 50万元) = 8万元）" in failures["TS-YF-01"]
