"""Money as people read it (#9.4). Stored as integer fen; shown as 万元 with at most two decimals when the
amount is a whole number of 百元 of at least 1万元, else as 元 to the fen, so a shown amount is exact.
Summary figures (tiles, charts) may round to two decimals of 万元 (`exact=False`)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

WAN = 1_000_000  # fen in 1万元


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def money_text(fen: int | None, *, exact: bool = True, none: str = "—") -> str:
    if fen is None:
        return none
    sign, fen = ("-" if fen < 0 else ""), abs(int(fen))
    if fen >= WAN and (fen % 10_000 == 0 or not exact):
        wan = (Decimal(fen) / WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{sign}{_trim(f'{wan:,.2f}')}万元"
    yuan, cents = divmod(fen, 100)
    return f"{sign}{yuan:,}元" if cents == 0 else f"{sign}{yuan:,}.{cents:02d}元"


MAX_TYPED_FEN = 10**15  # 10万亿元: past any real amount, well inside a BIGINT
_YUAN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def parse_yuan(text: str | None, *, label: str = "金额") -> int:
    """An amount a person typed in 元 ("1,234.5", "80元") as exact fen; a bare number here is 元 because the
    form says so. Raises ValueError with a Chinese message naming `label` for anything else (negative,
    more than two decimals, letters, empty)."""
    raw = (text or "").strip().replace("，", ",").replace("．", ".")
    body = raw[:-1].strip() if raw.endswith("元") else raw
    if not raw:
        raise ValueError(f"请填写{label}（元）")
    if body.startswith(("-", "－")):
        raise ValueError(f"{label}不能为负数：「{raw}」")
    if not _YUAN.fullmatch(body):
        raise ValueError(f"{label}须为以元为单位的数字，如 1500 或 1,500.50，而不是「{raw}」")
    amount = Decimal(body.replace(",", "")) * 100
    if amount != amount.to_integral_value():
        raise ValueError(f"{label}最多精确到分（小数点后两位）：「{raw}」")
    if amount > MAX_TYPED_FEN:
        raise ValueError(f"{label}过大：「{raw}」")
    return int(amount)


def wan_number(fen: int | None) -> float | None:
    """A chart value in 万元, two decimals (the axis says 万元)."""
    return None if fen is None else float((Decimal(fen) / WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# An amount inside running text (a formula, a stage, a test case's expectation): 50万元, 1,500.50元, 0.5亿元.
AMOUNT_IN_TEXT = re.compile(r"\d[\d,]*(?:\.\d+)?\s*(?:亿元|万元|元)")


def amount_spans(text: str) -> list[tuple[str, bool]]:
    """Split text into (piece, is_amount), so a page can keep each amount's number and unit on one line
    without forbidding the rest of a long formula to wrap."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in AMOUNT_IN_TEXT.finditer(text or ""):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(0), True))
        pos = m.end()
    if pos < len(text or ""):
        out.append((text[pos:], False))
    return out
