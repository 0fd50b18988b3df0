"""Rate limits on the anonymous QR rating endpoints (#12.5): per code and per client address, a 429 in
Chinese, page and API alike (the mechanism itself: tests/common/test_ratelimit.py)."""

from __future__ import annotations

from onewindow.ratings.api import ANONYMOUS
from tests.conftest import csrf
from tests.ratings.test_pages import sign_in


def _visit(client, world, title="户籍咨询") -> str:
    sign_in(client, "clerk1")
    page = client.get("/ratings/visit")
    r = client.post("/ratings/visit", data={"csrf_token": csrf(page.text), "title": title,
                                            "department_id": str(world.approvers["GAJ"].department_id)},
                    follow_redirects=False)
    client.cookies.clear()
    return r.headers["location"].split("token=")[1]


def test_the_qr_page_and_api_answer_429_per_token_then_per_address(session, world, client):
    token = _visit(client, world)
    per_token = ANONYMOUS.windows["token"].limit
    for _ in range(per_token):
        assert client.get(f"/rate/{token}").status_code == 200
    page = client.get(f"/rate/{token}", headers={"accept": "text/html"})
    assert page.status_code == 429 and "扫码评价过于频繁，请 10 分钟后再试" in page.text
    assert "too_many_requests" not in page.text and "Too Many" not in page.text
    api = client.post(f"/api/ratings/visits/{token}/rating", json={"level": "satisfied"})
    assert api.status_code == 429 and api.json()["message"] == "扫码评价过于频繁，请 10 分钟后再试"
    # Another code still works from this address, until the address's own limit is reached.
    ANONYMOUS.reset(session)
    session.commit()
    per_address = ANONYMOUS.windows["address"].limit
    tokens = [_visit(client, world, f"咨询{i}") for i in range(per_address // per_token + 1)]
    codes = [client.get(f"/rate/{t}").status_code for t in tokens for _ in range(per_token)]
    assert codes[:per_address] == [200] * per_address and set(codes[per_address:]) == {429}
