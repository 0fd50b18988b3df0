"""Issue 11 item 1, the batch channel: demands from 12315, 电子邮件 and 包联走访 imported from an xlsx or csv
file. Every bad row and column is listed at once and a file with any error writes nothing; a good
file goes through the ordinary intake (一事一码, dispatch clock, timeline, audit, routing suggestion);
importing it again, or a row with the same 来源渠道 + 来源编号, makes nothing new."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from onewindow.common.errors import Forbidden, ValidationFailed
from onewindow.common.models import AuditRecord as AuditEntry
from onewindow.demands import imports
from onewindow.demands.models import Demand, History, Route
from tests.conftest import PASSWORD

HEAD = ["来源渠道", "来源编号", "原受理时间", "类型", "紧急程度", "主题", "内容", "所属领域", "区域", "地点", "诉求人",
        "联系电话", "企业名称", "统一社会信用代码", "保密"]


def row(source="12315", number="A-001", kind="投诉", subject="超市售卖过期食品", phone="13812345678", **kw):
    values = {"原受理时间": "2026-12-01 09:30", "紧急程度": "一般", "内容": "消费者反映牛奶已过保质期", "所属领域": "食品安全",
              "区域": "测试县", "地点": "测试县人民路1号", "诉求人": "王五", "企业名称": "", "统一社会信用代码": "", "保密": "否"}
    values |= {"来源渠道": source, "来源编号": number, "类型": kind, "主题": subject, "联系电话": phone} | kw
    return [values[h] for h in HEAD]


def xlsx(rows, head=HEAD) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "诉求"
    ws.append(head)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEAD)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


GOOD = [row(number="A-001"), row(source="电子邮件", number="MAIL-7", kind="咨询", subject="咨询营业执照办理", phone="", 所属领域="企业开办"),
        row(source="包联走访", number="BL-2026-03", kind="求助", subject="企业用电增容求助", phone="",
            企业名称="测试县某机械有限公司", 诉求人="走访干部李四")]


def counts(session) -> dict:
    session.expire_all()
    return {"demands": session.scalar(select(func.count()).select_from(Demand)),
            "history": session.scalar(select(func.count()).select_from(History)),
            "audit": session.scalar(select(func.count()).select_from(AuditEntry))}


def test_a_good_file_goes_through_the_ordinary_intake(session, world):
    w = world
    session.add(Route(kind="", topic="食品安全", region="", department_id=w["dept"]["SCJGJ"], assist_ids=[], priority=100,
                      active=True))
    session.flush()
    done = imports.import_demands(session, actor=w["agent"], filename="12315转办.xlsx", content=xlsx(GOOD))
    assert [n for n, _ in done.created] == [2, 3, 4] and done.existing == []
    first, mail, visit = (d for _, d in done.created)
    assert first.code.startswith("12345-") and first.channel == "other" and first.status == "received"
    assert first.due_stage == "dispatch" and first.due_at is not None  # the dispatch clock runs as for a call
    assert (mail.kind, visit.kind, visit.enterprise_name) == ("consult", "help", "测试县某机械有限公司")
    assert imports.source_of(visit) == ("包联走访", "BL-2026-03")
    lines = [h.message for h in session.scalars(select(History).where(History.demand_id == first.id))]
    assert any("由「12315」批量导入，来源编号 A-001，原受理时间 2026-12-01 09:30" in m for m in lines)
    actions = [a.action for a in session.scalars(select(AuditEntry))]
    assert actions.count("demand.file") == 3 and actions.count("demand.import") == 1
    shown = imports.outcome(session, done)
    assert shown["created"][0]["suggested_department_id"] == w["dept"]["SCJGJ"]  # the routing rules apply
    assert shown["created"][1]["suggested_department_id"] is None


def test_errors_in_three_rows_are_all_listed_and_nothing_is_written(session, world):
    bad = [row(number="A-001"), row(number="A-002", kind="咨讯"), row(number="A-003"),
           row(number="A-004", phone="12345", 原受理时间="昨天"), row(number="A-005"),
           row(source="微博", number="", subject="")]
    before = counts(session)
    with pytest.raises(ValidationFailed) as caught:
        imports.import_demands(session, actor=world["agent"], filename="bad.xlsx", content=xlsx(bad))
    shown = [d.for_people() for d in caught.value.details]
    assert "诉求 第3行 「类型」：“咨讯”不是可选值（咨询/求助/投诉/举报/建议）" in shown
    assert {d.row for d in caught.value.details} == {3, 5, 7}  # all three rows, at once
    by_row = {(d.row, d.label) for d in caught.value.details}
    assert {(5, "联系电话"), (5, "原受理时间"), (7, "来源渠道"), (7, "来源编号"), (7, "主题")} <= by_row
    assert "共6处错误" in caught.value.message
    session.rollback()
    assert counts(session) == before


def test_reimport_makes_nothing_new_and_a_known_source_number_is_skipped(session, world):
    w = world
    imports.import_demands(session, actor=w["agent"], filename="a.xlsx", content=xlsx(GOOD))
    session.commit()
    before = counts(session)
    again = imports.import_demands(session, actor=w["supervisor"], filename="a.xlsx", content=xlsx(GOOD))
    assert again.created == [] and [n for n, _ in again.existing] == [2, 3, 4]
    assert counts(session)["demands"] == before["demands"]
    mixed = imports.import_demands(session, actor=w["agent"], filename="b.csv",
                                   content=csv_bytes([row(number="A-001", subject="改了标题也是同一件"),
                                                      row(number="A-009")]))
    assert [n for n, _ in mixed.existing] == [2] and len(mixed.created) == 1
    assert counts(session)["demands"] == before["demands"] + 1


def test_a_row_twice_in_one_file_is_an_error(session, world):
    with pytest.raises(ValidationFailed) as caught:
        imports.import_demands(session, actor=world["agent"], filename="dup.xlsx",
                               content=xlsx([row(number="X1"), row(number="X1")]))
    assert [d.for_people() for d in caught.value.details] == [
        "诉求 第3行 「来源编号」：与第2行重复：同一来源渠道、同一编号的诉求只能导入一次"]


def test_csv_saved_by_excel_in_gbk_and_missing_columns(session, world):
    done = imports.import_demands(session, actor=world["agent"], filename="gbk.csv",
                                  content=csv_bytes([row(number="G-1")], encoding="gb18030"))
    assert done.created[0][1].subject == "超市售卖过期食品"
    with pytest.raises(ValidationFailed) as caught:
        imports.import_demands(session, actor=world["agent"], filename="x.xlsx",
                               content=xlsx([["12315", "1"]], head=["来源渠道", "来源编号"]))
    assert "缺少列：类型、主题、内容" in caught.value.details[0].message


def test_only_dispatchers_and_supervisors_import(session, world):
    with pytest.raises(Forbidden):
        imports.import_demands(session, actor=world["market"], filename="a.xlsx", content=xlsx(GOOD))
    with pytest.raises(Forbidden):
        imports.import_demands(session, actor=world["clerk"], filename="a.xlsx", content=xlsx(GOOD))


def _token(client, username) -> TestClient:
    token = client.post("/api/auth/tokens", json={"username": username, "password": PASSWORD}).json()["token"]
    authed = TestClient(client.app)
    authed.headers["Authorization"] = f"Bearer {token}"
    return authed


def test_api_template_import_and_reimport(session, world, client):
    api = _token(client, "dem_agent")
    template = api.get("/api/demands/import/template.xlsx")
    assert template.status_code == 200 and "attachment" in template.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in ws[1]] == [c.label for c in imports.COLUMNS]
    # the template as downloaded, example row and all, imports
    first = api.post("/api/demands/import", files={"file": ("模板.xlsx", template.content)})
    assert first.status_code == 201, first.text
    assert len(first.json()["created"]) == 1
    again = api.post("/api/demands/import", files={"file": ("模板.xlsx", template.content)})
    assert again.status_code == 201 and again.json()["created"] == [] and len(again.json()["existing"]) == 1
    before = counts(session)
    bad = api.post("/api/demands/import", files={"file": ("bad.csv", csv_bytes([row(kind="咨讯"), row(number="Z")]))})
    assert bad.status_code == 422
    assert bad.json()["errors"][0] | {} == {"message": "“咨讯”不是可选值（咨询/求助/投诉/举报/建议）", "field": "kind",
                                            "row": 2, "label": "类型"}
    assert counts(session) == before
    assert _token(client, "dem_market").post("/api/demands/import",
                                             files={"file": ("a.xlsx", xlsx(GOOD))}).status_code == 403
