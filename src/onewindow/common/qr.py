"""The one QR code maker (segno, pure Python, no outside service): inline SVG for pages and print, PNG
for a tablet or a download. Medium error correction: a printed code still reads when a corner is worn."""

from __future__ import annotations

import io

import segno


def make(payload: str) -> segno.QRCode:
    return segno.make(payload, error="m", micro=False)


def qr_svg(payload: str, *, title: str = "二维码", svgclass: str = "qr", scale: int = 4) -> str:
    """Inline SVG markup (no XML declaration) of a QR code carrying `payload`."""
    return make(payload).svg_inline(scale=scale, border=2, title=title, svgclass=svgclass, lineclass=None)


def qr_png(payload: str, *, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    make(payload).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()
