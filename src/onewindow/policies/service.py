"""惠企政策's public API for other packages and for pages: the policy library (read, search, edit,
publish), parameters and exclusivity groups, import and export, policy test cases, and the compiled
items the matcher and the 免申即享 batches run on. Other packages import this module, not the
library's internals."""

from __future__ import annotations

from sqlalchemy.orm import Session

from . import testcases, transfer
from .library import (
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
from .testcases import CaseResult, Report
from .transfer import ImportSummary, export_library, import_library

__all__ = [
    "POLICY_EDITORS", "CaseResult", "ImportSummary", "Report", "active_specs", "add_parameter_value", "can_edit",
    "current_versions", "define_parameter", "export_library", "flatten_groups", "get_item", "get_policy",
    "import_library", "list_groups", "list_parameters", "list_test_cases", "list_versions", "load_parameters",
    "new_version", "policy_items", "publish_item", "run_tests", "save_draft", "save_group", "search_items",
    "search_policies", "test_file",
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
