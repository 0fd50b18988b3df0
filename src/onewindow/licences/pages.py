"""E-licence pages: public verification (扫码亮证, by code or uploaded file), the wallet, details."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from onewindow.common import time as beijing
from onewindow.common.errors import DomainError, Forbidden, ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, MaybeUser, PageUser
from onewindow.common.uploads import read_upload
from onewindow.common.web import render
from onewindow.licences import service
from onewindow.sharing.service import Licence

router = APIRouter()


def verify_url(request: Request, code: str) -> str:
    """The absolute address the QR code carries, on this server (no outside service involved)."""
    return f"{str(request.base_url).rstrip('/')}/verify/{quote(code, safe='')}"


def _card(request: Request, lic: Licence) -> dict:
    url = verify_url(request, lic.code)
    return {"licence": lic, "url": url, "qr": Markup(service.qr_svg(url)), "issuer": service.issuer_name(lic)}


def _result_ctx(result: service.VerificationResult) -> dict:
    lic = result.licence if result.status in ("valid", "revoked") else None
    return {"result": result, "shown": lic,
            "holder": service.masked_holder(lic) if lic else "", "issuer": service.issuer_name(lic) if lic else ""}


@router.get("/verify")
def verify_form(request: Request, principal: MaybeUser, code: str | None = Query(None, max_length=40)):
    if code and code.strip():
        return RedirectResponse(f"/verify/{quote(code.strip(), safe='')}", status_code=303)
    return render(request, "licences/verify.html", {}, principal=principal)


@router.post("/verify", dependencies=[CsrfChecked])
async def verify_upload(request: Request, session: DbSession, principal: MaybeUser, file: UploadFile):
    try:
        filename, content = await read_upload(file, suffixes=(".json",))
        result = service.verify_document(session, content=content)
    except ValidationFailed as exc:
        return render(request, "licences/verify.html", {"errors": exc.details, "error_title": exc.message},
                      principal=principal, status_code=422)
    return render(request, "licences/verify.html", {**_result_ctx(result), "filename": filename},
                  principal=principal)


@router.get("/verify/{code}")
def verify_page(request: Request, code: str, session: DbSession, principal: MaybeUser):
    result = service.verify(session, code=code)
    return render(request, "licences/verify.html", {**_result_ctx(result), "code": code}, principal=principal,
                  status_code=404 if result.status == "unknown" else 200)


@router.get("/my/licences")
def wallet_page(request: Request, session: DbSession, principal: PageUser):
    cards = [_card(request, lic) for lic in service.wallet(session, actor=principal)]
    return render(request, "licences/wallet.html", {"cards": cards, "today": beijing.today()}, principal=principal)


def _detail(request: Request, session, principal, code: str, *, error: DomainError | None = None):
    lic = service.get_for_actor(session, actor=principal, code=code)
    ctx = {**_card(request, lic), "result": service.verify(session, code=lic.code),
           "rows": service.field_rows(lic), "holder_key": service.masked_holder_key(lic),
           "can_revoke": principal.role in service.REVOKERS and lic.status == "valid", "error": error}
    return render(request, "licences/detail.html", ctx, principal=principal,
                  status_code=error.status_code if error else 200)


@router.get("/licences/{code}")
def licence_page(request: Request, code: str, session: DbSession, principal: PageUser):
    return _detail(request, session, principal, code)


@router.post("/licences/{code}/revoke", dependencies=[CsrfChecked])
def revoke_page(request: Request, code: str, session: DbSession, principal: PageUser,
                reason: str = Form("", max_length=2000)):
    try:
        lic = service.revoke(session, actor=principal, code=code, reason=reason)
    except (ValidationFailed, Forbidden) as exc:
        session.rollback()
        return _detail(request, session, principal, code, error=exc)
    return RedirectResponse(f"/licences/{quote(lic.code, safe='')}", status_code=303)
