"""Print the OpenAPI document; `make openapi` writes it to openapi.json (checked for drift in tests)."""

import json

from onewindow.app import create_app


def document() -> dict:
    return create_app().openapi()


if __name__ == "__main__":
    print(json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=True))
