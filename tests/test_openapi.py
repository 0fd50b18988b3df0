"""The committed OpenAPI document is the contract; a change to the API must change it too (`make openapi`)."""

import json
from pathlib import Path

from onewindow.openapi import document

COMMITTED = Path(__file__).resolve().parent.parent / "openapi.json"


def test_openapi_document_has_not_drifted():
    current = json.loads(json.dumps(document(), ensure_ascii=False, sort_keys=True))
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert current == committed, "API changed: run `make openapi` and commit openapi.json"


def test_every_operation_documents_its_errors():
    doc = document()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if path.startswith("/api/") and method != "get" or "{" in path:
                assert "422" in op["responses"] or "404" in op["responses"], (method, path)
