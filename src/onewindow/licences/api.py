"""E-licence endpoints: public verification by code or file, the holder's wallet, details, download."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Response, UploadFile

from onewindow.common.api import ERRORS
from onewindow.common.http import CurrentUser, DbSession
from onewindow.common.uploads import read_upload
from onewindow.licences import service
from onewindow.licences.schemas import LicenceOut, RevokeIn, VerificationOut
from onewindow.sharing.service import Licence

router = APIRouter(prefix="/licences", tags=["电子证照"], responses=ERRORS)
Code = Annotated[str, Path(min_length=1, max_length=40, description="证照编号")]
DOCUMENT = {200: {"description": "电子证照文件（JSON，含签名内容、SM2 签名与密钥标识）",
                  "content": {"application/json": {}}}}


def verification_out(result: service.VerificationResult) -> dict:
    out = {"status": result.status, "status_label": result.label, "message": result.message,
           "expired": result.expired}
    lic = result.licence
    if lic is not None and result.status in ("valid", "revoked"):
        out.update(code=lic.code, licence_type=lic.licence_type, holder_name=service.masked_holder(lic),
                   issuer=service.issuer_name(lic), issued_on=lic.issued_on, valid_until=lic.valid_until)
    return out


def licence_out(lic: Licence) -> dict:
    return {"code": lic.code, "licence_type": lic.licence_type, "holder_kind": lic.holder_kind,
            "holder_key": service.masked_holder_key(lic), "holder_name": lic.holder_name,
            "issuer_department_id": lic.issuer_department_id, "issuer": service.issuer_name(lic),
            "case_code": lic.case_code, "item_code": lic.item_code, "issued_on": lic.issued_on,
            "valid_until": lic.valid_until, "data": service.masked_data(lic), "status": lic.status,
            "revoked_at": lic.revoked_at, "revoke_reason": lic.revoke_reason, "algorithm": lic.algorithm,
            "key_id": lic.key_id, "verify_path": f"/verify/{quote(lic.code)}",
            "document_path": f"/api/licences/{quote(lic.code)}/document"}


@router.get("/verify/{code}", response_model=VerificationOut, summary="按证照编号核验（公开，扫码亮证）")
def verify_code(code: Code, session: DbSession) -> dict:
    return verification_out(service.verify(session, code=code))


@router.post("/verify", response_model=VerificationOut, summary="上传电子证照文件核验（公开）")
async def verify_file(file: UploadFile, session: DbSession) -> dict:
    _, content = await read_upload(file, suffixes=(".json",))
    return verification_out(service.verify_document(session, content=content))


@router.get("/mine", response_model=list[LicenceOut], summary="我的证照（本人及所代表企业持有的证照）")
def mine(session: DbSession, actor: CurrentUser) -> list[dict]:
    return [licence_out(lic) for lic in service.wallet(session, actor=actor)]


@router.get("/{code}", response_model=LicenceOut, summary="证照详情（持证人或工作人员）")
def detail(code: Code, session: DbSession, actor: CurrentUser) -> dict:
    return licence_out(service.get_for_actor(session, actor=actor, code=code))


@router.get("/{code}/document", response_class=Response, responses=DOCUMENT, summary="下载电子证照文件")
def download(code: Code, session: DbSession, actor: CurrentUser) -> Response:
    lic = service.get_for_actor(session, actor=actor, code=code)
    return Response(service.document(lic), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{service.document_filename(lic)}"'})


@router.post("/{code}/revoke", response_model=LicenceOut, summary="撤销证照（审批、监管人员，管理员）")
def revoke(code: Code, body: RevokeIn, session: DbSession, actor: CurrentUser) -> dict:
    return licence_out(service.revoke(session, actor=actor, code=code, reason=body.reason))
