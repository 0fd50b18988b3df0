"""Issuing, verification (by code and by file), tampering, revocation, templates, access."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from sqlalchemy import select, text, update

from onewindow.common.errors import Forbidden, NotFound, ValidationFailed
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.licences import service, signing
from onewindow.licences.templates import template_for
from onewindow.sharing.models import Licence
from tests.licences.conftest import OTHER_ID, OTHER_USCC, PERSON_ID, USCC, department_id, issue, link


def _actor(user) -> Principal:
    return Principal(user_id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                     department_id=user.department_id)


def _set(session, lic: Licence, **values) -> None:
    """Change columns behind the application's back, as someone with table rights could."""
    session.execute(update(Licence).where(Licence.id == lic.id).values(**values)
                    .execution_options(synchronize_session=False))
    session.expire_all()


def _flip(text_value: str, index: int) -> str | None:
    """The text with one bit of its index-th UTF-8 byte flipped, or None when that is not valid UTF-8."""
    raw = bytearray(text_value.encode("utf-8"))
    raw[index] ^= 0x01
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


# ---- issuing ------------------------------------------------------------------------------------

def test_issue_signs_the_canonical_payload_and_verifies(session, holders):
    lic = issue(session, valid_until=date(2030, 3, 13))
    assert lic.code == "DZZZ20250314000001"
    assert lic.algorithm == "SM2-SM3" and lic.key_id == signing.current_key().key_id
    signed = json.loads(lic.payload)
    assert signed == {
        "code": lic.code, "licence_type": "营业执照",
        "holder": {"kind": "enterprise", "key": USCC, "name": "示范市证照测试有限公司"},
        "issuer": {"department_id": department_id(session), "name": "测试市市场监督管理局"},
        "case_code": None, "item_code": "T-SCJG-0001", "issued_on": "2025-03-14", "valid_until": "2030-03-13",
        "data": lic.data,
    }
    assert lic.payload == json.dumps(signed, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    public = signing.load_public_key(signing.current_key().public_key_pem)
    assert signing.verify(public, lic.signature, lic.payload.encode("utf-8"))

    result = service.verify(session, code=lic.code)
    assert (result.status, result.label, result.licence.id) == ("valid", "有效", lic.id)
    assert "SM2" in result.message
    rec = session.scalar(select(AuditRecord).where(AuditRecord.action == "licence.issue",
                                                   AuditRecord.entity_id == lic.code))
    assert rec is not None and PERSON_ID not in (rec.after or "")


def test_codes_are_serial_per_day(session, holders):
    a = issue(session)
    b = issue(session, licence_type="食品经营许可证")
    c = issue(session, issued_on=date(2025, 3, 15))
    assert (a.code, b.code, c.code) == ("DZZZ20250314000001", "DZZZ20250314000002", "DZZZ20250315000001")


def test_a_serial_taken_by_a_concurrent_issue_is_skipped(session, holders, monkeypatch):
    """Two processes may compute the same next serial; the unique index refuses the second insert and the
    loser takes the next serial (inside a savepoint, so its transaction goes on)."""
    first = issue(session)
    real, calls = service._next_code, []

    def stale(session_, issued_on):
        calls.append(issued_on)
        return first.code if len(calls) == 1 else real(session_, issued_on)

    monkeypatch.setattr(service, "_next_code", stale)
    second = issue(session, licence_type="食品经营许可证")
    assert second.code == "DZZZ20250314000002" and len(calls) == 2
    assert service.verify(session, code=second.code).status == "valid"
    assert service.verify(session, code=first.code).status == "valid"


def test_a_retry_for_the_same_case_returns_the_same_licence(session, holders):
    first = issue(session, case_code="AJ-0001")
    again = issue(session, case_code="AJ-0001")
    assert again.id == first.id
    assert session.scalar(select(Licence.id).where(Licence.case_code == "AJ-0001").offset(1)) is None


def test_person_holder_and_no_department(session, holders):
    lic = issue(session, holder_kind="person", holder_key=PERSON_ID.lower(), holder_name="李证照",
                licence_type="就业登记证明", department=None, data={"姓名": "李证照"})
    assert lic.holder_key == PERSON_ID and json.loads(lic.payload)["issuer"] is None
    assert service.verify(session, code=lic.code).status == "valid"
    assert service.masked_holder(lic) == "李**" and service.masked_holder_key(lic) != PERSON_ID


@pytest.mark.parametrize(("change", "field"), [
    ({"holder_kind": "company"}, "holder_kind"),
    ({"holder_key": "ABC"}, "holder_key"),
    ({"holder_name": "  "}, "holder_name"),
    ({"licence_type": ""}, "licence_type"),
    ({"valid_until": date(2020, 1, 1)}, "valid_until"),
    ({"data": {"x": float("nan")}}, "data"),
    ({"issuer_department_id": 999999}, "issuer_department_id"),
])
def test_bad_input_is_refused_naming_the_field(session, holders, change, field):
    args = dict(licence_type="营业执照", holder_kind="enterprise", holder_key=USCC, holder_name="示范市证照测试有限公司",
                data={}, issuer_department_id=None, case_code=None, item_code=None, issued_on=date(2025, 3, 14))
    args.update(change)
    with pytest.raises(ValidationFailed) as err:
        service.issue(session, actor=Principal(None, "system", "系统", Role.admin), **args)
    assert err.value.details[0].field == field


def test_applicants_cannot_issue(session, holders, user_factory):
    user = user_factory(Role.applicant)
    with pytest.raises(Forbidden):
        issue(session, actor=_actor(user))


# ---- tampering ----------------------------------------------------------------------------------

def test_every_changed_byte_of_the_stored_payload_is_caught(session, holders):
    lic = issue(session)
    original = lic.payload
    checked = 0
    for i in range(len(original.encode("utf-8"))):
        changed = _flip(original, i)
        if changed is None:
            continue
        _set(session, lic, payload=changed)
        result = service.verify(session, code=lic.code)
        assert result.status == "altered", (i, changed)
        checked += 1
    assert checked > 200
    _set(session, lic, payload=original)
    assert service.verify(session, code=lic.code).status == "valid"


def test_every_changed_byte_of_the_signature_is_caught(session, holders):
    lic = issue(session)
    original = lic.signature
    for i in range(len(original)):
        changed = _flip(original, i)
        _set(session, lic, signature=changed)
        assert service.verify(session, code=lic.code).status == "altered", i
    raw = bytearray(base64.b64decode(original))
    for i in (0, 5, len(raw) // 2, len(raw) - 1):
        flipped = bytearray(raw)
        flipped[i] ^= 0x80
        _set(session, lic, signature=base64.b64encode(bytes(flipped)).decode())
        assert service.verify(session, code=lic.code).status == "altered", i


@pytest.mark.parametrize("values", [
    {"holder_name": "示范市证照测试有限公同"},
    {"holder_key": OTHER_USCC},
    {"holder_kind": "person"},
    {"licence_type": "营业执照 "},
    {"issued_on": date(2025, 3, 15)},
    {"valid_until": date(2099, 1, 1)},
    {"data": {"名称": "示范市证照测试有限公司", "统一社会信用代码": USCC, "注册资本": "1000万元",
              "法定代表人身份证号": PERSON_ID, "经营范围": "日用百货销售"}},
    {"data": {}},
    {"case_code": "AJ-9999"},
    {"item_code": "T-SCJG-0002"},
    {"issuer_department_id": None},
    {"algorithm": "SM2-SM4"},
    {"key_id": "0" * 64},
    {"status": "valid!"},
])
def test_a_changed_column_is_caught(session, holders, values):
    lic = issue(session)
    _set(session, lic, **values)
    result = service.verify(session, code=lic.code)
    assert result.status == "altered" and result.label == "内容被篡改"


def test_a_changed_issuer_department_is_caught(session, holders):
    lic = issue(session)
    _set(session, lic, issuer_department_id=department_id(session, "GAJ"))
    assert service.verify(session, code=lic.code).status == "altered"


def test_a_changed_code_is_caught(session, holders):
    lic = issue(session)
    _set(session, lic, code="DZZZ20250314000009")
    assert service.verify(session, code="DZZZ20250314000001").status == "unknown"
    assert service.verify(session, code="DZZZ20250314000009").status == "altered"


def test_a_replaced_public_key_is_caught(session, holders, tmp_path, monkeypatch):
    lic = issue(session)
    monkeypatch.setenv(signing.KEY_FILE_ENV, str(tmp_path / "other.pem"))
    other = signing.current_key()
    session.execute(text("UPDATE signing_keys SET public_key_pem = :pem WHERE key_id = :kid"),
                    {"pem": other.public_key_pem, "kid": lic.key_id})
    session.expire_all()
    assert service.verify(session, code=lic.code).status == "altered"


def test_a_renamed_department_does_not_alter_licences_it_issued(session, holders):
    from onewindow.catalog.models import Department

    lic = issue(session)
    session.get(Department, department_id(session)).name = "测试市市场监管局（更名）"
    session.commit()
    assert service.verify(session, code=lic.code).status == "valid"
    assert service.issuer_name(lic) == "测试市市场监督管理局"


@pytest.mark.parametrize("code", ["DZZZ20990101000001", "", "x" * 41, "DZZZ'; DROP TABLE licences;--", "证照"])
def test_unknown_codes(session, holders, code):
    result = service.verify(session, code=code)
    assert (result.status, result.licence) == ("unknown", None) and result.label == "查无此证"


# ---- revocation ---------------------------------------------------------------------------------

def test_revoke_is_audited_and_idempotent(session, holders, user_factory):
    lic = issue(session)
    approver = _actor(user_factory(Role.approver, username="appr", department="SCJGJ"))
    service.revoke(session, actor=approver, code=lic.code, reason="告知承诺不实")
    session.commit()
    result = service.verify(session, code=lic.code)
    assert result.status == "revoked" and "告知承诺不实" in result.message
    again = service.revoke(session, actor=approver, code=lic.code, reason="再次撤销")
    assert again.revoke_reason == "告知承诺不实"
    records = session.scalars(select(AuditRecord).where(AuditRecord.action == "licence.revoke")).all()
    assert len(records) == 1 and records[0].actor_name == "appr"
    assert service.verify_document(session, content=service.document(lic)).status == "revoked"


def test_revoke_rules(session, holders, user_factory):
    lic = issue(session)
    applicant = _actor(user_factory(Role.applicant))
    other_dept = _actor(user_factory(Role.approver, username="gaj", department="GAJ"))
    admin = _actor(user_factory(Role.admin))
    with pytest.raises(Forbidden):
        service.revoke(session, actor=applicant, code=lic.code, reason="x")
    with pytest.raises(Forbidden):
        service.revoke(session, actor=other_dept, code=lic.code, reason="x")
    with pytest.raises(ValidationFailed):
        service.revoke(session, actor=admin, code=lic.code, reason="  ")
    with pytest.raises(NotFound):
        service.revoke(session, actor=admin, code="DZZZ20990101000001", reason="x")
    assert service.revoke(session, actor=admin, code=lic.code, reason="依法撤销").status == "revoked"


# ---- the downloadable file ----------------------------------------------------------------------

def test_document_verifies_and_any_changed_byte_is_caught(session, holders):
    lic = issue(session)
    content = service.document(lic)
    fields = json.loads(content)
    assert fields["payload"] == lic.payload and fields["algorithm"] == "SM2-SM3"
    assert service.verify_document(session, content=content).status == "valid"
    for i in range(len(content)):
        changed = bytearray(content)
        changed[i] ^= 0x01
        result = service.verify_document(session, content=bytes(changed))
        assert result.status == "altered", (i, bytes(changed[max(0, i - 10):i + 10]))
    for extra in (content + b" ", content[:-1], b"\xef\xbb\xbf" + content, content.replace(b"\n", b"\r\n")):
        assert service.verify_document(session, content=extra).status == "altered"


def test_document_of_a_licence_missing_from_the_registry_is_unknown(session, holders):
    lic = issue(session)
    content = service.document(lic)
    session.execute(text("DELETE FROM licences WHERE id = :id"), {"id": lic.id})
    session.expire_all()
    assert service.verify_document(session, content=content).status == "unknown"


def test_document_checked_against_a_tampered_registry_is_altered(session, holders):
    lic = issue(session)
    content = service.document(lic)
    _set(session, lic, holder_name="别人")
    assert service.verify_document(session, content=content).status == "altered"


def test_garbage_files_are_altered_not_errors(session, holders):
    for content in (b"", b"{}", b"[1,2]", b"\xff\xfe", b'{"format":"onewindow-licence/1"}', b"null"):
        assert service.verify_document(session, content=content).status == "altered"
    with pytest.raises(ValidationFailed):
        service.verify_document(session, content=b" " * (service.MAX_DOCUMENT_BYTES + 1))


# ---- holders and readers ------------------------------------------------------------------------

def test_wallet_holds_own_and_represented_enterprises_licences(session, holders, user_factory):
    mine_ent = issue(session)
    mine_person = issue(session, holder_kind="person", holder_key=PERSON_ID, holder_name="李证照",
                        licence_type="就业登记证明", data={"姓名": "李证照"})
    issue(session, holder_key=OTHER_USCC, holder_name="示范市别家有限公司")
    issue(session, holder_kind="person", holder_key=OTHER_ID, holder_name="王他人", licence_type="就业登记证明")
    user = user_factory(Role.applicant, username="li_zz")
    link(session, user, enterprise=USCC, person=PERSON_ID)
    codes = {lic.code for lic in service.wallet(session, actor=_actor(user))}
    assert codes == {mine_ent.code, mine_person.code}
    assert service.wallet(session, actor=_actor(user_factory(Role.applicant, username="nobody"))) == []


def test_only_holders_and_staff_read_a_licence(session, holders, user_factory):
    lic = issue(session)
    holder = user_factory(Role.applicant, username="holder")
    link(session, holder, enterprise=USCC)
    stranger = user_factory(Role.applicant, username="stranger")
    link(session, stranger, enterprise=OTHER_USCC)
    assert service.get_for_actor(session, actor=_actor(holder), code=lic.code).id == lic.id
    with pytest.raises(NotFound):
        service.get_for_actor(session, actor=_actor(stranger), code=lic.code)
    with pytest.raises(NotFound):
        service.get_for_actor(session, actor=_actor(user_factory(Role.assistant)), code=lic.code)
    for role in (Role.clerk, Role.supervisor, Role.inspector):
        kw = {"department": "SCJGJ"} if role == Role.inspector else {}
        assert service.get_for_actor(session, actor=_actor(user_factory(role, **kw)), code=lic.code).id == lic.id


def test_field_rows_follow_the_template_and_mask_numbers(session, holders):
    lic = issue(session, data={"经营范围": "日用百货", "名称": "示范市证照测试有限公司", "法定代表人身份证号": PERSON_ID,
                               "contact_phone": "13800138000", "附注": "无"})
    rows = service.field_rows(lic)
    labels = [label for label, _ in rows]
    assert labels.index("名称") < labels.index("经营范围") < labels.index("附注")
    values = dict(rows)
    assert values["法定代表人身份证号"] != PERSON_ID and values["法定代表人身份证号"].endswith(PERSON_ID[-4:])
    assert values["联系电话"] == "138****8000"


# ---- templates and QR ---------------------------------------------------------------------------

def test_templates():
    licence = template_for(result_type="证照", result_name="营业执照")
    assert licence.licence_type == "营业执照" and licence.valid_years is None
    assert [f.label for f in licence.fields] == ["名称", "统一社会信用代码", "类型", "法定代表人", "注册资本",
                                                 "成立日期", "住所", "经营范围"]
    food = template_for(result_type="证照", result_name="食品经营许可证")
    assert food.valid_years == 5 and food.valid_until(date(2024, 3, 1)) == date(2029, 2, 28)
    assert food.valid_until(date(2024, 2, 29)) == date(2029, 2, 28)
    assert template_for(result_type="证照", result_name="个体工商户营业执照").licence_type == "个体工商户营业执照"
    generic = template_for(result_type="证照", result_name="林木采伐许可证")
    assert generic.licence_type == "林木采伐许可证" and "办理事项" in [f.label for f in generic.fields]
    assert template_for(result_type="批文", result_name="可行性研究报告批复") is not None
    assert template_for(result_type="其他", result_name="参保登记回执").licence_type == "参保登记回执"
    assert template_for(result_type="其他", result_name="发票票种核定通知") is None
    assert template_for(result_type="其他", result_name="发票") is None
    assert template_for(result_type="其他", result_name="") is None


def test_qr_svg_is_inline_markup():
    svg = service.qr_svg("http://testserver/verify/DZZZ20250314000001")
    assert svg.startswith("<svg") and "<path" in svg and "扫码核验电子证照" in svg
    assert "<?xml" not in svg
