"""Eurostat's own files: legacy "Data Explorer" CSV exports, bulk-download TSVs and JSON-stat
answers of its API.

The legacy CSV export (``"TIME","GEO",...,"Value","Flag and Footnotes"``) carries labels
instead of codes, thousands separators (``1,160``), ``:`` for not available and arrives in
UTF-8 (with or without BOM) or ISO-8859-1, separated by commas, semicolons or tabs. The
bulk-download TSV carries codes, one row per series. Both are mapped through Eurostat's
quirks and datasets of :mod:`migstat.sources.eurostat`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path
from typing import Any

from migstat.formats.csvbase import sniff_separator
from migstat.formats.jsonstat.reader import looks_like
from migstat.formats.notation import read_number
from migstat.formats.text import WESTERN, decode_text, line_one
from migstat.i18n import N_
from migstat.model.data import Dataset, Location
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.sources.coded import (
    Pairs,
    add_metadata,
    feed,
    finish,
    mappers,
    new_dataset,
    read_jsonstat,
)
from migstat.sources.common import header_fields, paused_gc
from migstat.sources.eurostat import (
    AGENCY,
    LICENCE,
    PROVIDER,
    PUBLISHER,
    URL,
    EstatDataset,
    flag_status,
    identify,
)

_UNIT_LABELS = {"Person": "PER", "Number": "NR", "Persons": "PER"}
"""Unit labels of the legacy exports, as codes."""


def _age_code(text: str) -> str:
    """A Eurostat age label of the legacy exports as its code (``From 5 to 9 years`` →
    ``Y5-9``); codes and unknown labels are returned as given."""
    m = re.fullmatch(r"From (\d+) to (\d+) years", text)
    if m:
        return f"Y{m.group(1)}-{m.group(2)}"
    m = re.fullmatch(r"Less than (\d+) years?", text)
    if m:
        return f"Y_LT{m.group(1)}"
    m = re.fullmatch(r"(\d+) years? or over", text)
    if m:
        return f"Y_GE{m.group(1)}"
    m = re.fullmatch(r"(\d+) years?", text)
    if m:
        return f"Y{m.group(1)}"
    return {"Total": "TOTAL", "Unknown": "UNK", "Open-ended age class": "Y_OPEN"}.get(text, text)


LEGACY_VALUE = "VALUE"
LEGACY_FLAGS = ("FLAG AND FOOTNOTES", "FLAGS AND FOOTNOTES", "FLAG", "FLAGS")
NOT_AVAILABLE = frozenset({":", ": ", ""})


def sniff(path: Path, head: bytes) -> bool:
    """A legacy Eurostat CSV export (``TIME``, ``GEO``, ``Value`` and the flags column), a
    bulk-download TSV (``freq,unit,geo\\TIME_PERIOD``) or a JSON-stat answer of Eurostat's
    API."""
    if looks_like(head):
        text = head.decode("utf-8", "ignore")
        return '"ESTAT"' in text or "Eurostat" in text
    line = line_one(head)
    if _TSV_CORNER.search(line.decode("latin-1")):
        return b"\t" in line
    names = {f.upper() for f in header_fields(line, legacy=WESTERN)}
    return {"TIME", "GEO", LEGACY_VALUE} <= names and bool(names & set(LEGACY_FLAGS))


def read(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    decimal: str | None = None,
    dataset: str | None = None,
    **_: Any,
) -> Dataset:
    """A legacy CSV export, a bulk-download TSV or a JSON-stat answer of Eurostat.

    Options: ``dataset`` (the Eurostat dataset code when neither the file name nor the
    dimensions tell it), ``table`` (keep that table, or read into a table made from a data
    structure), ``edition`` (overrides the date the file gives), ``decimal`` (``,`` or ``.``
    when the numbers of a legacy export are ambiguous), ``allow_unmatched`` (skip rows with
    unknown codes, with warnings). Other options are ignored.
    """
    path = Path(path)
    raw = path.read_bytes()
    with paused_gc():
        if looks_like(raw[:8192]):
            return read_jsonstat(
                raw,
                file_name=path.name,
                registry=registry,
                agency=AGENCY,
                allow_unmatched=allow_unmatched,
                edition=edition,
                table=table,
            )
        if _TSV_CORNER.search(line_one(raw[:8192]).decode("latin-1")):
            return read_tsv(
                raw,
                file_name=path.name,
                registry=registry,
                allow_unmatched=allow_unmatched,
                edition=edition,
                table=table,
                dataset=dataset,
            )
        return read_legacy_csv(
            raw,
            file_name=path.name,
            registry=registry,
            allow_unmatched=allow_unmatched,
            edition=edition,
            table=table,
            decimal=decimal,
            dataset=dataset,
        )


def _export_mappers(
    registry: Registry, file_name: str, columns: set[str], dataset: str | None, table: str | None
) -> tuple[str, Pairs, EstatDataset | None]:
    """The dataset code of an export (option, file name or dimensions) and its mappers."""
    code = (dataset or identify(columns, file_name) or "").upper()
    if not code:
        raise InputError(
            N_(
                "Cannot tell which Eurostat dataset this export holds (columns: "
                "{header}); name it with the dataset option."
            ),
            where=Location(file=file_name, line=1),
            header=", ".join(sorted(columns)),
        )
    pairs, known = mappers(
        registry,
        code,
        file_name,
        columns,
        agency=AGENCY,
        area="GEO",
        time="TIME",
        table=table,
        status=flag_status,
    )
    return code, pairs, known


_TSV_CORNER = re.compile(r"\\(TIME_PERIOD|time)\b", re.IGNORECASE)
_TSV_CELL = re.compile(r"^\s*(:|-?[\d.]+(?:e[+-]?\d+)?)\s*([a-z]*)\s*$")


def read_tsv(
    raw: bytes,
    *,
    file_name: str,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    dataset: str | None = None,
) -> Dataset:
    """Eurostat's bulk-download TSV: codes, one row per series, one column per period.

    The first column holds the series' codes separated by commas under a header such as
    ``freq,unit,geo\\TIME_PERIOD``; each period column holds the value and its flags
    (``1234 p``, ``: c``). The dataset code is not in the file: it comes from the file name
    (``migr_resfirst.tsv``, ``estat_migr_resfirst.tsv``), the ``dataset`` option or the
    dimensions.
    """
    text = decode_text(raw, legacy=WESTERN)
    lines = text.splitlines()
    header = lines[0].lstrip("\ufeff").split("\t") if lines else []
    corner = header[0] if header else ""
    dims = [d.strip().upper() for d in _TSV_CORNER.sub("", corner).split(",")]
    periods = [h.strip() for h in header[1:]]
    columns = set(dims)
    code, pairs, known = _export_mappers(registry, file_name, columns, dataset, table)
    seen: dict[str, set[str]] = {d: set() for d in dims}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        codes = [c.strip() for c in cells[0].split(",")]
        if len(codes) != len(dims):
            raise InputError(
                N_(
                    "The row has {got} codes but the header names {expected} "
                    "dimensions ({dimensions})."
                ),
                where=Location(file=file_name, line=number, column=corner),
                got=len(codes),
                expected=len(dims),
                dimensions=", ".join(dims),
            )
        record = dict(zip(dims, codes, strict=True))
        for dim, c in record.items():
            seen[dim].add(c)
        for period, cell in zip(periods, cells[1:], strict=False):
            m = _TSV_CELL.match(cell)
            where = Location(file=file_name, line=number, column=period)
            if m is None:
                raise InputError(
                    N_("Value {value} is not a number, nor ':' for not available."),
                    where=where,
                    value=cell.strip(),
                )
            value = None if m.group(1) == ":" else read_number(m.group(1), decimal=".")
            record["TIME"] = period
            feed(pairs, record, value, m.group(2) or None, where)
    out = _new_dataset(raw, file_name, "eurostat_tsv", code, known, edition)
    finish(pairs, out, lambda dim: bool(seen.get(dim, set()) - {"TOTAL"}), allow_unmatched)
    add_metadata(
        out, known, f"Eurostat {code.lower()}, bulk-download TSV; flags as published in the comment"
    )
    return out


def _decimal_mark(values: list[str]) -> str:
    """The decimal mark of a file's numbers (the export offered ``1,234.5``, ``1.234,5``,
    ``1 234,5`` and ``1234.5``): the last mark of a number that has both; else a mark not
    followed by groups of three digits; else the mark that is only ever followed by groups of
    three digits separates thousands (counts have no decimals), so the other one is decimal."""
    groups = {",": False, ".": False}
    for text in values:
        text = text.strip().replace(" ", "").replace("\u00a0", "")
        if "," in text and "." in text:
            return "," if text.rfind(",") > text.rfind(".") else "."
        for mark in (",", "."):
            if mark in text:
                if re.fullmatch(rf"-?\d{{1,3}}(\{mark}\d{{3}})+", text):
                    groups[mark] = True
                else:
                    return mark
    return "," if groups["."] and not groups[","] else "."


def read_legacy_csv(
    raw: bytes,
    *,
    file_name: str,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    decimal: str | None = None,
    dataset: str | None = None,
) -> Dataset:
    text = decode_text(raw, legacy=WESTERN)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_separator(line_one(text)))
    try:
        header = [h.strip().upper() for h in next(reader)]
    except StopIteration:
        raise InputError(N_("The file is empty."), where=Location(file=file_name)) from None
    where0 = Location(file=file_name, line=1)
    for needed in ("TIME", "GEO", LEGACY_VALUE):
        if needed not in header:
            raise InputError(
                N_("Column {column} is missing; the header has: {header}."),
                where=where0,
                column=needed.title() if needed == LEGACY_VALUE else needed,
                header=", ".join(header),
            )
    flag_at = next((header.index(f) for f in LEGACY_FLAGS if f in header), None)
    value_at = header.index(LEGACY_VALUE)
    dims = [(i, h) for i, h in enumerate(header) if i not in (value_at, flag_at) and h]
    columns = {h for _, h in dims}
    code, pairs, known = _export_mappers(registry, file_name, columns, dataset, table)
    rows = [(reader.line_num, row) for row in reader if any(f.strip() for f in row)]
    mark = decimal or _decimal_mark([r[value_at] for _, r in rows[:2000] if len(r) > value_at])
    translate = {"AGE": _age_code, "UNIT": lambda t: _UNIT_LABELS.get(t, t)}
    cache: dict[tuple[str, str], str] = {}
    width = len(header)
    for line, row in rows:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        record: dict[str, str] = {}
        for i, h in dims:
            cell = row[i].strip()
            got = cache.get((h, cell))
            if got is None:
                fn = translate.get(h)
                got = cache[(h, cell)] = fn(cell) if fn else cell
            record[h] = got
        cell = row[value_at].strip()
        where = Location(file=file_name, line=line, column="Value")
        if cell in NOT_AVAILABLE:
            value = None
        else:
            value = read_number(cell, decimal=mark)
            if value is None:
                raise InputError(
                    N_("Value {value} is not a number, nor ':' for not available."),
                    where=where,
                    value=cell,
                )
        flag = row[flag_at].strip() if flag_at is not None else None
        feed(pairs, record, value, flag, where)
    out = _new_dataset(raw, file_name, "eurostat_csv", code, known, edition)
    seen = {(h, got) for (h, _cell), got in cache.items()}  # every code met, by dimension
    finish(
        pairs,
        out,
        lambda dim: any(h == dim and got not in ("TOTAL", "Total") for h, got in seen),
        allow_unmatched,
    )
    add_metadata(
        out,
        known,
        f"Eurostat {code.lower()}, legacy CSV export (labels); flags as published in the comment",
    )
    return out


def _new_dataset(
    raw: bytes, file_name: str, fmt: str, code: str, known: EstatDataset | None, edition: str | None
) -> Dataset:
    """An empty dataset with the provenance of an export; its edition is the option, else
    the date in the file name."""
    m = re.search(r"(\d{4}-\d{2}-\d{2})", file_name)
    return new_dataset(
        file_name=file_name,
        fmt=fmt,
        sha256=hashlib.sha256(raw).hexdigest(),
        provider=PROVIDER,
        publisher=PUBLISHER,
        dataset_code=code,
        title=known.title if known else None,
        edition=edition or (m.group(1) if m else None),
        url=URL,
        licence=LICENCE,
    )
