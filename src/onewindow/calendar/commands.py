"""`onewindow calendar …`: load a year's official holiday schedule."""

from __future__ import annotations

from pathlib import Path

import typer

from onewindow.common.cli_support import fail

commands = typer.Typer(name="calendar", help="工作日历", no_args_is_help=True)


@commands.command("load")
def calendar_load(path: Path) -> None:
    """导入一年的放假安排（.yaml/.xlsx）。"""
    from onewindow.calendar import service
    from onewindow.common.errors import DomainError
    from onewindow.common.security import SYSTEM
    from onewindow.db import session_scope

    try:
        with session_scope() as session:
            schedule = service.parse_schedule(filename=path.name, content=path.read_bytes())
            service.load_schedule(session, actor=SYSTEM, schedule=schedule, source=path.name)
    except DomainError as exc:
        fail(exc)
    typer.echo(f"已导入 {schedule.year} 年放假安排：{len(schedule.days)} 天")
