"""The one list of domain packages, in mounting order (API routers in this order make openapi.json).

Each package declares itself in its ``domain.py`` (``DOMAIN``: routers, pages, tables, commands,
periodic jobs, deadlines). Adding a domain is adding its name here; nothing else central changes.
"""

from __future__ import annotations

import importlib
from functools import cache

from onewindow.common.registry import Registry

PACKAGES = ("common", "accounts", "calendar", "catalog", "sharing", "cases", "licences", "knowledge", "policies",
            "demands", "rectification", "ratings", "supervision", "indicators")


@cache
def registry() -> Registry:
    return Registry(tuple(importlib.import_module(f"onewindow.{p}.domain").DOMAIN for p in PACKAGES))
