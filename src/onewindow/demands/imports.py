"""诉求 imported as a batch from other channels (12315, 电子邮件, 包联走访): an xlsx or csv file with
Chinese headers, one demand a row.

The whole file is checked before anything is written, and every bad row and column is reported at
once (「第7行「类型」：“咨讯”不是可选值（咨询/求助/投诉/举报/建议）」); a file with any error writes
nothing. A valid file goes through the same intake as every channel (service.file_demand: its 一事一码,
the dispatch clock, the timeline, the audit and the event), so the dispatcher's board routes it with
the same rules. 来源渠道 + 来源编号 is the row's idempotency key: importing a file again, or another file
holding a row already imported, never makes a second demand.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.common import audit, documents, ids
from onewindow.common.columns import Col, coerce
from onewindow.common.errors import ErrorCollector, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.demands import service
from onewindow.demands.models import Demand
from onewindow.demands.states import KINDS, URGENCIES

SHEET = "诉求"
IMPORTERS = frozenset({Role.agent, Role.supervisor, Role.admin})  # 派单员 and 督查 bring other channels in
SOURCES = ("12315", "电子邮件", "包联走访")
KIND_OF = {label: key for key, label in KINDS.items()}
URGENCY_OF = {label: key for key, label in URGENCIES.items()}
MAX_ROWS = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "%E8%AF%89%E6%B1%82%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"  # 诉求导入模板.xlsx


def _phone(text: str) -> str | None:
    return ids.phone_problem(text)


def _uscc(text: str) -> str | None:
    return ids.uscc_problem(text)


def _id_number(text: str) -> str | None:
    return ids.id_number_problem(text)


COLUMNS = (
    Col("source", "来源渠道", choices=SOURCES),
    Col("source_no", "来源编号", max_len=40),
    Col("received", "原受理时间", required=False, max_len=20),
    Col("kind", "类型", choices=tuple(KIND_OF)),
    Col("urgency", "紧急程度", required=False, choices=tuple(URGENCY_OF), default="一般"),
    Col("subject", "主题", max_len=200),
    Col("content", "内容", "text"),
    Col("topic", "所属领域", required=False, max_len=40, default=""),
    Col("region", "区域", required=False, max_len=40, default=""),
    Col("location", "地点", required=False, max_len=200, default=""),
    Col("filer_name", "诉求人", required=False, max_len=64, default=""),
    Col("filer_phone", "联系电话", required=False, max_len=20, default="", check=_phone),
    Col("filer_id_number", "身份证号码", required=False, max_len=18, default="", check=_id_number),
    Col("enterprise_name", "企业名称", required=False, max_len=200, default=""),
    Col("enterprise_uscc", "统一社会信用代码", required=False, max_len=18, default="", check=_uscc),
    Col("confidential", "保密", "bool", required=False, default=False),
)
HEADERS = {c.label: c.key for c in COLUMNS}
REQUIRED = [c.label for c in COLUMNS if c.required]
LABEL = {c.key: c.label for c in COLUMNS}
EXAMPLE = ("12315", "12315-2026-000123", "2026-12-01 09:30", "投诉", "一般", "超市售卖过期食品",
           "消费者反映在某超市购买的牛奶已过保质期，要求处理。", "食品安全", "东城区", "东城区和平路18号", "王五",
           "13900001111", "", "", "", "否")


@dataclass
class Imported:
    """What one import did: the demands it made, and the rows whose 来源编号 was already imported."""

    filename: str
    sha256: str
    created: list[tuple[int, Demand]] = field(default_factory=list)  # (row, the demand it made)
    existing: list[tuple[int, Demand]] = field(default_factory=list)  # (row, the demand made before)


def key_of(source: str, source_no: str) -> str:
    """The row's idempotency key on the demand: one demand per 来源渠道 + 来源编号, ever."""
    return f"import:{source}:{source_no}"


# ---------------------------------------------------------------- reading the file

class _CsvSheet:
    """A csv file read like a worksheet, so `documents.sheet_rows` reads both the same way."""

    title = SHEET

    def __init__(self, rows: list[list[str]]):
        self._rows = rows

    def iter_rows(self, values_only: bool = True):
        return iter([tuple(r) for r in self._rows])


def _csv_text(content: bytes, errors: ErrorCollector) -> str | None:
    # Excel on a Chinese Windows saves csv as GB18030 (GBK); elsewhere UTF-8, often with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    errors.add("无法识别 csv 文件的编码：请另存为 UTF-8 或 GBK 编码的 csv，或使用 xlsx 模板", field="file")
    return None


def _sheet(filename: str, content: bytes, errors: ErrorCollector):
    name = (filename or "").lower()
    if not content:
        errors.add("文件为空", field="file")
        return None
    if name.endswith(".csv"):
        text = _csv_text(content, errors)
        if text is None:
            return None
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error:
            errors.add("csv 文件格式不正确（引号未闭合或含有非法字符）", field="file")
            return None
        if not rows:
            errors.add("文件为空", field="file")
            return None
        return _CsvSheet(rows)
    if name.endswith(documents.XLSX_SUFFIX):
        book = documents.open_workbook(content, errors)
        if book is None:
            return None
        return next((ws for ws in book.worksheets if ws.title == SHEET), book.worksheets[0])
    errors.add("只支持 .xlsx 或 .csv 文件", field="file")
    return None


