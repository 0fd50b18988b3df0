"""The unit's 督办 page (issue 11 item 3): the open orders with their own deadlines, an answer written and
submitted (an empty one refused beside the field, the text kept), another unit refused, and the order's
history on the demand page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from onewindow.common.errors import NotFound
from onewindow.common.web import cn_date
from onewindow.demands import service as demands
from onewindow.demands.models import Supervision
from tests.conftest import csrf
from tests.demands.conftest import call, dispatched
from tests.demands.test_pages import english_free, sign_in


def supervised(session, w):
    d = call(session, w)
    dispatched(session, w, d, unit="SCJGJ")
    demands.sign(session, actor=w["market"], code=d.code)
    order = demands.supervise(session, actor=w["supervisor"], code=d.code, reason="群众反映多次未果，请加快办理", days=2)
    session.commit()
    return d, order


def answer(client, order_id, text):
    page = client.get(f"/demands/supervisions/{order_id}")
    assert page.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    return client.post(f"/demands/supervisions/{order_id}/answer",
                       data={"csrf_token": csrf(page.text), "version": version, "response": text},
                       follow_redirects=False)


def test_the_unit_sees_its_orders_answers_one_and_the_demand_page_shows_the_history(session, world, client):
    d, order = supervised(session, world)
    sign_in(client, "dem_market")
    listed = client.get("/demands/supervisions")
    assert listed.status_code == 200 and d.code in listed.text and "群众反映多次未果" in listed.text
    assert cn_date(order.due_on) in listed.text  # the order's own deadline
    assert f'href="/demands/supervisions/{order.id}"' in listed.text
    english_free(listed.text)

    bad = answer(client, order.id, "   ")
    assert bad.status_code == 422
    assert re.search(r'id="response-error"[^>]*>[^<]*请填写督办反馈', bad.text)
    # typed text is kept after an error
    page = client.get(f"/demands/supervisions/{order.id}")
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    kept = client.post(f"/demands/supervisions/{order.id}/answer",
                       data={"csrf_token": csrf(page.text), "version": str(int(version) + 5),
                             "response": "已约谈超市负责人"}, follow_redirects=False)
    assert kept.status_code == 422 and "已约谈超市负责人" in kept.text and "督办单已被他人处理" in kept.text

    done = answer(client, order.id, "已约谈超市负责人，过期商品全部下架")
    assert done.status_code == 303 and done.headers["location"] == "/demands/supervisions"
    session.expire_all()
    row = session.get(Supervision, order.id)
    assert (row.status, row.response) == ("answered", "已约谈超市负责人，过期商品全部下架")
    assert d.code not in client.get("/demands/supervisions").text  # no longer waiting
    assert d.code in client.get("/demands/supervisions?all=1").text

    history = client.get(f"/demands/{d.code}")
    table = history.text.split('id="supervision-history"', 1)[1].split("</table>", 1)[0]
    assert "群众反映多次未果" in table and "已反馈" in table and "过期商品全部下架" in table
    english_free(history.text)
    sign_in(client, "dem_sup")
    assert "过期商品全部下架" in client.get(f"/demands/{d.code}").text
    assert client.get(f"/demands/supervisions/{order.id}").status_code == 200  # read-only for supervisors
    assert 'id="answer-order-form"' not in client.get(f"/demands/supervisions/{order.id}").text


def test_another_unit_cannot_see_or_answer_the_order(session, world, client):
    d, order = supervised(session, world)
    sign_in(client, "dem_police")
    assert d.code not in client.get("/demands/supervisions").text
    assert client.get(f"/demands/supervisions/{order.id}").status_code == 404
    page = client.get("/demands/supervisions")
    r = client.post(f"/demands/supervisions/{order.id}/answer",
                    data={"csrf_token": csrf(page.text), "version": "1", "response": "冒名反馈"},
                    follow_redirects=False)
    assert r.status_code == 303  # refused: back with the message, nothing written
    session.expire_all()
    assert session.scalar(select(Supervision.status).where(Supervision.id == order.id)) == "open"
    assert client.get("/demands/supervisions/999999").status_code == 404
    with pytest.raises(NotFound):  # the service refuses it too (the API's route)
        demands.answer_supervision(session, actor=world["police"], supervision_id=order.id, version=order.version,
                                   response="冒名反馈")
    sign_in(client, "dem_clerk")
    assert client.get("/demands/supervisions").status_code == 403
