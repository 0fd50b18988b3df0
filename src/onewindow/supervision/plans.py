"""双随机 plans: inspection lists and the inspector pool, a plan, its announcement (pool and seed fixed and
published), its draw (supervision.draw), its publication, and the visits it asks for — merged into one
joint visit when several departments' plans drew the same enterprise in the same period."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onewindow.calendar import service as calendar
from onewindow.catalog import service as catalog
from onewindow.common import audit
from onewindow.common.errors import Forbidden, NotFound, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.sharing import service as sharing
from onewindow.supervision import credit, gate
from onewindow.supervision import draw as D
from onewindow.supervision.models import CheckMatter, Inspection, Inspector, Pick, Plan
from onewindow.supervision.states import GRADES, PLAN

PLANNERS = frozenset({Role.inspector, Role.admin})
ACTIVE = "存续"
POOL_BATCH = 20_000  # enterprises per registry read when building a pool (bench/supervision_bench.py)


def _own(actor: Principal, department_id: int) -> None:
    actor.require(*PLANNERS, Role.supervisor)
    if actor.role == Role.inspector and actor.department_id != department_id:
        raise Forbidden("只能管理本部门的抽查计划")


def save_matter(session: Session, *, actor: Principal, department_id: int, code: str, name: str,
                qualification: str, basis: str = "") -> CheckMatter:
    _own(actor, department_id)
    code, name, qual = (code or "").strip(), (name or "").strip(), (qualification or "").strip()
    for value, key, label in ((code, "code", "事项编码"), (name, "name", "事项名称"), (qual, "qualification", "所需执法资格")):
        if not value:
            raise ValidationFailed.one(f"抽查事项须有{label}", field=key, label=label)
    m = session.scalar(select(CheckMatter).where(CheckMatter.code == code)) or CheckMatter(code=code[:32])
    if m.department_id is not None and m.department_id != department_id:
        raise ValidationFailed.one(f"事项编码{code}已是其他部门的抽查事项", field="code", label="事项编码")
    m.department_id, m.name, m.qualification, m.basis = department_id, name[:200], qual[:64], (basis or "").strip()
    session.add(m)
    session.flush()
    audit.record(session, actor=actor, action="sup_matter.save", entity_type="sup_matter", entity_id=m.code,
                 after={"name": m.name, "department_id": department_id})
    return m


def save_inspector(session: Session, *, actor: Principal, department_id: int, badge: str, name: str,
                   qualifications: list[str], tied_enterprise_ids: list[int] = (), user_id: int | None = None,
                   active: bool = True) -> Inspector:
    """Add or update (by 执法证号) an inspector with the qualifications the matters need and the enterprises
    they are tied to (亲属、曾任职…), which the draw never gives them."""
    _own(actor, department_id)
    badge, name = (badge or "").strip(), (name or "").strip()
    if not badge:
        raise ValidationFailed.one("请填写执法证号", field="badge", label="执法证号")
    if not name:
        raise ValidationFailed.one("请填写执法人员姓名", field="name", label="姓名")
    i = session.scalar(select(Inspector).where(Inspector.badge == badge)) or Inspector(badge=badge[:32])
    if i.department_id is not None and i.department_id != department_id:
        raise ValidationFailed.one(f"执法证号{badge}已登记在其他部门", field="badge", label="执法证号")
    i.department_id, i.name, i.active = department_id, name[:64], active
    if user_id is not None:  # the page's edits leave the linked account alone
        i.user_id = user_id
    i.qualifications, i.tied_enterprise_ids = sorted(set(qualifications)), sorted(set(tied_enterprise_ids))
    session.add(i)
    session.flush()
    audit.record(session, actor=actor, action="sup_inspector.save", entity_type="sup_inspector", entity_id=i.badge,
                 after={"department_id": department_id, "qualifications": i.qualifications,
                        "tied_enterprise_ids": i.tied_enterprise_ids, "active": active})
    return i


def matters_of(session: Session, *, department_id: int | None = None) -> list[CheckMatter]:
    stmt = select(CheckMatter).order_by(CheckMatter.code)
    if department_id is not None:
        stmt = stmt.where(CheckMatter.department_id == department_id)
    return list(session.scalars(stmt))


def inspectors_of(session: Session, *, department_id: int | None = None) -> list[Inspector]:
    stmt = select(Inspector).order_by(Inspector.badge)
    if department_id is not None:
        stmt = stmt.where(Inspector.department_id == department_id)
    return list(session.scalars(stmt))


def create_plan(session: Session, *, actor: Principal, department_id: int, title: str, period_start: date,
                period_end: date, matter_codes: list[str], ratios: dict[str, float], team_size: int = 2,
                region_prefix: str = "", industry_prefix: str = "") -> Plan:
    """A draft plan. `ratios` are shares per grade (0–1): A low ("无事不扰"), D high."""
    _own(actor, department_id)
    if catalog.department_by_id(session, department_id=department_id) is None:
        raise ValidationFailed.one("部门不存在", field="department_id", label="部门")
    if not (title or "").strip():
        raise ValidationFailed.one("请填写计划名称", field="title", label="计划名称")
    if period_end < period_start:
        raise ValidationFailed.one("抽查期间的结束日期不能早于开始日期", field="period_end", label="结束日期")
    own = {m.code for m in matters_of(session, department_id=department_id)}
    if not matter_codes or not set(matter_codes) <= own:
        raise ValidationFailed.one("请从本部门的抽查事项清单中选择事项", field="matter_codes", label="抽查事项")
    clean = {}
    for g in GRADES:
        share = float(ratios.get(g, 0) or 0)
        if not 0 <= share <= 1:
            raise ValidationFailed.one(f"{g}类企业抽查比例须在0%–100%之间", field=f"ratio_{g}", label=f"{g}类比例")
        clean[g] = round(share * D.PPM)
    if not 1 <= team_size <= 5:
        raise ValidationFailed.one("每组检查人员须为1–5人", field="team_size", label="每组人数")
    plan = Plan(department_id=department_id, title=title.strip()[:200], period_start=period_start,
                period_end=period_end, matter_codes=sorted(set(matter_codes)), ratios=clean, team_size=team_size,
                pool_filter={"region_prefix": (region_prefix or "").strip(), "industry_prefix": (industry_prefix or "").strip()},
                status="draft", created_by_id=actor.user_id)
    session.add(plan)
    session.flush()
    audit.record(session, actor=actor, action="sup_plan.create", entity_type="sup_plan", entity_id=plan.id,
                 after={"title": plan.title, "ratios": clean, "matters": plan.matter_codes})
    return plan


def get_plan(session: Session, *, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound("抽查计划不存在")
    return plan


def list_plans(session: Session, *, published_only: bool = False) -> list[Plan]:
    stmt = select(Plan).order_by(Plan.id.desc())
    if published_only:
        stmt = stmt.where(Plan.status == "published")
    return list(session.scalars(stmt.limit(200)))


def visit_days(session: Session, *, start: date, end: date) -> list[str]:
    """The period's working days outside the quiet days: the only days a drawn visit may fall on."""
    cal, quiet = calendar.load_calendar(session), gate.quiet_days(session)
    out, day = [], start
    while day <= end:
        if cal.is_working_day(day) and not gate.is_quiet(quiet, day):
            out.append(day.isoformat())
        day += timedelta(days=1)
    return out


