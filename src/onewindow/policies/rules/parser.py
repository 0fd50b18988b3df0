"""Syntax of the policy rule language and of amount formulas: grammar (Lark, LALR), AST, money
literals, errors.

The text is parsed, never evaluated: Lark turns it into a small AST of the node classes below,
and only those nodes are interpreted (:mod:`.compiler`, :mod:`.arith`). Grammar,
loosest binding first::

    rule       := or_expr                     (start symbol "start")
    amount     := sum                         (start symbol "amount": an amount formula)
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | condition
    condition  := sum CMP sum                 CMP: == != < <= > >=  (also = ≠ ≤ ≥)
                | sum "in" sum                scalar in {…} / $set, or "x" in set_field
                | sum "not" "in" sum
                | sum "has" sum               set_field has "x"
                | sum "under" sum             industry under "C30"
                | sum                         a yes/no field, parameter, true or false
    sum        := product (("+" | "-") product)*
    product    := atom (("*" | "/") atom)*    (also × ÷ ＋ －)
    atom       := operand | "(" or_expr ")" | min(sum, …) | max(sum, …)
    operand    := field | $parameter | "text" | 'text' | integer | decimal | percent | money
                | date("YYYY-MM-DD") | true | false | {literal, …}
    money      := number followed by 元 / 万元 / 亿元 (万 and 亿 alone mean 万元 and 亿元)
    percent    := number followed by % (60% is the exact number 3/5)

Parentheses serve both logic and arithmetic, so one grammar rule covers them (two would make
the LALR table ambiguous on ``(x)``): the AST builder turns a parenthesised value into
:class:`Paren` and a parenthesised condition into the condition itself.

Fields may be written by code name or Chinese label; ``#`` starts a comment; full-width
parentheses, commas and operators (（）， ＋ －) are accepted since officers type with a Chinese IME.

Money literals convert to integer fen exactly with :class:`decimal.Decimal` (``1.5亿元`` →
15_000_000_000); a literal finer than one fen is an error. Decimals and percents are exact
fractions. Plain numbers are never money: a money field must be compared with a literal
carrying a unit, a money parameter or another money expression, so "500" can never be misread
as 元 or 分.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from onewindow.common.money import money_text
from onewindow.policies.rules.profile import Field

GRAMMAR = r"""
start: or_expr
amount: sum

?or_expr: and_expr (_OR and_expr)*
?and_expr: not_expr (_AND not_expr)*
?not_expr: _NOT not_expr            -> not_
         | condition

?condition: sum COMPARE sum         -> compare
          | sum _IN sum             -> in_
          | sum _NOT _IN sum        -> not_in
          | sum _HAS sum            -> has
          | sum _UNDER sum          -> under
          | sum                     -> bare

?sum: product
    | sum ADDOP product             -> arith
?product: atom
        | product MULOP atom        -> arith
?atom: operand
     | LPAR or_expr RPAR            -> paren
     | NAME LPAR or_expr (COMMA or_expr)* RPAR -> call

?operand: NAME                      -> field
        | PARAM                     -> param
        | STRING                    -> string
        | NUMBER                    -> number
        | PERCENT                   -> percent
        | MONEY                     -> money
        | DATE LPAR STRING RPAR     -> date
        | TRUE                      -> true
        | FALSE                     -> false
        | LBRACE [operand (COMMA operand)*] RBRACE -> set_

_OR: "or"
_AND: "and"
_NOT: "not"
_IN: "in"
_HAS: "has"
_UNDER: "under"
DATE: "date"
TRUE: "true"
FALSE: "false"
LPAR: "(" | "（"
RPAR: ")" | "）"
LBRACE: "{" | "｛"
RBRACE: "}" | "｝"
COMMA: "," | "，" | "、"
COMPARE: "==" | "!=" | "<=" | ">=" | "<" | ">" | "=" | "≠" | "≤" | "≥"
ADDOP: "+" | "-" | "＋" | "－"
MULOP: "*" | "/" | "×" | "÷" | "＊" | "／"
NAME: /[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*/
PARAM: /\$[A-Za-z0-9_\u4e00-\u9fff]+/
MONEY.2: /\d+(\.\d+)?(亿元|万元|元|亿|万)/
PERCENT.2: /\d+(\.\d+)?[%％]/
NUMBER: /-?\d+(\.\d+)?/
STRING: /"(?:[^"\\\n]|\\.)*"/ | /'(?:[^'\\\n]|\\.)*'/

