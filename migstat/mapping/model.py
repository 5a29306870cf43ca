"""A classification mapping and its CSV form.

CSV columns (header required, any order, separator ``,`` ``;`` or tab)::

    country,source,codelist,national_code,national_label,target,share

``country`` is an ISO alpha-3 code or ``*`` (any country), ``source`` a source name
(``px``, ``long_csv``, ``sdmx_csv`` ...) or ``*`` (any source), ``codelist`` the international
code list (``REASON`` ...). ``national_code`` is the category as the national files write it (a
code or its name); ``national_label`` an optional name shown to people. ``share`` defaults to
1; the shares of one national category must add up to 1. One CSV may hold mappings of several
countries and code lists: each becomes a new version of its own.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from migstat.formats.csvbase import decode, first_line, rows, sniff_separator, stream_rows
from migstat.formats.limits import check_size
from migstat.formats.neutral import neutral_row, restore
from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.sources.tabular import category_key

ANY = "*"
COLUMNS = ("country", "source", "codelist", "national_code", "national_label", "target", "share")
SHARE_TOLERANCE = 1e-6
NOT_MAPPABLE = frozenset({"AREA"})
"""Code lists whose codes are never national categories (countries go through the AREA
aliases instead)."""


@dataclass(frozen=True, slots=True)
class MappingEntry:
    """One national category mapped to one target code with a share."""

    national_code: str
    target: str
    share: float = 1.0
    national_label: str | None = None
    where: Location | None = field(default=None, compare=False)


@dataclass(slots=True)
class Mapping:
    """One version of the mapping of a country's categories (from one source) to a code list."""

    country: str
    source: str
    codelist: str
    entries: list[MappingEntry] = field(default_factory=list)
    version: int | None = None
    id: int | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    note: str | None = None

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.country, self.source, self.codelist)

    def describe(self) -> str:
        """``REASON KGZ/px v2`` for messages and provenance notes."""
        return f"{self.codelist} {self.country}/{self.source} v{self.version}"

    def targets(self) -> dict[str, list[tuple[str, float]]]:
        """National category (by :func:`category_key` of its code and of its label) ->
        ``[(target code, share)]``."""
        out: dict[str, list[tuple[str, float]]] = {}
        for entry in self.entries:
            for name in (entry.national_code, entry.national_label):
                if name:
                    bucket = out.setdefault(category_key(name), [])
                    if (entry.target, entry.share) not in bucket:
                        bucket.append((entry.target, entry.share))
        return out

    def to_dict(self) -> dict[str, object]:
        """A plain mapping for JSON (the portal's editor): header and entries."""
        return {
            "country": self.country,
            "source": self.source,
            "codelist": self.codelist,
            "version": self.version,
            "id": self.id,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "created_by": self.created_by,
            "note": self.note,
            "entries": [
                {
                    "national_code": e.national_code,
                    "national_label": e.national_label,
                    "target": e.target,
                    "share": e.share,
                }
                for e in self.entries
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Mapping:
        """A mapping edited elsewhere (the portal), to check and save as a new version."""
        entries = data.get("entries") or []
        return cls(
            str(data["country"]),
            str(data.get("source") or ANY).lower(),
            str(data["codelist"]).upper(),
            [
                MappingEntry(
                    str(e["national_code"]),
                    str(e["target"]),
                    float(e.get("share", 1.0)),
                    e.get("national_label") or None,
                )
                for e in entries
            ],  # type: ignore[union-attr]
            note=str(data["note"]) if data.get("note") else None,
        )

    def categories(self) -> list[str]:
        seen: dict[str, None] = {}
        for entry in self.entries:
            seen.setdefault(entry.national_code, None)
        return list(seen)

    def check(self, registry: Registry, file_name: str | None = None) -> None:
        """Raise :class:`InputError` unless every target exists, every share is in (0, 1],
        and the shares of each national category add up to 1."""
        where = Location(file=file_name)
        if self.codelist in NOT_MAPPABLE or self.codelist not in registry.codelists:
            known = ", ".join(c for c in registry.codelists if c not in NOT_MAPPABLE)
            raise InputError(
                N_("Code list {codelist} cannot be mapped to; use one of: {known}."),
                where=where,
                codelist=self.codelist,
                known=known,
            )
        if not self.entries:
            raise InputError(
                N_("The mapping of {codelist} for {country} has no entries."),
                where=where,
                codelist=self.codelist,
                country=self.country,
            )
        codes = registry.codelist(self.codelist)
        totals: dict[str, float] = {}
        first: dict[str, Location | None] = {}
        pairs: set[tuple[str, str]] = set()
        for entry in self.entries:
            at = entry.where or where
            if entry.target not in codes:
                raise InputError(
                    N_(
                        "Target code {target} is not in code list {codelist} "
                        "(national category \u201c{category}\u201d)."
                    ),
                    where=at,
                    target=entry.target,
                    codelist=self.codelist,
                    category=entry.national_code,
                )
            if not 0 < entry.share <= 1:
                raise InputError(
                    N_(
                        "The share {share} of national category \u201c{category}"
                        "\u201d is not a number above 0 and at most 1."
                    ),
                    where=at,
                    share=entry.share,
                    category=entry.national_code,
                )
            key = category_key(entry.national_code)
            if (key, entry.target) in pairs:
                raise InputError(
                    N_("National category \u201c{category}\u201d is mapped to {target} twice."),
                    where=at,
                    category=entry.national_code,
                    target=entry.target,
                )
            pairs.add((key, entry.target))
            totals[key] = totals.get(key, 0.0) + entry.share
            first.setdefault(key, at)
        for entry in self.entries:
            key = category_key(entry.national_code)
            if abs(totals[key] - 1.0) > SHARE_TOLERANCE:
                raise InputError(
                    N_(
                        "The shares of national category \u201c{category}\u201d "
                        "add up to {total}, not 1."
                    ),
                    where=first[key] or where,
                    category=entry.national_code,
                    total=round(totals[key], 6),
                )


def _share(text: str, where: Location) -> float:
    if not text.strip():
        return 1.0
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise InputError(
            N_("The share \u201c{value}\u201d is not a number (write it as 0.25)."),
            where=where,
            value=text,
        ) from None


def read_mappings_csv(
    data: bytes | Path,
    *,
    file_name: str,
    registry: Registry,
    country: str | None = None,
    source: str | None = None,
) -> list[Mapping]:
    """The mappings in a CSV file (see the module's docstring), checked: its bytes (the
    portal's upload), or a file on disk read a line at a time, never whole (``mapping
    import``). What is held is the mappings themselves.

    ``country`` and ``source`` fill the columns when the file leaves them out.
    """
    if isinstance(data, Path):
        check_size(data.stat().st_size, file_name=file_name)
        records = stream_rows(data, file_name)
    else:
        check_size(len(data), file_name=file_name)
        text = decode(data, file_name=file_name)
        records = rows(text, sniff_separator(first_line(text)), file_name)
    try:
        _line, header = next(records)
    except StopIteration:
        raise InputError(N_("The file is empty."), where=Location(file=file_name)) from None
    columns = {h.strip().lower().lstrip("\ufeff"): i for i, h in enumerate(header)}
    needed = [c for c in ("codelist", "national_code", "target") if c not in columns]
    needed += [
        c
        for c, given in (("country", country), ("source", source))
        if c not in columns and given is None
    ]
    if needed:
        raise InputError(
            N_("Columns missing: {missing}. The header has: {found}."),
            where=Location(file=file_name, line=1),
            missing=", ".join(needed),
            found=", ".join(header) or "\u2014",
        )

    def field_(fields: list[str], name: str) -> str:
        i = columns.get(name)
        return restore(fields[i].strip()) if i is not None and i < len(fields) else ""

    found: dict[tuple[str, str, str], Mapping] = {}
    for line, fields in records:
        where = Location(file=file_name, line=line)
        code_country = field_(fields, "country") or country or ""
        if code_country != ANY:
            resolved = registry.areas.resolve(code_country) if code_country else None
            if resolved is None:
                raise InputError(
                    N_("Unknown country {code}: give an ISO 3166 alpha-3 code such as KGZ."),
                    where=where,
                    code=code_country,
                )
            code_country = resolved
        src = (field_(fields, "source") or source or ANY).lower()
        codelist = field_(fields, "codelist").upper()
        national = field_(fields, "national_code")
        if not national:
            raise InputError(
                N_("The national category is empty (column national_code)."),
                where=Location(file=file_name, line=line, column="national_code"),
            )
        target = field_(fields, "target")
        if codelist in registry.codelists:
            target = registry.codelist(codelist).resolve(target) or target
        mapping = found.setdefault(
            (code_country, src, codelist), Mapping(code_country, src, codelist)
        )
        mapping.entries.append(
            MappingEntry(
                national_code=national,
                target=target,
                share=_share(
                    field_(fields, "share"), Location(file=file_name, line=line, column="share")
                ),
                national_label=field_(fields, "national_label") or None,
                where=where,
            )
        )
    if not found:
        raise InputError(
            N_("The file has a header but no data rows."), where=Location(file=file_name)
        )
    for mapping in found.values():
        mapping.check(registry, file_name)
    return list(found.values())


def write_mappings_csv(mappings: list[Mapping]) -> str:
    """The CSV form of ``mappings`` (read back by :func:`read_mappings_csv`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for m in mappings:
        for e in m.entries:
            writer.writerow(
                neutral_row(
                    [
                        m.country,
                        m.source,
                        m.codelist,
                        e.national_code,
                        e.national_label or "",
                        e.target,
                        f"{e.share:g}",
                    ]
                )
            )
    return buffer.getvalue()
