"""A standing QR per window counter (#12 item 3): printed once, bound to the counter and to the clerk on duty
there; a scan opens a window visit bound to both, then the rating form. Signed codes (no forging, voidable),
one visit per device per counter per 30 minutes, scans rate-limited per counter and per address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onewindow.common import qr
from onewindow.common.errors import NotFound
from onewindow.db import utcnow
from onewindow.ratings import counters, stats
from onewindow.ratings.api import SCANS
from onewindow.ratings.models import Counter, Rating, RatingMatter
from tests.conftest import csrf
from tests.ratings.test_pages import sign_in


def _counter(session, world, name="3号窗口"):
    c = counters.create_counter(session, actor=world.supervisor, department_id=world.approvers["GAJ"].department_id,
                                name=name)
    counters.take_duty(session, actor=world.clerk, counter_id=c.id)
    session.commit()
    return c


def _scan(client, code):
    r = client.get(f"/rate/c/{code}", follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"].removeprefix("/rate/")


def test_codes_are_signed_and_can_be_voided(session, world):
    c = _counter(session, world)
    code = counters.code_of(c)
    assert counters.counter_by_code(session, code=code).id == c.id
    cid, serial, sig = code.split("-", 2)
    for forged in (f"{cid}-{serial}-{'A' * len(sig)}", f"{int(cid) + 1}-{serial}-{sig}", f"{cid}-{int(serial) + 1}-{sig}",
                   "", "abc", f"{cid}-{serial}"):
        with pytest.raises(NotFound, match="评价二维码无效或已作废"):
            counters.counter_by_code(session, code=forged)
    counters.void_codes(session, actor=world.supervisor, counter_id=c.id)
    with pytest.raises(NotFound):  # the printed copies stop working
        counters.counter_by_code(session, code=code)
    assert counters.counter_by_code(session, code=counters.code_of(c)).serial == 2


def test_a_scan_opens_a_visit_bound_to_the_counter_and_the_clerk_on_duty(session, world, client):
    c = _counter(session, world)
    code = counters.code_of(c)
    phone = TestClient(client.app)
    token = _scan(phone, code)
    assert phone.cookies.get("ow_rater")  # the device, for one visit per counter per 30 minutes
    visit = session.scalar(select(RatingMatter).where(RatingMatter.token == token))
    assert (visit.kind, visit.counter_id, visit.clerk_id, visit.staff_id) == ("window", c.id, world.clerk.user_id,
                                                                            world.clerk.user_id)
    assert visit.department_id == c.department_id and visit.title == "3号窗口服务"
    assert visit.device == counters.device_key(phone.cookies.get("ow_rater"))
    form = phone.get(f"/rate/{token}")
    assert form.status_code == 200 and 'id="rate-form"' in form.text and world.clerk.display_name in form.text
    assert _scan(phone, code) == token  # the same device scanning again reopens its visit
    other = TestClient(client.app)
    assert _scan(other, code) != token  # another device: another visit
    phone.post(f"/rate/{token}", data={"csrf_token": csrf(form.text), "level": "very_satisfied"})
    rating = session.scalar(select(Rating).where(Rating.matter_id == visit.id))
    assert rating.level == "very_satisfied" and not rating.real_name
    # Past 30 minutes the same device has a new visit to rate.
    visit.created_at = utcnow() - timedelta(minutes=31)
    session.commit()
    later = _scan(phone, code)
    assert later != token
    # The clerk on duty is who the code rates: another clerk takes the counter, the next visit is theirs.
    from onewindow.common.roles import Role
    from tests.cases.conftest import add_user

    clerk2 = add_user(session, Role.clerk, "clerk2")
    counters.take_duty(session, actor=clerk2, counter_id=c.id)
    session.commit()
    newer = session.scalar(select(RatingMatter).where(RatingMatter.token == _scan(TestClient(client.app), code)))
    assert newer.clerk_id == newer.staff_id == clerk2.user_id
    _, by_staff = stats.statistics(session, actor=world.supervisor, by="staff")
    assert {x.label: x.total for x in by_staff} == {world.clerk.display_name: 1}
    # Nobody on duty: the code says so, in Chinese.
    counters.leave_duty(session, actor=clerk2, counter_id=c.id)
    session.commit()
    r = TestClient(client.app).get(f"/rate/c/{code}", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 409 and "3号窗口当前无工作人员值守" in r.text


def test_the_counter_pages_set_up_duty_and_print_the_sheet(session, world, client):
    sign_in(client, "sup1")
    page = client.get("/ratings/counters")
    assert page.status_code == 200 and 'id="counter-form"' in page.text
    dept = str(world.approvers["GAJ"].department_id)
    bad = client.post("/ratings/counters", data={"csrf_token": csrf(page.text), "department_id": dept, "name": ""})
    assert bad.status_code == 422 and "请填写窗口名称" in bad.text and f'value="{dept}" selected' in bad.text
    client.post("/ratings/counters", data={"csrf_token": csrf(page.text), "department_id": dept, "name": "5号窗口"})
    again = client.post("/ratings/counters", data={"csrf_token": csrf(page.text), "department_id": dept,
                                                   "name": "5号窗口"})
    assert again.status_code == 422 and "已有名为“5号窗口”的窗口" in again.text
    counter = session.scalar(select(Counter).where(Counter.name == "5号窗口"))
    sign_in(client, "clerk1")
    listing = client.get("/ratings/counters")
    assert "在此窗口值守" in listing.text and "（无人值守）" in listing.text
    client.post(f"/ratings/counters/{counter.id}/duty", data={"csrf_token": csrf(listing.text)})
    session.refresh(counter)
    assert counter.clerk_id == world.clerk.user_id
    sheet = client.get("/ratings/counters/sheet")
    card = re.search(rf'<figure class="qr-card counter-card" data-counter="{counter.id}">(<svg.*?</svg>)', sheet.text,
                     re.S)
    url = f"http://testserver/rate/c/{counters.code_of(counter)}"
    assert card and card[1] == qr.qr_svg(url, title=re.search(r"<title>(.*?)</title>", card[1])[1],
                                         svgclass="rating-qr", scale=5)
    assert f"值守人员：{world.clerk.display_name}" in sheet.text
    png = client.get(f"/ratings/counters/{counter.id}.png")
    assert png.headers["content-type"] == "image/png" and png.content == qr.qr_png(url)
    sign_in(client, "app1")
    assert client.get("/ratings/counters/sheet").status_code == 403


def test_scans_are_rate_limited_per_counter_in_chinese(session, world, client):
    c = _counter(session, world)
    code = counters.code_of(c)
    phone = TestClient(client.app)
    per_counter = SCANS.windows["counter"].limit
    for _ in range(per_counter):
        _scan(phone, code)
    assert session.query(RatingMatter).filter(RatingMatter.counter_id == c.id).count() == 1  # one device
    page = phone.get(f"/rate/c/{code}", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 429 and "扫码评价过于频繁，请 10 分钟后再试" in page.text
    api = TestClient(client.app).post(f"/api/ratings/counters/{code}/visits", headers={"X-Device-Id": "device-0001"})
    assert api.status_code == 429 and api.json()["message"] == "扫码评价过于频繁，请 10 分钟后再试"


def test_the_scan_api_takes_a_device_id(session, world, client):
    c = _counter(session, world)
    code = counters.code_of(c)
    app = TestClient(client.app)
    first = app.post(f"/api/ratings/counters/{code}/visits", headers={"X-Device-Id": "device-0001"})
    assert first.status_code == 200 and first.json()["url"] == f"/rate/{first.json()['token']}"
    again = app.post(f"/api/ratings/counters/{code}/visits", headers={"X-Device-Id": "device-0001"})
    assert again.json()["matter_id"] == first.json()["matter_id"]
    assert app.post(f"/api/ratings/counters/{code}/visits").status_code == 422  # no device id
    forged = app.post(f"/api/ratings/counters/{c.id}-1-AAAAAAAAAAAAAAAAAAAA/visits", headers={"X-Device-Id": "device-0001"})
    assert forged.status_code == 404 and forged.json()["message"].startswith("评价二维码无效或已作废")
    rated = app.post(f"/api/ratings/visits/{first.json()['token']}/rating", json={"level": "satisfied"})
    assert rated.status_code == 200 and rated.json()["level_label"] == "满意"
