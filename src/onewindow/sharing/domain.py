"""sharing's registration: registries and prefill/verification providers."""

from onewindow.common.registry import Domain

DOMAIN = Domain(package="sharing", label="数据共享", models="models", api=("api",), pages=("pages",))
