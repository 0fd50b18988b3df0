"""The shared-data registries' public API: who an application may be for, prefill and verification from
the enterprise, population and e-licence registries, credit records, and the log of every read.

Reads are logged in `shared_data_reads` (who, for which application, which attributes, why) with the
subject's key masked. Applicants may read only their own subjects (the enterprises they act for and
their own population record); staff may read any.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onewindow.common import audit
from onewindow.common import time as beijing
from onewindow.common.errors import Conflict, ErrorCollector, Forbidden, NotFound, ValidationFailed
from onewindow.common.ids import id_number_problem, new_uscc, uscc_problem
from onewindow.common.masking import mask_id_number
from onewindow.common.pagination import Page, paginate
from onewindow.common.roles import AUDIT_READERS, Role
from onewindow.common.security import Principal
from onewindow.db import utcnow
from onewindow.sharing import attributes as A
from onewindow.sharing.licence_store import last_licence_code as last_licence_code
from onewindow.sharing.licence_store import licence_by_code as licence_by_code
from onewindow.sharing.licence_store import licences_held as licences_held
from onewindow.sharing.licence_store import revoke_licence as revoke_licence
from onewindow.sharing.licence_store import store_licence as store_licence
from onewindow.sharing.licence_store import valid_licence_for_case as valid_licence_for_case
from onewindow.sharing.models import (
    CreditRecord,
    Enterprise,
    EnterpriseMember,
    Licence,
    Person,
    SharedDataRead,
)

STAFF_READERS = frozenset({Role.clerk, Role.approver, Role.inspector, Role.supervisor, Role.admin})
CREDIT_RECORDERS = STAFF_READERS
READ_LOG_READERS = AUDIT_READERS
SEVERITIES = ("一般", "严重")
ACTIVE_STATUS = "存续"
KIND_LABELS = {A.ENTERPRISE: "企业", A.PERSON: "个人"}


@dataclass(frozen=True)
class Subject:
    """Who an application is for."""

    kind: str  # "enterprise" | "person"
    key: str  # USCC or ID number
    name: str


@dataclass(frozen=True)
class Check:
    """One condition verified against a registry, with the reason in Chinese."""

    name: str
    passed: bool
    detail: str


# ---- keys, purposes, authorisation and the read log -------------------------------------------

def check_subject_key(*, kind: str, key: str, field: str = "subject_key") -> str:
    """The key normalised (trimmed, upper case) once its GB 32100 / GB 11643 check digit holds."""
    if kind not in A.SUBJECT_KINDS:
        raise ValidationFailed.one("主体类型须为 enterprise（企业）或 person（个人）", field="subject_kind")
    value = (key or "").strip().upper() if isinstance(key, str) else ""
    problem = uscc_problem(value) if kind == A.ENTERPRISE else id_number_problem(value)
    if problem:
        raise ValidationFailed.one(problem, field=field)
    return value


def _purpose(purpose: str) -> str:
    text = (purpose or "").strip()
    if not text:
        raise ValidationFailed.one("调用共享数据须说明用途", field="purpose")
    return text[:200]


def _owns(session: Session, actor: Principal, kind: str, key: str) -> bool:
    if actor.user_id is None:
        return False
    if kind == A.ENTERPRISE:
        stmt = (select(EnterpriseMember.id).join(Enterprise, Enterprise.id == EnterpriseMember.enterprise_id)
                .where(EnterpriseMember.user_id == actor.user_id, Enterprise.uscc == key))
    else:
        stmt = select(Person.id).where(Person.user_id == actor.user_id, Person.id_number == key)
    return session.scalar(stmt.limit(1)) is not None


def _authorise(session: Session, actor: Principal, kind: str, key: str) -> None:
    if actor.role == Role.applicant and not _owns(session, actor, kind, key):
        raise Forbidden("只能查询本人或本人所代表企业的共享数据")


def _log(session: Session, *, actor: Principal, application_id: int | None, registry: str, key: str,
         fields: Iterable[str], purpose: str) -> None:
    session.add(SharedDataRead(
        actor_id=actor.user_id, actor_name=actor.username, actor_role=str(actor.role),
        application_id=application_id, registry_kind=registry, subject=mask_id_number(key),
        fields=list(dict.fromkeys(fields)), purpose=purpose,
    ))


def _enterprise(session: Session, uscc: str) -> Enterprise | None:
    return session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))


def _person(session: Session, id_number: str) -> Person | None:
    return session.scalar(select(Person).where(Person.id_number == id_number))


# ---- subjects ---------------------------------------------------------------------------------

def subjects_for(session: Session, *, actor: Principal) -> list[Subject]:
    """The enterprises the account acts for, then the account holder's own population record."""
    if actor.user_id is None:
        return []
    enterprises = session.scalars(
        select(Enterprise).join(EnterpriseMember, EnterpriseMember.enterprise_id == Enterprise.id)
        .where(EnterpriseMember.user_id == actor.user_id).order_by(Enterprise.name)
    )
    out = [Subject(A.ENTERPRISE, e.uscc, e.name) for e in enterprises]
    person = session.scalar(select(Person).where(Person.user_id == actor.user_id))
    if person is not None:
        out.append(Subject(A.PERSON, person.id_number, person.name))
    return out


