"""catalog's registration: departments, service items and bundles."""

from onewindow.common.registry import Domain

DOMAIN = Domain(package="catalog", label="事项目录", models="models", api=("api",), pages=("pages", "edit_pages"),
                commands="commands")
