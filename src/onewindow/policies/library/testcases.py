"""Policy test cases, in the manner of OpenFisca's YAML tests: for one award item, an input profile and
the expected eligibility and amount, computed as of a date with the item's parameters.

    tests:
      - name: 新升规上的制造业企业
        as_of: 2025-06-30
        profile: {industry: C3011, flags: [新升规上, 规上], revenue: 2500万元}
        eligible: true
        amount: 5万元

Each case runs the item alone through the engine (``explain_enterprise``), so an exclusivity group
or a budget never changes a case's answer; the amount compared is the item's whole eligible amount
(for staged items, the sum of the stages whose conditions hold). A failure says, in Chinese, what
was expected, what came out and which conditions failed or lacked data.

Profiles are written as in the library file (money as text with a unit) and stored as JSON (money in
fen, dates as ISO text, sets as sorted lists), which is what the engine reads.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from onewindow.common.errors import ErrorDetail
from onewindow.policies.engine.core import ItemSpec, explain_enterprise
from onewindow.policies.library.documents import money_text
from onewindow.policies.rules import industries
from onewindow.policies.rules.core import ParameterError, Parameters, format_money, parse_money
from onewindow.policies.rules.profile import PROFILE_SCHEMA, TYPE_NAMES, Schema


@dataclass
class CaseResult:
    item: str
    index: int  # position among the item's cases
    name: str
    passed: bool
    message: str = ""  # why it failed, in Chinese


@dataclass
class Report:
    items: int = 0
    cases: int = 0
    failures: list[CaseResult] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)  # items without a single case

    def add(self, code: str, results: list[CaseResult]) -> None:
        self.items += 1
        self.cases += len(results)
        self.failures += [r for r in results if not r.passed]
        if not results:
            self.untested.append(code)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        head = f"{self.items} 项事项，{self.cases} 个用例，"
        tail = f"（{len(self.untested)} 项事项没有用例）" if self.untested else ""
        if self.ok:
            return head + "全部通过" + tail
        return head + f"{len(self.failures)} 个未通过" + tail


def detail(result: CaseResult) -> ErrorDetail:
    return ErrorDetail(message=result.message, field=f"{result.item}.tests[{result.index}]")


# --- profiles -------------------------------------------------------------------------------------


def normalize_profile(profile: Mapping[str, Any], fail: Callable[[str | None, str], None],
                      schema: Schema = PROFILE_SCHEMA) -> dict[str, Any]:
    """A test profile as stored: every key a field of the schema (by code name or Chinese label),
    every value of the field's type. Problems go to ``fail(field, message)``."""
    out: dict[str, Any] = {}
    for key, value in profile.items():
        fld = schema.get(str(key))
        if fld is None:
            guess = difflib.get_close_matches(str(key), schema.names(), n=1, cutoff=0.6)
            hint = f"，是否为「{guess[0]}」？" if guess else ""
            fail(str(key), f"画像中的未知字段「{key}」{hint}")
            continue
        if fld.derived_from:
            derived = schema.get(fld.derived_from)
            fail(str(key), f"{fld.title}由{derived.title}推算，请填写 {derived.name}，不要直接填写")
            continue
        if fld.name in out:
            fail(str(key), f"{fld.title}重复填写")
            continue
        if value is None:
            out[fld.name] = None  # known to be unknown: conditions reading it are undetermined
            continue

        def bad(message: str, fld=fld, key=key) -> None:
            fail(str(key), f"{fld.title}{message}")

        kind = fld.type
        if kind == "money":
            if isinstance(value, bool) or not isinstance(value, str):
                bad(f"是金额，须写成带单位的文本，如 2000万元，而不是「{value}」")
                continue
            try:
                out[fld.name] = parse_money(value)
            except ValueError as exc:
                bad(f"：{exc}")
            continue
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                bad(f"应为整数，而不是「{value}」")
                continue
            out[fld.name] = value
        elif kind == "date":
            try:
                if isinstance(value, dt.datetime):
                    raise ValueError
                day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            except ValueError:
                bad(f"应为日期（YYYY-MM-DD），而不是「{value}」")
                continue
            out[fld.name] = day.isoformat()
        elif kind == "bool":
            if not isinstance(value, bool):
                bad(f"应为 true/false，而不是「{value}」")
                continue
            out[fld.name] = value
        elif kind == "set":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                bad(f"应为文本列表，如 [{'、'.join(fld.vocabulary[:2]) or '…'}]，而不是「{value}」")
                continue
            unknown = [v for v in value if fld.vocabulary and v not in fld.vocabulary]
            if unknown:
                bad(f"没有「{unknown[0]}」这一项；可选：{'、'.join(fld.vocabulary)}")
                continue
            out[fld.name] = sorted(set(value))
        elif kind == "enum":
            if value not in fld.choices:
                bad(f"应为 {'/'.join(fld.choices)} 之一，而不是「{value}」")
                continue
            out[fld.name] = value
        elif kind == "industry":
            try:
                industries.validate(value)
            except industries.IndustryCodeError as exc:
                bad(f"：{exc}")
                continue
            if len(value) != 5:
                bad(f"应为四位小类代码（如 C3011），「{value}」只是{industries.level(value)}")
                continue
            out[fld.name] = value
        elif isinstance(value, str | int) and not isinstance(value, bool):
            out[fld.name] = str(value)
        else:
            bad(f"应为{TYPE_NAMES[kind]}，而不是「{value}」")
    return out


