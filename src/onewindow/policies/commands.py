"""`onewindow policies …`: the policy library's files, test cases, matching, disbursement and settling."""

from __future__ import annotations

from pathlib import Path

import typer

from onewindow.common.cli_support import export_file, fail, import_file

commands = typer.Typer(name="policies", help="惠企政策库：导入导出与测试用例", no_args_is_help=True)


@commands.command("test")
def policies_test(path: Path | None = typer.Argument(None, help="政策库文件（.yaml/.xlsx）；省略则测试数据库中的政策库")) -> None:
    """运行政策测试用例；有任何用例未通过或文件有误则返回非零。给出文件时无需数据库。"""
    from onewindow.common.errors import DomainError
    from onewindow.policies import service

    try:
        if path is not None:
            report = service.test_file(filename=path.name, content=path.read_bytes())
        else:
            from onewindow.db import session_scope

            with session_scope() as session:
                report = service.run_tests(session)
    except DomainError as exc:
        fail(exc)
    for failure in report.failures:
        typer.secho(f"  ✗ {failure.message}", fg="red", err=True)
    if report.untested:
        typer.echo(f"没有用例的事项：{'、'.join(report.untested)}")
    typer.secho(report.summary(), fg="green" if report.ok else "red", err=not report.ok)
    if not report.ok:
        raise typer.Exit(1)


@commands.command("import")
def policies_import(path: Path) -> None:
    """导入政策库文件（.yaml/.xlsx）；有任何错误（含测试用例未通过）则不写入。"""
    from onewindow.policies import service

    typer.echo(f"导入完成：{import_file(path, service.import_library).text()}")


@commands.command("export")
def policies_export(path: Path) -> None:
    """导出整个政策库；按扩展名选择 .yaml 或 .xlsx。"""
    from onewindow.policies import service

    export_file(path, service.export_library)


def _as_of(text: str | None):
    from datetime import date

    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise typer.BadParameter(f"「{text}」不是日期（YYYY-MM-DD）", param_hint="--as-of") from None


@commands.command("match")
def policies_match(
    changed: bool = typer.Option(False, "--changed", help="只匹配上次匹配以来数据有变化的企业（增量）"),
    item: str | None = typer.Option(None, "--item", help="只重新匹配该奖补事项（连同其不重复享受组）"),
    enterprise: list[int] = typer.Option([], "--enterprise", help="只重新匹配这些企业（可重复）"),
    as_of: str | None = typer.Option(None, "--as-of", help="匹配基准日（YYYY-MM-DD），默认今天"),
) -> None:
    """政策找企业：全部企业 × 全部有效奖补事项匹配并保存结果（或按 --changed/--item/--enterprise 增量）。多进程同时运行只有一个生效（数据库租约）。"""
    from onewindow import models  # noqa: F401 — every table, so a flush can order rows by their foreign keys
    from onewindow.common.errors import DomainError
    from onewindow.common.security import SYSTEM
    from onewindow.db import for_writing, session_scope
    from onewindow.policies.matching import core as matching

    day = _as_of(as_of)
    try:
        with session_scope() as session:
            for_writing(session)
            if item:
                run = matching.run_for_item(session, actor=SYSTEM, item_code=item, as_of=day)
            elif enterprise:
                run = matching.run_for_enterprises(session, actor=SYSTEM, enterprise_ids=enterprise, as_of=day)
            elif changed:
                run = matching.changed_since_last_run(session, actor=SYSTEM, as_of=day)
            else:
                run = matching.run_full(session, actor=SYSTEM, as_of=day)
    except DomainError as exc:
        fail(exc)
    if run is None:
        typer.echo("上次匹配以来没有企业数据变化，无需匹配")
        return
    typer.echo(f"匹配完成（{run.kind} {run.scope}）：企业 {run.enterprise_count} 家 × 事项 {run.item_count} 项，"
               f"符合 {run.match_count} 条，用时 {run.duration_ms} ms")


@commands.command("disburse")
def policies_disburse(item: str = typer.Argument(..., help="免申即享奖补事项编码"),
                      period: str = typer.Option(..., "--period", help="兑现年度，如 2026")) -> None:
    """生成免申即享兑现批次（已有未完成的批次则原样显示）；审核与支付由政策管理员在页面办理。"""
    from onewindow import models  # noqa: F401 — every table, so a flush can order rows by their foreign keys
    from onewindow.common.errors import DomainError
    from onewindow.common.security import SYSTEM
    from onewindow.db import for_writing, session_scope
    from onewindow.policies.disbursement import core as disbursement
    from onewindow.policies.rules.core import format_money

    try:
        with session_scope() as session:
            batch = disbursement.generate_batch(for_writing(session), actor=SYSTEM, item_code=item, period=period)
            excluded = disbursement.batch_lines(session, actor=SYSTEM, batch_id=batch.id, status="excluded").total
    except DomainError as exc:
        fail(exc)
    typer.echo(f"批次 #{batch.id}（{batch.item_code} {batch.period}年度第{batch.sequence}批，"
               f"{disbursement.STATUS_LABELS[batch.status]}）：拟拨付 {batch.line_count} 家，合计 "
               f"{format_money(batch.total_fen)}；已剔除 {excluded} 家")


@commands.command("settle")
def policies_settle() -> None:
    """把已办结的奖补申请计入奖补台账（幂等；巡检也会调用）。"""
    from onewindow import models  # noqa: F401 — every table, so a flush can order rows by their foreign keys
    from onewindow.db import for_writing, session_scope
    from onewindow.policies.disbursement import applying

    with session_scope() as session:
        count = applying.settle_completed_applications(for_writing(session))
    typer.echo("另一进程正在处理，本次跳过" if count is None else f"已处理办结的奖补申请 {count} 件")


@commands.command("settle-backfill")
def policies_settle_backfill() -> None:
    """为迁移 0008（领域事件）之前已办结、没有“办结”事件的办件补记该事件，使其奖补照常入账（幂等：再次运行不再变化）。"""
    from onewindow import models  # noqa: F401 — every table, so a flush can order rows by their foreign keys
    from onewindow.db import for_writing, session_scope
    from onewindow.policies.disbursement import applying

    emitted = settled = 0
    while True:  # a batch per transaction, so a large database is not one long transaction
        with session_scope() as session:
            batch = applying.settle_backfill(for_writing(session))
        if batch is None:
            typer.echo("另一进程正在结算，本次跳过；请稍后再运行")
            raise typer.Exit(1)
        if batch[0] == 0:
            break
        emitted, settled = emitted + batch[0], settled + batch[1]
    typer.echo(f"补记办结事件 {emitted} 个，奖补入账 {settled} 件" if emitted else "所有已办结办件均已有办结事件，无需补记")