def find_subject(session: Session, *, actor: Principal, kind: str, key: str, application_id: int | None,
                 purpose: str) -> Subject | None:
    """The registry entry for a key (its name), or None when the registry has no such subject."""
    key = check_subject_key(kind=kind, key=key)
    purpose = _purpose(purpose)
    _authorise(session, actor, kind, key)
    row = _enterprise(session, key) if kind == A.ENTERPRISE else _person(session, key)
    _log(session, actor=actor, application_id=application_id, registry=kind, key=key, fields=[f"{kind}.name"],
         purpose=purpose)
    return None if row is None else Subject(kind, key, row.name)


# ---- prefill ----------------------------------------------------------------------------------

def prefill(session: Session, *, actor: Principal, application_id: int | None, subject_kind: str, subject_key: str,
            sources: dict[str, str], purpose: str) -> dict[str, object]:
    """Form values from the registries: {field key: JSON-safe value} for the attributes held for the subject.

    An enterprise's person.* attributes come from its legal person's population record; a person has no
    enterprise.* attributes. `licence:<证照名>` gives the code of the subject's valid licence of that type.
    One read-log row per registry touched, listing the attributes read.
    """
    key = check_subject_key(kind=subject_kind, key=subject_key)
    purpose = _purpose(purpose)
    _authorise(session, actor, subject_kind, key)
    wanted: dict[str, dict[str, str]] = {A.ENTERPRISE: {}, A.PERSON: {}, A.LICENCE: {}}  # registry -> field -> attr
    for field_key, source in (sources or {}).items():
        parsed = A.parse_source(source) if isinstance(source, str) else None
        if parsed is not None:
            wanted[parsed[0]][field_key] = parsed[1]
    if subject_kind == A.PERSON:
        wanted[A.ENTERPRISE] = {}  # a person has no enterprise registration

    values: dict[str, object] = {}
    log = {"actor": actor, "application_id": application_id, "purpose": purpose}
    person_key = key if subject_kind == A.PERSON else None
    if subject_kind == A.ENTERPRISE and (wanted[A.ENTERPRISE] or wanted[A.PERSON]):
        enterprise = _enterprise(session, key)
        fields = [f"{A.ENTERPRISE}.{a}" for a in wanted[A.ENTERPRISE].values()]
        if wanted[A.PERSON]:
            fields.append(f"{A.ENTERPRISE}.legal_person_id_number")  # read to follow the link to the person
        _log(session, registry=A.ENTERPRISE, key=key, fields=fields, **log)
        if enterprise is not None:
            _fill(values, enterprise, A.ENTERPRISE, wanted[A.ENTERPRISE])
            person_key = enterprise.legal_person_id_number
    if wanted[A.PERSON] and person_key:
        person = _person(session, person_key)
        _log(session, registry=A.PERSON, key=person_key,
             fields=[f"{A.PERSON}.{a}" for a in wanted[A.PERSON].values()], **log)
        if person is not None:
            _fill(values, person, A.PERSON, wanted[A.PERSON])
    if wanted[A.LICENCE]:
        types = sorted(set(wanted[A.LICENCE].values()))
        codes: dict[str, str] = {}
        for lic in _valid_licences(session, subject_kind, key, types):
            codes.setdefault(lic.licence_type, lic.code)  # the newest of each type
        _log(session, registry=A.LICENCE, key=key, fields=[A.LICENCE_PREFIX + t for t in types], **log)
        for field_key, licence_type in wanted[A.LICENCE].items():
            if licence_type in codes:
                values[field_key] = codes[licence_type]
    return values


