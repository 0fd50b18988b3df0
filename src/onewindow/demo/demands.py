"""The demo city's 12345 demands (fixed seed): routing rules to handling units at three levels (市局,
县/区政府, 乡镇/街道), three months of demands from every channel in every state — 待派单, 待签收,
办理中 (some 预警 and 超期), 已退单, 已答复待回访, 已办结 (直办, 回访后, 回访超时) — with their 主办/协办
assignments, timelines, callbacks and a few 延期 requests waiting. Bulk-inserted (demo only) so
`make demo` stays fast; the texts come from the knowledge base's own topics."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from onewindow.accounts.models import User
from onewindow.calendar import clock
from onewindow.calendar.service import load_calendar
from onewindow.catalog.models import Department
from onewindow.common.time import SHANGHAI, local_date, today
from onewindow.demands import service as demands
from onewindow.demands.models import (
    Assignment,
    Callback,
    Demand,
    DemandTerm,
    Extension,
    History,
    Limit,
    Route,
)
from onewindow.demo.knowledge import TOPICS

SEED = 12345
COUNT = 3000
CHUNK = 500
# status, weight; closed splits further below
STATES = (("received", 5), ("dispatched", 8), ("handling", 20), ("returned", 3), ("replied", 10), ("closed", 54))
KINDS = (("consult", 40), ("help", 15), ("complaint", 25), ("report", 8), ("suggestion", 12))
URGENCIES = (("general", 80), ("urgent", 8), ("complex", 12))
CHANNELS = (("hotline", 70), ("web", 10), ("mobile", 8), ("window", 5), ("scan", 7))
# region → (county unit, town units under it, streets)
REGIONS = {"示范县": ("SFX-ZF", ("SFX-QSZ", "SFX-HKX"), ("青山镇人民路", "河口乡滨河路", "青山镇石桥村")),
           "东城区": ("DCQ-ZF", ("DCQ-DHJD",), ("东湖街道东湖路", "东湖街道建设路", "东城区解放大道")),
           "市本级": (None, (), ("中山路", "人民广场", "市政务服务中心", "高新区科技大道"))}
LOCAL_TOPICS = ("城管", "供水供电", "交通")  # handled where they happen: by the county or town
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞")
ISSUES = ("占道经营", "夜间施工噪音", "违规收费", "无证经营", "油烟扰民", "乱倒建筑垃圾")
RETURN_REASONS = ("不属于本单位职责，建议转市场监管部门", "事发地不在本辖区", "诉求内容与本单位职能不符")
REPLIES = ("经核实，已按政策为来电人办理，并电话告知办理结果。", "已安排工作人员现场处理，问题已解决。",
           "经调查，反映情况属实，已责令整改并将持续跟踪。", "已向来电人解释相关政策，来电人表示理解。")


def _pick(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _utc(on: date, hour: int, minute: int) -> datetime:
    return datetime.combine(on, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def _add_working_days(on: date, days: int) -> date:
    """Approximate (weekends only): the sweep recomputes states on the real calendar."""
    while days > 0:
        on += timedelta(days=1)
        if on.weekday() < 5:
            days -= 1
    return on


def _texts(rng: random.Random, kind: str, topic: str, place: str) -> tuple[str, str]:
    subject = rng.choice(TOPICS[topic][1])[0]
    if kind == "consult":
        return f"咨询{subject}", f"来电人咨询{subject}需要哪些材料、在哪里办理、多长时间办结。"
    if kind == "help":
        return f"{subject}求助", f"来电人反映办理{subject}时遇到困难，多次咨询未果，请求有关部门协助。"
    if kind == "complaint":
        return f"投诉{subject}办理拖延", f"来电人反映在{place}办理{subject}，多次往返仍未办结，工作人员答复不清，要求尽快处理。"
    if kind == "report":
        issue = rng.choice(ISSUES)
        return f"举报{place}{issue}", f"来电人举报{place}附近长期存在{issue}问题，影响周边居民生活，请求查处。"
    return f"建议优化{subject}流程", f"来电人建议{subject}进一步精简材料、推行网上办理，减少群众跑腿。"


def _routes(depts: dict[str, int]) -> list[dict]:
    rows = []
    for topic, (codes, _) in TOPICS.items():
        rows.append({"kind": "", "topic": topic, "region": "", "department_id": depts[codes[0]],
                     "assist_ids": [depts[c] for c in codes[1:2]], "priority": 100, "active": True})
    for region, (county, towns, _) in REGIONS.items():
        if county is None:
            continue
        for topic in LOCAL_TOPICS:
            rows.append({"kind": "", "topic": topic, "region": region, "department_id": depts[towns[0]],
                         "assist_ids": [depts[county]], "priority": 50, "active": True})
        rows.append({"kind": "report", "topic": "", "region": region, "department_id": depts[county],
                     "assist_ids": [], "priority": 80, "active": True})
    rows.append({"kind": "", "topic": "", "region": "", "department_id": depts["ZWFWJ"], "assist_ids": [],
                 "priority": 1000, "active": True})
    return rows


def _unit(rng, depts, topic, region) -> tuple[int, list[int]]:
    county, towns, _ = REGIONS[region]
    if county and topic in LOCAL_TOPICS:
        return depts[rng.choice(towns)], [depts[county]]
    codes = TOPICS[topic][0]
    if rng.random() < 0.15:
        return depts["ZJJ"], []  # the demo's handler account belongs to 住建局: give it work to see
    return depts[codes[0]], [depts[c] for c in codes[1:2] if rng.random() < 0.3]


def load_demands(session: Session) -> int:
    """Load once (a second run finds the demo's first demand and changes nothing); the number held."""
    if session.scalar(select(Demand.id).where(Demand.idempotency_key == "demo-0")) is not None:
        return session.query(Demand).count()
    rng = random.Random(SEED)
    depts = {code: i for code, i in session.execute(select(Department.code, Department.id)).tuples()}
    users = {name: i for name, i in session.execute(select(User.username, User.id)).tuples()}
    agent, handler = users.get("agent"), users.get("handler")
    session.execute(insert(Route), _routes(depts))
    on = today()
    rows, plan = [], []
    for n in range(COUNT):
        status = _pick(rng, STATES)
        kind, urgency, channel = _pick(rng, KINDS), _pick(rng, URGENCIES), _pick(rng, CHANNELS)
        topic = rng.choice(tuple(TOPICS))
        region = rng.choice(tuple(REGIONS))
        place = rng.choice(REGIONS[region][2])
        subject, content = _texts(rng, kind, topic, place)
        # open demands are recent; closed ones spread over three months
        age = rng.randrange(0, 6 if status in ("received", "dispatched") else 20 if status != "closed" else 90)
        received_on = on - timedelta(days=age)
        received = _utc(received_on, rng.randrange(8, 18), rng.randrange(60))
        anonymous = channel == "scan" and rng.random() < 0.4
        name = "" if anonymous else rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = "" if anonymous else f"1{rng.choice('3578')}{rng.randrange(10 ** 9):09d}"
        direct = status == "closed" and kind == "consult" and rng.random() < 0.6
        lead, assist = (None, []) if status == "received" or direct else _unit(rng, depts, topic, region)
        row = {"code": f"demo-{n}", "idempotency_key": f"demo-{n}", "channel": channel, "kind": kind,
               "urgency": urgency, "topic": topic, "region": region, "subject": subject, "content": content,
               "location": place, "filer_name": name, "filer_phone": phone, "filer_id_number": "",
               "anonymous": anonymous, "confidential": kind == "report" or rng.random() < 0.03,
               "enterprise_name": "", "enterprise_uscc": "",
               "window_department_id": depts["ZWFWJ"] if channel in ("window", "scan") else None,
               "item_code": "", "case_code": "", "taken_by_id": agent if channel == "hotline" else None,
               "received_at": received, "status": status, "due_stage": None, "due_unit": None, "due_amount": None,
               "due_at": None, "due_on": None, "due_note": "", "sla_state": "normal", "overdue_ever": False,
               "lead_department_id": lead, "dispatched_at": None, "signed_at": None, "replied_at": None,
               "reply": "", "article_id": None, "direct": direct, "reopened": 0, "satisfaction": None,
               "resolved": None, "closed_at": None, "closed_how": None, "version": 1}
        _progress(rng, row, on, received)
        rows.append(row)
        plan.append((lead, assist))
    ids = []
    for start in range(0, COUNT, CHUNK):
        ids += list(session.scalars(insert(Demand).returning(Demand.id, sort_by_parameter_order=True),
                                    rows[start:start + CHUNK]))
    session.execute(update(Demand), [{"id": i, "code": f"12345-{r['received_at'].astimezone(SHANGHAI):%Y%m%d}-{i:06d}"}
                                     for i, r in zip(ids, rows, strict=True)])
    _children(session, rng, ids, rows, plan, handler)
    words = [t for i, r in zip(ids, rows, strict=True)
             for t in demands.duplicate_terms(demand_id=i, received_at=r["received_at"], subject=r["subject"],
                                              content=r["content"], location=r["location"])]
    for start in range(0, len(words), CHUNK * 4):
        session.execute(insert(DemandTerm), words[start:start + CHUNK * 4])
    session.flush()
    return session.query(Demand).count()


def _progress(rng: random.Random, row: dict, on: date, received: datetime) -> None:
    """Fill the stamps, clock and outcome of a demand in its state."""
    status = row["status"]
    if status == "received":
        row.update(due_stage="dispatch", due_unit="working_hours", due_amount=120, due_at=received + timedelta(hours=2))
        row["sla_state"] = "overdue" if row["due_at"] < datetime.now(UTC) else "normal"
        return
    if row["direct"]:
        row.update(reply="已依据知识库答复口径当场答复来电人。", replied_at=received + timedelta(minutes=8),
                   closed_at=received + timedelta(minutes=8), closed_how="direct")
        return
    row["dispatched_at"] = received + timedelta(minutes=rng.randrange(10, 90))
    days = {"general": 7, "urgent": 1, "complex": 15}[row["urgency"]]
    due_on = _add_working_days(received.astimezone(SHANGHAI).date(), days)
    if status in ("dispatched", "handling", "returned"):
        if status == "handling":
            row["signed_at"] = row["dispatched_at"] + timedelta(hours=rng.randrange(1, 8))
        if status == "returned":
            row.update(due_stage="dispatch", due_unit="working_hours", due_amount=120,
                       due_at=row["dispatched_at"] + timedelta(days=1))
            return
        row.update(due_stage="reply", due_unit="working_days", due_amount=days, due_on=due_on)
        left = (due_on - on).days
        row["sla_state"] = "overdue" if left < 0 else "warning" if left <= 1 else "normal"
        row["overdue_ever"] = left < 0
        return
    row["signed_at"] = row["dispatched_at"] + timedelta(hours=rng.randrange(1, 8))
    late = rng.random() < 0.07
    row["replied_at"] = row["signed_at"] + timedelta(days=rng.randrange(1, days + 1) + (days if late else 0))
    row.update(reply=rng.choice(REPLIES), overdue_ever=late)
    if status == "replied":
        row.update(due_stage="callback", due_unit="working_days", due_amount=2,
                   due_on=_add_working_days(row["replied_at"].astimezone(SHANGHAI).date(), 2))
        return
    timeout = rng.random() < 0.08
    satisfaction = None if timeout else rng.choices(("satisfied", "basic", "unsatisfied"), weights=(76, 16, 8))[0]
    row.update(closed_at=row["replied_at"] + timedelta(days=rng.randrange(1, 3)),
               closed_how="timeout" if timeout else "callback", satisfaction=satisfaction,
               resolved=None if timeout else (satisfaction != "unsatisfied" or rng.random() < 0.3),
               reopened=1 if satisfaction == "unsatisfied" and rng.random() < 0.5 else 0)


def _sign_clocks(session: Session):
    """The 签收 clock of a unit that has not signed yet, as a real dispatch starts it (deadlines on the
    official calendar) and judged now as the sweep would: most of the demo's 待签收 are overdue."""
    cal, now = load_calendar(session), datetime.now(UTC)
    limits = {u: m for u, m in session.execute(select(Limit.urgency, Limit.sign_minutes).where(Limit.kind == "*"))}

    def of(row: dict) -> dict:
        minutes = limits.get(row["urgency"]) or 120  # the limits the migration seeds (configurable)
        due = clock.deadline_in_hours(cal, start=row["dispatched_at"], limit_minutes=minutes, now=now).due
        state = clock.state(cal, due=due, limit=clock.Limit(clock.WORKING_HOURS, minutes), now=now,
                            today=local_date(now))
        return {"sign_minutes": minutes, "sign_due_at": due, "sign_sla_state": state}
    return of


def _children(session, rng, ids, rows, plan, handler) -> None:
    assignments, history, callbacks, extensions = [], [], [], []
    sign_clock = _sign_clocks(session)
    for demand_id, row, (lead, assist) in zip(ids, rows, plan, strict=True):
        history.append({"demand_id": demand_id, "at": row["received_at"], "actor_name": "郑坐席", "action": "receive",
                        "message": "受理诉求", "department_id": None})
        if row["direct"]:
            history.append({"demand_id": demand_id, "at": row["closed_at"], "actor_name": "郑坐席", "action": "answer",
                            "message": "依据知识库直接答复并办结（直办）", "department_id": None})
            continue
        if lead is None:
            continue
        status = row["status"]
        lead_status = {"dispatched": "pending", "handling": "signed", "returned": "returned"}.get(status, "done")
        reason = rng.choice(RETURN_REASONS) if status == "returned" else ""
        signing = sign_clock(row) if status == "dispatched" else {}
        assignments.append({"demand_id": demand_id, "department_id": lead, "role": "lead", "status": lead_status,
                            "active": True, "dispatched_at": row["dispatched_at"], "signed_at": row["signed_at"],
                            "returned_reason": reason, "opinion": "", "demand_open": status != "closed", **signing})
        for a in assist:
            assignments.append({"demand_id": demand_id, "department_id": a, "role": "assist",
                                "status": "pending" if status == "dispatched" else "signed", "active": True,
                                "dispatched_at": row["dispatched_at"], "signed_at": row["signed_at"],
                                "returned_reason": "", "opinion": "", "demand_open": status != "closed", **signing})
        history.append({"demand_id": demand_id, "at": row["dispatched_at"], "actor_name": "郑坐席",
                        "action": "dispatch", "message": "派单至承办单位（主办）", "department_id": lead})
        if reason:
            history.append({"demand_id": demand_id, "at": row["dispatched_at"] + timedelta(hours=3),
                            "actor_name": "承办单位", "action": "return", "message": f"退单：{reason}",
                            "department_id": lead})
        if row["signed_at"]:
            history.append({"demand_id": demand_id, "at": row["signed_at"], "actor_name": "承办单位", "action": "sign",
                            "message": "已签收", "department_id": lead})
        if status == "handling" and rng.random() < 0.05:
            extensions.append({"demand_id": demand_id, "department_id": lead, "status": "pending",
                               "reason": "需现场核查并协调多个部门，申请延长办理时限", "unit": "working_days",
                               "amount": 5, "requested_by_id": handler, "requested_at": row["signed_at"],
                               "decision": "", "version": 1})
        if row["replied_at"]:
            history.append({"demand_id": demand_id, "at": row["replied_at"], "actor_name": "承办单位", "action": "reply",
                            "message": f"已答复：{row['reply']}", "department_id": lead})
        if row["closed_at"]:
            if row["closed_how"] == "timeout":
                message = "回访期限届满，按期办结"
            else:
                callbacks.append({"demand_id": demand_id, "round": 1 + row["reopened"], "satisfaction": row["satisfaction"],
                                  "resolved": row["resolved"], "note": "", "timed_out": False, "at": row["closed_at"]})
                message = "回访后办结"
            history.append({"demand_id": demand_id, "at": row["closed_at"], "actor_name": "郑坐席", "action": "callback",
                            "message": message, "department_id": None})
    for model, batch in ((Assignment, assignments), (History, history), (Callback, callbacks), (Extension, extensions)):
        for start in range(0, len(batch), CHUNK):
            session.execute(insert(model), batch[start:start + CHUNK])
