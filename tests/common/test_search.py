"""common/search works for any table (#10.5): a knowledge-base-like table gets its index from index_ddl
and is searched by the same search() the catalogue and the policy library use."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, String, Text, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from onewindow.common import search


class _Base(DeclarativeBase):  # not the app's metadata: the table exists only inside this test's transaction
    pass


class Article(_Base):
    __tablename__ = "test_kb_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    search_text: Mapped[str] = mapped_column(Text, default="")


def test_issue10_any_table_gets_chinese_full_text(session):
    dialect = session.get_bind().dialect.name
    _Base.metadata.create_all(session.connection())
    for stmt in search.index_ddl("test_kb_articles", dialect):
        session.execute(text(stmt))
    for i, (title, body) in enumerate([("营业执照办理指南", "企业开办时申领营业执照需要的材料"),
                                       ("社保转移", "养老保险关系转移接续"),
                                       ("发票申领", "新办企业首次申领增值税发票")], 1):
        session.add(Article(id=i, title=title, search_text=search.segment(title, body)))
    session.flush()
    stmt = select(Article)
    page = search.search(session, stmt, model=Article, title=Article.title, q="申领营业执照", order=(Article.id,),
                         page=1, per_page=10)
    assert [a.title for a in page.items] == ["营业执照办理指南"]
    page = search.search(session, stmt, model=Article, title=Article.title, q="企业", order=(Article.id,),
                         page=1, per_page=10)
    assert [a.id for a in page.items] == [1, 3]
    fragment = search.search(session, stmt, model=Article, title=Article.title, q="转移", order=(Article.id,),
                             page=1, per_page=10)
    assert [a.id for a in fragment.items] == [2]
    everything = search.search(session, stmt, model=Article, title=Article.title, q=" ", order=(Article.id,),
                               page=1, per_page=10)
    assert everything.total == 3
    assert search.MANAGED_NAME.match("test_kb_articles_fts_idx") and search.MANAGED_NAME.match("ix_test_kb_articles_search")
    assert len(search.drop_ddl("test_kb_articles", dialect)) >= 1
    with pytest.raises(ValueError, match="表名不合法"):
        search.index_ddl("x; DROP TABLE users", dialect)
