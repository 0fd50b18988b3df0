"""Read-only queries the demand pages need beyond service.list_demands: lists with every filter the
desk, board, inbox, callback list and supervisor's overdue list offer (same row-level rule as the
service), pending 延期 requests, the supervisor's rates by unit, and the rows of an xlsx export taken
from service.demand_view so masking and 保密 hold in exports too."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common.pagination import Page, paginate
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.time import SHANGHAI
from onewindow.demands import measures, service
from onewindow.demands.models import Assignment, Demand, Extension, Supervision

EXPORT_CAP = 10000  # one export holds at most this many rows (the page says so)


@dataclass(frozen=True)
class Filters:
    status: str = ""
    kind: str = ""
    channel: str = ""
    urgency: str = ""
    sla_state: str = ""
    department_id: int | None = None
    q: str = ""
    start: date | None = None
    end: date | None = None
    mine: bool = False  # taken by the actor (the agent's queue)
    statuses: tuple[str, ...] = ()  # any of these (a board shows 待派单 and 已退单 together)
    open_only: bool = False  # not yet 办结 (the overdue list)


def _beijing_midnight(on: date) -> datetime:
    return datetime.combine(on, time(), tzinfo=SHANGHAI)


def scoped(actor: Principal, f: Filters):
    """The statement of the demands `actor` may see (service.visible, the one rule) matching `f`."""
    stmt = service.visible(actor, open_only=f.open_only)
    for column, value in ((Demand.status, f.status), (Demand.kind, f.kind), (Demand.channel, f.channel),
                          (Demand.urgency, f.urgency), (Demand.sla_state, f.sla_state)):
        if value:
            stmt = stmt.where(column == value)
    if f.statuses:
        stmt = stmt.where(Demand.status.in_(f.statuses))
    if f.department_id is not None:
        stmt = stmt.where(Demand.lead_department_id == f.department_id)
    if f.q.strip():
        like = f"%{f.q.strip()[:50]}%"
        stmt = stmt.where(or_(Demand.code.like(like), Demand.subject.like(like), Demand.location.like(like),
                              Demand.enterprise_name.like(like)))
    if f.start:
        stmt = stmt.where(Demand.received_at >= _beijing_midnight(f.start))
    if f.end:
        stmt = stmt.where(Demand.received_at < _beijing_midnight(f.end + timedelta(days=1)))
    if f.mine:
        stmt = stmt.where(Demand.taken_by_id == actor.user_id)
    return stmt


def listing(session: Session, *, actor: Principal, filters: Filters, page: int = 1, per_page: int = 20,
            due_first: bool = False) -> Page:
    """A page of demands, newest first (or soonest deadline first: inbox and overdue lists)."""
    stmt = scoped(actor, filters)
    order = (Demand.due_at.asc(), Demand.due_on.asc(), Demand.id) if due_first else (Demand.id.desc(),)
    total = None
    if filters == Filters(open_only=True) and actor.role == Role.handler and actor.department_id is not None:
        total = service.open_work_count(session, department_id=actor.department_id)  # the whole inbox
        if due_first and total >= service.WALK_FROM:
            stmt = service.open_work_by_deadline(actor.department_id)  # the same rows, read in deadline order
    return paginate(session, stmt.order_by(*order), page=page, per_page=per_page, total=total)


def pending_extensions(session: Session, *, actor: Principal) -> list[tuple[Extension, Demand]]:
    """延期 requests waiting for the dispatcher."""
    actor.require(Role.agent, Role.admin)
    rows = session.execute(select(Extension, Demand).join(Demand, Demand.id == Extension.demand_id)
                           .where(Extension.status == "pending").order_by(Extension.id).limit(200))
    return [tuple(r) for r in rows]


def overdue_signing(session: Session, *, actor: Principal, limit: int = 200) -> list[tuple[Assignment, Demand]]:
    """Units that let their 签收 deadline pass without signing (the supervisor's overdue list), oldest first."""
    actor.require(Role.supervisor, Role.admin, Role.agent)
    rows = session.execute(select(Assignment, Demand).join(Demand, Demand.id == Assignment.demand_id)
                           .where(Assignment.active.is_(True), Assignment.status == "pending",
                                  Assignment.sign_sla_state == "overdue", Demand.status != "closed")
                           .order_by(Assignment.sign_due_at, Assignment.id).limit(limit))
    return [tuple(r) for r in rows]


def supervision_orders(session: Session, *, actor: Principal, open_only: bool = True,
                       limit: int = 200) -> list[tuple[Supervision, Demand]]:
    """督办 orders with their demands: a handling unit's own (what it must answer), everyone's for the
    12345 desk and supervisors; soonest deadline first."""
    actor.require(Role.handler, Role.supervisor, Role.agent, Role.admin)
    stmt = select(Supervision, Demand).join(Demand, Demand.id == Supervision.demand_id)
    if actor.role == Role.handler:
        stmt = stmt.where(Supervision.department_id == actor.department_id)
    if open_only:
        stmt = stmt.where(Supervision.status.in_(("open", "escalated")))
    return [tuple(r) for r in session.execute(stmt.order_by(Supervision.due_on, Supervision.id).limit(limit))]


def supervision_order(session: Session, *, actor: Principal, supervision_id: int) -> tuple[Supervision, Demand]:
    """One 督办 order the actor may read (a unit: only its own); else 404, so ids reveal nothing."""
    from onewindow.common.errors import NotFound

    order = session.get(Supervision, supervision_id) if 0 < supervision_id < 2**31 else None
    allowed = order is not None and (actor.role in (Role.supervisor, Role.agent, Role.admin)
                                     or actor.role == Role.handler and actor.department_id == order.department_id)
    if not allowed:
        raise NotFound(f"督办单{supervision_id}不存在")
    return order, session.get(Demand, order.demand_id)


def supervisions_of(session: Session, *, actor: Principal, demand_id: int) -> list[Supervision]:
    """A demand's 督办 history as its page shows it (a unit sees the orders addressed to it)."""
    stmt = select(Supervision).where(Supervision.demand_id == demand_id)
    if actor.role == Role.handler:
        stmt = stmt.where(Supervision.department_id == actor.department_id)
    return list(session.scalars(stmt.order_by(Supervision.id)))


def extensions_of(session: Session, *, demand_id: int) -> list[Extension]:
    return list(session.scalars(select(Extension).where(Extension.demand_id == demand_id).order_by(Extension.id)))


def unit_names(session: Session) -> dict[int, str]:
    return {d.id: d.name for d in catalog.list_departments(session)}


# ---------------------------------------------------------------- supervisor's rates

@dataclass
class Rates:
    label: str
    department_id: int | None
    total: int = 0
    closed: int = 0
    on_time: int = 0
    direct: int = 0
    rated: int = 0
    satisfied: int = 0
    called: int = 0
    resolved: int = 0
    overdue: int = 0

    @staticmethod
    def _rate(n: int, d: int) -> float | None:
        return None if d == 0 else n / d

    @property
    def on_time_rate(self):  # 按时办结率: closed without ever being overdue, of those closed
        return self._rate(self.on_time, self.closed)

    @property
    def satisfied_rate(self):  # 满意率: 满意 + 基本满意 of those called back
        return self._rate(self.satisfied, self.rated)

    @property
    def direct_rate(self):  # 直办率: answered on the spot, of all received
        return self._rate(self.direct, self.total)

    @property
    def resolved_rate(self):  # 化解率: resolved, of those called back
        return self._rate(self.resolved, self.called)


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.2f}%"


