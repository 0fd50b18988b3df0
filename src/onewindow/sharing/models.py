"""Registries shared between departments, and the log of every read from them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onewindow.db import Base, UTCDateTime, utcnow


class Enterprise(Base):
    """Market-entity registration joined with tax and social-insurance facts (企业登记、纳税、参保)."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    name: Mapped[str] = mapped_column(String(200), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))  # 有限责任公司 / 个体工商户 …
    industry_code: Mapped[str] = mapped_column(String(8), index=True)  # GB/T 4754, e.g. C3011
    registered_capital_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    established_on: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    legal_person_name: Mapped[str] = mapped_column(String(64))
    legal_person_id_number: Mapped[str] = mapped_column(String(18), index=True)
    status: Mapped[str] = mapped_column(String(8), default="存续")  # 存续 / 注销 / 吊销
    tax_credit_grade: Mapped[str | None] = mapped_column(String(2))  # A B M C D
    tax_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # last full year
    insured_employees: Mapped[int] = mapped_column(Integer, default=0)
    certifications: Mapped[list] = mapped_column(JSON, default=list)  # 高新技术企业, 专精特新 …
    # Statistics (统计局), social insurance (人社局) and tax figures for the last full year; None means
    # the registry has no figure, which policy rules treat as unknown, not zero.
    revenue_fen: Mapped[int | None] = mapped_column(BigInteger)  # 营业收入
    stats_flags: Mapped[list] = mapped_column(JSON, default=list)  # 规上 / 限上 / 上市 … (profile.FLAGS)
    unemployment_insurance_fen: Mapped[int | None] = mapped_column(BigInteger)  # 失业保险缴费
    layoffs: Mapped[int | None] = mapped_column(Integer)  # 上年度裁员人数
    graduates_hired: Mapped[int | None] = mapped_column(Integer)  # 当年招用高校毕业生
    rd_expense_fen: Mapped[int | None] = mapped_column(BigInteger)  # 研发费用
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Person(Base):
    """Population registry (人口库). `user_id` links a natural person to their own account."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)  # 身份证号
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(2), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    household_registration: Mapped[str] = mapped_column(String(300), default="")
    marital_status: Mapped[str] = mapped_column(String(8), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)


class EnterpriseMember(Base):
    """Which accounts may act for an enterprise (法定代表人, 经办人)."""

    __tablename__ = "enterprise_members"
    __table_args__ = (UniqueConstraint("enterprise_id", "user_id", name="uq_enterprise_members_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16), default="经办人")


class CreditRecord(Base):
    """Credit registry (信用记录): dishonesty records such as a false commitment."""

    __tablename__ = "credit_records"
    __table_args__ = (Index("ix_credit_records_subject", "subject_kind", "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(12))  # enterprise / person
    subject_key: Mapped[str] = mapped_column(String(18))  # USCC or ID number
    subject_name: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(8))  # 一般 / 严重
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(64))  # e.g. the case code
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    repaired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 信用修复


class Licence(Base):
    """E-licence registry (电子证照库). Issuing and signing live in `licences`; the registry is here
    so prefill and 免证办 read it like any other shared data."""

    __tablename__ = "licences"
    __table_args__ = (Index("ix_licences_holder", "holder_kind", "holder_key", "licence_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 证照编号, also in the QR code
    licence_type: Mapped[str] = mapped_column(String(100), index=True)  # matches `licence:<名>` sources
    holder_kind: Mapped[str] = mapped_column(String(12))
    holder_key: Mapped[str] = mapped_column(String(18))
    holder_name: Mapped[str] = mapped_column(String(200))
    issuer_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    case_code: Mapped[str | None] = mapped_column(String(40), index=True)
    item_code: Mapped[str | None] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    payload: Mapped[str] = mapped_column(Text)  # the exact signed bytes (canonical JSON, UTF-8)
    signature: Mapped[str] = mapped_column(Text)  # base64
    algorithm: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="valid")  # valid / revoked
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SharedDataRead(Base):
    """One read from a registry: who, for which application, which fields, why (数据调用日志).
    Application ids are plain integers: sharing sits below cases and does not import it."""

    __tablename__ = "shared_data_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_name: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    application_id: Mapped[int | None] = mapped_column(Integer, index=True)
    registry_kind: Mapped[str] = mapped_column(String(16))  # enterprise / person / licence / credit
    subject: Mapped[str] = mapped_column(String(40))  # masked key
    fields: Mapped[list] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(String(200))
