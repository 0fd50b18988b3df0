"""Pagination with a count cap."""

from sqlalchemy import select

from onewindow.accounts.models import User
from onewindow.common.pagination import paginate
from onewindow.common.roles import Role


def test_count_stops_at_the_cap(session, user_factory):
    for n in range(5):
        user_factory(Role.clerk, username=f"pg_{n}")
    stmt = select(User).where(User.username.like("pg_%")).order_by(User.id)
    exact = paginate(session, stmt, page=1, per_page=2)
    assert (exact.total, exact.capped, len(exact.items)) == (5, False, 2)
    capped = paginate(session, stmt, page=1, per_page=2, max_count=3)
    assert (capped.total, capped.capped, len(capped.items)) == (3, True, 2)
    assert paginate(session, stmt, page=3, per_page=2, max_count=5).capped is False
