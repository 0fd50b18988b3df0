"""The JSON API as machine clients use it: tokens, roles, located 4xx errors, optimistic locking."""

import yaml

from onewindow.common.roles import Role


def test_token_flow_and_me(client, api_as):
    admin = api_as(Role.admin)
    me = admin.get("/api/me").json()
    assert me["role"] == "admin" and me["role_label"] == "系统管理员"
    assert client.get("/api/me").status_code == 401
    bad = client.get("/api/me", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["message"] == "令牌无效、已过期或已吊销，请重新获取"
    wrong = client.post("/api/auth/tokens", json={"username": "u_admin", "password": "x"})
    assert wrong.status_code == 401


def test_role_checks_on_admin_endpoints(catalog, api_as):
    clerk = api_as(Role.clerk)
    assert clerk.get("/api/users").status_code == 403
    assert clerk.get("/api/audit").status_code == 403
    assert clerk.put("/api/bundles/B-X", json={"code": "B-X", "name": "x", "items": []}).status_code == 403
    assert clerk.get("/api/catalog/export").status_code == 403
    supervisor = api_as(Role.supervisor, username="sup")
    assert supervisor.get("/api/audit").status_code == 200
    assert supervisor.get("/api/audit/verify").json()["ok"] is True


def test_user_admin_over_api(catalog, api_as):
    admin = api_as(Role.admin)
    created = admin.post("/api/users", json={"username": "li4", "display_name": "李四", "role": "approver",
                                             "password": "Passw0rd2026", "department_id": None})
    assert created.status_code == 422
    assert created.json()["errors"][0]["field"] == "department_id"
    depts = admin.get("/api/departments").json()
    dept = next(d for d in depts if d["code"] == "SCJGJ")
    created = admin.post("/api/users", json={"username": "li4", "display_name": "李四", "role": "approver",
                                             "password": "Passw0rd2026", "department_id": dept["id"]})
    assert created.status_code == 201
    user = created.json()
    stale = admin.patch(f"/api/users/{user['id']}", json={"expected_version": user["version"] + 1, "active": False})
    assert stale.status_code == 409
    ok = admin.patch(f"/api/users/{user['id']}", json={"expected_version": user["version"], "active": False})
    assert ok.status_code == 200 and ok.json()["active"] is False


def test_bad_input_names_the_field(catalog, api_as):
    admin = api_as(Role.admin)
    r = admin.post("/api/calendar/add-working-days", json={"start": "2026-02-30", "days": 3})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "start"
    r = admin.get("/api/items", params={"per_page": 0})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "per_page"
    r = admin.put("/api/items/T-NEW-0001/versions/1", json={"name": "新事项", "basic_code": "1"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} >= {"basic_code"}


def test_bundle_api_rejects_cycles_and_computes_reductions(catalog, api_as):
    admin = api_as(Role.admin)
    body = {"code": "B-NEW", "name": "新一件事", "status": "published", "core_item": "T-SCJG-0001",
            "items": [{"item": "T-SCJG-0001", "depends_on": ["T-SW-0001"]}, {"item": "T-SW-0001", "depends_on": ["T-SCJG-0001"]}]}
    cyclic = admin.put("/api/bundles/B-NEW", json=body)
    assert cyclic.status_code == 422
    assert "依赖关系存在环：T-SCJG-0001 依赖于 T-SW-0001 依赖于 T-SCJG-0001" in cyclic.json()["errors"][0]["message"]
    body["items"][0]["depends_on"] = []
    saved = admin.put("/api/bundles/B-NEW", json=body)
    assert saved.status_code == 200, saved.text
    plan = saved.json()["plan"]
    assert plan["lead_department"] == "测试市市场监督管理局"
    assert plan["reductions"]["time"] == {"label": "承诺时限（工作日）", "separate": 2, "bundled": 2, "saved": 0,
                                          "percent": 0.0}
    stale = admin.put("/api/bundles/B-NEW", json=body | {"expected_version": 99})
    assert stale.status_code == 409
    preview = admin.post("/api/bundles/plan", json={"items": body["items"], "core_item": None})
    assert preview.json()["materials"][0]["used_by"] == ["T-SCJG-0001"]


def test_anonymous_sees_published_only(client, catalog, api_as):
    admin = api_as(Role.admin)
    assert admin.post("/api/items/T-GA-0001/versions").status_code == 201
    assert client.get("/api/items/T-GA-0001", params={"version": 2}).status_code == 404
    assert admin.get("/api/items/T-GA-0001", params={"version": 2}).json()["status"] == "draft"
    assert client.get("/api/items", params={"status": "draft"}).json()["total"] == client.get("/api/items").json()["total"]


def test_import_and_export_over_api(catalog, api_as):
    admin = api_as(Role.admin)
    exported = admin.get("/api/catalog/export", params={"format": "yaml"})
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    data = yaml.safe_load(exported.content)
    data["departments"].append({"code": "NEW", "name": "新局", "level": "市", "parent": "MISSING"})
    bad = admin.post("/api/catalog/import", files={"file": ("c.yaml", yaml.safe_dump(data, allow_unicode=True))})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"message": "上级部门MISSING不存在", "field": "parent", "sheet": "departments",
                                     "row": 6}]
    wrong_type = admin.post("/api/catalog/import", files={"file": ("c.txt", b"x")})
    assert wrong_type.status_code == 422 and wrong_type.json()["errors"][0]["field"] == "file"
    fake = admin.post("/api/catalog/import", files={"file": ("c.xlsx", b"not a workbook")})
    assert fake.status_code == 422
    ok = admin.post("/api/catalog/import", files={"file": ("c.xlsx", admin.get("/api/catalog/export",
                                                                             params={"format": "xlsx"}).content)})
    assert ok.status_code == 200 and ok.json()["unchanged_items"] == 6


