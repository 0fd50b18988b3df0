"""Applying (申请): start a draft for an item or a bundle, prefill it from shared data, upload
materials, save, and submit once however often the request is retried."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from onewindow.cases.access import STAFF_READERS, event, get_application, my_subject_keys
from onewindow.cases.models import Application, Commitment, Upload
from onewindow.cases.states import APPLICATION, EDITABLE
from onewindow.catalog import service as catalog
from onewindow.common import audit
from onewindow.common.errors import Conflict, ErrorCollector, Forbidden, ValidationFailed
from onewindow.common.ids import id_number_problem, phone_problem, uscc_problem
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.uploads import check_content, sniff_content_type
from onewindow.config import get_settings
from onewindow.db import utcnow
from onewindow.sharing import service as sharing

MATERIAL_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".ofd")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
APPLYING_ROLES = (Role.applicant, Role.assistant, Role.clerk)


# ---------------------------------------------------------------- the plan snapshot

def _snapshot(session: Session, *, target_kind: str, target_code: str) -> tuple[str, dict]:
    """Freeze the item versions, dependencies, merged form and materials in force today."""
    if target_kind == "bundle":
        bundle = catalog.get_bundle(session, code=target_code)
        if bundle.status != "published":
            raise ValidationFailed.one(f"一件事{target_code}尚未发布", field="target_code")
        plan, found = catalog.bundle_plan(session, bundle=bundle)
        depends = {bi.item_code: list(bi.depends_on or []) for bi in bundle.items}
        title, limit = bundle.name, plan.reductions["time"].bundled
    elif target_kind == "item":
        item = catalog.get_item(session, code=target_code)
        if item.status != "published":
            raise ValidationFailed.one(f"事项{target_code}没有现行有效的版本", field="target_code")
        plan, found = catalog.plan_bundle(session, items=[item.code], depends_on={}, found={item.code: item})
        depends, title, limit = {item.code: []}, item.name, item.promised_limit_days
    else:
        raise ValidationFailed.one("申请对象须为事项（item）或一件事（bundle）", field="target_kind")
    items = []
    for code in plan.order:
        it = found[code]
        items.append({
            "code": it.code, "version": it.version, "item_id": it.id, "name": it.name,
            "department_id": it.department_id, "department_code": it.department.code,
            "department_name": it.department.name, "depends_on": depends.get(code, []),
            "promised_limit_days": it.promised_limit_days, "commitment_allowed": it.commitment_allowed,
            "result_type": it.result_type, "result_name": it.result_name,
        })
    lead = next(i for i in items if i["code"] == plan.lead_item)
    return title, {
        "items": items, "lead_department_id": lead["department_id"], "limit_days": limit,
        "fields": [{"key": f.key, "label": f.label, "type": f.type, "required": f.required,
                    "shared_source": f.shared_source, "options": list(f.options), "used_by": f.used_by}
                   for f in plan.fields],
        "materials": [{"code": m.code, "name": m.name, "required": m.required,
                       "pending_allowed": m.pending_allowed, "shared_source": m.shared_source,
                       "produced_by": m.produced_by, "used_by": m.used_by} for m in plan.materials],
    }


# ---------------------------------------------------------------- shared data

def _refresh_shared(session: Session, app: Application, actor: Principal) -> None:
    """Prefill official data (read-only from then on), verify conditions, find e-licences (免证办)."""
    purpose = f"办理「{app.title}」"
    sources = {f["key"]: f["shared_source"] for f in app.plan["fields"]
               if f["shared_source"] and not f["shared_source"].startswith("licence:")}
    values = sharing.prefill(session, actor=actor, application_id=app.id, subject_kind=app.subject_kind,
                             subject_key=app.subject_key, sources=sources, purpose=purpose) if sources else {}
    checks = sharing.verify_conditions(session, actor=actor, application_id=app.id, subject_kind=app.subject_kind,
                                       subject_key=app.subject_key, purpose=purpose)
    found = all(c.passed for c in checks)
    wanted = sorted({m["shared_source"].removeprefix("licence:") for m in app.plan["materials"]
                     if (m["shared_source"] or "").startswith("licence:")})
    licences = {}
    if wanted:
        for lic in sharing.valid_licences(session, actor=actor, application_id=app.id, holder_kind=app.subject_kind,
                                          holder_key=app.subject_key, licence_types=wanted):
            licences.setdefault(lic.licence_type, lic.code)
    # A licence an earlier step of this same case will issue (营业执照 before 发票申领) is not asked for.
    produced = {i["result_name"]: i["name"] for i in app.plan["items"]}
    materials = {}
    names = {i["code"]: i["name"] for i in app.plan["items"]}
    for m in app.plan["materials"]:
        src = m["shared_source"] or ""
        if m.get("produced_by") in names:  # 完税凭证 from 契税申报: handed over inside the case, not asked
            materials[m["code"]] = {"by": "bundle", "ref": names[m["produced_by"]], "item": m["produced_by"]}
        elif src.startswith("licence:") and src.removeprefix("licence:") in licences:
            materials[m["code"]] = {"by": "licence", "ref": licences[src.removeprefix("licence:")]}
        elif src.startswith("licence:") and src.removeprefix("licence:") in produced:
            materials[m["code"]] = {"by": "bundle", "ref": produced[src.removeprefix("licence:")]}
        elif src and not src.startswith("licence:") and found:
            materials[m["code"]] = {"by": "shared", "ref": src}
    form = dict(app.form_data or {})
    form.update({k: v for k, v in values.items() if v not in (None, "")})
    app.form_data = form
    # Fields locked by whoever started the application (an award's terms) stay locked on every refresh;
    # only the registry-backed ones are re-read.
    kept = {k: src for k, src in ((app.prefilled or {}).get("fields") or {}).items() if k not in sources}
    app.prefilled = {"fields": {**kept, **{k: sources[k] for k in values if values[k] not in (None, "")}},
                     "materials": materials}
    app.checks = [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in checks]


def material_states(app: Application) -> list[dict]:
    """Each merged material with how it is satisfied: licence / shared / uploaded / missing."""
    by_shared = (app.prefilled or {}).get("materials", {})
    decided = {t.item_code for t in app.case.tasks if t.status == "approved"} if app.case else set()
    uploads: dict[str, list[Upload]] = {}
    for up in app.uploads:
        if not up.superseded:
            uploads.setdefault(up.material_code, []).append(up)
    out = []
    for m in app.plan["materials"]:
        state = {**m, "uploads": uploads.get(m["code"], [])}
        if m["code"] in by_shared and by_shared[m["code"]].get("item") in decided:
            # The producing task is approved: the dependent tasks have received it (#9.8).
            state.update(status="handed_over", ref=f"「{by_shared[m['code']]['ref']}」已办结产生")
        elif m["code"] in by_shared:
            state.update(status=by_shared[m["code"]]["by"], ref=by_shared[m["code"]]["ref"])
        elif state["uploads"]:
            state.update(status="uploaded", ref=None)
        else:
            state.update(status="missing", ref=None)
        out.append(state)
    return out


def missing_materials(app: Application) -> list[dict]:
    return [m for m in material_states(app) if m["status"] == "missing" and m["required"]]


# ---------------------------------------------------------------- starting and editing

def start_application(session: Session, *, actor: Principal, target_kind: str, target_code: str,
                      subject_kind: str, subject_key: str, subject_name: str | None = None,
                      contact_phone: str = "", authorisation: dict | None = None,
                      idempotency_key: str | None = None) -> Application:
    """A draft for the applicant's own enterprise or person, or — by an assistant or the window —
    for someone else, with their authorisation recorded."""
    actor.require(*APPLYING_ROLES)
    if subject_kind not in ("enterprise", "person"):
        raise ValidationFailed.one("申请主体须为企业（enterprise）或个人（person）", field="subject_kind")
    key = sharing.check_subject_key(kind=subject_kind, key=subject_key, field="subject_key")
    if contact_phone and (problem := phone_problem(contact_phone)):
        raise ValidationFailed.one(problem, field="contact_phone")
    if idempotency_key and (existing := _by_key(session, actor, idempotency_key)):
        return existing
    applicant_id = actor.user_id if actor.role == Role.applicant else None
    if actor.role == Role.applicant:
        mine = {s.key: s for s in sharing.subjects_for(session, actor=actor)}
        if key not in mine:
            raise Forbidden("只能以本人或本人所属企业的名义申请；代他人办理请通过帮办代办")
        subject_name = mine[key].name
        channel = "online"
    else:
        channel = "assisted" if actor.role == Role.assistant else "window"
        authorisation = _check_authorisation(authorisation, required=actor.role == Role.assistant)
        found = sharing.find_subject(session, actor=actor, kind=subject_kind, key=key, application_id=None,
                                     purpose="核验申请主体身份")
        subject_name = found.name if found else (subject_name or "").strip()
        if not subject_name:
            raise ValidationFailed.one("共享库中没有该主体，请填写申请人名称", field="subject_name")
        applicant_id = _account_for(session, subject_kind, key)
    title, plan = _snapshot(session, target_kind=target_kind, target_code=target_code)
    app = Application(applicant_id=applicant_id, created_by_id=actor.user_id, channel=channel,
                      authorisation=authorisation, subject_kind=subject_kind, subject_key=key,
                      subject_name=subject_name[:200], contact_phone=contact_phone.strip(),
                      target_kind=target_kind, target_code=target_code, title=title, plan=plan,
                      form_data={}, prefilled={}, checks=[], status="draft",
                      idempotency_key=idempotency_key)
    try:
        with session.begin_nested():
            session.add(app)
    except IntegrityError:
        if idempotency_key and (existing := _by_key(session, actor, idempotency_key)):
            return existing
        raise
    _refresh_shared(session, app, actor)
    event(session, app=app, actor=actor, action="draft", message="创建申请" + (
        f"（{actor.display_name}代办，授权：{authorisation.get('reference')}）" if channel == "assisted" else ""))
    audit.record(session, actor=actor, action="application.start", entity_type="application", entity_id=app.id,
                 after={"target_kind": target_kind, "target": target_code, "channel": channel,
                        "authorisation": authorisation})
    return app


def _by_key(session: Session, actor: Principal, key: str) -> Application | None:
    return session.scalar(select(Application).where(Application.created_by_id == actor.user_id,
                                                    Application.idempotency_key == key))


def _account_for(session: Session, kind: str, key: str) -> int | None:
    """The account the applicant will follow the case with, when the registries link one."""
    return sharing.account_for(session, subject_kind=kind, subject_key=key)


def _check_authorisation(value: dict | None, *, required: bool) -> dict | None:
    if not value or not str(value.get("reference", "")).strip():
        if required:
            raise ValidationFailed.one("帮办代办须登记申请人授权（授权书编号）", field="authorisation.reference")
        return {"reference": "现场办理", "authoriser": "", "scope": "窗口现场核验身份后录入",
                "recorded_at": utcnow().isoformat()}
    out = {"reference": str(value["reference"]).strip()[:64], "authoriser": str(value.get("authoriser", ""))[:64],
           "scope": str(value.get("scope", "代为申请、补正和领取结果"))[:200], "recorded_at": utcnow().isoformat()}
    return out


def save_form(session: Session, *, actor: Principal, application_id: int, form_data: dict,
              version: int | None = None, delivery: dict | None = None) -> Application:
    """Save a draft. Official data prefilled from the registries cannot be changed here."""
    app = get_application(session, actor=actor, application_id=application_id, for_update=True)
    _check_editor(app, actor, version)
    locked = set((app.prefilled or {}).get("fields", {}))
    known = {f["key"]: f["label"] for f in app.plan["fields"]}
    errors = ErrorCollector()
    for key in form_data:
        if key not in known:
            errors.add("申请表中没有这一项", field=f"form.{key}")
        elif key in locked and form_data[key] != app.form_data.get(key):
            errors.add(f"「{known[key]}」来自共享数据，不能修改；如有误请向登记机关申请更正", field=f"form.{key}",
                       label=known[key])
    errors.raise_if_any("表单有误")
    app.form_data = {**app.form_data, **{k: _clean(v) for k, v in form_data.items() if k not in locked}}
    if delivery is not None:
        app.plan = {**app.plan, "delivery": _check_delivery(delivery)}
    return app


def _clean(value):
    if isinstance(value, str):
        return value.replace("\x00", "").strip()[:2000]
    return value


def _check_delivery(delivery: dict) -> dict:
    method = delivery.get("method") or "window"
    if method not in ("window", "mail"):
        raise ValidationFailed.one("出件方式须为窗口领取（window）或邮寄（mail）", field="delivery.method")
    address = str(delivery.get("address") or "").strip()[:300]
    if method == "mail" and len(address) < 5:
        raise ValidationFailed.one("邮寄出件须填写收件地址", field="delivery.address")
    return {"method": method, "address": address}


def _check_editor(app: Application, actor: Principal, version: int | None) -> None:
    if app.status not in EDITABLE:
        raise Conflict("申请已提交，不能再修改")
    if actor.role not in APPLYING_ROLES:
        raise Forbidden("只有申请人、代办员或窗口人员可以修改申请")
    if actor.role == Role.clerk and app.channel != "window":
        raise Forbidden("窗口人员只能修改窗口现场录入的申请；网上申请请一次性告知申请人")
    if version is not None and version != app.version:
        raise Conflict(APPLICATION.stale)


def check_material_file(*, material_code: str, filename: str, content: bytes, plan: dict) -> str:
    """Type by extension and by the file's first bytes; size by the configured limit."""
    if material_code not in {m["code"] for m in plan["materials"]}:
        raise ValidationFailed.one("本申请不需要这份材料", field="material_code")
    name = (filename or "").strip()[-200:]
    suffix = next((s for s in MATERIAL_SUFFIXES if name.lower().endswith(s)), None)
    if suffix is None:
        raise ValidationFailed.one(f"材料文件类型须为 {'、'.join(MATERIAL_SUFFIXES)}", field="file")
    limit = get_settings().max_upload_bytes
    if not content:
        raise ValidationFailed.one("文件为空", field="file")
    if len(content) > limit:
        raise ValidationFailed.one(f"文件超过 {limit // (1024 * 1024)} MB 上限", field="file")
    check_content(name, content)
    return name


