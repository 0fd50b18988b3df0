"""Every table, imported in one place so Alembic and tests see the whole schema."""

from onewindow.calendar import models as calendar_models  # noqa: F401
from onewindow.catalog import models as catalog_models  # noqa: F401
from onewindow.common import models as common_models  # noqa: F401
from onewindow.db import Base

metadata = Base.metadata
