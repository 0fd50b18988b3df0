"""Every table, imported in one place so Alembic and tests see the whole schema: each registered
domain's models module."""

from onewindow.db import Base
from onewindow.domains import registry

MODULES = registry().model_modules()
metadata = Base.metadata