def rates_by_unit(session: Session, *, actor: Principal, start: date | None = None,
                  end: date | None = None) -> tuple[Rates, list[Rates]]:
    """The whole city's line and one line per lead unit, for demands received in [start, end]."""
    actor.require(Role.supervisor, Role.admin, Role.agent)
    conds = [measures.counts_once()]
    if start:
        conds.append(Demand.received_at >= _beijing_midnight(start))
    if end:
        conds.append(Demand.received_at < _beijing_midnight(end + timedelta(days=1)))

    specs = measures.conditions()  # the indicators count the same conditions
    cols = (func.count(), *[measures.counted(specs[m]) for m in (
        "demands.completed", "demands.completed_on_time", "demands.direct", "demands.rated", "demands.satisfied",
        "demands.called", "demands.resolved", "demands.overdue_open")])
    names = unit_names(session)
    lines = []
    owner = measures.unit().label("unit")  # 直办 counts for the article's department (measures.unit)
    for row in session.execute(select(owner, *cols).where(*conds).where(owner.is_not(None)).group_by(owner)):
        lines.append(Rates(names.get(row[0], "未知单位"), row[0], *[int(v or 0) for v in row[1:]]))
    lines.sort(key=lambda r: (-r.total, r.label))
    t = session.execute(select(*cols).where(*conds)).one()
    return Rates("全市合计", None, *[int(v or 0) for v in t]), lines


