"""`onewindow` — operators' command line: database, demo, serve, periodic jobs, and every registered
domain's own command group (catalog, calendar, policies, audit …)."""

from __future__ import annotations

import typer

from onewindow.common.cli_support import SchemaCheckedGroup
from onewindow.domains import registry

# SchemaCheckedGroup: on an empty or older database every command says to run `onewindow db upgrade`.
app = typer.Typer(help="一窗通 OneWindow 运维命令", no_args_is_help=True, add_completion=False,
                  cls=SchemaCheckedGroup)
db_app = typer.Typer(help="数据库迁移", no_args_is_help=True)
app.add_typer(db_app, name="db")
for group in registry().command_groups():  # each domain's own commands: catalog, calendar, policies, audit …
    app.add_typer(group)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """把数据库迁移到最新结构（空库亦可）。"""
    from onewindow import migrate
    from onewindow.db import get_engine

    migrate.upgrade(get_engine(), revision)
    typer.echo(f"数据库已迁移到 {revision}：{get_engine().url.render_as_string(hide_password=True)}")


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
        serve(host=host or settings.host, port=port or settings.port, sweep_seconds=60)


def _periodic_once() -> str:
    """One round of periodic work: every registered domain's jobs that are due, each under its own lease."""
    from onewindow.common import jobs

    return "\n".join(r.line() for r in jobs.run_due(registry())) or "没有登记的定时任务"


@app.command("sweep")
def sweep(every: int = typer.Option(0, help="每隔多少秒巡检一次；0 表示只巡检一次")) -> None:
    """运行各领域登记的定时任务（办理时限巡检、容缺与核查到期、奖补结算、政策匹配、发送通知等）中已到期的。每个任务有自己的数据库租约：多进程同时运行也只执行一次，本周期内已运行的任务跳过。"""
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
          sweep_seconds: int = typer.Option(60, help="后台检查到期定时任务的间隔（秒），0 表示不在本进程运行")) -> None:
    """启动 Web 服务（并在后台运行各领域登记的定时任务）。"""
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
