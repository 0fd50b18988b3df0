"""The 好差评 pages, end to end over HTTP: the applicant rates a task 不满意, the department calls back,
the rectification closes, the applicant confirms; the window's QR page; statistics, chart data, xlsx."""

from __future__ import annotations

from sqlalchemy import select

from onewindow.ratings.models import Callback, Rating
from tests.conftest import PASSWORD, csrf
from tests.ratings.conftest import dispatch, matter_of


def sign_in(client, username):
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                     "csrf_token": csrf(client.get("/login").text), "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    return client


def test_rating_a_case_through_the_pages(session, world, completed, client):
    matter = matter_of(session, completed, "task", "T-RS-0001")
    sign_in(client, "app1")
    mine = client.get("/ratings/mine")
    assert mine.status_code == 200 and "去评价" in mine.text
    page = client.get(f"/ratings/matters/{matter.id}")
    r = client.post(f"/ratings/matters/{matter.id}", data={"csrf_token": csrf(page.text), "level": "unsatisfied"})
    assert "请至少选择一项原因" in r.text
    client.post(f"/ratings/matters/{matter.id}", data={"csrf_token": csrf(page.text), "level": "unsatisfied",
                                                       "reasons": ["等候时间过长", "服务态度差"], "comment": "慢"})
    assert "不满意" in client.get(f"/ratings/matters/{matter.id}").text
    sign_in(client, "app2")
    assert client.get(f"/ratings/matters/{matter.id}").status_code == 404
    rating = session.scalar(select(Rating).where(Rating.matter_id == matter.id))
    cb = session.scalar(select(Callback).where(Callback.rating_id == rating.id))
    sign_in(client, "insp_rs")
    page = client.get(f"/ratings/callbacks/{cb.id}")
    assert "call-form" in page.text
    r = client.post(f"/ratings/callbacks/{cb.id}/call", data={"csrf_token": csrf(page.text), "note": "已回访",
                                                              "version": "1"}, follow_redirects=False)
    assert r.status_code == 303
    session.refresh(cb)
    item = client.get(f"/rectification/{cb.rectification_id}")
    client.post(f"/rectification/{cb.rectification_id}/evidence", data={"csrf_token": csrf(item.text), "text": "已整改"})
    sign_in(client, "sup1")
    item = client.get(f"/rectification/{cb.rectification_id}")
    client.post(f"/rectification/{cb.rectification_id}/accept", data={"csrf_token": csrf(item.text)})
    dispatch(session)
    sign_in(client, "app1")
    page = client.get(f"/ratings/callbacks/{cb.id}")
    assert "confirm-form" in page.text
    client.post(f"/ratings/callbacks/{cb.id}/confirm", data={"csrf_token": csrf(page.text), "satisfied": "1"})
    assert "评价人确认满意" in client.get(f"/ratings/callbacks/{cb.id}").text
    sign_in(client, "sup1")
    stats = client.get("/ratings/stats")
    assert stats.status_code == 200 and "ratings-chart" in stats.text and "100.0%" in stats.text
    assert client.get("/ratings/stats.xlsx").content.startswith(b"PK")
    assert client.get("/ratings/stats?by=month").status_code == 200
    drill = client.get(f"/ratings/list?by=department&key={matter.department_id}&bad=true")
    assert "等候时间过长" in drill.text


def test_the_window_qr_page_takes_one_rating(session, world, client):
    sign_in(client, "clerk1")
    page = client.get("/ratings/visit")
    dept = world.approvers["GAJ"].department_id
    r = client.post("/ratings/visit", data={"csrf_token": csrf(page.text), "department_id": str(dept),
                                            "title": "户籍咨询"}, follow_redirects=False)
    token = r.headers["location"].split("token=")[1]
    client.cookies.clear()
    page = client.get(f"/rate/{token}")
    assert page.status_code == 200 and "户籍咨询" in page.text
    client.post(f"/rate/{token}", data={"csrf_token": csrf(page.text), "level": "very_satisfied"})
    assert "非常满意" in client.get(f"/rate/{token}").text
    assert client.get("/rate/nonexistent-token").status_code == 404


def test_api_rates_and_refuses_strangers(session, world, completed, api_as):
    matter = matter_of(session, completed, "case")
    stranger = api_as(__import__("onewindow.common.roles", fromlist=["Role"]).Role.applicant, username="stranger")
    assert stranger.post(f"/api/ratings/matters/{matter.id}/rating", json={"level": "satisfied"}).status_code == 404
    sup = api_as(__import__("onewindow.common.roles", fromlist=["Role"]).Role.supervisor, username="sup2")
    body = sup.get("/api/ratings/statistics?by=item").json()
    assert body["by"] == "item" and body["total"]["total"] == 0
    assert sup.get("/api/ratings/statistics?by=nonsense").status_code == 422
