"""码上监督 codes to print (issue 11 item 1): one per window (each department's counter), and one per
enterprise or per item on request. A code carries this server's /demands/scan address bound to what it
stands for, so a scan opens the short form already knowing the window, enterprise or item."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from markupsafe import Markup

from onewindow.catalog import service as catalog
from onewindow.common import qr
from onewindow.common.http import DbSession, PageUser
from onewindow.common.roles import Role
from onewindow.common.web import render

router = APIRouter()
PRINTERS = (Role.clerk, Role.agent, Role.supervisor, Role.admin)


def _card(request: Request, title: str, note: str, **bound) -> dict:
    url = str(request.base_url).rstrip("/") + "/demands/scan?" + urlencode({k: v for k, v in bound.items() if v})
    return {"title": title, "note": note, "url": url,
            "svg": Markup(qr.qr_svg(url, title=f"码上监督：{title}", svgclass="scan-qr"))}


@router.get("/demands/qr")
def qr_sheet(request: Request, session: DbSession, principal: PageUser,
             enterprise: str = Query("", max_length=200), uscc: str = Query("", max_length=18),
             item: str = Query("", max_length=40)):
    principal.require(*PRINTERS)
    cards, errors = [], []
    enterprise, uscc, item = enterprise.strip(), uscc.strip().upper(), item.strip()
    if item:
        found = catalog.current_items(session, [item]).get(item)
        if found is None:
            errors.append(f"事项编码「{item}」不存在或未发布")
        else:
            cards.append(_card(request, found.name, "办理本事项遇到问题，请扫码反映", item=item))
    if enterprise or uscc:
        if not enterprise:
            errors.append("请填写企业名称")
        else:
            cards.append(_card(request, enterprise, "涉企检查、收费、服务问题，请扫码反映", enterprise=enterprise,
                               uscc=uscc))
    windows = [_card(request, d.name, "窗口服务问题，请扫码反映", window=str(d.id))
               for d in catalog.list_departments(session)]
    return render(request, "demands/qr.html", {"cards": cards, "windows": windows, "errors": errors,
                                               "asked": {"enterprise": enterprise, "uscc": uscc, "item": item}},
                  principal=principal)