%ignore /[ \t\r\n\u3000]+/
%ignore /#[^\n]*/
"""

_PARSER = Lark(GRAMMAR, parser="lalr", start=["start", "amount"], propagate_positions=True, maybe_placeholders=False)

COMPARE_ALIASES = {"=": "==", "≠": "!=", "≤": "<=", "≥": ">="}
ARITH_ALIASES = {"＋": "+", "－": "-", "×": "*", "÷": "/", "＊": "*", "／": "/"}

FEN_PER_UNIT = {"元": 100, "万元": 1_000_000, "万": 1_000_000, "亿元": 10_000_000_000, "亿": 10_000_000_000}


# --- errors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorItem:
    line: int
    column: int
    text: str  # the offending source text
    message: str  # Chinese, starts with 第L行第C列 (after the part, when there is one)
    field: str | None = None  # the field concerned, when there is one
    part: str | None = None  # which text of an award item: 资格条件, 金额, 第2阶段「申报受理」条件 …

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "text": self.text,
            "field": self.field,
            "part": self.part,
            "message": self.message,
        }

    def within(self, part: str) -> ErrorItem:
        """The same error located in one part of a larger whole; line and column stay relative to
        that part's own text, which is what the officer edits."""
        return ErrorItem(self.line, self.column, self.text, f"{part}{self.message}", self.field, part)


class RuleError(ValueError):
    """A rule or amount that cannot be saved; ``errors`` lists every problem found, in source order
    (parts in the order they were first reported, positions in order within a part)."""

    def __init__(self, errors: list[ErrorItem]) -> None:
        parts: dict[str | None, int] = {}
        for e in errors:
            parts.setdefault(e.part, len(parts))
        self.errors = sorted(errors, key=lambda e: (parts[e.part], e.line, e.column))
        super().__init__("\n".join(e.message for e in self.errors))


# --- AST ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pos:
    line: int
    column: int
    start: int  # character offsets into the rule text
    end: int


@dataclass(eq=False)
class Node:
    pos: Pos


@dataclass(eq=False)
class FieldName(Node):
    name: str


@dataclass(eq=False)
class ParamName(Node):
    name: str


@dataclass(eq=False)
class Literal(Node):
    kind: str  # int, number (decimal or percent: an exact Fraction), money, date, str, bool
    value: Any


@dataclass(eq=False)
class SetLiteral(Node):
    items: list[Node]


@dataclass(eq=False)
class Paren(Node):
    """A parenthesised value, ``(a + b)``; its position includes the parentheses."""

    item: Node


@dataclass(eq=False)
class Arith(Node):
    op: str  # + - * /
    left: Node
    right: Node
    kind: str | None = None  # result type, set by the type checker: int, number or money


@dataclass(eq=False)
class Call(Node):
    name: str  # min / max
    args: list[Node]
    kind: str | None = None


@dataclass(eq=False)
class Compare(Node):
    op: str  # == != < <= > >= in has under
    left: Node
    right: Node


@dataclass(eq=False)
class Bare(Node):
    operand: Node


@dataclass(eq=False)
class And(Node):
    items: list[Node] = field(default_factory=list)


@dataclass(eq=False)
class Or(Node):
    items: list[Node] = field(default_factory=list)


@dataclass(eq=False)
class Not(Node):
    item: Node


# typed operands, put in place of FieldName / ParamName by the type checker (rules.check)


@dataclass(eq=False)
class FieldRef(Node):
    field: Field


@dataclass(eq=False)
class ParamRef(Node):
    name: str
    type: str


