"""Reading YAML from people: safe, and dates stay text so an impossible date is a located error
(PyYAML's own timestamp parsing raises a bare ValueError on 2027-13-01)."""

from __future__ import annotations

from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YamlError(ValueError):
    pass


def load(text: str | bytes) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML 格式错误：{exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise YamlError(f"YAML 无法解析：{exc}") from exc
