"""The readers of coded records as streams (Eurostat's bulk TSV and legacy exports, SDMX-CSV,
SDMX-ML): on every real file of those formats the batches of ``stream_source`` are exactly the
observations of ``read_source``, with the same findings, messages, metadata and errors; memory
of a streamed import does not grow with the file."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

import migstat.importing as importing
import migstat.sources.coded_stream as coded_stream
import migstat.sources.columns_read as columns_read
import migstat.sources.eurostat_files as eurostat_files
import migstat.store.spill as spill
from migstat.api import import_file
from migstat.formats.sdmxml.structure import table_from_dsd
from migstat.model import MigstatError
from migstat.model.registry import DEFINITIONS, Registry
from migstat.sources import SOURCES, read_source, stream_source
from tests.shared import SHARED_DATA
from tests.streamfiles import write_bulk_tsv
from tests.test_formats_sdmxml_read import DATA as DEMOGRAPHY
from tests.test_formats_sdmxml_read import STRUCTURE, _generic
from tests.test_sources_columns import POP, POP_OPTIONS, STOCK, STOCK_OPTIONS
from tests.test_sources_eurostat import _tsv_from_jsonstat
from tests.test_sources_families import _as_bulk_tsv

STREAMED = ("eurostat", "sdmx", "columns")
REAL = sorted(
    p.relative_to(SHARED_DATA).as_posix()
    for folder in ("eurostat", "sdmx", "oecd")
    for p in (SHARED_DATA / folder).iterdir()
    if p.suffix.lower() in (".csv", ".xml", ".tsv")
)
"""Every real file of a streamed format (the structure messages and code lists among the XML
files are refused alike by both)."""


def _by_table(observations) -> dict[str, list]:
    found: dict[str, list] = {}
    for obs in observations:
        found.setdefault(obs.table, []).append(obs)
    return found


def _said(problem: MigstatError) -> tuple:
    return problem.text("en"), problem.text("ru"), problem.where


def _findings(dataset) -> list[tuple]:
    return [
        (f.rule, f.severity, f.table, f.where, f.text("en"), f.text("ru")) for f in dataset.findings
    ]


def _whole(path: Path, **options):
    try:
        return read_source(path, **options), None
    except MigstatError as problem:
        return None, _said(problem)


def _streamed(path: Path, **options):
    try:
        dataset, batches = stream_source(path, **options)
        observations = [o for batch in batches for o in batch]
    except MigstatError as problem:
        return None, [], _said(problem)
    return dataset, observations, None


def _same(path: Path, **options) -> int:
    """Both reads of ``path`` say the same; the count of observations."""
    whole, failed = _whole(path, **options)
    dataset, observations, stream_failed = _streamed(path, **options)
    assert stream_failed == failed
    if whole is None:
        return 0
    assert _by_table(observations) == _by_table(whole.observations)
    assert sorted(map(repr, observations)) == sorted(map(repr, whole.observations))
    assert _findings(dataset) == _findings(whole)
    assert dataset.metadata == whole.metadata and dataset.provenance == whole.provenance
    assert (dataset.format, dataset.provider, dataset.file_name) == (
        whole.format,
        whole.provider,
        whole.file_name,
    )
    return len(observations)


def test_the_coded_readers_stream() -> None:
    assert all(SOURCES[name].stream is not None for name in STREAMED)


@pytest.mark.parametrize("allow_unmatched", [False, True])
@pytest.mark.parametrize("rel", REAL)
def test_real_files_stream_as_they_read(rel: str, allow_unmatched: bool) -> None:
    _same(SHARED_DATA / rel, allow_unmatched=allow_unmatched)


def test_real_files_give_observations() -> None:
    """The comparison is not of nothing: the real files give these many observations."""
    counts = {rel: _same(SHARED_DATA / rel, allow_unmatched=True) for rel in REAL}
    assert counts["eurostat/estat_tps00171_sdmxcsv_labels__jatofi.csv"] > 1000
    assert sum(1 for n in counts.values() if n) == 8, counts


@pytest.mark.parametrize(
    ("rel", "tables"),
    [
        ("eurostat/eurostat_migr_resfirst_BY.json", {"A01"}),
        ("eurostat/eurostat_migr_resfirst_BY_2019_duration.json", {"A01", "A01V"}),
    ],
)
def test_bulk_tsvs_of_real_answers_stream_as_they_read(
    tmp_path, monkeypatch, rel: str, tables: set[str]
) -> None:
    tsv = _tsv_from_jsonstat(SHARED_DATA / rel, tmp_path / "estat_migr_resfirst.tsv")
    monkeypatch.setattr(coded_stream, "BATCH", 4)
    monkeypatch.setattr(coded_stream, "DRAIN", 2)
    assert _same(tsv) >= 10
    _dataset, batches = stream_source(tsv)
    found = list(batches)
    assert len(found) >= 2 and {o.table for b in found for o in b} == tables


def test_bulk_tsv_of_a_real_sdmx_csv(tmp_path) -> None:
    tsv = _as_bulk_tsv(
        SHARED_DATA / "eurostat/estat_tps00176_en.csv", tmp_path / "estat_tps00176.tsv"
    )
    assert _same(tsv) > 100


@pytest.mark.parametrize("broken_down", [True, False])
def test_a_table_kept_only_if_broken_down_is_decided_with_bounded_memory(
    tmp_path, monkeypatch, broken_down: bool
) -> None:
    """A01V is kept when the file breaks DURATION down: until a row says so its observations
    are held, and past the bound the file is scanned for DURATION alone."""
    path = tmp_path / "estat_migr_resfirst.tsv"
    write_bulk_tsv(
        path, series=400, years=range(2010, 2020), durations="last" if broken_down else "none"
    )
    monkeypatch.setattr(coded_stream, "DRAIN", 10)
    monkeypatch.setattr(eurostat_files, "HOLD", 300)
    scans = []
    real = coded_stream.CodedStream._scan

    def scan(self, pending):
        scans.append(len(pending))
        return real(self, pending)

    monkeypatch.setattr(coded_stream.CodedStream, "_scan", scan)
    n = _same(path)
    assert scans == [1]  # the stream scanned once; the whole read held them instead
    tables = {o.table for o in read_source(path).observations}
    assert tables == ({"A01", "A01V"} if broken_down else {"A01"})
    assert n == (12_000 if broken_down else 4_000)


def test_an_error_in_the_middle_names_its_line(tmp_path) -> None:
    path = tmp_path / "estat_migr_resfirst.tsv"
    write_bulk_tsv(path, series=300, years=range(2010, 2015))
    lines = path.read_text().splitlines(keepends=True)
    lines[250] = lines[250].replace("\t", "\t12x ", 1)
    path.write_text("".join(lines))
    _, _, failed = _streamed(path)
    assert failed is not None and failed[2].line == 251 and "estat_migr_resfirst.tsv" in failed[0]
    assert failed == _whole(path)[1]


@pytest.mark.parametrize(
    ("path", "options", "count"),
    [
        (POP, POP_OPTIONS, None),
        (POP, dict(POP_OPTIONS, area_column="alpha3|country_code"), None),
        (STOCK, STOCK_OPTIONS, None),
        (STOCK, dict(STOCK_OPTIONS, dimensions=["COUNTRY_BIRTH=FOR"]), 0),
    ],
)
def test_long_tables_stream_as_they_read(monkeypatch, path, options, count) -> None:
    """UN DESA's long tables (``--source columns``), also with options that skip rows or stop."""
    monkeypatch.setattr(columns_read, "BATCH", 100)
    found = _same(path, source="columns", **options)
    assert found == count if count is not None else found > 1000
    if count is None:
        _dataset, batches = stream_source(path, source="columns", **options)
        assert len(list(batches)) > 10


