"""What every domain's operator commands share: a Chinese error exit, and running an import or export
service on a file as the system."""

from __future__ import annotations

from pathlib import Path

import typer


def fail(exc) -> None:
    typer.secho(str(getattr(exc, "message", exc)), fg="red", err=True)
    for detail in getattr(exc, "details", []):
        typer.secho(f"  - {detail}", fg="red", err=True)
    raise typer.Exit(1)


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
