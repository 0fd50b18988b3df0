"""Approval results are checked before anything is signed: each field of the item's licence template by
its kind (a date is a date, a number a number, a USCC carries its check character), required fields
present, and fields the system assigns (a new enterprise's USCC and 成立日期) never typed by the officer.
Every problem is reported at once, each by the field's Chinese label."""

from __future__ import annotations

import re
from datetime import date

from onewindow.common import time as beijing
from onewindow.common.errors import ErrorCollector, ValidationFailed
from onewindow.common.ids import id_number_problem, uscc_problem
from onewindow.licences import service as licences

NUMBER = re.compile(r"^\d{1,12}(\.\d{1,4})?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PAST_DATES = frozenset({"established_on", "registered_on"})  # a registration cannot date from the future
# Assigned by registration itself (sharing.assign_uscc; the day of approval), so never typed.
SYSTEM_ASSIGNED = ("uscc", "established_on")


def _problem(kind: str, key: str, value: str) -> str | None:
    if kind == "date":
        try:
            day = date.fromisoformat(value) if ISO_DATE.match(value) else None
        except ValueError:
            day = None
        if day is None:
            return "须为日期，格式如 2026-01-31"
        if key in PAST_DATES and day > beijing.today():
            return "不能晚于今天"
        return None
    if kind == "number":
        return None if NUMBER.match(value) else "须为数字（可带小数，如 120.5）"
    if kind == "uscc":
        return uscc_problem(value)
    if kind == "id_number":
        return id_number_problem(value)
    return None


def check_result(*, template: licences.LicenceTemplate | None, data: dict[str, str], known: dict,
                 system_assigned: tuple[str, ...] = ()) -> dict[str, str]:
    """The result fields as they will be signed (USCC upper-cased), or 422 listing every problem.
    `known` is what the licence is filled from besides `data` (the form, earlier steps' results, the
    holder), so a required field counts as given when any of them has it."""
    if template is None:
        return data
    errors = ErrorCollector()
    cleaned = dict(data)
    for f in template.fields:
        value = str(data.get(f.key, "")).strip()
        if f.key in system_assigned:
            if value:
                errors.add("由系统在登记时赋予，无需填写", field=f.label)
            continue
        if not value:
            if f.required and not str(known.get(f.key) or "").strip():
                errors.add("必填", field=f.label)
            continue
        problem = _problem(f.kind, f.key, value)
        if problem:
            errors.add(problem, field=f.label)
        elif f.kind == "uscc":
            cleaned[f.key] = value.upper()
    if errors.errors:
        # The field of each detail is the label itself: pages and API answers name it as people do.
        raise ValidationFailed("审批结果有误：" + "；".join(str(e) for e in errors.errors), details=errors.errors)
    return cleaned
