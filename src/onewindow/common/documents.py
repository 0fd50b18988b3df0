"""What every importer of people's files shares (catalogue, policy library, calendar): choosing the
reader by file name, bounded YAML, opening a workbook, one rule and one message for unknown keys,
columns and sheets, and list cells that survive an export → import round trip.

Each reader reports into an ErrorCollector with the position a person finds the problem at (a YAML
path, or a sheet and row); nothing here raises for bad input.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from onewindow.common import yamlio
from onewindow.common.errors import ErrorCollector

YAML_SUFFIXES = (".yaml", ".yml")
XLSX_SUFFIX = ".xlsx"
NO_CONTENT = object()  # what a reader returns after it reported why the file has nothing to read


def kind_of(filename: str, errors: ErrorCollector) -> str | None:
    """"yaml", "xlsx", or None (reported) by the file name's suffix."""
    name = (filename or "").lower()
    if name.endswith(XLSX_SUFFIX):
        return "xlsx"
    if name.endswith(YAML_SUFFIXES):
        return "yaml"
    errors.add("只支持 .yaml/.yml 或 .xlsx 文件", field="file")
    return None


def unknown_key(key: Any, allowed: Iterable[str], *, what: str = "字段") -> str:
    """The one message for a key (or column, or sheet) no importer knows, with the likely intended one."""
    allowed = tuple(allowed)
    guess = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
    hint = f"，是否为「{guess[0]}」？" if guess else f"；可用：{'、'.join(allowed)}"
    return f"未知{what}「{key}」{hint}"


def check_keys(entry: Mapping, allowed: Iterable[str], errors: ErrorCollector, *, at) -> None:
    """Report each key of ``entry`` not in ``allowed``; ``at(key)`` gives its position for ErrorCollector.add."""
    allowed = tuple(allowed)
    for key in entry:
        if key not in allowed:
            errors.add(unknown_key(key, allowed), **at(str(key)))


def list_entries(value: Any, errors: ErrorCollector, *, allowed: Iterable[str], place, start: int = 1) -> list[tuple]:
    """The mappings of a YAML list, each as (place(i), mapping), their unknown keys reported.

    ``place(i)`` is where entry i is (``place(None)`` the list itself): any object whose ``at(key)``
    gives ErrorCollector.add's position of the entry (key None) or of one of its keys. A missing list
    is empty; a value that is not a list, or an entry that is not a mapping, is reported and skipped.
    """
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add("应为列表", **place(None).at(None))
        return []
    out = []
    for i, entry in enumerate(value, start=start):
        here = place(i)
        if not isinstance(entry, dict):
            errors.add("每一项应为映射（键: 值）", **here.at(None))
            continue
        check_keys(entry, allowed, errors, at=here.at)
        out.append((here, entry))
    return out


@dataclass(frozen=True)
class Row:
    """A position as sheet (or YAML path) and row, for ``list_entries``; ``at(key)`` adds the field."""

    sheet: str
    row: int | None = None

    def at(self, key: str | None) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "field": key}


def load_yaml_mapping(content: str | bytes, errors: ErrorCollector, *, sections: Iterable[str],
                      optional: Iterable[str] = ("format",), format_name: str | None = None) -> dict | Any:
    """The top-level mapping of a YAML document, its unknown keys reported; NO_CONTENT (reported) when
    the file is unreadable, empty, not a mapping, or has none of the known sections. With
    ``format_name``, a ``format:`` naming another format is reported too."""
    sections, optional = tuple(sections), tuple(optional)
    listed = "、".join(sections)
    try:
        data = yamlio.load(content)
    except yamlio.YamlError as exc:
        errors.add(str(exc))
        return NO_CONTENT
    if data is None:
        errors.add(f"文件为空：应为包含 {listed} 的 YAML 映射")
        return NO_CONTENT
    if not isinstance(data, dict):
        errors.add(f"文件顶层应为包含 {listed} 的映射（键: 值）")
        return NO_CONTENT
    check_keys(data, sections + optional, errors, at=lambda key: {"field": key})
    if format_name is not None and data.get("format") not in (None, format_name):
        errors.add(f"不支持的格式「{data.get('format')}」，应为 {format_name}", field="format")
    if not any(key in data for key in sections):
        errors.add(f"文件中没有可识别的内容：应包含 {listed} 中的至少一项")
        return NO_CONTENT
    return data


def open_workbook(content: bytes, errors: ErrorCollector):
    """A read-only workbook, or None (reported) for a file that is not one or has no sheets."""
    from openpyxl import load_workbook

    if not content:
        errors.add("文件为空", field="file")
        return None
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # zipfile, KeyError, InvalidFileException, XML errors …: all mean "not an xlsx"
        errors.add("不是有效的 xlsx 文件：无法作为 Excel 工作簿打开（请用 Excel 或 WPS 另存为 .xlsx）", field="file")
        return None
    if not book.worksheets:
        errors.add("不是有效的 xlsx 文件：工作簿中没有工作表", field="file")
        return None
    return book


def check_sheets(book, titles: Iterable[str], errors: ErrorCollector) -> None:
    """Unknown sheet titles, reported with the same rule and message as unknown keys."""
    titles = tuple(titles)
    for ws in book.worksheets:
        if ws.title not in titles:
            errors.add(unknown_key(ws.title, titles, what="工作表"), sheet=ws.title)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def sheet_rows(ws, headers: Mapping[str, str], errors: ErrorCollector, *,
               required: Iterable[str] = ()) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]] | None:
    """(header row, rows) of a sheet whose first row names its columns; ``headers`` maps header → key.

    Unknown headers are reported with the unknown-key message; a missing required header stops the
    sheet (None). Each row comes as (row number as Excel shows it, {key: raw cell value}); blank rows
    are skipped.
    """
    rows = ws.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    missing = [h for h in required if h not in header]
    if missing:
        errors.add(f"缺少列：{'、'.join(missing)}", sheet=ws.title, row=1)
        return None
    for h in header:
        if h and h not in headers:
            errors.add(unknown_key(h, headers, what="列"), sheet=ws.title, row=1)

    def body() -> Iterator[tuple[int, dict[str, Any]]]:
        for n, values in enumerate(rows, start=2):
            if values is None or all(_blank(v) for v in values):
                continue
            yield n, {headers[h]: v for h, v in zip(header, values, strict=False) if h in headers}

    return header, body()


# --- list cells -------------------------------------------------------------------------------------

_SEPARATORS = ";,；，、"
_OPEN, _CLOSE = "（(【[《“", "）)】]》”"


def _top_level_split(text: str) -> list[str]:
    """Split on separators outside brackets: 「全套（公章、财务章）；公章」 is two entries, not three."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _SEPARATORS and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def split_list(text: str) -> list[str]:
    """A list cell as staff type it: one entry a line, or entries separated by 、；，; (outside brackets)."""
    parts = text.splitlines() if "\n" in text.strip(" \t") else _top_level_split(text)
    return [p.strip() for p in parts if p.strip()]


def join_list(values: Iterable[Any], *, sep: str = "；") -> str:
    """The inverse of ``split_list``: entries that themselves hold a separator go one a line (a lone
    such entry ends with a line break, so it still reads as one line)."""
    values = [str(v) for v in values]
    if any(len(_top_level_split(v)) > 1 or "\n" in v for v in values):
        return "\n".join(values) + ("\n" if len(values) == 1 else "")
    return sep.join(values)

