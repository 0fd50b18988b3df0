"""The award items of the policy benchmark as an OpenFisca-core tax-benefit system.

The same rules, translated from our typed rule AST (``rules.check(text, parameters).node``) into
Python source for OpenFisca ``Variable`` classes by the straightforward translator below, so both
sides provably run the same rules. ``Generated.text`` is the generated module;
``policy_bench.py --dump-openfisca FILE`` writes it out for reading.

The system
----------

- One entity, 企业 (``enterprise``), a person-like entity: one row per enterprise.
- **Inputs** are the profile fields, ``ETERNITY`` variables (a profile snapshot). OpenFisca has no
  null, so every stored field has a mask input ``<field>__known`` (false where our profile has a
  null) and the value input holds a filler there. Encodings, since OpenFisca's value types are
  bool, int (int32), float (float32), str (a NumPy object array), date and Enum:

  ========== ====================================================================================
  int, money ``int`` with the dtype widened to int64 (fen overflow int32; float32 is not exact)
  date       ``datetime.date`` (``datetime64[D]``)
  bool       ``bool``
  enum       an OpenFisca ``Enum`` of the field's choices
  str        an ``Enum`` of the values the rules name, plus （其他） for every other value (the rules
             only test equality and membership, so this is exact and avoids object arrays)
  industry   four inputs: section (``Enum`` A–T), division, group and class (ints, ``-1`` when the
             code stops above that level). ``under "C"`` is a section test, ``under "C30"`` a
             division test and so on: GB/T 4754 numbers divisions across sections, so the digits
             alone identify a node. Exactly the prefix test of our engine on canonical codes.
  set        one ``bool`` input per member the rules name (``certifications__03`` …)
  ========== ====================================================================================

  ``age_years`` is a derived ``DAY`` variable computed from ``established_on`` on the period's
  date, with the same whole-years formula as ``profile.age_in_years``.
- **Parameters** become an OpenFisca parameter tree with the same dated values (money in fen).
  The simulation period is the ``as_of`` day (``DAY`` variables), so ``parameters(period)`` gives
  the values in force on that day, as ours does.
- **Per item** ``amount__<code>`` (int64 fen) and ``eligible__<code>`` (bool), with the
  semantics of ``engine.py``: the amount is the sum of the stages that count (a fixed or formula
  amount is one stage); a stage counts where its ``when`` condition is definitely true and its
  formula's data are known; formulas are exact rationals over int64 (``x * 60%`` →
  ``x * 3 // 5``), floored to the fen, negative → 0. ``eligible`` = the rule is definitely true
  and the amount is positive. Missing data follow Kleene's three-valued logic as in our engine:
  the translator builds, per sub-rule, an expression that is *definitely true* and one that is
  *definitely false*, a leaf being ``known & cond`` / ``known & ~cond``; ``and``/``or`` combine
  them, ``not`` swaps them; only the "definitely false" expressions a ``not`` needs are written.
  ``x in {…}`` on a coded input is a lookup table (``IN_3[region]``; ``numpy.isin`` is 5× slower).
- **Highest in group**: one ``winner__<group>`` int variable per exclusivity group — the index
  (members in code order) of the item awarded: the highest eligible amount, a tie going to the
  smallest code as in ours; −1 when none. A variable per group, not a NumPy post-step.

Batch: ``run()`` calculates every group winner and every item, harvests the sparse results
(``numpy.flatnonzero`` of each eligibility array, the amounts there, whether the item won its
group) and deletes each item's arrays once harvested (``Simulation.delete_arrays``). Keeping them
would cost 2,000 × N × (1 + 8) bytes — 36 GB at 2M enterprises — in OpenFisca's cache.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy
from policy_items import Award

from onewindow.policies.rules import industries
from onewindow.policies.rules.amounts import check_amount
from onewindow.policies.rules.arith import field_refs, is_arithmetic
from onewindow.policies.rules.core import Parameters, check
from onewindow.policies.rules.parser import (
    And,
    Arith,
    Bare,
    Call,
    Compare,
    FieldRef,
    Literal,
    Node,
    Not,
    Or,
    ParamRef,
    SetLiteral,
)
from onewindow.policies.rules.profile import PROFILE_SCHEMA, Field, Schema

OTHER = "（其他）"


def ident(code: str) -> str:
    """A Python identifier for an item or group code: ``LS-XGS-01`` → ``LS_XGS_01``."""
    out = re.sub(r"\W", "_", code)
    return out if out[:1].isalpha() or out[:1] == "_" else f"_{out}"


@dataclass
class _Inputs:
    """What the rules read, collected while translating: it decides the input variables."""

    fields: dict[str, Field] = field(default_factory=dict)  # stored fields read
    text_values: dict[str, set[str]] = field(default_factory=dict)  # str field → values named
    members: dict[str, set[str]] = field(default_factory=dict)  # set field → members named
    tables: dict[tuple[str, tuple], str] = field(default_factory=dict)  # (input, values) → table name
    age: bool = False


class Translator:
    """Typed rule AST → a Python expression over NumPy arrays, for an OpenFisca formula.

    ``t(node)`` is the expression that is true where the rule is definitely true, ``f(node)`` where
    it is definitely false (Kleene logic with ``<field>__known`` masks). Field reads become local
    names bound at the top of the formula (``needs``)."""

    def __init__(self, inputs: _Inputs, schema: Schema) -> None:
        self.inputs, self.schema = inputs, schema
        self.needs: dict[str, str] = {}  # local name → OpenFisca variable read

    # operands -------------------------------------------------------------------------------
    def read(self, variable: str) -> str:
        self.needs[variable] = variable
        return variable

    def known(self, fld: Field) -> str:
        stored = fld.derived_from or fld.name
        return self.read(f"{stored}__known")

    def note_field(self, fld: Field) -> None:
        stored = self.schema.get(fld.derived_from or fld.name)
        self.inputs.fields[stored.name] = stored
        if fld.derived_from:
            self.inputs.age = True

    def scalar(self, node: Node, kind: str | None = None) -> str:
        """A constant operand (literal or parameter) as a Python expression."""
        if isinstance(node, ParamRef):
            if node.type in ("str", "set"):
                raise NotImplementedError(f"text/set parameters (${node.name}) are not translated")
            return f"p[{node.name!r}]"
        assert isinstance(node, Literal)
        if node.kind == "date":
            return f"numpy.datetime64({node.value.isoformat()!r}, 'D')"
        if node.kind == "bool":
            return repr(bool(node.value))
        return repr(node.value)

    # rule -----------------------------------------------------------------------------------
    def t(self, node: Node) -> str:
        if isinstance(node, And):
            return "(" + " & ".join(self.t(i) for i in node.items) + ")"
        if isinstance(node, Or):
            return "(" + " | ".join(self.t(i) for i in node.items) + ")"
        if isinstance(node, Not):
            return self.f(node.item)
        cond, known = self.leaf(node)
        return cond if known is None else f"({known} & {cond})"

    def f(self, node: Node) -> str:
        if isinstance(node, And):
            return "(" + " | ".join(self.f(i) for i in node.items) + ")"
        if isinstance(node, Or):
            return "(" + " & ".join(self.f(i) for i in node.items) + ")"
        if isinstance(node, Not):
            return self.t(node.item)
        cond, known = self.leaf(node)
        return f"numpy.logical_not({cond})" if known is None else f"({known} & ~{cond})"

    def leaf(self, node: Node) -> tuple[str, str | None]:
        """(condition expression, known-mask expression or None for a constant condition)."""
        if isinstance(node, Bare):
            operand = node.operand
            if isinstance(operand, FieldRef):
                self.note_field(operand.field)
                return self.read(operand.field.name), self.known(operand.field)
            return f"numpy.bool_({self.scalar(operand)})", None
        assert isinstance(node, Compare)
        left, right = node.left, node.right
        if node.op == "has":
            return self.has(left.field, right)
        if node.op == "under":
            return self.under(left.field, right.value)
        fields = [r.field for r in field_refs(node)]
        for fld in fields:
            self.note_field(fld)
        known = self.known_all(fields)
        if node.op != "in" and (is_arithmetic(left) or is_arithmetic(right)):
            (a, da), (b, db) = self.rational(left), self.rational(right)
            cond = f"({_times(a, db)} {node.op} {_times(b, da)})"
            return (cond, known) if fields else (f"numpy.bool_{cond}", None)
        if node.op == "in":
            return self.member(left, right), known
        kind = fields[0].type if fields else None
        if kind in ("str", "enum", "industry"):
            if len(fields) > 1:
                raise NotImplementedError("text field compared with a text field")
            fld = fields[0]
            const = right if isinstance(left, FieldRef) else left
            return f"({self.text_column(fld)} {node.op} {self.text_index(fld, const.value)})", known
        lhs = self.column(left) if isinstance(left, FieldRef) else self.scalar(left)
        rhs = self.column(right) if isinstance(right, FieldRef) else self.scalar(right)
        if not fields:
            return f"numpy.bool_({lhs} {node.op} {rhs})", None
        return f"({lhs} {node.op} {rhs})", known

    def column(self, ref: FieldRef) -> str:
        return self.read(ref.field.name)

    def known_all(self, fields: Sequence[Field]) -> str | None:
        knowns = sorted({self.known(f) for f in fields})
        return None if not knowns else (knowns[0] if len(knowns) == 1 else "(" + " & ".join(knowns) + ")")

    def rational(self, node: Node) -> tuple[str, int]:
        """An arithmetic operand exactly, as (numerator expression over int64 arrays, positive int
        denominator): ``unemployment_insurance_paid * 60%`` → ``(unemployment_insurance_paid * 3, 5)``.
        Our engine computes the same exact rational (in 128 bits); int64 holds every value these
        items produce. Division is only translated by a constant."""
        if isinstance(node, FieldRef):
            self.note_field(node.field)
            return self.column(node), 1
        if isinstance(node, ParamRef):
            return self.scalar(node), 1
        if isinstance(node, Literal):
            value = Fraction(node.value)
            return repr(value.numerator), value.denominator
        if isinstance(node, Arith):
            (a, da), (b, db) = self.rational(node.left), self.rational(node.right)
            if node.op in "+-":
                lcm = math.lcm(da, db)
                return f"({_times(a, lcm // da)} {node.op} {_times(b, lcm // db)})", lcm
            if node.op == "*":
                return f"({a} * {b})", da * db
            if not isinstance(node.right, Literal):
                raise NotImplementedError("division by a field or parameter")
            divisor = Fraction(node.right.value)  # a/da ÷ p/q = a·q / (da·p); the checker refuses ÷ 0
            sign = 1 if divisor > 0 else -1
            return _times(a, divisor.denominator * sign), da * abs(divisor.numerator)
        if isinstance(node, Call):
            values = [self.rational(arg) for arg in node.args]
            lcm = math.lcm(*(d for _, d in values))
            fn = "numpy.minimum" if node.name == "min" else "numpy.maximum"
            expr = _times(values[0][0], lcm // values[0][1])
            for num, den in values[1:]:
                expr = f"{fn}({expr}, {_times(num, lcm // den)})"
            return expr, lcm
        raise NotImplementedError(f"arithmetic operand {node!r}")

    def text_column(self, fld: Field) -> str:
        return self.read("industry__class" if fld.type == "industry" else fld.name)

    def text_index(self, fld: Field, value: str) -> str:
        """The integer an Enum / industry input holds for ``value``, with the value as a comment."""
        if fld.type == "industry":
            return str(int(value[1:]))  # an exact comparison names a four-digit class (C3011 → 3011)
        if fld.type == "str":
            self.inputs.text_values.setdefault(fld.name, set()).add(value)
        return f"I[{fld.name!r}][{value!r}]"

    def member(self, left: Node, right: Node) -> str:
        assert isinstance(left, FieldRef) and isinstance(right, SetLiteral), "in: a field and a {…} set"
        fld = left.field
        values = [item.value for item in right.items]
        if fld.type in ("str", "enum", "industry"):
            # membership of a coded value: a lookup table (NumPy's isin is 5× slower on these arrays)
            for v in values:
                self.text_index(fld, v)
            column = self.text_column(fld)
            key = (column, tuple(sorted(values)))
            table = self.inputs.tables.setdefault(key, f"IN_{len(self.inputs.tables)}")
            return f"{table}[{column}]"
        consts = ", ".join(self.scalar(item) for item in right.items)
        return f"numpy.isin({self.column(left)}, [{consts}])"

    def has(self, fld: Field, value: Node) -> tuple[str, str]:
        self.note_field(fld)
        if not isinstance(value, Literal):
            raise NotImplementedError("set membership of a parameter value")
        self.inputs.members.setdefault(fld.name, set()).add(value.value)
        return self.read(member_variable(fld, value.value)), self.known(fld)

    def under(self, fld: Field, code: str) -> tuple[str, str]:
        self.note_field(fld)
        industries.validate(code)
        level = {1: "section", 3: "division", 4: "group", 5: "class"}[len(code)]
        value = f"I['industry__section'][{code!r}]" if level == "section" else str(int(code[1:]))
        return f"({self.read(f'industry__{level}')} == {value})", self.known(fld)


def _times(expr: str, factor: int) -> str:
    return expr if factor == 1 else f"{expr} * {factor}"


def member_variable(fld: Field, member: str) -> str:
    """``certifications__03``: members are numbered by the field's vocabulary (or sorted text)."""
    if fld.vocabulary and member in fld.vocabulary:
        return f"{fld.name}__{fld.vocabulary.index(member):02d}"
    return f"{fld.name}__x{zlib.crc32(member.encode()):08x}"  # a free-text member (none in our items)


