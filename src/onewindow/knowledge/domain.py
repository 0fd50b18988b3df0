"""knowledge's registration: the 12345 knowledge base."""

from onewindow.common.registry import Domain


def _audit():
    from onewindow.common.audit_text import AuditVocabulary
    from onewindow.knowledge.states import ARTICLE

    own = AuditVocabulary(actions={"knowledge.create": "新建知识条目", "knowledge.edit": "修改知识条目",
                                   "knowledge.import": "导入知识库"},
                          entities={"knowledge": "知识库"},
                          fields={"written": "写入条数", "unchanged": "未变条数"})
    return AuditVocabulary.merge([ARTICLE.vocabulary(), own])


DOMAIN = Domain(package="knowledge", label="知识库", models="models", api=("api",), pages=("pages",), audit=_audit)
