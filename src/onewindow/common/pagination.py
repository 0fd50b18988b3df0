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
    capped: bool = False  # total is a floor: at least this many match


    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(session: Session, stmt: Select, *, page: int = 1, per_page: int = 50, scalars: bool = True,
             max_count: int | None = None, total: int | None = None) -> Page:
    """One page of `stmt`. With `max_count`, counting stops there (the page says "N+"): over millions of
    rows an exact count of a broad filter costs more than the page itself. `total` is the exact count
    when the caller has a cheaper way to it than counting `stmt` (an index that answers it alone)."""
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    if total is None:
        counted = stmt.order_by(None)
        if max_count is not None:
            counted = counted.limit(max_count + 1)
        total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    capped = max_count is not None and total > max_count
    total = min(total, max_count) if capped else total
    query = stmt.limit(per_page).offset((page - 1) * per_page)
    rows = session.scalars(query).all() if scalars else session.execute(query).all()
    return Page(items=list(rows), total=total, page=page, per_page=per_page, capped=capped)
