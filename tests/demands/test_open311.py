"""Open311 GeoReport v2: every answer validated against the schemas written from the published
specification (tests/demands/open311_schemas), XML variants parsed, POST authenticated by our API
tokens and idempotent, confidential filers hidden, and the PyPI client `georeport` run against it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from sqlalchemy import func, select

from onewindow.common.roles import Role
from onewindow.db import utcnow
from onewindow.demands.models import Demand
from tests.conftest import PASSWORD

SCHEMAS = Path(__file__).parent / "open311_schemas"
BASE = "/open311/v2"


def valid(response, schema: str):
    body = response.json()
    jsonschema.validate(body, json.loads((SCHEMAS / f"{schema}.json").read_text()))
    assert response.headers["content-type"].startswith("application/json")
    return body


def xml(response, root: str) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    tree = ET.fromstring(response.content)
    assert tree.tag == root
    return tree


@pytest.fixture
def api_key(client, user_factory):
    def issue(role: Role = Role.agent, **kw) -> str:
        user = user_factory(role, **kw)
        return client.post("/api/auth/tokens", json={"username": user.username, "password": PASSWORD}).json()["token"]
    return issue


def post(client, key, **fields):
    data = {"api_key": key, "service_code": "complaint", "address_string": "人民路1号",
            "description": "路灯不亮\n已经一周了", **fields}
    return client.post(f"{BASE}/requests.json", data=data)


def test_discovery_json_and_xml(client):
    body = valid(client.get(f"{BASE}/discovery.json"), "discovery")
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    tree = xml(client.get(f"{BASE}/discovery.xml"), "discovery")
    assert [f.text for f in tree.iter("format")] == ["text/xml", "application/json"]


def test_services_and_definitions(client):
    services = valid(client.get(f"{BASE}/services.json"), "services")
    assert {s["service_code"] for s in services} >= {"consult", "help", "complaint", "report", "suggestion"}
    assert next(s for s in services if s["service_code"] == "complaint")["service_name"] == "投诉"
    assert len(xml(client.get(f"{BASE}/services.xml"), "services").findall("service")) == len(services)
    definition = valid(client.get(f"{BASE}/services/complaint.json"), "service_definition")
    urgency = next(a for a in definition["attributes"] if a["code"] == "urgency")
    assert {v["name"] for v in urgency["values"]} == {"紧急", "一般", "复杂"}
    tree = xml(client.get(f"{BASE}/services/complaint.xml"), "service_definition")
    assert tree.find("service_code").text == "complaint" and tree.find("attributes/attribute/code") is not None


def test_errors_in_the_spec_shape_in_chinese(client):
    missing = client.get(f"{BASE}/services/nothing.json")
    assert missing.status_code == 404
    assert "未找到服务类型" in valid(missing, "errors")[0]["description"]
    assert xml(client.get(f"{BASE}/services/nothing.xml"), "errors").find("error/code").text == "404"
    assert client.get(f"{BASE}/requests.json", params={"jurisdiction_id": "elsewhere.gov"}).status_code == 404
    bad_date = client.get(f"{BASE}/requests.json", params={"start_date": "昨天"})
    assert bad_date.status_code == 400 and "ISO 8601" in valid(bad_date, "errors")[0]["description"]
    naive = client.get(f"{BASE}/requests.json", params={"start_date": "2026-01-01T00:00:00"})
    assert "时区" in valid(naive, "errors")[0]["description"]
    wide = client.get(f"{BASE}/requests.json", params={"start_date": "2026-01-01T00:00:00Z",
                                                       "end_date": "2026-06-01T00:00:00Z"})
    assert "90 天" in valid(wide, "errors")[0]["description"]
    assert valid(client.get(f"{BASE}/requests.json", params={"status": "pending"}), "errors")[0]["code"] == 400
    assert client.get(f"{BASE}/requests.yaml").status_code == 404
    unknown = client.get(f"{BASE}/whatever.json")
    assert unknown.status_code == 404 and valid(unknown, "errors")


def test_post_needs_an_api_token(client, api_key, catalog):
    for key in ("", "not-a-token"):
        r = post(client, key)
        assert r.status_code == 403 and "api_key" in valid(r, "errors")[0]["description"]
    handler_key = api_key(Role.handler, username="o311_handler", department="SCJGJ")
    assert post(client, handler_key).status_code == 403
    no_place = post(client, api_key(), address_string="")
    assert no_place.status_code == 400 and "位置" in valid(no_place, "errors")[0]["description"]
    empty = post(client, api_key(Role.agent, username="o311_agent2"), description="")
    assert empty.status_code == 400 and "诉求内容" in valid(empty, "errors")[0]["description"]
    applicant = api_key(Role.applicant, username="o311_applicant")  # files as 移动端, which needs a phone
    assert "联系电话" in valid(post(client, applicant), "errors")[0]["description"]
    assert valid(post(client, applicant, phone="13700001234"), "post_response")[0]["service_request_id"]
    bad_code = post(client, api_key(Role.agent, username="o311_agent3"), service_code="potholes")
    assert bad_code.status_code == 404 and "服务类型" in valid(bad_code, "errors")[0]["description"]


def test_post_then_read_back_and_retries_make_one_demand(client, session, api_key):
    key = api_key()
    first = post(client, key, lat="31.230416", long="121.473701", phone="13812345678", first_name="三",
                 last_name="张", **{"attribute[urgency]": "urgent", "attribute[subject]": "路灯故障"},
                 idempotency_key="abc-1")
    assert first.status_code == 200
    code = valid(first, "post_response")[0]["service_request_id"]
    again = post(client, key, lat="31.230416", long="121.473701", phone="13812345678", first_name="三",
                 last_name="张", **{"attribute[urgency]": "urgent", "attribute[subject]": "路灯故障"},
                 idempotency_key="abc-1")
    assert valid(again, "post_response")[0]["service_request_id"] == code
    by_header = client.post(f"{BASE}/requests.json", headers={"Idempotency-Key": "hdr-9"},
                            data={"api_key": key, "service_code": "help", "address_string": "中山路", "description": "求助"})
    retry = client.post(f"{BASE}/requests.json", headers={"Idempotency-Key": "hdr-9"},
                        data={"api_key": key, "service_code": "help", "address_string": "中山路", "description": "求助"})
    assert valid(by_header, "post_response") == valid(retry, "post_response")
    keyless = [post(client, key, description="井盖丢失") for _ in range(2)]  # a client retrying without a key
    assert len({valid(r, "post_response")[0]["service_request_id"] for r in keyless}) == 1
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Demand)) == 3

    one = valid(client.get(f"{BASE}/requests/{code}.json"), "requests")[0]
    assert one["status"] == "open" and one["status_notes"] == "诉求已受理，正在派单"
    assert one["description"] == "路灯故障" and one["address"] == "人民路1号"
    assert (one["lat"], one["long"]) == (31.230416, 121.473701)
    assert one["requested_datetime"].endswith("+08:00") and one["expected_datetime"]
    text = client.get(f"{BASE}/requests/{code}.json").text + client.get(f"{BASE}/requests.xml").text
    assert "13812345678" not in text and "张三" not in text
    assert xml(client.get(f"{BASE}/requests/{code}.xml"), "service_requests").find("request/status").text == "open"
    token = valid(client.get(f"{BASE}/tokens/abc-1.json"), "token")[0]
    assert token == {"service_request_id": code, "token": "abc-1"}
    assert xml(client.get(f"{BASE}/tokens/abc-1.xml"), "service_requests").find("request/service_request_id").text == code
    assert client.get(f"{BASE}/tokens/never-sent.json").status_code == 404
    assert client.get(f"{BASE}/requests/12345-nothing.json").status_code == 404


def test_get_requests_filters(client, session, api_key):
    key = api_key()
    a = valid(post(client, key, service_code="complaint", description="噪音扰民"), "post_response")[0]["service_request_id"]
    b = valid(post(client, key, service_code="consult", description="社保怎么办"), "post_response")[0]["service_request_id"]
    session.expire_all()
    closed = session.scalar(select(Demand).where(Demand.code == b))
    closed.status, closed.closed_at, closed.closed_how = "closed", utcnow(), "direct"  # as 直办 leaves it
    session.commit()

    def codes(**params):
        return [r["service_request_id"] for r in valid(client.get(f"{BASE}/requests.json", params=params), "requests")]

    assert set(codes()) == {a, b}
    assert set(codes(service_request_id=f"{a},{b}", status="closed")) == {a, b}  # ids override the other filters
    assert codes(service_code="complaint") == [a]
    assert codes(service_code="complaint,consult", status="open") == [a]
    assert codes(status="closed") == [b]
    assert set(codes(status="open,closed")) == {a, b}
    closed_view = valid(client.get(f"{BASE}/requests/{b}.json"), "requests")[0]
    assert closed_view["status"] == "closed" and closed_view["status_notes"] == "已办结（直办）"
    assert closed_view["expected_datetime"] is None
    now = utcnow()
    assert set(codes(start_date=(now - timedelta(days=1)).isoformat(), end_date=(now + timedelta(hours=1)).isoformat())) == {a, b}
    assert codes(start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00+08:00") == []
    assert len(xml(client.get(f"{BASE}/requests.xml", params={"status": "open"}), "service_requests")) == 1


def test_confidential_demands_show_only_type_and_state(client, api_key):
    key = api_key()
    report = valid(post(client, key, service_code="report", description="某企业偷排废水，我是隔壁的李四",
                        phone="13900001111", first_name="四", last_name="李"), "post_response")[0]["service_request_id"]
    asked = valid(post(client, key, service_code="help", description="请求保密的求助",
                       **{"attribute[confidential]": "yes"}), "post_response")[0]["service_request_id"]
    for code in (report, asked):
        view = valid(client.get(f"{BASE}/requests/{code}.json"), "requests")[0]
        assert view["description"] is None and view["address"] is None and view["lat"] is None
    listing = client.get(f"{BASE}/requests.json").text + client.get(f"{BASE}/requests.xml").text
    assert "李四" not in listing and "13900001111" not in listing and "偷排" not in listing


def test_the_georeport_client_from_pypi(client, api_key, monkeypatch):
    """georeport 0.3.1 (PyPI) calls `requests`; its transport is pointed at the app's TestClient."""
    georeport = pytest.importorskip("georeport")
    import georeport.georeport as module

    class Transport:
        def get(self, url, params=None, **_):
            return client.get(url.removeprefix("http://testserver"), params=params)

    monkeypatch.setattr(module, "requests", Transport())
    code = valid(post(client, api_key(), description="占道经营"), "post_response")[0]["service_request_id"]
    for fmt in ("json", "xml"):
        city = georeport.GeoReport(root_address=f"http://testserver{BASE}", output_format=fmt)
        names = [s["service_name"] for s in city.get_service_list()]
        assert "投诉" in names
        assert city.get_service_definition("complaint")["service_code"] == "complaint"
        found = city.get_service_requests(service_request_id=code)
        found = found if isinstance(found, list) else [found]  # xmltodict: one element is a dict
        assert found[0]["service_request_id"] == code and found[0]["status"] == "open"
        one = city.get_service_request(code)
        assert (one[0] if isinstance(one, list) else one)["service_request_id"] == code


