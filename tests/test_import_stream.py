"""``migstat import`` as a stream: memory that does not grow with the file, duplicates found
with bounded memory, the raw file stored in pieces, and nothing half-written on a failure."""

from __future__ import annotations

import csv
import random
import tracemalloc
from pathlib import Path

import pytest
import sqlalchemy as sa

import migstat.importing as importing
import migstat.store.spill as spill
from migstat.api import import_file
from migstat.model import InputError, default_registry
from migstat.store import schema as S
from migstat.store.access import Principal
from migstat.store.rawfiles import CHUNK as PIECE
from migstat.validation.chunked import FINDINGS_PER_RULE, RULE_MORE, ChunkedValidation

COORDINATOR = Principal("coord", frozenset({"coordinator"}))
SEED = Path(__file__).resolve().parents[2] / "shared" / "data" / "unhcr" / "unhcr_2020.csv"


def _codes(n: int) -> list[str]:
    """Countries that R01 takes both as asylum country and origin: those UNHCR's own file
    uses in both columns (no finding about a code, so that findings do not blur the bound)."""
    with SEED.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    both = {r[1] for r in rows} & {r[2] for r in rows}
    area = default_registry().codelist("AREA").codes
    return sorted(c for c in both if c in area and len(c) == 3 and c.isalpha())[:n]