def profile_document(stored: Mapping[str, Any], schema: Schema = PROFILE_SCHEMA) -> dict[str, Any]:
    """A stored profile as written in the library file (money back to text with a unit)."""
    out: dict[str, Any] = {}
    for name, value in stored.items():
        fld = schema.get(name)
        if value is not None and fld is not None and fld.type == "money":
            value = money_text(value)
        elif value is not None and fld is not None and fld.type == "date":
            value = dt.date.fromisoformat(value)
        out[name] = value
    return out


def stored_cases(rows: Iterable[Any]) -> list[dict]:
    """PolicyTestCase rows as the runner's cases."""
    return [{"name": r.name, "as_of": r.as_of, "profile": r.profile, "eligible": r.expected_eligible,
             "amount_fen": r.expected_amount_fen} for r in rows]


# --- running ----------------------------------------------------------------------------------------


def run_item(spec: ItemSpec, cases: list[dict], parameters: Parameters) -> list[CaseResult]:
    """Run one item's cases; each case dict has name, as_of, profile (stored form), eligible, amount_fen."""
    return [_run_case(spec, i, case, parameters) for i, case in enumerate(cases)]


def _run_case(spec: ItemSpec, index: int, case: Mapping[str, Any], parameters: Parameters) -> CaseResult:
    name, code = case["name"], spec.code
    head = f"事项「{code}」用例「{name}」（{case['as_of']}）"
    try:
        (ex,) = explain_enterprise(case["profile"], [spec], as_of=case["as_of"], parameters=parameters)
    except (ParameterError, ValueError) as exc:
        return CaseResult(code, index, name, False, f"{head}无法计算：{exc}")
    problems = []
    if ex.eligible != case["eligible"]:
        expected = "符合条件" if case["eligible"] else "不符合条件"
        got = "符合条件" if ex.eligible else ("因数据缺失无法判定" if ex.status == "undetermined" else "不符合条件")
        problems.append(f"预期{expected}，实际{got}")
    elif case["eligible"] and case["amount_fen"] is not None and ex.amount != case["amount_fen"]:
        got = "无法计算（数据缺失）" if ex.amount is None else format_money(ex.amount)
        problems.append(f"预期金额 {format_money(case['amount_fen'])}，实际 {got}{_how(spec, ex)}")
    if not problems:
        return CaseResult(code, index, name, True)
    return CaseResult(code, index, name, False, f"{head}：{'；'.join(problems)}{_reasons(ex)}")


def _how(spec: ItemSpec, ex: Any) -> str:
    """How the amount came out: each stage counted, with its formula."""
    parts = []
    for stage, outcome in zip(spec.stages, ex.stages, strict=False):
        if outcome.amount is None:
            continue
        formula = f"{stage.amount.describe()} = " if stage.amount.is_formula else ""
        parts.append(f"{stage.name or '金额'}：{formula}{format_money(outcome.amount)}")
    return f"（{'；'.join(parts)}）" if parts else ""


def _reasons(ex: Any) -> str:
    """The conditions that failed or lacked data, as the engine explains them, or the data a
    formula lacked."""
    parts = [f"「{c.text}」不满足（{c.actual}，要求 {c.required}）" if c.outcome == "failed"
             else f"「{c.text}」缺少数据（{c.actual}）" for c in ex.conditions]
    if parts:
        return "；未满足的条件：" + "；".join(parts)
    missing = [f"{m.label}（{m.condition}）" for m in ex.missing]
    return "；缺少数据：" + "；".join(missing) if missing else ""
