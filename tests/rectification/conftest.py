"""The case tests' small world (catalogue, departments, one account per role) serves the ledger too."""

from tests.cases.conftest import world  # noqa: F401 — a fixture
