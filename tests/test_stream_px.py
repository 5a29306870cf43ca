"""PX tables read as a stream: on every real PX file, and on the PX files of the PX tests, the
stream (keywords first, then the DATA cell by cell, in pieces cut anywhere a cell may end) gives
exactly what the file's text read whole gives: the same observations with the same lines, the
same findings, metadata and errors; memory of a streamed PX import does not grow with the
file."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

import migstat.formats.px.stream as px_stream_format
import migstat.importing as importing
import migstat.sources.px_stream as px_stream
import migstat.store.spill as spill
from migstat.api import import_file
from migstat.formats.px.reader import read_px
from migstat.formats.px.stream import open_px
from migstat.model import MigstatError
from migstat.model.registry import default_registry
from migstat.sources import SOURCES, px, read_source, stream_source
from tests.pxfiles import px_text, write_px
from tests.shared import SHARED_DATA
from tests.streamfiles import write_px as write_large_px

REAL = sorted(p.name for p in (SHARED_DATA / "px").iterdir() if p.suffix.lower() == ".px")
OPTIONS = [{}, {"country": "SWE"}, {"country": "SWE", "allow_unmatched": True, "year": 2020}]


def _said(problem: MigstatError) -> tuple:
    return problem.text("en"), problem.text("ru"), problem.where


def _outcome(dataset) -> tuple:
    findings = [
        (f.rule, f.severity, f.table, f.where, f.text("en"), f.text("ru")) for f in dataset.findings
    ]
    return (
        [repr(o) for o in dataset.observations],
        findings,
        dataset.metadata,
        dataset.provenance,
        (dataset.format, dataset.provider, dataset.file_name),
    )


def _held(path: Path, **options) -> tuple:
    try:
        return _outcome(px.read_held(path, registry=default_registry(), **options))
    except MigstatError as problem:
        return ("error", *_said(problem))


def _streamed(path: Path, **options) -> tuple:
    """``read_source`` and the collected ``stream_source`` of the file, which must agree."""
    try:
        whole = _outcome(read_source(path, source="px", **options))
    except MigstatError as problem:
        whole = ("error", *_said(problem))
    try:
        dataset, batches = stream_source(path, source="px", **options)
        dataset.observations = [o for batch in batches for o in batch]
        streamed = _outcome(dataset)
    except MigstatError as problem:
        streamed = ("error", *_said(problem))
    if whole[0] != "error":
        assert sorted(whole[0]) == sorted(streamed[0])
        streamed = (whole[0], *streamed[1:])  # the batches' order is the file's, not by table
    assert streamed == whole
    return whole


def _same(path: Path, **options) -> int:
    """The stream and the whole text say the same; the number of observations."""
    held = _held(path, **options)
    assert _streamed(path, **options) == held
    return 0 if held[0] == "error" else len(held[0])


@pytest.fixture(autouse=True)
def _small_pieces(monkeypatch) -> None:
    """Pieces of a few characters and batches of a few cells: every cut is tried."""
    monkeypatch.setattr(px_stream_format, "CHUNK", 7)
    monkeypatch.setattr(px_stream, "BATCH", 5)


def test_the_px_reader_streams() -> None:
    assert SOURCES["px"].stream is px.stream


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("name", REAL)
def test_real_px_files_stream_as_they_read(name: str, options: dict) -> None:
    _same(SHARED_DATA / "px" / name, **options)


def test_real_px_files_give_observations() -> None:
    counts = {name: _same(SHARED_DATA / "px" / name, country="SWE") for name in REAL}
    assert len(REAL) == 4 and all(counts.values()) and sum(counts.values()) == 42, counts


@pytest.mark.parametrize(
    ("change", "observations"),
    [
        ({}, 54),
        ({"replace": ("3162", "3162 77")}, 0),  # a cell too many
        ({"replace": ("3162", "")}, 0),  # one too few
        ({"replace": ("3162", "12a")}, 0),  # a cell that is no number
        ({"replace": ("3162", "12a 3162 77")}, 0),  # both: the count is said first
        ({"replace": ("3162", "3162;")}, 54),  # a semicolon inside DATA, one after it
        ({"end": "\n garbage 1 2 3\n"}, 54),  # text after the last semicolon
        ({"replace": ("3162", '"3162"')}, 54),  # a quoted cell
        ({"replace": ('"2021"', '"2021', 1)}, 0),  # a quotation mark never closed
        ({"replace": ("DATA=", "DATUM=")}, 0),  # no DATA
    ],
)
@pytest.mark.parametrize("codepage", ["windows-1251", "utf-8"])
def test_px_files_stream_as_they_read(tmp_path, codepage, change, observations) -> None:
    text = px_text(codepage) + change.get("end", "")
    if "replace" in change:
        text = text.replace(*change["replace"])
    encoding = "cp1251" if "1251" in codepage else "utf-8"
    path = tmp_path / "table.px"
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    assert _same(path, country="KGZ") == observations
    assert _same(path, country="KGZ", table="F01") == observations


def test_a_bad_cell_is_named_by_its_line_when_streamed(tmp_path) -> None:
    path = write_px(tmp_path / "bad.px", "utf-8", data_override={40: "12a"})
    with pytest.raises(MigstatError) as caught:
        _dataset, batches = stream_source(path, source="px", country="KGZ")
        list(batches)
    where = caught.value.where
    assert where.file == "bad.px" and where.column == "DATA[41]"
    assert "12a" in path.read_text(encoding="utf-8").splitlines()[where.line - 1]


def test_stream_gives_the_lines_of_the_whole_text(tmp_path) -> None:
    path = tmp_path / "mig.px"
    write_large_px(path, series=2000, years=range(2000, 2004))
    held = read_px(path)
    streamed = open_px(path)
    assert streamed.px.variables == held.variables and streamed.px.keywords == held.keywords
    assert list(streamed.cells_with_lines()) == list(held.cells_with_lines())


def test_batches_of_a_stream_are_bounded(tmp_path) -> None:
    path = tmp_path / "mig.px"
    write_large_px(path, series=600, years=range(2000, 2004))
    _dataset, batches = stream_source(path, source="px")
    sizes = [len(b) for b in batches]
    assert len(sizes) > 100 and max(sizes) <= 5 + 1 and sum(sizes) > 2000


def _traced_peak(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        result = import_file(path, source="px", dry_run=True)
        return result.observations, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_of_a_streamed_px_does_not_grow_with_the_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(px_stream_format, "CHUNK", 1 << 16)
    monkeypatch.setattr(px_stream, "BATCH", 2_000)
    monkeypatch.setattr(spill, "CHUNK", 2_000)
    monkeypatch.setattr(importing, "KEPT", 1_000)
    small, large = tmp_path / "small" / "mig.px", tmp_path / "large" / "mig.px"
    small.parent.mkdir()
    large.parent.mkdir()
    cells_small = write_large_px(small, series=2_000, years=range(2001, 2011))
    cells_large = write_large_px(large, series=2_000, years=range(2001, 2041))
    import_file(small, source="px", dry_run=True)  # every module and code list loaded
    counted_small, peak_small = _traced_peak(small)
    counted_large, peak_large = _traced_peak(large)
    assert (counted_small, counted_large) == (cells_small, cells_large)
    assert cells_large == 4 * cells_small > 20_000
    assert peak_large < 1.2 * peak_small, (peak_small, peak_large)


@pytest.mark.parametrize(
    ("bound", "value", "change", "said"),
    [
        ("MAX_PENDING", 3, ("3162", "3162;"), "semicolon"),
        ("MAX_CELL", 50, ("3162", '"3162'), "without a break"),
        ("MAX_HEADER", 200, ("DATA=", "DATUM="), "keywords before DATA"),
    ],
)
def test_what_a_stream_holds_is_bounded(tmp_path, monkeypatch, bound, value, change, said) -> None:
    """Past each bound the file is refused by a clear error naming it and the line."""
    path = tmp_path / "table.px"
    path.write_text(px_text("utf-8").replace(*change), encoding="utf-8")
    assert _same(path, country="KGZ") in (0, 54)  # within the bounds, as read whole
    monkeypatch.setattr(px_stream_format, bound, value)
    with pytest.raises(MigstatError) as caught:
        _dataset, batches = stream_source(path, source="px", country="KGZ")
        list(batches)
    assert said in caught.value.text("en") and caught.value.text("ru") != caught.value.text("en")
    assert caught.value.where.file == "table.px" and caught.value.where.line > 1


def test_a_spill_of_many_columns_keeps_each_cells_column() -> None:
    """A PX file names every cell's column (``DATA[n]``): past the places the spill numbers,
    each row keeps its own, so that memory does not grow with the cells."""
    from migstat.model.data import Location, Observation

    cells = 3 * spill.PLACES
    observations = [
        Observation(
            "F01",
            "KGZ",
            "2021",
            (f"C{n:05}",),
            n,
            where=Location(file="t.px", line=n + 2, column=f"DATA[{n + 1}]"),
        )
        for n in range(cells)
    ]
    with spill.Spill() as spilled:
        spilled.add(observations)
        back = [o for chunk in spilled.chunks() for o in chunk]
        assert len(spilled._place_list) <= spill.PLACES + 1
    assert [(o.key, o.where.line, o.where.column) for o in back] == [
        (o.key, o.where.line, o.where.column) for o in observations
    ]


@pytest.mark.parametrize(
    ("rel", "variable"),
    [
        # JSON, parsed at once
        ("belstat/belstat_arrivals_oblast_2010-2019.json", "MIGSTAT_MAX_BELSTAT_MB"),
        # JSON-stat: a dataset streams, the import limit only
        ("eurostat/eurostat_migr_resfirst_BY.json", None),
        ("px/scb_pxweb_example__NPM_EXEMPEL1.PX", None),  # streamed: the import limit only
    ],
)
def test_a_file_read_whole_has_its_own_limit(monkeypatch, rel: str, variable: str | None) -> None:
    from migstat.formats.limits import WHOLE_READERS

    path = SHARED_DATA / rel
    for whole in WHOLE_READERS.values():
        monkeypatch.setenv(whole.variable, str(path.stat().st_size / 2 / 1024 / 1024))
    if variable is None and path.suffix.lower() == ".px":
        assert _same(path, country="SWE") > 0
        return
    if variable is None:
        assert read_source(path, allow_unmatched=True).observations
        return
    for read in (read_source, stream_source):
        with pytest.raises(MigstatError) as caught:
            read(path, allow_unmatched=True)
        said = caught.value.text("en")
        assert variable in said and caught.value.where.file == path.name


def test_a_sheet_read_has_a_cell_limit(tmp_path, monkeypatch) -> None:
    import openpyxl

    import migstat.sources.common as common

    path = tmp_path / "matrix.xlsx"
    workbook = openpyxl.Workbook()
    for row in range(40):
        workbook.active.append([f"r{row}", *range(10)])
    workbook.active.title = "Flows"
    workbook.save(path)
    assert len(common.sheet_rows(path)[1]) == 40
    monkeypatch.setattr(common, "MAX_SHEET_CELLS", 400)
    with pytest.raises(MigstatError) as caught:
        common.sheet_rows(path)
    assert caught.value.where.sheet == "Flows" and "400" in caught.value.text("ru")
