"""Who may see and act on which award items and enterprises, shared by matching, disbursement and
applying; plus the award keys (period, stages) the ledger is indexed by.

Row-level access (used by matching and applying too): a policy officer whose account names a
department works on the items that department pays (兑现责任部门); one without a department (the
city's 政策管理员) on every item. Enterprise accounts see only the enterprises they act for
(sharing membership). Supervisors read everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onewindow.common import time as beijing
from onewindow.common.errors import ErrorDetail, Forbidden, NotFound, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.policies.models import AwardItem, AwardLedger
from onewindow.sharing import service as sharing

OFFICERS = (Role.policy_officer, Role.admin)
READERS = (Role.policy_officer, Role.admin, Role.supervisor)
PERIOD = re.compile(r"^20\d{2}$")
ONCE = "once"


def current_item(session: Session, code: str, *, as_of: date | None = None, field: str = "item_code") -> AwardItem:
    """The award item's published version in force on `as_of` (default today), else its newest published
    version (an item that has expired still pays the awards matched while it was in force)."""
    day = as_of or beijing.today()
    published = select(AwardItem).where(AwardItem.code == code, AwardItem.status == "published")
    item = session.scalar(published.where(or_(AwardItem.valid_from.is_(None), AwardItem.valid_from <= day),
                                          or_(AwardItem.valid_to.is_(None), AwardItem.valid_to >= day))
                          .order_by(AwardItem.version.desc()).limit(1))
    item = item or session.scalar(published.order_by(AwardItem.version.desc()).limit(1))
    if item is None:
        message = f"奖补事项{code}不存在或尚未发布"
        raise NotFound(message, details=[ErrorDetail(message=message, field=field)])
    return item


def check_item_scope(actor: Principal, item: AwardItem) -> None:
    if actor.role == Role.policy_officer and actor.department_id and item.department_id != actor.department_id:
        raise Forbidden(f"「{item.title}」由其他部门负责兑现，本账号无权办理")


def department_scope(actor: Principal) -> int | None:
    """The department whose items this actor is limited to, or None for every item."""
    if actor.role not in READERS:
        raise Forbidden("此操作仅限政策管理员")
    return actor.department_id if actor.role == Role.policy_officer else None


def my_enterprise_ids(session: Session, actor: Principal) -> list[int]:
    """The enterprises an enterprise account acts for (法定代表人 or 经办人 in the registries)."""
    keys = [s.key for s in sharing.subjects_for(session, actor=actor) if s.kind == "enterprise"]
    if not keys:
        return []
    return sharing.enterprise_ids(session, usccs=keys)


def readable_enterprise(session: Session, actor: Principal, enterprise_id: int) -> sharing.Enterprise:
    """An enterprise an applicant acts for, or any enterprise for policy staff; 404 otherwise, so ids
    reveal nothing."""
    ent = sharing.enterprise_by_id(session, enterprise_id=enterprise_id)
    if actor.role == Role.applicant:
        if ent is None or enterprise_id not in my_enterprise_ids(session, actor):
            raise NotFound(f"企业{enterprise_id}不存在")
        return ent
    department_scope(actor)
    if ent is None:
        raise NotFound(f"企业{enterprise_id}不存在")
    return ent


def accounts_for(session: Session, enterprise_ids: list[int]) -> dict[int, int]:
    """The account to tell about each enterprise: its 法定代表人's, else its first member's — as
    `sharing.account_for`, in one query for a whole batch."""
    return sharing.accounts_for_enterprises(session, enterprise_ids=enterprise_ids)


def award_period(item: AwardItem, period: str) -> str:
    """The ledger's award period: the award year for yearly items, "once" for once-per-enterprise items."""
    return period if item.recurrence == "yearly" else ONCE


def check_period(period: str | int | None) -> str:
    text = str(period or "").strip()
    if not PERIOD.match(text):
        raise ValidationFailed.one("兑现期间须为四位年份，如 2026", field="period")
    return text


def stage_split(awarded_fen: int, stage_amounts: dict | None) -> list[tuple[str, int]]:
    """One payment per stage. When exclusivity or the budget cut the award below the stages' sum, the
    stages are paid in order until the award is used up, so the lines always add up to the award."""
    if not stage_amounts:
        return [("", awarded_fen)] if awarded_fen > 0 else []
    out, left = [], awarded_fen
    for name, amount in stage_amounts.items():
        give = min(int(amount), left)
        if give > 0:
            out.append((str(name), give))
            left -= give
    return out


def ledger_keys(session: Session, *, item_code: str, period: str, enterprise_ids: list[int] | None = None
                ) -> set[tuple[int, str]]:
    """(enterprise, stage) already in the ledger for an item and award period."""
    stmt = select(AwardLedger.enterprise_id, AwardLedger.stage).where(AwardLedger.item_code == item_code,
                                                                     AwardLedger.award_period == period)
    if enterprise_ids is not None:
        stmt = stmt.where(AwardLedger.enterprise_id.in_(enterprise_ids))
    return {(e, s) for e, s in session.execute(stmt)}




@dataclass
class Paid:
    """What the ledger already holds for one enterprise, item and award period."""
    stages: set[str] = field(default_factory=set)
    total_fen: int = 0


def ledger_paid(session: Session, *, item_code: str, period: str, enterprise_ids: list[int] | None = None
                ) -> dict[int, Paid]:
    """Per enterprise: the stages in the ledger for an item and award period, and their total."""
    stmt = select(AwardLedger.enterprise_id, AwardLedger.stage, AwardLedger.amount_fen).where(
        AwardLedger.item_code == item_code, AwardLedger.award_period == period)
    if enterprise_ids is not None:
        stmt = stmt.where(AwardLedger.enterprise_id.in_(enterprise_ids))
    out: dict[int, Paid] = {}
    for ent_id, stage, amount in session.execute(stmt):
        paid = out.setdefault(ent_id, Paid())
        paid.stages.add(stage)
        paid.total_fen += int(amount)
    return out


def payable_split(awarded_fen: int, stage_amounts: dict | None, paid: Paid | None) -> list[tuple[str, int]]:
    """The stages still to pay: `stage_split` less the stages in the ledger — and bounded by money, so a
    version that changed the stages (fixed → staged, a stage renamed) never pays more in all than the
    award: a whole-award row (stage "") covers everything, and the lines add up to at most the award
    less what the ledger already holds for it, whatever the stage names."""
    split = stage_split(awarded_fen, stage_amounts)
    if paid is None:
        return split
    if "" in paid.stages:
        return []
    out, left = [], awarded_fen - paid.total_fen
    for name, amount in split:
        if name in paid.stages:
            continue
        give = min(amount, left)
        if give > 0:
            out.append((name, give))
            left -= give
    return out