def add_upload(session: Session, *, actor: Principal, app: Application, material_code: str, filename: str,
               content: bytes, content_type: str, task_id: int | None = None) -> Upload:
    name = check_material_file(material_code=material_code, filename=filename, content=content, plan=app.plan)
    # Stored with the type its bytes show (checked against the extension above), never the type the
    # client declared: `content_type` is that claim, kept out of the record (#9.13).
    up = Upload(application_id=app.id, task_id=task_id, material_code=material_code, filename=name,
                content_type=sniff_content_type(content), size=len(content),
                sha256=hashlib.sha256(content).hexdigest(), content=content, uploaded_by_id=actor.user_id)
    session.add(up)
    app.uploads.append(up)
    session.flush()
    audit.record(session, actor=actor, action="application.upload", entity_type="application", entity_id=app.id,
                 after={"material": material_code, "file": name, "sha256": up.sha256, "task": task_id})
    return up


def open_pending_codes(session: Session, app: Application) -> set[str]:
    """Materials accepted as missing (容缺) whose commitment is not yet fulfilled."""
    if app.case is None:
        return set()
    return {code for c in session.scalars(select(Commitment).where(
        Commitment.case_id == app.case.id, Commitment.kind == "pending_materials", Commitment.fulfilled_at.is_(None)))
        for code in c.material_codes}


