"""Issue #9.5: the demo catalogue exported and imported back unchanged, through the API and the CLI,
writes nothing — no new version, no rewritten child row, no audit record."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from onewindow.catalog import transfer
from onewindow.catalog.models import Bundle, BundleItem, Department, FormField, Material, ServiceItem
from onewindow.cli import app
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM

DEMO = Path(__file__).parents[2] / "src" / "onewindow" / "demo" / "data" / "catalog.yaml"


def footprint(session) -> tuple:
    """Row counts, highest ids and optimistic-lock versions: a row deleted and written again shows."""
    session.expire_all()
    out = []
    for model in (Department, ServiceItem, Material, FormField, Bundle, BundleItem, AuditRecord):
        out += [session.scalar(select(func.count()).select_from(model)), session.scalar(select(func.max(model.__mapper__.primary_key[0])))]
    out.append(session.scalar(select(func.sum(Bundle.version))))
    out.append(tuple(session.execute(select(ServiceItem.code, ServiceItem.version, ServiceItem.status,
                                            ServiceItem.valid_to).order_by(ServiceItem.id)).all()))
    return tuple(out)


@pytest.fixture
def demo_catalog(session):
    transfer.import_catalog(session, actor=SYSTEM, filename=DEMO.name, content=DEMO.read_bytes())
    session.commit()
    return session


@pytest.mark.parametrize("fmt", ["xlsx", "yaml"])
def test_issue_9_5_api_round_trip_writes_nothing(demo_catalog, api_as, fmt):
    admin = api_as(Role.admin)
    exported = admin.get("/api/catalog/export", params={"format": fmt})
    assert exported.status_code == 200
    before = footprint(demo_catalog)
    answer = admin.post("/api/catalog/import", files={"file": (f"catalog.{fmt}", exported.content)})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["departments"], body["items"], body["bundles"]) == (0, 0, 0)
    assert body["unchanged_items"] == demo_catalog.scalar(select(func.count()).select_from(ServiceItem))
    assert footprint(demo_catalog) == before
    assert admin.get("/api/catalog/export", params={"format": "yaml"}).content == \
        admin.get("/api/catalog/export", params={"format": "yaml"}).content


@pytest.mark.parametrize("fmt", ["xlsx", "yaml"])
def test_issue_9_5_cli_round_trip_writes_nothing(demo_catalog, cli_session, tmp_path, fmt):
    path = tmp_path / f"catalog.{fmt}"
    result = CliRunner().invoke(app, ["catalog", "export", str(path)])
    assert result.exit_code == 0, result.output
    before = footprint(demo_catalog)
    result = CliRunner().invoke(app, ["catalog", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "部门 0，事项版本 0" in result.output and "一件事 0" in result.output
    assert footprint(demo_catalog) == before


def test_issue_9_5_a_changed_draft_is_still_written(demo_catalog):
    data = transfer.export_data(demo_catalog)
    draft = next(i for i in data["items"] if i["status"] == "draft")
    draft["name"] += "（修订）"
    from onewindow.catalog.documents import write_yaml

    before = demo_catalog.scalar(select(func.count()).select_from(AuditRecord))
    summary = transfer.import_catalog(demo_catalog, actor=SYSTEM, filename="c.yaml", content=write_yaml(data).encode())
    assert (summary.items, summary.departments, summary.bundles) == (1, 0, 0)
    assert demo_catalog.scalar(select(ServiceItem.name).where(ServiceItem.code == draft["code"],
                                                             ServiceItem.version == draft["version"])) == draft["name"]
    assert demo_catalog.scalar(select(func.count()).select_from(AuditRecord)) == before + 1


def test_list_cells_with_separators_inside_brackets_round_trip():
    from onewindow.common.documents import join_list, split_list

    for values in (["全套（公章、财务专用章）", "公章"], ["甲、乙"], ["a", "b；c"], ["一", "二"], []):
        assert split_list(join_list(values)) == values