# --- amounts ---------------------------------------------------------------------------------


def amount_expression(amount: Any, parameters: Parameters, tr: Translator, schema: Schema) -> str:
    """The amount in fen an enterprise would get, as an int64 expression: the sum of the stages
    that count. A stage counts where its condition (if any) is definitely true and its amount is
    known; a formula is exact, floored to the fen, and pays 0 when negative — the semantics of
    ``engine.py``, where the enterprise is eligible when the rule holds and this sum is positive."""
    if isinstance(amount, Mapping) and "stages" in amount:
        stages = [(check(s["when"], parameters, schema) if s.get("when") else None, s["amount"])
                  for s in amount["stages"]]
    else:
        stages = [(None, amount)]
    terms = []
    for when, stage_amount in stages:
        checked = check_amount(stage_amount, parameters, schema)
        if checked.node is None:
            value, known = repr(checked.fixed), None
        else:
            num, den = tr.rational(checked.node)
            value = f"numpy.maximum({num} // {den}, 0)" if den != 1 else f"numpy.maximum({num}, 0)"
            known = tr.known_all([r.field for r in field_refs(checked.node)])
        conditions = [c for c in (tr.t(when.node) if when is not None else None, known) if c]
        terms.append(f"numpy.where({' & '.join(conditions)}, {value}, 0)" if conditions else value)
    return " + ".join(terms)