def _fulfil_pending(session: Session, actor: Principal, app: Application) -> None:
    """Once nothing required is missing, the 容缺 commitment is fulfilled."""
    if missing_materials(app):
        return
    for c in session.scalars(select(Commitment).where(Commitment.case_id == app.case.id,
                                                      Commitment.kind == "pending_materials",
                                                      Commitment.fulfilled_at.is_(None))):
        c.fulfilled_at = utcnow()
        event(session, app=app, actor=actor, action="fulfil", message="容缺材料已全部补齐，承诺履行完毕")
        audit.record(session, actor=actor, action="commitment.fulfil", entity_type="commitment", entity_id=c.id)


def upload_material(session: Session, *, actor: Principal, application_id: int, material_code: str,
                    filename: str, content: bytes, content_type: str) -> Upload:
    """Before submission, any material; after a 容缺 acceptance, the materials still owed."""
    app = get_application(session, actor=actor, application_id=application_id, for_update=True)
    if app.status == "accepted" and actor.role in (Role.applicant, Role.assistant, Role.clerk) \
            and material_code in open_pending_codes(session, app):
        up = add_upload(session, actor=actor, app=app, material_code=material_code, filename=filename,
                        content=content, content_type=content_type)
        event(session, app=app, actor=actor, action="pending_upload", message=f"补交容缺材料：{up.filename}")
        _fulfil_pending(session, actor, app)
        return up
    _check_editor(app, actor, None)
    return add_upload(session, actor=actor, app=app, material_code=material_code, filename=filename,
                      content=content, content_type=content_type)


