"""Rules and amounts as people read them: a rule as a nested list of Chinese conditions (fields by
label, parameters with the value in force), an amount as lines of text. Used by the public and the
officers' pages."""

from __future__ import annotations

from datetime import date

from onewindow.common import time as beijing
from onewindow.policies.rules import arith as rules_arith
from onewindow.policies.rules import industries
from onewindow.policies.rules.amounts import check_amount
from onewindow.policies.rules.core import ParameterError, Parameters, RuleError, check, format_money
from onewindow.policies.rules.parser import (
    And,
    Bare,
    Compare,
    FieldRef,
    Literal,
    Not,
    Or,
    ParamRef,
    SetLiteral,
)

MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
OPS = {"==": "为", "!=": "不为", "<": "低于", "<=": "不超过", ">": "高于", ">=": "不低于"}


def _value(node, rule, parameters: Parameters, day: date) -> str:
    if isinstance(node, FieldRef):
        return node.field.label
    if isinstance(node, Literal):
        if node.kind == "money":
            return format_money(node.value)
        if node.kind == "str":
            return f"「{node.value}」"
        if node.kind == "bool":
            return "是" if node.value else "否"
        if node.kind == "date":
            return f"{node.value.year}年{node.value.month}月{node.value.day}日"
        return rule.source(node).strip()
    if isinstance(node, ParamRef):
        param = parameters.get(node.name)
        try:
            now = param.value_at(day)
        except ParameterError:
            return param.label or f"${param.name}"
        if param.type == "money":
            now = format_money(now)
        elif param.type == "set":
            now = "、".join(sorted(now))
        return f"{param.label or param.name}（现行 {now}）"
    if isinstance(node, SetLiteral):
        return "、".join(_value(i, rule, parameters, day) for i in node.items)
    return rules_arith.describe(node, rule.source)


def _condition(node, rule, parameters: Parameters, day: date) -> dict:
    """One node of a rule as {"all"|"any": [...]} or {"text": …}, for a nested list on the page."""
    if isinstance(node, And):
        return {"all": [_condition(i, rule, parameters, day) for i in node.items]}
    if isinstance(node, Or):
        return {"any": [_condition(i, rule, parameters, day) for i in node.items]}
    if isinstance(node, Not):
        if isinstance(node.item, Bare):
            return {"text": f"{_value(node.item.operand, rule, parameters, day)}：否"}
        return {"none": [_condition(node.item, rule, parameters, day)]}
    if isinstance(node, Bare):
        return {"text": f"{_value(node.operand, rule, parameters, day)}：是"}
    if isinstance(node, Compare):
        left, right, op = node.left, node.right, node.op
        if op in MIRROR and not isinstance(left, FieldRef) and isinstance(right, FieldRef):
            left, right, op = right, left, MIRROR[op]
        lhs = _value(left, rule, parameters, day)
        if op == "under":
            code = right.value if isinstance(right, Literal) else rule.source(right)
            return {"text": f"{lhs}属于 {industries.describe(code)}"}
        if op == "has":
            return {"text": f"{lhs}包含{_value(right, rule, parameters, day)}"}
        if op == "in":
            if isinstance(right, SetLiteral):
                return {"text": f"{lhs}为 {_value(right, rule, parameters, day)} 之一"}
            return {"text": f"{lhs}属于{_value(right, rule, parameters, day)}"}
        return {"text": f"{lhs}{OPS.get(op, op)}{_value(right, rule, parameters, day)}"}
    return {"text": rule.source(node).strip()}


def readable_rule(text: str, parameters: Parameters, day: date | None = None) -> dict:
    """The eligibility rule in Chinese (fields by label, parameters with the value in force), or the
    rule text as written when it does not check (it always does once published)."""
    try:
        rule = check(text, parameters)
    except (RuleError, ParameterError):
        return {"text": text}
    return _condition(rule.node, rule, parameters, day or beijing.today())


def readable_amount(stored: dict, parameters: Parameters) -> list[str]:
    """An amount as lines of text: 5万元 / 按公式：… / one line per stage."""
    def one(value) -> str:
        if isinstance(value, int):
            return format_money(value)
        try:
            return "按公式：" + check_amount(value, parameters).describe()
        except (RuleError, ParameterError):
            return "按公式：" + str(value.get("formula", value))

    if "fixed" in stored:
        return [format_money(stored["fixed"])]
    if "formula" in stored:
        return [one({"formula": stored["formula"]})]
    return [f"{s['name']}：{one(s['amount'])}（{_flatten(readable_rule(s['when'], parameters))}时）"
            for s in stored.get("stages", [])]


def _flatten(cond: dict, nested: bool = False) -> str:
    """A condition on one line; groups inside groups in brackets, so 且 and 或 never read ambiguously."""
    if "text" in cond:
        return cond["text"]
    if "none" in cond:
        return "不满足" + "".join(_flatten(c, True) for c in cond["none"])
    key = "all" if "all" in cond else "any"
    text = ("且" if key == "all" else "或").join(_flatten(c, True) for c in cond[key])
    return f"（{text}）" if nested else text