def _fill(values: dict[str, object], row, registry: str, wanted: dict[str, str]) -> None:
    for field_key, attribute in wanted.items():
        value = A.read(row, registry, attribute)
        if value is not None:
            values[field_key] = value


# ---- verification -----------------------------------------------------------------------------

def verify_conditions(session: Session, *, actor: Principal, application_id: int | None, subject_kind: str,
                      subject_key: str, purpose: str) -> list[Check]:
    """Registry checks an application's subject must pass: an enterprise is registered and 存续;
    a person is in the population registry."""
    key = check_subject_key(kind=subject_kind, key=subject_key)
    purpose = _purpose(purpose)
    _authorise(session, actor, subject_kind, key)
    if subject_kind == A.PERSON:
        person = _person(session, key)
        _log(session, actor=actor, application_id=application_id, registry=A.PERSON, key=key,
             fields=["person.name", "person.id_number"], purpose=purpose)
        if person is None:
            return [Check("人口库身份核验", False, "人口库中查无此身份证号码")]
        return [Check("人口库身份核验", True, f"人口库中查到{person.name}的户籍信息")]
    enterprise = _enterprise(session, key)
    _log(session, actor=actor, application_id=application_id, registry=A.ENTERPRISE, key=key,
         fields=["enterprise.name", "enterprise.status"], purpose=purpose)
    if enterprise is None:
        return [Check("企业登记信息核验", False, "市场主体登记库中查无此统一社会信用代码"),
                Check("登记状态为存续", False, "查无登记信息，无法核验登记状态")]
    active = enterprise.status == ACTIVE_STATUS
    return [Check("企业登记信息核验", True, f"市场主体登记库中查到{enterprise.name}"),
            Check("登记状态为存续", active, "登记状态：存续" if active
                  else f"登记状态为“{enterprise.status}”，不能以该企业名义办理")]


# ---- e-licences -------------------------------------------------------------------------------

def _valid_licences(session: Session, holder_kind: str, holder_key: str,
                    licence_types: list[str] | None) -> list[Licence]:
    stmt = select(Licence).where(
        Licence.holder_kind == holder_kind, Licence.holder_key == holder_key, Licence.status == "valid",
        or_(Licence.valid_until.is_(None), Licence.valid_until >= beijing.today()),
    )
    if licence_types is not None:
        stmt = stmt.where(Licence.licence_type.in_(licence_types))
    return list(session.scalars(stmt.order_by(Licence.licence_type, Licence.issued_on.desc(), Licence.id.desc())))


def valid_licences(session: Session, *, actor: Principal, application_id: int | None, holder_kind: str,
                   holder_key: str, licence_types: list[str] | None = None) -> list[Licence]:
    """The holder's licences in force (valid, not expired), newest first within each type. Logged when
    they are read for an application or for named types (免证办)."""
    key = check_subject_key(kind=holder_kind, key=holder_key, field="holder_key")
    _authorise(session, actor, holder_kind, key)
    types = None if licence_types is None else sorted({t.strip() for t in licence_types if t and t.strip()})
    if types == []:
        return []
    rows = _valid_licences(session, holder_kind, key, types)
    if types is not None or application_id is not None:
        fields = [A.LICENCE_PREFIX + t for t in types] if types else [A.LICENCE_PREFIX + "全部"]
        _log(session, actor=actor, application_id=application_id, registry=A.LICENCE, key=key, fields=fields,
             purpose="免证办：核验电子证照" if types else "查询有效电子证照")
    return rows


def licence_by_id(session: Session, *, licence_id: int) -> Licence:
    """One licence row by id (whatever its status), for the packages that issue and revoke them."""
    lic = session.get(Licence, licence_id)
    if lic is None:
        raise NotFound(f"电子证照{licence_id}不存在")
    return lic


def licences_for_case(session: Session, *, case_code: str) -> list[Licence]:
    """The licences issued for a case (any status), oldest first."""
    return list(session.scalars(select(Licence).where(Licence.case_code == case_code)
                                .order_by(Licence.issued_on, Licence.id)))


def account_for(session: Session, *, subject_kind: str, subject_key: str) -> int | None:
    """The account linked to a subject in the registries: a person's own account, or an enterprise's
    法定代表人 (else its first member). None when no account is linked."""
    key = _normal(subject_key)
    if subject_kind == A.PERSON:
        return session.scalar(select(Person.user_id).where(Person.id_number == key))
    if subject_kind != A.ENTERPRISE:
        return None
    return session.scalar(
        select(EnterpriseMember.user_id).join(Enterprise, Enterprise.id == EnterpriseMember.enterprise_id)
        .where(Enterprise.uscc == key)
        .order_by((EnterpriseMember.relation != "法定代表人"), EnterpriseMember.id).limit(1)
    )


