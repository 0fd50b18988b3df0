"""`onewindow audit …`: verify the audit hash chain."""

from __future__ import annotations

import typer

commands = typer.Typer(name="audit", help="审计日志", no_args_is_help=True)


@commands.command("verify")
def audit_verify() -> None:
    """校验审计哈希链；发现篡改或删除时报告第一条问题记录并返回非零。"""
    from onewindow.common import audit
    from onewindow.db import session_scope

    with session_scope() as session:
        result = audit.verify(session)
    if result.ok:
        typer.echo(f"审计链完整：{result.checked} 条记录")
        return
    typer.secho(f"审计链被破坏：{result.reason}（第一条问题记录：#{result.first_bad_seq}）", fg="red", err=True)
    raise typer.Exit(2)
