"""An edit of a published article makes a new version; old versions stay viewable; states on the one
transition mechanism (a second publish of the same draft is a 409)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from onewindow.common import time as beijing
from onewindow.common.errors import Conflict, Forbidden
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM, Principal
from onewindow.knowledge import service as kb

NEW = {"topic": "公积金", "department": "RSJ", "title": "住房公积金提取（2027版）",
       "body": "职工退休后提取公积金，全程网办，无需到现场。", "keywords": ["公积金提取"]}


def test_edit_of_published_makes_a_new_version_and_keeps_the_old(kb_data, session):
    v1 = kb_data["住房公积金提取需要哪些材料"]
    v2 = kb.edit_article(session, actor=SYSTEM, code=v1.code, data=NEW, expected_version=1)
    assert (v2.version, v2.status, v1.status) == (2, "draft", "published")
    assert kb.suggest(session, text="公积金提取")[0].version == 1  # the draft is not answered from yet
    again = kb.edit_article(session, actor=SYSTEM, code=v1.code, data={**NEW, "body": "改过的草稿"})
    assert again.id == v2.id  # a draft is edited in place
    kb.publish_article(session, actor=SYSTEM, code=v1.code, version=2)
    session.refresh(v1)
    assert v1.valid_to == beijing.today() - timedelta(days=1) or v1.status == "retired"
    assert [a.version for a in kb.list_versions(session, code=v1.code)] == [2, 1]
    assert kb.get_article(session, article_id=v1.id).title == "住房公积金提取需要哪些材料"  # still viewable
    top = kb.suggest(session, text="公积金提取")
    assert [(s.code, s.version) for s in top if s.code == v1.code] == [(v1.code, 2)]
    actions = set(session.scalars(select(AuditRecord.action).where(AuditRecord.entity_type == "knowledge_article")))
    assert {"knowledge.create", "knowledge.edit", "knowledge_article.publish"} <= actions


def test_stale_edit_and_second_publish_are_409(kb_data, session):
    v1 = kb_data["营业执照办理流程"]
    kb.edit_article(session, actor=SYSTEM, code=v1.code, data={**NEW, "topic": "企业开办", "department": "SCJGJ"})
    with pytest.raises(Conflict):
        kb.edit_article(session, actor=SYSTEM, code=v1.code, data=NEW, expected_version=1)
    kb.publish_article(session, actor=SYSTEM, code=v1.code, version=2)
    with pytest.raises(Conflict, match="不是草稿"):
        kb.publish_article(session, actor=SYSTEM, code=v1.code, version=2)


def test_only_editors_edit(kb_data, session):
    agent = Principal(user_id=None, username="a", display_name="坐席", role=Role.agent)
    applicant = Principal(user_id=None, username="p", display_name="群众", role=Role.applicant)
    with pytest.raises(Forbidden):
        kb.create_article(session, actor=agent, data=NEW)
    with pytest.raises(Forbidden):
        kb.search_articles(session, query="公积金", actor=applicant)
