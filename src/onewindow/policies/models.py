"""The policy library (policies, award items per version, dated parameters, exclusivity groups, test
cases), stored match results, and 免申即享 disbursement batches with the award ledger."""

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
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onewindow.db import Base, UTCDateTime, utcnow


class Policy(Base):
    """A policy document (政策文件). Its award items carry the rules; the document itself is edited in
    place, since nothing is decided on its text."""

    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    doc_number: Mapped[str] = mapped_column(String(100), default="")  # 文号, e.g. 吕政发〔2025〕3号
    title: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(200))  # 发文机关
    level: Mapped[str] = mapped_column(String(8))  # 国家级 / 省级 / 市级 / 县级
    published_on: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    full_text: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")  # jieba-segmented title, text and tags
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AwardItem(Base):
    """One version of an award item (奖补事项). A published version is never edited: a change is a new
    version, so a batch or a match keeps the rule it was computed under."""

    __tablename__ = "award_items"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_award_items_code_version"),
        Index("ix_award_items_status_code_version", "status", "code", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # draft / published / retired
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)  # 兑现责任部门
    tags: Mapped[list] = mapped_column(JSON, default=list)
    rule: Mapped[str] = mapped_column(Text)  # eligibility, in the rule language (rules.py)
    amount: Mapped[dict] = mapped_column(JSON)  # {"fixed": fen} | {"formula": text} | {"stages": [...]}
    exclusive_group: Mapped[str | None] = mapped_column(String(40), index=True)  # direct group code
    budget_fen: Mapped[int | None] = mapped_column(BigInteger)  # 资金上限 over the item's validity
    auto_grant: Mapped[bool] = mapped_column(Boolean, default=False)  # 免申即享
    recurrence: Mapped[str] = mapped_column(String(8), default="once")  # once / yearly
    apply_item_code: Mapped[str | None] = mapped_column(String(40))  # catalogue item used to apply
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")  # 申报条件 and 奖补标准 in prose
    search_text: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PolicyParameter(Base):
    """A named threshold or rate used by rules (``$规上工业营收标准``); its values are dated."""

    __tablename__ = "policy_parameters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    type: Mapped[str] = mapped_column(String(8))  # int / money / date / bool / str / set
    label: Mapped[str] = mapped_column(String(200), default="")


class PolicyParameterValue(Base):
    __tablename__ = "policy_parameter_values"
    __table_args__ = (UniqueConstraint("parameter_id", "effective_from", name="uq_parameter_values_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parameter_id: Mapped[int] = mapped_column(ForeignKey("policy_parameters.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    value: Mapped[object] = mapped_column(JSON)  # money in fen, dates as ISO text, sets as lists


class ExclusivityGroup(Base):
    """每家企业不重复奖，以最高标准为准: of the items in a group (and in its subgroups), an enterprise
    gets only the highest award. Items name their group in ``AwardItem.exclusive_group``."""

    __tablename__ = "exclusivity_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")


class PolicyTestCase(Base):
    """A policy test case: an input profile and the expected eligibility and amount for one award item."""

    __tablename__ = "policy_test_cases"
    __table_args__ = (UniqueConstraint("item_code", "name", name="uq_policy_test_cases_item_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[date] = mapped_column(Date)
    profile: Mapped[dict] = mapped_column(JSON)
    expected_eligible: Mapped[bool] = mapped_column(Boolean)
    expected_amount_fen: Mapped[int | None] = mapped_column(BigInteger)


class ProfileSnapshot(Base):
    """A columnar (Parquet) snapshot of every enterprise profile, built from the sharing registries."""

    __tablename__ = "profile_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(500))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # newest registry change read
    enterprise_count: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # full / incremental


class MatchRun(Base):
    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # full / enterprises / item
    scope: Mapped[str] = mapped_column(Text, default="")  # changed enterprises or item code
    as_of: Mapped[date] = mapped_column(Date)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("profile_snapshots.id"))
    enterprise_count: Mapped[int] = mapped_column(Integer, default=0)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    match_count: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PolicyMatch(Base):
    """An award item an enterprise qualifies for, as of the last run that covered the pair. Only
    eligible pairs are stored; "why not" is explained on demand from the rules."""

    __tablename__ = "policy_matches"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "item_code", name="uq_policy_matches_enterprise_item"),
        Index("ix_policy_matches_item_outcome", "item_code", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    item_code: Mapped[str] = mapped_column(String(40))
    item_version_id: Mapped[int] = mapped_column(ForeignKey("award_items.id"))
    eligible_amount_fen: Mapped[int] = mapped_column(BigInteger)  # before exclusivity and budget
    awarded_amount_fen: Mapped[int] = mapped_column(BigInteger)  # 0 when superseded in its group
    outcome: Mapped[str] = mapped_column(String(16))  # awarded / superseded / budget_reduced
    superseded_by: Mapped[str | None] = mapped_column(String(40))  # the group's winning item
    stage_amounts: Mapped[dict] = mapped_column(JSON, default=dict)  # stage name → fen
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id"), index=True)
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DisbursementBatch(Base):
    """免申即享: one batch of payments for an auto-grant item and period, generated from the matches,
    reviewed by the policy officer and marked paid."""

    __tablename__ = "disbursement_batches"
    __table_args__ = (UniqueConstraint("item_code", "period", "sequence", name="uq_batches_item_period_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("award_items.id"))
    period: Mapped[str] = mapped_column(String(16))  # e.g. 2026 (award year)
    sequence: Mapped[int] = mapped_column(Integer, default=1)  # a later batch for the same period
    status: Mapped[str] = mapped_column(String(12))  # draft / approved / paid / cancelled
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    generated_by: Mapped[str] = mapped_column(String(64))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_reference: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock for review


class DisbursementLine(Base):
    __tablename__ = "disbursement_lines"
    __table_args__ = (
        UniqueConstraint("batch_id", "enterprise_id", "stage", name="uq_lines_batch_enterprise_stage"),
        Index("ix_disbursement_lines_enterprise", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("disbursement_batches.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    stage: Mapped[str] = mapped_column(String(60), default="")
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # included / excluded / paid
    excluded_reason: Mapped[str | None] = mapped_column(Text)
    excluded_by: Mapped[str | None] = mapped_column(String(64))


class AwardLedger(Base):
    """Every award paid or granted, per enterprise, item, stage and award period. The unique key is
    what makes "never paid twice" hold even when two batches or a batch and an approved application
    race: the second insert fails and its whole transaction rolls back."""

    __tablename__ = "award_ledger"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "item_code", "stage", "award_period", name="uq_award_ledger_award"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("award_items.id"))
    stage: Mapped[str] = mapped_column(String(60), default="")
    award_period: Mapped[str] = mapped_column(String(16))  # the year for yearly items, "once" otherwise
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(12))  # batch / application
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("disbursement_batches.id"))
    case_code: Mapped[str | None] = mapped_column(String(40))
    payment_reference: Mapped[str] = mapped_column(String(64))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
