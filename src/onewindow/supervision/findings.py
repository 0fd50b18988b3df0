"""Results of an approved visit, per matter: 合格; 责令整改 (a 整改 item opened in the ledger, a minor
credit record); 立案查处 (a penalty record, serious when said so); 不予处罚 citing a published tolerance
list item (the list's version recorded); 查无下落 (the enterprise goes on the abnormal list)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.common import audit
from onewindow.common.errors import Forbidden, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.rectification import service as rectification
from onewindow.sharing import service as sharing
from onewindow.supervision import credit, gate, tolerance
from onewindow.supervision.models import CheckMatter, Finding
from onewindow.supervision.states import INSPECTION, RESULTS

CREDIT_EFFECT = {"rectify": ("inspection", "minor"), "case": ("penalty", "general"), "absent": ("abnormal", "general")}


def record_results(session: Session, *, actor: Principal, inspection_id: int, results: list[dict],
                   version: int | None = None) -> list[Finding]:
    """`results`: [{matter_code, result, note, serious?, tolerance_list_id?, tolerance_item?}] — one per
    matter of the visit. The visit must be approved (the gate); it then counts as visited."""
    actor.require(Role.inspector, Role.admin)
    insp = gate.get(session, inspection_id=inspection_id)
    if actor.role == Role.inspector and actor.department_id not in insp.department_ids:
        raise Forbidden("只能登记本部门参与的检查结果")
    gate.require_approved(insp)
    matters = {m.code: m for m in session.scalars(select(CheckMatter).where(CheckMatter.code.in_(insp.matter_codes)))}
    name = sharing.enterprise_names(session, ids=[insp.enterprise_id]).get(insp.enterprise_id, "")
    out = []
    for n, r in enumerate(results, start=1):
        code, result = str(r.get("matter_code", "")), str(r.get("result", ""))
        if insp.matter_codes and code not in matters:
            raise ValidationFailed.one(f"第{n}条结果的抽查事项不属于本次检查", field=f"results.{n}.matter_code",
                                       label="抽查事项")
        if result not in RESULTS:
            raise ValidationFailed.one(f"第{n}条检查结果须为{'/'.join(RESULTS.values())}", field=f"results.{n}.result",
                                       label="检查结果")
        dept = matters[code].department_id if code in matters else insp.department_ids[0]
        if actor.role == Role.inspector and dept != actor.department_id:
            raise Forbidden("只能登记本部门事项的检查结果")
        f = Finding(inspection_id=insp.id, matter_code=code, department_id=dept, result=result,
                    note=str(r.get("note", "") or "").strip()[:2000])
        listed = None
        if result == "tolerated":
            if not r.get("tolerance_list_id"):
                raise ValidationFailed.one(f"第{n}条结果为不予处罚，须选择所依据的免罚清单",
                                           field=f"results.{n}.tolerance_list_id", label="免罚清单")
            try:
                row, item = tolerance.cited_item(session, list_id=int(r["tolerance_list_id"]),
                                                 item_no=str(r.get("tolerance_item", "")))
            except ValidationFailed as exc:  # located on this result, so the form shows it beside its control
                raise ValidationFailed(exc.message, details=[
                    type(d)(message=d.message, field=f"results.{n}.{d.field}", label=d.label)
                    for d in exc.details]) from None
            f.tolerance_list_id, f.tolerance_item = row.id, item["no"]
            listed = f"{row.title}（第{row.version_no}版）第{item['no']}项：{item['conduct']}"
            f.note = f.note or f"依据{listed}，不予处罚"
        session.add(f)
        session.flush()
        if result == "rectify":
            ref = rectification.open_item(session, source_kind="inspection", source_ref=f"sup_finding:{f.id}",
                                          title=f"{name}：{matters[code].name if code in matters else code}责令整改",
                                          department_id=dept, actor=actor)
            f.rectification_id = ref.id
        if result in CREDIT_EFFECT:
            source, severity = CREDIT_EFFECT[result]
            if result == "case" and r.get("serious"):
                severity = "serious"
            credit.record_entry(session, actor=actor, enterprise_id=insp.enterprise_id, source=source,
                                ref=f"finding:{f.id}", severity=severity, department_id=dept,
                                reason=f"{RESULTS[result]}：{f.note or code}", occurred_on=insp.visit_on)
        audit.record(session, actor=actor, action="sup_finding.record", entity_type="sup_finding", entity_id=f.id,
                     after={"matter_code": code, "result": result, "tolerance_item": f.tolerance_item,
                            "list_version": listed})
        out.append(f)
    if not out:
        raise ValidationFailed.one("请至少登记一项检查结果", field="results", label="检查结果")
    INSPECTION.move(session, insp, "visit", actor=actor, version=version)
    session.flush()
    return out


def findings_of(session: Session, *, inspection_ids) -> list[Finding]:
    ids = list(inspection_ids)
    return list(session.scalars(select(Finding).where(Finding.inspection_id.in_(ids)).order_by(Finding.id))) if ids else []
