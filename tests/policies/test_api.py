"""The 惠企政策 JSON API: library reading and editing, matching, 免申即享 batches and the ledger — who may
do what (through the services), bad input answered 422 naming the field, money in fen."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import event

from onewindow.common.roles import Role
from onewindow.common.security import Principal
from tests.cases.conftest import add_user
from tests.conftest import PASSWORD, csrf
from tests.policies.conftest import add_match

XGS = "PT-XGS-01"  # 新规上, 免申即享, 5万元, paid by FGW


def api(client, principal: Principal) -> TestClient:
    token = client.post("/api/auth/tokens", json={"username": principal.username, "password": PASSWORD}).json()["token"]
    c = TestClient(client.app)
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def signed_in(client, principal: Principal) -> TestClient:
    c = TestClient(client.app)
    r = c.post("/login", data={"username": principal.username, "password": PASSWORD,
                               "csrf_token": csrf(c.get("/login").text), "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    return c


# ---------------------------------------------------------------- disbursements

def _xgs_matches(session, w):
    add_match(session, w, "甲", XGS, 5_000_000)
    add_match(session, w, "戊", XGS, 5_000_000)  # 注销: listed, excluded by the system
    session.commit()


def test_officer_generates_reviews_and_pays_a_batch(client, session, policy_world):
    w = policy_world
    _xgs_matches(session, w)
    officer = api(client, w.officer)
    r = officer.post("/api/disbursements", json={"item_code": XGS, "period": "2026"})
    assert r.status_code == 201, r.text
    batch = r.json()
    assert (batch["status"], batch["line_count"], batch["total_fen"], batch["item_title"]) == (
        "draft", 1, 5_000_000, "新规上工业企业奖励")
    again = officer.post("/api/disbursements", json={"item_code": XGS, "period": "2026"}).json()
    assert again["id"] == batch["id"]  # idempotent while open
    lines = officer.get(f"/api/disbursements/{batch['id']}/lines").json()["items"]
    by_name = {ln["enterprise_name"]: ln for ln in lines}
    assert by_name["政策测试甲有限公司"]["status"] == "included"
    assert by_name["政策测试戊有限公司"]["status"] == "excluded" and "注销" in by_name["政策测试戊有限公司"]["excluded_reason"]
    jia = by_name["政策测试甲有限公司"]

    line_url = f"/api/disbursements/{batch['id']}/lines/{jia['id']}"
    v = batch["version"]
    r = officer.post(f"{line_url}/exclude", json={"reason": "  ", "version": v})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = officer.post(f"{line_url}/exclude", json={"reason": "核查中"})  # the version seen is required
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "version"
    r = officer.post(f"{line_url}/exclude", json={"reason": "核查中", "version": v + 1})
    assert r.status_code == 409  # a stale or made-up version is refused
    r = officer.post(f"{line_url}/exclude", json={"reason": "核查中", "version": v})
    assert r.status_code == 200 and r.json()["status"] == "excluded" and r.json()["excluded_reason"] == "核查中"
    assert officer.get(f"/api/disbursements/{batch['id']}").json()["total_fen"] == 0
    assert officer.post(f"{line_url}/include", json={}).status_code == 422
    r = officer.post(f"{line_url}/include", json={"version": v})
    assert r.status_code == 409  # the exclusion moved the batch on
    r = officer.post(f"{line_url}/include", json={"version": v + 1})
    assert r.status_code == 200 and r.json()["status"] == "included"

    seen = officer.get(f"/api/disbursements/{batch['id']}").json()
    r = officer.post(f"/api/disbursements/{batch['id']}/approve", json={"version": seen["version"] - 1})
    assert r.status_code == 409  # approving a list that changed since it was read
    r = officer.post(f"/api/disbursements/{batch['id']}/approve", json={"version": seen["version"]})
    approved = r.json()
    assert r.status_code == 200 and approved["status"] == "approved"
    r = officer.post(f"/api/disbursements/{batch['id']}/pay", json={"payment_reference": "", "version": 1})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "payment_reference"
    r = officer.post(f"/api/disbursements/{batch['id']}/pay",
                     json={"payment_reference": "GK-2026-0001", "version": approved["version"]})
    assert r.status_code == 200 and r.json()["status"] == "paid" and r.json()["payment_reference"] == "GK-2026-0001"

    ledger = officer.get("/api/disbursements/ledger", params={"item_code": XGS}).json()
    assert [(e["enterprise_name"], e["amount_fen"], e["source"]) for e in ledger["items"]] == [
        ("政策测试甲有限公司", 5_000_000, "batch")]
    assert [b["id"] for b in officer.get("/api/disbursements", params={"status": "paid"}).json()["items"]] == [
        batch["id"]]


def test_enterprises_and_other_departments_cannot_handle_batches(client, session, policy_world):
    w = policy_world
    _xgs_matches(session, w)
    batch = api(client, w.officer).post("/api/disbursements", json={"item_code": XGS, "period": "2026"}).json()
    applicant, kjj = api(client, w.applicant), api(client, w.kjj_officer)
    assert applicant.post("/api/disbursements", json={"item_code": XGS, "period": "2026"}).status_code == 403
    assert applicant.get("/api/disbursements").status_code == 403
    assert applicant.get(f"/api/disbursements/{batch['id']}").status_code == 403
    assert applicant.post(f"/api/disbursements/{batch['id']}/approve", json={"version": 1}).status_code == 403
    # an officer of another department does not see the batch at all
    assert kjj.get(f"/api/disbursements/{batch['id']}").status_code == 404
    assert kjj.post(f"/api/disbursements/{batch['id']}/approve", json={"version": 1}).status_code == 404
    assert kjj.post("/api/disbursements", json={"item_code": XGS, "period": "2026"}).status_code == 403
    assert api(client, w.fgw_officer).get(f"/api/disbursements/{batch['id']}").status_code == 200


def test_batch_input_is_checked(client, session, policy_world):
    officer = api(client, policy_world.officer)
    r = officer.post("/api/disbursements", json={"item_code": XGS, "period": "26"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period"
    r = officer.post("/api/disbursements", json={"item_code": "PT-GQ-01", "period": "2026"})
    assert r.status_code == 422 and "不是免申即享" in r.json()["message"]  # an item enterprises apply for
    r = officer.post("/api/disbursements", json={"item_code": "NO-SUCH", "period": "2026"})
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "item_code"
    r = officer.post("/api/disbursements", json={"item_code": XGS, "period": "2026"})
    assert r.status_code == 422 and "没有待兑现的企业" in r.json()["message"]  # nothing matched yet
    assert officer.get("/api/disbursements", params={"status": "nonsense"}).status_code == 422
    assert officer.get("/api/disbursements/99999").status_code == 404


def test_cookie_sessions_need_the_csrf_header_to_write(client, session, policy_world):
    w = policy_world
    _xgs_matches(session, w)
    browser = signed_in(client, w.officer)
    r = browser.post("/api/disbursements", json={"item_code": XGS, "period": "2026"})
    assert r.status_code == 403 and "CSRF" in r.json()["message"]
    token = csrf(browser.get("/policy-admin/batches").text)
    r = browser.post("/api/disbursements", json={"item_code": XGS, "period": "2026"},
                     headers={"X-CSRF-Token": token})
    assert r.status_code == 201


def test_an_enterprise_reads_only_its_own_ledger(client, session, policy_world):
    w = policy_world
    _xgs_matches(session, w)
    officer = api(client, w.officer)
    batch = officer.post("/api/disbursements", json={"item_code": XGS, "period": "2026"}).json()
    batch = officer.post(f"/api/disbursements/{batch['id']}/approve", json={"version": batch["version"]}).json()
    officer.post(f"/api/disbursements/{batch['id']}/pay", json={"payment_reference": "GK-1", "version": batch["version"]})
    mine = api(client, w.applicant).get("/api/disbursements/ledger").json()["items"]
    assert [(e["enterprise_name"], e["amount_fen"]) for e in mine] == [("政策测试甲有限公司", 5_000_000)]
    other = api(client, w.other_applicant)
    assert other.get("/api/disbursements/ledger").json()["items"] == []
    r = other.get("/api/disbursements/ledger", params={"enterprise_id": w.ent("甲").id})
    assert r.status_code == 404


# ---------------------------------------------------------------- the library

def test_library_reading_is_public_and_money_is_in_fen(client, session, policy_world):
    r = client.get("/api/policies", params={"q": "高质量发展"})
    assert r.status_code == 200 and [p["code"] for p in r.json()["items"]] == ["PT-2026-01"]
    detail = client.get("/api/policies/PT-2026-01").json()
    items = {i["code"]: i for i in detail["items"]}
    assert items[XGS]["amount"] == "5万元" and items[XGS]["auto_grant"] is True
    assert items[XGS]["department"] == "FGW" and items[XGS]["department_name"] == "政策测试市发展和改革委员会"
    r = client.get("/api/award-items", params={"auto_grant": "true"})
    assert {i["code"] for i in r.json()["items"]} == {XGS, "PT-WG-01", "PT-SS-01"}
    one = client.get(f"/api/award-items/{XGS}").json()
    assert one["versions"] == [1] and one["rule"] == 'flags has "新升规上" and industry under "C"'
    assert client.get("/api/policies/NO-SUCH").status_code == 404
    assert client.get("/api/award-items/NO-SUCH").status_code == 404
    assert client.get("/api/award-items", params={"status": "nonsense"}).status_code == 422
    assert client.get("/api/policies", params={"level": "区级"}).json()["errors"][0]["field"] == "level"


def _draft(code: str = XGS, **changes) -> dict:
    return {"code": code, "policy": "PT-2026-01", "title": "新规上工业企业奖励", "department": "FGW",
            "rule": 'flags has "新升规上" and industry under "C"', "amount": "5万元", "auto_grant": True,
            "tests": [{"name": "新升规上的制造业企业", "as_of": "2026-06-30",
                       "profile": {"industry": "C3011", "flags": ["新升规上"]}, "eligible": True, "amount": "5万元"}]
            } | changes


def test_draft_edit_names_the_rule_position_and_publish_runs_the_tests(client, session, policy_world):
    officer = api(client, policy_world.officer)
    r = officer.put(f"/api/award-items/{XGS}/draft", json=_draft(rule='flags has "新升规上" and\n  employes >= 10'))
    assert r.status_code == 422
    messages = " ".join(e["message"] for e in r.json()["errors"])
    assert "第2行第3列" in messages and "employes" in messages
    assert {e.get("field") for e in r.json()["errors"]} & {"rule", f"{XGS}.rule"}
    r = officer.put(f"/api/award-items/{XGS}/draft", json=_draft(amount="-5万元"))
    assert r.status_code == 422 and "负数" in r.text
    r = officer.put(f"/api/award-items/{XGS}/draft", json=_draft(code="PT-OTHER"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code"
    r = officer.put(f"/api/award-items/{XGS}/draft", json=_draft(amount="8万元"))
    assert r.status_code == 200 and (r.json()["version"], r.json()["status"]) == (2, "draft")
    r = officer.post(f"/api/award-items/{XGS}/versions/2/publish", json={"valid_from": "2026-07-01"})
    assert r.status_code == 422 and "测试用例未通过" in r.json()["message"]  # the case still expects 5万元
    fixed = _draft(amount="8万元")
    fixed["tests"][0]["amount"] = "8万元"
    assert officer.put(f"/api/award-items/{XGS}/draft", json=fixed).status_code == 200
    r = officer.post(f"/api/award-items/{XGS}/versions/2/publish", json={"valid_from": "2026-07-01"})
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["amount"] == "8万元"
    report = officer.post(f"/api/award-items/{XGS}/tests").json()
    assert (report["ok"], report["cases"]) == (True, 1)
    assert officer.post(f"/api/award-items/{XGS}/versions").json()["version"] == 3
    # enterprises read but never edit
    applicant = api(client, policy_world.applicant)
    assert applicant.put(f"/api/award-items/{XGS}/draft", json=fixed).status_code == 403
    assert applicant.post(f"/api/award-items/{XGS}/versions/3/publish", json={}).status_code == 404  # drafts hidden
    assert applicant.post("/api/policies/tests").status_code == 403


def test_import_and_export_through_the_api(client, session, policy_world):
    from tests.policies.test_pages import DATA

    officer, applicant = api(client, policy_world.officer), api(client, policy_world.applicant)
    bad = (DATA / "library_bad.yaml").read_bytes()
    r = officer.post("/api/policies/import", files={"file": ("library_bad.yaml", bad, "application/yaml")})
    assert r.status_code == 422 and len(r.json()["errors"]) >= 3
    assert client.get("/api/policies", params={"q": "测试市促进工业经济"}).json()["total"] == 0  # nothing written
    good = (DATA / "library_small.yaml").read_bytes()
    assert applicant.post("/api/policies/import", files={"file": ("l.yaml", good, "application/yaml")}
                          ).status_code == 403
    r = officer.post("/api/policies/import", files={"file": ("library_small.yaml", good, "application/yaml")})
    assert r.status_code == 200 and "TS-XGS-01@1" in r.json()["versions"]
    export = officer.get("/api/policies/export", params={"format": "xlsx"})
    assert export.status_code == 200 and export.content.startswith(b"PK")
    assert applicant.get("/api/policies/export").status_code == 403
    params = {p["name"]: p for p in client.get("/api/policies/parameters").json()}
    assert params["研发起补标准"]["values"] == [{"effective_from": "2026-01-01", "value": 100_000_000},
                                            {"effective_from": "2027-01-01", "value": 50_000_000}]
    groups = {g["code"]: g for g in client.get("/api/policies/groups").json()}
    assert groups["G-ZJ"]["parent"] == "G-KJ"
    r = applicant.post("/api/policies/parameters", json={"name": "新参数", "type": "int"})
    assert r.status_code == 403
    r = officer.post("/api/policies/parameters/新参数/values", json={"effective_from": "2026-01-01", "value": 3})
    assert r.status_code == 404
    assert officer.post("/api/policies/parameters", json={"name": "新参数", "type": "int"}).status_code == 201
    r = officer.post("/api/policies/parameters/新参数/values", json={"effective_from": "2026-01-01", "value": 3})
    assert r.status_code == 200 and r.json()["values"] == [{"effective_from": "2026-01-01", "value": 3}]


# ---------------------------------------------------------------- matching and applying

def test_matching_runs_statistics_and_explanations(client, session, policy_world, tmp_path, monkeypatch):
    import dataclasses

    from onewindow.config import get_settings
    from onewindow.policies.matching import profiles

    settings = dataclasses.replace(get_settings(), profile_snapshot_dir=tmp_path)
    monkeypatch.setattr(profiles, "get_settings", lambda: settings)
    w = policy_world
    officer, applicant, other = api(client, w.officer), api(client, w.applicant), api(client, w.other_applicant)
    assert applicant.post("/api/policy-matches/runs", json={}).status_code == 403
    r = officer.post("/api/policy-matches/runs", json={})
    assert r.status_code == 201 and (r.json()["kind"], r.json()["enterprise_count"]) == ("full", 4)
    r = officer.post("/api/policy-matches/runs", json={"item_code": XGS, "enterprise_ids": [1]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "enterprise_ids"
    assert officer.post("/api/policy-matches/runs", json={"item_code": XGS}).json()["kind"] == "item"
    assert [x["kind"] for x in officer.get("/api/policy-matches/runs").json()] == ["item", "full"]
    stats = {s["item_code"]: s for s in officer.get("/api/policy-matches/statistics").json()}
    assert (stats[XGS]["awarded_count"], stats[XGS]["awarded_total_fen"]) == (1, 5_000_000)
    assert applicant.get("/api/policy-matches/statistics").status_code == 403

    mine = {e["name"]: e["id"] for e in applicant.get("/api/policy-matches/enterprises").json()}
    assert set(mine) == {"政策测试甲有限公司", "政策测试乙有限公司"}
    jia = mine["政策测试甲有限公司"]
    matches = {m["item_code"]: m for m in applicant.get("/api/policy-matches", params={"enterprise_id": jia}).json()}
    assert matches[XGS]["awarded_amount_fen"] == 5_000_000 and matches[XGS]["auto_grant"] is True
    yi = {m["item_code"]: m for m in applicant.get("/api/policy-matches",
                                                    params={"enterprise_id": mine["政策测试乙有限公司"]}).json()}
    assert (yi["PT-ZJ-02"]["outcome"], yi["PT-ZJ-02"]["superseded_by"]) == ("superseded", "PT-ZJ-01")
    ex = {i["code"]: i for i in applicant.get("/api/policy-matches/explanation",
                                              params={"enterprise_id": jia}).json()["items"]}
    failed = ex["PT-ZJ-02"]["conditions"][0]
    assert failed["outcome"] == "failed" and "省级专精特新中小企业" in failed["required"] and failed["actual"]
    assert ex["PT-WG-01"]["status"] == "undetermined" and ex["PT-WG-01"]["missing"][0]["field"] == "layoffs"
    # another enterprise's matches and explanations do not exist for this account
    assert other.get("/api/policy-matches", params={"enterprise_id": jia}).status_code == 404
    assert other.get("/api/policy-matches/explanation", params={"enterprise_id": jia}).status_code == 404
    assert other.get("/api/policy-matches", params={"enterprise_id": 0}).status_code == 422
    assert applicant.get("/api/policy-matches/explanation",
                         params={"enterprise_id": jia, "as_of": "1900-01-01"}).status_code == 422


def test_applying_for_an_award_through_the_api(client, session, policy_world):
    w = policy_world
    add_match(session, w, "甲", "PT-GQ-01", 10_000_000)
    session.commit()
    applicant = api(client, w.applicant)
    body = {"enterprise_id": w.ent("甲").id}
    r = applicant.post("/api/award-items/PT-GQ-01/applications", json=body, headers={"Idempotency-Key": "award-key-1"})
    assert r.status_code == 201, r.text
    assert r.json()["award"]["amount_fen"] == 10_000_000 and r.json()["status"] == "draft"
    again = applicant.post("/api/award-items/PT-GQ-01/applications", json=body,
                           headers={"Idempotency-Key": "award-key-1"})
    assert again.json()["application_id"] == r.json()["application_id"]
    assert applicant.get(f"/api/applications/{r.json()['application_id']}").status_code == 200
    r = applicant.post(f"/api/award-items/{XGS}/applications", json=body)
    assert r.status_code == 422 and "免申即享" in r.json()["message"]
    r = api(client, w.other_applicant).post("/api/award-items/PT-GQ-01/applications", json=body)
    assert r.status_code == 404


def test_an_assistant_applies_for_an_award_only_with_an_authorisation(client, session, policy_world):
    w = policy_world
    add_match(session, w, "甲", "PT-GQ-01", 10_000_000)
    helper = add_user(session, Role.assistant, "pol_api_helper")
    session.commit()
    assistant = api(client, helper)
    for name in ("丙", "甲"):
        r = assistant.post("/api/award-items/PT-GQ-01/applications", json={"enterprise_id": w.ent(name).id})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "authorisation.reference"
        assert w.ent(name).name not in r.text and "高新技术企业" not in r.text
    r = assistant.post("/api/award-items/PT-GQ-01/applications",
                       json={"enterprise_id": w.ent("甲").id, "authorisation": {"reference": "SQ-2026-0008"}})
    assert r.status_code == 201, r.text
    assert r.json()["award"]["amount_fen"] == 10_000_000


def test_the_batch_list_reads_the_item_versions_in_one_query(client, connection, session, policy_world):
    w = policy_world
    _xgs_matches(session, w)
    add_match(session, w, "丙", "PT-WG-01", 720_000)
    session.commit()
    officer = api(client, w.officer)
    for code in (XGS, "PT-WG-01"):
        assert officer.post("/api/disbursements", json={"item_code": code, "period": "2026"}).status_code == 201
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if "award_items" in statement:
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        r = officer.get("/api/disbursements")
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert r.status_code == 200
    assert sorted(b["item_title"] for b in r.json()["items"]) == ["新规上工业企业奖励", "稳岗返还"]
    assert len(seen) == 1, seen


def test_a_cancelled_batch_frees_its_enterprises_for_the_next(client, session, policy_world):
    _xgs_matches(session, policy_world)
    officer = api(client, policy_world.officer)
    first = officer.post("/api/disbursements", json={"item_code": XGS, "period": "2026"}).json()
    r = officer.post(f"/api/disbursements/{first['id']}/cancel", json={"reason": "", "version": first["version"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = officer.post(f"/api/disbursements/{first['id']}/cancel", json={"reason": "名单有误，重新生成"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "version"
    r = officer.post(f"/api/disbursements/{first['id']}/cancel",
                     json={"reason": "名单有误，重新生成", "version": first["version"] + 1})
    assert r.status_code == 409
    r = officer.post(f"/api/disbursements/{first['id']}/cancel",
                     json={"reason": "名单有误，重新生成", "version": first["version"]})
    assert r.status_code == 200 and r.json()["status_label"] == "已作废"
    second = officer.post("/api/disbursements", json={"item_code": XGS, "period": "2026"}).json()
    assert second["id"] != first["id"] and second["sequence"] == 2 and second["total_fen"] == 5_000_000
    r = officer.post(f"/api/disbursements/{first['id']}/approve", json={"version": r.json()["version"]})
    assert r.status_code == 409  # a cancelled batch is never approved
