"""The metadata of a long-CSV or SDMX-CSV submission: what a questionnaire's metadata sheet says.

A CSV file has no metadata sheet, so a CSV submission carries its table metadata in one (or
more) of three documented places; a later one overrides an earlier one, field by field:

1. a **sidecar file** ``<file>.metadata.json`` beside the data file (``data.csv`` →
   ``data.csv.metadata.json``; the file ``migstat tabulate`` writes), or one named with
   ``--metadata FILE``::

       {"country": "KGZ", "year": 2024,
        "tables": {"F01": {"source_type": "register", "reference_date": "2024",
                           "residence_rule": "12_months"}}}

   A ``"*"`` entry under ``tables`` applies to every table of the file. A table's entry may
   also record the ``reliability`` and ``disclosure`` rules applied to it
   (:mod:`migstat.formats.rules`);
2. **metadata columns** in the file itself, named after the fields in upper case
   (:data:`META_COLUMNS`: ``SOURCE_TYPE``, ``REFERENCE_DATE``, ``RESIDENCE_RULE``,
   ``RESIDENCE_RULE_MONTHS``, ``POPULATION_COVERED``, ``ORIGIN_CONCEPT``, ``ROUNDING_BASE``,
   ``NOTES``). In SDMX-CSV these are the dataset's attributes, repeated on each row as SDMX-CSV
   writes attributes (``SOURCE_TYPE: Source type`` headers and ``census: Population census``
   values are read as codes). A table's value must be the same on every row that gives one;
   rows may leave it empty. ``migstat query --format csv`` writes these columns, so an
   export can be corrected and submitted as it is;
3. ``--meta KEY=VALUE`` on ``migstat validate`` and ``submit`` (``--meta residence_rule=12_months``
   for every table, ``--meta F01.residence_rule=12_months`` for one).

Choice fields take a code, ``code — label`` or a label in English or Russian
(:mod:`migstat.formats.vocabulary`); ``ROUNDING_BASE`` and ``RESIDENCE_RULE_MONTHS`` are whole
numbers. Every problem is an :class:`InputError` naming the file, line and column (or option).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migstat.formats import vocabulary as vocab
from migstat.formats.rules import READERS, RULES
from migstat.i18n import N_, gettext_
from migstat.model import InputError, Location, SubmissionMetadata, TableMetadata

SIDECAR_SUFFIX = ".metadata.json"
SIDECAR_MAX_BYTES = 1_000_000
"""A sidecar is a few lines of JSON; anything larger is refused unread."""

FIELDS: tuple[str, ...] = (
    "source_type",
    "reference_date",
    "residence_rule",
    "residence_rule_months",
    "population_covered",
    "origin_concept",
    "rounding_base",
    "notes",
)
META_COLUMNS: dict[str, str] = {name.upper(): name for name in FIELDS}
"""Column name (upper case) -> :class:`TableMetadata` field."""

CHOICES: dict[str, dict[str, str]] = {
    "source_type": vocab.SOURCE_TYPES,
    "residence_rule": vocab.RESIDENCE_RULES,
    "origin_concept": vocab.ORIGIN_CONCEPTS,
}
WHOLE = ("rounding_base", "residence_rule_months")
EVERY_TABLE = "*"


def sidecar_path(data_file: str | Path) -> Path:
    """Where the sidecar of ``data_file`` is: ``data.csv`` → ``data.csv.metadata.json``."""
    data_file = Path(data_file)
    return data_file.with_name(data_file.name + SIDECAR_SUFFIX)


def field_value(name: str, text: str, where: Location) -> str | int | None:
    """The stored value of field ``name`` given as ``text`` (a code for choices, a whole
    number for counts); an empty text is ``None``."""
    text = text.strip()
    if not text:
        return None
    if name in CHOICES:
        return vocab.read_choice(text, CHOICES[name])
    if name in WHOLE:
        try:
            number = float(text.replace(" ", "").replace("\u00a0", ""))
        except ValueError:
            number = 0.5
        if not number.is_integer():
            raise InputError(
                N_("{field} must be a whole number, not “{value}”."),
                where=where,
                field=name.upper(),
                value=text,
            )
        return int(number)
    return text


@dataclass(slots=True)
class MetaColumns:
    """Collects the metadata columns of a CSV file, one value per table, while it is read."""

    file_name: str
    columns: dict[str, int]
    """Column id -> index, of the metadata columns the header has."""
    values: dict[str, dict[str, tuple[Any, int]]] = field(default_factory=dict)
    """Table -> field -> (value, first line)."""

    @classmethod
    def of(cls, file_name: str, header: Mapping[str, int]) -> MetaColumns:
        return cls(file_name, {c: i for c, i in header.items() if c in META_COLUMNS})

    def take(self, table: str, fields: list[str], line: int, code: Any) -> None:
        """Note row ``line``'s metadata for ``table``; ``code`` strips an SDMX-CSV label."""
        if not self.columns:
            return
        seen = self.values.setdefault(table, {})
        for column, index in self.columns.items():
            raw = fields[index].strip() if index < len(fields) else ""
            if not raw:
                continue
            name = META_COLUMNS[column]
            where = Location(file=self.file_name, line=line, column=column)
            value = field_value(name, code(raw) if name in CHOICES else raw, where)
            first = seen.get(name)
            if first is None:
                seen[name] = (value, line)
            elif first[0] != value:
                raise InputError(
                    N_(
                        "Column {column} on line {line} says “{value}” for table {table}, "
                        "but line {first_line} says “{first}”: a table's metadata must be "
                        "the same on every row (or send the rows as two submissions)."
                    ),
                    where=where,
                    column=column,
                    line=line,
                    value=raw,
                    table=table,
                    first_line=first[1],
                    first=first[0],
                )

    def apply(self, meta: SubmissionMetadata) -> None:
        for table, found in self.values.items():
            tm = meta.tables.setdefault(table, TableMetadata(table=table))
            for name, (value, line) in found.items():
                setattr(tm, name, value)
                column = name.upper()
                tm.where[name] = Location(file=self.file_name, line=line, column=column)


