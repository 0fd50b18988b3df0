"""Import and export of the knowledge base as YAML or xlsx (one sheet 知识条目, Chinese headers).
An import is checked in full first and written in one transaction: a file with any error writes
nothing and answers with every error by row and field; rows equal to what is stored are left alone."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import yaml
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common import audit, documents, search
from onewindow.common import time as beijing
from onewindow.common.columns import export_value
from onewindow.common.errors import ErrorCollector, ValidationFailed
from onewindow.common.security import Principal
from onewindow.db import utcnow
from onewindow.knowledge import fields as F
from onewindow.knowledge.models import Article

FORMAT = "onewindow-knowledge/1"
SHEET = "知识条目"
KEYS = tuple(F.COL)
CONTENT = tuple(k for k in KEYS if k not in ("status", "valid_to"))  # what a published version never changes


@dataclass
class ImportSummary:
    written: int
    unchanged: int
    sha256: str


def search_text(article: Article, department_name: str) -> str:
    return search.segment(article.title, " ".join(article.keywords or []), article.topic, department_name,
                          article.body)


def article_document(article: Article, dept_codes: dict[int, str]) -> dict:
    doc = {k: getattr(article, k) for k in KEYS if k != "department"}
    doc["department"] = dept_codes.get(article.department_id)
    doc["keywords"] = list(article.keywords or [])
    return {k: doc[k] for k in KEYS}


def _rows(filename: str, content: bytes, errors: ErrorCollector) -> list[tuple[str, int, dict]]:
    kind = documents.kind_of(filename, errors)
    if kind == "yaml":
        data = documents.load_yaml_mapping(content, errors, sections=("articles",), format_name=FORMAT)
        if data is documents.NO_CONTENT:
            return []
        return [(here.sheet, here.row, entry) for here, entry in documents.list_entries(
            data.get("articles"), errors, allowed=KEYS, place=lambda i: documents.Row("articles", i))]
    if kind == "xlsx":
        book = documents.open_workbook(content, errors)
        if book is None:
            return []
        documents.check_sheets(book, (SHEET,), errors)
        ws = next((w for w in book.worksheets if w.title == SHEET), None)
        if ws is None:
            errors.add(f"缺少工作表“{SHEET}”", sheet=SHEET)
            return []
        read = documents.sheet_rows(ws, {c.label: c.key for c in F.ARTICLE}, errors,
                                    required=[c.label for c in F.ARTICLE if c.required])
        return [] if read is None else [(SHEET, n, raw) for n, raw in read[1]]
    return []


def check(session: Session, rows: list[tuple[str, int, dict]], errors: ErrorCollector) -> list[dict]:
    depts = {code: ref_id for ref_id, code in catalog.department_codes(session).items()}
    out: dict[tuple[str, int], dict] = {}
    for sheet, n, raw in rows:
        row = F.clean(raw, errors, sheet=sheet, row=n)
        loc = {"sheet": sheet, "row": n}
        key = (row["code"], row["version"])
        if None in key:
            continue
        if key in out:
            errors.add(f"知识条目{key[0]}第{key[1]}版重复", field="code", label=F.LABELS["code"], **loc)
            continue
        if row["department"] and row["department"] not in depts:
            errors.add(f"主管部门{row['department']}不存在", field="department", label=F.LABELS["department"], **loc)
        if row["status"] in ("published", "retired") and not row["valid_from"]:
            errors.add("已发布的版本须有生效日期", field="valid_from", label=F.LABELS["valid_from"], **loc)
        row["_loc"], row["_dept"] = loc, depts.get(row["department"])
        out[key] = row
    codes = {code for code, _ in out}
    stored = {(a.code, a.version): a for a in session.scalars(select(Article).where(Article.code.in_(codes)))} \
        if codes and not errors else {}
    names = {i: c for c, i in depts.items()}
    for key, row in out.items():
        current = stored.get(key)
        if current is not None and current.status != "draft":
            doc = article_document(current, names)
            if any(doc[k] != row[k] for k in CONTENT):
                errors.add(f"知识条目{key[0]}第{key[1]}版已发布，内容不可修改；请新建版本", field="code",
                           label=F.LABELS["code"], **row["_loc"])
        row["_stored"] = current
    return list(out.values())


def import_articles(session: Session, *, actor: Principal, filename: str, content: bytes) -> ImportSummary:
    errors = ErrorCollector()
    checked = check(session, _rows(filename, content, errors), errors)
    errors.raise_if_any("导入失败，未写入任何数据")
    names = {d.id: d.name for d in catalog.departments_by_id(session, ids={r["_dept"] for r in checked}).values()}
    codes = {i: c for i, c in catalog.department_codes(session).items()}
    written = unchanged = 0
    for row in checked:
        article = row["_stored"]
        if article is not None and article_document(article, codes) == {k: row[k] for k in KEYS}:
            unchanged += 1
            continue
        written += 1
        if article is not None and article.status != "draft":  # only its state and end change
            article.status, article.valid_to = row["status"], row["valid_to"]
            continue
        article = article or Article(code=row["code"], version=row["version"])
        for k in KEYS:
            if k != "department":
                setattr(article, k, row[k])
        article.department_id = row["_dept"]
        article.keywords = list(row["keywords"])
        article.search_text = search_text(article, names.get(row["_dept"], ""))
        if row["status"] == "published" and article.published_at is None:
            article.published_at = utcnow()
        session.add(article)
    session.flush()
    digest = hashlib.sha256(content).hexdigest()
    if written:  # an unchanged file writes nothing, not even the audit record
        if session.get_bind().dialect.name == "postgresql" and written > 100:
            session.execute(text("ANALYZE knowledge_articles"))  # keep the planner on the search index
        audit.record(session, actor=actor, action="knowledge.import", entity_type="knowledge", entity_id=filename[:128],
                     after={"written": written, "unchanged": unchanged, "sha256": digest})
    return ImportSummary(written, unchanged, digest)


def export_data(session: Session) -> dict:
    codes = catalog.department_codes(session)
    rows = session.scalars(select(Article).order_by(Article.code, Article.version))
    return {"format": FORMAT, "articles": [article_document(a, codes) for a in rows]}


def export_articles(session: Session, *, fmt: str) -> tuple[bytes, str, str]:
    data = export_data(session)
    stamp = beijing.today().isoformat()
    if fmt == "yaml":
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        return body.encode(), "application/yaml", f"knowledge-{stamp}.yaml"
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        ws = book.active
        ws.title = SHEET
        ws.append([c.label for c in F.ARTICLE])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in data["articles"]:
            ws.append([export_value(c, row[c.key], for_xlsx=True) for c in F.ARTICLE])
        out = io.BytesIO()
        book.save(out)
        return (out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"knowledge-{stamp}.xlsx")
    raise ValidationFailed.one("格式须为 yaml 或 xlsx", field="format", label="格式")
