"""The public verification page and API, the wallet and detail pages, downloads and uploads."""

from __future__ import annotations

import re

from sqlalchemy import update

from onewindow.common.roles import Role
from onewindow.sharing.models import Licence
from tests.conftest import PASSWORD
from tests.licences.conftest import OTHER_USCC, USCC, issue, link


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, user) -> None:
    r = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                     "csrf_token": csrf(client.get("/login").text), "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303


def _status(html: str) -> str:
    return re.search(r'id="verify-status" data-status="(\w+)"', html).group(1)


def test_public_verify_page_shows_each_state(client, session, holders):
    valid = issue(session)
    revoked = issue(session, licence_type="食品经营许可证")
    altered = issue(session, licence_type="公共场所卫生许可证")
    session.execute(update(Licence).where(Licence.id == revoked.id).values(status="revoked", revoke_reason="依法撤销"))
    session.execute(update(Licence).where(Licence.id == altered.id).values(holder_name="冒名顶替有限公司"))
    session.commit()

    page = client.get(f"/verify/{valid.code}")
    assert page.status_code == 200 and _status(page.text) == "valid"
    assert ">有效<" in page.text and "营业执照" in page.text and "测试市市场监督管理局" in page.text
    assert "示范*****有限公司" in page.text and "示范市证照测试有限公司" not in page.text  # holder masked
    assert "2025年3月14日" in page.text

    page = client.get(f"/verify/{revoked.code}")
    assert _status(page.text) == "revoked" and "已撤销" in page.text and "依法撤销" in page.text

    page = client.get(f"/verify/{altered.code}")
    assert _status(page.text) == "altered" and "内容被篡改" in page.text and "冒名顶替" not in page.text

    page = client.get("/verify/DZZZ20990101000001")
    assert page.status_code == 404 and _status(page.text) == "unknown" and "查无此证" in page.text


def test_verify_form_redirects_a_typed_code(client):
    assert client.get("/verify").status_code == 200
    r = client.get("/verify", params={"code": " DZZZ1 "}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/verify/DZZZ1"


def test_public_verify_api(client, session, holders):
    lic = issue(session)
    body = client.get(f"/api/licences/verify/{lic.code}").json()
    assert body["status"] == "valid" and body["licence_type"] == "营业执照" and body["issued_on"] == "2025-03-14"
    assert body["holder_name"] == "示范*****有限公司" and body["issuer"] == "测试市市场监督管理局"
    body = client.get("/api/licences/verify/NOPE").json()
    assert body["status"] == "unknown" and body["licence_type"] is None


def test_download_then_upload_to_verify(client, session, holders, user_factory):
    lic = issue(session)
    user = user_factory(Role.applicant, username="downloader")
    link(session, user, enterprise=USCC)
    sign_in(client, user)
    r = client.get(f"/api/licences/{lic.code}/document")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert f'filename="{lic.code}.json"' in r.headers["content-disposition"]
    content = r.content

    anonymous = type(client)(client.app)
    answer = anonymous.post("/api/licences/verify", files={"file": (f"{lic.code}.json", content, "application/json")})
    assert answer.status_code == 200 and answer.json()["status"] == "valid"
    tampered = content.replace("100万元".encode(), "900万元".encode())
    assert tampered != content
    answer = anonymous.post("/api/licences/verify", files={"file": ("x.json", tampered, "application/json")})
    assert answer.json()["status"] == "altered" and answer.json()["licence_type"] is None
    answer = anonymous.post("/api/licences/verify", files={"file": ("x.pdf", content, "application/pdf")})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "file"

    page = anonymous.get("/verify")
    r = anonymous.post("/verify", data={"csrf_token": csrf(page.text)},
                       files={"file": ("licence.json", content, "application/json")})
    assert r.status_code == 200 and _status(r.text) == "valid" and "licence.json" in r.text
    r = anonymous.post("/verify", data={"csrf_token": csrf(page.text)},
                       files={"file": ("licence.json", tampered, "application/json")})
    assert _status(r.text) == "altered"
    r = anonymous.post("/verify", files={"file": ("licence.json", content, "application/json")})
    assert r.status_code == 403  # the upload form carries a CSRF token


def test_wallet_page_has_cards_with_qr_codes(client, session, holders, user_factory):
    lic = issue(session)
    issue(session, holder_key=OTHER_USCC, holder_name="示范市别家有限公司", licence_type="食品经营许可证")
    user = user_factory(Role.applicant, username="wallet")
    link(session, user, enterprise=USCC)
    sign_in(client, user)
    page = client.get("/my/licences")
    assert page.status_code == 200
    assert page.text.count('class="lic-card ') == 1 and lic.code in page.text and "食品经营许可证" not in page.text
    assert "<svg" in page.text and "扫码核验电子证照" in page.text
    assert f"/api/licences/{lic.code}/document" in page.text
    assert f"http://testserver/verify/{lic.code}" in page.text

    mine = client.get("/api/licences/mine").json()
    assert [m["code"] for m in mine] == [lic.code] and mine[0]["verify_path"] == f"/verify/{lic.code}"


def test_wallet_needs_sign_in(client):
    r = client.get("/my/licences", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/api/licences/mine").status_code == 401


def test_applicant_cannot_read_another_holders_licence(client, session, holders, user_factory, api_as):
    lic = issue(session)
    stranger = user_factory(Role.applicant, username="stranger")
    link(session, stranger, enterprise=OTHER_USCC)
    sign_in(client, stranger)
    assert client.get(f"/licences/{lic.code}").status_code == 404
    assert client.get(f"/api/licences/{lic.code}").status_code == 404
    assert client.get(f"/api/licences/{lic.code}/document").status_code == 404
    assert api_as(Role.applicant, username="nobody").get(f"/api/licences/{lic.code}").status_code == 404
    body = api_as(Role.clerk).get(f"/api/licences/{lic.code}").json()
    assert body["code"] == lic.code and body["data"]["法定代表人身份证号"].count("*") == 8


def test_detail_page_and_revoke_form(client, session, holders, user_factory):
    lic = issue(session)
    approver = user_factory(Role.approver, username="appr", department="SCJGJ")
    sign_in(client, approver)
    page = client.get(f"/licences/{lic.code}")
    assert page.status_code == 200 and 'id="licence-qr"' in page.text and "<svg" in page.text
    assert "经营范围" in page.text and 'id="revoke-form"' in page.text
    r = client.post(f"/licences/{lic.code}/revoke", data={"csrf_token": csrf(page.text), "reason": " "})
    assert r.status_code == 422 and "撤销原因不能为空" in r.text
    r = client.post(f"/licences/{lic.code}/revoke", data={"csrf_token": csrf(page.text), "reason": "依法撤销"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/licences/{lic.code}")
    assert _status(page.text) == "revoked" and 'id="revoke-form"' not in page.text


def test_revoke_api(session, holders, api_as):
    lic = issue(session)
    assert api_as(Role.applicant).post(f"/api/licences/{lic.code}/revoke", json={"reason": "x"}).status_code == 403
    admin = api_as(Role.admin)
    body = admin.post(f"/api/licences/{lic.code}/revoke", json={"reason": "依法撤销"}).json()
    assert body["status"] == "revoked" and body["revoke_reason"] == "依法撤销"
    assert admin.get(f"/api/licences/verify/{lic.code}").json()["status"] == "revoked"