@pytest.mark.parametrize("form", ["structure-specific", "generic", "flat"])
def test_sdmxml_streams_as_it_reads(tmp_path, monkeypatch, form: str) -> None:
    """Eurostat's demography message (with the table made from its data structure) in each
    form of SDMX-ML: the same 60 observations, in batches."""
    table_from_dsd([STRUCTURE], folder=tmp_path / "registry")
    registry = Registry([DEFINITIONS, tmp_path / "registry"])
    path = (
        DEMOGRAPHY
        if form == "structure-specific"
        else _generic(DEMOGRAPHY, tmp_path / "generic.xml", flat=form == "flat")
    )
    monkeypatch.setattr(coded_stream, "BATCH", 10)
    monkeypatch.setattr(coded_stream, "DRAIN", 3)
    assert _same(path, registry=registry) == 60
    _dataset, batches = stream_source(path, registry=registry)
    assert len(list(batches)) >= 5


def _traced_peak(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        result = import_file(path, source="eurostat", dry_run=True)
        return result.observations, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_of_a_streamed_bulk_tsv_does_not_grow_with_the_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(spill, "CHUNK", 2_000)
    monkeypatch.setattr(importing, "KEPT", 1_000)
    monkeypatch.setattr(coded_stream, "BATCH", 2_000)
    small, large = (
        tmp_path / "small" / "migr_resfirst.tsv",
        tmp_path / "large" / "migr_resfirst.tsv",
    )
    small.parent.mkdir()
    large.parent.mkdir()
    write_bulk_tsv(small, series=600, years=range(2010, 2020))
    write_bulk_tsv(large, series=2400, years=range(2010, 2020))
    import_file(small, source="eurostat", dry_run=True)  # every module and code list loaded
    counted_small, peak_small = _traced_peak(small)
    counted_large, peak_large = _traced_peak(large)
    assert (counted_small, counted_large) == (18_000, 72_000)
    assert peak_large < 1.2 * peak_small, (peak_small, peak_large)


def _long_table(path: Path, years: range) -> int:
    """UN DESA's population totals (``pop_totals_2020.csv``), every country's row repeated for
    each of ``years`` (distinct area and period); the number of country rows written."""
    import csv

    with POP.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["alpha3"] != "NA"]
    first = {r["alpha3"]: r for r in rows}
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["name", "country_code", "year", "pop", "alpha3"])
        for year in years:
            for r in first.values():
                writer.writerow([r["name"], r["country_code"], year, r["pop"], r["alpha3"]])
    return len(first) * len(years)


def test_memory_of_a_streamed_long_table_does_not_grow_with_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(spill, "CHUNK", 2_000)
    monkeypatch.setattr(importing, "KEPT", 1_000)
    monkeypatch.setattr(columns_read, "BATCH", 2_000)
    options = dict(POP_OPTIONS, area_column="alpha3")
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    rows_small = _long_table(small, range(1900, 1940))
    rows_large = _long_table(large, range(1900, 2060))
    import_file(small, source="columns", dry_run=True, **options)  # every module loaded
    peaks = []
    for path, rows in ((small, rows_small), (large, rows_large)):
        tracemalloc.start()
        try:
            result = import_file(path, source="columns", dry_run=True, **options)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert result.observations == rows
    assert rows_large == 4 * rows_small > 30_000
    assert peaks[1] < 1.2 * peaks[0], peaks
