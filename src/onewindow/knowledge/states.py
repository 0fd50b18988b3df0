"""An article's states and moves, for the one transition mechanism (common.transitions)."""

from __future__ import annotations

from onewindow.common.transitions import Machine, Move, State
from onewindow.knowledge.models import Article


class ArticleStatus(State):
    draft = "draft", "草稿"
    published = "published", "已发布"
    retired = "retired", "已停用"


# `version` on an article is its content version (第N版), not a lock counter, so the machine runs
# unversioned: the conditional UPDATE on the state alone makes the second of two publishers get a 409.
ARTICLE = Machine(
    entity="knowledge_article", noun="知识条目", model=Article, states=ArticleStatus, versioned=False,
    stale="知识条目已被他人处理，请刷新后查看最新状态",
    moves={"publish": Move(("draft",), "published"), "retire": Move(("published",), "retired")},
    stamps={"published": "published_at", "retired": "retired_at"},
    entity_id=lambda a: f"{a.code}@{a.version}",
)