def remove_upload(session: Session, *, actor: Principal, application_id: int, upload_id: int) -> None:
    app = get_application(session, actor=actor, application_id=application_id, for_update=True)
    _check_editor(app, actor, None)
    up = next((u for u in app.uploads if u.id == upload_id and not u.superseded), None)
    if up is None:
        raise ValidationFailed.one("没有这份已上传的材料", field="upload_id")
    up.superseded = True


# ---------------------------------------------------------------- submitting

def assigned_later(field: dict, subject_kind: str) -> bool:
    """A person opening an enterprise has no USCC yet: registration assigns it, and the later steps of
    the same case take it from that result rather than asking for it."""
    return subject_kind == "person" and field["shared_source"] == "enterprise.uscc"


def validate_form(plan: dict, form: dict, subject_kind: str) -> ErrorCollector:
    errors = ErrorCollector()
    for f in plan["fields"]:
        value = form.get(f["key"])
        where = f"form.{f['key']}"
        if value in (None, ""):
            if f["required"] and not assigned_later(f, subject_kind):
                errors.add(f"请填写「{f['label']}」", field=where, label=f["label"])
            continue
        text = str(value)
        problem = None
        match f["type"]:
            case "id_number":
                problem = id_number_problem(text)
            case "phone":
                problem = phone_problem(text)
            case "uscc":
                problem = uscc_problem(text)
            case "number" | "money":
                problem = None if re.fullmatch(r"-?\d+(\.\d{1,2})?", text) else "须为数字"
            case "date":
                try:
                    date.fromisoformat(text)
                except ValueError:
                    problem = "须为日期（YYYY-MM-DD）"
            case "select":
                problem = None if not f["options"] or text in f["options"] else "不在可选项中"
            case "email":
                problem = None if EMAIL.match(text) else "电子邮箱格式不正确"
        if problem:
            errors.add(f"「{f['label']}」{problem}", field=where, label=f["label"])
    return errors


