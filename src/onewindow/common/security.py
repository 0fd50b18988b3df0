"""The authenticated principal: who is acting. Passwords and tokens belong to `accounts` (credentials.py)."""

from __future__ import annotations

from dataclasses import dataclass

from onewindow.common.errors import Forbidden
from onewindow.common.roles import ROLE_LABELS, Role


@dataclass(frozen=True)
class Principal:
    """Who is acting. Services take it as `actor` and check roles and departments themselves."""

    user_id: int | None
    username: str
    display_name: str
    role: Role
    department_id: int | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            labels = "、".join(ROLE_LABELS[r] for r in roles)
            raise Forbidden(f"此操作仅限{labels}")


# The actor for work started from the command line or the demo loader.
SYSTEM = Principal(user_id=None, username="system", display_name="系统", role=Role.admin)