# ---------------------------------------------------------------- xlsx

LIST_HEAD = ("诉求编号", "受理渠道", "诉求类型", "紧急程度", "诉求标题", "诉求人", "联系电话", "事发地点", "主办单位",
             "状态", "时限", "预警", "受理时间", "满意度")


def _cell(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


SIGNING_HEAD = ("诉求编号", "标题", "承办单位", "承办方式", "派单时间", "签收时限", "预警")


def export_list(session: Session, *, actor: Principal, filters: Filters, signing: bool = False) -> bytes:
    """The filtered list as xlsx, each row as demand_view shows it to this actor (masked, 保密 hidden).
    With `signing`, a second sheet 签收超期: the units that let their 签收 deadline pass, as the
    supervisor's page lists them (overdue_signing), so the export says what the page says."""
    from openpyxl import Workbook

    from onewindow.demands.states import ROLES, SATISFACTION

    names = unit_names(session)
    wb = Workbook()
    ws = wb.active
    ws.title = "诉求清单"
    ws.append(list(LIST_HEAD))
    for d in session.scalars(scoped(actor, filters).order_by(Demand.id.desc()).limit(EXPORT_CAP)):
        v = service.demand_view(session, actor=actor, demand=d)
        ws.append([v["code"], v["channel_label"], v["kind_label"], v["urgency_label"], v["subject"], v["filer_name"],
                   v["filer_phone"], v["location"], names.get(v["lead_department_id"], ""), v["status_label"],
                   _cell(v["due"]), v["sla_label"] if v["due"] else "", _cell(v["received_at"]),
                   SATISFACTION.get(v["satisfaction"] or "", "")])
    if signing:
        sheet = wb.create_sheet("签收超期")
        sheet.append(list(SIGNING_HEAD))
        for a, d in overdue_signing(session, actor=actor, limit=EXPORT_CAP):
            sheet.append([d.code, d.subject, names.get(a.department_id, ""), ROLES.get(a.role, ""),
                          _cell(a.dispatched_at), _cell(a.sign_due_at), "签收超期"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


RATES_HEAD = ("承办单位", "诉求数", "办结数", "按时办结", "按时办结率", "直办数", "直办率", "回访数", "满意率", "化解率",
              "当前超期")


def export_rates(total: Rates, lines: list[Rates]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "按承办单位"
    ws.append(list(RATES_HEAD))
    for r in [*lines, total]:
        ws.append([r.label, r.total, r.closed, r.on_time, pct(r.on_time_rate), r.direct, pct(r.direct_rate), r.rated,
                   pct(r.satisfied_rate), pct(r.resolved_rate), r.overdue])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
