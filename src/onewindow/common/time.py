"""Local time, in one place: the Asia/Shanghai zone, the Beijing date and the Beijing moment.

Rows store UTC (``db.utcnow``); "today" is the Beijing date, never the server's local date — a host on
UTC would otherwise still be on yesterday between 00:00 and 08:00 Beijing time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from datetime import time as clock_time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current moment in Beijing time (aware)."""
    return datetime.now(SHANGHAI)


def today() -> date:
    """Today's date in Beijing."""
    return now().date()


def local_date(moment: datetime) -> date:
    """The Beijing date of a moment; a naive moment is taken as UTC (how the database returns it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI).date()


def day_start(day: date) -> datetime:
    """00:00 Beijing time on ``day``, as a UTC moment."""
    return datetime.combine(day, clock_time(), SHANGHAI).astimezone(UTC)
