"""Writing a tabulation: the long CSV that ``migstat validate`` and ``submit`` read, and the
metadata beside it.

The long CSV has one row per cell (``TABLE,REF_AREA,TIME_PERIOD,<dimensions>,OBS_VALUE``; the
tables' dimension columns side by side, empty where a table has no such dimension). The
metadata a submission needs (source type, reference date, population covered, residence
rule, the disclosure rule and its parameters) and how the tables were made go to the sidecar
file ``<output>.metadata.json`` that ``migstat validate`` and ``submit`` read beside a CSV file
(:mod:`migstat.formats.submeta`; documented in ``docs/microdata.md``).
Both files are written to temporary names and renamed, so a run that fails leaves
no half-written file.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from migstat.formats.submeta import read_sidecar, sidecar_path
from migstat.microdata.tabulate import Tabulation
from migstat.model import SubmissionMetadata
from migstat.model.precision import ATTRIBUTES

__all__ = ["columns", "read_metadata", "sidecar_path", "write_tabulation"]


SURVEY_COLUMNS = ("OBS_STATUS", *ATTRIBUTES)
"""The attributes a survey's cells carry: the status and the precision with its reliability
flag (:mod:`migstat.model.precision`)."""


def columns(tabulation: Tabulation) -> list[str]:
    dims: list[str] = []
    for result in tabulation.tables:
        dims += [d for d in result.table.dimension_ids if d not in dims]
    extra = SURVEY_COLUMNS if tabulation.survey is not None else ()
    hidden = ("CONF_STATUS",) if tabulation.hidden else ()
    return ["TABLE", "REF_AREA", "TIME_PERIOD", *dims, "OBS_VALUE", *extra, *hidden]


def write_tabulation(tabulation: Tabulation, output: str | Path) -> tuple[Path, Path]:
    """Write the long CSV and its metadata sidecar; return both paths."""
    output = Path(output)
    header = columns(tabulation)
    survey = tabulation.survey is not None
    dims = header[3 : header.index("OBS_VALUE")]
    part = output.with_name(output.name + ".part")
    with part.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for result in tabulation.tables:
            ids = result.table.dimension_ids
            for key in result.cells:
                codes = dict(zip(ids, key, strict=True))
                value, status, precision = tabulation.cell(result, key)
                row = [
                    result.table.id,
                    tabulation.country,
                    tabulation.time_period,
                    *(codes.get(d, "") for d in dims),
                    "" if value is None else int(value),
                ]
                if survey:
                    texts = precision.attributes() if precision is not None else {}
                    row += [status, *(texts.get(a, "") for a in ATTRIBUTES)]
                if tabulation.hidden:
                    row.append(tabulation.hidden.get((result.table.id, key), "F"))
                writer.writerow(row)
    meta = sidecar_path(output)
    meta_part = meta.with_name(meta.name + ".part")
    meta_part.write_text(
        json.dumps(tabulation.metadata(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    os.replace(part, output)
    os.replace(meta_part, meta)
    return output, meta


def read_metadata(path: str | Path) -> SubmissionMetadata:
    """The submission metadata of a sidecar file (``migstat validate`` and ``submit`` read it
    beside the long CSV by themselves)."""
    return read_sidecar(path)
