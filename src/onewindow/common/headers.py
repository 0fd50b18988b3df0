"""HTTP hygiene every answer carries: no MIME sniffing, no framing, and a Content-Security-Policy that
lets pages run only the app's own scripts and styles (htmx and ECharts are vendored under /static; no
inline <script>, on…= handlers or style= attributes in templates)."""

from __future__ import annotations

from starlette.routing import Match

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# The OpenAPI explorer is FastAPI's Swagger page (inline bootstrap script, CDN assets): it keeps the
# other headers but not the page policy, which it could not run under.
CSP_EXEMPT = ("/api/docs", "/api/docs/oauth2-redirect")


def apply(headers, path: str) -> None:
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if path not in CSP_EXEMPT:
        headers.setdefault("Content-Security-Policy", CSP)


def allowed_methods(app, scope) -> str:
    """Every method some route answers at this path (a 405 must name them in `Allow`): a route matches
    fully only when both the path and the method fit, which holds for included routers too."""
    allowed = [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
               if any(route.matches({**scope, "method": m})[0] == Match.FULL for route in app.router.routes)]
    if "GET" in allowed:
        allowed[1:1] = ["HEAD"]
    return ", ".join(allowed)
