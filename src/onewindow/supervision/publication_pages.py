"""一公开 pages: the officers' list of results to publish (超期 / 预警 first, from the calendar's sweep) with the
publish button, and the public page of published results (no login; inspectors are not named)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse

from onewindow.calendar.clock import SLA_LABELS
from onewindow.catalog import service as catalog
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.schemas import MAX_ID
from onewindow.common.web import attempt, render
from onewindow.sharing import service as sharing
from onewindow.supervision import findings, publication
from onewindow.supervision.states import KINDS, RESULTS

router = APIRouter()
LABELS = {"sla": SLA_LABELS, "kinds": KINDS, "results": RESULTS}


def _results(session, inspections) -> dict:
    out: dict = {}
    for f in findings.findings_of(session, inspection_ids=[i.id for i in inspections]):
        out.setdefault(f.inspection_id, []).append(f)
    return out


@router.get("/supervision/publication")
def publication_page(request: Request, session: DbSession, principal: PageUser):
    pending = publication.rows(session, actor=principal)
    published = publication.rows(session, actor=principal, published=True, limit=50)
    return render(request, "supervision/publication.html",
                  {"pending": pending, "published": published, "labels": LABELS, "days": publication.limit_days(),
                   "departments": {d.id: d.name for d in catalog.list_departments(session)},
                   "results": _results(session, [r.inspection for r in pending + published])}, principal=principal)


@router.post("/supervision/inspections/{inspection_id}/publish", dependencies=[CsrfChecked])
async def publish(request: Request, session: DbSession, principal: PageUser,
                  inspection_id: int = Path(ge=1, le=MAX_ID)):
    def run():
        publication.publish_results(session, actor=principal, inspection_id=inspection_id)
        session.commit()
        return RedirectResponse("/supervision/publication", status_code=303)

    return await attempt(request, session, run, back="/supervision/publication", done="检查结果已公示")


@router.get("/public/supervision/results")
def public_results(request: Request, session: DbSession):
    rows = publication.published(session)
    return render(request, "supervision/public_results.html",
                  {"rows": rows, "labels": LABELS, "results": _results(session, rows),
                   "names": sharing.enterprise_names(session, ids=[i.enterprise_id for i in rows]),
                   "departments": {d.id: d.name for d in catalog.list_departments(session)}})