def test_services_by_topic_file_and_filter_by_topic(client, catalog, api_key):
    from onewindow.common.security import SYSTEM
    from onewindow.knowledge import service as kb

    article = kb.create_article(catalog, actor=SYSTEM, data={
        "topic": "企业开办", "department": "SCJGJ", "title": "营业执照办理流程", "body": "一网通办，一个工作日内办结。",
        "keywords": ["营业执照"]})
    kb.publish_article(catalog, actor=SYSTEM, code=article.code, version=1, valid_from=None)
    catalog.commit()
    services = valid(client.get(f"{BASE}/services.json"), "services")
    topical = next(s for s in services if s["service_name"] == "投诉：企业开办")
    assert topical["group"] == "投诉" and "企业开办" in topical["keywords"]
    definition = valid(client.get(f"{BASE}/services/{topical['service_code']}.json"), "service_definition")
    assert "topic" not in {a["code"] for a in definition["attributes"]}  # the service names it already
    generic = valid(client.get(f"{BASE}/services/consult.json"), "service_definition")
    topics = next(a for a in generic["attributes"] if a["code"] == "topic")
    assert [v["name"] for v in topics["values"]] == ["企业开办"]
    key = api_key()
    a = valid(post(client, key, service_code=topical["service_code"], description="执照迟迟不发"),
              "post_response")[0]["service_request_id"]
    valid(post(client, key, service_code="complaint", description="别的投诉"), "post_response")
    b = valid(post(client, key, service_code="consult", description="怎么开公司", **{"attribute[topic]": "企业开办"}),
              "post_response")[0]["service_request_id"]
    found = valid(client.get(f"{BASE}/requests.json", params={"service_code": topical["service_code"]}), "requests")
    assert [r["service_request_id"] for r in found] == [a] and found[0]["service_name"] == "投诉：企业开办"
    assert valid(client.get(f"{BASE}/requests/{b}.json"), "requests")[0]["service_name"] == "咨询：企业开办"
