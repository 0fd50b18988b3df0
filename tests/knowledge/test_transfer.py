"""Import/export: a round trip writes nothing; a bad file is a 422 naming row and field in Chinese,
and writes nothing."""

import copy
import io

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import func, select

from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from onewindow.knowledge import service as kb
from onewindow.knowledge.models import Article


def state(session):
    rows = session.execute(select(Article.code, Article.version, Article.status, Article.title, Article.updated_at)
                           .order_by(Article.id)).all()
    return rows, session.scalar(select(func.count()).select_from(AuditRecord))


@pytest.mark.parametrize("fmt", ["yaml", "xlsx"])
def test_reimporting_an_export_writes_nothing(kb_data, session, fmt):
    content, _, name = kb.export_articles(session, actor=SYSTEM, fmt=fmt)
    before = state(session)
    summary = kb.import_articles(session, actor=SYSTEM, filename=name, content=content)
    session.flush()
    assert (summary.written, summary.unchanged) == (0, len(before[0]))
    assert state(session) == before  # no row touched, not even an audit record
    if fmt == "xlsx":
        assert load_workbook(io.BytesIO(content)).sheetnames == ["知识条目"]


def test_import_into_an_empty_base_recreates_it(catalog, kb_data, session):
    content, _, name = kb.export_articles(session, actor=SYSTEM, fmt="yaml")
    data = yaml.safe_load(content)
    for row in data["articles"]:
        row["code"] = "KB-9" + row["code"][4:]  # the same articles under new codes
    summary = kb.import_articles(session, actor=SYSTEM, filename="new.yaml",
                                 content=yaml.safe_dump(data, allow_unicode=True).encode())
    assert summary.written == len(data["articles"])
    assert kb.search_articles(session, query="KB").total >= 0
    assert any(s.code.startswith("KB-9") for s in kb.suggest(session, text="营业执照", limit=10))


def test_bad_import_is_422_names_row_and_field_and_writes_nothing(kb_data, session, api_as):
    content, _, _ = kb.export_articles(session, actor=SYSTEM, fmt="yaml")
    data = yaml.safe_load(content)
    data["articles"].append({**copy.deepcopy(data["articles"][0]), "code": "KB-800001", "version": 1,
                             "title": "新条目", "status": "draft"})
    data["articles"][1]["topic"] = "不存在的主题"
    data["articles"][2]["department"] = "NOPE"
    before = state(session)
    api = api_as(Role.admin)
    r = api.post("/api/knowledge/import", files={"file": ("kb.yaml", yaml.safe_dump(data, allow_unicode=True), "application/yaml")})
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert {"row": 2, "label": "主题分类"}.items() <= errors[0].items()
    assert any(e.get("row") == 3 and e.get("label") == "主管部门编码" for e in errors)
    session.expire_all()
    assert state(session)[0] == before[0]  # the good new row was not written either
    assert session.scalar(select(Article.id).where(Article.code == "KB-800001")) is None


def test_bad_xlsx_row_names_the_chinese_column(kb_data, session, api_as):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "知识条目"
    ws.append(["知识编号", "版本", "状态", "主题分类", "主管部门编码", "标题", "答复内容"])
    ws.append(["KB-700001", 1, "draft", "社保", "RSJ", "", "内容"])
    out = io.BytesIO()
    book.save(out)
    r = api_as(Role.admin).post("/api/knowledge/import", files={"file": ("kb.xlsx", out.getvalue())})
    assert r.status_code == 422
    assert {"sheet": "知识条目", "row": 2, "label": "标题", "message": "不能为空"}.items() <= r.json()["errors"][0].items()