def submit(session: Session, *, actor: Principal, application_id: int, idempotency_key: str | None = None,
           version: int | None = None) -> Application:
    """Submit once: a retry with the same key returns the submitted application unchanged."""
    app = get_application(session, actor=actor, application_id=application_id, for_update=True)
    if app.status not in EDITABLE and idempotency_key and app.idempotency_key == idempotency_key:
        return app
    APPLICATION.check(app, "submit")
    _check_editor(app, actor, version)  # who may, and the version the applicant saw
    _refresh_shared(session, app, actor)
    errors = validate_form(app.plan, app.form_data, app.subject_kind)
    for check in app.checks:
        if not check["passed"]:
            errors.add(f"条件核验未通过：{check['name']}（{check['detail']}）", field="subject")
    for m in missing_materials(app):
        if not m["pending_allowed"]:
            errors.add(f"请上传「{m['name']}」", field=f"materials.{m['code']}", label=m["name"])
    errors.raise_if_any("申请不完整，请按提示补齐后再提交")
    if idempotency_key:
        if (other := _by_key(session, actor, idempotency_key)) is not None and other.id != app.id:
            raise Conflict("该幂等键已用于另一份申请")
        app.idempotency_key = idempotency_key
    resubmitted = app.status == "returned"
    # The notice stays with a resubmitted application (the window checks against it); a first one has none.
    APPLICATION.move(session, app, "submit", actor=actor,
                     values={"submitted_at": utcnow(), "notice": app.notice if resubmitted else None})
    event(session, app=app, actor=actor, action="submit", message="补齐后重新提交" if resubmitted else "提交申请")
    return app


def list_applications(session: Session, *, actor: Principal, status: str | None = None):
    """Row-level: applicants see their own (and their enterprises'), assistants what they entered,
    the window and supervisors everything."""
    stmt = select(Application).options(selectinload(Application.case)).order_by(Application.id.desc())
    if actor.role == Role.applicant:
        stmt = stmt.where(or_(Application.applicant_id == actor.user_id,
                              Application.subject_key.in_(my_subject_keys(session, actor))))
    elif actor.role == Role.assistant:
        stmt = stmt.where(Application.created_by_id == actor.user_id)
    elif actor.role not in STAFF_READERS:
        raise Forbidden("无权查看申请列表")
    if status:
        stmt = stmt.where(Application.status == status)
    return stmt
