"""E-licences (电子证照): issue and sign, verify (by code or by the downloaded file), revoke, the wallet.

The signed payload is canonical JSON of the licence's facts; the registry row keeps those exact bytes,
the SM2 signature and the key id. Verification checks the signature against the registered public
key and that every column still says what the signed payload says, so any changed byte shows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common import audit, qr
from onewindow.common import time as beijing
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.masking import mask_id_number, mask_name, mask_phone
from onewindow.common.roles import DEPARTMENT_ROLES, Role
from onewindow.common.security import Principal
from onewindow.db import utcnow
from onewindow.licences import signing
from onewindow.licences.models import SigningKey
from onewindow.licences.templates import LicenceTemplate, TemplateField, labels_for, template_for
from onewindow.sharing import service as sharing
from onewindow.sharing.service import Licence  # the registry row sharing's calls return

__all__ = ["LicenceTemplate", "TemplateField", "VerificationResult", "document", "document_filename",
           "field_rows", "get_for_actor", "issue", "issuer_name", "masked_holder", "qr_svg", "revoke",
           "template_for", "verify", "verify_document", "wallet"]

HOLDER_KINDS = {"enterprise": "企业", "person": "个人"}
# Issuing is done by the platform on case completion: any staff role or the system, never an applicant.
ISSUERS = frozenset(Role) - {Role.applicant, Role.assistant}
READERS = frozenset({Role.clerk, Role.approver, Role.inspector, Role.supervisor, Role.admin})
REVOKERS = frozenset({Role.approver, Role.inspector, Role.admin})
CODE_PREFIX = "DZZZ"
SERIAL_DIGITS = 6
CODE_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,40}$")
DOCUMENT_FORMAT = "onewindow-licence/1"
DOCUMENT_KEYS = frozenset({"format", "code", "algorithm", "key_id", "payload", "signature"})
MAX_DOCUMENT_BYTES = 1024 * 1024
STATUS_LABELS = {"valid": "有效", "revoked": "已撤销", "altered": "内容被篡改", "unknown": "查无此证"}


@dataclass(frozen=True)
class VerificationResult:
    status: str  # valid | revoked | altered | unknown
    message: str
    licence: Licence | None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def expired(self) -> bool:
        """A genuine licence past its validity date (status stays "valid": the signature holds)."""
        lic = self.licence
        return self.status == "valid" and lic is not None and lic.valid_until is not None \
            and lic.valid_until < beijing.today()


# ---- payload ------------------------------------------------------------------------------------

def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _issuer(department_id: int | None, name: str | None) -> dict | None:
    return None if department_id is None else {"department_id": department_id, "name": name or ""}


def _payload(*, code: str, licence_type: str, holder_kind: str, holder_key: str, holder_name: str,
             issuer: dict | None, case_code: str | None, item_code: str | None, issued_on: date,
             valid_until: date | None, data: dict) -> str:
    return canonical_json({
        "code": code, "licence_type": licence_type,
        "holder": {"kind": holder_kind, "key": holder_key, "name": holder_name},
        "issuer": issuer, "case_code": case_code, "item_code": item_code,
        "issued_on": issued_on.isoformat(), "valid_until": valid_until.isoformat() if valid_until else None,
        "data": data,
    })


def _signed(licence: Licence) -> dict:
    try:
        value = json.loads(licence.payload)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def issuer_name(licence: Licence) -> str:
    """The issuing department as signed (a later renaming does not change a licence already issued)."""
    issuer = _signed(licence).get("issuer")
    return issuer.get("name", "") if isinstance(issuer, dict) else ""


def _columns_match(licence: Licence) -> bool:
    """Rebuild the payload from the columns (issuer name taken from the signed text) and compare."""
    try:
        expected = _payload(
            code=licence.code, licence_type=licence.licence_type, holder_kind=licence.holder_kind,
            holder_key=licence.holder_key, holder_name=licence.holder_name,
            issuer=_issuer(licence.issuer_department_id, issuer_name(licence)), case_code=licence.case_code,
            item_code=licence.item_code, issued_on=licence.issued_on, valid_until=licence.valid_until,
            data=licence.data)
    except (TypeError, ValueError, AttributeError):
        return False
    return expected == licence.payload


def _signature_problem(session: Session, *, algorithm: str, key_id: str, payload: str, signature: str) -> str | None:
    if algorithm != signing.ALGORITHM:
        return f"签名算法“{algorithm}”不是 {signing.ALGORITHM}"
    key = session.get(SigningKey, key_id) if isinstance(key_id, str) and len(key_id) <= 64 else None
    if key is None or key.algorithm != signing.ALGORITHM:
        return "签名密钥未登记"
    public = signing.load_public_key(key.public_key_pem)
    if public is None or signing.key_id_of(public) != key_id:
        return "登记的签名公钥与密钥标识不符"
    if not signing.verify(public, signature, payload.encode("utf-8")):
        return "SM2 签名验证未通过"
    return None


def _integrity_problem(session: Session, licence: Licence) -> str | None:
    problem = _signature_problem(session, algorithm=licence.algorithm, key_id=licence.key_id,
                                 payload=licence.payload, signature=licence.signature)
    if problem:
        return problem
    if not _columns_match(licence):
        return "证照库记录与签名内容不一致"
    return None


# ---- issuing ------------------------------------------------------------------------------------

def _register_key(session: Session) -> signing.SigningKeyPair:
    """The current signing key, its public half registered (insert if absent, safe under concurrency)."""
    pair = signing.current_key()
    row = session.get(SigningKey, pair.key_id)
    if row is None:
        values = {"key_id": pair.key_id, "algorithm": signing.ALGORITHM, "public_key_pem": pair.public_key_pem,
                  "created_at": utcnow()}
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(SigningKey).values(**values).on_conflict_do_nothing(index_elements=["key_id"]))
        row = session.get(SigningKey, pair.key_id)
    if row is not None and row.retired_at is not None:
        raise Conflict("当前证照签名密钥已停用，请由运维人员配置新的签名密钥后再签发")
    return pair


def _normalised_data(data: dict) -> dict:
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ValidationFailed.one("证照内容须为以字段名为键的对象", field="data")
    try:
        return json.loads(json.dumps(data, ensure_ascii=False, allow_nan=False, default=str))
    except ValueError as exc:
        raise ValidationFailed.one("证照内容含有无法保存的数值", field="data") from exc


def _text(value: str | None, *, field: str, label: str, max_len: int, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed.one(f"{label}不能为空", field=field)
        return None
    if len(value) > max_len:
        raise ValidationFailed.one(f"{label}不能超过{max_len}个字符", field=field)
    return value


def _next_code(session: Session, issued_on: date) -> str:
    prefix = f"{CODE_PREFIX}{issued_on:%Y%m%d}"
    last = sharing.last_licence_code(session, prefix=prefix, digits=SERIAL_DIGITS)
    serial = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{serial:0{SERIAL_DIGITS}d}"


def issue(session: Session, *, actor: Principal, licence_type: str, holder_kind: str, holder_key: str,
          holder_name: str, data: dict, issuer_department_id: int | None, case_code: str | None,
          item_code: str | None, issued_on: date, valid_until: date | None = None) -> Licence:
    """Sign and register one licence. A retry for the same case, type and holder returns the licence
    already issued instead of a second one."""
    actor.require(*ISSUERS)
    licence_type = _text(licence_type, field="licence_type", label="证照类型", max_len=100)
    if holder_kind not in HOLDER_KINDS:
        raise ValidationFailed.one("持证主体类型须为 enterprise 或 person", field="holder_kind")
    holder_key = sharing.check_subject_key(kind=holder_kind, key=holder_key, field="holder_key")
    holder_name = _text(holder_name, field="holder_name", label="持证主体名称", max_len=200)
    case_code = _text(case_code, field="case_code", label="办件编号", max_len=40, required=False)
    item_code = _text(item_code, field="item_code", label="事项编码", max_len=40, required=False)
    if valid_until is not None and valid_until < issued_on:
        raise ValidationFailed.one("有效期截止日期不能早于签发日期", field="valid_until")
    data = _normalised_data(data)
    issuer = None
    if issuer_department_id is not None:
        department = catalog.department_by_id(session, department_id=issuer_department_id)
        if department is None:
            raise ValidationFailed.one(f"签发部门{issuer_department_id}不存在", field="issuer_department_id")
        issuer = _issuer(department.id, department.name)

    if case_code:
        existing = sharing.valid_licence_for_case(session, case_code=case_code, licence_type=licence_type,
                                                  holder_kind=holder_kind, holder_key=holder_key)
        if existing is not None:
            return existing

    pair = _register_key(session)
    for _attempt in range(20):
        code = _next_code(session, issued_on)
        payload = _payload(code=code, licence_type=licence_type, holder_kind=holder_kind, holder_key=holder_key,
                           holder_name=holder_name, issuer=issuer, case_code=case_code, item_code=item_code,
                           issued_on=issued_on, valid_until=valid_until, data=data)
        licence = sharing.store_licence(
            session, code=code, licence_type=licence_type, holder_kind=holder_kind, holder_key=holder_key,
            holder_name=holder_name, issuer_department_id=issuer_department_id, case_code=case_code,
            item_code=item_code, issued_on=issued_on, valid_until=valid_until, data=data, payload=payload,
            signature=signing.sign(pair, payload.encode("utf-8")), algorithm=signing.ALGORITHM, key_id=pair.key_id)
        if licence is not None:
            break  # else a concurrent issue took the same serial: take the next one
    else:
        raise Conflict("证照编号分配冲突，请稍后重试")
    audit.record(session, actor=actor, action="licence.issue", entity_type="licence", entity_id=licence.code,
                 after={"licence_type": licence_type, "holder_kind": holder_kind,
                        "holder_key": _masked_key(holder_kind, holder_key), "holder_name": holder_name,
                        "case_code": case_code, "item_code": item_code, "issued_on": issued_on,
                        "valid_until": valid_until, "key_id": pair.key_id})
    return licence


# ---- verification -------------------------------------------------------------------------------

def _by_code(session: Session, code: str) -> Licence | None:
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        return None
    return sharing.licence_by_code(session, code=code.upper())


def _status_of(session: Session, licence: Licence) -> VerificationResult:
    if problem := _integrity_problem(session, licence):
        return VerificationResult("altered", f"证照数据已被篡改（{problem}），请勿采信", licence)
    if licence.status == "revoked":
        reason = f"：{licence.revoke_reason}" if licence.revoke_reason else ""
        return VerificationResult("revoked", f"该证照已被撤销{reason}", licence)
    if licence.status != "valid":
        return VerificationResult("altered", "证照状态异常，请勿采信", licence)
    result = VerificationResult("valid", "证照真实有效：SM2 签名验证通过，内容与签发时一致", licence)
    if result.expired:
        return VerificationResult("valid", f"签名验证通过，但证照已于{licence.valid_until:%Y年%m月%d日}到期",
                                  licence)
    return result


def verify(session: Session, *, code: str) -> VerificationResult:
    licence = _by_code(session, code)
    if licence is None:
        return VerificationResult("unknown", "查无此证：证照库中没有该编号的证照", None)
    return _status_of(session, licence)


def document(licence: Licence) -> bytes:
    """The downloadable licence file: the signed payload, its signature and key, as readable JSON."""
    return _document_bytes({"format": DOCUMENT_FORMAT, "code": licence.code, "algorithm": licence.algorithm,
                            "key_id": licence.key_id, "payload": licence.payload,
                            "signature": licence.signature})


def _document_bytes(fields: dict) -> bytes:
    return (json.dumps(fields, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def document_filename(licence: Licence) -> str:
    return f"{licence.code}.json"


def _parse_document(content: bytes) -> dict | None:
    """The file's fields, only if the file is byte for byte what `document` writes."""
    try:
        fields = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(fields, dict) or set(fields) != DOCUMENT_KEYS \
            or not all(isinstance(v, str) for v in fields.values()) or fields["format"] != DOCUMENT_FORMAT:
        return None
    return fields if _document_bytes(fields) == content else None


