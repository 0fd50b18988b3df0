"""The demo city's knowledge base: reproducible, at least 200 articles in force, every topic, loaded
through the ordinary import."""

from onewindow.catalog import service as catalog
from onewindow.common.security import SYSTEM
from onewindow.demo.knowledge import TOPICS, generate_articles, load_knowledge
from onewindow.demo.loader import DATA
from onewindow.knowledge import service as kb


def test_generator_is_reproducible_and_chinese():
    first, again = list(generate_articles(300)), list(generate_articles(300))
    assert first == again
    assert first != list(generate_articles(300, seed=1))
    assert {r["topic"] for r in first} == set(TOPICS)
    assert all("来电人咨询" in r["body"] for r in first)


def test_demo_loads_at_least_200_articles_in_force(session):
    path = DATA / "catalog.yaml"
    catalog.import_catalog(session, actor=SYSTEM, filename=path.name, content=path.read_bytes())
    in_force = load_knowledge(session)
    assert in_force >= 200
    assert kb.suggest(session, text="退休了公积金怎么提取")[0].topic == "公积金"
    assert load_knowledge(session) == in_force  # loading again writes nothing new
