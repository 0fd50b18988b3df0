"""The words of each demand for duplicate candidates (issue 11 item 5): one row per meaningful word of a
demand's subject and content ("t", weighed 2 in the subject, 1 in the content) and of its place ("l",
weighed 2), with the demand's received_at beside it.

Why a table of its own rather than the full-text index (common.search): a candidate search asks "the
newest demands of the last N days sharing this word", word by word, and must stay bounded when a word
is in every tenth demand of a province's five million. The (word, received_at) index answers each word
with its newest rows in the window at once; a GIN or FTS5 index can only give every row holding it.
The words are cut by the same jieba segmentation as search (search.query_terms)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from onewindow.common import search
from onewindow.demands.models import Demand, DemandTerm

# Words that say nothing about what a demand is about, so two demands sharing them are not alike.
STOP = frozenset({"要求", "处理", "问题", "反映", "投诉", "举报", "希望", "相关", "部门", "我们", "没有", "一个", "进行",
                  "市民", "来电", "咨询", "请求", "帮助", "解决", "情况", "现在", "已经", "什么", "怎么", "如何",
                  "可以", "是否", "这个", "那个", "自己", "一直", "目前", "尽快", "建议", "有关", "关于"})
MAX_TERM = 32  # the column's width; a longer "word" (a run of digits and letters) is cut


def words(*texts: str, limit: int) -> list[str]:
    """The distinct meaningful words (two characters or more, not stop words, not numbers) of the texts,
    in order, at most `limit`."""
    seen: list[str] = []
    for text in texts:
        for word in search.query_terms((text or "")[:500]):
            word = word[:MAX_TERM]
            if len(word) >= 2 and word not in STOP and not word.isdigit() and word not in seen:
                seen.append(word)
                if len(seen) >= limit:
                    return seen
    return seen


TEXT_WORDS, PLACE_WORDS = 12, 6  # what a demand keeps; a call being taken looks up fewer (duplicates.py)


def rows(*, demand_id: int, received_at: datetime, subject: str, content: str, location: str) -> list[dict]:
    """The term rows of one demand (also what a bulk loader inserts)."""
    in_subject, in_content = words(subject, limit=TEXT_WORDS), words(content, limit=TEXT_WORDS)
    both = list(dict.fromkeys(in_subject + in_content))[:TEXT_WORDS]  # = words(subject, content), cut once
    out = [{"demand_id": demand_id, "term": w, "part": "t", "received_at": received_at,
            "weight": 2 * (w in in_subject) + (w in in_content)} for w in both]
    out += [{"demand_id": demand_id, "term": w, "part": "l", "received_at": received_at, "weight": 2}
            for w in words(location, limit=PLACE_WORDS)]
    return out


def index(session: Session, demand: Demand) -> None:
    """Write a demand's words (at intake: its subject, content and place do not change afterwards)."""
    batch = rows(demand_id=demand.id, received_at=demand.received_at, subject=demand.subject,
                 content=demand.content, location=demand.location)
    if batch:
        session.execute(insert(DemandTerm), batch)
