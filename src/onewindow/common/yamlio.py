"""Reading YAML from people: safe, bounded, and dates stay text so an impossible date is a located error
(PyYAML's own timestamp parsing raises a bare ValueError on 2027-13-01).

Bounded because PyYAML composes nodes recursively: ``[`` × 500 ends in a RecursionError (a 500 for
the request), and aliases to collections let a few hundred bytes expand into a billion entries
("billion laughs"). Every document a person hands in is read here, so the limits hold everywhere.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 40  # the deepest real document (policy rules inside items inside policies) is about 8
MAX_BYTES = 20 * 1024 * 1024  # the default upload limit; the CLI reads files without one


class YamlError(ValueError):
    pass


class _Loader(yaml.SafeLoader):
    depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = self.anchors.get(event.anchor)
            if node is not None and not isinstance(node, yaml.ScalarNode):
                raise YamlError(f"YAML 第{event.start_mark.line + 1}行：不支持引用列表或映射的别名（*{event.anchor}），"
                                "请直接写出内容")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise YamlError(f"YAML 第{event.start_mark.line + 1}行：嵌套超过{MAX_DEPTH}层，文件结构有误")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(text: str | bytes, *, max_bytes: int = MAX_BYTES) -> Any:
    """The document's data, or YamlError with a Chinese message (and the line, where PyYAML knows it)."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > max_bytes:
        raise YamlError(f"YAML 文件超过 {max_bytes // (1024 * 1024)} MB 上限")
    loader = None
    try:
        loader = _Loader(text)  # the reader decodes at once: a bad byte fails here
        return loader.get_single_data()
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        raise YamlError(f"YAML 格式错误{where}：{exc.problem or exc.context or '无法解析'}") from exc
    except yaml.reader.ReaderError as exc:
        raise YamlError(f"YAML 无法解析：第{exc.position + 1}个字节不是 UTF-8 文本或含不可打印字符") from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML 格式错误：{exc}") from exc
    except UnicodeDecodeError as exc:
        raise YamlError("YAML 无法解析：文件不是 UTF-8 编码的文本") from exc
    except (ValueError, TypeError, RecursionError) as exc:
        raise YamlError(f"YAML 无法解析：{exc}") from exc
    finally:
        if loader is not None:
            loader.dispose()