# ---- enterprise look-up for staff -------------------------------------------------------------

def lookup_enterprise(session: Session, *, actor: Principal, uscc: str, application_id: int | None = None,
                      purpose: str = "查询企业登记信息") -> Enterprise:
    """A staff member reads an enterprise's whole registration (the API masks personal numbers)."""
    actor.require(*STAFF_READERS)
    key = check_subject_key(kind=A.ENTERPRISE, key=uscc, field="uscc")
    enterprise = _enterprise(session, key)
    if enterprise is None:
        raise NotFound(f"市场主体登记库中查无统一社会信用代码{key}")
    _log(session, actor=actor, application_id=application_id, registry=A.ENTERPRISE, key=key,
         fields=A.ALL_ENTERPRISE, purpose=_purpose(purpose))
    return enterprise


# ---- credit -----------------------------------------------------------------------------------

def _normal(key: str) -> str:
    return (key or "").strip().upper()


def has_serious_bad_credit(session: Session, *, subject_kind: str, subject_key: str) -> bool:
    """True while the subject has a 严重 record not yet repaired (信用修复)."""
    return session.scalar(
        select(CreditRecord.id).where(
            CreditRecord.subject_kind == subject_kind, CreditRecord.subject_key == _normal(subject_key),
            CreditRecord.severity == "严重", CreditRecord.repaired_at.is_(None),
        ).limit(1)
    ) is not None


def credit_records(session: Session, *, subject_kind: str, subject_key: str) -> list[CreditRecord]:
    """The subject's records, newest first."""
    return list(session.scalars(
        select(CreditRecord).where(CreditRecord.subject_kind == subject_kind,
                                   CreditRecord.subject_key == _normal(subject_key))
        .order_by(CreditRecord.recorded_at.desc(), CreditRecord.id.desc())
    ))


def enterprise_credit_records(session: Session, *, usccs: Iterable[str] | None = None) -> list[CreditRecord]:
    """Enterprises' credit records in one query (all enterprises' when `usccs` is None), for the grading of
    supervision: not a logged read, the platform's own bookkeeping like the look-ups below."""
    stmt = select(CreditRecord).where(CreditRecord.subject_kind == A.ENTERPRISE)
    if usccs is not None:
        stmt = stmt.where(CreditRecord.subject_key.in_([_normal(k) for k in usccs]))
    return list(session.scalars(stmt.order_by(CreditRecord.id)))


def _credit_snapshot(rec: CreditRecord) -> dict:
    return {"subject_kind": rec.subject_kind, "subject_key": mask_id_number(rec.subject_key),
            "subject_name": rec.subject_name, "severity": rec.severity, "reason": rec.reason,
            "source": rec.source, "reference": rec.reference,
            "repaired_at": rec.repaired_at.isoformat() if rec.repaired_at else None}


def record_credit(session: Session, *, actor: Principal, subject_kind: str, subject_key: str, subject_name: str,
                  severity: str, reason: str, source: str, reference: str | None = None) -> CreditRecord:
    """Enter a dishonesty record (e.g. a false commitment) in the credit registry, audited."""
    actor.require(*CREDIT_RECORDERS)
    key = check_subject_key(kind=subject_kind, key=subject_key)
    errors = ErrorCollector()
    name, why, src = (subject_name or "").strip(), (reason or "").strip(), (source or "").strip()
    ref = (reference or "").strip() or None
    if severity not in SEVERITIES:
        errors.add(f"信用记录等级须为{'/'.join(SEVERITIES)}", field="severity")
    for value, fld, label, limit in ((name, "subject_name", "主体名称", 200), (why, "reason", "失信事由", 5000),
                                     (src, "source", "认定部门", 100)):
        if not value:
            errors.add(f"{label}不能为空", field=fld)
        elif len(value) > limit:
            errors.add(f"{label}不能超过{limit}个字符", field=fld)
    if ref is not None and len(ref) > 64:
        errors.add("关联编号不能超过64个字符", field="reference")
    errors.raise_if_any("信用记录有误")
    rec = CreditRecord(subject_kind=subject_kind, subject_key=key, subject_name=name, severity=severity,
                       reason=why, source=src, reference=ref, recorded_at=utcnow())
    session.add(rec)
    session.flush()
    audit.record(session, actor=actor, action="credit.record", entity_type="credit_record", entity_id=rec.id,
                 after=_credit_snapshot(rec))
    return rec


