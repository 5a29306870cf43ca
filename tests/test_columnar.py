"""The columnar import gives exactly what the row path gives: the same result (findings with
their rule, severity, place, parameters and order; summary; mapping report; the first
observations; the error of a file that stops) and the same stored rows, on UNHCR's real files
and on generated files with every case the reader knows; where it cannot, it leaves the file
to the row path before anything is stored."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migstat.importing import COLUMNS, ROWS, ImportResult, import_file
from migstat.model import MigstatError
from migstat.store import Store
from migstat.store import schema as S
from migstat.validation.chunked import FINDINGS_PER_RULE, RULE_MORE
from tests.conftest import fresh_pg_database

UNHCR = Path(__file__).resolve().parents[2] / "shared" / "data" / "unhcr"
REAL = sorted(p.name for p in UNHCR.glob("*.csv"))

HEADER = ["year", "orig", "dest", "refugees", "asylum_seekers"]
EVERY_CASE = [
    ["2019", "AFG", "DEU", "100", "20"],
    ["2019", "AFG", "DEU", "100", "20"],  # a duplicate
    ["2019", "AFG", "DEU", "101", "21"],  # the same cell a third time: counted
    ["2019", "SYR", "DEU", "NA", "5"],
    ["2019", "ZZZ", "DEU", "7", "1"],  # an unknown code
    ["2019", "Atlantis", "AUT", "7", "1"],  # an unknown name
    ["2019", "XXA", "DEU", "4", "0"],
    ["2019", "", "DEU", "2", "0"],
    ["2019", "UKN", "DEU", "1", "0"],
    ["2019", "TIB", "IND", "50", "0"],
    ["2019", " CHN ", "IND", " 10 ", "0"],
    ["1996", "AFG", "XXA", "5", "7"],  # no country of asylum
    ["1996", "AFG", "", "5", "7"],
    ["2019", "IRQ", "AUT", "-5", "2"],
    ["2019", "IRN", "AUT", "2.5", "1"],
    ["2020", "AFG", "DEU", "1 200", "30"],
    ["2020", "DEU", "DEU", "0", "0"],  # origin = asylum country
    ["2020", "SYR", "TUR", "3600000", ".."],
    ["2020", "SYR", "TUR", "-", "\u2026"],
    ["2020", "SUN", "RUS", "3", ""],  # a code withdrawn before the period
    ["2020", "Germany", "France", "3", "4"],
    ["2020", "AFG", "DEU", "007", "0"],
    ["", "", "", "", ""],  # skipped by the csv reader
]


def write(
    path: Path,
    rows: list[list[str]],
    *,
    header: list[str] = HEADER,
    preamble: str = "",
    bom: bool = False,
    crlf: bool = False,
    quote_all: bool = False,
) -> Path:
    out = io.StringIO()
    writer = csv.writer(
        out,
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (preamble + out.getvalue()).encode())
    return path


def _run(path: Path, columnar: bool, **options: Any) -> ImportResult | MigstatError:
    try:
        return import_file(path, source="unhcr", columnar=columnar, **options)
    except MigstatError as stop:
        return stop


def _said(f: Any) -> tuple:
    return (
        f.rule,
        str(f.severity),
        f.table,
        f.where,
        f.params,
        f.values,
        f.key,
        f.related,
        f.text("en"),
        f.text("ru"),
    )


def assert_same(rows: ImportResult | MigstatError, cols: ImportResult | MigstatError) -> None:
    """The same outcome: an error with the same text and place, or the same result."""
    if isinstance(rows, MigstatError):
        assert isinstance(cols, MigstatError), cols
        assert (type(cols), cols.text("en"), cols.where) == (
            type(rows),
            rows.text("en"),
            rows.where,
        )
        return
    assert isinstance(cols, ImportResult), cols
    assert [_said(f) for f in cols.findings] == [_said(f) for f in rows.findings]
    assert cols.findings == rows.findings
    assert cols.summary == rows.summary
    assert cols.mapping == rows.mapping
    assert cols.dataset.observations == rows.dataset.observations
    assert [o.where for o in cols.dataset.observations] == [
        o.where for o in rows.dataset.observations
    ]
    assert cols.dataset.metadata == rows.dataset.metadata
    assert cols.dataset.provenance == rows.dataset.provenance
    assert cols.dataset.findings == rows.dataset.findings
    assert (cols.file_name, cols.source, cols.observations) == (
        rows.file_name,
        rows.source,
        rows.observations,
    )
    assert bool(cols.errors) == bool(rows.errors)  # the command's exit status


def both(path: Path, taken: str | None = COLUMNS, **options: Any) -> ImportResult | MigstatError:
    rows = _run(path, False, **options)
    cols = _run(path, True, **options)
    assert_same(rows, cols)
    if taken is not None and isinstance(cols, ImportResult):
        assert cols.path_taken == taken
    return cols


@pytest.mark.parametrize("name", REAL)
def test_the_real_files_give_the_same_dry_run(name: str) -> None:
    result = both(UNHCR / name, dry_run=True)
    assert isinstance(result, ImportResult) and result.observations > 2000


def test_both_header_styles_are_among_the_real_files() -> None:
    headers = {(UNHCR / n).read_text(encoding="utf-8").split(",")[0] for n in REAL}
    assert {"year", "Year"} <= headers


@pytest.mark.parametrize(
    "style",
    [
        {},
        {"bom": True},
        {"crlf": True},
        {"quote_all": True},
        {"preamble": "UNHCR Refugee Data Finder\nDate extracted: 2024-06-01\n\n"},
        {"bom": True, "crlf": True, "preamble": "Refugee statistics\r\n"},
    ],
    ids=["plain", "bom", "crlf", "quoted", "preamble", "bom-crlf-preamble"],
)
def test_every_case_the_reader_knows_gives_the_same_result(tmp_path, style) -> None:
    path = write(tmp_path / "every.csv", EVERY_CASE, **style)
    result = both(path, dry_run=True)
    assert isinstance(result, ImportResult)
    rules = {f.rule for f in result.findings}
    assert {
        "STRUCT_DUPLICATE",
        "IMPORT_UNMATCHED_NAME",
        "IMPORT_NO_REF_AREA",
        "STRUCT_NEGATIVE",
        "STRUCT_NOT_INTEGER",
        "STRUCT_UNKNOWN_CODE",
        "FINDINGS_MORE",
    } <= rules
    dup = next(f for f in result.findings if f.rule == RULE_MORE)
    assert dup.params["rule"] == "STRUCT_DUPLICATE" and dup.params["count"] == 2


def test_an_unknown_code_stops_as_the_row_path_stops(tmp_path) -> None:
    path = write(tmp_path / "zzz.csv", EVERY_CASE)
    stop = both(path)  # not a dry run: an unknown code is an error unless allowed
    assert isinstance(stop, MigstatError) and stop.where.line == 6


@pytest.mark.parametrize(
    ("bad", "line", "column"),
    [
        (["2019", "AFG", "DEU", "many", "1"], 4, "refugees"),
        (["2019", "AFG", "DEU", "1", "some"], 4, "asylum_seekers"),
        (["19x9", "AFG", "DEU", "1", "1"], 4, "year"),
        (["2019", "AFG", "XXA", "many", "1"], 5, "year"),  # a skipped row's value: not read
        (["2019", "AFG", "DEU", "1", "99999999999999999"], 4, "asylum_seekers"),  # > 2**53
        (["2019", "AFG", "DEU", "1e23", "1"], 4, "refugees"),
    ],
)
def test_a_file_that_stops_names_the_same_line(tmp_path, bad, line, column) -> None:
    rows = [["2019", "SYR", "DEU", "1", "1"], ["2018", "SYR", "DEU", "1", "1"], bad]
    rows += [["20x0", "AFG", "DEU", "1", "1"], ["2020", "AFG", "DEU", "x", "1"]]
    stop = both(write(tmp_path / "stop.csv", rows), dry_run=True)
    assert isinstance(stop, MigstatError)
    assert (stop.where.line, stop.where.column) == (line, column)


@pytest.mark.parametrize(
    "text",
    [
        'year,orig,dest,refugees,asylum_seekers\n2019,AFG,"DE\nU",1,2\n',  # a field over 2 lines
        "year,orig,dest,refugees,asylum_seekers\n2019,AFG,DEU,1,2\n\n2020,AFG,DEU,1,2\n",
        "year,orig,dest,refugees,asylum_seekers\r2019,AFG,DEU,1,2\r",  # lone carriage returns
        "year,orig,dest,refugees,asylum_seekers\n2019,AFG,DEU,1,2,9\n",  # more than the header
        "year,orig,dest,refugees,asylum_seekers\n2019,AFG,DEU,1,2\n   \n2020,AFG,DEU,1,2\n",
    ],
    ids=["multiline", "blank-line", "cr", "wide", "blanks"],
)
def test_a_file_duckdb_reads_otherwise_takes_the_row_path(tmp_path, text) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(text, encoding="utf-8", newline="")
    both(path, taken=ROWS, dry_run=True)


def test_a_stray_quote_is_read_alike(tmp_path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('year,orig,dest,refugees,asylum_seekers\n2019,A"FG,DEU,1,2\n', encoding="utf-8")
    both(path, taken=None, dry_run=True)


def test_a_file_not_in_utf8_takes_the_row_path(tmp_path) -> None:
    path = tmp_path / "cp1251.csv"
    path.write_bytes("год,orig,dest,refugees\n2019,AFG,DEU,5\n".encode("cp1251"))
    both(path, taken=ROWS, dry_run=True)


def test_repetitions_past_the_bound_are_counted(tmp_path) -> None:
    rows = [[str(y), "AFG", "DEU", "1", "2"] for y in range(2000, 2020) for _ in range(60)]
    result = both(write(tmp_path / "many.csv", rows), dry_run=True)
    assert isinstance(result, ImportResult)
    duplicates = [f for f in result.findings if f.rule == "STRUCT_DUPLICATE"]
    more = next(f for f in result.findings if f.rule == RULE_MORE)
    # each of the 20 x 2 cells' second reading reported, the 58 further ones counted
    assert len(duplicates) == 40 < FINDINGS_PER_RULE
    assert more.params["count"] == 20 * 2 * 58


# -- the stored rows -------------------------------------------------------------------------

VOLATILE = {"id", "submitted_at", "recorded_at", "stored_at", "released_at", "submission_id"}


def dump(store: Store) -> dict[str, list[tuple]]:
    """Every stored row but ids and times, in the order stored (observations with their
    slice's table, area and period)."""
    out: dict[str, list[tuple]] = {}
    with store.reading() as conn:
        for table in (
            S.raw_file,
            S.raw_file_chunk,
            S.submission,
            S.slice_,
            S.finding,
            S.table_metadata,
            S.release,
        ):
            columns = [c for c in table.c if c.name not in VOLATILE]
            order = table.c.id if "id" in table.c else columns[0]
            out[table.name] = [tuple(r) for r in conn.execute(sa.select(*columns).order_by(order))]
        o, s = S.observation, S.slice_
        columns = [c for c in o.c if c.name not in VOLATILE | {"slice_id"}]
        query = (
            sa.select(s.c.table_id, s.c.ref_area, s.c.time_period, *columns)
            .join(s, s.c.id == o.c.slice_id)
            .order_by(o.c.id)
        )
        out["observation"] = [tuple(r) for r in conn.execute(query)]
    return out


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_stores(request, tmp_path) -> Iterator[tuple[Store, Store]]:
    """Two empty stores on the same database system."""
    if request.param == "sqlite":
        urls = iter([f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"])
        with Store.open(next(urls)) as a, Store.open(next(urls)) as b:
            yield a, b
        return
    first, second = fresh_pg_database(), fresh_pg_database()
    with Store.open(next(first)) as a, Store.open(next(second)) as b:
        yield a, b
    for made in (first, second):
        next(made, None)


def _stored_both(path: Path, stores: tuple[Store, Store], **options: Any) -> ImportResult:
    by_rows, by_columns = stores
    rows = _run(path, False, store=by_rows, **options)
    cols = _run(path, True, store=by_columns, **options)
    assert_same(rows, cols)
    assert isinstance(cols, ImportResult) and cols.path_taken == COLUMNS
    assert isinstance(rows, ImportResult) and rows.record is not None
    assert cols.record is not None
    assert (cols.record.status, cols.record.n_observations) == (
        rows.record.status,
        rows.record.n_observations,
    )
    assert dump(by_columns) == dump(by_rows)
    return cols


@pytest.mark.parametrize("name", REAL)
def test_the_real_files_are_stored_alike(two_stores, name: str) -> None:
    result = _stored_both(UNHCR / name, two_stores, allow_unmatched=True)
    assert result.record is not None and result.record.n_observations > 2000


def test_every_case_is_stored_alike(two_stores, tmp_path) -> None:
    path = write(tmp_path / "every.csv", EVERY_CASE, quote_all=True, crlf=True)
    result = _stored_both(path, two_stores, allow_unmatched=True)
    assert result.record is not None and result.record.status == "rejected"


def test_a_clean_file_is_accepted_alike(two_stores, tmp_path) -> None:
    clean = write(tmp_path / "clean.csv", [r for r in EVERY_CASE[3:5] if r[1] != "ZZZ"])
    tidy = _stored_both(clean, two_stores)
    assert tidy.record is not None and tidy.record.status == "accepted"


def test_a_later_vintage_is_checked_against_the_earlier_alike(two_stores, tmp_path) -> None:
    """Year-on-year compares with the provider's earlier vintage in the store."""
    first = write(tmp_path / "a.csv", [["2019", "AFG", "DEU", "1000", "1"], EVERY_CASE[3]])
    by_rows, by_columns = two_stores
    assert import_file(first, store=by_rows, source="unhcr", columnar=False).record
    assert import_file(first, store=by_columns, source="unhcr").path_taken == COLUMNS
    rows = [["2020", "AFG", "DEU", "90000", "1"], ["2020", "SYR", "DEU", "7", "5"]]
    second = write(tmp_path / "b.csv", [*rows, ["2021", "AFG", "AUT", "9", "9"]])
    again = _stored_both(second, two_stores)
    assert any(f.rule == "TIME_YOY_JUMP" for f in again.findings)


def test_a_failure_half_way_stores_nothing(store, tmp_path, monkeypatch) -> None:
    import migstat.columnar.run as run

    monkeypatch.setattr(run, "ROWS", 50)  # many chunks
    rows = [[str(y), o, "DEU", "1", "2"] for y in range(2000, 2010) for o in ("AFG", "SYR")]
    rows += [[str(y), "AFG", "AUT", "1", "2"] for y in range(2000, 2010)]
    path = write(tmp_path / "u.csv", rows)
    original = run.ColumnarRun._rows
    calls = []

    def failing(self, first, last):
        calls.append(first)
        if len(calls) == 2:  # one chunk is in the store's transaction by now
            raise OSError("disk full")
        return original(self, first, last)

    monkeypatch.setattr(run.ColumnarRun, "_rows", failing)
    with pytest.raises(OSError, match="disk full"):
        import_file(path, store=store, source="unhcr")
    with store.reading() as conn:
        counts = {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (S.raw_file, S.raw_file_chunk, S.submission, S.slice_, S.observation)
        }
    assert set(counts.values()) == {0}


# -- any small file --------------------------------------------------------------------------

_YEARS = st.sampled_from(["2019", "2020", "1996", " 2021", "2019 "])
_ORIGINS = st.sampled_from(
    ["AFG", "SYR", "DEU", "", "UKN", "XXA", "TIB", "ZZZ", "Germany", "sun", "Korea, Republic of"]
)
_DESTS = st.sampled_from(
    ["DEU", "AUT", "XXA", "", "TUR", "France", "QQQ", " ", "C\u00f4te d'Ivoire"]
)
_VALUES = st.sampled_from(["0", "5", "12", "NA", "..", "", "-", "1 200", "2.5", "-3", "007"])
_ROW = st.tuples(_YEARS, _ORIGINS, _DESTS, _VALUES, _VALUES).map(list)
_RARE = st.sampled_from([["20x9", "AFG", "DEU", "1", "1"], ["2019", "AFG", "DEU", "lots", "1"]])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.one_of(_ROW, _ROW, _ROW, _ROW, _ROW, _ROW, _RARE), min_size=1, max_size=14),
    crlf=st.booleans(),
    quote_all=st.booleans(),
    dry_run=st.booleans(),
    bom=st.booleans(),
)
def test_any_small_unhcr_file_gives_the_same_result(
    tmp_path_factory, rows, crlf, quote_all, dry_run, bom
) -> None:
    folder = tmp_path_factory.mktemp("any")
    path = write(folder / "any.csv", rows, crlf=crlf, quote_all=quote_all, bom=bom)
    both(path, taken=None, dry_run=dry_run)


def test_a_figure_the_store_would_round_is_refused_on_both_paths(tmp_path) -> None:
    """17 digits are more than a 64-bit float holds exactly: stored, 99999999999999999
    would read back as 100000000000000000. 2**53 itself is kept."""
    rows = [["2019", "SYR", "DEU", "99999999999999999", "1"]]
    stop = both(write(tmp_path / "big.csv", rows), dry_run=True)
    assert isinstance(stop, MigstatError) and "too large to be kept exactly" in stop.text("en")
    assert "слишком велико" in stop.text("ru") and stop.where.line == 2
    rows = [["2019", "SYR", "DEU", str(2**53), "1"]]
    result = both(write(tmp_path / "edge.csv", rows), dry_run=True)
    assert not isinstance(result, MigstatError)
