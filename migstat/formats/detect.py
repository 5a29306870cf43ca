"""Recognise a submitted file by its content and read it, or explain why it cannot be read.

A questionnaire is an .xlsx (zip) workbook with the hidden ``_migstat`` sheet; SDMX-CSV has a
``DATAFLOW`` or ``STRUCTURE_ID`` column; a long CSV has ``OBS_VALUE``. The extension is only
used to explain a mismatch (a text file named .xlsx). Every file that cannot be read raises
:class:`InputError` naming the file and the place, in English and Russian.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from migstat.formats.csv_long import read_long_csv, stream_long_csv
from migstat.formats.csvbase import column_id, decode, first_line, rows, sniff_separator
from migstat.formats.csvstream import HEAD, codec_of, is_utf16, locate, undecodable
from migstat.formats.limits import check_size, check_whole, max_file_bytes
from migstat.formats.questionnaire import read_questionnaire
from migstat.formats.sdmx_csv import read_sdmx_csv, stream_sdmx_csv
from migstat.formats.submeta import merge, read_sidecar, sidecar_path
from migstat.formats.text import decode_text
from migstat.i18n import N_
from migstat.model import (
    Dataset,
    InputError,
    Location,
    NotFoundError,
    Observation,
    Registry,
    SubmissionMetadata,
    default_registry,
)

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def sniff(data: bytes, file_name: str) -> str:
    """``questionnaire`` (a zip workbook), ``sdmx_csv`` or ``long_csv``; or InputError."""
    where = Location(file=file_name)
    suffix = Path(file_name).suffix.lower()
    if not data.strip():
        raise InputError(N_("The file is empty."), where=where)
    if data.startswith(ZIP_MAGIC):
        return "questionnaire"
    if data.startswith(OLE2_MAGIC):
        raise InputError(
            N_(
                "The file is an old Excel 97-2003 workbook (.xls) or a workbook "
                "protected by a password. Save it as an Excel workbook (.xlsx) "
                "without a password."
            ),
            where=where,
        )
    head = data[:4096]
    binary = b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if suffix in WORKBOOK_SUFFIXES:
        if binary:
            raise InputError(
                N_(
                    "The file is named {suffix} but is not an Excel workbook (.xlsx); "
                    "it may be damaged. Save it again from Excel as .xlsx."
                ),
                where=where,
                suffix=suffix,
            )
        lines = head.decode("utf-8", "replace").strip().splitlines()
        start = lines[0][:60] if lines else ""  # text of blanks only (Unicode's, too)
        raise InputError(
            N_(
                "The file is named {suffix} but is not an Excel workbook: it is "
                "text, beginning “{start}”. Open it in Excel and save it as an Excel "
                "workbook (.xlsx), or name it .csv if it is a CSV file."
            ),
            where=where,
            suffix=suffix,
            start=start,
        )
    if binary:
        raise InputError(
            N_("The file is neither an Excel workbook (.xlsx) nor a CSV text file."), where=where
        )
    return "csv"


def csv_kind(text: str, file_name: str) -> str:
    line = first_line(text)
    header = next((fields for _n, fields in rows(line, sniff_separator(line), file_name)), [])
    names = {column_id(h) for h in header}
    if names & {"DATAFLOW", "STRUCTURE_ID"}:
        return "sdmx_csv"
    if "OBS_VALUE" in names:
        return "long_csv"
    raise InputError(
        N_(
            "The file is not a questionnaire, a long CSV or an SDMX-CSV file: its "
            "first line has no OBS_VALUE column (it has: {found})."
        ),
        where=Location(file=file_name, line=1),
        found=", ".join(h.strip() for h in header)[:300] or "—",
    )


def read_submission(
    path: str | Path,
    *,
    registry: Registry | None = None,
    country: str | None = None,
    max_bytes: int | None = None,
    file_name: str | None = None,
    metadata_file: str | Path | None = None,
    metadata: SubmissionMetadata | None = None,
) -> tuple[Dataset, bytes]:
    """Read a submitted file (questionnaire, long CSV or SDMX-CSV) and return the dataset and
    the raw bytes (kept with the submission). The size limit defaults to
    ``MIGSTAT_MAX_FILE_MB`` (200 MB); it also bounds a workbook's unpacked size.

    A CSV file's metadata (:mod:`migstat.formats.submeta`): the sidecar ``metadata_file``
    (default ``<file>.metadata.json`` when it exists), then the file's metadata columns, then
    ``metadata`` (the ``--meta`` options), a later one winning field by field."""
    path = Path(path)
    name = file_name or path.name
    reg = registry or default_registry()
    limit = max_bytes_of(path, name, max_bytes)
    with _opening(Location(file=name)):
        data = path.read_bytes()
    dataset = read_bytes(data, file_name=name, registry=reg, country=country, max_bytes=limit)
    add_metadata(dataset, path, metadata_file, metadata)
    return dataset, data


def add_metadata(
    dataset: Dataset,
    path: Path | None,
    metadata_file: str | Path | None = None,
    metadata: SubmissionMetadata | None = None,
    *,
    tables: Iterable[str] = (),
) -> None:
    """Lay a CSV submission's sidecar under its metadata columns, and ``metadata`` over both.
    A questionnaire has its metadata sheet: only ``metadata`` (explicit options) applies.
    ``tables``: the tables of observations not in ``dataset`` (a streamed file's)."""
    tables = sorted(
        {o.table for o in dataset.observations}
        | {f.table for f in dataset.findings if f.table}
        | set(tables)
    )
    if dataset.format == "questionnaire":
        merge(dataset.metadata, tables, metadata)
        return
    if metadata_file is None and path is not None and sidecar_path(path).is_file():
        metadata_file = sidecar_path(path)
    sidecar = read_sidecar(metadata_file) if metadata_file is not None else None
    in_file = dataset.metadata
    dataset.metadata = SubmissionMetadata(country=in_file.country, year=in_file.year)
    merge(dataset.metadata, tables, sidecar, in_file, metadata)


@dataclass(slots=True)
class Streamed:
    """A submitted file being read: its dataset (complete once every batch is read, without
    observations), its observations in batches, its raw bytes when it was read whole (a
    workbook) and how many of the reader's findings were counted, not kept."""

    dataset: Dataset
    batches: Iterator[list[Observation]]
    raw: bytes | None = None
    dropped: Callable[[], int] = lambda: 0


def stream_submission(
    path: str | Path,
    *,
    registry: Registry | None = None,
    country: str | None = None,
    max_bytes: int | None = None,
    file_name: str | None = None,
    kept: int | None = None,
) -> Streamed:
    """A submitted file read as :func:`read_submission` reads it, but a long CSV or SDMX-CSV
    file a batch at a time from disk, never whole (at most ``kept`` of the reader's findings
    kept). A questionnaire workbook is read whole (the guarded reader bounds its cells and
    unpacked size) and gives one batch. The metadata are the caller's to add once every batch
    is read (:func:`add_metadata` with the tables seen)."""
    path = Path(path)
    name = file_name or path.name
    where = Location(file=name)
    reg = registry or default_registry()
    limit = max_bytes_of(path, name, max_bytes)
    country = _country(reg, country, where)
    with _opening(where), path.open("rb") as handle:
        head = handle.read(HEAD)
    if sniff(head, name) == "questionnaire":
        check_whole(path, "questionnaire")  # held whole: refused before it is read
        with _opening(where):
            data = path.read_bytes()
        dataset = read_questionnaire(
            data, file_name=name, registry=reg, country=country, max_bytes=limit
        )
        whole, dataset.observations = dataset.observations, []
        return Streamed(dataset, iter([whole] if whole else []), data)
    _readable_head(path, head, name)
    sample = decode_text(head, sample=True)
    stream = stream_sdmx_csv if csv_kind(sample, name) == "sdmx_csv" else stream_long_csv
    dataset, batches, reader = stream(
        path, file_name=name, registry=reg, country=country, kept=kept
    )
    return Streamed(dataset, batches, None, lambda: reader.findings_dropped)


def _readable_head(path: Path, head: bytes, name: str) -> None:
    """Refuse a file whose first bytes are not text at once (before its header is read), as
    the whole-text decoder would: a character cut at the end of ``head`` is no error."""
    codec = codec_of(head, None)
    try:
        head.decode(codec)
    except UnicodeDecodeError as problem:
        if len(head) == HEAD and problem.start >= len(head) - 4:
            return
        line = locate(path, codec)
        raise undecodable(name, line, encoding=None, utf16=is_utf16(codec)) from None


def max_bytes_of(path: Path, name: str, max_bytes: int | None) -> int:
    """The size limit of a submission (``MIGSTAT_MAX_FILE_MB`` unless given), checked against
    the file at ``path``, which must be a readable file."""
    where = Location(file=name)
    limit = max_file_bytes() if max_bytes is None else max_bytes
    try:
        size = os.stat(path).st_size
        if path.is_dir():
            raise IsADirectoryError(str(path))
    except FileNotFoundError:
        raise InputError(N_("File not found: {file}"), where=where, file=str(path)) from None
    except IsADirectoryError:
        raise InputError(
            N_("{file} is a folder, not a file."), where=where, file=str(path)
        ) from None
    except OSError as problem:
        raise InputError(
            N_("The file cannot be opened: {problem}."),
            where=where,
            problem=problem.strerror or str(problem),
        ) from None
    check_size(size, file_name=name, limit=limit)
    return limit


@contextmanager
def _opening(where: Location) -> Iterator[None]:
    try:
        yield
    except OSError as problem:
        raise InputError(
            N_("The file cannot be opened: {problem}."),
            where=where,
            problem=problem.strerror or str(problem),
        ) from None


def _country(reg: Registry, country: str | None, where: Location) -> str | None:
    if not country:
        return country
    try:
        return reg.country(country)
    except NotFoundError:
        raise InputError(
            N_("Unknown country {code}: give an ISO 3166 alpha-3 code such as KGZ."),
            where=where,
            code=country,
        ) from None


def read_bytes(
    data: bytes,
    *,
    file_name: str,
    registry: Registry | None = None,
    country: str | None = None,
    max_bytes: int | None = None,
) -> Dataset:
    """Like :func:`read_submission` for bytes already in memory (an upload)."""
    reg = registry or default_registry()
    where = Location(file=file_name)
    limit = max_file_bytes() if max_bytes is None else max_bytes
    check_size(len(data), file_name=file_name, limit=limit)
    country = _country(reg, country, where)
    kind = sniff(data, file_name)
    if kind == "questionnaire":
        return read_questionnaire(
            data, file_name=file_name, registry=reg, country=country, max_bytes=limit
        )
    text_kind = csv_kind(decode(data, file_name=file_name), file_name)
    if text_kind == "sdmx_csv":
        return read_sdmx_csv(data, file_name=file_name, registry=reg, country=country)
    return read_long_csv(data, file_name=file_name, registry=reg, country=country)
