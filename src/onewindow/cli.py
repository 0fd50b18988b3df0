"""`onewindow` — operators' command line: database, demo, serve, import/export, calendar, audit."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="一窗通 OneWindow 运维命令", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库迁移", no_args_is_help=True)
catalog_app = typer.Typer(help="事项目录导入导出", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日历", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志", no_args_is_help=True)
policies_app = typer.Typer(help="惠企政策库：导入导出与测试用例", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(catalog_app, name="catalog")
app.add_typer(calendar_app, name="calendar")
app.add_typer(audit_app, name="audit")
app.add_typer(policies_app, name="policies")


def _fail(exc) -> None:
    typer.secho(str(getattr(exc, "message", exc)), fg="red", err=True)
    for detail in getattr(exc, "details", []):
        typer.secho(f"  - {detail}", fg="red", err=True)
    raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """把数据库迁移到最新结构（空库亦可）。"""
    from onewindow import migrate
    from onewindow.db import get_engine

    migrate.upgrade(get_engine(), revision)
    typer.echo(f"数据库已迁移到 {revision}：{get_engine().url.render_as_string(hide_password=True)}")


def _import_file(path: Path, importer) -> object:
    """Run an import service on a file as the system; a domain error (any bad row) exits with the list."""
    from onewindow.common.errors import DomainError
    from onewindow.common.security import SYSTEM
    from onewindow.db import session_scope

    try:
        with session_scope() as session:
            return importer(session, actor=SYSTEM, filename=path.name, content=path.read_bytes())
    except DomainError as exc:
        _fail(exc)


def _export_file(path: Path, exporter) -> None:
    """Write an export service's .yaml or .xlsx (by the path's suffix) to the path."""
    from onewindow.db import session_scope

    fmt = "xlsx" if path.suffix.lower() == ".xlsx" else "yaml"
    with session_scope() as session:
        content, _, _ = exporter(session, fmt=fmt)
    path.write_bytes(content)
    typer.echo(f"已导出到 {path}")


@catalog_app.command("import")
def catalog_import(path: Path) -> None:
    """导入目录文件（.yaml/.xlsx）；有任何错误则不写入。"""
    from onewindow.catalog import transfer

    s = _import_file(path, transfer.import_catalog)
    typer.echo(f"导入完成：部门 {s.departments}，事项版本 {s.items}（未变 {s.unchanged_items}），一件事 {s.bundles}")


@catalog_app.command("export")
def catalog_export(path: Path) -> None:
    """导出整个目录；按扩展名选择 .yaml 或 .xlsx。"""
    from onewindow.catalog import transfer

    _export_file(path, transfer.export_catalog)


@calendar_app.command("load")
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
        _fail(exc)
    typer.echo(f"已导入 {schedule.year} 年放假安排：{len(schedule.days)} 天")


@policies_app.command("test")
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
        _fail(exc)
    for failure in report.failures:
        typer.secho(f"  ✗ {failure.message}", fg="red", err=True)
    if report.untested:
        typer.echo(f"没有用例的事项：{'、'.join(report.untested)}")
    typer.secho(report.summary(), fg="green" if report.ok else "red", err=not report.ok)
    if not report.ok:
        raise typer.Exit(1)


@policies_app.command("import")
def policies_import(path: Path) -> None:
    """导入政策库文件（.yaml/.xlsx）；有任何错误（含测试用例未通过）则不写入。"""
    from onewindow.policies import service

    typer.echo(f"导入完成：{_import_file(path, service.import_library).text()}")


@policies_app.command("export")
def policies_export(path: Path) -> None:
    """导出整个政策库；按扩展名选择 .yaml 或 .xlsx。"""
    from onewindow.policies import service

    _export_file(path, service.export_library)


def _as_of(text: str | None):
    from datetime import date

    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise typer.BadParameter(f"「{text}」不是日期（YYYY-MM-DD）", param_hint="--as-of") from None


@policies_app.command("match")
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
        _fail(exc)
    if run is None:
        typer.echo("上次匹配以来没有企业数据变化，无需匹配")
        return
    typer.echo(f"匹配完成（{run.kind} {run.scope}）：企业 {run.enterprise_count} 家 × 事项 {run.item_count} 项，"
               f"符合 {run.match_count} 条，用时 {run.duration_ms} ms")


@policies_app.command("disburse")
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
        _fail(exc)
    typer.echo(f"批次 #{batch.id}（{batch.item_code} {batch.period}年度第{batch.sequence}批，"
               f"{disbursement.STATUS_LABELS[batch.status]}）：拟拨付 {batch.line_count} 家，合计 "
               f"{format_money(batch.total_fen)}；已剔除 {excluded} 家")


@policies_app.command("settle")
def policies_settle() -> None:
    """把已办结的奖补申请计入奖补台账（幂等；巡检也会调用）。"""
    from onewindow import models  # noqa: F401 — every table, so a flush can order rows by their foreign keys
    from onewindow.db import for_writing, session_scope
    from onewindow.policies.disbursement import applying

    with session_scope() as session:
        count = applying.settle_completed_applications(for_writing(session))
    typer.echo("另一进程正在处理，本次跳过" if count is None else f"已处理办结的奖补申请 {count} 件")


@audit_app.command("verify")
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


@app.command("demo")
def demo(load_only: bool = typer.Option(False, "--load-only", help="只加载数据，不启动服务"),
         host: str | None = None, port: int | None = None) -> None:
    """迁移数据库、加载示范市数据、打印演示账号并启动服务。"""
    from onewindow import migrate
    from onewindow.config import get_settings
    from onewindow.db import get_engine, session_scope
    from onewindow.demo import loader

    migrate.upgrade(get_engine())
    with session_scope() as session:
        report = loader.load_demo(session)
    typer.echo(report.summary())
    typer.echo("\n演示账号（密码均为 " + loader.DEMO_PASSWORD + "）：")
    for username, name, role_label in report.accounts:
        typer.echo(f"  {username:<16} {name}（{role_label}）")
    if not load_only:
        settings = get_settings()
        serve(host=host or settings.host, port=port or settings.port, sweep_seconds=300)


def _periodic_once() -> str:
    """One round of periodic work: the time-limit sweep, settling award applications, incremental policy
    matching (each leased) and delivery of queued notifications."""
    from onewindow.cases import service as cases
    from onewindow.common import outbox
    from onewindow.common.errors import DomainError
    from onewindow.common.security import SYSTEM
    from onewindow.db import for_writing, session_scope
    from onewindow.policies.disbursement import applying
    from onewindow.policies.matching import core as matching

    with session_scope() as session:
        report = cases.sweep(for_writing(session))
    with session_scope() as session:  # approved award applications go into the ledger
        settled = applying.settle_completed_applications(for_writing(session))
    try:  # 政策找企业 on every data change: only the enterprises whose registry data changed
        with session_scope() as session:
            run = matching.changed_since_last_run(for_writing(session), actor=SYSTEM)
        matched = f"政策匹配 {run.enterprise_count} 家企业" if run else "政策匹配：无数据变化"
    except DomainError as exc:  # another process holds the matching lease
        matched = f"政策匹配未运行：{exc}"
    with session_scope() as session:
        sent = outbox.deliver_pending(for_writing(session))
    return f"{report.summary()}；奖补兑现结算 {settled or 0} 件；{matched}；发送通知 {sent} 条"


@app.command("sweep")
def sweep(every: int = typer.Option(0, help="每隔多少秒巡检一次；0 表示只巡检一次")) -> None:
    """巡检办理时限（预警、超期）、容缺逾期和承诺核查，并发送待发通知。多进程同时运行也只有一个生效（数据库租约）。"""
    import time

    while True:
        typer.echo(_periodic_once())
        if every <= 0:
            return
        time.sleep(every)


def _start_sweeper(seconds: int) -> None:
    import logging
    import threading
    import time

    log = logging.getLogger("onewindow.sweep")

    def loop() -> None:
        while True:
            try:
                log.info(_periodic_once())
            except Exception:  # keep the server's background work alive; the next round retries
                log.exception("巡检失败")
            time.sleep(seconds)

    threading.Thread(target=loop, name="onewindow-sweep", daemon=True).start()


@app.command("serve")
def serve(host: str | None = None, port: int | None = None,
          sweep_seconds: int = typer.Option(300, help="后台巡检间隔（秒），0 表示不在本进程巡检")) -> None:
    """启动 Web 服务（并在后台定时巡检办理时限）。"""
    import uvicorn

    from onewindow.config import get_settings

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    if sweep_seconds > 0:
        _start_sweeper(sweep_seconds)
    typer.echo(f"一窗通已启动：http://{host}:{port}/  （接口文档 /api/docs）")
    uvicorn.run("onewindow.asgi:app", host=host, port=port, log_level="info")


if __name__ == "__main__":
    app()
