"""Working days on the official calendar (2026 from the chinesecalendar package; 2027 not published in it)."""

from datetime import date

import pytest

from onewindow.calendar import service
from onewindow.calendar.schedule import parse_xlsx, parse_yaml
from onewindow.common.errors import ValidationFailed
from onewindow.common.security import SYSTEM

SCHEDULE_2027 = """
year: 2027
holidays:
  - {name: 元旦, start: 2027-01-01, end: 2027-01-03}
  - {name: 春节, start: 2027-02-05, end: 2027-02-13}
workdays:
  - {name: 春节调休, date: 2027-02-14}
"""


def test_national_day_and_make_up_day(session):
    # 2026-09-30 (Wed) + 1 working day skips 10-01..10-07 (国庆中秋) → Thursday 10-08.
    assert service.add_working_days(session, start=date(2026, 9, 30), days=1).value == date(2026, 10, 8)
    # 10-09 (Fri) + 1 → Saturday 10-10, a 调休 working day.
    assert service.add_working_days(session, start=date(2026, 10, 9), days=1).value == date(2026, 10, 10)
    # Sunday 2026-09-20 is a 调休 working day too; Saturday 09-19 is not.
    cal = service.load_calendar(session)
    assert cal.is_working_day(date(2026, 9, 20)) and not cal.is_working_day(date(2026, 9, 19))


def test_zero_days_is_same_day_and_counting_starts_next_day(session):
    assert service.add_working_days(session, start=date(2026, 3, 6), days=0).value == date(2026, 3, 6)
    # Friday + 1 → Monday.
    assert service.add_working_days(session, start=date(2026, 3, 6), days=1).value == date(2026, 3, 9)


def test_working_days_between_is_inverse_of_add(session):
    start = date(2026, 4, 1)
    for days in (0, 1, 5, 20, 60):
        end = service.add_working_days(session, start=start, days=days).value
        assert service.working_days_between(session, start=start, end=end).value == days
    assert service.working_days_between(session, start=date(2026, 10, 8), end=date(2026, 9, 30)).value == -1


def test_suspension_stops_the_clock(session):
    start = date(2026, 3, 2)  # Monday
    plain = service.add_working_days(session, start=start, days=5).value
    assert plain == date(2026, 3, 9)
    # 补正 from Wed 03-04 to Fri 03-06: three working days do not count.
    suspended = service.add_working_days(session, start=start, days=5,
                                         suspensions=[(date(2026, 3, 4), date(2026, 3, 6))])
    assert suspended.value == date(2026, 3, 12)
    counted = service.working_days_between(session, start=start, end=date(2026, 3, 12),
                                           suspensions=[(date(2026, 3, 4), date(2026, 3, 6))])
    assert counted.value == 5


def test_year_without_schedule_is_flagged_estimate(session):
    result = service.add_working_days(session, start=date(2026, 12, 28), days=10)
    assert result.estimated and result.estimated_years == (2027,)
    assert "2027年" in result.note and "估算" in result.note
    inside = service.add_working_days(session, start=date(2026, 3, 2), days=10)
    assert not inside.estimated and inside.note == ""


def test_loading_a_year_removes_the_estimate_and_applies_holidays(session):
    before = service.add_working_days(session, start=date(2026, 12, 31), days=1)
    assert before.estimated and before.value == date(2027, 1, 1)  # weekends only: 01-01 is a Friday
    service.load_schedule(session, actor=SYSTEM, schedule=parse_yaml(SCHEDULE_2027), source="test")
    after = service.add_working_days(session, start=date(2026, 12, 31), days=1)
    assert not after.estimated and after.value == date(2027, 1, 4)
    # Sunday 2027-02-14 is a make-up working day in the loaded schedule.
    assert service.add_working_days(session, start=date(2027, 2, 4), days=1).value == date(2027, 2, 14)
    years = {y.year: y for y in service.list_years(session, around=2026)}
    assert years[2027].source == "loaded" and years[2027].holidays == 12 and years[2027].workdays == 1
    assert years[2028].source == "missing"


@pytest.mark.parametrize("text, fragment", [
    ("year: 2027\nholidays: [{name: 元旦, start: 2027-01-01, end: 2027-01-01}]\n"
     "workdays: [{name: 错, date: 2027-01-06}]", "调休上班日只能在周末"),
    ("year: 2027\nholidays: [{name: 元旦, start: 2026-12-31, end: 2027-01-01}]", "不在2027年内"),
    ("year: 1900\nholidays: []", "year"),
    ("year: 2027\nholidays: [{name: 元旦, start: 2027-13-01}]", "不是有效日期"),
    ("year: [2027", "YAML 格式错误"),
])
def test_bad_schedules_are_rejected_with_location(text, fragment):
    with pytest.raises(ValidationFailed) as info:
        parse_yaml(text)
    assert any(fragment in str(d) for d in info.value.details), info.value.details


def test_xlsx_schedule(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "2027年安排"
    ws.append(["日期", "类型", "名称"])
    ws.append([date(2027, 1, 1), "放假", "元旦"])
    ws.append(["2027-02-14", "调休上班", "春节调休"])
    ws.append(["2027-02-15", "请假", "错误类型"])
    path = tmp_path / "s.xlsx"
    book.save(path)
    with pytest.raises(ValidationFailed) as info:
        parse_xlsx(path.read_bytes())
    [detail] = info.value.details
    assert (detail.sheet, detail.row, detail.field) == ("2027年安排", 4, "类型")
    ws.delete_rows(4)
    book.save(path)
    schedule = parse_xlsx(path.read_bytes())
    assert schedule.year == 2027 and len(schedule.days) == 2


def test_limits_are_enforced(session):
    with pytest.raises(ValidationFailed):
        service.add_working_days(session, start=date(2026, 1, 1), days=-1)
    with pytest.raises(ValidationFailed):
        service.working_days_between(session, start=date(2000, 1, 1), end=date(2030, 1, 1))


def test_dates_outside_the_supported_range_are_bad_input(session):
    with pytest.raises(ValidationFailed) as info:
        service.add_working_days(session, start=date(9999, 12, 30), days=5)
    assert info.value.details[0].field == "start"
