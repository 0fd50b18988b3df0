"""What every domain's operator commands share: a Chinese error exit, and running an import or export
service on a file as the system."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.core import TyperGroup


def fail(exc) -> None:
    typer.secho(str(getattr(exc, "message", exc)), fg="red", err=True)
    for detail in getattr(exc, "details", []):
        typer.secho(f"  - {detail}", fg="red", err=True)
    raise typer.Exit(1)


UPGRADE_HINT = "数据库{state}，请先运行 `onewindow db upgrade` 迁移到最新结构后再执行本命令。"


def schema_problem(engine) -> str | None:
    """Why the database cannot serve the commands, in Chinese: unreachable, empty, or behind (or ahead of)
    this version's migrations; None when it is at head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    from onewindow.migrate import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads())
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        return f"无法连接数据库 {engine.url.render_as_string(hide_password=True)}：{exc.orig or exc}".strip()
    if not current:
        return UPGRADE_HINT.format(state="尚未建立（空库）")
    if current != heads:
        return UPGRADE_HINT.format(state="不是本版本的最新结构（旧版本数据库）")
    return None


class SchemaCheckedGroup(TyperGroup):
    """The root command group. Every command runs through it, so this is the one place that turns a SQL
    error on an empty or older database into the Chinese advice to run `onewindow db upgrade`: the schema
    is looked at only when a command has failed, so commands that need no database never pay for it."""

    def invoke(self, ctx):
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return super().invoke(ctx)
        except SQLAlchemyError:
            from onewindow.db import get_engine

            problem = schema_problem(get_engine())
            if problem is None:
                raise  # a real fault on an up-to-date database: keep its traceback
            typer.secho(problem, fg="red", err=True)
            raise typer.Exit(2) from None


def import_file(path: Path, importer) -> object:
    """Run an import service on a file as the system; a domain error (any bad row) exits with the list."""
    from onewindow.common.errors import DomainError
    from onewindow.common.security import SYSTEM
    from onewindow.db import session_scope

    try:
        with session_scope() as session:
            return importer(session, actor=SYSTEM, filename=path.name, content=path.read_bytes())
    except DomainError as exc:
        fail(exc)


def export_file(path: Path, exporter) -> None:
    """Write an export service's .yaml or .xlsx (by the path's suffix) to the path."""
    from onewindow.db import session_scope

    fmt = "xlsx" if path.suffix.lower() == ".xlsx" else "yaml"
    with session_scope() as session:
        content, _, _ = exporter(session, fmt=fmt)
    path.write_bytes(content)
    typer.echo(f"已导出到 {path}")