def repair_credit(session: Session, *, actor: Principal, record_id: int) -> CreditRecord:
    """信用修复: the record stays, marked repaired, and no longer bars the subject."""
    actor.require(*CREDIT_RECORDERS)
    rec = session.get(CreditRecord, record_id)
    if rec is None:
        raise NotFound(f"信用记录{record_id}不存在")
    if rec.repaired_at is not None:
        raise Conflict("该信用记录已完成信用修复")
    before = _credit_snapshot(rec)
    rec.repaired_at = utcnow()
    session.flush()
    audit.record(session, actor=actor, action="credit.repair", entity_type="credit_record", entity_id=rec.id,
                 before=before, after=_credit_snapshot(rec))
    return rec


# ---- the read log -----------------------------------------------------------------------------

def read_log(session: Session, *, actor: Principal, application_id: int | None = None, page: int = 1,
             size: int = 50) -> Page:
    """Every read from the registries, newest first (督查、管理员)."""
    actor.require(*READ_LOG_READERS)
    stmt = select(SharedDataRead).order_by(SharedDataRead.at.desc(), SharedDataRead.id.desc())
    if application_id is not None:
        stmt = stmt.where(SharedDataRead.application_id == application_id)
    return paginate(session, stmt, page=page, per_page=size)


# ---- registration --------------------------------------------------------------------------------

CITY_REGION = "149900"  # 示范市: the registration authority's region when the form names no 6-digit code


def assign_uscc(session: Session, *, entity_type: str, region_code: str = "") -> str:
    """The USCC registration assigns a new enterprise: drawn fresh (check character included) and unique
    in the registry — officers never type it."""
    region = region_code if len(region_code or "") == 6 and region_code.isdigit() else CITY_REGION
    for _ in range(50):
        code = new_uscc(region=region, individual=entity_type == "个体工商户")
        if _enterprise(session, code) is None:
            return code
    raise Conflict("未能分配新的统一社会信用代码，请稍后重试")  # 31**7 codes per region: only when broken

def register_enterprise(session: Session, *, actor: Principal, uscc: str, name: str, entity_type: str,
                        legal_person_name: str, legal_person_id_number: str, address: str, region_code: str,
                        established_on: date, member_user_id: int | None) -> Enterprise:
    """Enter an enterprise that registration has just created (设立登记准予), so later steps and later
    applications read it like any other, and link its legal person's account to it. Registering the
    same USCC again for the same legal person changes nothing; for anyone else it is refused."""
    uscc = check_subject_key(kind=A.ENTERPRISE, key=uscc, field="uscc")
    if not (name or "").strip():
        raise ValidationFailed.one("设立登记须有企业名称", field="enterprise_name")
    existing = _enterprise(session, uscc)
    if existing is not None and existing.legal_person_id_number != legal_person_id_number:
        raise Conflict(f"统一社会信用代码{uscc}已属于{existing.name}")
    enterprise = existing or Enterprise(
        uscc=uscc, name=name.strip()[:200], entity_type=(entity_type or "有限责任公司")[:40], industry_code="",
        registered_capital_fen=0, established_on=established_on, region_code=(region_code or "")[:12],
        address=(address or "")[:300], legal_person_name=(legal_person_name or "")[:64],
        legal_person_id_number=legal_person_id_number, status=ACTIVE_STATUS, insured_employees=0,
        certifications=[])
    if existing is None:
        session.add(enterprise)
        session.flush()
        audit.record(session, actor=actor, action="registry.enterprise.register", entity_type="enterprise",
                     entity_id=uscc, after={"name": enterprise.name, "legal_person": mask_id_number(
                         legal_person_id_number)})
    if member_user_id is not None and session.scalar(select(EnterpriseMember.id).where(
            EnterpriseMember.enterprise_id == enterprise.id, EnterpriseMember.user_id == member_user_id)) is None:
        session.add(EnterpriseMember(enterprise_id=enterprise.id, user_id=member_user_id, relation="法定代表人"))
        session.flush()
    return enterprise


# ---- enterprise look-ups for the packages above ----------------------------------------------------
# Policies keeps enterprise ids in its matches and ledgers; these turn ids into the registry's facts and
# back. They are not logged reads: they serve the platform's own bookkeeping, not a case's subject.