def test_calendar_api_loads_a_year(catalog, api_as):
    admin = api_as(Role.admin)
    before = admin.post("/api/calendar/add-working-days", json={"start": "2026-12-31", "days": 1}).json()
    assert before["estimated"] and before["estimated_years"] == [2027] and "估算" in before["note"]
    text = "year: 2027\nholidays:\n  - {name: 元旦, start: 2027-01-01, end: 2027-01-03}\n"
    loaded = admin.post("/api/calendar/schedules", files={"file": ("2027.yaml", text.encode())})
    assert loaded.status_code == 200 and loaded.json()["source"] == "loaded"
    after = admin.post("/api/calendar/add-working-days", json={"start": "2026-12-31", "days": 1}).json()
    assert after == {"date": "2027-01-04", "days": None, "estimated": False, "estimated_years": [], "note": ""}
    clerk = api_as(Role.clerk)
    assert clerk.post("/api/calendar/schedules", files={"file": ("2027.yaml", text.encode())}).status_code == 403


def test_cookie_session_api_writes_need_the_csrf_header(client, catalog, user_factory):
    import re

    user_factory(Role.admin, username="cookieadmin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "cookieadmin", "password": "Test2026pass", "csrf_token": token})
    assert client.get("/api/me").status_code == 200
    body = {"items": [{"item": "T-SW-0001", "depends_on": []}]}
    assert client.post("/api/bundles/plan", json=body).status_code == 200  # no session needed to preview
    denied = client.delete("/api/bundles/T-YJS-KB")
    assert denied.status_code == 403 and "CSRF" in denied.json()["message"]
    page = client.get("/catalog/designer").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.delete("/api/bundles/T-YJS-KB", headers={"X-CSRF-Token": token}).status_code == 204


def test_oversized_upload_is_refused_before_reading(catalog, api_as, monkeypatch):
    from onewindow.config import get_settings

    admin = api_as(Role.admin)
    limit = get_settings().max_upload_bytes
    r = admin.post("/api/catalog/import", files={"file": ("big.yaml", b"#" * (limit + 200_000))})
    assert r.status_code == 413 and r.json()["errors"][0]["field"] == "file"
