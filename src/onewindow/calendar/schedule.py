"""Reading a year's official schedule (国务院办公厅放假安排) from YAML or xlsx, with located errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from onewindow.common import documents
from onewindow.common.errors import ErrorCollector

HOLIDAY, WORKDAY = "holiday", "workday"
KIND_LABELS = {HOLIDAY: "放假", WORKDAY: "调休上班"}
_KIND_FROM_LABEL = {"放假": HOLIDAY, "休息": HOLIDAY, "holiday": HOLIDAY,
                    "调休上班": WORKDAY, "上班": WORKDAY, "workday": WORKDAY}


@dataclass
class Schedule:
    year: int
    days: dict[date, tuple[str, str]] = field(default_factory=dict)  # day -> (kind, name)


def _as_date(value, errors: ErrorCollector, *, sheet: str, row: int, field_name: str) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.add(f"“{value}”不是有效日期（应为YYYY-MM-DD）", sheet=sheet, row=row, field=field_name)
    return None


def _add(schedule: Schedule, errors: ErrorCollector, day: date, kind: str, name: str, *, sheet: str, row: int):
    if day.year != schedule.year:
        errors.add(f"{day}不在{schedule.year}年内", sheet=sheet, row=row, field="日期")
        return
    if kind == WORKDAY and day.weekday() < 5:
        errors.add(f"{day}是周{'一二三四五'[day.weekday()]}，调休上班日只能在周末", sheet=sheet, row=row, field="日期")
        return
    if day in schedule.days:
        errors.add(f"{day}重复出现", sheet=sheet, row=row, field="日期")
        return
    schedule.days[day] = (kind, name)


def parse_yaml(text: str | bytes) -> Schedule:
    """year: 2027 / holidays: [{name, start, end}] / workdays: [{name, date}]."""
    errors = ErrorCollector()
    data = documents.load_yaml_mapping(text, errors, sections=("year", "holidays", "workdays"), optional=())
    errors.raise_if_any("放假安排无法读取")
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors.add("year 须为2000–2100之间的年份", field="year")
        errors.raise_if_any("放假安排有误")
    schedule = Schedule(year=year)
    for section, keys in (("holidays", ("name", "start", "end")), ("workdays", ("name", "date"))):
        if not isinstance(data.get(section) or [], list):
            errors.add("应为列表", field=section)
            data[section] = []
        for i, entry in enumerate(data.get(section) or [], start=1):
            if isinstance(entry, dict):
                documents.check_keys(entry, keys, errors, at=lambda key, i=i, s=section: {"sheet": s, "row": i,
                                                                                          "field": key})
    for i, entry in enumerate(data.get("holidays") or [], start=1):
        if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
            errors.add("每段假期须有 name、start、end", sheet="holidays", row=i, field="name")
            continue
        start = _as_date(entry.get("start"), errors, sheet="holidays", row=i, field_name="start")
        end = _as_date(entry.get("end", entry.get("start")), errors, sheet="holidays", row=i, field_name="end")
        if start is None or end is None:
            continue
        if end < start or (end - start).days > 15:
            errors.add("end 须不早于 start，且一段假期不超过16天", sheet="holidays", row=i, field="end")
            continue
        day = start
        while day <= end:
            _add(schedule, errors, day, HOLIDAY, str(entry["name"]).strip(), sheet="holidays", row=i)
            day += timedelta(days=1)
    for i, entry in enumerate(data.get("workdays") or [], start=1):
        if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
            errors.add("每个调休上班日须有 name、date", sheet="workdays", row=i, field="name")
            continue
        day = _as_date(entry.get("date"), errors, sheet="workdays", row=i, field_name="date")
        if day is not None:
            _add(schedule, errors, day, WORKDAY, str(entry["name"]).strip(), sheet="workdays", row=i)
    if not any(kind == HOLIDAY for kind, _ in schedule.days.values()):
        errors.add("至少应有一个放假日", field="holidays")
    errors.raise_if_any("放假安排有误")
    return schedule


def parse_xlsx(content: bytes) -> Schedule:
    """One sheet, header row 日期 | 类型 | 名称; 类型 is 放假 or 调休上班; every date in one year."""
    errors = ErrorCollector()
    book = documents.open_workbook(content, errors)
    errors.raise_if_any("放假安排无法读取")
    sheet = book.worksheets[0]
    title = sheet.title
    read = documents.sheet_rows(sheet, {"日期": "date", "类型": "kind", "名称": "name"}, errors,
                                required=("日期", "类型", "名称"))
    errors.raise_if_any("放假安排有误")
    parsed: list[tuple[int, date, str, str]] = []
    for n, row in read[1]:
        raw = row.get("date")
        raw = raw.date() if hasattr(raw, "date") and callable(raw.date) else raw
        day = _as_date(raw, errors, sheet=title, row=n, field_name="日期")
        kind = _KIND_FROM_LABEL.get(str(row.get("kind") or "").strip())
        if kind is None:
            errors.add("类型须为“放假”或“调休上班”", sheet=title, row=n, field="类型")
        name = str(row.get("name") or "").strip()
        if not name:
            errors.add("名称不能为空", sheet=title, row=n, field="名称")
        if day and kind and name:
            parsed.append((n, day, kind, name))
    if not parsed:
        errors.add("没有任何日期", sheet=title)
    errors.raise_if_any("放假安排有误")
    years = {day.year for _, day, _, _ in parsed}
    if len(years) != 1:
        errors.add(f"一个文件只能包含一个年份，实际有：{'、'.join(map(str, sorted(years)))}", sheet=title)
        errors.raise_if_any("放假安排有误")
    schedule = Schedule(year=years.pop())
    for n, day, kind, name in parsed:
        _add(schedule, errors, day, kind, name, sheet=title, row=n)
    errors.raise_if_any("放假安排有误")
    return schedule
