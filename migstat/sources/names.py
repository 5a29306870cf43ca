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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from migstat.i18n import N_
from migstat.model.data import Dataset, Location
from migstat.model.findings import Finding, InputError, Severity
from migstat.model.registry import Registry, default_registry
from migstat.sources.namematch import describe_candidates, index_for
from migstat.sources.skipped import Places

RULE_UNMATCHED = "IMPORT_UNMATCHED_NAME"

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_SPACE = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """A name with its Unicode composed, apostrophes straightened and spacing collapsed."""
    text = unicodedata.normalize("NFC", str(name)).translate(_APOSTROPHES)
    return _SPACE.sub(" ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


UN_AGGREGATES: dict[str, str | None] = {
    # name as UN DESA writes it -> M49 code (None: a heading without a code, or a code not
    # seen in the files at hand)
    "WORLD": "900",
    "World": "900",
    "Total": None,
    "UN development groups": None,
    "More developed regions": "901",
    "Less developed regions": "902",
    "Least developed countries": "941",
    "Less developed regions, excluding least developed countries": "934",
    "Less developed regions, excluding China": None,
    "World Bank income groups": None,
    "High-income countries": "1503",
    "Middle-income countries": "1517",
    "Upper-middle-income countries": "1502",
    "Lower-middle-income countries": "1501",
    "Low-income countries": "1500",
    "No income group available": "1518",
    "Geographic regions": None,
    "Sustainable Development Goal (SDG) regions": None,
    "Sustainable Development Goal regions": None,
    "Sub-Saharan Africa": "947",
    "Northern Africa and Western Asia": "1833",
    "Central and Southern Asia": "921",
    "Eastern and South-Eastern Asia": "1832",
    "Latin America and the Caribbean": "904",
    "Oceania": "909",
    "Australia / New Zealand": "927",
    "Australia and New Zealand": "927",
    "Oceania (excluding Australia and New Zealand)": None,
    "Oceania excluding Australia and New Zealand": None,
    "Europe and Northern America": "1829",
    "Africa": "903",
    "Eastern Africa": "910",
    "Middle Africa": "911",
    "Northern Africa": "912",
    "Southern Africa": "913",
    "Western Africa": "914",
    "Asia": "935",
    "Central Asia": "5500",
    "Eastern Asia": "906",
    "South-Eastern Asia": "920",
    "Southern Asia": "5501",
    "Western Asia": "922",
    "Europe": "908",
    "Eastern Europe": "923",
    "Northern Europe": "924",
    "Southern Europe": "925",
    "Western Europe": "926",
    "Caribbean": "915",
    "Central America": "916",
    "South America": "931",
    "Northern America": "905",
    "Melanesia": "928",
    "Micronesia": "954",
    "Polynesia": "957",
    "Land-locked Developing Countries (LLDC)": None,
    "Small island developing States (SIDS)": None,
    "Least developed countries (LDC)": "941",
    "Other North": None,
    "Other South": None,
    "Other": None,
}
"""The UN's regional, development and income groups and residual rows, as UN DESA names them
in its tables and as long tables of other publishers repeat them: not countries or areas.

The numeric codes are those UN DESA prints in the workbooks' ``Code`` column (its own codes
for groups, not ISO or AREA codes); they let the workbook reader recognise aggregates by code.
"""

_AGGREGATE_NAMES = {normalize_name(n).casefold() for n in UN_AGGREGATES}


def is_aggregate(name: str) -> bool:
    """Whether ``name`` is one of the UN's regional, development or income groups."""
    return normalize_name(name).casefold() in _AGGREGATE_NAMES


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
    return areas.resolve(text) or index_for(areas).resolve(text)


def suggest_countries(name: str, registry: Registry | None = None, limit: int = 3) -> str:
    """The closest codes to an unmatched name, with their English and Russian names, or
    ``"-"`` when nothing comes close (for the "did you mean" of a finding)."""
    areas = (registry or default_registry()).areas
    return describe_candidates(areas, index_for(areas).suggest(normalize_name(name), limit)) or "-"


@dataclass(slots=True)
class NameReport:
    """Names met while reading one file, and where those that matched nothing occur."""

    file: str
    registry: Registry | None = None
    unmatched: Places = field(default_factory=Places)
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
        self.unmatched.add(name, where or Location(file=self.file))

    def __bool__(self) -> bool:
        return bool(self.unmatched)

    def __len__(self) -> int:
        return len(self.unmatched)

    def describe(self, limit: int = 3) -> str:
        """``"Name" (5, 9), ...`` (line numbers or cells) for messages in any language."""
        return self.unmatched.describe(limit)

    def error(self) -> InputError:
        first = self.unmatched.first() or Location(file=self.file)
        return InputError(
            N_(
                "{count} names match no country or area code (where they occur in brackets): "
                "{names}. Add the spellings to the alias table (AREA.yaml), or import with "
                "allow_unmatched to skip those rows."
            ),
            where=Location(
                file=first.file or self.file,
                sheet=first.sheet,
                cell=first.cell,
                line=first.line,
                column=first.column,
            ),
            count=len(self.unmatched),
            names=self.describe(),
        )

    def findings(self) -> list[Finding]:
        return unmatched_findings(self.unmatched, self.registry, related=None)

    def settle(self, dataset: Dataset, allow_unmatched: bool) -> None:
        """Record unmatched names as warnings (their rows skipped, the closest codes named);
        raise :class:`InputError` when a *code* matches nothing, unless ``allow_unmatched``.

        A published file names a territory as its publisher likes: one new spelling must not
        refuse the thousands of rows around it, and the warning says what was left out and
        what it may be. An unknown code is a different matter (a misread column, a code list
        the project lacks): that stops the import unless the user chose to skip.
        """
        if not self.unmatched:
            return
        if not allow_unmatched and not all(map(looks_like_name, self.unmatched)):
            raise self.error()
        dataset.findings.extend(self.findings())


def looks_like_name(text: object) -> bool:
    """Whether ``text`` is written as a name ("Gambia, The", "КЫРГЫЗСТАН") rather than a code
    ("XZ", "EU27_2020", "999"): it has a lowercase letter, a space or a non-Latin letter."""
    text = str(text).strip()
    return any(c.islower() or c.isspace() or (c.isalpha() and not c.isascii()) for c in text)


def unmatched_findings(
    places: Places,
    registry: Registry | None = None,
    *,
    table: str | None = None,
    name_of: Callable[[Any], str] = str,
    related: int | None = 19,
) -> list[Finding]:
    """One warning per unmatched name, at its first place, with the closest codes."""
    return places.each(
        rule=RULE_UNMATCHED,
        severity=Severity.WARNING,
        message=N_(
            "The name \u201c{name}\u201d matches no country or area code: {count} rows "
            "skipped. Closest codes: {candidates}. Add the spelling to the alias table "
            "(AREA.yaml) if it is one of them."
        ),
        params=lambda key, count: {
            "name": name_of(key),
            "count": count,
            "candidates": suggest_countries(name_of(key), registry),
        },
        table=table,
        related=related,
    )
