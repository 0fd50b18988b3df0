"""`onewindow audit …`: verify the audit hash chain against its signed checkpoints; write a checkpoint."""

from __future__ import annotations

import typer

commands = typer.Typer(name="audit", help="审计日志", no_args_is_help=True)


@commands.command("verify")
def audit_verify() -> None:
    """校验审计哈希链及库外的 SM2 签名检查点；发现篡改、删除、截断或改写时报告并返回非零。"""
    from onewindow.common import checkpoints
    from onewindow.db import session_scope

    with session_scope() as session:
        result = checkpoints.verify(session)
        points = [c for c in checkpoints.load() if c.problem is None]
    if result.ok:
        typer.echo(f"审计链完整：{result.checked} 条记录")
        if points:
            typer.echo(f"与 {len(points)} 个签名检查点一致（最新：第{points[-1].seq}条，{points[-1].at_local}）")
        else:
            typer.secho(f"提示：{checkpoints.directory()} 下尚无签名检查点，无法发现整链改写或截断；"
                        "请运行 onewindow audit checkpoint 或定时任务", fg="yellow")
        return
    typer.secho(f"审计链被破坏：{result.reason}（第一条问题记录：#{result.first_bad_seq}）", fg="red", err=True)
    raise typer.Exit(2)


@commands.command("checkpoint")
def audit_checkpoint() -> None:
    """用平台 SM2 密钥签名当前链头，写入检查点文件（定时任务每小时也会执行）。"""
    from onewindow.common import checkpoints
    from onewindow.db import session_scope

    with session_scope() as session:
        try:
            point = checkpoints.write(session)
        except ValueError as exc:
            typer.secho(str(exc), fg="red", err=True)
            raise typer.Exit(2) from None
    if point is None:
        typer.echo("审计链无新增记录，未生成检查点")
    else:
        typer.echo(f"已写入检查点 {checkpoints.directory() / point.file}：第{point.seq}条")
