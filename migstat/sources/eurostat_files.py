"""Eurostat's own files: legacy "Data Explorer" CSV exports, bulk-download TSVs and JSON-stat
answers of its API.

The legacy CSV export (``"TIME","GEO",...,"Value","Flag and Footnotes"``) carries labels
instead of codes, thousands separators (``1,160``), ``:`` for not available and arrives in
UTF-8 (with or without BOM) or ISO-8859-1, separated by commas, semicolons or tabs. The
bulk-download TSV carries codes, one row per series. Both are mapped through Eurostat's
quirks and datasets of :mod:`migstat.sources.eurostat`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path
from typing import Any

from migstat.formats.jsonstat.reader import looks_like
from migstat.formats.limits import check_whole
from migstat.formats.notation import read_number
from migstat.formats.text import WESTERN, line_one
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.sources.coded import Pairs, mappers, new_dataset, read_jsonstat
from migstat.sources.coded_stream import (
    HOLD,
    CodedStream,
    Columns,
    Ending,
    Options,
    Record,
    collected,
    csv_records,
    csv_rows,
    not_blank,
    once_then,
    one_batch,
)
from migstat.sources.common import Reopened, header_fields, paused_gc
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
from migstat.sources.jsonstat_stream import opened_cube, stream_jsonstat

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


def read(path: Path, *, registry: Registry, **options: Any) -> Dataset:
    """A legacy CSV export, a bulk-download TSV or a JSON-stat answer of Eurostat, whole
    (the options are :func:`stream`'s)."""
    with paused_gc():
        return collected(*stream(path, registry=registry, **options, whole=True))


def stream(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    decimal: str | None = None,
    dataset: str | None = None,
    whole: bool = False,
    **_: Any,
) -> tuple[Dataset, Iterator[list[Observation]]]:
    """A legacy CSV export, a bulk-download TSV or a JSON-stat answer of Eurostat as a
    stream: the dataset, and its observations in batches read as they are asked for (a
    JSON-stat answer through :mod:`~migstat.sources.jsonstat_stream`; one that cannot be
    streamed is read whole and given as one batch). The dataset is complete once the last
    batch is read.

    Options: ``dataset`` (the Eurostat dataset code when neither the file name nor the
    dimensions tell it), ``table`` (keep that table, or read into a table made from a data
    structure), ``edition`` (overrides the date the file gives), ``decimal`` (``,`` or ``.``
    when the numbers of a legacy export are ambiguous), ``allow_unmatched`` (skip rows with
    unknown codes, with warnings), ``whole`` (:func:`read`'s: hold every observation to the
    end, the file read once). Other options are ignored.
    """
    options = Options(registry, allow_unmatched, edition, table, decimal, dataset)
    return _open(Path(path), options, hold=None if whole else HOLD)


def _open(
    path: Path, options: Options, *, hold: int | None
) -> tuple[Dataset, Iterator[list[Observation]]]:
    with path.open("rb") as handle:
        head = handle.read(8192)
    if looks_like(head):
        found = opened_cube(path)
        if found is None:
            check_whole(path, "jsonstat")  # a JSON-stat file that is not streamed: held
            whole = read_jsonstat(
                path.read_bytes(),
                file_name=path.name,
                registry=options.registry,
                agency=AGENCY,
                allow_unmatched=options.allow_unmatched,
                edition=options.edition,
                table=options.table,
            )
            return one_batch(whole)
        # the dataset's code is the answer's own, as when it was read whole
        coded = stream_jsonstat(path, *found, replace(options, dataset=None), agency=AGENCY)
    elif _TSV_CORNER.search(line_one(head).decode("latin-1")):
        coded = tsv_stream(Reopened(path, WESTERN), path.name, options)
    else:
        coded = legacy_csv_stream(Reopened(path, WESTERN), path.name, options)
    coded.hold = hold
    return coded.dataset, coded.batches()


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


def tsv_stream(text: Reopened, file_name: str, options: Options) -> CodedStream:
    """Eurostat's bulk-download TSV: codes, one row per series, one column per period.

    The first column holds the series' codes separated by commas under a header such as
    ``freq,unit,geo\\TIME_PERIOD``; each period column holds the value and its flags
    (``1234 p``, ``: c``). The dataset code is not in the file: it comes from the file name
    (``migr_resfirst.tsv``, ``estat_migr_resfirst.tsv``), the ``dataset`` option or the
    dimensions.
    """
    lines = text.lines()
    first = next(lines, None)
    header = first.rstrip("\r\n").lstrip("\ufeff").split("\t") if first is not None else []
    corner = header[0] if header else ""
    dims = [d.strip().upper() for d in _TSV_CORNER.sub("", corner).split(",")]
    periods = [h.strip() for h in header[1:]]
    code, pairs, known = _export_mappers(
        options.registry, file_name, set(dims), options.dataset, options.table
    )
    layout = _TsvLayout(file_name, corner, dims, periods)
    out = _new_dataset(text.sha256, file_name, "eurostat_tsv", code, known, options.edition)
    note = f"Eurostat {code.lower()}, bulk-download TSV; flags as published in the comment"
    return CodedStream(
        out,
        pairs,
        once_then(lambda: layout.records(lines), lambda: layout.records(_skip_one(text.lines()))),
        frozenset({"TOTAL"}),
        options.allow_unmatched,
        Ending(known, lambda: note),
    )


@dataclass(frozen=True, slots=True)
class _TsvLayout:
    """A bulk TSV's series dimensions and periods, from its header."""

    file_name: str
    corner: str
    dims: list[str]
    periods: list[str]

    def records(self, lines: Iterator[str]) -> Iterator[Record]:
        """One record per cell of the rows after the header (line 2 on)."""
        file_name, dims, corner = self.file_name, self.dims, self.corner
        for number, text in enumerate(lines, start=2):
            line = text.rstrip("\r\n")
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
            for period, cell in zip(self.periods, cells[1:], strict=False):
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
                yield record, value, m.group(2) or None, where


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


def legacy_csv_stream(text: Reopened, file_name: str, options: Options) -> CodedStream:
    """A legacy "Data Explorer" CSV export: labels, one row per value (see the module)."""
    reader = csv_rows(text)
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
    code, pairs, known = _export_mappers(
        options.registry, file_name, {h for _, h in dims}, options.dataset, options.table
    )
    ahead = list(islice(not_blank(reader), MARK_FROM))
    mark = options.decimal or _decimal_mark([r[value_at] for _, r in ahead if len(r) > value_at])
    layout = _LegacyLayout(file_name, len(header), dims, value_at, flag_at, mark)

    out = _new_dataset(text.sha256, file_name, "eurostat_csv", code, known, options.edition)
    note = f"Eurostat {code.lower()}, legacy CSV export (labels); flags as published in the comment"
    return CodedStream(
        out,
        pairs,
        csv_records(text, chain(ahead, not_blank(reader)), layout.records),
        frozenset({"TOTAL", "Total"}),
        options.allow_unmatched,
        Ending(known, lambda: note),
    )


MARK_FROM = 2000
"""Rows of a legacy export whose numbers tell its decimal mark."""


@dataclass(slots=True)
class _LegacyLayout(Columns):
    """A legacy export's columns, from its header, and its labels translated to codes."""

    mark: str
    cache: dict[tuple[str, str], str] = field(default_factory=dict)

    def records(self, rows: Iterable[tuple[int, list[str]]]) -> Iterator[Record]:
        translate = {"AGE": _age_code, "UNIT": lambda t: _UNIT_LABELS.get(t, t)}
        cache, width, value_at, flag_at = self.cache, self.width, self.value_at, self.flag_at
        for line, row in rows:
            if len(row) < width:
                row = row + [""] * (width - len(row))
            record: dict[str, str] = {}
            for i, h in self.dims:
                cell = row[i].strip()
                got = cache.get((h, cell))
                if got is None:
                    fn = translate.get(h)
                    got = cache[(h, cell)] = fn(cell) if fn else cell
                record[h] = got
            cell = row[value_at].strip()
            where = Location(file=self.file_name, line=line, column="Value")
            if cell in NOT_AVAILABLE:
                value = None
            else:
                value = read_number(cell, decimal=self.mark)
                if value is None:
                    raise InputError(
                        N_("Value {value} is not a number, nor ':' for not available."),
                        where=where,
                        value=cell,
                    )
            flag = row[flag_at].strip() if flag_at is not None else None
            yield record, value, flag, where


def _new_dataset(
    sha256: str,
    file_name: str,
    fmt: str,
    code: str,
    known: EstatDataset | None,
    edition: str | None,
) -> Dataset:
    """An empty dataset with the provenance of an export; its edition is the option, else
    the date in the file name."""
    m = re.search(r"(\d{4}-\d{2}-\d{2})", file_name)
    return new_dataset(
        file_name=file_name,
        fmt=fmt,
        sha256=sha256,
        provider=PROVIDER,
        publisher=PUBLISHER,
        dataset_code=code,
        title=known.title if known else None,
        edition=edition or (m.group(1) if m else None),
        url=URL,
        licence=LICENCE,
    )


def _skip_one(lines: Iterator[str]) -> Iterator[str]:
    """The lines after the header."""
    next(lines, None)
    return lines
