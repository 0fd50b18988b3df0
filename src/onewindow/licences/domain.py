"""licences' registration: e-licence issuing, signing and verification."""

from onewindow.common.registry import Domain

DOMAIN = Domain(package="licences", label="电子证照", models="models", api=("api",), pages=("pages",))
