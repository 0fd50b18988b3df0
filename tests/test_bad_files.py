"""Issue #9.10: every importer (catalogue, policy library, calendar; YAML and xlsx; API and CLI) answers
a malformed file with a 4xx and a Chinese message, and writes nothing. Unknown keys, columns and
sheets get one rule and one message, naming the key and where it is."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from onewindow.cli import app
from onewindow.common.roles import Role
from onewindow.models import metadata

CJK = re.compile(r"[\u4e00-\u9fff]")

# (API endpoint, CLI words) of each importer.
IMPORTERS = {
    "catalog": ("/api/catalog/import", ["catalog", "import"]),
    "policies": ("/api/policies/import", ["policies", "import"]),
    "calendar": ("/api/calendar/schedules", ["calendar", "load"]),
}


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook_without_sheets() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook({"x": [["a"]]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dest:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data, flags=re.S)
            if not name.startswith("xl/worksheets/"):
                dest.writestr(name, data)
    return out.getvalue()


BOMB = b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n"

# Files every importer must refuse: (name, content, a fragment of the message expected).
CORPUS = [
    ("deep-list.yaml", b"[" * 500, "嵌套"),
    ("deep-map.yaml", b"a: {" * 300, "嵌套"),
    ("deep-block.yaml", "".join(f"{'  ' * i}k{i}:\n" for i in range(200)).encode(), "嵌套"),
    ("bomb.yaml", BOMB, "别名"),
    ("empty.yaml", b"", "为空"),
    ("comment-only.yaml", "# 只有注释\n".encode(), "为空"),
    ("list.yaml", b"- a\n- b\n", "映射"),
    ("scalar.yaml", b"hello", "映射"),
    ("nothing-known.yaml", b"foo: 1\nbar: [1, 2]\n", "没有可识别的内容"),
    ("broken.yaml", b"items: [\n  {code: x\n", "YAML"),
    ("latin1.yaml", b"year: 2027\nname: \xff\xfe\n", "UTF-8"),
    ("text.xlsx", b"just some text", "xlsx"),
    ("zip.xlsx", b"PK\x03\x04 not really a zip", "xlsx"),
    ("empty.xlsx", b"", "为空"),
    ("no-sheets.xlsx", workbook_without_sheets(), "没有工作表"),
    ("unknown-sheet.xlsx", workbook({"Sheet1": [["foo", "bar"], [1, 2]]}), "未知|缺少列"),  # the calendar reads any one sheet
    ("notes.txt", "备注".encode(), ".yaml"),
]

# One unknown key and one unknown column per importer, with where the message must place it.
UNKNOWN = {
    "catalog": [("k.yaml", "departments:\n  - {code: A1, name: 甲局, level: 市, colour: 红}\n".encode(),
                 "departments 第1行 colour：未知字段「colour」"),
                ("k.xlsx", workbook({"部门": [["部门编码", "部门名称", "层级", "颜色"], ["A1", "甲局", "市", "红"]],
                                     "事项": [["实施编码"]]}), "部门 第1行：未知列「颜色」")],
    "policies": [("k.yaml", "groups:\n  - {code: G1, name: 组, colour: 红}\n".encode(),
                  "groups[0].colour：未知字段「colour」"),
                 ("k.xlsx", workbook({"参数": [["名称", "类型", "说明", "颜色"], ["甲", "int", "说明", "红"]]}),
                  "参数 第1行：未知列「颜色」")],
    "calendar": [("k.yaml", "year: 2027\nholidays:\n  - {name: 元旦, start: 2027-01-01, colour: 红}\n".encode(),
                  "holidays 第1行 colour：未知字段「colour」"),
                 ("k.xlsx", workbook({"2027": [["日期", "类型", "名称", "颜色"], ["2027-01-01", "放假", "元旦", "红"]]}),
                  "2027 第1行：未知列「颜色」")],
}


def footprint(session) -> dict[str, int]:
    session.expire_all()
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


def assert_chinese(*messages: str) -> None:
    for message in messages:
        assert CJK.search(message), message
        assert "Error" not in message and "Traceback" not in message, message


@pytest.fixture
def admin(api_as):
    return api_as(Role.admin)


@pytest.mark.parametrize("importer", IMPORTERS)
@pytest.mark.parametrize("name, content, fragment", CORPUS, ids=[c[0] for c in CORPUS])
def test_issue_9_10_api_refuses_bad_files(session, admin, importer, name, content, fragment):
    before = footprint(session)
    answer = admin.post(IMPORTERS[importer][0], files={"file": (name, content)})
    assert 400 <= answer.status_code < 500, answer.text
    body = answer.json()
    details = [d["message"] for d in body.get("errors", [])]
    assert_chinese(body["message"], *details)
    if not name.endswith((".txt", ".xlsx")) or name == "no-sheets.xlsx" or name == "unknown-sheet.xlsx":
        # (the upload check answers a wrong suffix, an empty file or a non-zip .xlsx in its own words)
        assert any(f in m for m in [body["message"], *details] for f in fragment.split("|")), body
    assert footprint(session) == before


@pytest.mark.parametrize("importer", IMPORTERS)
@pytest.mark.parametrize("name, content, fragment", CORPUS, ids=[c[0] for c in CORPUS])
def test_issue_9_10_cli_refuses_bad_files(cli_session, tmp_path, importer, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    before = footprint(cli_session)
    result = CliRunner().invoke(app, [*IMPORTERS[importer][1], str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert_chinese(result.output)
    assert any(f in result.output for f in fragment.split("|")), result.output
    assert footprint(cli_session) == before


@pytest.mark.parametrize("importer", IMPORTERS)
def test_issue_9_10_unknown_keys_one_rule_one_message(session, admin, importer):
    for name, content, expected in UNKNOWN[importer]:
        before = footprint(session)
        answer = admin.post(IMPORTERS[importer][0], files={"file": (name, content)})
        assert answer.status_code == 422, answer.text
        errors = answer.json()["errors"]
        shown = []
        for e in errors:
            where = " ".join(p for p in (e.get("sheet"), f"第{e['row']}行" if "row" in e else None, e.get("field")) if p)
            shown.append(f"{where}：{e['message']}" if where else e["message"])
        assert any(s.startswith(expected) for s in shown), (importer, name, shown)
        assert footprint(session) == before


# The batch import of demands from other channels (issue 11): xlsx or csv, no YAML, no CLI (an import
# is a dispatcher's act, made under their name). Every file of the corpus is refused the same way.
DEMANDS_IMPORT = "/api/demands/import"
DEMAND_HEAD = "来源渠道,来源编号,类型,主题,内容"
DEMANDS_CORPUS = [(name, content, fragment if name.endswith(".xlsx") else "xlsx")
                  for name, content, fragment in CORPUS] + [
    ("empty.csv", b"", "为空"),
    ("binary.csv", b"\xff\xfe\x00\x81\x00\xfe", "编码"),
    ("nothing-known.csv", b"foo,bar\n1,2\n", "缺少列"),
    ("header-only.csv", f"{DEMAND_HEAD}\n".encode(), "没有诉求"),
    ("unknown-column.csv", f"{DEMAND_HEAD},颜色\n12315,A1,投诉,标题,内容,红\n".encode(), "未知列「颜色」"),
    ("bad-value.csv", f"{DEMAND_HEAD}\n12315,A1,咨讯,标题,内容\n".encode(), "不是可选值"),
]


@pytest.mark.parametrize("name, content, fragment", DEMANDS_CORPUS, ids=[c[0] for c in DEMANDS_CORPUS])
def test_issue_11_demands_import_refuses_bad_files(session, admin, name, content, fragment):
    before = footprint(session)
    answer = admin.post(DEMANDS_IMPORT, files={"file": (name, content)})
    assert 400 <= answer.status_code < 500, answer.text
    body = answer.json()
    details = [d["message"] for d in body.get("errors", [])]
    assert_chinese(body["message"], *details)
    assert any(f in m for m in [body["message"], *details] for f in fragment.split("|")), body
    assert footprint(session) == before
