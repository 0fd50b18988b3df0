"""HTTP hygiene (#9.13): uploads served with a type decided from their bytes, nosniff, no framing, a CSP on
pages, `Allow` on 405, and personal-data reveals only for whom the field's items need."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from onewindow.cases.models import Upload
from onewindow.common.headers import CSP
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.uploads import sniff_content_type
from tests.cases.conftest import PDF, add_user
from tests.cases.helpers import accepted_case, submitted_bundle
from tests.cases.test_authorisation import api, browser
from tests.conftest import csrf

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def test_9_13_pages_and_api_carry_the_security_headers(client):
    for path in ("/", "/login", "/catalog", "/api/me"):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["content-security-policy"] == CSP, path
    assert "frame-ancestors 'none'" in CSP and "script-src 'self';" in CSP and "unsafe-inline" not in CSP


def test_9_13_method_not_allowed_names_the_allowed_methods(client):
    r = client.put("/login", headers={"accept": "text/html"})
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, POST" and "不支持该请求方法" in r.text
    r = client.delete("/api/me")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD" and r.json()["message"] == "不支持该请求方法"


def test_9_13_content_type_comes_from_the_bytes():
    assert sniff_content_type(PDF) == "application/pdf"
    assert sniff_content_type(PNG) == "image/png"
    assert sniff_content_type(b"\xff\xd8\xff\xe0JFIF") == "image/jpeg"
    assert sniff_content_type(b"<html><script>alert(1)</script>") == "application/octet-stream"
    assert sniff_content_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>") == "application/octet-stream"
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD/>")
    assert sniff_content_type(buf.getvalue()) == "application/ofd"


def test_9_13_uploads_are_served_with_the_servers_type(client, session, world):
    app = submitted_bundle(session, world)
    lying = Upload(application_id=app.id, material_code="M-APPLY", filename="x.pdf", content_type="text/html",
                   size=len(PDF), sha256=hashlib.sha256(PDF).hexdigest(), content=PDF)
    html = b"<html><script>alert(document.cookie)</script></html>"
    hostile = Upload(application_id=app.id, material_code="M-APPLY", filename="y.png", content_type="image/png",
                     size=len(html), sha256=hashlib.sha256(html).hexdigest(), content=html)
    session.add_all([lying, hostile])
    session.commit()
    page = browser(client, world.applicant)
    r = page.get(f"/applications/{app.id}/uploads/{lying.id}")
    assert r.headers["content-type"] == "application/pdf" and r.headers["content-disposition"].startswith("inline")
    assert r.headers["x-content-type-options"] == "nosniff"
    r = page.get(f"/applications/{app.id}/uploads/{hostile.id}")
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment") and r.headers["x-content-type-options"] == "nosniff"


def _reveal(c, app_id, field, purpose=""):
    return c.post(f"/api/applications/{app_id}/reveal", json={"field": field, "purpose": purpose})


def test_9_13_reveal_only_for_the_departments_the_field_needs(client, session, world):
    case = accepted_case(session, world)
    app_id = case.application_id
    # 法定代表人身份证号 is used by 市场监管 only; 联系电话 by 税务 and 人社.
    scjg, swj, gaj = (api(client, world.approvers[d]) for d in ("SCJGJ", "SWJ", "GAJ"))
    assert _reveal(scjg, app_id, "legal_person_id_number").json()["value"] == world.person_key
    denied = _reveal(swj, app_id, "legal_person_id_number")
    assert denied.status_code == 403 and "无权查看" in denied.json()["message"]
    assert _reveal(swj, app_id, "contact_phone").status_code == 200
    assert _reveal(gaj, app_id, "contact_phone").status_code == 403
    assert _reveal(api(client, world.clerk), app_id, "legal_person_id_number").status_code == 200
    admin = api(client, add_user(session, Role.admin, "admin_reveal"))
    session.commit()
    assert _reveal(admin, app_id, "legal_person_id_number").status_code == 403
    reveals = session.scalars(select(AuditRecord).where(AuditRecord.action == "personal_data.reveal")).all()
    assert len(reveals) == 3  # refused reveals write nothing


def test_9_13_supervisor_reveals_only_with_a_reason(client, session, world):
    case = accepted_case(session, world)
    sup = api(client, world.supervisor)
    missing = _reveal(sup, case.application_id, "legal_person_id_number")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "purpose"
    assert "理由" in missing.json()["message"]
    ok = _reveal(sup, case.application_id, "legal_person_id_number", "督办投诉件核实身份")
    assert ok.status_code == 200 and ok.json()["value"] == world.person_key
    rec = session.scalars(select(AuditRecord).where(AuditRecord.action == "personal_data.reveal")).all()[-1]
    assert rec.actor_name == world.supervisor.username and "督办投诉件核实身份" in rec.after
    # The page: the supervisor's reveal form asks for the reason, and refuses without one, in Chinese.
    page = browser(client, world.supervisor)
    html = page.get(f"/applications/{case.application_id}").text
    assert 'name="purpose"' in html
    r = page.post(f"/applications/{case.application_id}/reveal",
                  data={"field": "legal_person_id_number", "csrf_token": csrf(html)})
    assert r.status_code == 422 and "查看理由" in r.text and world.person_key not in r.text


def test_9_3_reveal_audit_names_the_field_by_its_chinese_label(client, session, world):
    """The audit page reads 信息项：法定代表人身份证号, never the form's field key."""
    case = accepted_case(session, world)
    assert _reveal(api(client, world.approvers["SCJGJ"]), case.application_id, "legal_person_id_number").status_code == 200
    assert _reveal(api(client, world.approvers["SWJ"]), case.application_id, "contact_phone").status_code == 200
    page = browser(client, world.supervisor).get("/audit", params={"action": "personal_data.reveal"}).text
    assert "查看个人信息原文" in page and "信息项：法定代表人身份证号" in page and "信息项：联系电话" in page
    assert "legal_person_id_number" not in page and "contact_phone" not in page


