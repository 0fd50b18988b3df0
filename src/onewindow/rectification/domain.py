"""rectification's registration: the ledger's tables, API and pages; its items' deadlines go to the
calendar's sweep (预警 / 超期, and 督办 of overdue items)."""

from __future__ import annotations

from onewindow.common.registry import Domain


def _deadlines():
    from onewindow.rectification.deadlines import SOURCES

    return SOURCES


DOMAIN = Domain(package="rectification", label="整改台账", models="models", api=("api",), pages=("pages",),
                deadlines=_deadlines)
