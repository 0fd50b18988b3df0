"""Identifiers people type: 统一社会信用代码 (GB 32100-2015), 居民身份证号码 (GB 11643-1999), phone numbers.
Each check returns a reason in Chinese, or None when the value is valid."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import date

from onewindow.common import time as beijing

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def with_uscc_check(base17: str) -> str:
    """The 18-character USCC for its first 17 characters (GB 32100 check character appended)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(base17, USCC_WEIGHTS, strict=True))
    return base17 + USCC_CHARS[(31 - total % 31) % 31]


def new_uscc(*, region: str, individual: bool = False, draw: Callable[[str], str] = secrets.choice) -> str:
    """A fresh USCC as the registration authority assigns one: 9 (市场监管) + 1 企业 / 2 个体工商户, the
    6-digit region, "MA" + 7 characters as bodies assigned since 2015 are, and the GB 32100 check character.
    Uniqueness is the registry's business (sharing.assign_uscc draws again on a clash)."""
    if not re.fullmatch(r"\d{6}", region or ""):
        raise ValueError(f"region must be a 6-digit code, not {region!r}")
    body = "MA" + "".join(draw(USCC_CHARS) for _ in range(7))
    return with_uscc_check(("92" if individual else "91") + region + body)


def with_id_check(base17: str) -> str:
    """The 18-digit ID number for its first 17 digits (GB 11643 check digit appended)."""
    return base17 + ID_CHECK[sum(int(c) * w for c, w in zip(base17, ID_WEIGHTS, strict=True)) % 11]


def uscc_problem(value: str) -> str | None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    if any(c not in USCC_CHARS for c in code):
        return "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）"
    if code != with_uscc_check(code[:17]):
        return "统一社会信用代码校验位不正确"
    return None


def id_number_problem(value: str) -> str | None:
    number = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "身份证号码应为18位，末位为数字或X"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if not date(1900, 1, 1) <= born <= beijing.today():
        return "身份证号码中的出生日期无效"
    if number != with_id_check(number[:17]):
        return "身份证号码校验位不正确"
    return None


def phone_problem(value: str) -> str | None:
    phone = (value or "").strip().replace(" ", "")
    if MOBILE.match(phone) or LANDLINE.match(phone):
        return None
    return "电话号码格式不正确（手机11位，或带区号的固定电话）"
