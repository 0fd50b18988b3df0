"""The demo policy library as CI runs it: every item's test cases through ``onewindow policies test``,
and the file imports into the demo catalogue (departments and apply-to items exist)."""

import re
from pathlib import Path

from typer.testing import CliRunner

import onewindow.demo
from onewindow.catalog import transfer as catalog_transfer
from onewindow.cli import app
from onewindow.common.security import SYSTEM
from onewindow.policies.library import core as library
from onewindow.policies.library import transfer

DEMO = Path(onewindow.demo.__file__).parent / "data"


def test_every_demo_item_has_cases_and_they_pass():
    result = CliRunner().invoke(app, ["policies", "test", str(DEMO / "policies.yaml")])
    assert result.exit_code == 0, result.output
    match = re.search(r"(\d+) 项事项，(\d+) 个用例，全部通过", result.output)
    assert match, result.output
    items, cases = map(int, match.groups())
    assert items >= 60 and cases >= 2 * items
    assert "没有用例的事项" not in result.output


def test_demo_library_imports_into_the_demo_catalogue(session):
    catalog_transfer.import_catalog(session, actor=SYSTEM, filename="catalog.yaml",
                                    content=(DEMO / "catalog.yaml").read_bytes())
    summary = transfer.import_library(session, actor=SYSTEM, filename="policies.yaml",
                                      content=(DEMO / "policies.yaml").read_bytes())
    assert len(summary.versions) >= 60
    again = transfer.import_library(session, actor=SYSTEM, filename="policies.yaml",
                                    content=(DEMO / "policies.yaml").read_bytes())
    assert again.versions == [] and again.unchanged_items == len(summary.versions)
    assert library.search_items(session, q="稳岗返还", status="all", actor=SYSTEM).total >= 1
