"""Window-rating QR codes (#12.1): one QR maker (common/qr.py, segno) gives SVG and PNG; the clerk's
visit page and the printable sheet show real codes that carry this server's /rate/{token}."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import segno

from onewindow.common import qr
from tests.ratings.test_pages import sign_in
from tests.ratings.test_ratelimit import _visit

SVG = ""  # segno's inline SVG (for HTML) carries no namespace declaration




def test_the_qr_maker_gives_a_valid_svg_and_png_of_the_payload():
    url = "https://ow.example/rate/abcDEF123_-"
    svg = qr.qr_svg(url, title="扫码评价", svgclass="rating-qr")
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("class") == "rating-qr" and root.find(f"{SVG}title").text == "扫码评价"
    assert root.find(f"{SVG}path") is not None
    # The same payload through segno gives the same symbol: the SVG is the code of `url`, not of anything else.
    expected = segno.make(url, error="m", micro=False)
    assert svg == expected.svg_inline(scale=4, border=2, title="扫码评价", svgclass="rating-qr", lineclass=None)
    assert svg != qr.qr_svg(url + "x", title="扫码评价", svgclass="rating-qr")
    assert qr.make(url).designator == expected.designator and qr.make(url).error == "M"
    png = qr.qr_png(url)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 100


def test_the_printable_sheet_shows_each_open_visit_by_clerk(session, world, client):
    tokens = [_visit(client, world, "户籍咨询"), _visit(client, world, "身份证办理")]
    sign_in(client, "clerk1")
    page = client.get("/ratings/qr")
    assert page.status_code == 200 and "窗口人员：" in page.text and "户籍咨询" in page.text
    for token in tokens:
        card = re.search(rf'<figure class="qr-card" data-token="{token}">(<svg.*?</svg>)', page.text, re.S)
        assert card, token
        expected = qr.qr_svg(f"http://testserver/rate/{token}", title=re.search(r"<title>(.*?)</title>",
                                                                                card[1])[1], svgclass="rating-qr")
        assert card[1] == expected  # the code carries this server's /rate/{token}
    png = client.get(f"/ratings/qr/{tokens[0]}.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content == qr.qr_png(f"http://testserver/rate/{tokens[0]}")
    # The visit page shows the code at once; once rated, a visit leaves the sheet.
    assert "<svg" in client.get(f"/ratings/visit?token={tokens[0]}").text
    client.cookies.clear()
    client.post(f"/api/ratings/visits/{tokens[0]}/rating", json={"level": "satisfied"})
    sign_in(client, "clerk1")
    sheet = client.get("/ratings/qr").text
    assert tokens[0] not in sheet and tokens[1] in sheet
    # Applicants have no sheet; an unknown token has no PNG.
    assert client.get("/ratings/qr/nope.png").status_code == 404
    sign_in(client, "app1")
    assert client.get("/ratings/qr").status_code == 403