def verify_document(session: Session, *, content: bytes) -> VerificationResult:
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed.one("文件过大，不是本平台签发的电子证照文件", field="file")
    altered = "证照文件无法通过校验：格式不符或内容已被改动，请勿采信"
    fields = _parse_document(content)
    if fields is None:
        return VerificationResult("altered", altered, None)
    if problem := _signature_problem(session, algorithm=fields["algorithm"], key_id=fields["key_id"],
                                     payload=fields["payload"], signature=fields["signature"]):
        return VerificationResult("altered", f"证照文件已被改动（{problem}），请勿采信", None)
    signed_code = json.loads(fields["payload"]).get("code")
    if signed_code != fields["code"]:
        return VerificationResult("altered", altered, None)
    licence = _by_code(session, signed_code)
    if licence is None:
        return VerificationResult("unknown", "文件签名有效，但证照库中查无此证", None)
    result = _status_of(session, licence)
    if result.status != "altered" and (licence.payload, licence.signature) != (fields["payload"], fields["signature"]):
        return VerificationResult("altered", "证照文件与证照库记录不一致，请勿采信", licence)
    return result


# ---- revocation ---------------------------------------------------------------------------------

def revoke(session: Session, *, actor: Principal, code: str, reason: str) -> Licence:
    """Revoke once; revoking a revoked licence returns it unchanged (a retry is harmless)."""
    actor.require(*REVOKERS)
    reason = _text(reason, field="reason", label="撤销原因", max_len=2000)
    licence = _by_code(session, code)
    if licence is None:
        raise NotFound(f"证照{code}不存在")
    if actor.role in DEPARTMENT_ROLES and licence.issuer_department_id not in (None, actor.department_id):
        raise Forbidden("只能撤销本部门签发的证照")
    if licence.status == "revoked":
        return licence
    at = utcnow()
    if sharing.revoke_licence(session, licence=licence, reason=reason, at=at):
        audit.record(session, actor=actor, action="licence.revoke", entity_type="licence", entity_id=licence.code,
                     before={"status": "valid"}, after={"status": "revoked", "reason": reason})
    return licence


