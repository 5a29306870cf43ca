"""SDMX-CSV, versions 1.0 and 2.0.

* 1.0: the first column ``DATAFLOW`` names the dataflow, ``MIGSTAT:S01(1.0)``.
* 2.0: ``STRUCTURE`` (``dataflow``), ``STRUCTURE_ID`` (``MIGSTAT:S01(1.0)``) and ``ACTION``
  (``I`` information, ``A`` append, ``R`` replace, ``M`` merge; ``D`` delete is refused).

The dataflow id becomes the table id (agency and version stripped; table aliases such as
``MCH1`` are accepted). Dimension columns carry the table's dimension ids plus ``REF_AREA``
and ``TIME_PERIOD``; values may carry labels (``KGZ: Kyrgyzstan``), which are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

from migstat.formats.csvbase import CsvReader
from migstat.i18n import N_
from migstat.model import Dataset, InputError, NotFoundError, Registry, default_registry

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


def read_sdmx_csv(source: bytes | str | Path, *, file_name: str | None = None,
                  registry: Registry | None = None, provider: str | None = None,
                  country: str | None = None, encoding: str | None = None) -> Dataset:
    """Read an SDMX-CSV 1.0 or 2.0 file."""
    reg = registry or default_registry()
    reader = SdmxCsvReader(source, file_name=file_name, registry=reg, provider=provider,
                           country=country, encoding=encoding)
    resolved: dict[str, str] = {}

    def table_of(fields: list[str], line: int) -> str | None:
        column = "STRUCTURE_ID" if "STRUCTURE_ID" in reader.columns else "DATAFLOW"
        flow = reader.field(fields, column)
        if column == "STRUCTURE_ID":
            kind = reader.field(fields, "STRUCTURE").lower()
            if kind and kind not in ("dataflow", "datastructure", "dataprovisionagreement"):
                raise InputError(N_("Unknown STRUCTURE {value} on line {line}: expected "
                                    "dataflow."), where=reader.where(line, "STRUCTURE"),
                                 value=kind, line=line)
            action = reader.field(fields, "ACTION").upper()
            if action == "D":
                raise InputError(N_("Line {line} asks to delete observations (ACTION D). "
                                    "Deletions are not accepted: send the corrected figures "
                                    "instead."), where=reader.where(line, "ACTION"), line=line)
        table = resolved.get(flow)
        if table is None:
            table_id = dataflow_table(flow)
            try:
                table = reg.table(table_id or flow).id
            except NotFoundError:
                raise InputError(N_("Unknown dataflow {value} on line {line} (column {column}). "
                                    "Known tables: {known}."), where=reader.where(line, column),
                                 value=flow, line=line, column=column,
                                 known=", ".join(reg.tables)) from None
            resolved[flow] = table
        return table

    column = "STRUCTURE_ID" if "STRUCTURE_ID" in reader.columns else "DATAFLOW"
    reader.table_column = column
    # the dataflow is checked before the other columns: an unknown dataflow says more than
    # the dimension columns it lacks
    return reader.read(table_of, [column])
