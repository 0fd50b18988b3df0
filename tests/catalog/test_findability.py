"""Issue 9.7: the service guide finds bundles as well as items, a bundle's page offers 在线办理, an item
with a 0-day limit reads 即办, and a 0-day deadline never falls on a day off."""

from __future__ import annotations

from datetime import date

from onewindow.calendar import clock
from onewindow.calendar.service import WorkCalendar
from onewindow.catalog import service
from onewindow.catalog.models import ServiceItem
from onewindow.common.roles import Role


def test_issue_9_search_finds_the_bundle(catalog):
    assert [b.code for b in service.search_bundles(catalog, q="企业开办")] == ["T-YJS-KB"]
    assert [b.code for b in service.search_bundles(catalog, q="开办企业")] == ["T-YJS-KB"]  # every word, any order
    assert service.search_bundles(catalog, q="不动产") == []
    assert service.search_bundles(catalog, q="！！") == []


def test_issue_9_guide_page_lists_bundles_above_items(client, catalog):
    html = client.get("/catalog", params={"q": "企业开办"}).text
    assert 'id="bundle-results"' in html and "企业开办一件事" in html
    assert 'href="/apply?target=bundle:T-YJS-KB"' in html
    assert 'id="bundle-results"' not in client.get("/catalog", params={"q": "发票"}).text


def test_issue_9_bundle_and_item_pages_offer_online_application(client, catalog):
    html = client.get("/catalog/bundles/T-YJS-KB").text
    assert 'id="apply-online"' in html and 'href="/apply?target=bundle:T-YJS-KB"' in html
    assert 'href="/apply?target=item:T-SW-0001"' in client.get("/catalog/items/T-SW-0001").text


def test_issue_9_apply_page_preselects_the_target(client, catalog, browser_as):
    page = browser_as(Role.applicant)
    html = page.get("/apply", params={"target": "bundle:T-YJS-KB"}).text
    assert '<option value="bundle:T-YJS-KB" selected>' in html
    html = page.get("/apply", params={"target": "item:T-SW-0001"}).text
    assert '<option value="item:T-SW-0001" selected>' in html
    assert page.get("/apply", params={"target": "item:NOPE"}).status_code == 200


def test_issue_9_zero_day_limit_reads_jiban(client, catalog):
    item = catalog.query(ServiceItem).filter_by(code="T-SW-0001", status="published").one()
    item.promised_limit_days, item.statutory_limit_days = 0, 0
    catalog.commit()
    html = client.get("/catalog/items/T-SW-0001").text
    assert html.count(">即办<") == 2 and ">0</div><div class=\"l\">承诺时限" not in html
    row = client.get("/catalog", params={"q": "发票"}).text
    assert "即办 / 即办" in row and "0 个工作日" not in row
    assert "即办" in client.get("/catalog/bundles/T-YJS-KB").text


def test_issue_9_zero_day_deadline_is_never_a_day_off():
    cal = WorkCalendar()
    due = lambda start: clock.deadline(cal, start=start, limit_days=0, suspensions=(), today=start).due  # noqa: E731
    assert due(date(2026, 12, 9)) == date(2026, 12, 9)  # a Wednesday: 即办 the same day
    assert due(date(2026, 12, 12)) == date(2026, 12, 14)  # Saturday → Monday
    assert due(date(2026, 10, 3)) == date(2026, 10, 8)  # 国庆 holiday → first working day after
    assert clock.deadline(cal, start=date(2026, 12, 12), limit_days=1, suspensions=(),
                          today=date(2026, 12, 12)).due == date(2026, 12, 14)
