"""Personal data as everyone sees it unless their role needs it (号码脱敏). Revealing the full value
is a separate, audited action in the domain that holds it."""

from __future__ import annotations


def _mask(value: str, keep_start: int, keep_end: int) -> str:
    value = value or ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end:]


def mask_id_number(value: str) -> str:
    """110105********002X: region prefix and the last four stay, the birth date does not."""
    return _mask(value, 6, 4)


def mask_phone(value: str) -> str:
    """138****5678."""
    return _mask(value, 3, 4)


def mask_name(value: str) -> str:
    """张*, 欧阳**: the surname stays."""
    value = value or ""
    if len(value) <= 1:
        return value
    keep = 2 if len(value) >= 4 else 1
    return value[:keep] + "*" * (len(value) - keep)