# ---- holders and readers ------------------------------------------------------------------------

def _subjects(session: Session, actor: Principal) -> list[sharing.Subject]:
    """Whom the account acts for is the registries' decision (sharing.subjects_for)."""
    return sharing.subjects_for(session, actor=actor)


def wallet(session: Session, *, actor: Principal) -> list[Licence]:
    """Licences held by the actor and the enterprises they act for (证照夹), newest first."""
    subjects = _subjects(session, actor)
    if not subjects:
        return []
    return sharing.licences_held(session, holders=[(s.kind, s.key) for s in subjects])


def get_for_actor(session: Session, *, actor: Principal, code: str) -> Licence:
    """The holder's accounts and staff may read a licence; anyone else gets 404, so codes cannot be probed."""
    licence = _by_code(session, code)
    if licence is not None and actor.role not in READERS:
        mine = {(s.kind, s.key) for s in _subjects(session, actor)}
        if (licence.holder_kind, licence.holder_key) not in mine:
            licence = None
    if licence is None:
        raise NotFound(f"证照{code}不存在")
    return licence


# ---- presentation helpers -----------------------------------------------------------------------

def _masked_key(kind: str, key: str) -> str:
    return mask_id_number(key) if kind == "person" else key


def masked_holder(licence: Licence) -> str:
    """The holder's name as a stranger scanning the code sees it: a person's surname, an enterprise's
    name with its middle hidden."""
    name = licence.holder_name or ""
    if licence.holder_kind == "enterprise" and len(name) > 6:
        return name[:2] + "*" * (len(name) - 6) + name[-4:]
    return mask_name(name)


