"""Chinese search by segmented words; suggestions only from published articles in force (#11.2)."""

from onewindow.knowledge import service as kb


def titles(rows):
    return [r.title for r in rows]


def test_search_finds_by_segmented_words(kb_data, session):
    # Neither query is a substring of the title: both are found through jieba's words.
    found = kb.search_articles(session, query="退休提取公积金")
    assert titles(found.items) == ["住房公积金提取需要哪些材料"]
    found = kb.search_articles(session, query="养老保险 跨省")
    assert titles(found.items) == ["养老保险关系跨省转移接续"]
    assert kb.search_articles(session, query="外星人登记").total == 0


def test_search_filters_by_topic_and_department(kb_data, session):
    tax = kb_data["小规模纳税人增值税减免政策"]
    assert titles(kb.search_articles(session, query=None, topic="税务").items) == [tax.title]
    assert titles(kb.search_articles(session, query="增值税", department_id=tax.department_id).items) == [tax.title]
    assert kb.search_articles(session, query="增值税", topic="社保").total == 0


def test_suggest_ranks_what_the_caller_says(kb_data, session):
    rows = kb.suggest(session, text="您好，我想问一下退休了公积金怎么提取")
    assert rows[0].title == "住房公积金提取需要哪些材料"
    assert "公积金" in rows[0].snippet


def test_expired_retired_and_draft_articles_are_never_suggested(kb_data, session):
    rows = kb.suggest(session, text="户口迁移", limit=10)
    assert titles(rows) == ["户口迁移办理指南"]
    found = kb.search_articles(session, query="户口迁移")
    assert titles(found.items) == ["户口迁移办理指南"]


def test_suggest_with_nothing_significant_is_empty(kb_data, session):
    assert kb.suggest(session, text="请问一下") == []
    assert kb.suggest(session, text="") == []
    assert kb.suggest(session, text="%_'\"<>") == []


def test_get_article_not_found_in_chinese(kb_data, session):
    import pytest

    from onewindow.common.errors import NotFound

    with pytest.raises(NotFound, match="知识条目"):
        kb.get_article(session, article_id=999999)
    with pytest.raises(NotFound):  # a draft is hidden from readers
        kb.get_article(session, article_id=kb_data["draft"].id)


def test_a_word_still_being_typed_is_matched_as_a_prefix(kb_data, session):
    # An unfinished word matches the words it begins ("住房公" → 住房公积金).
    assert titles(kb.suggest(session, text="住房公"))[0] == "住房公积金提取需要哪些材料"
    assert titles(kb.suggest(session, text="公积")) == ["住房公积金提取需要哪些材料"]
    assert titles(kb.suggest(session, text="退休了公积金怎么提"))[0] == "住房公积金提取需要哪些材料"
