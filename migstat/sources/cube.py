"""Coded records (SDMX-ML, SDMX-CSV, JSON-stat, labelled exports) into a table's observations.

Every SDMX-like file says the same thing: one value per combination of codes, with flags.
:class:`CubeMapper` turns such a record into an :class:`~migstat.model.Observation` of one
table: it renames the publisher's dimensions to the table's, translates their codes, resolves
countries through the AREA code list, routes rows to the table by fixed codes (``UNIT`` must
be persons, ``DURATION`` total for A01 ...), and collects what it cannot place:

* a code that the table does not know is listed with every place it occurs (an error, or a
  warning with the rows skipped under ``allow_unmatched``): nothing is guessed;
* an aggregate (the EU, the euro area, "all countries") cannot be a reporting country and
  is skipped with a warning counting the rows; a partner aggregate that the AREA code list
  lacks (Extra-EU-28) likewise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from migstat.formats.notation import read_number
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation
from migstat.model.findings import InputError, Severity
from migstat.model.registry import Registry
from migstat.model.tables import TableDef
from migstat.sources.common import key_for
from migstat.sources.names import looks_like_name, unmatched_findings
from migstat.sources.skipped import Places

RULE_UNMATCHED_CODE = "IMPORT_UNMATCHED_CODE"
RULE_AGGREGATE = "IMPORT_AGGREGATE"
RULE_NOT_STORED = "IMPORT_NOT_STORED"
SKIP = "\x00skip"
"""What an area resolver returns for a known area that is not stored (an aggregate)."""

AreaResolver = Callable[[str], str | None]
"""An area code or label → AREA code, :data:`SKIP` for a known aggregate, ``None`` if unknown."""
Status = tuple[str, str, str | None]
"""``(OBS_STATUS, CONF_STATUS, comment)``."""


@dataclass(slots=True)
class CubeMapper:
    """Maps coded records of one file to the observations of one table.

    ``dims`` maps a table dimension id to the record's id; a dimension not given takes its
    total (``SEX`` of a file without sex is ``_T``). ``codes`` maps a table dimension to a
    code translation (record code → table code); codes not translated are taken as they are
    when the table allows them. ``select`` keeps only records whose codes are among those
    given (others belong to another table); ``require`` makes any other code an error.
    """

    registry: Registry
    table: TableDef
    file_name: str
    area: str
    time: str
    period: Callable[[str], str | None]
    resolve_area: AreaResolver
    status: Callable[[str | None, bool], Status]
    dims: dict[str, str] = field(default_factory=dict)
    codes: dict[str, Mapping[str, str] | Callable[[str], str]] = field(default_factory=dict)
    select: dict[str, frozenset[str]] = field(default_factory=dict)
    require: dict[str, frozenset[str]] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    unmatched: Places = field(default_factory=Places)
    unmatched_names: Places = field(default_factory=Places)
    """Area values written as names that match no code: skipped with a warning."""
    aggregates: Places = field(default_factory=Places)
    not_stored: Places = field(default_factory=Places)
    _reporting: dict[str, str] = field(default_factory=dict)
    _periods: dict[str, str] = field(default_factory=dict)
    _statuses: dict[tuple[str | None, bool], Status] = field(default_factory=dict)
    _keys: dict[tuple[str, ...], tuple[str, ...] | None] = field(default_factory=dict)
    _areas: dict[tuple[str, bool], str | None] = field(default_factory=dict)
    _codelists: list[Any] = field(default_factory=list)
    _allowed: list[frozenset[str] | None] = field(default_factory=list)
    _partner: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._allowed = [
            None if d.role == "partner" else frozenset(self.registry.codes(self.table, d.id))
            for d in self.table.dimensions
        ]
        self._codelists = [self.registry.codelist(d.codelist) for d in self.table.dimensions]
        self._partner = {d.id for d in self.table.dimensions if d.role == "partner"}
        unknown = set(self.dims) - set(self.table.dimension_ids)
        if unknown:  # a programming error in a mapping, not a user's mistake
            raise ValueError(f"{self.table.id} has no dimensions {sorted(unknown)}")

    def wants(self, record: Mapping[str, str]) -> bool:
        """Whether the record belongs to this table (its ``select`` codes match)."""
        return all(
            record.get(src) is None or record[src] in allowed
            for src, allowed in self.select.items()
        )

    def add(
        self, record: Mapping[str, str], value: float | None, flag: str | None, where: Location
    ) -> Observation | None:
        """The observation for one record (``None`` when it is skipped or cannot be placed)."""
        for src, allowed in self.require.items():
            code = record.get(src)
            if code is not None and code not in allowed:
                raise InputError(
                    N_("{dimension} is {code} here, but this table takes only {allowed}."),
                    where=where,
                    dimension=src,
                    code=code,
                    allowed=", ".join(sorted(allowed)),
                )
        area = record.get(self.area, "")
        ref_area = self._reporting.get(area)
        if ref_area is None:
            ref_area = self._area(area, self.area, where, reporting=True)
            if ref_area is None:
                return None
            self._reporting[area] = ref_area
        raw_time = record.get(self.time, "")
        period = self._periods.get(raw_time)
        if period is None:
            period = self.period(raw_time.strip())
            if period is None:
                raise InputError(
                    N_("Period {value} is not a year."), where=where, value=raw_time.strip()
                )
            self._periods[raw_time] = period
        raw = tuple([record.get(src, "") for src in self.dims.values()])
        key = self._keys.get(raw, ())
        if key == ():
            key = self._key(record, where)
            if key is not None and SKIP not in key:
                self._keys[raw] = key
        if key is None or SKIP in key:
            return None
        flags = self._statuses.get((flag, value is None))
        if flags is None:
            flags = self._statuses[(flag, value is None)] = self.status(flag, value is None)
        obs = Observation(
            self.table.id, ref_area, period, key, value, flags[0], flags[1], flags[2], where
        )
        self.observations.append(obs)
        return obs

    def _area(self, code: str, dim: str, where: Location, *, reporting: bool) -> str | None:
        code = code.strip()
        try:
            found = self._areas[(code, reporting)]
        except KeyError:
            found = self.resolve_area(code)
            if found is not None and found != SKIP and reporting:
                kind = self.registry.areas[found].attributes.get("kind")
                if kind not in ("country", "historical"):
                    found = SKIP
            self._areas[(code, reporting)] = found
        if found is None:
            (self.unmatched_names if looks_like_name(code) else self.unmatched).add(
                (dim, code), where
            )
            return None
        if found == SKIP:
            self.aggregates.add((dim, code), where)
            return None
        return found

    def _key(self, record: Mapping[str, str], where: Location) -> tuple[str, ...] | None:
        picked: dict[str, str] = {}
        for i, dim in enumerate(self.table.dimensions):
            src = self.dims.get(dim.id)
            if src is None:
                continue
            code = record.get(src, "").strip()
            if dim.id in self._partner:
                found = self._area(code, src, where, reporting=False)
                if found is None:
                    return (SKIP,) if (src, code) in self.aggregates else None
                picked[dim.id] = found
                continue
            translate = self.codes.get(dim.id)
            if translate is None:
                mapped = code
            elif callable(translate):
                mapped = translate(code)
            else:
                mapped = translate.get(code, code)
            if mapped == SKIP:
                self.not_stored.add((src, code), where)
                return (SKIP,)
            allowed = self._allowed[i]
            if allowed is not None and mapped not in allowed:
                mapped = self._codelists[i].resolve(mapped) or mapped
                if mapped not in allowed:
                    self.unmatched.add((src, code), where)
                    return None
            picked[dim.id] = mapped
        return key_for(self.table, picked)

    def settle(self, dataset: Dataset, allow_unmatched: bool) -> None:
        """Add the observations; raise for unmatched codes or record them as warnings."""
        dataset.observations.extend(self.observations)
        table = self.table.id
        _skipped(
            dataset,
            self.aggregates,
            RULE_AGGREGATE,
            table,
            N_(
                "Aggregate \u201c{name}\u201d is not a country or area: {count} rows or columns "
                "skipped."
            ),
            code_param="name",
            with_table=False,
        )
        _skipped(
            dataset,
            self.not_stored,
            RULE_NOT_STORED,
            table,
            N_(
                "{dimension} \u201c{code}\u201d is not a breakdown of table {table}: {count} rows "
                "skipped."
            ),
        )
        dataset.findings.extend(
            unmatched_findings(
                self.unmatched_names, self.registry, table=table, name_of=lambda key: key[1]
            )
        )
        if not self.unmatched:
            return
        if not allow_unmatched:
            raise _unmatched_error(self.unmatched, table)
        _skipped(
            dataset,
            self.unmatched,
            RULE_UNMATCHED_CODE,
            table,
            N_(
                "Code \u201c{code}\u201d of {dimension} matches no code of table {table}: "
                "{count} rows skipped."
            ),
        )


def _skipped(
    dataset: Dataset,
    places: Places,
    rule: str,
    table: str,
    message: str,
    *,
    code_param: str = "code",
    with_table: bool = True,
) -> None:
    """One warning per skipped code, at its first place, naming up to 19 more."""

    def params(key: tuple[str, str], count: int) -> dict[str, object]:
        dim, code = key
        found: dict[str, object] = {code_param: code, "dimension": dim, "count": count}
        if with_table:
            found["table"] = table
        return found

    dataset.findings.extend(
        places.each(
            rule=rule,
            severity=Severity.WARNING,
            message=message,
            params=params,
            table=table,
            related=19,
        )
    )


def _unmatched_error(places: Places, table: str) -> InputError:
    return InputError(
        N_(
            "{count} codes match no code of table {table} (where they occur in brackets): "
            "{codes}. Map them (the publisher's module or AREA.yaml), or import with "
            "allow_unmatched to skip those rows."
        ),
        where=places.first(),
        count=len(places),
        table=table,
        codes=places.describe(label=lambda key: f"{key[0]} \u201c{key[1]}\u201d"),
    )


def year_period(text: str) -> str | None:
    """``2019`` (also ``2019-A1``, ``2019A``) as the period of an annual table."""
    text = text.strip()
    head = text[:4]
    if (head.isascii() and head.isdigit()) and (
        len(text) == 4 or text[4:] in ("-A1", "A", "-A", "A1", "-Y")
    ):
        return head
    return None


def settle_all(mappers: list[CubeMapper], dataset: Dataset, allow_unmatched: bool) -> None:
    """Settle several tables' mappers, raising one error for all unmatched codes."""
    if not allow_unmatched:
        merged = Places()
        for mapper in mappers:
            for key, places in mapper.unmatched.items():
                for where in places:
                    merged.add(key, where)
        if merged:
            raise _unmatched_error(merged, ", ".join(m.table.id for m in mappers))
    seen: set[tuple[str, str]] = set()
    for mapper in mappers:
        # one warning per aggregate although every table of the file meets it
        for places in (mapper.aggregates, mapper.unmatched_names):
            for key in [k for k in places if k in seen]:
                del places[key]
            seen.update(places)
        mapper.settle(dataset, True)


def value_of(raw: Any) -> float | int | None:
    """A JSON or XML value as a number (``None`` for null or text that is not a number)."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return int(raw) if isinstance(raw, float) and raw.is_integer() else raw
    return read_number(str(raw), decimal=".")
