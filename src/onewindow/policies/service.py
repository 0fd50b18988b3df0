"""惠企政策's public API for other packages and for pages: the policy library (read, search, edit,
publish), parameters and exclusivity groups, import and export, policy test cases, and the compiled
items the matcher and the 免申即享 batches run on. Other packages import this module, not the
library's internals."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.policies import schemas
from onewindow.policies.library import testcases, transfer
from onewindow.policies.library.core import (
    POLICY_EDITORS,
    active_specs,
    add_parameter_value,
    can_edit,
    current_versions,
    define_parameter,
    flatten_groups,
    get_item,
    get_policy,
    list_groups,
    list_parameters,
    list_test_cases,
    list_versions,
    load_parameters,
    new_version,
    policy_items,
    publish_item,
    run_tests,
    save_draft,
    save_group,
    search_items,
    search_policies,
)
from onewindow.policies.library.testcases import CaseResult, Report
from onewindow.policies.library.transfer import ImportSummary, export_library, import_library
from onewindow.policies.matching.core import run_full

from .models import AwardItem, Policy

__all__ = [
    "measure_providers",
    "POLICY_EDITORS", "CaseResult", "ImportSummary", "Report", "active_specs", "add_parameter_value", "can_edit",
    "current_versions", "define_parameter", "export_library", "flatten_groups", "get_item", "get_policy",
    "import_library", "item_outs", "list_groups", "list_parameters", "list_test_cases", "list_versions", "load_parameters",
    "new_version", "policy_items", "publish_item", "run_tests", "save_draft", "save_group", "search_items",
    "policy_detail", "report_out", "run_full", "search_policies", "test_file",
]


def test_file(*, filename: str, content: bytes, session: Session | None = None) -> Report:
    """Run every test case of a library file (YAML or xlsx). Without ``session`` no database is
    needed: department and catalogue codes are then not checked. A file that does not validate
    raises ``ValidationFailed`` listing every error, as an import would."""
    checked, errors = transfer.check_file(session, filename=filename, content=content, run_tests=False)
    errors.raise_if_any("政策库文件有误，未运行测试用例")
    report = Report()
    for item in checked.items:
        report.add(item["code"], testcases.run_item(item["_spec"], item["tests"], checked.params))
    return report


test_file.__test__ = False  # a service function, not a pytest test


def item_outs(session: Session, items: Sequence[AwardItem]) -> list[schemas.AwardItemOut]:
    """API shapes of item versions, their policy and department codes looked up in two queries."""
    policies = dict(session.execute(select(Policy.id, Policy.code).where(
        Policy.id.in_({i.policy_id for i in items}))).all())
    departments = catalog.departments_by_id(session, ids={i.department_id for i in items})
    return [schemas.AwardItemOut.of(i, policy=policies[i.policy_id], department=departments[i.department_id].code,
                                    department_name=departments[i.department_id].name) for i in items]


def policy_detail(session: Session, *, code: str) -> schemas.PolicyDetailOut:
    """A policy with its items in force today."""
    policy = get_policy(session, code=code)
    return schemas.PolicyDetailOut(**schemas.PolicyOut.of(policy).model_dump(), full_text=policy.full_text,
                                   items=item_outs(session, policy_items(session, policy=policy)))


def report_out(report: Report) -> schemas.TestReportOut:
    return schemas.TestReportOut(
        items=report.items, cases=report.cases, ok=report.ok, summary=report.summary(), untested=report.untested,
        failures=[schemas.CaseFailureOut(item=f.item, name=f.name, message=f.message) for f in report.failures])


def measure_providers() -> list:
    """What policies offers the indicators (common.measures)."""
    from onewindow.policies.measures import PROVIDER

    return [PROVIDER]