def build_pool(session: Session, plan: Plan) -> dict:
    """The pool document the announcement publishes (see supervision.draw)."""
    f = plan.pool_filter or {}
    inspected = set(gate.inspected_between(session, department_id=plan.department_id, start=plan.period_start,
                                           end=plan.period_end))
    entities, excluded = [], []
    # a province's registry in keyset batches, each with one range read of its grades (ungraded count as B,
    # as credit.grades_for says): never the whole registry in memory at once, never a 2,000,000-long IN list
    for batch in sharing.enterprise_batches(session, status=ACTIVE, region_prefix=f.get("region_prefix", ""),
                                            industry_prefix=f.get("industry_prefix", ""), size=POOL_BATCH):
        grades = credit.grades_between(session, first_id=batch[0][0], last_id=batch[-1][0])
        for eid, code in batch:
            (excluded.append([code, "本期已检查"]) if eid in inspected
             else entities.append([code, grades.get(eid, "B")]))
    quals = {m.qualification for m in matters_of(session, department_id=plan.department_id)
             if m.code in plan.matter_codes}
    pool_inspectors = [i for i in inspectors_of(session, department_id=plan.department_id)
                       if i.active and quals <= set(i.qualifications)]
    ties_ids = {t for i in pool_inspectors for t in i.tied_enterprise_ids}
    tied_uscc = {r[0]: r[1] for r in sharing.enterprise_facts(session, ids=ties_ids)} if ties_ids else {}
    prev = session.scalar(select(Plan).where(Plan.department_id == plan.department_id, Plan.id != plan.id,
                                             Plan.status.in_(("drawn", "published"))).order_by(Plan.drawn_at.desc()))
    pairs = []
    if prev is not None:
        badges = {i.id: i.badge for i in inspectors_of(session, department_id=plan.department_id)}
        picks = list(session.scalars(select(Pick).where(Pick.plan_id == prev.id)))
        pick_uscc = {r[0]: r[1] for r in sharing.enterprise_facts(session, ids=[p.enterprise_id for p in picks])}
        pairs = sorted([badges[i], pick_uscc[p.enterprise_id]] for p in picks for i in p.inspector_ids if i in badges)
    return {
        "plan": {"id": plan.id, "department_id": plan.department_id, "title": plan.title,
                 "period": [plan.period_start.isoformat(), plan.period_end.isoformat()], "matters": plan.matter_codes},
        "ratios_ppm": plan.ratios, "team_size": plan.team_size,
        "visit_days": visit_days(session, start=plan.period_start, end=plan.period_end),
        "entities": sorted(entities),
        "excluded": sorted(excluded),
        "inspectors": [[i.badge, sorted(tied_uscc[t] for t in i.tied_enterprise_ids if t in tied_uscc)]
                       for i in pool_inspectors],
        "previous_pairs": pairs,
    }


