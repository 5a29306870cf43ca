"""The size limits of every input, checked before a byte of the file is read.

Three limits, each set in megabytes by an environment variable:

* ``MIGSTAT_MAX_FILE_MB`` (default 200): a submission (``validate``, ``submit``, a web upload), a
  mapping file (``mapping import``) and the unpacked contents of a workbook. These files come
  from people; 200 MB is far above any country's questionnaire or long CSV.
* ``MIGSTAT_MAX_IMPORT_MB`` (default 2048): a publisher's file read by ``migstat import``.
  Published bulk files (Eurostat's TSV, UN DESA's matrices) run to hundreds of megabytes and
  are chosen by the operator, so the bound is higher, but there is one.
* one limit per reader that holds its file whole (:data:`WHOLE_READERS`: JSON parsed at once,
  an old ``.xls`` workbook, a file read into one dataset before it is mapped), each with its
  own variable (``MIGSTAT_MAX_JSONSTAT_MB`` ...). Such a reader's memory grows with the file;
  its limit is chosen from the memory it was measured to hold per megabyte of file
  (``bench/bench_whole_readers.py``) so that the peak stays under about 1 GiB whatever the
  input, and above every real file of its publisher. The readers that stream (see
  ``docs/importing.md``) are bound by the import limit alone.

A file over its limit is refused with :class:`~migstat.model.InputError` naming the file, its
size and the variable that sets the limit, in the reader's language.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from migstat.i18n import N_
from migstat.model import InputError, Location

DEFAULT_MAX_MB = 200
"""Submissions, mapping files and a workbook's unpacked contents."""
DEFAULT_MAX_IMPORT_MB = 2048
"""A publisher's file given to ``migstat import``."""


@dataclass(frozen=True, slots=True)
class WholeReader:
    """The size limit of a reader that holds its file whole, and why it is that limit."""

    label: dict[str, str]
    """The files it reads, in each language (for the message)."""
    variable: str
    """The environment variable that sets the limit, in megabytes."""
    default_mb: float
    per_mb: int
    """Memory the reader was measured to hold per megabyte of file, in MiB, rounded up
    (``bench/bench_whole_readers.py``); ``default_mb * per_mb`` stays under about 900 MiB,
    so that with the program itself the peak stays under 1 GiB."""


WHOLE_READERS: dict[str, WholeReader] = {
    # measured: 38 MiB per MB (Eurostat's answers: a few MB; bulk data comes as TSV or SDMX)
    "jsonstat": WholeReader(
        {"en": "JSON-stat", "ru": "JSON-stat"}, "MIGSTAT_MAX_JSONSTAT_MB", 20, 40
    ),
    # 12 MiB per MB (Belstat's answers: about 130 KB)
    "belstat": WholeReader(
        {"en": "Belstat's JSON tables", "ru": "JSON-таблиц Белстата"},
        "MIGSTAT_MAX_BELSTAT_MB",
        64,
        13,
    ),
    # 5 MiB per MB (CIS-Stat's whole migration table: 0.4 MB)
    "cisstat": WholeReader(
        {"en": "CIS-Stat tables", "ru": "таблиц Статкомитета СНГ"}, "MIGSTAT_MAX_CISSTAT_MB", 128, 6
    ),
    # 70 MiB per MB (every country by every country: about 0.5 MB a year)
    "matrix": WholeReader({"en": "matrices", "ru": "матриц"}, "MIGSTAT_MAX_MATRIX_MB", 12, 70),
    # 82 MiB per MB (the matrix by origin, every year: 1 MB)
    "undesa": WholeReader(
        {"en": "UN DESA's CSV files", "ru": "CSV-файлов ООН (DESA)"},
        "MIGSTAT_MAX_UNDESA_MB",
        10,
        82,
    ),
    # 53 MiB per MB, and 5 million cells (UN DESA's workbooks: 0.5 to about 10 MB)
    "xlsx": WholeReader(
        {"en": "publishers' workbooks (.xlsx)", "ru": "книг издателей (.xlsx)"},
        "MIGSTAT_MAX_XLSX_MB",
        16,
        55,
    ),
    # 9 MiB per MB at the real file's size, counted as 25 (form 2-RD: 0.3 MB)
    "mvd": WholeReader(
        {"en": "form 2-RD workbooks (.xls)", "ru": "книг формы 2-РД (.xls)"},
        "MIGSTAT_MAX_XLS_MB",
        32,
        25,
    ),
    # the whole-file submission path's 22-30 MiB per MB (a country's tables)
    "own": WholeReader(
        {"en": "migstat's own SDMX-CSV", "ru": "собственного SDMX-CSV migstat"},
        "MIGSTAT_MAX_OWN_CSV_MB",
        24,
        30,
    ),
    # 7 MiB per MB unpacked (a full questionnaire, every partner: 0.7 MB, 9 MB unpacked)
    "questionnaire": WholeReader(
        {"en": "questionnaires", "ru": "вопросников"}, "MIGSTAT_MAX_WORKBOOK_MB", 100, 8
    ),
}
"""The readers that hold their file whole, by the key their callers give
:func:`check_whole`."""


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


def max_whole_bytes(reader: str) -> int:
    """The size limit of a file that ``reader`` (a key of :data:`WHOLE_READERS`) holds whole."""
    whole = WHOLE_READERS[reader]
    return _megabytes(whole.variable, whole.default_mb)


def check_whole(path: Path, reader: str) -> None:
    """Refuse a file over the limit of ``reader`` (a key of :data:`WHOLE_READERS`), which
    would hold it whole, before it is opened."""
    check_whole_size(path.stat().st_size, file_name=path.name, reader=reader)


_OVER = N_(
    "The file is {size} MB, more than the limit of {limit} MB for {reader}, and is not "
    "read: this reader holds the whole file in memory, about {per_mb} MB for each MB of the "
    "file. Split the file, or raise the limit with the setting {variable} (in MB) where the "
    "machine has the memory for it."
)
_UNPACKS_OVER = N_(
    "The workbook unpacks to {size} MB, more than the limit of {limit} MB for {reader}, and "
    "is not read: this reader holds the whole workbook in memory, about {per_mb} MB for each "
    "MB unpacked. Send the tables in smaller files, or raise the limit with the setting "
    "{variable} (in MB) where the machine has the memory for it."
)


def check_whole_size(size: int, *, file_name: str, reader: str, unpacked: bool = False) -> None:
    """Refuse ``size`` bytes (of the file, or with ``unpacked`` of a workbook's parts
    unpacked) over the limit of ``reader``, saying why the limit is there and which setting
    raises it."""
    whole = WHOLE_READERS[reader]
    limit = max_whole_bytes(reader)
    if size > limit:
        raise InputError(
            _UNPACKS_OVER if unpacked else _OVER,
            where=Location(file=file_name),
            size=mb(size),
            limit=mb(limit),
            reader=whole.label,
            per_mb=whole.per_mb,
            variable=whole.variable,
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
