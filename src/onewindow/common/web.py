"""Templating for the Chinese web UI: one Jinja environment, helpers every page uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi import Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from onewindow.common import time as beijing
from onewindow.common.errors import Conflict, DomainError, ValidationFailed
from onewindow.common.http import csrf_token
from onewindow.common.kept import EMPTY, Kept, field_id, keep
from onewindow.common.money import amount_spans, money_text
from onewindow.common.roles import ROLE_LABELS, Role

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Stored in UTC, shown in Asia/Shanghai."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(beijing.SHANGHAI).strftime(fmt)


def yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    if fen == 0:
        return "免费"
    return money_text(fen)


def cn_date(value: date | None) -> str:
    return "" if value is None else f"{value.year}年{value.month}月{value.day}日"


templates.env.filters["local_time"] = local_time
templates.env.filters["yuan"] = yuan
# Money everywhere (#9.4): `money` is exact (万元 when a whole 百元, else 元 to the fen); `wan` rounds a
# summary figure to two decimals of 万元.
templates.env.filters["money"] = money_text
templates.env.filters["wan"] = lambda fen: money_text(fen, exact=False)
# Text that contains amounts (a formula, a stage line): each amount in a nowrap span, the rest free to wrap.
templates.env.filters["amounts"] = lambda text: Markup("").join(
    Markup('<span class="money">{}</span>').format(piece) if is_amount else escape(piece)
    for piece, is_amount in amount_spans(str(text)))
templates.env.filters["cn_date"] = cn_date
templates.env.filters["role_label"] = lambda role: ROLE_LABELS.get(Role(role), role) if role in set(Role) else role


def reductions_json(reductions: dict, labels: dict):
    """Chart data for a bundle's reductions, safe inside an HTML attribute."""
    data = [{"label": labels[k], "separate": r.separate, "bundled": r.bundled} for k, r in reductions.items()]
    return htmlsafe_json_dumps(data)


templates.env.filters["tojson_reductions"] = reductions_json
templates.env.filters["field_id"] = field_id
templates.env.globals["ROLE_LABELS"] = ROLE_LABELS
templates.env.globals["Role"] = Role


def render(request: Request, name: str, context: dict | None = None, *, status_code: int = 200,
           principal=None):
    ctx = {"principal": principal, "csrf_token": csrf_token(request), "kept": EMPTY}
    if flashed := request.session.pop("flash", None):
        ctx.update(error_title=flashed["title"], errors=flashed["errors"])
    if done := request.session.pop("done", None):
        ctx["done"] = done
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def flash_error(request: Request, exc) -> None:
    """Keep a DomainError for the next page (post/redirect/get), so a form shows what was wrong."""
    request.session["flash"] = {"title": exc.message,
                                "errors": [d.for_people() for d in exc.details] or [exc.message]}


def flash_done(request: Request, message: str) -> None:
    request.session["done"] = message


async def attempt(request: Request, session, action: Callable, *, back: str, done: str | None = None,
                  page: Callable[[Kept], object] | None = None, names: dict[str, str] | None = None):
    """Run a page action. On a domain error roll back; then, for a form (`page` given), show the form again
    at once with what was typed and each error beside its field (`names` maps the service's field keys to
    the form's control names); otherwise keep the error for the page and go back."""
    try:
        result = action()
    except DomainError as exc:
        session.rollback()
        if page is not None and isinstance(exc, ValidationFailed | Conflict):
            # A refusal (403/404) is not about what was typed: it goes back with the message only.
            return page(keep(await request.form(), exc, names=names))
        flash_error(request, exc)
        return RedirectResponse(back, status_code=303)
    if done:
        flash_done(request, done)
    return result


async def form_dict(request: Request) -> dict:
    """A posted form's text fields (uploads are read separately)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}
