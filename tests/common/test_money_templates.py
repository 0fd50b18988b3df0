"""Money as people read it (#9.4), checked over every template: an amount field (`*_fen`, `amount`) is
rendered through the shared money filters (common/money.py via `money`/`wan`/`yuan`), and each filtered
amount sits in an element that keeps its unit with its number (`td.amount`, `.money`, `.kpi .v`:
`white-space: nowrap` in app.css)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import onewindow

ROOT = Path(onewindow.__file__).parent
TEMPLATES = sorted(ROOT.glob("**/templates/**/*.html"))
CSS = ROOT / "web" / "static" / "css" / "app.css"

EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
MONEY_FILTER = re.compile(r"\|\s*(money|wan|yuan)\b")
MONEY_NAME = re.compile(r"\b\w*_fen\b|\b\w*_amount\b|(?<![\w.])amount\b")
# Text holding amounts as written (a test case's expected "5万元", a budget's text): through `amounts`,
# which puts each amount in a nowrap span.
AS_WRITTEN = re.compile(r"\|\s*amounts\b")
NOWRAP = {"amount", "money", "v"}  # td.amount, .money, .kpi .v
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _expressions(path: Path):
    text = path.read_text(encoding="utf-8")
    for m in EXPRESSION.finditer(text):
        yield text, m, text.count("\n", 0, m.start()) + 1


def test_every_money_field_goes_through_the_money_filter():
    bad = []
    for path in TEMPLATES:
        for _text, m, line in _expressions(path):
            expr = m.group(1).strip()
            if AS_WRITTEN.search(expr) or expr.startswith("fld.") or not MONEY_NAME.search(expr):
                continue  # form controls show what the person typed, as typed
            if not MONEY_FILTER.search(expr):
                bad.append(f"{path.relative_to(ROOT)}:{line}: {{{{ {expr} }}}}")
    assert not bad, "金额未经 money/wan/yuan 过滤器：\n" + "\n".join(bad)


class _Open(HTMLParser):
    """The elements still open at the end of a template prefix (Jinja replaced), innermost last."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, set[str]]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, set((dict(attrs).get("class") or "").split())))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


def _open_elements(prefix: str) -> list[tuple[str, set[str]]]:
    plain = re.sub(r"\{%.*?%\}|\{#.*?#\}", "", prefix, flags=re.S)
    plain = re.sub(r"\{\{.*?\}\}", "x", plain, flags=re.S)
    parser = _Open()
    parser.feed(plain)
    return parser.stack


def test_every_filtered_amount_keeps_its_unit_on_the_line():
    bad = []
    for path in TEMPLATES:
        for text, m, line in _expressions(path):
            if not MONEY_FILTER.search(m.group(1)):
                continue
            if not any(classes & NOWRAP for _tag, classes in _open_elements(text[:m.start()])):
                bad.append(f"{path.relative_to(ROOT)}:{line}: {{{{{m.group(1)}}}}}")
    assert not bad, "金额所在元素未设 amount/money 类（单位可能被折行）：\n" + "\n".join(bad)
    css = CSS.read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rule = next((m for m in re.finditer(r"([^{}]*)\{[^}]*white-space:\s*nowrap[^}]*\}", css)
                 if "td.amount" in m.group(1)), None)
    assert rule and {"td.amount", ".money", ".kpi .v"} <= {s.strip() for s in rule.group(1).split(",")}


def test_the_scan_catches_what_it_should():
    assert MONEY_NAME.search("e.awarded_amount") and MONEY_NAME.search("s.paid_total_fen") and MONEY_NAME.search("amount") and MONEY_NAME.search("e.amount_fen")
    assert not MONEY_NAME.search("s.awarded_count")
    assert MONEY_FILTER.search("x.total_fen|money") and not MONEY_FILTER.search("x.total_fen")
    assert not any(c & NOWRAP for _t, c in _open_elements("<table><tr><td>"))
    assert any(c & NOWRAP for _t, c in _open_elements('<td class="amount"><b>'))
    assert not any(c & NOWRAP for _t, c in _open_elements('<td class="amount">x</td><td>'))


def test_amounts_in_running_text_each_stay_on_one_line():
    from onewindow.common.web import templates

    out = templates.env.from_string("{{ t|amounts }}").render(t="min(失业保险缴费 × 60%, 50万元) 或 1,500.50元 <b>")
    assert out == ('min(失业保险缴费 × 60%, <span class="money">50万元</span>) 或 '
                   '<span class="money">1,500.50元</span> &lt;b&gt;')