def masked_holder_key(licence: Licence) -> str:
    return _masked_key(licence.holder_kind, licence.holder_key)


ID_NUMBER_KEYS = ("id_number", "身份证", "身份号码")
PHONE_KEYS = ("phone", "电话", "手机")


def _masked_value(key: str, value: Any) -> Any:
    """Data is keyed by field key or by label (案件办结 fills it by label); either way numbers are masked."""
    if isinstance(value, str):
        if any(k in key for k in ID_NUMBER_KEYS):
            return mask_id_number(value)
        if any(k in key for k in PHONE_KEYS):
            return mask_phone(value)
    return value


def masked_data(licence: Licence) -> dict:
    return {k: _masked_value(k, v) for k, v in (licence.data or {}).items()}


def field_rows(licence: Licence) -> list[tuple[str, Any]]:
    """(label, value) for display: template order first, then any other keys; personal numbers masked."""
    labels = labels_for(licence.licence_type)
    rank: dict[str, int] = {}
    for i, (key, label) in enumerate(labels.items()):
        rank.setdefault(key, i)
        rank.setdefault(label, i)
    data = masked_data(licence)
    return [(labels.get(k, k), data[k]) for k in sorted(data, key=lambda k: rank.get(k, len(rank)))]


def qr_svg(url: str) -> str:
    """Inline SVG markup of a QR code for `url` (medium error correction), no XML declaration."""
    return qr.qr_svg(url, title="扫码核验电子证照", svgclass="licence-qr")