def where(pos: Pos) -> str:
    return f"第{pos.line}行第{pos.column}列"


# --- money ----------------------------------------------------------------------------------


def parse_money(text: str) -> int:
    """``"2000万元"`` → 2_000_000_000 fen, exactly; raises ``ValueError`` (Chinese) otherwise."""
    text = text.strip()
    for unit in ("亿元", "万元", "元", "亿", "万"):
        if text.endswith(unit):
            number = text[: -len(unit)]
            break
    else:
        raise ValueError(f"金额「{text}」须带单位：元、万元或亿元，如 2000万元")
    try:
        amount = Decimal(number) * FEN_PER_UNIT[unit]
    except InvalidOperation:
        raise ValueError(f"无效的金额「{text}」") from None
    if amount != amount.to_integral_value() or amount < 0:
        raise ValueError(f"金额「{text}」须为非负数且精确到分")
    return int(amount)


def format_money(fen: int) -> str:
    """Human Chinese amount: 2_000_000_000 → ``2,000万元``; 50_050 → ``500.50元``; an amount that is not a
    whole number of 百元 is shown in 元 to the fen (common.money, the one rule for every page)."""
    return money_text(fen)


# --- parsing --------------------------------------------------------------------------------


def _pos(item: Token | Any) -> Pos:
    return Pos(item.line, item.column, item.start_pos, item.end_pos)


def _span(first: Node, last: Node) -> Pos:
    return Pos(first.pos.line, first.pos.column, first.pos.start, last.pos.end)


