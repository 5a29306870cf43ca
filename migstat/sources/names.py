"""Country and area names as publishers write them, resolved to codes of the AREA code list.

Resolution is exact: a name is looked up, after tidying its spacing and apostrophes, among the
ids and aliases of the AREA code list (ISO names and codes from pycountry, the Russian names,
and the publishers' spellings curated in ``migstat/definitions/codelists/AREA.yaml``). Nothing
is guessed: a name that is not there is collected in a :class:`NameReport` with every place it
occurs, and the importer either stops with an error listing them or, when asked to, skips
those rows and says so in a warning finding.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from migstat.i18n import N_
from migstat.model.data import Dataset, Location
from migstat.model.findings import Finding, InputError, Severity
from migstat.model.registry import Registry, default_registry

RULE_UNMATCHED = "IMPORT_UNMATCHED_NAME"

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_SPACE = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """A name with its Unicode composed, apostrophes straightened and spacing collapsed."""
    text = unicodedata.normalize("NFC", str(name)).translate(_APOSTROPHES)
    return _SPACE.sub(" ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def resolve_country(name: str, registry: Registry | None = None) -> str | None:
    """The AREA code for a publisher's name or code of a country or area, or ``None``.

    Accepts code ids (``RUS``, ``_T``), ISO alpha-2 and M49 numeric codes, English and
    Russian names in any letter case and the curated publishers' spellings.
    """
    if name is None:
        return None
    text = normalize_name(name)
    if not text:
        return None
    areas = (registry or default_registry()).areas
    return areas.resolve(text)


@dataclass(slots=True)
class NameReport:
    """Names met while reading one file, and where those that matched nothing occur."""

    file: str
    registry: Registry | None = None
    unmatched: dict[str, list[Location]] = field(default_factory=dict)
    _cache: dict[str, str | None] = field(default_factory=dict, repr=False)

    def resolve(self, name: str, where: Location | None = None) -> str | None:
        """The code for ``name``; an unmatched name is recorded with ``where``."""
        try:
            code = self._cache[name]
        except KeyError:
            code = self._cache[name] = resolve_country(name, self.registry)
        if code is None:
            self.add(name, where)
        return code

    def add(self, name: str, where: Location | None = None) -> None:
        self.unmatched.setdefault(name, []).append(where or Location(file=self.file))

    def __bool__(self) -> bool:
        return bool(self.unmatched)

    def __len__(self) -> int:
        return len(self.unmatched)

    def describe(self, limit: int = 3) -> str:
        """``"Name" (5, 9), ...`` (line numbers or cells) for messages in any language."""
        parts = []
        for name, places in self.unmatched.items():
            shown = [_place(loc) for loc in places[:limit]]
            if len(places) > limit:
                shown.append(f"+{len(places) - limit}")
            parts.append(f"\u201c{name}\u201d ({', '.join(shown)})")
        return "; ".join(parts)

    def error(self) -> InputError:
        first = next(iter(self.unmatched.values()))[0]
        return InputError(
            N_("{count} names match no country or area code (where they occur in brackets): "
               "{names}. Add the spellings to the alias table (AREA.yaml), or import with "
               "allow_unmatched to skip those rows."),
            where=Location(file=first.file or self.file, sheet=first.sheet, cell=first.cell,
                           line=first.line, column=first.column),
            count=len(self.unmatched), names=self.describe())

    def findings(self) -> list[Finding]:
        return [
            Finding(rule=RULE_UNMATCHED, severity=Severity.WARNING,
                    message=N_("The name \u201c{name}\u201d matches no country or area code: "
                               "{count} rows skipped."),
                    params={"name": name, "count": len(places)},
                    where=places[0], related=tuple(places[1:]))
            for name, places in self.unmatched.items()
        ]

    def settle(self, dataset: Dataset, allow_unmatched: bool) -> None:
        """Raise :class:`InputError` for unmatched names, or record them as warnings."""
        if not self.unmatched:
            return
        if not allow_unmatched:
            raise self.error()
        dataset.findings.extend(self.findings())


def _place(loc: Location) -> str:
    if loc.sheet and loc.cell:
        return f"{loc.sheet}!{loc.cell}"
    if loc.line is not None:
        return str(loc.line)
    return loc.column or loc.file or ""
