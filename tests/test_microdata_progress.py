"""Progress of a DuckDB tabulation: the scan reports DuckDB's own progress in per cent, ending
at 100 %, and the command shows it on stderr as "Reading <file>"; a scan that fails still
raises its error, naming the record, with progress asked for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migstat.model import InputError
from tests.test_microdata import MINIMAL, RECORDS, run, write


def test_the_duckdb_scan_reports_its_progress_to_the_end(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    result = run(tmp_path, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (100, 100)
    assert all(total == 100 and 0 <= done <= 100 for done, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert result.records == 6


def test_a_failing_scan_with_progress_still_names_the_record(tmp_path: Path) -> None:
    records = RECORDS.replace("\n5,1,34,643,RUS,3,2\n", "\n5,1,34,643,RUS,3,-2\n")
    assert records != RECORDS
    with pytest.raises(InputError) as caught:
        run(tmp_path, records=records, progress=lambda done, total: None)
    assert caught.value.where.file == "persons.csv" and caught.value.where.line == 6


def test_the_command_shows_the_progress_on_stderr(tmp_path: Path, cli) -> None:
    data = write(tmp_path, "persons.csv", RECORDS)
    mapped = write(tmp_path, "map.yaml", MINIMAL)
    code, _text, err = cli(
        "tabulate", str(data), "--mapping", str(mapped), "--country", "KGZ",
        "--reference-date", "2022-03-01", "-o", str(tmp_path / "out.csv"),
    )  # fmt: skip
    assert code == 0, err
    assert "Reading persons.csv" in err