class _Build(Transformer):
    """Lark parse tree → AST nodes; collects literal errors (bad money, bad dates)."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[ErrorItem] = []

    def _error(self, pos: Pos, text: str, message: str) -> None:
        self.errors.append(ErrorItem(pos.line, pos.column, text, f"{where(pos)}：{message}"))

    def start(self, items):
        return items[0]

    def amount(self, items):
        return items[0]

    @v_args(meta=True)
    def or_expr(self, meta, items):
        return Or(_pos(meta), items)

    @v_args(meta=True)
    def and_expr(self, meta, items):
        return And(_pos(meta), items)

    @v_args(meta=True)
    def not_(self, meta, items):
        return Not(_pos(meta), items[0])

    def paren(self, items):
        lpar, inner, rpar = items
        if isinstance(inner, Bare):  # a value in parentheses: keep them in its span for quoting
            return Paren(Pos(lpar.line, lpar.column, lpar.start_pos, rpar.end_pos), inner.operand)
        return inner  # a condition keeps its own span: explanations quote "a < 1", not "(a < 1)"

    def arith(self, items):
        left, op, right = items
        return Arith(_span(left, right), ARITH_ALIASES.get(str(op), str(op)), left, right)

    def call(self, items):
        name, *rest = items
        rpar = rest[-1]
        args = [_value(x) for x in rest if isinstance(x, Node)]
        return Call(Pos(name.line, name.column, name.start_pos, rpar.end_pos), str(name), args)

    def compare(self, items):
        left, op, right = items
        return Compare(_span(left, right), COMPARE_ALIASES.get(str(op), str(op)), left, right)

    def in_(self, items):
        return Compare(_span(items[0], items[1]), "in", items[0], items[1])

    def not_in(self, items):
        pos = _span(items[0], items[1])
        return Not(pos, Compare(pos, "in", items[0], items[1]))

    def has(self, items):
        return Compare(_span(items[0], items[1]), "has", items[0], items[1])

    def under(self, items):
        return Compare(_span(items[0], items[1]), "under", items[0], items[1])

    def bare(self, items):
        item = items[0]
        if isinstance(item, And | Or | Not | Compare | Bare):  # a parenthesised condition
            return item
        return Bare(item.pos, item)

    def field(self, items):
        return FieldName(_pos(items[0]), str(items[0]))

    def param(self, items):
        return ParamName(_pos(items[0]), str(items[0])[1:])

    def string(self, items):
        token = items[0]
        return Literal(_pos(token), "str", _unquote(str(token)))

    def number(self, items):
        token = items[0]
        if "." in token:  # an exact multiplier such as 1.5; never money (that needs a unit)
            return Literal(_pos(token), "number", Fraction(Decimal(str(token))))
        return Literal(_pos(token), "int", int(token))

    def percent(self, items):
        token = items[0]
        return Literal(_pos(token), "number", Fraction(Decimal(str(token)[:-1])) / 100)

    def money(self, items):
        token = items[0]
        pos = _pos(token)
        try:
            return Literal(pos, "money", parse_money(str(token)))
        except ValueError as exc:
            self._error(pos, str(token), str(exc))
            return Literal(pos, "money", 0)

    def date(self, items):
        keyword, _, text, rpar = items
        pos = Pos(keyword.line, keyword.column, keyword.start_pos, rpar.end_pos)
        raw = _unquote(str(text))
        try:
            return Literal(pos, "date", dt.date.fromisoformat(raw))
        except ValueError:
            self._error(pos, f"date({text})", f"无效的日期「{raw}」，应写作 date(\"YYYY-MM-DD\")")
            return Literal(pos, "date", dt.date.min)

    def true(self, items):
        return Literal(_pos(items[0]), "bool", True)

    def false(self, items):
        return Literal(_pos(items[0]), "bool", False)

    def set_(self, items):
        lbrace, *rest = items
        rbrace = rest.pop()
        values = [x for x in rest if isinstance(x, Node)]
        return SetLiteral(Pos(lbrace.line, lbrace.column, lbrace.start_pos, rbrace.end_pos), values)


def _value(node: Node) -> Node:
    """A function argument parsed as a condition is, when it is a bare value, that value."""
    return node.operand if isinstance(node, Bare) else node


def _unquote(text: str) -> str:
    body = text[1:-1]
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


_EXPECTED = {
    "NAME": "字段",
    "PARAM": "参数",
    "STRING": "文本",
    "NUMBER": "数字",
    "PERCENT": "百分数",
    "ADDOP": "「+」「-」",
    "MULOP": "「*」「/」",
    "COMMA": "「,」",
    "MONEY": "金额",
    "DATE": "date(…)",
    "COMPARE": "比较符",
    "RPAR": "「)」",
    "LPAR": "「(」",
    "RBRACE": "「}」",
    "LBRACE": "集合 {…}",
    "TRUE": "true",
    "FALSE": "false",
    "_AND": "and",
    "_OR": "or",
    "_IN": "in",
    "_HAS": "has",
    "_UNDER": "under",
}


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


def parse(text: str, start: str = "start") -> Node:
    """Parse rule text (``start="start"``) or an amount formula (``start="amount"``) into an
    untyped AST; raises :class:`RuleError` with positions."""
    if not text or not text.strip():
        what = "公式" if start == "amount" else "规则"
        raise RuleError([ErrorItem(1, 1, "", f"第1行第1列：{what}为空")])
    try:
        tree = _PARSER.parse(text, start=start)
    except UnexpectedInput as exc:
        raise RuleError([_syntax_error(text, exc, "公式" if start == "amount" else "规则")]) from None
    build = _Build()
    node = build.transform(tree)
    if build.errors:
        raise RuleError(build.errors)
    return node


def _syntax_error(text: str, exc: UnexpectedInput, what: str) -> ErrorItem:
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        line, col = exc.line, exc.column
        return ErrorItem(line, col, char, f"第{line}行第{col}列：无法识别的字符「{char}」")
    expected = sorted({_EXPECTED.get(name, name) for name in getattr(exc, "expected", ()) or () if name in _EXPECTED})
    hint = f"，此处应为：{'、'.join(expected)}" if expected else ""
    token = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and token.type == "$END"):
        line, col = _line_col(text, len(text.rstrip()))
        return ErrorItem(line, col, "", f"第{line}行第{col}列：{what}不完整{hint}")
    line, col = exc.line, exc.column
    return ErrorItem(line, col, str(token), f"第{line}行第{col}列：此处不应出现「{token}」{hint}")
