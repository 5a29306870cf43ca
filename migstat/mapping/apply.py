"""Applying classification mappings to a dataset so that totals are preserved.

An observation whose key holds a national category (a code or name that is not in the
dimension's code list) is mapped through the mapping for its reporting country, the source
and the dimension's code list:

* one-to-one: the value moves to the target code;
* one-to-many with shares: the value is split; a whole number is split into whole numbers by
  largest remainder so that the parts add up to it exactly; split values are estimates
  (``OBS_STATUS`` E) and say where they came from in their comment;
* many-to-one: values arriving at the same key are summed (a missing or confidential part
  makes the sum missing or confidential).

A category that no mapping covers is reported as a warning naming the file and place, and its
values are left out (they cannot be placed in the table).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from migstat.i18n import N_
from migstat.mapping.model import ANY, Mapping
from migstat.model.codelists import CodeList
from migstat.model.data import MISSING_STATUSES, Dataset, Location, Observation
from migstat.model.findings import Finding, Severity
from migstat.model.registry import Registry
from migstat.model.tables import TableDef
from migstat.sources.tabular import category_key

RULE_UNMAPPED = "IMPORT_UNMAPPED_CATEGORY"
RULE_APPLIED = "IMPORT_MAPPING_APPLIED"
Targets = dict[str, list[tuple[str, float]]]
PLACES_KEPT = 20
"""Places kept per category left out: a large file can leave out millions of values."""


@dataclass(slots=True)
class MappingReport:
    """What applying mappings did: which versions were used, what found no mapping."""

    used: dict[int | None, Mapping] = field(default_factory=dict)
    mapped: dict[int | None, int] = field(default_factory=dict)
    split: int = 0
    unmapped: dict[tuple[str, str, str, str], list[Location]] = field(default_factory=dict)
    """``(table, dimension, country, category)`` -> where its first values are (at most
    :data:`PLACES_KEPT`: a finding names 20)."""
    unmapped_count: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    """``(table, dimension, country, category)`` -> how many values were left out."""

    def leave_out(self, key: tuple[str, str, str, str], where: Location) -> None:
        """Count one value left out, keeping its place if it is among the first."""
        places = self.unmapped.setdefault(key, [])
        self.unmapped_count[key] = self.unmapped_count.get(key, 0) + 1
        if len(places) < PLACES_KEPT:
            places.append(where)

    @property
    def mappings(self) -> list[Mapping]:
        return list(self.used.values())

    def findings(self) -> list[Finding]:
        out = []
        for (table, dim, country, category), places in self.unmapped.items():
            count = self.unmapped_count.get((table, dim, country, category), len(places))
            out.append(
                Finding(
                    rule=RULE_UNMAPPED,
                    severity=Severity.WARNING,
                    table=table,
                    message=N_(
                        "National category \u201c{category}\u201d of {dimension} "
                        "({country}) has no mapping to the international codes: {count} "
                        "values left out. Add it with migstat mapping set."
                    ),
                    params={
                        "category": category,
                        "dimension": dim,
                        "country": country,
                        "count": count,
                    },
                    where=places[0] if places else None,
                    related=tuple(places[1:20]),
                )
            )
        for key, mapping in self.used.items():
            out.append(
                Finding(
                    rule=RULE_APPLIED,
                    severity=Severity.INFO,
                    message=N_("Mapping {mapping} applied to {count} values."),
                    params={"mapping": mapping.describe(), "count": self.mapped.get(key, 0)},
                )
            )
        return out


class _Index:
    """The mappings to use by (country, code list), most specific first: the country's own
    for this source, the country's for any source, then those for any country. A category
    is looked up in each in turn."""

    def __init__(self, mappings: Iterable[Mapping], source: str) -> None:
        latest: dict[tuple[str, str, str], Mapping] = {}
        for m in mappings:
            if m.source not in (source, ANY):
                continue
            if m.ident not in latest or (m.version or 0) > (latest[m.ident].version or 0):
                latest[m.ident] = m
        ranked = sorted(latest.values(), key=lambda m: (m.country == ANY, m.source == ANY))
        self._by: dict[tuple[str, str], list[tuple[Mapping, Targets]]] = {}
        for m in ranked:
            self._by.setdefault((m.country, m.codelist), []).append((m, m.targets()))

    def find(
        self, country: str, codelist: str, category: str
    ) -> tuple[Mapping, list[tuple[str, float]]] | None:
        for m, targets in [
            *self._by.get((country, codelist), ()),
            *self._by.get((ANY, codelist), ()),
        ]:
            found = _lookup(targets, category)
            if found:
                return m, found
        return None

    def __bool__(self) -> bool:
        return bool(self._by)


def split_whole(value: float, shares: Sequence[float]) -> list[float]:
    """``value`` split by ``shares``; a whole number into whole parts adding up to it."""
    if not float(value).is_integer():
        return [value * s for s in shares]
    total = int(value)
    raw = [total * s for s in shares]
    out = [math.floor(r) for r in raw]
    rest = total - sum(out)
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[:rest]:
        out[i] += 1
    return [float(x) for x in out]


def apply_mappings(
    dataset: Dataset,
    mappings: Iterable[Mapping],
    *,
    registry: Registry,
    source: str,
    drop_unmapped: bool = True,
    report: MappingReport | None = None,
) -> MappingReport:
    """Map national categories in ``dataset`` in place; return what was done.

    Codes that are in a dimension's code list (or an alias of one) are left as they are (an
    alias is replaced by its code). With ``drop_unmapped`` (imports) a category no mapping
    covers is left out and reported; without it (national submissions) it stays for
    validation to report at its cell. The report's findings are added to the dataset, unless
    ``report`` is given: a streamed import maps chunk after chunk into one report and adds
    its findings once, at the end.
    """
    index = _Index(mappings, source)
    own = report is None
    report = MappingReport() if report is None else report
    # unknown tables and malformed keys pass untouched: validation reports them at their cells
    distinct = {(obs.table, obs.key) for obs in dataset.observations}
    tables = {t: registry.tables[t] for t, _key in distinct if t in registry.tables}
    mappable = {
        t: [
            (i, registry.codelist(d.codelist))
            for i, d in enumerate(tdef.dimensions)
            if d.codelist != "AREA"
        ]
        for t, tdef in tables.items()
    }
    # only what changes is kept aside: the observations left out and the keys and shares of
    # those mapped, by position (a large import maps none, and copies nothing)
    lost_at: set[int] = set()
    changed: dict[int, list[tuple[tuple[str, ...], float]]] = {}
    touched: set[tuple[str, str, str, tuple[str, ...]]] = set()
    plain = _plain_keys(distinct, tables, mappable)
    for at, obs in enumerate(dataset.observations):
        if (obs.table, obs.key) in plain:
            continue
        options: list[tuple[tuple[str, ...], float]] = [(obs.key, 1.0)]
        mapped = False
        lost = False
        dims = mappable.get(obs.table)
        if dims is None or len(obs.key) != len(tables[obs.table].dimensions):
            continue
        for i, codes in dims:
            code = obs.key[i]
            if code in codes.codes:
                continue
            alias = codes.resolve(code)
            if alias is not None:
                options = [((*k[:i], alias, *k[i + 1 :]), s) for k, s in options]
                continue
            found = index.find(obs.ref_area, codes.id, code) if index else None
            if found is None:
                if not drop_unmapped:
                    continue
                dim = tables[obs.table].dimensions[i].id
                report.leave_out(
                    (obs.table, dim, obs.ref_area, code),
                    obs.where or Location(file=dataset.file_name),
                )
                lost = True
                break
            mapping, targets = found
            report.used[mapping.id if mapping.id is not None else id(mapping)] = mapping
            key_id = mapping.id if mapping.id is not None else id(mapping)
            report.mapped[key_id] = report.mapped.get(key_id, 0) + 1
            options = [
                ((*k[:i], t, *k[i + 1 :]), s * share) for k, s in options for t, share in targets
            ]
            mapped = True
        if lost:
            lost_at.add(at)
            continue
        if not mapped:
            if options[0][0] != obs.key:
                changed[at] = options
            continue
        changed[at] = options
        touched.update((obs.table, obs.ref_area, obs.time_period, k) for k, _s in options)

    if lost_at or changed or touched:
        expanded = (
            (obs, changed.get(at))
            for at, obs in enumerate(dataset.observations)
            if at not in lost_at
        )
        dataset.observations = _parts(expanded, touched, report)
    if own:
        dataset.findings.extend(report.findings())
    return report


def _plain_keys(
    distinct: set[tuple[str, tuple[str, ...]]],
    tables: dict[str, TableDef],
    mappable: dict[str, list[tuple[int, CodeList]]],
) -> set[tuple[str, tuple[str, ...]]]:
    """The ``distinct`` ``(table, key)`` of a dataset that no mapping touches: codes all in
    their code lists, or a table or key that validation reports. Codes are matched once per
    distinct key, not per observation (a large import has few keys and maps none)."""
    return {
        (t, key)
        for t, key in distinct
        if (dims := mappable.get(t)) is None
        or len(key) != len(tables[t].dimensions)
        or all(key[i] in codes.codes for i, codes in dims)
    }


def _parts(
    expanded: Iterable[tuple[Observation, list[tuple[tuple[str, ...], float]] | None]],
    touched: set[tuple[str, str, str, tuple[str, ...]]],
    report: MappingReport,
) -> list[Observation]:
    """The observations of the mapped dataset, in order: each one as it was, or its parts
    under its mapped keys (``expanded``: the keys and shares of each, ``None`` for as it was);
    parts arriving at one key (``touched``) are summed into the first of them."""
    out: list[Observation] = []
    merged: dict[tuple[str, str, str, tuple[str, ...]], Observation] = {}
    for obs, options in expanded:
        if options is None:
            ident = (obs.table, obs.ref_area, obs.time_period, obs.key)
            if ident not in touched:
                out.append(obs)
                continue
            options = [(obs.key, 1.0)]
        parts = (
            split_whole(obs.value, [s for _k, s in options])
            if obs.value is not None
            else [None] * len(options)
        )
        for (key, share), value in zip(options, parts, strict=True):
            if share < 1.0:
                report.split += 1
            part = Observation(
                obs.table,
                obs.ref_area,
                obs.time_period,
                key,
                value,
                "E" if share < 1.0 and value is not None else obs.obs_status,
                obs.conf_status,
                comment=_comment(obs, share),
                where=obs.where,
            )
            ident = (obs.table, obs.ref_area, obs.time_period, key)
            if ident in touched and ident in merged:
                _add(merged[ident], part)
            else:
                if ident in touched:
                    merged[ident] = part
                out.append(part)
    return out


def _lookup(targets: Targets, category: str) -> list[tuple[str, float]] | None:
    """The targets of a category given as itself, or as ``code: label`` by either part."""
    found = targets.get(category_key(category))
    if not found and ": " in category:
        code, label = category.split(": ", 1)
        found = targets.get(category_key(code)) or targets.get(category_key(label))
    return found


def _comment(obs: Observation, share: float) -> str | None:
    if share >= 1.0:
        return obs.comment
    note = f"{share:.4g} of national category"
    return f"{obs.comment}; {note}" if obs.comment else note


def _add(total: Observation, part: Observation) -> None:
    """Add ``part`` into ``total`` (many-to-one)."""
    if part.conf_status not in ("F", "") and total.conf_status in ("F", ""):
        total.conf_status = part.conf_status
    if total.value is None or part.value is None:
        if total.value is not None or part.obs_status in MISSING_STATUSES:
            total.obs_status = part.obs_status if part.value is None else total.obs_status
        total.value = None
        return
    total.value += part.value
    if part.obs_status != "A" and total.obs_status in ("A", ""):
        total.obs_status = part.obs_status