# --- the generated module -------------------------------------------------------------------


HEADER = '''\
"""Generated by bench/policy_openfisca.py from the benchmark's award items: do not edit."""
import numpy
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

ETERNITY, DAY = DateUnit.ETERNITY, DateUnit.DAY


class Int64Variable(Variable):
    """OpenFisca's ``int`` is int32 and ``float`` float32; money in fen needs exact 64 bits.
    (OpenFisca reads a variable's attributes from its own class only: each subclass says
    ``value_type = int`` again.)"""

    def __init__(self, baseline_variable=None):
        super().__init__(baseline_variable)
        self.dtype = numpy.int64
'''


def _py(text: str) -> str:
    return repr(text)


class Generated:
    """The translated system: Python source, then (``build``) a TaxBenefitSystem from it."""

    def __init__(self, awards: Sequence[Award], parameters: Parameters, *, schema: Schema = PROFILE_SCHEMA) -> None:
        self.awards, self.parameters, self.schema = list(awards), parameters, schema
        self.inputs = _Inputs()
        self.groups: dict[str, list[Award]] = {}
        for award in sorted(self.awards, key=lambda a: a.code):  # a tie in a group goes to the smallest code
            if award.group:
                self.groups.setdefault(award.group, []).append(award)
        names = [ident(a.code) for a in self.awards]
        if len(set(names)) != len(names):
            raise ValueError("two item codes give the same identifier")
        body = []
        for award in self.awards:
            body.append(self._item(award))
        for group, members in self.groups.items():
            body.append(self._group(group, members))
        self.text = "\n\n".join([HEADER, self._inputs_source(), *body]) + "\n"

    # items ----------------------------------------------------------------------------------
    def _formula(self, tr: Translator, result: str, extra: Sequence[str] = ()) -> str:
        lines = ["    def formula(enterprise, period, parameters):", "        p = parameters(period)"]
        lines += [f"        {extra_line}" for extra_line in extra]
        for local, variable in tr.needs.items():
            lines.append(f"        {local} = enterprise({variable!r}, period)")
        lines.append(f"        return {result}")
        return "\n".join(lines)

    def _item(self, award: Award) -> str:
        rule = check(award.rule, self.parameters, self.schema)
        name = ident(award.code)
        atr = Translator(self.inputs, self.schema)
        amount = amount_expression(award.amount, self.parameters, atr, self.schema)
        amount_cls = (
            f"class amount__{name}(Int64Variable):\n"
            f"    value_type = int\n    entity = enterprise\n    definition_period = DAY\n"
            f"    label = {_py(award.title + '：金额（分，计入的各阶段之和）')}\n\n"
            + self._formula(atr, amount)
        )
        tr = Translator(self.inputs, self.schema)
        expr = tr.t(rule.node)
        rule_cls = (
            f"class rule__{name}(Variable):\n"
            f"    value_type = bool\n    entity = enterprise\n    definition_period = DAY\n"
            f"    label = {_py(award.title + '：资格条件')}\n"
            f"    documentation = {_py(award.rule.strip())}\n\n"
            + self._formula(tr, expr)
        )
        eligible = (
            f"class eligible__{name}(Variable):\n"
            f"    value_type = bool\n    entity = enterprise\n    definition_period = DAY\n"
            f"    label = {_py(award.title)}\n\n"
            f"    def formula(enterprise, period, parameters):\n"
            f"        return enterprise('rule__{name}', period) & (enterprise('amount__{name}', period) > 0)\n"
        )
        return "\n\n\n".join((rule_cls, amount_cls, eligible))

    def _group(self, group: str, members: list[Award]) -> str:
        name = ident(group)
        names = ", ".join(repr(ident(a.code)) for a in members)
        return (
            f"class winner__{name}(Variable):\n"
            f"    value_type = int\n    entity = enterprise\n    definition_period = DAY\n"
            f"    label = {_py(group + '：每家企业不重复奖，以最高标准为准（获奖事项序号，-1 为无）')}\n\n"
            f"    def formula(enterprise, period, parameters):\n"
            f"        winner = best = -1\n"
            f"        for k, item in enumerate(({names},)):  # by code: a tie stays with the smaller code\n"
            f"            amount = numpy.where(enterprise('eligible__' + item, period), enterprise('amount__' + item, period), -1)\n"
            f"            winner = numpy.where(amount > best, k, winner)  # strictly higher\n"
            f"            best = numpy.maximum(amount, best)\n"
            f"        return winner\n"
        )

    # inputs ---------------------------------------------------------------------------------
    def input_variables(self) -> dict[str, tuple[str, str]]:
        """Input variable name → (OpenFisca value type in the source, label)."""
        out: dict[str, tuple[str, str]] = {}
        for name, fld in self.inputs.fields.items():
            out[f"{name}__known"] = ("bool", f"{fld.label}：已知")
            if fld.type in ("int", "money"):
                out[name] = ("Int64", fld.label)
            elif fld.type == "date":
                out[name] = ("date", fld.label)
            elif fld.type == "bool":
                out[name] = ("bool", fld.label)
            elif fld.type in ("enum", "str"):
                out[name] = (f"Enum:{name}", fld.label)
            elif fld.type == "industry":
                out["industry__section"] = ("Enum:industry__section", "行业门类")
                for level, label in (("division", "行业大类"), ("group", "行业中类"), ("class", "行业小类")):
                    out[f"industry__{level}"] = ("int", f"{label}（代码数字，-1 为无）")
            elif fld.type == "set":
                for member in sorted(self.inputs.members.get(name, ()), key=lambda m: member_variable(fld, m)):
                    out[member_variable(fld, member)] = ("bool", f"{fld.label}：{member}")
        return out

    def enums(self) -> dict[str, list[str]]:
        """Enum input → its values in index order."""
        out: dict[str, list[str]] = {}
        for name, fld in self.inputs.fields.items():
            if fld.type == "enum":
                out[name] = list(fld.choices)
            elif fld.type == "str":
                out[name] = [*sorted(self.inputs.text_values.get(name, ())), OTHER]
            elif fld.type == "industry":
                out["industry__section"] = [*industries.SECTIONS, OTHER]
        return out

    def _inputs_source(self) -> str:
        enums = self.enums()
        parts = ["# --- Enums: value → index (the translator writes I[field][value] in formulas) ---"]
        parts.append("I = {")
        for name, values in enums.items():
            parts.append(f"    {name!r}: {{{', '.join(f'{v!r}: {i}' for i, v in enumerate(values))}}},")
        parts.append("}")
        parts.append("\n\ndef lookup(size, indices):\n    table = numpy.zeros(size + 1, dtype=bool)  # the extra last slot: index -1 (none)\n"
                     "    table[list(indices)] = True\n    return table\n")
        parts.append("# --- membership tables for `x in {…}` on coded inputs ---")
        for (column, values), table in self.inputs.tables.items():
            if column == "industry__class":
                parts.append(f"{table} = lookup(10000, {[int(v[1:]) for v in values]})")
            else:
                parts.append(f"{table} = lookup(len(I[{column!r}]), [I[{column!r}][v] for v in {list(values)!r}])")
        parts.append("\n# --- inputs: one per profile field (and its mask) ---")
        for name, (kind, label) in self.input_variables().items():
            if kind.startswith("Enum:"):
                enum_name = kind[5:]
                parts.append(
                    f"\nclass {name}(Variable):\n"
                    f"    value_type = Enum\n    possible_values = ENUMS[{enum_name!r}]\n"
                    f"    default_value = list(ENUMS[{enum_name!r}])[-1]\n"
                    f"    entity = enterprise\n    definition_period = ETERNITY\n    label = {_py(label)}\n"
                )
            elif kind == "Int64":
                parts.append(
                    f"\nclass {name}(Int64Variable):\n"
                    f"    value_type = int\n    entity = enterprise\n    definition_period = ETERNITY\n    label = {_py(label)}\n"
                )
            else:
                vt = {"bool": "bool", "int": "int", "date": "datetime.date"}[kind]
                parts.append(
                    f"\nclass {name}(Variable):\n"
                    f"    value_type = {vt}\n    entity = enterprise\n    definition_period = ETERNITY\n"
                    f"    label = {_py(label)}\n"
                )
        if self.inputs.age:
            parts.append(
                "\nclass age_years(Variable):\n"
                "    value_type = int\n    entity = enterprise\n    definition_period = DAY\n"
                "    label = '成立年限（由成立日期按期间日计算）'\n\n"
                "    def formula(enterprise, period, parameters):\n"
                "        born = enterprise('established_on', period)\n"
                "        day = period.start\n"
                "        year = born.astype('datetime64[Y]').astype(numpy.int64) + 1970\n"
                "        month = born.astype('datetime64[M]').astype(numpy.int64) % 12 + 1\n"
                "        mday = (born - born.astype('datetime64[M]')).astype(numpy.int64) + 1\n"
                "        later = (month * 100 + mday) > (day.month * 100 + day.day)\n"
                "        return day.year - year - later\n"
                "\n\nclass age_years__known(Variable):\n"
                "    value_type = bool\n    entity = enterprise\n    definition_period = DAY\n"
                "    label = '成立年限：已知'\n\n"
                "    def formula(enterprise, period, parameters):\n"
                "        return enterprise('established_on__known', period)\n"
            )
        return "\n".join(parts)

    def parameter_tree(self) -> dict[str, Any]:
        """Our dated parameters as OpenFisca parameter data (money in fen)."""
        out = {}
        for name in self.parameters.names():
            param = self.parameters.get(name)
            if param.type not in ("int", "money", "bool"):
                continue
            out[name] = {
                "description": param.label or name,
                "values": {day.isoformat(): {"value": value} for day, value in param.values},
            }
        return out

    # building -------------------------------------------------------------------------------
    def build(self):
        """Exec the generated source and return an OpenFisca TaxBenefitSystem with it."""
        import datetime

        from openfisca_core.entities import build_entity
        from openfisca_core.indexed_enums import Enum
        from openfisca_core.parameters import ParameterNode
        from openfisca_core.taxbenefitsystems import TaxBenefitSystem
        from openfisca_core.variables import Variable

        enterprise = build_entity(key="enterprise", plural="enterprises", label="企业", is_person=True)
        system = TaxBenefitSystem([enterprise])
        enums = {
            name: Enum(name, [(f"v{i}", value) for i, value in enumerate(values)])
            for name, values in self.enums().items()
        }
        namespace: dict[str, Any] = {"enterprise": enterprise, "Enum": Enum, "ENUMS": enums, "datetime": datetime}
        exec(compile(self.text, "<generated openfisca policies>", "exec"), namespace)  # our own generated source
        for value in list(namespace.values()):
            if isinstance(value, type) and issubclass(value, Variable) and value.__dict__.get("entity") is enterprise:
                system.add_variable(value)
        system.parameters = ParameterNode("", data=self.parameter_tree())
        self.system = system
        self.enum_classes = enums
        self.index = namespace["I"]
        return system

    # data -----------------------------------------------------------------------------------
    def encode(self, df) -> dict[str, numpy.ndarray]:
        """The profile frame (Polars) as OpenFisca input arrays, plus the ``__known`` masks.

        Not OpenFisca's work (it cannot read a Polars frame with list columns); timed apart."""
        import polars as pl

        out: dict[str, numpy.ndarray] = {}
        for name, fld in self.inputs.fields.items():
            col = df.get_column(name)
            out[f"{name}__known"] = col.is_not_null().to_numpy()
            if fld.type in ("int", "money"):
                out[name] = col.fill_null(0).cast(pl.Int64).to_numpy()
            elif fld.type == "date":
                out[name] = col.fill_null(dt.date(1970, 1, 1)).to_numpy().astype("datetime64[D]")
            elif fld.type == "bool":
                out[name] = col.fill_null(False).to_numpy()
            elif fld.type in ("enum", "str"):
                index = self.index[name]
                other = index.get(OTHER, len(index) - 1) if fld.type == "str" else 0
                codes = col.replace_strict(index, default=other, return_dtype=pl.Int16).fill_null(other)
                out[name] = codes.to_numpy()
            elif fld.type == "industry":
                code = col.fill_null("")
                sections = self.index["industry__section"]
                sec = code.str.slice(0, 1).replace_strict(sections, default=sections[OTHER], return_dtype=pl.Int16)
                out["industry__section"] = sec.to_numpy()
                length = code.str.len_chars()
                for level, n in (("division", 3), ("group", 4), ("class", 5)):
                    digits = code.str.slice(1, n - 1).cast(pl.Int32, strict=False)
                    out[f"industry__{level}"] = (
                        pl.select(pl.when(length >= n).then(digits).otherwise(-1).fill_null(-1)).to_series()
                        .cast(pl.Int32).to_numpy()
                    )
            elif fld.type == "set":
                for member in self.inputs.members.get(name, ()):
                    out[member_variable(fld, member)] = col.list.contains(member).fill_null(False).to_numpy()
        return out

    def simulation(self, arrays: dict[str, numpy.ndarray]):
        from openfisca_core.indexed_enums import EnumArray
        from openfisca_core.simulations import SimulationBuilder

        count = len(next(iter(arrays.values())))
        sim = SimulationBuilder().build_default_simulation(self.system, count=count)
        enums = self.enums()
        for name, array in arrays.items():
            if name in enums:
                array = EnumArray(array, self.system.variables[name].possible_values)
            sim.set_input(name, "ETERNITY", array)
        return sim

    def run_rules(self, sim, as_of: dt.date) -> int:
        """Eligibility rules alone (no amounts, no groups): every item's ``rule__`` variable,
        released after counting its matches. Returns the number of (enterprise, item) matches."""
        period = as_of.isoformat()
        total = 0
        for award in self.awards:
            name = f"rule__{ident(award.code)}"
            total += int(numpy.count_nonzero(sim.calculate(name, period)))
            sim.delete_arrays(name)
        return total

    def run(self, sim, as_of: dt.date, *, keep: bool = False, timing: dict | None = None) -> dict[str, numpy.ndarray]:
        """Every group winner and item; returns the sparse results as arrays:
        ``enterprise`` (row), ``item`` (index in ``awards``), ``eligible_amount`` (fen),
        ``awarded`` (bool: false where another item of the group won), ``superseded_by`` (the
        winning item's index where not awarded, else -1). ``timing`` receives the
        seconds spent in ``calculate`` and in harvesting (``flatnonzero`` and gathers)."""
        import time

        period = as_of.isoformat()
        position = {a.code: i for i, a in enumerate(self.awards)}
        rows, items, amounts, awarded, superseded = [], [], [], [], []
        clock = {"calculate_s": 0.0, "harvest_s": 0.0}

        def calculate(name: str) -> numpy.ndarray:
            t = time.perf_counter()
            out = sim.calculate(name, period)
            clock["calculate_s"] += time.perf_counter() - t
            return out

        def harvest(award: Award, winner: numpy.ndarray | None, k: int, members: numpy.ndarray | None) -> None:
            name = ident(award.code)
            eligible = calculate(f"eligible__{name}")
            amount = calculate(f"amount__{name}")
            t = time.perf_counter()
            idx = numpy.flatnonzero(eligible).astype(numpy.int32)
            rows.append(idx)
            items.append(numpy.full(len(idx), position[award.code], dtype=numpy.int32))
            amounts.append(amount[idx].astype(numpy.int64))
            if winner is None:
                awarded.append(numpy.ones(len(idx), dtype=bool))
                superseded.append(numpy.full(len(idx), -1, dtype=numpy.int32))
            else:
                won = winner[idx]
                awarded.append(won == k)
                superseded.append(numpy.where(won == k, -1, members[won]).astype(numpy.int32))
            if not keep:
                for prefix in ("rule", "amount", "eligible"):
                    sim.delete_arrays(f"{prefix}__{name}")
            clock["harvest_s"] += time.perf_counter() - t

        for group, members in self.groups.items():
            winner = calculate(f"winner__{ident(group)}")
            member_items = numpy.array([position[a.code] for a in members], dtype=numpy.int32)
            for k, award in enumerate(members):
                harvest(award, winner, k, member_items)
            if not keep:
                sim.delete_arrays(f"winner__{ident(group)}")
        for award in self.awards:
            if not award.group:
                harvest(award, None, 0, None)
        if timing is not None:
            timing.update(clock)

        def cat(parts, dtype):
            return numpy.concatenate(parts) if parts else numpy.zeros(0, dtype)

        return {
            "enterprise": cat(rows, numpy.int32),
            "item": cat(items, numpy.int32),
            "eligible_amount": cat(amounts, numpy.int64),
            "awarded": cat(awarded, bool),
            "superseded_by": cat(superseded, numpy.int32),  # item index of the group's winner, -1 if awarded
        }
