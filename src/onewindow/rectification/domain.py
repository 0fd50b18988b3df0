"""rectification's registration: the ledger's tables, API and pages; its items' deadlines go to the
calendar's sweep (预警 / 超期, and 督办 of overdue items)."""

from __future__ import annotations

from onewindow.common.registry import Domain


def _deadlines():
    from onewindow.rectification.deadlines import SOURCES

    return SOURCES


def _audit():
    from onewindow.common.audit_text import AuditVocabulary
    from onewindow.rectification.states import ITEM

    own = AuditVocabulary(actions={"rectification.open": "立项整改", "rectification.overdue": "整改超期督办",
                                   "rectification.progress": "记录整改进展"},
                          fields={"note_id": "进展记录编号"})
    return AuditVocabulary.merge([ITEM.vocabulary(), own])


def _measures():
    from onewindow.rectification import service

    return service.measure_providers()


DOMAIN = Domain(package="rectification", label="整改台账", models="models", api=("api",), pages=("pages",),
                deadlines=_deadlines, audit=_audit, measures=_measures)
