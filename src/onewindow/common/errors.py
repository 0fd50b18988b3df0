"""Domain errors. Services raise these; the app turns them into 4xx answers that name the field."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class ErrorDetail:
    """One problem, located as precisely as the input allows (sheet/row for files, field for forms)."""

    message: str
    field: str | None = None  # the input's key, for programs (API clients, the form that shows it again)
    sheet: str | None = None
    row: int | None = None
    label: str | None = None  # the field's Chinese name, for people

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def _where(self, name: str | None) -> str:
        where = []
        if self.sheet:
            where.append(self.sheet)
        if self.row is not None:
            where.append(f"第{self.row}行")
        if name:
            where.append(name)
        return " ".join(where)

    def __str__(self) -> str:
        """With its location in a file (sheet, row, key path), for operators and the CLI."""
        where = self._where(self.label or self.field)
        return f"{where}：{self.message}" if where else self.message

    def for_people(self) -> str:
        """What a page shows: sheet, row and the field's Chinese label, never an internal key (a message
        without a label names its field itself)."""
        named = self.label and (self.label in self.message or f"「{self.label}」" in self.message)
        where = self._where(None if named or not self.label else f"「{self.label}」")
        return f"{where}：{self.message}" if where else self.message


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: list[ErrorDetail] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "errors": [d.as_dict() for d in self.details]}


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_failed"

    @classmethod
    def one(cls, message: str, *, field: str | None = None, label: str | None = None) -> ValidationFailed:
        return cls(message, details=[ErrorDetail(message=message, field=field, label=label)])


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Unauthenticated(DomainError):
    status_code = 401
    code = "unauthenticated"


class TooManyRequests(DomainError):
    status_code = 429
    code = "too_many_requests"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


@dataclass
class ErrorCollector:
    """Gathers every problem of an input before failing, so one answer lists them all."""

    errors: list[ErrorDetail] = field(default_factory=list)

    def add(self, message: str, *, field: str | None = None, sheet: str | None = None, row: int | None = None,
            label: str | None = None):
        self.errors.append(ErrorDetail(message=message, field=field, sheet=sheet, row=row, label=label))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, message: str) -> None:
        if self.errors:
            raise ValidationFailed(f"{message}（共{len(self.errors)}处错误）", details=self.errors)
