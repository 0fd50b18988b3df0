"""The report as PDF: headless Chromium (the one the browser tests use) prints the server-rendered
print page, with the vendored ECharts inlined and drawn as SVG, in Noto CJK. No network is touched:
the page is set as content, not fetched."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from onewindow.common.errors import DomainError

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


class PdfUnavailable(DomainError):
    status_code = 503
    code = "pdf_unavailable"


def chromium() -> str | None:
    return os.environ.get("ONEWINDOW_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def inline_scripts() -> str:
    echarts = (STATIC / "vendor" / "echarts-5.6.0.common.min.js").read_text(encoding="utf-8")
    own = (STATIC / "js" / "indicators.js").read_text(encoding="utf-8")
    return f"<script>{echarts}</script><script>{own}</script>"


def render(html: str) -> bytes:
    path = chromium()
    if path is None:
        raise PdfUnavailable("本机未安装 Chromium，暂不能生成 PDF，请先导出 Excel")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            page.wait_for_function("window.indicatorsDrawn === true", timeout=15000)
            return page.pdf(format="A4", print_background=True,
                            margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()
