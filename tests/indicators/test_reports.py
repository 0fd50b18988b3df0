"""月调度 / 季通报: generated, printed to PDF (pages read back with pdftoppm), exported, published with
rectification items for units off target, and the next report shows what became of them."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from onewindow.common.errors import Conflict
from onewindow.indicators import pages, pdf, reports, service
from onewindow.rectification import service as rectification
from tests.indicators.conftest import MAY


def test_report_pdf_renders_and_pages_read_back(session, fx, tmp_path):
    if pdf.chromium() is None or shutil.which("pdftoppm") is None:
        pytest.skip("Chromium or poppler-utils (pdftoppm) missing")
    report = reports.generate(session, actor=fx.supervisor, kind="monthly", period=MAY)
    titles = [t["title"] for t in report.content["tables"]]
    assert "未达标单位" in titles and "超期办件（按单位）" in titles and "整改事项（按单位）" in titles
    content = pdf.render(pages.print_html(report))
    assert content.startswith(b"%PDF")
    (tmp_path / "r.pdf").write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) >= 2 and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, check=True).stdout.decode()
    assert "营商环境指标月调度" in text and "按时办结率" in text  # Chinese text, not tofu boxes
    assert "测试县市场监督管理局" in text
    assert "明细" not in text  # the page's drill-down links are not printed
    assert any(t.links for t in pages._tables(report))  # … which the report's page does show
    # Chromium embeds the Noto CJK glyphs (as Type 3 with a Unicode map): every font is embedded
    fonts = subprocess.run(["pdffonts", str(tmp_path / "r.pdf")], capture_output=True, check=True).stdout.decode()
    assert all(" yes " in line for line in fonts.splitlines()[2:])


def test_publish_opens_rectification_and_next_report_follows_up(session, fx, monkeypatch):
    report = reports.generate(session, actor=fx.supervisor, kind="monthly", period=MAY)
    off = report.content["off_target"]
    assert {("ASBJ", "测试市市场监督管理局"), ("CPZG", "测试县市场监督管理局")} <= {(o["code"], o["unit"]) for o in off}
    reports.publish(session, actor=fx.supervisor, report_id=report.id, version=report.version)
    session.commit()
    assert service.is_published(session, period=MAY)
    opened = report.content["opened"]
    assert len(opened) == len(off)
    item = rectification.item_ref(session, item_id=opened[0]["item_id"])
    assert item.status == "rectifying" and item.deadline > date(2026, 1, 1)
    with pytest.raises(Conflict):
        reports.generate(session, actor=fx.supervisor, kind="monthly", period=MAY)
    nxt = reports.generate(session, actor=fx.supervisor, kind="monthly", period="2026-06")
    follow = next(t for t in nxt.content["tables"] if t["key"] == "followup")
    assert len(follow["rows"]) == len(opened) and follow["rows"][0][2] == "整改中"
    assert reports.xlsx(nxt).startswith(b"PK")


def test_pages_dashboard_drill_public(session, fx, client, browser_as):
    from onewindow.common.roles import Role

    service.compute_periods(session, actor=fx.supervisor, periods=[MAY])
    session.commit()
    c = browser_as(Role.supervisor)
    page = c.get(f"/indicators?period={MAY}&code=CQJS")
    assert page.status_code == 200 and "超期件数" in page.text and "ow-chart" in page.text
    assert c.get(f"/indicators/dashboard.xlsx?period={MAY}&code=CQJS").content.startswith(b"PK")
    drill = c.get(f"/indicators/drill?code=CQJS&period={MAY}&unit_kind=department&unit_key={fx.city_dept}")
    assert drill.status_code == 200 and "C20260002" in drill.text
    assert c.get(f"/indicators/unit/{fx.city_dept}").status_code == 200
    assert "暂无已发布" in client.get("/indicators/public").text
    assert client.get("/indicators?period=bad").status_code in (400, 422)


def test_definitions_page_import_export(session, fx, browser_as):
    from onewindow.common.roles import Role
    from onewindow.indicators.models import IndicatorDefinition
    from tests.conftest import csrf

    c = browser_as(Role.supervisor)
    page = c.get("/indicators/definitions")
    # supervision declares the visits per grade: every builtin indicator has its data source now
    assert page.status_code == 200 and "A级企业户均检查次数" in page.text and "暂无数据来源" not in page.text
    xlsx = c.get("/indicators/definitions/export.xlsx").content
    assert xlsx.startswith(b"PK")
    yaml_text = c.get("/indicators/definitions/export.yaml").content.decode()
    changed = yaml_text.replace("target: '98'", "target: '97'")
    assert changed != yaml_text
    r = c.post("/indicators/definitions/import", data={"csrf_token": csrf(page.text)},
               files={"file": ("指标.yaml", changed.encode(), "application/yaml")}, follow_redirects=True)
    assert r.status_code == 200, r.text
    import re as _re
    assert "指标定义已导入" in r.text, _re.findall(r"<li[^>]*>[^<]*</li>", r.text)[:5]
    versions = session.query(IndicatorDefinition).filter_by(code="ASBJ").count()
    assert versions == 2  # a changed target is a new version
    bad = changed.replace("9302/10000=93.02", "9302/10000=90")
    r = c.post("/indicators/definitions/import", data={"csrf_token": csrf(page.text)},
               files={"file": ("指标.yaml", bad.encode(), "application/yaml")}, follow_redirects=True)
    assert "测试用例" in r.text and session.query(IndicatorDefinition).filter_by(code="RX_ASBJ").count() == 1
