"""A failed form submission shown again (#9.2): every value the person entered, and each error beside
its field, on every form. A page renders its template with `kept` (see `web.redisplay` and the
`page=` argument of `web.attempt`); the macros in `_fields.html` read a field's value, selection and
errors from it, falling back to the stored value when nothing was kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from onewindow.common.errors import DomainError

# Posted controls that belong to the request, not to what the person typed: never shown again.
NOT_KEPT = frozenset({"csrf_token", "version", "idempotency_key", "then"})


@dataclass
class Kept:
    values: dict[str, str | list[str]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # input name -> messages for people
    summary: list[tuple[str | None, str]] = field(default_factory=list)  # (input name or None, message)
    title: str | None = None
    status_code: int = 200
    active: bool = False

    def __bool__(self) -> bool:
        return self.active

    def value(self, name: str, default=""):
        """The posted value when a submission is being shown again, else the stored one."""
        if self.active and name in self.values:
            return self.values[name]
        return "" if default is None else default

    def checked(self, name: str, default: bool = False) -> bool:
        # An unticked box is not posted at all, so after a failed attempt absence means unticked.
        return name in self.values if self.active else bool(default)

    def selected(self, name: str, option, default=None) -> bool:
        current = self.value(name, default)
        if isinstance(current, list):
            return str(option) in current
        return str(option) == str(current if current is not None else "")

    def error(self, name: str) -> list[str]:
        return self.errors.get(name, [])


EMPTY = Kept()


def _input_name(field_key: str | None, names: Mapping[str, str]) -> str | None:
    """The form control a service's field key belongs to: an exact entry of `names`, a prefix rewrite
    (e.g. "form." → "f_"), or the key itself."""
    if not field_key:
        return None
    if field_key in names:
        return names[field_key]
    for prefix, replacement in names.items():
        if prefix.endswith((".", "_")) and field_key.startswith(prefix):
            return replacement + field_key[len(prefix):]
    return field_key


def posted(form) -> dict[str, str | list[str]]:
    """A posted form's text values; a name posted several times (checkbox groups) keeps all of them."""
    out: dict[str, str | list[str]] = {}
    keys = form.keys() if hasattr(form, "keys") else form
    for key in dict.fromkeys(keys):
        if key in NOT_KEPT:
            continue
        many = form.getlist(key) if hasattr(form, "getlist") else [form[key]]
        texts = [v for v in many if isinstance(v, str)]
        if texts:
            out[key] = texts if len(texts) > 1 else texts[0]
    return out


def keep(form, exc: DomainError, *, names: Mapping[str, str] | None = None,
         on_page: frozenset[str] | set[str] | None = None) -> Kept:
    """The failed attempt: what was posted, and the error's details placed beside their controls.
    A detail whose control is not on this form (a material to upload, a rule elsewhere) is listed only in
    the summary at the top. `on_page` names controls shown but not posted (unticked boxes, uploads)."""
    values = posted(form) if not isinstance(form, dict) else {k: v for k, v in form.items() if k not in NOT_KEPT}
    present = set(values) | set(on_page or ())
    errors: dict[str, list[str]] = {}
    summary: list[tuple[str | None, str]] = []
    for detail in exc.details:
        text = detail.for_people()
        name = _input_name(detail.field, names or {})
        if name in present:
            errors.setdefault(name, []).append(detail.message)  # beside its field, the message suffices
            summary.append((name, text))
        else:
            summary.append((None, text))
    if not summary:
        summary.append((None, exc.message))
    return Kept(values=values, errors=errors, summary=summary, title=exc.message, status_code=exc.status_code,
                active=True)


def field_id(name: str) -> str:
    """An element id for a control's name ("item.name" → "item-name"), so the summary can link to it."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
