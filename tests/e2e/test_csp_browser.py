"""The Content-Security-Policy holds in real Chromium (#9.13): signed in as each main role, visit every page
in the menu and the first few pages they link to, open the charts and hover them, and fail on any CSP
violation the browser reports (a blocked inline script, style attribute, eval or foreign asset)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

ROLES = ["admin", "supervisor", "clerk", "approver_scjg", "applicant", "policy_officer", "inspector"]
# Files, not pages: opened directly, a PNG is shown by Chromium's own image document, whose inline styles
# the CSP blocks (our page embeds it as <img>, which the crawl checks).
SKIP = ("/logout", "export", ".xlsx", ".yaml", "/yaml", "/uploads/", "/api/", "download", ".png")
REPORT = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


def _local_links(page, selector: str, limit: int) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        if not href or not href.startswith("/") or href.startswith("//") or any(s in href for s in SKIP):
            continue
        if href not in out:
            out.append(href)
    return out[:limit]


@pytest.mark.parametrize("username", ROLES)
def test_9_13_main_pages_raise_no_csp_violation(page, username):
    violations: list[str] = []
    page.add_init_script(REPORT)
    page.on("console", lambda msg: violations.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and ("CSP violation" in msg.text or "Content Security Policy" in msg.text) else None)
    sign_in(page, username)
    visited: set[str] = set()
    menu = ["/"] + _local_links(page, "header nav a", 30)
    for path in menu:
        if path in visited:
            continue
        visited.add(path)
        page.goto(path)
        page.wait_for_load_state("networkidle")
        for chart in page.locator("canvas").all()[:2]:  # ECharts tooltips must not use inline styles either
            box = chart.bounding_box()
            if box:
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                page.wait_for_timeout(300)
        for link in _local_links(page, "main a", 3):
            if link in visited:
                continue
            visited.add(link)
            try:
                page.goto(link)
            except PlaywrightError as exc:  # a link that downloads a file is no page
                if "Download is starting" in str(exc):
                    continue
                raise
            page.wait_for_load_state("networkidle")
    assert len(visited) > 3
    assert all(urlparse(page.url).netloc for _ in [0])
    assert violations == [], "\n".join(violations)
