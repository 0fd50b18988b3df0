"""Policy eligibility rules: dated parameters, type checking against the profile schema, and the
public API of the rule language.

    rule = check('industry under "C" and revenue >= $规上营收门槛', parameters)
    explain(rule, profile, as_of=date(2025, 6, 30))   # one enterprise, with reasons
    df.select(to_polars(rule, as_of=date(2025, 6, 30)))  # every enterprise at once

The syntax is in :mod:`.parser`, the two evaluators in :mod:`.compiler`.

Type rules (checked when a rule is saved; every error carries line, column, the offending
text and a Chinese message naming the field):

- ``== !=`` between operands of the same type; a text literal may be compared with a text, enum
  (value must be a declared choice) or industry field (must be a valid four-digit class — use
  ``under`` for a subtree).
- ``< <= > >=`` only on int, money, date and numbers; arithmetic (``+ - * /``, ``min``,
  ``max``, percents) may appear on either side, typed as in :mod:`.arith`, and is compared
  exactly (``裁员人数 <= 从业人数 * 5.5%``).
- Money is never compared with a bare number (see the parser's docstring).
- ``x in {…}`` for scalars; ``set_field has "x"`` and ``"x" in set_field`` for sets; a set field
  named with a vocabulary only accepts values from it.
- ``industry under "C30"`` only on industry fields, with a valid code at any level.
- A bare operand must be yes/no (``not credit_serious``).

Unknown data: a ``None`` field makes the condition that reads it *unknown*; and/or/not follow
Kleene's three-valued logic (false and unknown = false, true or unknown = true, not unknown =
unknown) and a rule is satisfied only when it is definitely true. Polars' boolean operators
follow the same logic, which is why the two evaluators agree on missing data.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onewindow.policies.rules import arith as rules_arith
from onewindow.policies.rules import industries
from onewindow.policies.rules.arith import KIND_NAMES
from onewindow.policies.rules.params import PARAMETER_TYPES, Parameter, ParameterError, Parameters
from onewindow.policies.rules.parser import (
    And,
    Arith,
    Bare,
    Call,
    Compare,
    ErrorItem,
    FieldName,
    FieldRef,
    Literal,
    Node,
    Not,
    Or,
    ParamName,
    ParamRef,
    Paren,
    Pos,
    RuleError,
    SetLiteral,
    format_money,
    parse,
    parse_money,
    where,
)
from onewindow.policies.rules.profile import PROFILE_SCHEMA, TYPE_NAMES, Field, Schema

__all__ = [
    "CompiledRule",
    "ErrorItem",
    "Explanation",
    "PARAMETER_TYPES",
    "Parameter",
    "ParameterError",
    "Parameters",
    "RuleError",
    "check",
    "explain",
    "format_money",
    "parse_money",
    "to_polars",
]

ORDERED = ("int", "money", "date", "number")
TEXTUAL = ("str", "enum", "industry")


@dataclass
class CompiledRule:
    """A rule that passed the type check: its text, typed AST and what it reads."""

    text: str
    node: Node
    parameters: Parameters
    fields: frozenset[str]  # stored fields read (age_years counts as established_on)
    parameter_names: frozenset[str]
    schema: Schema = PROFILE_SCHEMA

    def source(self, node: Node) -> str:
        return self.text[node.pos.start : node.pos.end]

    def explain(self, profile: Mapping[str, Any], as_of: dt.date, parameters: Parameters | None = None):
        return explain(self, profile, as_of, parameters)

    def to_polars(self, as_of: dt.date, parameters: Parameters | None = None):
        return to_polars(self, as_of, parameters)


# --- type checking --------------------------------------------------------------------------


class _Checker:
    def __init__(self, text: str, parameters: Parameters, schema: Schema) -> None:
        self.text, self.parameters, self.schema = text, parameters, schema
        self.errors: list[ErrorItem] = []
        self.fields: set[str] = set()
        self.params: set[str] = set()

    # errors
    def error(self, node: Node | Pos, message: str, fld: Field | None = None) -> None:
        pos = node if isinstance(node, Pos) else node.pos
        self.errors.append(
            ErrorItem(pos.line, pos.column, self.text[pos.start : pos.end], f"{where(pos)}：{message}", fld.name if fld else None)
        )

    def src(self, node: Node) -> str:
        return self.text[node.pos.start : node.pos.end]

    # nodes
    def node(self, node: Node) -> Node | None:
        if isinstance(node, And | Or):
            items = [self.node(item) for item in node.items]
            return None if None in items else type(node)(node.pos, items)
        if isinstance(node, Not):
            item = self.node(node.item)
            return None if item is None else Not(node.pos, item)
        if isinstance(node, Bare):
            return self.bare(node)
        if isinstance(node, Compare):
            return self.compare(node)
        raise TypeError(node)  # pragma: no cover - the parser only builds the nodes above

    def operand(self, node: Node) -> tuple[Node, str] | None:
        if isinstance(node, FieldName):
            fld = self.schema.get(node.name)
            if fld is None:
                guess = difflib.get_close_matches(node.name, self.schema.names(), n=1, cutoff=0.6)
                hint = f"，是否为「{guess[0]}」？" if guess else ""
                self.error(node, f"未知字段「{node.name}」{hint}")
                return None
            self.fields.add(fld.derived_from or fld.name)
            return FieldRef(node.pos, fld), fld.type
        if isinstance(node, ParamName):
            kind = self.parameters.type_of(node.name)
            if kind is None:
                guess = difflib.get_close_matches(node.name, self.parameters.names(), n=1, cutoff=0.5)
                hint = f"，是否为「${guess[0]}」？" if guess else ""
                self.error(node, f"未知参数「${node.name}」{hint}")
                return None
            self.params.add(node.name)
            return ParamRef(node.pos, node.name, kind), kind
        if isinstance(node, Literal):
            return node, node.kind
        if isinstance(node, Paren):
            return self.operand(node.item)
        if isinstance(node, Arith):
            return rules_arith.check_arith(self, node)
        if isinstance(node, Call):
            return rules_arith.check_call(self, node)
        if rules_arith.is_condition(node):
            self.error(node, f"「{self.src(node)}」是条件，不能用作数值；比较两个条件请分别写出")
            return None
        if isinstance(node, SetLiteral):
            if not node.items:
                self.error(node, "集合不能为空")
                return None
            kinds = set()
            for item in node.items:
                if not isinstance(item, Literal):
                    self.error(item, f"集合 {{…}} 中只能写常量，「{self.src(item)}」不是常量")
                    return None
                kinds.add(item.kind)
            if len(kinds) > 1:
                self.error(node, "集合 {…} 中的值类型须一致")
                return None
            return node, "setlit"
        raise TypeError(node)  # pragma: no cover

    def describe(self, node: Node, kind: str) -> str:
        if isinstance(node, FieldRef):
            return f"「{node.field.name}」（{node.field.label}，{TYPE_NAMES[kind]}）"
        if isinstance(node, ParamRef):
            return f"参数「${node.name}」（{TYPE_NAMES.get(kind, kind)}）"
        if kind == "setlit":
            return f"集合「{self.src(node)}」"
        if isinstance(node, Arith | Call):
            return f"算式「{self.src(node)}」（{KIND_NAMES[kind]}）"
        return f"{KIND_NAMES[kind]}「{self.src(node)}」"

    def param_bound(self, name: str) -> int:
        """The largest magnitude a numeric parameter takes on any date (for the overflow check)."""
        values = [abs(v) for _, v in self.parameters.get(name).values if isinstance(v, int) and not isinstance(v, bool)]
        return max(values, default=0)

    def bounded(self, node: Node, op: str | None, operands: list[Node]) -> bool:
        if not any(rules_arith.is_arithmetic(n) for n in operands):
            return True
        message = rules_arith.check_bounds(op, operands, self.param_bound)
        if message:
            self.error(node, message)
        return message is None

    def bare(self, node: Bare) -> Node | None:
        resolved = self.operand(node.operand)
        if resolved is None:
            return None
        operand, kind = resolved
        if kind != "bool":
            fld = operand.field if isinstance(operand, FieldRef) else None
            self.error(node, f"{self.describe(operand, kind)}不是是/否条件，请写完整的比较，如「{self.src(node)} >= …」", fld)
            return None
        return Bare(node.pos, operand)

    def compare(self, node: Compare) -> Node | None:
        left, right = self.operand(node.left), self.operand(node.right)
        if left is None or right is None:
            return None
        (lnode, lt), (rnode, rt) = left, right
        if node.op == "under":
            return self.under(node, lnode, lt, rnode, rt)
        if node.op == "has":
            return self.has(node, lnode, lt, rnode, rt)
        if node.op == "in":
            if rt == "set" and isinstance(rnode, FieldRef):
                return self.has(node, rnode, rt, lnode, lt, written_as_in=True)
            return self.member(node, lnode, lt, rnode, rt)
        return self.ordering(node, lnode, lt, rnode, rt)

    def field_of(self, *nodes: Node) -> Field | None:
        for n in nodes:
            if isinstance(n, FieldRef):
                return n.field
        return None

    def unify(self, node: Node, lnode: Node, lt: str, rnode: Node, rt: str) -> str | None:
        """The common type of two scalar operands, or None after reporting the mismatch."""
        if lt == rt and lt not in ("set", "setlit"):
            return lt
        if lt in rules_arith.NUMERIC and rt in rules_arith.NUMERIC:
            return "number"
        for _a, at, b, bt in ((lnode, lt, rnode, rt), (rnode, rt, lnode, lt)):
            if at in TEXTUAL and bt == "str" and not isinstance(b, FieldRef):
                return at
        fld = self.field_of(lnode, rnode)
        # the side to blame: the non-field operand (or the right one)
        blame, blame_t, other, other_t = (lnode, lt, rnode, rt) if isinstance(rnode, FieldRef) else (rnode, rt, lnode, lt)
        if "set" in (lt, rt) or "setlit" in (lt, rt):
            set_node = lnode if lt in ("set", "setlit") else rnode
            self.error(node, f"{self.describe(set_node, 'set' if isinstance(set_node, FieldRef) else 'setlit')}"
                       "不能用比较符，集合字段请用 has 或 in，单个值属于某集合请用 in {…}", fld)
        elif other_t == "money" and blame_t in rules_arith.NUMERIC and isinstance(blame, Literal):
            self.error(blame, f"{self.describe(other, other_t)}须与带单位的金额比较，"
                       f"「{self.src(blame)}」请写明单位，如 {self.src(blame)}万元 或 {self.src(blame)}元", fld)
        else:
            self.error(blame, f"{self.describe(other, other_t)}不能与{self.describe(blame, blame_t)}比较", fld)
        return None

    def validate_text(self, fld: Field | None, value_node: Node, exact_industry: bool) -> bool:
        """A text literal/parameter used with an enum or industry field must be a valid value."""
        if fld is None or fld.type not in ("enum", "industry"):
            return True
        values = self.values_of(value_node)
        for value in values:
            if fld.type == "enum" and value not in fld.choices:
                self.error(value_node, f"{fld.title}的取值应为 {'/'.join(fld.choices)} 之一，而不是「{value}」", fld)
                return False
            if fld.type == "industry":
                try:
                    industries.validate(value)
                except industries.IndustryCodeError as exc:
                    self.error(value_node, str(exc), fld)
                    return False
                if exact_industry and len(value) != 5:
                    self.error(value_node, f"{fld.title}精确比较须用四位小类代码（如 C3011），"
                               f"整个门类或大类请用 under「{value}」", fld)
                    return False
        return True

    def values_of(self, node: Node) -> list[Any]:
        if isinstance(node, Literal):
            return [node.value]
        if isinstance(node, SetLiteral):
            return [item.value for item in node.items]
        if isinstance(node, ParamRef):
            values = [v for _, v in self.parameters.get(node.name).values]
            return [x for v in values for x in (v if isinstance(v, frozenset) else [v])]
        return []

    def ordering(self, node: Compare, lnode, lt, rnode, rt) -> Node | None:
        kind = self.unify(node, lnode, lt, rnode, rt)
        if kind is None:
            return None
        fld = self.field_of(lnode, rnode)
        if node.op not in ("==", "!=") and kind not in ORDERED:
            subject = lnode if isinstance(lnode, FieldRef | ParamRef) else rnode
            hint = "，可用 in {…} 列出允许的值" if kind in TEXTUAL else ""
            self.error(node, f"{self.describe(subject, kind)}不能用「{node.op}」比较大小{hint}", fld)
            return None
        for a, b in ((lnode, rnode), (rnode, lnode)):
            if isinstance(a, FieldRef) and not isinstance(b, FieldRef) and not self.validate_text(a.field, b, True):
                return None
        if not self.bounded(node, node.op, [lnode, rnode]):
            return None
        return Compare(node.pos, node.op, lnode, rnode)

    def member(self, node: Compare, lnode, lt, rnode, rt) -> Node | None:
        fld = self.field_of(lnode)
        if lt in ("set", "setlit"):
            self.error(node, f"{self.describe(lnode, lt)}是集合，判断是否包含某值请用 has，如「{self.src(lnode)} has \"…\"」", fld)
            return None
        if rt == "setlit":
            elem = rnode.items[0]
            if self.unify(node, lnode, lt, elem, elem.kind) is None:
                return None
            if lt not in ("int", "money", "date", "number", *TEXTUAL):
                self.error(node, f"{self.describe(lnode, lt)}不能用 in {{…}}", fld)
                return None
            if not self.validate_text(fld, rnode, True):
                return None
            if not all(self.bounded(node, "==", [lnode, item]) for item in rnode.items):
                return None
            return Compare(node.pos, "in", lnode, rnode)
        if rt == "set" and isinstance(rnode, ParamRef):
            if lt not in TEXTUAL:
                self.error(node, f"{self.describe(lnode, lt)}不能与文本集合{self.describe(rnode, rt)}比较", fld)
                return None
            if not self.validate_text(fld, rnode, True):
                return None
            return Compare(node.pos, "in", lnode, rnode)
        self.error(rnode, f"in 的右边须为集合 {{…}}、集合参数或集合字段，而{self.describe(rnode, rt)}不是集合", fld)
        return None

    def has(self, node: Compare, set_node, st, value, vt, written_as_in: bool = False) -> Node | None:
        fld = self.field_of(set_node)
        if not (st == "set" and isinstance(set_node, FieldRef)):
            self.error(set_node, f"has 的左边须为集合字段（如 certifications），而{self.describe(set_node, st)}不是", fld)
            return None
        if vt != "str" or isinstance(value, FieldRef):
            self.error(value, f"{fld.title}的成员是文本，「{self.src(value)}」应为文本常量或文本参数，如 \"高新技术企业\"", fld)
            return None
        if fld.vocabulary:
            for v in self.values_of(value):
                if v not in fld.vocabulary:
                    guess = [w for w in fld.vocabulary if w in v or v in w] or difflib.get_close_matches(
                        v, fld.vocabulary, n=1, cutoff=0.4
                    )
                    hint = f"，是否为「{guess[0]}」？" if guess else f"；可选：{'、'.join(fld.vocabulary)}"
                    self.error(value, f"{fld.title}没有「{v}」这一项{hint}", fld)
                    return None
        return Compare(node.pos, "has", set_node, value)

    def under(self, node: Compare, lnode, lt, rnode, rt) -> Node | None:
        fld = self.field_of(lnode)
        if not (lt == "industry" and isinstance(lnode, FieldRef)):
            self.error(lnode, f"{self.describe(lnode, lt)}不是行业字段，under 只能用于 industry（所属行业）", fld)
            return None
        if rt != "str" or isinstance(rnode, FieldRef):
            self.error(rnode, f"under 的右边须为行业代码文本，如 \"C30\"，而不是{self.describe(rnode, rt)}", fld)
            return None
        if not self.validate_text(fld, rnode, False):
            return None
        return Compare(node.pos, "under", lnode, rnode)


def check(text: str, parameters: Parameters | None = None, schema: Schema = PROFILE_SCHEMA) -> CompiledRule:
    """Parse and type-check rule text; raises :class:`RuleError` listing every problem."""
    parameters = parameters if parameters is not None else Parameters()
    tree = parse(text)
    checker = _Checker(text, parameters, schema)
    node = checker.node(tree)
    if checker.errors or node is None:
        raise RuleError(checker.errors)
    return CompiledRule(text, node, parameters, frozenset(checker.fields), frozenset(checker.params), schema)


from onewindow.policies.rules.compiler import Explanation, explain  # noqa: E402  (evaluators use the types above)
from onewindow.policies.rules.frames import to_polars  # noqa: E402
