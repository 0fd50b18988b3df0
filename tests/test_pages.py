"""Server-rendered pages through the ASGI app: sign-in, CSRF on every form, role checks, forms that work."""

import re

from onewindow.common.roles import Role
from tests.conftest import PASSWORD, csrf


def test_login_requires_csrf_and_redirects_safely(client, user_factory):
    user_factory(Role.clerk, username="clerk1")
    r = client.post("/login", data={"username": "clerk1", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    token = csrf(client.get("/login").text)
    r = client.post("/login", data={"username": "clerk1", "password": PASSWORD, "csrf_token": token,
                                    "next": "//evil.example/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_pages_need_sign_in(client, catalog):
    r = client.get("/admin/users", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/admin/users")
    assert client.get("/catalog").status_code == 200  # the guide is public
    assert "企业设立登记" in client.get("/catalog/items/T-SCJG-0001").text


def test_admin_creates_and_edits_users_through_forms(browser_as, catalog):
    client = browser_as(Role.admin)
    page = client.get("/admin/users")
    token = csrf(page.text)
    r = client.post("/admin/users", data={"csrf_token": token, "username": "new_clerk", "display_name": "新窗口",
                                          "role": "approver", "password": "short", "department_id": ""})
    assert r.status_code == 422 and "密码至少8位" in r.text and "该角色须指定所属部门" in r.text
    r = client.post("/admin/users", data={"csrf_token": token, "username": "new_clerk", "display_name": "新窗口",
                                          "role": "clerk", "password": "Window2026", "department_id": ""})
    assert r.status_code == 200 and "new_clerk" in r.text
    assert client.post("/admin/users", data={"username": "x", "display_name": "x", "role": "clerk",
                                             "password": "Window2026"}).status_code == 403


def test_clerk_cannot_open_admin_pages(browser_as, catalog):
    client = browser_as(Role.clerk)
    for path in ("/admin/users", "/catalog/designer", "/catalog/import", "/audit"):
        assert client.get(path).status_code == 403, path


def test_calendar_upload_form_shows_errors(browser_as, catalog):
    client = browser_as(Role.admin)
    token = csrf(client.get("/admin/calendar").text)
    bad = "year: 2027\nholidays: [{name: 元旦, start: 2027-01-01}]\nworkdays: [{name: 错, date: 2027-01-05}]"
    r = client.post("/admin/calendar/yaml", data={"csrf_token": token, "text": bad})
    assert r.status_code == 422 and "调休上班日只能在周末" in r.text
    r = client.post("/admin/calendar/upload", data={"csrf_token": token},
                    files={"file": ("2027.yaml", b"year: 2027\nholidays: [{name: x, start: 2027-01-01}]\n")})
    assert r.status_code == 200 and "2027 年放假与调休安排" in r.text


def test_item_draft_yaml_edit_and_publish_through_pages(browser_as, catalog):
    import html

    client = browser_as(Role.admin)
    token = csrf(client.get("/catalog/items/T-SW-0001").text)
    r = client.post("/catalog/items/T-SW-0001/versions", data={"csrf_token": token})
    assert r.status_code == 200 and "编辑草稿" in r.text  # lands on the form editor
    page = client.get("/catalog/items/T-SW-0001/versions/2/yaml")
    text = html.unescape(re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', page.text, re.S).group(1))
    edited = text.replace("promised_limit_days: 1", "promised_limit_days: 99")
    r = client.post("/catalog/items/T-SW-0001/versions/2/yaml", data={"csrf_token": token, "text": edited})
    assert r.status_code == 422 and "不能超过法定时限" in r.text
    edited = text.replace("name: 发票申领", "name: 发票申领（新）")
    r = client.post("/catalog/items/T-SW-0001/versions/2/yaml", data={"csrf_token": token, "text": edited})
    assert r.status_code == 200 and "发票申领（新）" in r.text
    r = client.post("/catalog/items/T-SW-0001/versions/2/publish", data={"csrf_token": token, "valid_from": ""})
    assert r.status_code == 200 and "发票申领（新）" in r.text


def _form_fields(html_text: str) -> dict:
    """What a browser would post for the form as rendered (inputs, checked boxes, selected options, textareas)."""
    import html

    data = {}
    for m in re.finditer(r'<input([^>]*)>', html_text):
        attrs = m.group(1)
        name = re.search(r'name="([^"]+)"', attrs)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', attrs)
        if 'type="checkbox"' in attrs and "checked" not in attrs:
            continue
        data[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for m in re.finditer(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', html_text, re.S):
        options = re.findall(r'<option(?: value="([^"]*)")?( selected)?>([^<]*)</option>', m.group(2))
        chosen = next((o for o in options if o[1]), options[0] if options else None)
        data[m.group(1)] = html.unescape(chosen[0] or chosen[2]) if chosen else ""
    for m in re.finditer(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html_text, re.S):
        data[m.group(1)] = html.unescape(m.group(2))
    return data


def test_item_form_editor_round_trip_and_errors(browser_as, catalog):
    from onewindow.catalog import service

    client = browser_as(Role.admin)
    token = csrf(client.get("/catalog/items/T-GA-0001").text)
    page = client.post("/catalog/items/T-GA-0001/versions", data={"csrf_token": token})
    data = _form_fields(page.text)
    assert data["item.name"] == "公章刻制备案" and data["materials.0.code"] == "M-LICENCE"
    # Saving the form unchanged keeps the item as it was (blank rows are dropped).
    assert client.post("/catalog/items/T-GA-0001/versions/2/edit", data=data).status_code == 200
    draft = service.get_item(catalog, code="T-GA-0001", version=2, actor=service_admin())
    assert [m.code for m in draft.materials] == ["M-LICENCE", "M-LEGAL-ID", "M-SEAL-FORM"]
    # A new material row, a bad limit and a half-filled row: every error is listed, nothing saved.
    bad = data | {"item.promised_limit_days": "9", "materials.3.code": "M-NEW", "materials.3.name": "新材料",
                  "materials.4.code": "", "materials.4.name": "缺编码"}
    r = client.post("/catalog/items/T-GA-0001/versions/2/edit", data=bad)
    assert r.status_code == 422 and "不能超过法定时限" in r.text and "申请材料第5行" in r.text
    good = bad | {"item.promised_limit_days": "2", "materials.4.code": "M-NEW2"}
    assert client.post("/catalog/items/T-GA-0001/versions/2/edit", data=good).status_code == 200
    catalog.expire_all()
    draft = service.get_item(catalog, code="T-GA-0001", version=2, actor=service_admin())
    assert draft.promised_limit_days == 2 and [m.code for m in draft.materials][-2:] == ["M-NEW", "M-NEW2"]
    row = client.get("/catalog/editor/row/materials", params={"n": 7})
    assert 'name="materials.7.code"' in row.text


def test_issue_9_a_failed_item_draft_keeps_every_value_and_places_each_error(browser_as, catalog):
    """#9.2: text, selections and ticks come back as typed; each error beside its control, by label."""
    client = browser_as(Role.admin)
    token = csrf(client.get("/catalog/items/T-GA-0001").text)
    data = _form_fields(client.post("/catalog/items/T-GA-0001/versions", data={"csrf_token": token}).text)
    typed = data | {"item.name": "改过的名称", "item.promised_limit_days": "99", "item.online_depth": "全程网办",
                    "item.conditions": "新的办理条件", "materials.1.name": "改过的材料", "materials.3.code": "bad code",
                    "materials.3.name": "新增材料", "materials.3.form": "原件"}
    typed.pop("item.cross_province", None)
    typed["item.commitment_allowed"] = "是"
    r = client.post("/catalog/items/T-GA-0001/versions/2/edit", data=typed)
    assert r.status_code == 422
    again = _form_fields(r.text)
    for name in ("item.name", "item.promised_limit_days", "item.online_depth", "item.conditions", "materials.1.name",
                 "materials.3.code", "materials.3.name", "materials.3.form", "item.commitment_allowed"):
        assert again.get(name) == typed[name], name
    assert "item.cross_province" not in again
    page = r.text
    assert re.search(r'id="item-promised_limit_days-error">[^<]*不能超过法定时限', page)
    assert re.search(r'id="materials-3-code-error">[^<]*格式不正确', page)
    assert "申请材料第4行" in page and "「承诺办结时限（工作日）」" in page
    for raw in ("materials 第", "item 第", "promised_limit_days："):
        assert raw not in page


def service_admin():
    from onewindow.common.security import SYSTEM

    return SYSTEM


def test_import_page_lists_errors(browser_as, catalog):
    client = browser_as(Role.admin)
    token = csrf(client.get("/catalog/import").text)
    r = client.post("/catalog/import", data={"csrf_token": token},
                    files={"file": ("bad.yaml", "departments:\n  - {code: x, name: 甲, level: 市}\n".encode())})
    assert r.status_code == 422 and "import-errors" in r.text and "格式不正确" in r.text


def test_bundle_pages(client, catalog):
    r = client.get("/catalog/bundles")
    assert r.status_code == 200 and "企业开办一件事" in r.text
    r = client.get("/catalog/bundles/T-YJS-KB")
    assert r.status_code == 200 and "牵头" in r.text and "reduction-chart" in r.text


def test_search_page_and_partial(client, catalog):
    r = client.get("/catalog", params={"q": "发票"})
    assert "发票申领" in r.text and "<html" in r.text
    partial = client.get("/catalog", params={"q": "发票"}, headers={"HX-Request": "true"})
    assert "发票申领" in partial.text and "<html" not in partial.text


def test_unknown_page_is_a_chinese_404(client):
    r = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "页面或资源不存在" in r.text


def test_assets_are_served_locally(client):
    html = client.get("/").text
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert client.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200
    assert client.get("/static/vendor/echarts-5.6.0.common.min.js").status_code == 200


def test_department_tree_page(client, catalog):
    r = client.get("/catalog/departments")
    assert r.status_code == 200
    assert r.text.index("测试市人民政府") < r.text.index("测试市公安局")  # parent before child
    assert '/catalog?department=SCJGJ">1 项' in r.text