def write_unhcr(path: Path, years: range, *, codes: int = 60, repeat: int = 1) -> int:
    """A UNHCR data file: every origin x destination x year, each row ``repeat`` times; the
    number of distinct cells (two per row: refugees and asylum-seekers)."""
    rng = random.Random(13)
    names = _codes(codes)
    with path.open("w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["year", "orig", "dest", "refugees", "asylum_seekers"])
        for y in years:
            for d in names:
                for o in names:
                    row = [y, o, d, rng.randrange(100000), rng.randrange(5000)]
                    for _ in range(repeat):
                        w.writerow(row)
    return 2 * len(years) * len(names) ** 2


def _traced_peak(path: Path) -> tuple[int, int]:
    """(observations, peak bytes traced) of a dry run of ``path``."""
    tracemalloc.start()
    try:
        # the row path's bound (the spill's chunks); the columnar path's is in test_columnar
        result = import_file(path, source="unhcr", dry_run=True, columnar=False)
        return result.observations, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(tmp_path, monkeypatch) -> None:
    # small chunks, so that both files are many chunks long and the bound shows at test size
    monkeypatch.setattr(spill, "CHUNK", 2_000)
    monkeypatch.setattr(importing, "KEPT", 1_000)
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    n_small = write_unhcr(small, range(2000, 2004))
    n_large = write_unhcr(large, range(2000, 2016))
    import_file(small, source="unhcr", dry_run=True, columnar=False)  # every module loaded
    counted_small, peak_small = _traced_peak(small)
    counted_large, peak_large = _traced_peak(large)
    assert (counted_small, counted_large) == (n_small, n_large) == (28_800, 115_200)
    # four times the observations, the same memory (what grows: the periods in the summary)
    assert peak_large < 1.2 * peak_small, (peak_small, peak_large)


def test_repeated_rows_are_duplicates_counted_with_bounded_memory(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(spill, "CHUNK", 1_000)
    path = tmp_path / "repeated.csv"
    cells = write_unhcr(path, range(2010, 2012), codes=30, repeat=4)
    result = import_file(path, source="unhcr", dry_run=True)
    assert result.observations == cells + cells  # each cell once, and its first repetition
    duplicates = [f for f in result.findings if f.rule == "STRUCT_DUPLICATE"]
    more = [f for f in result.findings if f.rule == RULE_MORE]
    assert len(duplicates) == FINDINGS_PER_RULE
    assert len(more) == 1 and more[0].params["rule"] == "STRUCT_DUPLICATE"
    # three repetitions of each of the 3,600 cells: every one is counted
    assert len(duplicates) + more[0].params["count"] == 3 * cells
    assert duplicates[0].where is not None and duplicates[0].where.line is not None
    assert "not listed" in more[0].text("en")
    assert "не показаны" in more[0].text("ru")


def test_a_large_file_is_stored_in_pieces_and_read_back(store) -> None:
    result = import_file(SEED, store=store, source="unhcr", allow_unmatched=True)
    record = result.record
    assert record is not None and record.n_observations == result.observations == 187_862
    raw = SEED.read_bytes()
    assert len(raw) > PIECE  # more than one piece
    name, size, pieces = store.raw_file_pieces(record.id, principal=COORDINATOR)
    parts = list(pieces)
    assert (name, size) == ("unhcr_2020.csv", len(raw))
    assert len(parts) == -(-len(raw) // PIECE) and all(len(p) <= PIECE for p in parts)
    assert b"".join(parts) == raw == store.raw_file(record.id, principal=COORDINATOR)[1]
    with store.reading() as conn:
        content = conn.execute(sa.select(S.raw_file.c.content)).scalar_one()
    assert bytes(content) == b""  # held in the pieces only
    # the same file again: its pieces are not stored twice
    again = import_file(SEED, store=store, source="unhcr", allow_unmatched=True)
    assert again.record is not None and again.record.sha256 == record.sha256
    with store.reading() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(S.raw_file_chunk)).scalar()
    assert count == len(parts)


def _stored_rows(store) -> dict[str, int]:
    with store.reading() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (S.raw_file, S.raw_file_chunk, S.submission, S.slice_, S.observation)
        }


def test_a_failure_half_way_stores_nothing(store, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(spill, "CHUNK", 2_000)
    path = tmp_path / "u.csv"
    write_unhcr(path, range(2000, 2004))
    checked = []
    original = ChunkedValidation.check

    def failing(self, observations):
        checked.append(len(observations))
        if len(checked) == 4:  # three chunks are in the store's transaction by now
            raise OSError("disk full")
        return original(self, observations)

    monkeypatch.setattr(ChunkedValidation, "check", failing)
    with pytest.raises(OSError, match="disk full"):
        import_file(path, store=store, source="unhcr", columnar=False)
    assert len(checked) == 4
    assert set(_stored_rows(store).values()) == {0}


def test_nothing_to_store_is_refused_inside_the_transaction(store, tmp_path) -> None:
    path = tmp_path / "none.csv"
    path.write_text("year,orig,dest,refugees,asylum_seekers\n1996,AFG,XXA,5,7\n")
    with pytest.raises(InputError, match="Nothing to store"):
        import_file(path, store=store, source="unhcr")
    assert set(_stored_rows(store).values()) == {0}


def test_spill_gives_whole_areas_and_periods_sorted(tmp_path) -> None:
    from migstat.model.data import LineObservation, Location, Observation

    rows = [
        LineObservation("R01", area, f"{y}-12-31", (o, "REF"), y, file="f", line=i, column="c")
        for i, (y, area, o) in enumerate(
            (y, a, o) for y in (2001, 2000) for a in ("DEU", "AUT") for o in ("SYR", "AFG")
        )
    ]
    rows.append(
        Observation("S01", "AUT", "2000-12-31", ("_T",), 1.5, where=Location(sheet="S", cell="B2"))
    )
    with spill.Spill() as spilled:
        spilled.add(rows[:5])
        spilled.add(rows[5:])
        chunks = list(spilled.chunks(size=3))
    assert [len(c) for c in chunks] == [3, 4, 2]  # cut only between areas and periods
    first = chunks[0]
    assert [(o.table, o.ref_area, o.time_period, o.key) for o in first] == [
        ("R01", "AUT", "2000-12-31", ("AFG", "REF")),
        ("R01", "AUT", "2000-12-31", ("SYR", "REF")),
        ("S01", "AUT", "2000-12-31", ("_T",)),
    ]
    assert first[0].where == Location(file="f", line=7, column="c") and first[0].value == 2000
    assert isinstance(first[0].value, int) and first[2].value == 1.5
    assert first[2].where == Location(sheet="S", cell="B2")
    assert sum(len(c) for c in chunks) == len(rows)