def announce(session: Session, *, actor: Principal, plan_id: int, public_value: str, version: int | None = None) -> Plan:
    """Fix and publish the pool and the seed before the draw: nothing the planner does later changes them."""
    plan = get_plan(session, plan_id=plan_id)
    _own(actor, plan.department_id)
    value = (public_value or "").strip()
    if not value:
        raise ValidationFailed.one("请填写公开随机值（如某日证券指数收盘价）", field="public_value", label="公开随机值")
    pool = build_pool(session, plan)
    if not pool["inspectors"]:
        raise ValidationFailed.one("本部门没有具备全部抽查事项执法资格的检查人员", field="matter_codes", label="检查人员")
    text = D.canonical(pool)
    digest = D.pool_hash(text)
    seed = D.seed_of(value[:200], digest)
    PLAN.move(session, plan, "announce", actor=actor, version=version,
              values={"public_value": value[:200], "pool_json": text, "pool_hash": digest, "seed": seed},
              after={"pool_hash": digest, "seed": seed, "public_value": value[:200]})
    return plan


def run_draw(session: Session, *, actor: Principal, plan_id: int, version: int | None = None) -> list[Pick]:
    plan = get_plan(session, plan_id=plan_id)
    _own(actor, plan.department_id)
    pool = json.loads(plan.pool_json)
    result = D.draw(pool, plan.seed)
    ids = sharing.enterprise_ids_by_uscc(session, usccs=[r["uscc"] for r in result]) if result else {}
    by_badge = {i.badge: i.id for i in inspectors_of(session, department_id=plan.department_id)}
    rows = [Pick(plan_id=plan.id, rank=r["rank"], enterprise_id=ids[r["uscc"]], grade=r["grade"],
                 inspector_ids=[by_badge[b] for b in r["inspectors"]],
                 visit_on=date.fromisoformat(r["visit_on"]) if r["visit_on"] else None) for r in result]
    session.add_all(rows)
    PLAN.move(session, plan, "draw", actor=actor, version=version, after={"picks": len(rows)})
    return rows


def publish(session: Session, *, actor: Principal, plan_id: int, version: int | None = None) -> Plan:
    plan = get_plan(session, plan_id=plan_id)
    _own(actor, plan.department_id)
    PLAN.move(session, plan, "publish", actor=actor, version=version)
    return plan


def picks_of(session: Session, *, plan_id: int) -> list[Pick]:
    return list(session.scalars(select(Pick).where(Pick.plan_id == plan_id).order_by(Pick.rank)))


def published_result(session: Session, *, plan: Plan) -> list[dict]:
    """The draw as the standalone script prints it (USCC, grade, badges, day), for the comparison."""
    picks = picks_of(session, plan_id=plan.id)
    usccs = {r[0]: r[1] for r in sharing.enterprise_facts(session, ids=[p.enterprise_id for p in picks])}
    badges = {i.id: i.badge for i in inspectors_of(session)}
    return [{"rank": p.rank, "uscc": usccs[p.enterprise_id], "grade": p.grade,
             "inspectors": [badges[i] for i in p.inspector_ids],
             "visit_on": p.visit_on.isoformat() if p.visit_on else None} for p in picks]


def request_visits(session: Session, *, actor: Principal, plan_ids: list[int]) -> list[Inspection]:
    """Ask the gate for the visits of drawn plans. Enterprises drawn by several of these plans (several
    departments, overlapping periods) get one joint visit — 进一次门、查多项事 — on the earliest drawn day."""
    actor.require(Role.inspector, Role.supervisor, Role.admin)
    plans = [get_plan(session, plan_id=i) for i in plan_ids]
    if any(p.status not in ("drawn", "published") for p in plans):
        raise ValidationFailed.one("只有已抽取的计划才能安排检查", field="plan_ids", label="抽查计划")
    by_enterprise: dict[int, list[tuple[Plan, Pick]]] = defaultdict(list)
    for p in plans:
        for pick in picks_of(session, plan_id=p.id):
            if pick.inspection_id is None and pick.inspector_ids and pick.visit_on:
                by_enterprise[pick.enterprise_id].append((p, pick))
    made = []
    for eid, group in sorted(by_enterprise.items()):
        joint = len({p.department_id for p, _ in group}) > 1
        day = min(pick.visit_on for _, pick in group)
        insp = gate.request(session, actor=actor, enterprise_id=eid, visit_on=day,
                            kind="joint" if joint else "planned",
                            department_ids=sorted({p.department_id for p, _ in group}),
                            plan_ids=sorted(p.id for p, _ in group),
                            matter_codes=sorted({c for p, _ in group for c in p.matter_codes}),
                            inspector_ids=sorted({i for _, pick in group for i in pick.inspector_ids}),
                            purpose="、".join(p.title for p, _ in group))
        for _, pick in group:
            pick.inspection_id = insp.id
        made.append(insp)
    session.flush()
    return made


def plan_counts(session: Session, *, plan_id: int) -> dict[str, int]:
    return dict(session.execute(select(Pick.grade, func.count()).where(Pick.plan_id == plan_id)
                                .group_by(Pick.grade)).all())
