"""What a reader leaves out, and where: one collector for unmatched names and skipped rows.

A reader never guesses. A name or code that matches nothing, an aggregate that is not a
country, a row that no table can hold is left out, and the reader says so: it collects each
such name (or code, or ``(dimension, code)``) in :class:`Places` with every place it occurs,
in the order met, and at the end turns them into findings (:meth:`Places.each`, one per name;
:meth:`Places.one`, one for all) or into the error that stops the import
(:class:`~migstat.sources.names.NameReport`, :class:`~migstat.sources.cube.CubeMapper`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import Finding, Severity


class Places(dict[Hashable, list[Location | None]]):
    """Names (or codes) left out, each with the places it occurs (``None``: not said)."""

    def add(self, name: Hashable, where: Location | None = None) -> None:
        """One more row, column or cell left out under ``name``."""
        self.setdefault(name, []).append(where)

    @property
    def total(self) -> int:
        """How many rows, columns or cells were left out, over all names."""
        return sum(len(places) for places in self.values())

    def first(self, name: Hashable | None = None) -> Location | None:
        """The first place said, of ``name`` or of any name."""
        places = self.get(name, []) if name is not None else self.everywhere()
        return next((p for p in places if p is not None), None)

    def everywhere(self) -> list[Location | None]:
        """Every place, name after name."""
        return [p for places in self.values() for p in places]

    def describe(
        self, limit: int = 3, label: Callable[[Any], str] = lambda name: f"\u201c{name}\u201d"
    ) -> str:
        """``“Name” (5, 9, +2); ...``: the names with their first places (line numbers or
        cells), for messages in any language."""
        parts = []
        for name, places in self.items():
            shown = [place_text(p) for p in places[:limit]]
            if len(places) > limit:
                shown.append(f"+{len(places) - limit}")
            parts.append(f"{label(name)} ({', '.join(shown)})")
        return "; ".join(parts)

    def each(
        self,
        *,
        rule: str,
        severity: Severity,
        message: str,
        params: Callable[[Any, int], dict[str, object]],
        table: str | None = None,
        related: int | None = 0,
    ) -> list[Finding]:
        """One finding per name, at its first place said; ``params(name, count)`` fills the
        message; ``related`` further places are named (``None``: all of them)."""
        out = []
        for name, places in self.items():
            said = [p for p in places if p is not None]
            further = said[1:] if related is None else said[1 : 1 + related]
            out.append(
                Finding(
                    rule=rule,
                    severity=severity,
                    message=message,
                    table=table,
                    params=params(name, len(places)),
                    where=said[0] if said else None,
                    related=tuple(further),
                )
            )
        return out

    def one(
        self,
        *,
        rule: str,
        severity: Severity,
        message: str,
        params: dict[str, object],
        table: str | None = None,
        where: Location | None = None,
        related: bool = False,
    ) -> Finding:
        """One finding for everything left out, at ``where`` (else the first place said),
        naming the further places when ``related``."""
        said = [p for p in self.everywhere() if p is not None]
        return Finding(
            rule=rule,
            severity=severity,
            message=message,
            table=table,
            params=params,
            where=where or (said[0] if said else None),
            related=tuple(said[1:]) if related else (),
        )


def place_text(where: Location | None) -> str:
    """A place as a message names it: ``Sheet!B7``, a line number, a column or the file."""
    if where is None:
        return ""
    if where.sheet and where.cell:
        return f"{where.sheet}!{where.cell}"
    if where.line is not None:
        return str(where.line)
    return where.column or where.file or ""


RULE_NOTHING_TO_STORE = "IMPORT_NOTHING_TO_STORE"
MSG_NOTHING_TO_STORE = N_(
    "Nothing to store: no row of the file reached a migstat table, so the file cannot be "
    "accepted. The other findings say why (an import with --dry-run lists them)."
)
"""The one message of a file of which nothing reaches a table: the import's error that
refuses it, and the dry run's finding that says the import would."""


def nothing_to_store(file_name: str) -> Finding:
    """The error a dry run reports when no row reached any table: the real import would stop
    with :data:`MSG_NOTHING_TO_STORE`, so the dry run must not say the file can be accepted."""
    return Finding(
        rule=RULE_NOTHING_TO_STORE,
        severity=Severity.ERROR,
        where=Location(file=file_name),
        message=MSG_NOTHING_TO_STORE,
    )
