"""SDMX-CSV, versions 1.0 and 2.0 (read), 1.0 (written by :func:`write_sdmx_csv`).

* 1.0: the first column ``DATAFLOW`` names the dataflow, ``MIGSTAT:S01(1.0)``.
* 2.0: ``STRUCTURE`` (``dataflow``), ``STRUCTURE_ID`` (``MIGSTAT:S01(1.0)``) and ``ACTION``
  (``I`` information, ``A`` append, ``R`` replace, ``M`` merge; ``D`` delete is refused).

The dataflow id becomes the table id (agency and version stripped; table aliases such as
``MCH1`` are accepted). Dimension columns carry the table's dimension ids plus ``REF_AREA``
and ``TIME_PERIOD``; values may carry labels (``KGZ: Kyrgyzstan``), which are dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from migstat.formats.csvbase import CsvReader, Opened
from migstat.formats.output import safe_text
from migstat.formats.sdmx_layout import (
    AGENCY,
    ATTRIBUTES,
    MEASURE,
    TIME,
    ObservationLike,
    all_dimensions,
    dimension_codelist,
    key_of,
    number,
    precision_cells,
)
from migstat.i18n import N_
from migstat.model import (
    CodeList,
    Dataset,
    InputError,
    NotFoundError,
    Observation,
    Registry,
    TableDef,
    default_registry,
    pick,
)
from migstat.model.precision import ATTRIBUTES as PRECISION

FORMAT = "sdmx_csv"
_FLOW = re.compile(r"^(?:(?P<agency>[\w.\-@]+):)?(?P<id>[\w\-]+)(?:\((?P<version>[^)]*)\))?$")


def dataflow_table(flow: str) -> str | None:
    """``MIGSTAT:S01(1.0)`` → ``S01``; ``None`` when it is not a dataflow reference."""
    text = flow.strip()
    if ": " in text:  # "MIGSTAT:S01(1.0): Population by ..." (labels included)
        text = text.split(": ", 1)[0]
    match = _FLOW.match(text)
    return match["id"] if match else None


class SdmxCsvReader(CsvReader):
    format = FORMAT


def read_sdmx_csv(source: bytes | str | Path, **options: Any) -> Dataset:
    """Read an SDMX-CSV 1.0 or 2.0 file (the options of :func:`sdmx_csv`)."""
    return sdmx_csv(source, **options).read()


def stream_sdmx_csv(
    source: bytes | str | Path, *, kept: int | None = None, **options: Any
) -> tuple[Dataset, Iterator[list[Observation]], SdmxCsvReader]:
    """:func:`read_sdmx_csv` as a stream (:meth:`~migstat.formats.csvbase.Opened.stream`)."""
    return sdmx_csv(source, **options).stream(kept)


def sdmx_csv(
    source: bytes | str | Path,
    *,
    file_name: str | None = None,
    registry: Registry | None = None,
    provider: str | None = None,
    country: str | None = None,
    encoding: str | None = None,
) -> Opened[SdmxCsvReader]:
    """An SDMX-CSV file opened (``provider`` and ``country`` as for a long CSV file)."""
    reg = registry or default_registry()
    reader = SdmxCsvReader(
        source,
        file_name=file_name,
        registry=reg,
        provider=provider,
        country=country,
        encoding=encoding,
    )
    resolved: dict[str, str] = {}

    def table_of(fields: list[str], line: int) -> str | None:
        column = "STRUCTURE_ID" if "STRUCTURE_ID" in reader.columns else "DATAFLOW"
        flow = reader.field(fields, column)
        if column == "STRUCTURE_ID":
            kind = reader.field(fields, "STRUCTURE").lower()
            if kind and kind not in ("dataflow", "datastructure", "dataprovisionagreement"):
                raise InputError(
                    N_("Unknown STRUCTURE {value} on line {line}: expected dataflow."),
                    where=reader.where(line, "STRUCTURE"),
                    value=kind,
                    line=line,
                )
            action = reader.field(fields, "ACTION").upper()
            if action == "D":
                raise InputError(
                    N_(
                        "Line {line} asks to delete observations (ACTION D). "
                        "Deletions are not accepted: send the corrected figures "
                        "instead."
                    ),
                    where=reader.where(line, "ACTION"),
                    line=line,
                )
        table = resolved.get(flow)
        if table is None:
            table_id = dataflow_table(flow)
            try:
                table = reg.table(table_id or flow).id
            except NotFoundError:
                raise InputError(
                    N_(
                        "Unknown dataflow {value} on line {line} (column {column}). "
                        "Known tables: {known}."
                    ),
                    where=reader.where(line, column),
                    value=flow,
                    line=line,
                    column=column,
                    known=", ".join(reg.tables),
                ) from None
            resolved[flow] = table
        return table

    column = "STRUCTURE_ID" if "STRUCTURE_ID" in reader.columns else "DATAFLOW"
    reader.table_column = column
    # the dataflow is checked before the other columns: an unknown dataflow says more than
    # the dimension columns it lacks
    return Opened(reader, table_of, [column])


def write_sdmx_csv(
    observations: Iterable[ObservationLike],
    table: TableDef,
    *,
    labels: str = "id",
    lang: str = "en",
    codelists: Mapping[str, CodeList] | None = None,
    attributes: bool = True,
) -> str:
    """SDMX-CSV 1.0 of one table's observations (``DATAFLOW`` ``MIGSTAT:S01(1.0)``).

    ``labels="both"`` writes ``code: label`` in the language ``lang`` for every coded column
    (the reader here drops the labels again, so the file can be sent back as it is);
    ``attributes=False`` leaves out the attribute columns (``detail=dataonly``); with them come
    a survey estimate's precision attributes (``STD_ERROR`` … ``RELIABILITY``, empty for other
    observations), as the data structure defines them. Text cells are
    guarded against formula injection like every CSV migstat writes.
    """
    dims = all_dimensions(table)
    attrs = list(ATTRIBUTES) if attributes else []
    flow = f"{AGENCY}:{table.id}({table.version})"
    lists: list[CodeList | None] = [None] * len(dims)
    attr_lists: list[CodeList | None] = [None] * len(attrs)
    if labels == "both" and codelists is not None:
        lists = [None if d == TIME else codelists.get(dimension_codelist(table, d)) for d in dims]
        attr_lists = [codelists.get(a) for a in attrs]
        flow = f"{flow}: {pick(table.title, lang)}"
    cache: dict[tuple[int, str], str] = {}

    def cell(i: int, cl: CodeList | None, code: str) -> str:
        if cl is None or not code:
            return code
        hit = cache.get((i, code))
        if hit is None:
            hit = cache[(i, code)] = safe_text(f"{code}: {cl.label(code, lang)}")
        return hit

    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(["DATAFLOW", *dims, MEASURE, *attrs, *(PRECISION if attributes else ())])
    n = len(dims)
    for obs in observations:
        row = [flow, *(cell(i, lists[i], c) for i, c in enumerate(key_of(obs)))]
        row.append("" if obs.value is None else number(obs.value))
        if attributes:
            row.append(cell(n, attr_lists[0], obs.obs_status))
            row.append(cell(n + 1, attr_lists[1], obs.conf_status))
            row.append(safe_text(obs.comment) if obs.comment else "")
            row += precision_cells(obs)
        out.writerow(row)
    return buffer.getvalue()
