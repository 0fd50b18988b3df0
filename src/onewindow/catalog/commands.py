"""`onewindow catalog …`: import and export the catalogue."""

from __future__ import annotations

from pathlib import Path

import typer

from onewindow.common.cli_support import export_file, import_file

commands = typer.Typer(name="catalog", help="事项目录导入导出", no_args_is_help=True)


@commands.command("import")
def catalog_import(path: Path) -> None:
    """导入目录文件（.yaml/.xlsx）；有任何错误则不写入。"""
    from onewindow.catalog import transfer

    s = import_file(path, transfer.import_catalog)
    typer.echo(f"导入完成：部门 {s.departments}，事项版本 {s.items}（未变 {s.unchanged_items}），一件事 {s.bundles}")


@commands.command("export")
def catalog_export(path: Path) -> None:
    """导出整个目录；按扩展名选择 .yaml 或 .xlsx。"""
    from onewindow.catalog import transfer

    export_file(path, transfer.export_catalog)