def _ofd() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD/>")
    return buf.getvalue()


def test_9_13_uploads_are_stored_with_the_detected_type_and_a_mismatch_is_refused(client, session, world):
    from onewindow.cases import service
    from onewindow.common.errors import ValidationFailed

    app = service.start_application(session, actor=world.applicant, target_kind="bundle", target_code="T-YJS-KB",
                                    subject_kind="person", subject_key=world.person_key)
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 16
    for name, content, stored in (("a.pdf", PDF, "application/pdf"), ("b.png", PNG, "image/png"),
                                  ("c.jpg", jpeg, "image/jpeg"), ("d.ofd", _ofd(), "application/ofd")):
        # The client claims text/html every time; the record says what the bytes are.
        up = service.upload_material(session, actor=world.applicant, application_id=app.id, material_code="M-APPLY",
                                     filename=name, content=content, content_type="text/html")
        assert up.content_type == stored, name
    for name, content, words in (("e.pdf", PNG, "扩展名为 .pdf，但内容是PNG 图片"),
                                 ("f.png", PDF, "扩展名为 .png，但内容是PDF 文档"),
                                 ("g.ofd", b"PK\x03\x04junk", "内容不是OFD 版式文档"),
                                 ("h.jpg", b"<html>", "请上传真实的JPEG 图片")):
        try:
            service.upload_material(session, actor=world.applicant, application_id=app.id, material_code="M-APPLY",
                                    filename=name, content=content, content_type="image/jpeg")
        except ValidationFailed as exc:
            assert words in exc.details[0].message and exc.details[0].field == "file", exc.details[0].message
        else:
            raise AssertionError(name)
    session.commit()
    # Through the page: what the browser claims is not what is stored.
    page = browser(client, world.applicant)
    html = page.get(f"/applications/{app.id}").text
    r = page.post(f"/applications/{app.id}/upload", data={"csrf_token": csrf(html), "material_code": "M-APPLY"},
                  files={"file": ("i.pdf", PDF, "text/html")})
    assert r.status_code < 400
    stored = session.scalars(select(Upload).where(Upload.filename == "i.pdf")).one()
    assert stored.content_type == "application/pdf"
    r = page.post(f"/applications/{app.id}/upload", data={"csrf_token": csrf(html), "material_code": "M-APPLY"},
                  files={"file": ("j.pdf", PNG, "application/pdf")}, follow_redirects=False)
    assert r.status_code != 500 and "内容是PNG 图片" in page.get(r.headers.get("location", f"/applications/{app.id}")).text
