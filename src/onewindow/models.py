"""Every table, imported in one place so Alembic and tests see the whole schema."""

from onewindow.calendar import models as calendar_models  # noqa: F401
from onewindow.cases import models as case_models  # noqa: F401
from onewindow.catalog import models as catalog_models  # noqa: F401
from onewindow.common import models as common_models  # noqa: F401
from onewindow.db import Base
from onewindow.licences import models as licence_models  # noqa: F401
from onewindow.policies import models as policy_models  # noqa: F401
from onewindow.sharing import models as sharing_models  # noqa: F401

metadata = Base.metadata