def read_sidecar(path: str | Path) -> SubmissionMetadata:
    """The submission metadata of a sidecar file (see the module's documentation)."""
    path = Path(path)
    where = Location(file=path.name)
    try:
        size = path.stat().st_size
        if size > SIDECAR_MAX_BYTES:
            raise InputError(
                N_("The metadata file is {size} bytes; it may have at most {limit}."),
                where=where,
                size=size,
                limit=SIDECAR_MAX_BYTES,
            )
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(N_("File not found: {file}"), where=where, file=str(path)) from None
    except (OSError, UnicodeDecodeError, ValueError) as problem:
        raise InputError(
            N_("The metadata file cannot be read as UTF-8 JSON: {problem}."),
            where=where,
            problem=str(problem)[:200],
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("tables", {}), dict):
        raise InputError(
            N_("The metadata file must hold a JSON object with a “tables” object."), where=where
        )
    meta = SubmissionMetadata()
    for key in ("country", "agency", "contact_name", "contact_email", "revision_reason"):
        if isinstance(raw.get(key), str) and raw[key].strip():
            setattr(meta, key, raw[key].strip())
    if isinstance(raw.get("year"), int):
        meta.year = raw["year"]
    for table, entry in (raw.get("tables") or {}).items():
        if not isinstance(entry, dict):
            raise InputError(
                N_("The metadata of table {table} must be a JSON object."),
                where=where,
                table=table,
            )
        tm = meta.tables.setdefault(str(table), TableMetadata(table=str(table)))
        for name in FIELDS:
            value = entry.get(name)
            if value is None:
                continue
            setattr(tm, name, field_value(name, str(value), where))
            tm.where[name] = where
        for name in RULES:
            if entry.get(name) is not None:
                setattr(tm, name, READERS[name](entry[name], where, str(table)))
    return meta


def parse_options(items: Iterable[str]) -> SubmissionMetadata:
    """``--meta`` options (``field=value`` or ``TABLE.field=value``) as metadata."""
    meta = SubmissionMetadata()
    for item in items:
        where = Location(file="--meta", column=item.split("=", 1)[0].strip() or None)
        key, sep, text = item.partition("=")
        table, dot, name = key.strip().rpartition(".")
        name = name.strip().lower()
        if not sep or name not in FIELDS:
            raise InputError(
                N_(
                    "Write --meta as FIELD=VALUE or TABLE.FIELD=VALUE, not “{value}”; the "
                    "fields are: {fields}."
                ),
                where=where,
                value=item,
                fields=", ".join(FIELDS),
            )
        target = table.strip().upper() if dot else EVERY_TABLE
        tm = meta.tables.setdefault(target, TableMetadata(table=target))
        setattr(tm, name, field_value(name, text, where))
        tm.where[name] = where
    return meta


def merge(
    dataset_meta: SubmissionMetadata, tables: Iterable[str], *layers: SubmissionMetadata | None
) -> None:
    """Lay ``layers`` over ``dataset_meta`` in order (a later one wins, field by field); a
    ``"*"`` entry applies to each of ``tables`` (the tables the file has data for)."""
    every = list(dict.fromkeys(tables))
    for layer in layers:
        if layer is None:
            continue
        for key in ("agency", "contact_name", "contact_email", "revision_reason"):
            if getattr(layer, key):
                setattr(dataset_meta, key, getattr(layer, key))
                if key in layer.where:
                    dataset_meta.where[key] = layer.where[key]
        for table, tm in layer.tables.items():
            targets = every if table == EVERY_TABLE else [table]
            for target in targets:
                into = dataset_meta.tables.setdefault(target, TableMetadata(table=target))
                for name in (*FIELDS, *RULES):
                    value = getattr(tm, name)
                    if value is not None:
                        setattr(into, name, value)
                        if name in tm.where:
                            into.where[name] = tm.where[name]


def columns_for(metas: Iterable[Mapping[str, Any]]) -> list[str]:
    """The metadata columns an export needs: those any of ``metas`` (stored table metadata,
    :meth:`TableMetadata.to_dict` shape) gives a value, in :data:`FIELDS` order."""
    given = {name for m in metas for name, value in m.items() if value not in (None, "")}
    return [name.upper() for name in FIELDS if name in given]


def metadata_facts(metadata: Mapping[str, Mapping[str, Any]], lang: str) -> dict[str, Any]:
    """Each provider's table metadata (provider -> field -> value) named as the
    questionnaire's metadata sheet names the fields, in ``lang``, choices with their label
    (``KGZ — Residence rule applied``: ``12_months — 12 months or more``)."""
    from migstat.formats.questionnaire.layout import TABLE_FIELDS

    labels = dict(TABLE_FIELDS)
    out: dict[str, Any] = {}
    for provider, fields in sorted(metadata.items()):
        for name, value in fields.items():
            shown = value
            if name in CHOICES and str(value) in CHOICES[name]:
                label = gettext_(CHOICES[name][str(value)], lang)
                shown = f"{value}{vocab.SEPARATOR}{label}"
            if name in RULES:  # quoted in words by the explorer's legend
                continue
            title = gettext_(labels[name], lang) if name in labels else name
            out[f"{provider} — {title}"] = shown
    return out
