"""The demand pages over HTTP: a call taken at the desk (errors keep what was typed), 直办 from the
knowledge base, a demand dispatched, returned, re-dispatched, replied, called back unsatisfied,
reopened and closed through the pages; units see only their own; 保密 never reaches a unit's page or
export; tracking by code + phone; 办不成事 and 码上监督 forms; supervisor rates; xlsx exports."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from onewindow.demands.models import Demand
from tests.conftest import PASSWORD, csrf
from tests.knowledge.conftest import publish


def sign_in(client, username, password=PASSWORD):
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": password,
                                     "csrf_token": csrf(client.get("/login").text), "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    return client


def version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def step(client, code, name, **data):
    page = client.get(f"/demands/{code}")
    assert page.status_code == 200
    body = {"csrf_token": csrf(page.text), "version": version(page.text)} | data
    return client.post(f"/demands/{code}/{name}", data=body, follow_redirects=False)


CALL = {"filer_phone": "13812345678", "filer_name": "张三丰", "kind": "complaint", "urgency": "general",
        "topic": "食品安全", "region": "测试县", "subject": "超市售卖过期食品", "location": "测试县人民路1号",
        "content": "在某超市购买的牛奶已过保质期，要求处理"}


def take(client, **kw) -> str:
    page = client.get("/demands/desk")
    r = client.post("/demands/desk", data={"csrf_token": csrf(page.text)} | CALL | kw, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def english_free(html: str) -> None:
    for word in ("received", "dispatched", "handling", "returned", "replied", "closed", "complaint", "overdue",
                 "warning", "None"):
        assert f">{word}<" not in html and f" {word} " not in re.sub(r"<[^>]+>", " ", html)


def test_desk_keeps_what_was_typed_and_answers_from_the_knowledge_base(session, world, client):
    publish(session, "社保", "RSJ", "养老保险关系跨省转移接续", "可通过国家社会保险公共服务平台申请养老保险关系转移。",
            ["养老保险", "转移接续"])
    session.commit()
    sign_in(client, "dem_agent")
    page = client.get("/demands/desk")
    assert page.status_code == 200 and "来电号码" in page.text and "知识库推荐" in page.text
    r = client.post("/demands/desk", data={"csrf_token": csrf(page.text), "filer_phone": "123", "kind": "consult",
                                            "urgency": "general", "subject": "", "content": "养老保险跨省转移怎么办"})
    assert r.status_code == 422
    assert "养老保险跨省转移怎么办" in r.text and "请填写诉求标题" in r.text and 'aria-invalid="true"' in r.text
    hint = client.get("/demands/desk/suggest", params={"subject": "养老保险", "content": "跨省转移"})
    assert hint.status_code == 200 and "养老保险关系跨省转移接续" in hint.text
    code = take(client, kind="consult", subject="养老保险跨省转移", content="养老保险关系跨省转移接续怎么办理")
    page = client.get(f"/demands/{code}")
    assert "直办答复" in page.text and "养老保险关系跨省转移接续" in page.text
    english_free(page.text)
    r = step(client, code, "answer", article_id=re.search(r'name="article_id" value="(\d+)"', page.text).group(1))
    assert r.status_code == 303
    page = client.get(f"/demands/{code}")
    assert "已办结" in page.text and "直办" in page.text
    queue = client.get("/demands/desk")
    assert code in queue.text


def test_dispatch_return_redispatch_reply_callback_reopen_close(session, world, client):
    sign_in(client, "dem_agent")
    code = take(client)
    dept = world["dept"]
    assert step(client, code, "dispatch", lead_department_id=str(dept["GAJ"])).status_code == 303
    sign_in(client, "dem_market")
    assert client.get(f"/demands/{code}").status_code == 404  # another unit sees nothing
    assert code not in client.get("/demands/inbox").text
    sign_in(client, "dem_police")
    inbox = client.get("/demands/inbox")
    assert code in inbox.text and "待签收" in inbox.text
    assert "13812345678" not in inbox.text and "138****5678" in inbox.text
    r = step(client, code, "return", reason="")
    assert r.status_code == 422 and "请填写退单理由" in r.text
    assert step(client, code, "return", reason="不属于公安职责，应由市场监管处理").status_code == 303
    sign_in(client, "dem_agent")
    board = client.get("/demands/board")
    assert code in board.text and "已退单" in board.text
    assert step(client, code, "redispatch", lead_department_id=str(dept["SCJGJ"])).status_code == 303
    sign_in(client, "dem_market")
    assert step(client, code, "sign").status_code == 303
    assert step(client, code, "extend", days="3", reason="需现场检查").status_code == 303
    sign_in(client, "dem_agent")
    board = client.get("/demands/board")
    assert "需现场检查" in board.text
    ext = re.search(r'action="/demands/extensions/(\d+)"', board.text).group(1)
    r = client.post(f"/demands/extensions/{ext}", data={"csrf_token": csrf(board.text), "version": "1", "approve": "1"},
                    follow_redirects=False)
    assert r.status_code == 303
    sign_in(client, "dem_market")
    assert step(client, code, "reply", text="已责令超市下架过期牛奶并立案调查").status_code == 303
    sign_in(client, "dem_agent")
    assert code in client.get("/demands/callbacks").text
    r = step(client, code, "callback", satisfaction="unsatisfied", resolved="0", reopen="on", reasons="")
    assert r.status_code == 422 and "请填写重办理由" in r.text
    assert step(client, code, "callback", satisfaction="unsatisfied", resolved="0", reopen="on",
                reasons="未退还货款").status_code == 303
    sign_in(client, "dem_market")
    assert step(client, code, "reply", text="已协调超市退还货款").status_code == 303
    sign_in(client, "dem_agent")
    page = client.get(f"/demands/{code}")
    assert "退回重办" not in page.text.split('id="callback-form"')[1].split("</form>")[0]  # only once
    assert step(client, code, "callback", satisfaction="satisfied", resolved="1").status_code == 303
    page = client.get(f"/demands/{code}")
    assert "已办结" in page.text and "回访不满意，退回重办：未退还货款" in page.text
    english_free(page.text)
    page = client.get("/login")
    r = client.post("/demands/track", data={"csrf_token": csrf(page.text), "code": code, "phone": "13812345678"})
    assert r.status_code == 200 and "已协调超市退还货款" in r.text and "张三丰" not in r.text
    r = client.post("/demands/track", data={"csrf_token": csrf(page.text), "code": code, "phone": "13900000000"})
    assert r.status_code == 404 and "不匹配" in r.text


def test_confidential_filer_never_reaches_the_unit_page_or_export(session, world, client):
    sign_in(client, "dem_agent")
    code = take(client, kind="report", subject="举报餐馆使用地沟油", filer_name="李四光", filer_phone="13911112222")
    step(client, code, "dispatch", lead_department_id=str(world["dept"]["SCJGJ"]))
    sign_in(client, "dem_market")
    for html in (client.get(f"/demands/{code}").text, client.get("/demands/inbox").text):
        assert "李四光" not in html and "1391" not in html and "2222" not in html and "（保密）" in html
    book = load_workbook(io.BytesIO(client.get("/demands/inbox.xlsx").content))
    cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row]
    assert code in cells and not any("李" in c or "2222" in c for c in cells)


def test_lists_filter_and_export(session, world, client):
    sign_in(client, "dem_agent")
    a = take(client, subject="噪音扰民")
    b = take(client, kind="suggestion", subject="建议增设公交站")
    listing = client.get("/demands", params={"kind": "suggestion"})
    assert b in listing.text and a not in listing.text
    assert client.get("/demands", params={"kind": "bogus", "start": "x"}).status_code in (200, 422)
    r = client.get("/demands.xlsx", params={"q": "噪音"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "诉求编号" and [x[0] for x in rows[1:]] == [a]
    assert rows[1][5] == "张三丰" and rows[1][6] == "13812345678"  # the agent who took it sees it in full
    sign_in(client, "dem_agent2")
    rows = list(load_workbook(io.BytesIO(client.get("/demands.xlsx", params={"q": "噪音"}).content)).active
                .iter_rows(values_only=True))
    assert rows[1][6] == "138****5678"  # another agent: masked


def test_supervisor_rates_and_overdue(session, world, client):
    sign_in(client, "dem_agent")
    code = take(client)
    step(client, code, "dispatch", lead_department_id=str(world["dept"]["SCJGJ"]))
    demand = session.scalar(select(Demand).where(Demand.code == code))
    demand.sla_state = "overdue"
    session.commit()
    sign_in(client, "dem_sup")
    r = step(client, code, "supervise", reason="", days="2")
    assert r.status_code == 422 and 'id="supervise-form"' in r.text
    assert step(client, code, "supervise", reason="超期未办，请加快办理", days="2").status_code == 303
    assert "督办" in client.get(f"/demands/{code}").text
    page = client.get("/demands/supervision")
    assert page.status_code == 200 and "按时办结率" in page.text and "化解率" in page.text and code in page.text
    assert "全市合计" in page.text
    rows = list(load_workbook(io.BytesIO(client.get("/demands/supervision.xlsx").content)).active
                .iter_rows(values_only=True))
    assert rows[0][4] == "按时办结率" and rows[-1][0] == "全市合计"
    assert client.get("/demands/overdue.xlsx").status_code == 200
    sign_in(client, "dem_market")
    assert client.get("/demands/supervision").status_code == 403


def test_window_and_scan_forms(session, world, client):
    sign_in(client, "dem_clerk")
    page = client.get("/demands/window")
    r = client.post("/demands/window", data={"csrf_token": csrf(page.text), "kind": "help", "filer_phone": "13812345678",
                                              "subject": "营业执照变更办不成", "content": "窗口说缺材料但说不清缺什么"})
    assert r.status_code == 422 and "营业执照变更办不成" in r.text and "关联办件" in r.text
    r = client.post("/demands/window", data={"csrf_token": csrf(page.text), "kind": "help", "filer_phone": "13812345678",
                                              "item_code": "SCJGJ-001", "subject": "营业执照变更办不成",
                                              "content": "窗口说缺材料但说不清缺什么"}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    url = f"/demands/scan?window={world['dept']['SCJGJ']}"
    page = client.get(url)
    assert page.status_code == 200 and "码上监督" in page.text
    r = client.post(url, data={"csrf_token": csrf(page.text), "kind": "complaint", "content": "窗口人员态度差",
                               "anonymous": "on"})
    assert r.status_code == 200 and 'id="filed"' in r.text
    bad = client.get("/demands/scan")
    assert "二维码无效" in bad.text


def test_a_retried_desk_submission_is_one_demand_and_roles_are_kept_to_their_pages(session, world, client):
    sign_in(client, "dem_agent")
    page = client.get("/demands/desk")
    key = re.search(r'name="idempotency_key" value="(\d+)"', page.text).group(1)
    body = {"csrf_token": csrf(page.text), "idempotency_key": key} | CALL
    first = client.post("/demands/desk", data=body, follow_redirects=False)
    again = client.post("/demands/desk", data=body, follow_redirects=False)
    assert first.headers["location"] == again.headers["location"]
    assert session.query(Demand).filter(Demand.idempotency_key == key).count() == 1
    r = client.post("/demands/desk", data={"csrf_token": csrf(page.text)} | CALL)  # no CSRF-less posts either
    assert r.status_code in (200, 303)
    assert client.post("/demands/desk", data=CALL).status_code in (400, 403)
    sign_in(client, "dem_market")
    assert client.get("/demands/board").status_code == 403
    assert client.get("/demands/desk").status_code == 403
    client.cookies.clear()
    url = f"/demands/scan?window={world['dept']['SCJGJ']}"
    page = client.get(url)
    r = client.post(url, data={"csrf_token": csrf(page.text), "kind": "complaint", "content": "",
                               "subject": "排队太久", "filer_phone": "12"})
    assert r.status_code == 422 and "排队太久" in r.text and "电话号码格式不正确" in r.text


def test_printable_scan_codes_per_window_enterprise_and_item_open_the_bound_form(session, world, client):
    import segno  # noqa: F401 — the QR maker the page draws with

    sign_in(client, "dem_clerk")
    page = client.get("/demands/qr?enterprise=示范科技有限公司&uscc=91110000MA01ABCD1X&item=T-SCJG-0001")
    assert page.status_code == 200 and page.text.count("<svg") >= 3 and "示范科技有限公司" in page.text
    urls = re.findall(r'data-url="([^"]+)"', page.text)
    window = next(u for u in urls if f"window={world['dept']['SCJGJ']}" in u)
    assert any("item=T-SCJG-0001" in u for u in urls) and any("uscc=91110000MA01ABCD1X" in u for u in urls)
    scan = client.get(window.replace("http://testserver", "").replace("&amp;", "&"))
    assert scan.status_code == 200 and "码上监督" in scan.text and "二维码无效" not in scan.text
    bad = client.get("/demands/qr?item=NO-SUCH")
    assert bad.status_code == 200 and "事项编码「NO-SUCH」不存在或未发布" in bad.text
    sign_in(client, "dem_market")
    assert client.get("/demands/qr").status_code == 403  # a handling unit does not print the city's codes
