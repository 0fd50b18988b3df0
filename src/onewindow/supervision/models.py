"""监管 tables: credit records and grades, repairs, inspection lists and inspectors, 双随机 plans and their
picks, inspections (the gate) and their findings, tolerance-list versions, fee-check problems."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onewindow.db import Base, UTCDateTime, utcnow


class CreditEntry(Base):
    """One fact counted in an enterprise's grade that the platform's supervision produced (inspection
    results, penalties, upheld complaints). The registry's own records (failed 告知承诺 post-checks) are
    read from sharing and never copied here. `ref` makes a retried source write one entry."""

    __tablename__ = "sup_credit_entries"
    __table_args__ = (UniqueConstraint("source", "ref", name="uq_sup_credit_entries_source_ref"),
                      Index("ix_sup_credit_entries_enterprise", "enterprise_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    source: Mapped[str] = mapped_column(String(16))  # states.SOURCES
    ref: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))  # states.SEVERITIES: minor / general / serious / good
    reason: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    repaired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditGrade(Base):
    """The enterprise's current grade under the named rule version, and its lists (失信名单, 经营异常名录)."""

    __tablename__ = "sup_credit_grades"
    __table_args__ = (Index("ix_sup_credit_grades_grade", "grade"),)

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), primary_key=True)
    grade: Mapped[str] = mapped_column(String(1))
    score: Mapped[int] = mapped_column(Integer)
    rules_version: Mapped[str] = mapped_column(String(16))
    dishonest: Mapped[bool] = mapped_column(Boolean, default=False)
    abnormal: Mapped[bool] = mapped_column(Boolean, default=False)
    computed_on: Mapped[date] = mapped_column(Date)


