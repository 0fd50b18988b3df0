"""Pages and API access: who reads, who edits; the editor's form kept on error; the suggest partial."""

import re

from sqlalchemy import select

from onewindow.common.roles import Role
from onewindow.knowledge.models import Article
from tests.conftest import csrf

ARTICLE = {"topic": "社保", "department": "RSJ", "title": "失业保险金申领", "body": "失业人员可在线申领失业保险金。",
           "keywords": ["失业保险"]}


def test_an_applicant_can_neither_read_nor_edit(kb_data, api_as):
    api = api_as(Role.applicant)
    assert api.post("/api/knowledge/articles", json=ARTICLE).status_code == 403
    assert api.get("/api/knowledge/articles?q=公积金").status_code == 403
    code = kb_data["营业执照办理流程"].code
    assert api.put(f"/api/knowledge/codes/{code}", json=ARTICLE).status_code == 403


def test_an_agent_reads_but_cannot_edit(kb_data, api_as):
    api = api_as(Role.agent)
    r = api.get("/api/knowledge/suggest", params={"text": "退休了公积金怎么提取"})
    assert r.status_code == 200 and r.json()[0]["title"] == "住房公积金提取需要哪些材料"
    assert api.post("/api/knowledge/articles", json=ARTICLE).status_code == 403
    assert api.get("/api/knowledge/articles", params={"q": "营业执照"}).json()["total"] == 1


def test_admin_creates_edits_publishes_through_the_api(kb_data, api_as):
    api = api_as(Role.admin)
    made = api.post("/api/knowledge/articles", json=ARTICLE)
    assert made.status_code == 201 and made.json()["status_label"] == "草稿"
    code = made.json()["code"]
    published = api.post(f"/api/knowledge/codes/{code}/versions/1/publish", json={})
    assert published.json()["status_label"] == "已发布" and published.json()["in_force"]
    edited = api.put(f"/api/knowledge/codes/{code}", json={**ARTICLE, "body": "新口径", "expected_version": 1})
    assert edited.json()["version"] == 2
    assert [v["version"] for v in api.get(f"/api/knowledge/codes/{code}/versions").json()] == [2, 1]
    bad = api.post("/api/knowledge/articles", json={**ARTICLE, "topic": "火星"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["label"] == "主题分类"


def test_applicant_gets_403_on_the_editor_page(kb_data, browser_as):
    client = browser_as(Role.applicant)
    assert client.get("/knowledge/new").status_code == 403
    assert client.get("/knowledge/suggest?text=公积金").status_code == 403


def test_the_form_keeps_what_was_typed_on_error(kb_data, browser_as, session):
    client = browser_as(Role.admin)
    page = client.get("/knowledge/new")
    body = "来电人咨询失业保险金，告知其可在线申领。"
    r = client.post("/knowledge/new", data={"csrf_token": csrf(page.text), "topic": "社保", "department": "RSJ",
                                            "title": "", "body": body, "keywords": "失业、保险金"},
                    follow_redirects=False)
    assert r.status_code == 422
    assert body in r.text and 'value="失业、保险金"' in r.text
    assert re.search(r'<option value="RSJ" selected>', r.text)
    assert 'id="title-error">不能为空' in r.text and "「标题」" in r.text  # beside its field, and in the summary
    assert session.scalar(select(Article.id).where(Article.title == "")) is None
    ok = client.post("/knowledge/new", data={"csrf_token": csrf(page.text), "topic": "社保", "department": "RSJ",
                                             "title": "失业保险金申领", "body": body}, follow_redirects=False)
    assert ok.status_code == 303
    article = client.get(ok.headers["location"])
    assert "失业保险金申领" in article.text and "草稿" in article.text


def test_the_suggest_partial_renders_chinese_with_no_internal_keys(kb_data, browser_as):
    client = browser_as(Role.agent)
    r = client.get("/knowledge/suggest", params={"text": "户口迁移怎么办理"})
    assert r.status_code == 200
    assert "<html" not in r.text  # a fragment for htmx, not a page
    shown = re.sub(r"<[^>]+>", " ", r.text)
    assert "户口迁移办理指南" in shown and "测试市公安局" in shown and "户籍" in shown
    assert "旧口径" not in shown and "已过期" not in shown  # retired and expired are never suggested
    for key in ("published", "draft", "retired", "department_id", "GAJ", "None", "{", "KB-"):
        assert key not in shown
    empty = client.get("/knowledge/suggest", params={"text": "火星移民"})
    assert "知识库中暂无相关答复口径" in empty.text


def test_search_and_article_pages_render(kb_data, browser_as):
    client = browser_as(Role.supervisor)
    r = client.get("/knowledge", params={"q": "增值税"})
    assert r.status_code == 200 and "小规模纳税人增值税减免政策" in r.text
    article = kb_data["小规模纳税人增值税减免政策"]
    page = client.get(f"/knowledge/articles/{article.id}")
    assert "版本记录" in page.text and "第1版" in page.text and "国家税务总局测试市税务局" in page.text
    assert 'id="publish"' not in page.text  # readers see no editing controls
    assert client.get("/knowledge/articles/99999999999").status_code == 404
