"""#9.4: money as people read it — one rule for every page, the policy texts and the charts."""

from __future__ import annotations

import pytest

from onewindow.common.money import money_text, wan_number
from onewindow.common.web import templates
from onewindow.policies.rules.core import format_money


@pytest.mark.parametrize("fen, text", [
    (7_883_761_22, "7,883,761.22元"),  # was 788.376122万元: not a whole 百元, so exact in 元
    (37_985_00, "37,985元"),  # was 3.7985万元
    (50_000_00, "5万元"), (1_500_000, "1.5万元"), (12_340_000, "12.34万元"), (2_000_000_000, "2,000万元"),
    (50_050, "500.50元"), (0, "0元"), (-1_500_000, "-1.5万元"), (None, "—"),
])
def test_issue_9_4_exact_amounts(fen, text):
    assert money_text(fen) == text
    assert format_money(fen) == text if fen is not None else True
    assert templates.env.filters["money"](fen) == text


def test_issue_9_4_summary_rounds_to_two_decimals_of_wan():
    wan = templates.env.filters["wan"]
    assert wan(7_883_761_22) == "788.38万元" and wan(37_985_00) == "3.8万元" and wan(99_999) == "999.99元"
    assert wan_number(7_883_761_22) == 788.38


def test_issue_9_4_no_amount_shows_more_than_two_decimals_of_wan():
    import re
    for fen in range(1_000_000, 1_000_000_000, 7_777_777):
        for text in (money_text(fen), money_text(fen, exact=False)):
            assert not re.search(r"\.\d{3,}万元", text) and not re.search(r"\.\d{3,}元", text), text
