"""Suggestions while an agent types a caller's problem: published articles in force, best first.

A caller's words are many and loose ("我想问一下公积金怎么提取"), so requiring every word (what the
search page does) would find nothing. Instead the significant words (function words dropped) are tried
in tiers: all of them, then without the shortest (least specific) one, and so on, until enough articles
are found; an article matching more of the words therefore always ranks above one matching fewer.
Each tier goes through the same full-text index as the search page (common.search.full_text), reads at
most CANDIDATES rows and ranks only those — by the words found in the title and keywords, then in the
text — so the cost of a keystroke stays bounded however common a word is (a word in 10,000 articles
costs the same as one in 10). Within a tier this is approximate by design: a tier that large means the
words typed so far do not yet tell the articles apart, and the next keystroke narrows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, literal, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from onewindow.common import search, versions
from onewindow.knowledge.models import Article

CANDIDATES = 200
MAX_TERMS = 6
# Words a caller says that tell nothing about the matter (口语虚词).
_STOP_TEXT = (
    "我 你 他 她 它 我们 你们 的 了 吗 呢 吧 啊 呀 哦 嗯 是 在 有 和 与 或 就 都 也 还 又 要 想 会 能 可以 可 "
    "请问 问 一下 咨询 了解 怎么 怎么样 怎样 如何 什么 哪里 哪些 哪个 多少 为什么 能否 是否 需要 需 "
    "这个 那个 这 那 一个 个 些 给 对 把 被 让 到 从 去 来 说 下 上 现在 已经 没有 不 没 好 谢谢 您好 你好 "
    "办 办理 问题 情况 事情 事 麻烦 问下 个事 该 找 哪个 部门 急 谢谢您 帮 帮忙 一些 这样 那样 时候 "
    "知道 告诉 我家 家里 今天 昨天 刚才 反映 打电话 电话")
STOP_WORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True)
class Suggestion:
    id: int
    code: str
    version: int
    title: str
    topic: str
    department_id: int
    snippet: str


def significant_terms(text: str) -> list[str]:
    """The caller's words that can tell articles apart, longest (most specific) first."""
    seen: dict[str, None] = {}
    for term in search.query_terms(text):
        if term not in STOP_WORDS and term not in seen:
            seen[term] = None
    return sorted(seen, key=len, reverse=True)[:MAX_TERMS]


def _typing(text: str) -> tuple[list[str], str | None]:
    """(whole words, the word still being typed or None): while the agent types, the last word may be
    unfinished ("公积"), so it is matched as a prefix; once a separator follows it, it is whole."""
    words = search.query_terms(text)
    partial = words[-1] if words and text and (text[-1].isalnum() or "\u4e00" <= text[-1] <= "\u9fff") else None
    if partial in STOP_WORDS or (partial and len(partial) < 2):
        partial = None  # one character (“哪”) begins too many words to narrow anything
    whole = significant_terms(" ".join(words[:-1] if partial else words))
    return [w for w in whole if w != partial], partial


def _tiers(whole: list[str], partial: str | None) -> list[tuple[list[str], str | None]]:
    """Word sets to try, the most words first (with the unfinished word before without it, since it may
    be a typo); at most MAX_TIERS of them run."""
    tiers = [(whole[:k], partial) for k in range(len(whole), -1, -1) if k or partial]
    if partial:
        tiers += [(whole[:k], None) for k in range(len(whole), 0, -1)]
    return sorted(tiers, key=lambda t: len(t[0]) + (t[1] is not None), reverse=True)


MAX_TIERS = 5


def _score(terms: list[str]):
    """Words of the text found in the title count three, in the rest of the text one."""
    score = literal(0)
    for term in terms:
        score = score + case((search.contains(Article.title, term), 3), else_=0) \
            + case((search.contains(Article.search_text, term), 1), else_=0)
    return score


def suggest(session: Session, *, text: str, limit: int = 5, today: date | None = None) -> list[Suggestion]:
    whole, partial = _typing((text or "")[:500])
    if (not whole and partial is None) or limit < 1:
        return []
    live = versions.in_force(Article, today)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # With LIMIT and a common word, PostgreSQL's planner prefers a sequential scan that evaluates
        # to_tsvector on every row it passes (its cost is underestimated), or an index scan on the state
        # doing the same: 240–350 ms instead of 5 ms over 100,000 articles (bench/knowledge_bench.py).
        # For these statements only, the planner is left the full-text index (bitmap scans).
        was = session.execute(sql("SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'), "
                                   "set_config('enable_seqscan', 'off', true), "
                                   "set_config('enable_indexscan', 'off', true)")).one()
    try:
        return _suggest(session, whole, partial, live, limit)
    finally:
        if postgres:
            session.execute(sql("SELECT set_config('enable_seqscan', :seq, true), "
                                "set_config('enable_indexscan', :idx, true)"), {"seq": was[0], "idx": was[1]})


def _suggest(session: Session, whole: list[str], partial: str | None, live, limit: int) -> list[Suggestion]:
    scored = whole + ([partial] if partial else [])
    found: list[Suggestion] = []
    cols = (Article.id, Article.code, Article.version, Article.title, Article.topic, Article.department_id,
            Article.body)
    for n, (words, prefix) in enumerate(_tiers(whole, partial)):
        if n == MAX_TIERS:
            break
        where = search.full_text(session, " ".join(words), Article, prefix=prefix)
        if where is None:
            continue
        stmt = select(Article.id).where(where, live)
        if found:
            stmt = stmt.where(Article.id.not_in([f.id for f in found]))
        pool = stmt.limit(CANDIDATES).subquery()
        ranked = (select(*cols).join(pool, pool.c.id == Article.id)
                  .order_by(_score(scored).desc(), Article.code).limit(limit - len(found)))
        found += [Suggestion(*row[:6], snippet(row[6], scored)) for row in session.execute(ranked)]
        if len(found) >= limit:
            break
    return found


def snippet(body: str, terms: list[str], width: int = 60) -> str:
    """The piece of the answer around the first word found, so the agent sees why it was suggested."""
    text = " ".join((body or "").split())
    at = min((i for i in (text.find(t) for t in terms) if i >= 0), default=0)
    start = max(0, at - width // 4)
    piece = text[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
