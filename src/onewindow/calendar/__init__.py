"""Working-day calendar (holidays, 调休, loaded schedules) and the SLA clock.

Public face: ``service`` (the calendar and its schedules), ``clock`` (deadlines in working days and
working hours, suspensions, 预警/超期) and ``sweep`` (the one sweep over every declared deadline:
``DeadlineSource``, ``Tracked``, ``Notice``)."""

__all__ = ["service", "clock", "sweep"]
