"""knowledge's registration: the 12345 knowledge base."""

from onewindow.common.registry import Domain

DOMAIN = Domain(package="knowledge", label="知识库", models="models", api=("api",), pages=("pages",))
