"""The size limits of every input, checked before a byte of the file is read.

Three limits, each set in megabytes by an environment variable:

* ``MIGSTAT_MAX_FILE_MB`` (default 200): a submission (``validate``, ``submit``, a web upload), a
  mapping file (``mapping import``) and the unpacked contents of a workbook. These files come
  from people; 200 MB is far above any country's questionnaire or long CSV.
* ``MIGSTAT_MAX_IMPORT_MB`` (default 2048): a publisher's file read by ``migstat import``.
  Published bulk files (Eurostat's TSV, UN DESA's matrices) run to hundreds of megabytes and
  are chosen by the operator, so the bound is higher, but there is one.
* ``MIGSTAT_MAX_WHOLE_MB`` (default 256): a publisher's file that its reader holds whole (JSON
  parsed at once, an old ``.xls`` workbook, a file read into one dataset before it is mapped).
  The readers that stream (see ``docs/importing.md``) are bound by the import limit alone.

A file over its limit is refused with :class:`~migstat.model.InputError` naming the file, its
size and the variable that sets the limit, in the reader's language.
"""

from __future__ import annotations

import os
from pathlib import Path

from migstat.i18n import N_
from migstat.model import InputError, Location

DEFAULT_MAX_MB = 200
"""Submissions, mapping files and a workbook's unpacked contents."""
DEFAULT_MAX_IMPORT_MB = 2048
"""A publisher's file given to ``migstat import``."""
DEFAULT_MAX_WHOLE_MB = 256
"""A publisher's file its reader holds whole."""


def _megabytes(variable: str, default: float) -> int:
    raw = os.environ.get(variable, "").strip()
    try:
        megabytes = float(raw) if raw else default
    except ValueError:
        megabytes = default
    return int(megabytes * 1024 * 1024)


def max_file_bytes() -> int:
    """The size limit for submitted files, mapping files (and a workbook's unpacked contents)."""
    return _megabytes("MIGSTAT_MAX_FILE_MB", DEFAULT_MAX_MB)


def max_import_bytes() -> int:
    """The size limit for a publisher's file read by ``migstat import``."""
    return _megabytes("MIGSTAT_MAX_IMPORT_MB", DEFAULT_MAX_IMPORT_MB)


def max_whole_bytes() -> int:
    """The size limit for a publisher's file that its reader holds whole."""
    return _megabytes("MIGSTAT_MAX_WHOLE_MB", DEFAULT_MAX_WHOLE_MB)


def check_whole(path: Path) -> None:
    """Refuse a publisher's file over :func:`max_whole_bytes` that its reader would hold
    whole, before it is opened."""
    check_size(
        path.stat().st_size,
        file_name=path.name,
        limit=max_whole_bytes(),
        variable="MIGSTAT_MAX_WHOLE_MB",
    )


def mb(n: int) -> str:
    """``n`` bytes in megabytes, as few decimals as needed."""
    return f"{n / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def check_size(
    size: int, *, file_name: str, limit: int | None = None, variable: str = "MIGSTAT_MAX_FILE_MB"
) -> None:
    """Refuse a file of ``size`` bytes over ``limit`` (by default :func:`max_file_bytes`)."""
    limit = max_file_bytes() if limit is None else limit
    if size > limit:
        raise InputError(
            N_(
                "The file is {size} MB, more than the limit of {limit} MB, and is "
                "not read. Send the tables in smaller files (the limit is set by "
                "{variable})."
            ),
            where=Location(file=file_name),
            size=mb(size),
            limit=mb(limit),
            variable=variable,
        )


def check_file(path: Path, *, limit: int | None = None, import_: bool = False) -> None:
    """Refuse the file at ``path`` when it is over its limit (the import limit with
    ``import_``), before it is opened."""
    if import_:
        limit = max_import_bytes() if limit is None else limit
        variable = "MIGSTAT_MAX_IMPORT_MB"
    else:
        variable = "MIGSTAT_MAX_FILE_MB"
    check_size(path.stat().st_size, file_name=path.name, limit=limit, variable=variable)
