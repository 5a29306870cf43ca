"""Validation findings and user-facing errors.

A :class:`Finding` is what validation says about a submission: a rule id, a severity, the
table, the exact place (sheet and cell, or CSV line), the numbers involved, and a message that
can be shown in English or Russian. Messages are stored as a gettext msgid plus parameters and
rendered in the reader's language when shown.

:class:`MigstatError` is raised for input that cannot be read at all (not a workbook, a
corrupt zip, an unknown country): it too names the place and speaks both languages, and the
command line turns it into a message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from migstat.i18n import LANGUAGES, N_, gettext_
from migstat.model.data import Location


class Severity(StrEnum):
    ERROR = "error"
    """Blocks acceptance."""
    WARNING = "warning"
    """Needs a look or a comment; does not block."""
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


_LINE = re.compile(r"^line (\d+)(?:, (.+))?$")


def _place(value: Any, lang: str) -> Any:
    """A text place ``line 12`` (as stored in finding parameters) in the reader's language; a
    parameter given in each language (``{"en": "Armenia", "ru": "Армения"}``) in the reader's."""
    if isinstance(value, dict) and value and set(value) <= set(LANGUAGES):
        return value.get(lang) or value.get("en") or next(iter(value.values()))
    if isinstance(value, str) and (m := _LINE.match(value)):
        if m.group(2):
            return gettext_(N_("line {line}, {column}"), lang, line=m.group(1), column=m.group(2))
        return gettext_(N_("line {line}"), lang, line=m.group(1))
    return value


def _render(message: str, params: dict[str, Any], lang: str) -> str:
    shown = {k: _place(_fmt(v), lang) for k, v in params.items()}
    return gettext_(message, lang, **shown)


def _fmt(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", "\u202f")
    return value


@dataclass(slots=True)
class Finding:
    """One thing validation found."""

    rule: str
    severity: Severity
    message: str
    """The English message with ``{named}`` parameters; also the gettext msgid."""
    params: dict[str, Any] = field(default_factory=dict)
    table: str | None = None
    where: Location | None = None
    key: dict[str, str] | None = None
    """The observation's dimension codes (with REF_AREA and TIME_PERIOD), when there is one."""
    values: dict[str, float | None] = field(default_factory=dict)
    """The numbers involved: ``observed``, ``expected``, ``difference``, ``tolerance`` ..."""
    related: tuple[Location, ...] = ()
    """Other cells the finding involves (the parts of a total that does not add up)."""
    caused: tuple[Finding, ...] = ()
    """Findings that follow from this one (the totals a deleted row no longer adds up to),
    shown under it rather than beside it."""

    def text(self, lang: str = "en") -> str:
        return _render(self.message, self.params, lang)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        where = self.where or Location()
        return (
            Severity(self.severity).rank,
            self.table or "",
            where.sheet or "",
            where.line or 0,
            _cell_order(where.cell),
            self.rule,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": str(self.severity),
            "table": self.table,
            "location": self.where.to_dict() if self.where else {},
            "message": {lang: self.text(lang) for lang in LANGUAGES},
            "values": self.values,
        }
        if self.key:
            out["key"] = self.key
        if self.related:
            out["related"] = [loc.to_dict() for loc in self.related]
        if self.caused:
            out["caused"] = [f.to_dict() for f in self.caused]
        return out


def _cell_order(cell: str | None) -> tuple[int, str]:
    if not cell:
        return (0, "")
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    return (int(digits or 0), letters.rjust(3))


class MigstatError(Exception):
    """Input or a request that cannot be processed, explained for a person.

    ``message`` is an English gettext msgid with ``{named}`` parameters; ``where`` names the
    file and place. The exit status of the command line is ``exit_code``.
    """

    exit_code = 2

    def __init__(self, message: str, *, where: Location | None = None, **params: Any) -> None:
        self.message = message
        self.params = params
        self.where = where
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        body = _render(self.message, self.params, lang)
        place = self.where.text(lang) if self.where else ""
        return f"{place}: {body}" if place else body


class InputError(MigstatError):
    """A file that cannot be read as what it claims to be."""


MAX_EXACT = 2**53
"""The largest magnitude a figure may have: the store keeps values as 64-bit floats, which
hold every whole number up to this one exactly and round those beyond it."""


def check_exact(value: float | None, where: Location | None) -> None:
    """Refuse a figure the store would round (nothing stored may be silently changed); a
    count this large is a typing error far more often than a real figure."""
    if value is not None and abs(value) > MAX_EXACT:
        raise InputError(
            N_(
                "Value {value} is too large to be kept exactly (the limit is {limit}): "
                "check the cell."
            ),
            where=where,
            value=f"{value:g}" if isinstance(value, float) else str(value),
            limit=f"{MAX_EXACT:,}".replace(",", " "),
        )


class NotFoundError(MigstatError):
    """An unknown table, country, submission or code."""
