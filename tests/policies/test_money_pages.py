"""#9.4 on rendered pages: awkward amounts (788.376122万元, 3.7985万元 before the fix) read as 元 to the fen
or 万元 with at most two decimals, and no amount on a page can wrap its unit away from its number."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.conftest import csrf
from tests.policies.conftest import add_match
from tests.policies.test_api import signed_in

XGS = "PT-XGS-01"
LONG_WAN = re.compile(r"\d+\.\d{3,}万元")
AMOUNT = re.compile(r"\d[\d,]*(\.\d+)?\s*(万元|元)")
NOWRAP = {"amount", "money", "v"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Amounts(HTMLParser):
    """Every amount in the page's text with whether an enclosing element keeps it on one line."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, set[str]]] = []
        self.found: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, set((dict(attrs).get("class") or "").split())))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if any(tag in ("script", "style", "textarea", "option", "label", "code", "h2") for tag, _ in self.stack):
            return  # chart data, form help ("如 5万元") and headings name units, not amounts
        for m in AMOUNT.finditer(data):
            self.found.append((m.group(0), any(c & NOWRAP for _t, c in self.stack)))


def amounts_of(page: str) -> list[tuple[str, bool]]:
    parser = _Amounts()
    parser.feed(page)
    return parser.found


def test_awkward_amounts_read_as_people_read_them_and_never_wrap(client, session, policy_world):
    w = policy_world
    add_match(session, w, "甲", XGS, 788_376_122)  # 7,883,761.22元 (was 788.376122万元)
    add_match(session, w, "乙", XGS, 3_798_500)  # 37,985元 (was 3.7985万元)
    session.commit()
    officer = signed_in(client, w.fgw_officer)
    token = csrf(officer.get("/policy-admin/batches").text)
    batch = officer.post("/policy-admin/batches", data={"csrf_token": token, "item_code": XGS, "period": "2026"},
                         follow_redirects=False).headers["location"]
    pages = {url: officer.get(url).text for url in ("/policy-admin", f"/policy-admin/items/{XGS}", batch,
                                                   "/policy-admin/batches")}
    applicant = signed_in(client, w.applicant)
    pages["/my/policies"] = applicant.get("/my/policies", params={"enterprise_id": w.ent("甲").id}).text
    for url, page in pages.items():
        assert not LONG_WAN.search(page), (url, LONG_WAN.search(page)[0])
        found = amounts_of(page)
        assert all(kept for _a, kept in found), (url, [a for a, kept in found if not kept])
    assert "7,883,761.22元" in pages["/my/policies"] and "7,883,761.22元" in pages[batch]
    assert "37,985元" in pages[batch]
    # Summary tiles round to two decimals of 万元: 788.376122 + 3.7985 = 792.174622 → 792.17万元
    assert "792.17万元" in pages["/policy-admin"]
    assert any("7,883,761.22元" in a or "792.17万元" in a for a, _ in amounts_of(pages["/policy-admin"]))
