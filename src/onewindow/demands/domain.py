"""demands' registration (filled in as the package grows)."""

from onewindow.common.registry import Domain

DOMAIN = Domain(package="demands", label="诉求", models="models")
