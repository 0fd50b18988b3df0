"""The committed OpenAPI document is the contract; a change to the API must change it too (`make openapi`)."""

import json
from pathlib import Path

from onewindow.openapi import document

COMMITTED = Path(__file__).resolve().parent.parent / "openapi.json"


def test_openapi_document_has_not_drifted():
    current = json.loads(json.dumps(document(), ensure_ascii=False, sort_keys=True))
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert current == committed, "API changed: run `make openapi` and commit openapi.json"


def test_every_operation_taking_input_documents_its_errors():
    """Clients must be able to read from the document that bad input gets a located 4xx."""
    for path, ops in document()["paths"].items():
        for method, op in ops.items():
            takes_input = method != "get" or "{" in path or op.get("parameters")
            if takes_input:
                assert {"404", "422"} <= set(op["responses"]), (method, path)
