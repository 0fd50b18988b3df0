"""The import contract (issue 10 item 6): layers point one way, and a package imports another's public face only.

A domain package may import a package below it in LAYERS, and of it only `service`, `schemas` and the names its
`__init__` lists in `__all__` — never its models, other modules or private (underscore) names. `common` is the
shared machinery every package stands on: any of its modules, but no private name. The composition root (the
top-level modules such as app.py, cli.py, models.py) and the migrations may import anything. Imports under
`if TYPE_CHECKING:` count like any other: a type-level circle is still a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "onewindow"

# Lowest first; a package may import only packages of an earlier entry (architecture.md, "Dependencies point one way").
LAYERS: list[tuple[str, ...]] = [
    ("common",),
    ("accounts",),
    ("calendar",),
    ("catalog",),
    ("sharing",),
    ("licences",),
    ("cases",),
    ("knowledge", "rectification"),  # the 12345 knowledge base; the general 整改 ledger ratings (later demands, supervision) open items in
    ("policies", "demands"),
    ("ratings", "supervision"),
    ("indicators",),
    ("demo",),
]
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}
PUBLIC_MODULES = {"service", "schemas"}
ROOT_EXEMPT = {"migrations", "web"}
# demo/ is the synthetic-data loader standing in for the external registries (登记、纳税、社保、信用):
# like a migration it writes tens of thousands of rows (millions for the benchmarks) in bulk INSERTs and
# counts what it loaded, which no service call per row could do in the time `make demo` allows. So it
# may also import the `models` of the packages below it; everything else of theirs (imports, matching,
# licences) still goes through their public face, and it still points down the layers.
BULK_LOADER_MODULES = {"demo": {"models"}}


def _exports(package: str) -> set[str]:
    init = SRC / package / "__init__.py"
    if not init.exists():
        return set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return {elt.value for elt in node.value.elts if isinstance(elt, ast.Constant)}
    return set()


def _imports(path: Path):
    """(line, module, imported name or None) for every absolute onewindow import in the file, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("onewindow."):
            for alias in node.names:
                yield node.lineno, node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("onewindow."):
                    yield node.lineno, alias.name, None


def breaches() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if len(rel.parts) < 2 or rel.parts[0] in ROOT_EXEMPT:
            continue  # a top-level module (composition root) or the migrations
        package = rel.parts[0]
        assert package in RANK, f"{package}/ is not in the import contract's LAYERS"
        for line, module, name in _imports(path):
            parts = module.split(".")
            target = parts[1]
            if target == package or target not in RANK:
                continue  # its own package, or a top-level module (db, config) every package may use
            where = f"{rel}:{line} imports {module}{'.' + name if name else ''}"
            if RANK[target] >= RANK[package]:
                found.append(f"{where} — {target} is not below {package}")
                continue
            if name is not None and name.startswith("_"):
                found.append(f"{where} — a private name")
                continue
            if target == "common":
                continue
            public = PUBLIC_MODULES | _exports(target) | BULK_LOADER_MODULES.get(package, set())
            submodule = parts[2] if len(parts) > 2 else None
            if submodule is None:
                if name is not None and name not in public:
                    found.append(f"{where} — not part of {target}'s public face")
            elif submodule not in public:  # __all__ may name public submodules too
                found.append(f"{where} — {target}.{submodule} is not part of {target}'s public face")
    return found


def test_issue10_every_package_is_in_a_layer():
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()} - ROOT_EXEMPT
    assert packages <= set(RANK), f"packages missing from LAYERS: {sorted(packages - set(RANK))}"


def test_issue10_imports_keep_to_public_faces_and_point_down():
    found = breaches()
    assert not found, "import contract breached:\n" + "\n".join(found)


def test_issue10_contract_catches_a_breach(tmp_path, monkeypatch):
    """The checker itself: a model import across packages and an upward import are both reported."""
    fake = tmp_path / "onewindow"
    for package, body in {
        "common": "",
        "catalog": "from onewindow.cases.service import x\n",
        "cases": "from onewindow.catalog.models import ServiceItem\nfrom onewindow.catalog.service import ok\n",
    }.items():
        (fake / package).mkdir(parents=True)
        (fake / package / "__init__.py").write_text("")
        (fake / package / "mod.py").write_text(body)
    monkeypatch.setattr(__import__(__name__, fromlist=["SRC"]), "SRC", fake)
    found = breaches()
    assert len(found) == 2
    assert any("catalog/mod.py" in f and "not below" in f for f in found)
    assert any("cases/mod.py" in f and "public face" in f for f in found)


def test_issue10_demo_may_bulk_load_models_but_nothing_else(tmp_path, monkeypatch):
    """demo's exception is models only: a lower package's other internals, a private name or an upward
    import are still breaches, and other packages get no such exception."""
    fake = tmp_path / "onewindow"
    for package, body in {
        "common": "",
        "catalog": "",
        "sharing": "from onewindow.catalog.models import Department\n",
        "demo": ("from onewindow.sharing.models import Enterprise\nfrom onewindow.catalog.transfer import x\n"
                 "from onewindow.sharing.models import _private\n"),
    }.items():
        (fake / package).mkdir(parents=True)
        (fake / package / "__init__.py").write_text("")
        (fake / package / "mod.py").write_text(body)
    monkeypatch.setattr(__import__(__name__, fromlist=["SRC"]), "SRC", fake)
    found = breaches()
    assert len(found) == 3, found
    assert any("sharing/mod.py" in f and "catalog.models" in f for f in found)
    assert any("demo/mod.py" in f and "catalog.transfer" in f for f in found)
    assert any("demo/mod.py" in f and "private" in f for f in found)
