"""Open311 GeoReport v2 under /open311/v2/: discovery, services (demand types × knowledge topics),
service definitions, requests (GET, POST with an API token as api_key), one request, tokens.

Open311 is a public feed: GET needs no key, so what it shows is the public face of a demand only —
code, type, state (open/closed with a Chinese note), dates, the responsible unit; never the filer's
name, phone or ID number, and nothing but the type and state of a confidential (保密) demand. Writes
go through service.file_demand (validation, idempotency, audit, events); the read query is here
because the spec's filters (codes, dates) are not those of the staff list. Errors use the spec's
[{code, description}] shape in Chinese, never the app's own error body."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onewindow.accounts import service as accounts
from onewindow.common.errors import DomainError
from onewindow.common.http import DbSession
from onewindow.common.roles import Role
from onewindow.common.time import SHANGHAI as TZ
from onewindow.db import utcnow
from onewindow.demands import service as demands
from onewindow.demands.models import Demand
from onewindow.demands.states import CLOSED_HOW, DEMAND, KINDS, URGENCIES

router = APIRouter(prefix="/open311/v2", tags=["Open311"])
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-07T00:00:00+08:00"
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_SPAN, MAX_ROWS = timedelta(days=90), 1000
NOTES = {"received": "诉求已受理，正在派单", "dispatched": "已派至承办单位，待签收", "handling": "承办单位正在办理",
         "returned": "承办单位已退单，正在重新派单", "replied": "已答复诉求人，待回访"}
CHANNEL_OF_ROLE = {Role.agent: "other", Role.applicant: "mobile"}  # who may file through Open311, as which channel
COORDS = re.compile(r"（坐标 (-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?)）$")


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        self.status, self.description = status, description


# ---------------------------------------------------------------- answers (JSON or XML, Spark convention)

def _xml(root: str, item: str | None, data) -> bytes:
    def put(parent, name, value):
        el = ET.SubElement(parent, name)
        if isinstance(value, dict):
            for k, v in value.items():
                put(el, k, v)
        elif isinstance(value, list):  # <attributes><attribute/>…, <formats><format/>…
            child = {"attributes": "attribute", "values": "value", "formats": "format", "endpoints": "endpoint"}
            for v in value:
                put(el, child.get(name, "item"), v)
        elif value is not None:
            el.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return el

    top = ET.Element(root)
    for entry in (data if item else [data]):
        target = put(top, item, entry) if item else top
        if not item:
            for k, v in entry.items():
                put(target, k, v)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8", xml_declaration=False)


def _answer(fmt: str, data, *, root: str, item: str | None, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(_xml(root, item, data), status_code=status, media_type=FORMATS["xml"])
    return JSONResponse(data, status_code=status, media_type="application/json")


def _error(fmt: str, status: int, description: str) -> Response:
    return _answer(fmt if fmt in FORMATS else "json", [{"code": status, "description": description}],
                   root="errors", item="error", status=status)


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, "不支持的格式，请使用 .json 或 .xml")
    return fmt


def _jurisdiction(request: Request) -> None:
    j = request.query_params.get("jurisdiction_id") or ""
    if j and j != JURISDICTION:
        raise Open311Error(404, f"未找到辖区「{j[:40]}」，本接口只服务 {JURISDICTION}")


JURISDICTION = "onewindow.gov.cn"


# ---------------------------------------------------------------- services: types × topics

def _topic_code(topic: str) -> str:
    return hashlib.sha256(topic.encode()).hexdigest()[:10]  # stable while the topic's name stands


def _topics(session: Session) -> list[str]:
    from onewindow.knowledge import service as knowledge

    return sorted(t for t in knowledge.topic_counts(session) if t)


def _services(session: Session) -> list[dict]:
    out = []
    topics = _topics(session)
    for kind, label in KINDS.items():
        out.append({"service_code": kind, "service_name": label, "description": f"{label}类诉求（主题不限）",
                    "metadata": True, "type": "realtime", "keywords": label, "group": label})
        for topic in topics:
            out.append({"service_code": f"{kind}-{_topic_code(topic)}", "service_name": f"{label}：{topic}",
                        "description": f"关于「{topic}」的{label}", "metadata": True, "type": "realtime",
                        "keywords": f"{label}, {topic}", "group": label})
    return out


def _service(session: Session, code: str) -> tuple[str, str, str]:
    """(kind, topic, name) of a service code; 404 when there is none."""
    kind, _, topic_code = code.partition("-")
    if kind in KINDS:
        if not topic_code:
            return kind, "", KINDS[kind]
        for topic in _topics(session):
            if _topic_code(topic) == topic_code:
                return kind, topic, f"{KINDS[kind]}：{topic}"
    raise Open311Error(404, f"未找到服务类型「{code[:40]}」")


def _attribute(code, order, description, datatype="string", required=False, values=None) -> dict:
    return {"variable": True, "code": code, "datatype": datatype, "required": required,
            "datatype_description": None, "order": order, "description": description,
            "values": [{"key": k, "name": v} for k, v in (values or {}).items()]}


def _definition(session: Session, code: str) -> dict:
    kind, topic, _ = _service(session, code)
    attrs = [_attribute("subject", 1, "诉求标题（不填则取描述的开头）"),
             _attribute("urgency", 2, "紧急程度", "singlevaluelist", values=URGENCIES),
             _attribute("confidential", 3, "是否要求保密（保密后承办单位看不到您的身份）", "singlevaluelist",
                        values={"no": "否", "yes": "是"}),
             _attribute("enterprise_name", 4, "涉及的企业名称（如有）"),
             _attribute("region", 5, "所在区县或乡镇（如有）")]
    if not topic:
        attrs.append(_attribute("topic", 6, "诉求主题", "singlevaluelist", values={t: t for t in _topics(session)}))
    return {"service_code": code, "attributes": attrs}


# ---------------------------------------------------------------- requests: the public view

def _w3(when: datetime | None) -> str | None:
    return when.astimezone(TZ).isoformat(timespec="seconds") if when else None


def _expected(d: Demand) -> str | None:
    if d.status == "closed":
        return None
    if d.due_at:
        return _w3(d.due_at)
    if d.due_on:  # a deadline in working days ends with that day
        return datetime(d.due_on.year, d.due_on.month, d.due_on.day, 23, 59, 59, tzinfo=TZ).isoformat()
    return None


def _request_view(d: Demand, units: dict[int, str]) -> dict:
    notes = (f"已办结（{CLOSED_HOW.get(d.closed_how, '办结')}）" if d.status == "closed" and d.closed_how
             else NOTES.get(d.status, DEMAND.label(d.status)))
    updated = max(t for t in (d.received_at, d.dispatched_at, d.signed_at, d.replied_at, d.closed_at) if t)
    view = {"service_request_id": d.code, "status": "closed" if d.status == "closed" else "open",
            "status_notes": notes, "service_name": KINDS.get(d.kind, d.kind) + (f"：{d.topic}" if d.topic else ""),
            "service_code": d.kind + (f"-{_topic_code(d.topic)}" if d.topic else ""),
            "description": None, "agency_responsible": units.get(d.lead_department_id or 0),
            "service_notice": None, "requested_datetime": _w3(d.received_at), "updated_datetime": _w3(updated),
            "expected_datetime": _expected(d), "address": None, "address_id": None, "zipcode": None,
            "lat": None, "long": None, "media_url": None}
    if not d.confidential:  # a confidential demand shows only its type and state: text and place could name the filer
        view["description"] = d.subject
        place = d.location or ""
        if m := COORDS.search(place):
            view["lat"], view["long"] = float(m.group(1)), float(m.group(2))
            place = place[:m.start()]
        view["address"] = place or None
    return view


def _units(session: Session) -> dict[int, str]:
    return {row[0]: row[2] for row in accounts.department_choices(session)}


def _parse_time(value: str, label: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{label}格式有误，请使用 ISO 8601 并带时区，如 2026-01-01T00:00:00+08:00") from None
    if when.tzinfo is None:
        raise Open311Error(400, f"{label}须带时区（Z 或 +08:00）")
    return when


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()][:MAX_ROWS]


def find_requests(session: Session, *, ids: list[str], codes: list[str], statuses: list[str],
                  start: datetime | None, end: datetime | None) -> list[Demand]:
    stmt = select(Demand)
    if ids:  # the spec: ids override every other argument
        return list(session.scalars(stmt.where(Demand.code.in_(ids)).order_by(Demand.received_at.desc())))
    if codes:
        clauses = []
        for code in codes:
            kind, topic, _ = _service(session, code)
            clauses.append((Demand.kind == kind) & (Demand.topic == topic) if topic else Demand.kind == kind)
        stmt = stmt.where(or_(*clauses))
    for s in statuses:
        if s not in ("open", "closed"):
            raise Open311Error(400, "状态只能是 open（办理中）或 closed（已办结）")
    if set(statuses) == {"closed"}:
        stmt = stmt.where(Demand.status == "closed")
    elif set(statuses) == {"open"}:
        stmt = stmt.where(Demand.status != "closed")
    end = end or (start + MAX_SPAN if start else utcnow())
    start = start or end - MAX_SPAN
    if end < start:
        raise Open311Error(400, "结束时间不能早于开始时间")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "查询时间跨度不能超过 90 天")
    stmt = stmt.where(Demand.received_at >= start, Demand.received_at <= end)
    return list(session.scalars(stmt.order_by(Demand.received_at.desc()).limit(MAX_ROWS)))


# ---------------------------------------------------------------- POST: file one demand

def _form_attributes(form) -> dict[str, str]:
    out = {}
    for key, value in form.multi_items():
        if m := re.fullmatch(r"attribute\[([^\]]{1,40})\](\[\])?", key):
            out[m.group(1)] = (out[m.group(1)] + "," if m.group(2) and m.group(1) in out else "") + str(value)
    return out


def _key(client_key: str) -> str:
    return "o311:" + hashlib.sha256(client_key.encode()).hexdigest()[:64]


def post_request(session: Session, *, form, header_key: str | None) -> dict:
    api_key = str(form.get("api_key") or "")
    actor = accounts.principal_from_token(session, api_key) if api_key else None
    if actor is None:
        raise Open311Error(403, "api_key 缺失或无效（请使用本平台签发的 API 令牌）")
    channel = CHANNEL_OF_ROLE.get(actor.role)
    if channel is None:
        raise Open311Error(403, "该 API 令牌所属账号无权提交诉求（须为坐席或申请人账号）")
    code = str(form.get("service_code") or "")
    if not code:
        raise Open311Error(400, "请提供 service_code（服务类型）")
    kind, topic, _ = _service(session, code)
    attrs = _form_attributes(form)
    lat, lon, address = (str(form.get(k) or "").strip() for k in ("lat", "long", "address_string"))
    if not (address or (lat and lon) or form.get("address_id")):
        raise Open311Error(400, "请提供位置：经纬度（lat、long）或地址（address_string）")
    place = address[:150]
    if lat and lon:
        try:
            la, lo = float(lat), float(lon)
        except ValueError:
            raise Open311Error(400, "经纬度须为数字") from None
        if not (-90 <= la <= 90 and -180 <= lo <= 180):
            raise Open311Error(400, "经纬度超出范围")
        place += f"（坐标 {la:.6f}, {lo:.6f}）"
    description = str(form.get("description") or "").strip()[:4000]
    media = str(form.get("media_url") or "").strip()[:300]
    content = description + (f"\n附件链接：{media}" if media else "")
    subject = (attrs.get("subject") or (description.splitlines() or [""])[0]).strip()[:40]  # Open311 has no title
    if attrs.get("urgency", "general") not in URGENCIES:
        raise Open311Error(400, "紧急程度（attribute[urgency]）只能是 urgent、general 或 complex")
    client_key = header_key or str(form.get("idempotency_key") or "")
    if not client_key:  # a retry without a key: the same account sending the same report is one demand
        client_key = f"{actor.user_id}|" + "|".join(f"{k}={v}" for k, v in sorted(form.multi_items()))
    try:
        demand = demands.file_demand(
            session, actor=actor, channel=channel, kind=kind, subject=subject, content=content,
            urgency=attrs.get("urgency", "general"), topic=topic or attrs.get("topic", ""),
            region=attrs.get("region", ""), location=place,
            filer_name=(str(form.get("last_name") or "") + str(form.get("first_name") or "")).strip(),
            filer_phone=str(form.get("phone") or ""), confidential=attrs.get("confidential") == "yes",
            enterprise_name=attrs.get("enterprise_name", ""), idempotency_key=_key(client_key))
    except DomainError as exc:
        raise Open311Error(400 if exc.status_code == 422 else exc.status_code, _describe(exc)) from None
    return {"service_request_id": demand.code,
            "service_notice": f"诉求已受理，编号 {demand.code}，可凭编号和联系电话查询办理进度",
            "account_id": None}


def _describe(exc: DomainError) -> str:
    body = exc.as_dict()
    details = "；".join(e.get("message", "") for e in body.get("errors", []) if e.get("message"))
    return body.get("message", "请求有误") + (f"：{details}" if details else "")


# ---------------------------------------------------------------- routes

def _guard(fmt: str, work) -> Response:
    try:
        return work(_fmt(fmt))
    except Open311Error as exc:
        return _error(fmt, exc.status, exc.description)


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request) -> Response:
    base = str(request.base_url).rstrip("/") + "/open311/v2"
    data = {"changeset": CHANGESET, "contact": "一窗通平台运维组：12345 热线转接口支持",
            "key_service": "请由管理员在平台为坐席或申请人账号签发 API 令牌（POST /api/auth/tokens），作为 api_key 使用",
            "endpoints": [{"specification": SPEC, "url": base, "changeset": CHANGESET, "type": "production",
                           "formats": ["text/xml", "application/json"]}]}
    return _guard(fmt, lambda f: _answer(f, data, root="discovery", item=None))


@router.get("/services.{fmt}")
def services(fmt: str, request: Request, session: DbSession) -> Response:
    def work(f):
        _jurisdiction(request)
        return _answer(f, _services(session), root="services", item="service")
    return _guard(fmt, work)


@router.get("/services/{code}.{fmt}")
def service_definition(code: str, fmt: str, request: Request, session: DbSession) -> Response:
    def work(f):
        _jurisdiction(request)
        return _answer(f, _definition(session, code), root="service_definition", item=None)
    return _guard(fmt, work)


@router.get("/requests.{fmt}")
def requests(fmt: str, request: Request, session: DbSession) -> Response:
    def work(f):
        _jurisdiction(request)
        q = request.query_params
        start = _parse_time(q["start_date"], "开始时间（start_date）") if q.get("start_date") else None
        end = _parse_time(q["end_date"], "结束时间（end_date）") if q.get("end_date") else None
        rows = find_requests(session, ids=_split(q.get("service_request_id")), codes=_split(q.get("service_code")),
                             statuses=_split(q.get("status")), start=start, end=end)
        units = _units(session)
        return _answer(f, [_request_view(d, units) for d in rows], root="service_requests", item="request")
    return _guard(fmt, work)


@router.post("/requests.{fmt}")
async def create_request(fmt: str, request: Request, session: DbSession) -> Response:
    form = await request.form()

    def work(f):
        _jurisdiction(request)
        return _answer(f, [post_request(session, form=form, header_key=request.headers.get("idempotency-key"))],
                       root="service_requests", item="request")
    return _guard(fmt, work)


@router.get("/requests/{code}.{fmt}")
def one_request(code: str, fmt: str, request: Request, session: DbSession) -> Response:
    def work(f):
        _jurisdiction(request)
        d = session.scalar(select(Demand).where(Demand.code == code[:32]))
        if d is None:
            raise Open311Error(404, f"未找到诉求「{code[:32]}」")
        return _answer(f, [_request_view(d, _units(session))], root="service_requests", item="request")
    return _guard(fmt, work)


@router.get("/tokens/{token}.{fmt}")
def token(token: str, fmt: str, request: Request, session: DbSession) -> Response:
    """The token is the idempotency key the client sent with its POST: a client that lost the answer
    can still learn the demand's code (codes are public in this feed; the filer stays hidden)."""
    def work(f):
        _jurisdiction(request)
        d = session.scalar(select(Demand).where(Demand.idempotency_key == _key(token[:200])))
        if d is None:
            raise Open311Error(404, "未找到该令牌对应的诉求")
        return _answer(f, [{"service_request_id": d.code, "token": token}], root="service_requests", item="request")
    return _guard(fmt, work)


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> Response:
    fmt = rest.rsplit(".", 1)[-1] if "." in rest else "json"
    return _error(fmt, 404, "接口不存在，请查看 discovery.json")