class CreditRepair(Base):
    """信用修复: the enterprise applies for one record to be repaired; a supervisor reviews it; granted, the
    record stops counting and the grade is recomputed. `record` is "entry:<id>" or "registry:<id>"."""

    __tablename__ = "sup_credit_repairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    record: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12))  # states.RepairStatus
    reason: Mapped[str] = mapped_column(Text)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CheckMatter(Base):
    """One matter of a department's random-inspection list (随机抽查事项清单)."""

    __tablename__ = "sup_check_matters"
    __table_args__ = (UniqueConstraint("code", name="uq_sup_check_matters_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(Text, default="")
    qualification: Mapped[str] = mapped_column(String(64))  # what an inspector must hold to check it


class Inspector(Base):
    """An inspector of the pool (执法检查人员名录): qualifications held and the enterprises they are tied to."""

    __tablename__ = "sup_inspectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(64))
    badge: Mapped[str] = mapped_column(String(32), unique=True)  # 执法证号: what the published pool names
    qualifications: Mapped[list] = mapped_column(JSON, default=list)
    tied_enterprise_ids: Mapped[list] = mapped_column(JSON, default=list)  # 利害关系: never drawn for them
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Plan(Base):
    """A 双随机 plan: matters, the pool's filter, ratios per grade, then its announcement (the seed's public
    value and the pool's hash fixed before the draw), its draw and its publication."""

    __tablename__ = "sup_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    matter_codes: Mapped[list] = mapped_column(JSON, default=list)
    pool_filter: Mapped[dict] = mapped_column(JSON, default=dict)  # region_prefix, industry_prefix
    ratios: Mapped[dict] = mapped_column(JSON, default=dict)  # grade → share drawn, e.g. {"A": 0.02}
    team_size: Mapped[int] = mapped_column(Integer, default=2)
    status: Mapped[str] = mapped_column(String(12))  # states.PlanStatus
    public_value: Mapped[str | None] = mapped_column(String(200))  # e.g. 上证指数收盘价 of a named day
    pool_hash: Mapped[str | None] = mapped_column(String(64))
    pool_json: Mapped[str | None] = mapped_column(Text, deferred=True)  # the published pool, byte-exact
    seed: Mapped[str | None] = mapped_column(String(64))
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Pick(Base):
    """One enterprise the draw picked, with its team and visit day (the draw's output, in rank order)."""

    __tablename__ = "sup_picks"
    __table_args__ = (UniqueConstraint("plan_id", "enterprise_id", name="uq_sup_picks_plan_enterprise"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sup_plans.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    grade: Mapped[str] = mapped_column(String(1))
    inspector_ids: Mapped[list] = mapped_column(JSON, default=list)
    visit_on: Mapped[date | None] = mapped_column(Date)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("sup_inspections.id"))


class Inspection(Base):
    """One visit to one enterprise (planned, joint or ad hoc). No visit without the business-environment
    office's approval; none on a quiet day unless excepted, with the reason."""

    __tablename__ = "sup_inspections"
    __table_args__ = (Index("ix_sup_inspections_enterprise_day", "enterprise_id", "visit_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    kind: Mapped[str] = mapped_column(String(8))  # planned / joint / adhoc
    department_ids: Mapped[list] = mapped_column(JSON, default=list)  # a joint visit: several
    plan_ids: Mapped[list] = mapped_column(JSON, default=list)
    matter_codes: Mapped[list] = mapped_column(JSON, default=list)
    inspector_ids: Mapped[list] = mapped_column(JSON, default=list)
    visit_on: Mapped[date] = mapped_column(Date)
    exception: Mapped[str | None] = mapped_column(String(12))  # states.EXCEPTIONS (quiet days)
    exception_reason: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12))  # states.InspectionStatus
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(Text)
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 一公开: the visit's results are published within the set working days (supervision.publication)
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    publish_state: Mapped[str] = mapped_column(String(8), default="normal")  # the sweep's 正常/预警/超期
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Finding(Base):
    """The result of one matter at one visit: 合格 / 责令整改 / 立案 / 不予处罚 (citing a tolerance item and the
    list version) / 查无下落 (the enterprise goes on the abnormal list)."""

    __tablename__ = "sup_findings"
    __table_args__ = (UniqueConstraint("inspection_id", "matter_code", name="uq_sup_findings_inspection_matter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("sup_inspections.id"), index=True)
    matter_code: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    result: Mapped[str] = mapped_column(String(12))  # states.RESULTS
    note: Mapped[str] = mapped_column(Text, default="")
    tolerance_list_id: Mapped[int | None] = mapped_column(ForeignKey("sup_tolerance_lists.id"))
    tolerance_item: Mapped[str | None] = mapped_column(String(16))
    rectification_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_items.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ToleranceList(Base):
    """One version of a department's 首违不罚 / 轻微违法不罚 list; items (no, conduct, basis, conditions)
    are kept whole per version, so any two versions diff field by field."""

    __tablename__ = "sup_tolerance_lists"
    __table_args__ = (UniqueConstraint("code", "version_no", name="uq_sup_tolerance_lists_code_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # first / minor
    title: Mapped[str] = mapped_column(String(200))
    version_no: Mapped[int] = mapped_column(Integer)
    items: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12))  # draft / published / superseded
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class FeeProblem(Base):
    """A 涉企收费 problem on the list: its lead, responsible unit, refund owed (fen), closed (销号) with evidence."""

    __tablename__ = "sup_fee_problems"
    __table_args__ = (UniqueConstraint("lead_kind", "lead_ref", name="uq_sup_fee_problems_lead"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_kind: Mapped[str] = mapped_column(String(12))  # demand / inspection / hotline
    lead_ref: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    refund_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    found_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # states.FeeStatus
    evidence: Mapped[str | None] = mapped_column(Text)
    evidence_filename: Mapped[str | None] = mapped_column(String(200))  # the 销号 voucher uploaded
    evidence_content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class QuietDays(Base):
    """企业宁静日: the days of each month without inspections (one row; default the 1st to the 20th)."""

    __tablename__ = "sup_quiet_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_day: Mapped[int] = mapped_column(Integer, default=1)
    last_day: Mapped[int] = mapped_column(Integer, default=20)