def enterprise_by_id(session: Session, *, enterprise_id: int, for_update: bool = False) -> Enterprise | None:
    """The enterprise's registry row, for reading. ``for_update`` locks the row until the transaction
    ends, so two requests acting for the same enterprise (applying for an award) run one after the other."""
    if for_update:
        return session.scalar(select(Enterprise).where(Enterprise.id == enterprise_id).with_for_update())
    return session.get(Enterprise, enterprise_id)


def enterprise_id(session: Session, *, uscc: str) -> int | None:
    return session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc))


def enterprise_ids(session: Session, *, usccs: Iterable[str]) -> list[int]:
    """The ids of the registered enterprises among these USCCs; unregistered ones are left out."""
    return list(session.scalars(select(Enterprise.id).where(Enterprise.uscc.in_(list(usccs)))))


def enterprise_names(session: Session, *, ids: Iterable[int]) -> dict[int, str]:
    """Registered names by enterprise id; unknown ids are left out."""
    return dict(session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(list(ids)))).all())


def enterprise_facts(session: Session, *, ids: Iterable[int] | None = None) -> list[tuple]:
    """(id, uscc, name, region_code, industry_code, status, tax_credit_grade) of enterprises, by id
    (every registered one when `ids` is None): what supervision grades and draws from."""
    stmt = select(Enterprise.id, Enterprise.uscc, Enterprise.name, Enterprise.region_code, Enterprise.industry_code,
                  Enterprise.status, Enterprise.tax_credit_grade).order_by(Enterprise.id)
    if ids is not None:
        stmt = stmt.where(Enterprise.id.in_(list(ids)))
    return [tuple(r) for r in session.execute(stmt)]


def enterprise_batches(session: Session, *, status: str | None = None, region_prefix: str = "",
                       industry_prefix: str = "", size: int = 20_000) -> Iterator[list[tuple[int, str]]]:
    """(id, uscc) of the registered enterprises matching the filter, in id order, `size` at a time: a
    province's 2,000,000 are read in keyset pages (id > the last one seen), each one indexed query, so a
    caller never holds every row of the registry nor sends an IN list the databases refuse."""
    last = 0
    while True:
        stmt = select(Enterprise.id, Enterprise.uscc).where(Enterprise.id > last).order_by(Enterprise.id).limit(size)
        if status is not None:
            stmt = stmt.where(Enterprise.status == status)
        if region_prefix:
            stmt = stmt.where(Enterprise.region_code.startswith(region_prefix, autoescape=True))
        if industry_prefix:
            stmt = stmt.where(Enterprise.industry_code.startswith(industry_prefix, autoescape=True))
        batch = [tuple(r) for r in session.execute(stmt)]
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def enterprise_ids_by_uscc(session: Session, *, usccs: Iterable[str], size: int = 10_000) -> dict[str, int]:
    """USCC → id for these USCCs (unregistered ones left out), asked `size` at a time."""
    wanted, out = list(dict.fromkeys(usccs)), {}
    for i in range(0, len(wanted), size):
        out.update(session.execute(select(Enterprise.uscc, Enterprise.id)
                                   .where(Enterprise.uscc.in_(wanted[i:i + size]))).all())
    return out


def enterprise_ids_for(session: Session, *, actor: Principal) -> list[int]:
    """The ids of the enterprises the account acts for (法定代表人, 经办人)."""
    if actor.user_id is None:
        return []
    return list(session.scalars(select(EnterpriseMember.enterprise_id).where(EnterpriseMember.user_id == actor.user_id)))


def accounts_for_enterprises(session: Session, *, enterprise_ids: Sequence[int]) -> dict[int, int]:
    """The account to tell about each enterprise, as `account_for` (its 法定代表人's, else its first
    member's) in one query for a whole batch; enterprises without a linked account are left out."""
    if not enterprise_ids:
        return {}
    out: dict[int, int] = {}
    rows = session.execute(select(EnterpriseMember.enterprise_id, EnterpriseMember.user_id)
                           .where(EnterpriseMember.enterprise_id.in_(enterprise_ids))
                           .order_by(EnterpriseMember.enterprise_id, EnterpriseMember.relation != "法定代表人",
                                     EnterpriseMember.id))
    for ent_id, user_id in rows:
        out.setdefault(ent_id, user_id)
    return out
