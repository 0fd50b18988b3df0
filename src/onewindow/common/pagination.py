"""One way to page every list, in the API and on pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PER_PAGE = 200


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(session: Session, stmt: Select, *, page: int = 1, per_page: int = 50, scalars: bool = True) -> Page:
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    query = stmt.limit(per_page).offset((page - 1) * per_page)
    rows = session.scalars(query).all() if scalars else session.execute(query).all()
    return Page(items=list(rows), total=total, page=page, per_page=per_page)