def _received(value) -> str:
    """The 原受理时间 as people read it (a date cell, a datetime cell, or the text typed)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "").strip()


def _time_problem(text: str) -> str | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d"):
        try:
            datetime.strptime(text, fmt)
            return None
        except ValueError:
            continue
    return f"“{text}”不是有效的时间（如 2026-12-01 09:30）"


def read(filename: str, content: bytes, errors: ErrorCollector) -> list[tuple[int, dict]]:
    """(row as Excel numbers it, clean values) of every row; every problem goes to `errors`, by row and column."""
    ws = _sheet(filename, content, errors)
    if ws is None:
        return []
    read_rows = documents.sheet_rows(ws, HEADERS, errors, required=REQUIRED)
    if read_rows is None:
        return []
    sheet = ws.title if not isinstance(ws, _CsvSheet) else None
    out, seen = [], {}
    for n, raw in read_rows[1]:
        if len(out) >= MAX_ROWS:
            errors.add(f"一次最多导入{MAX_ROWS}行，请拆分文件", field="file")
            break
        raw["received"] = _received(raw.get("received"))
        row = {}
        for col in COLUMNS:
            value, message = coerce(col, raw.get(col.key))
            if message is None and col.key == "received":
                message = _time_problem(value or "")
            if message:
                errors.add(message, field=col.key, label=col.label, sheet=sheet, row=n)
            row[col.key] = value
        key = (row["source"], row["source_no"])
        if None not in key:
            if key in seen:
                errors.add(f"与第{seen[key]}行重复：同一来源渠道、同一编号的诉求只能导入一次", field="source_no",
                           label=LABEL["source_no"], sheet=sheet, row=n)
            else:
                seen[key] = n
        out.append((n, row))
    if not out and not errors:
        errors.add("文件中没有诉求：表头下至少应有一行", field="file")
    return out


# ---------------------------------------------------------------- writing

def import_demands(session: Session, *, actor: Principal, filename: str, content: bytes) -> Imported:
    """Check the whole file, then file each new row through the intake every channel uses; rows already
    imported (same 来源渠道 + 来源编号) are listed, not made again. Any error: nothing is written."""
    actor.require(*IMPORTERS)
    errors = ErrorCollector()
    rows = read(filename, content, errors)
    errors.raise_if_any("导入文件有误，未导入任何诉求")
    done = Imported(filename=filename, sha256=hashlib.sha256(content).hexdigest())
    keys = [key_of(r["source"], r["source_no"]) for _, r in rows]
    before = {d.idempotency_key: d for d in session.scalars(select(Demand).where(Demand.idempotency_key.in_(keys)))}
    with session.begin_nested():  # a row the intake refuses after all undoes the rows before it
        for (n, row), key in zip(rows, keys, strict=True):
            if key in before:
                done.existing.append((n, before[key]))
                continue
            try:
                demand = _file(session, actor=actor, row=row, key=key)
            except ValidationFailed as exc:  # the intake's own rules, should they ever go beyond the columns'
                for d in exc.details:
                    errors.add(d.message, field=d.field, label=d.label, row=n)
                continue
            done.created.append((n, demand))
        errors.raise_if_any("导入文件有误，未导入任何诉求")
    audit.record(session, actor=actor, action="demand.import", entity_type="demand_import",
                 entity_id=done.sha256[:16], after={"file": filename[:100], "created": len(done.created),
                                                    "skipped": len(done.existing)})
    return done


def _file(session: Session, *, actor: Principal, row: dict, key: str) -> Demand:
    demand = service.file_demand(
        session, actor=actor, channel="other", kind=KIND_OF[row["kind"]], urgency=URGENCY_OF[row["urgency"]],
        subject=row["subject"], content=row["content"], topic=row["topic"], region=row["region"],
        location=row["location"], filer_name=row["filer_name"], filer_phone=row["filer_phone"],
        filer_id_number=row["filer_id_number"], confidential=row["confidential"],
        enterprise_name=row["enterprise_name"], enterprise_uscc=(row["enterprise_uscc"] or "").upper(),
        idempotency_key=key)
    when = f"，原受理时间 {row['received']}" if row["received"] else ""
    service.record(session, demand, actor=actor, action="import",
                   message=f"由「{row['source']}」批量导入，来源编号 {row['source_no']}{when}")
    return demand


def outcome(session: Session, done: Imported) -> dict:
    """The import's outcome as the API and the page show it, with each demand's suggested unit (the
    routing rules the dispatcher's board applies)."""
    def line(n: int, d: Demand) -> dict:
        s = service.suggest_units(session, kind=d.kind, topic=d.topic, region=d.region)
        return {"row": n, "code": d.code, "subject": d.subject,
                "suggested_department_id": s.lead_department_id if s else None}

    return {"filename": done.filename, "sha256": done.sha256, "created": [line(n, d) for n, d in done.created],
            "existing": [line(n, d) for n, d in done.existing]}


def source_of(demand: Demand) -> tuple[str, str] | None:
    """(来源渠道, 来源编号) of an imported demand, read back from its key; None for other channels."""
    key = demand.idempotency_key or ""
    if not key.startswith("import:"):
        return None
    _, source, number = key.split(":", 2)
    return source, number


def template() -> bytes:
    """The xlsx template: the headers (required ones marked in the note row's place) and one example row."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = SHEET
    ws.append([c.label for c in COLUMNS])
    ws.append(list(EXAMPLE))
    for cell, col in zip(ws[1], COLUMNS, strict=True):
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        if col.choices:
            cell.comment = Comment(f"可选值：{'/'.join(col.choices)}", "一窗通")
        ws.column_dimensions[cell.column_letter].width = max(12, len(col.label) * 2 + 4)
    ws.column_dimensions["G"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
