"""How an audit record reads to a person (#9.3): the action's Chinese name, the object's noun, and the
before/after as 「标签：值」 — never an action key, a field key or raw JSON.

Each domain declares its vocabulary (``Domain.audit`` in its domain.py): the names of the actions it
records, the nouns of its entity types, the labels of the fields its before/after carry, and value
labels (states by their Chinese labels). A transitions ``Machine`` gives its own part
(``Machine.vocabulary()``: its moves, noun and state labels), so a state change needs no second list.
The registry merges them; this module renders. What is not declared falls back to a generic Chinese
description, never the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from onewindow.common.money import money_text
from onewindow.common.roles import ROLE_LABELS

UNKNOWN_FIELD = "其他信息"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_TEXT = 400  # a whole catalogue item in one cell helps nobody; the JSON API has every byte


@dataclass(frozen=True)
class AuditVocabulary:
    actions: Mapping[str, str] = field(default_factory=dict)  # "task.approve" → "任务准予许可"
    entities: Mapping[str, str] = field(default_factory=dict)  # "task" → "任务"
    fields: Mapping[str, str] = field(default_factory=dict)  # "reason" → "理由"; "<entity>.<field>" wins
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # "<entity>.status"/"status" → labels
    money: frozenset[str] = frozenset()  # fields holding integer fen, shown as 元/万元

    @staticmethod
    def merge(parts: Iterable[AuditVocabulary]) -> AuditVocabulary:
        actions: dict[str, str] = {}
        entities: dict[str, str] = {}
        fields: dict[str, str] = {}
        values: dict[str, dict[str, str]] = {}
        money: set[str] = set()
        for p in parts:
            actions.update(p.actions)
            entities.update(p.entities)
            fields.update(p.fields)
            for key, labels in p.values.items():
                values.setdefault(key, {}).update(labels)
            money |= p.money
        return AuditVocabulary(actions, entities, fields, values, frozenset(money))

    # ---- reading ----------------------------------------------------------------------------

    def entity_label(self, entity_type: str) -> str:
        return self.entities.get(entity_type, "对象")

    def action_label(self, action: str, entity_type: str = "") -> str:
        if action in self.actions:
            return self.actions[action]
        noun = self.entities.get(entity_type)
        return f"{noun}变更" if noun else "其他操作"

    @staticmethod
    def _scopes(scope: str, key: str) -> Iterator[str]:
        """"service_item.materials" + "name" → "service_item.materials.name", "service_item.name", "name"."""
        parts = scope.split(".") if scope else []
        for n in range(len(parts), 0, -1):
            yield ".".join([*parts[:n], key])
        yield key

    def field_label(self, scope: str, key: str) -> str:
        if ISO_DATE.match(key):  # a calendar's days are keyed by their dates: data, shown as they are
            return key
        return next((self.fields[k] for k in self._scopes(scope, key) if k in self.fields), UNKNOWN_FIELD)

    def value_text(self, scope: str, key: str, value: Any) -> str:
        if value is None or value == "" or value == [] or value == {}:
            return "无"
        if isinstance(value, bool):
            return "是" if value else "否"
        if key in self.money and isinstance(value, int):
            return money_text(value)
        if isinstance(value, str):
            labels = next((self.values[k] for k in self._scopes(scope, key) if k in self.values), {})
            return labels.get(value, value)
        inner = f"{scope}.{key}" if key else scope
        if isinstance(value, list):
            return "、".join(self.value_text(scope, key, v) if not isinstance(v, dict | list)
                            else self.value_text(inner, "", v) for v in value)
        if isinstance(value, dict):
            return "（" + "；".join(self.pairs(inner, value)) + "）"
        return str(value)

    def pairs(self, scope: str, data: Mapping[str, Any]) -> list[str]:
        return [f"{self.field_label(scope, k)}：{self.value_text(scope, k, v)}" for k, v in data.items()]

    def change(self, entity_type: str, before: str | None, after: str | None) -> tuple[str, str]:
        """The before and after as text; when both are records, only what changed is shown."""
        b, a = _load(before), _load(after)
        if isinstance(b, dict) and isinstance(a, dict):
            changed = [k for k in dict.fromkeys([*b, *a]) if b.get(k) != a.get(k)]
            b = {k: b.get(k) for k in changed if k in b}
            a = {k: a.get(k) for k in changed if k in a}
        return self._text(entity_type, b), self._text(entity_type, a)

    def _text(self, entity_type: str, data: Any) -> str:
        if data is None or data == {}:
            return ""
        text = "；".join(self.pairs(entity_type, data)) if isinstance(data, dict) else \
            self.value_text(entity_type, "", data)
        return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _load(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def keys_of(raw: str | None) -> set[str]:
    """Every field key in a stored before/after, nested ones too (for the test that each has a label)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                found.add(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(_load(raw))
    return found


# common's own vocabulary: the fields several domains' records share. Accounts, tokens and sign-in
# are `accounts`' (accounts/domain.py).
COMMON = AuditVocabulary(
    actions={}, entities={},
    fields={"id_number": "身份证号", "name": "名称", "status": "状态", "role": "角色", "department_id": "部门编号"},
    values={"role": {str(r): label for r, label in ROLE_LABELS.items()}},
)
