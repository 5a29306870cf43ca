"""What a submitted CSV file makes the program hold is bounded whatever the file: the distinct
reference areas and periods it names (held until the file is read), the warnings against other
sources of an upload (capped per rule like validation's findings), and the body that
``tabulate --submit`` sends (read from disk a piece at a time)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from migstat.formats.csvbase import MAX_AREAS, MAX_PERIODS

HEADER = "TABLE,REF_AREA,TIME_PERIOD,CITIZENSHIP,DURATION,SEX,OBS_VALUE\n"


def _rows(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for area, period in rows:
            out.write(f"F03,{area},{period},RUS,LT,M,12\n")
    return path


def test_a_file_naming_too_many_areas_is_refused_at_the_line(cli, tmp_path: Path) -> None:
    areas = [f"Z{n:05d}" for n in range(MAX_AREAS + 5)]
    path = _rows(tmp_path / "areas.csv", [(a, "2024") for a in areas])
    line = MAX_AREAS + 2  # the header is line 1
    code, _, err = cli("validate", str(path))
    assert code == 2, err
    assert f"more than {MAX_AREAS:,}".replace(",", "\u202f") in err and f"line {line}" in err
    assert "REF_AREA" in err and path.name in err
    code, _, err = cli("--lang", "ru", "validate", str(path))
    assert code == 2 and "территорий" in err and "REF_AREA" in err, err


def test_a_file_naming_too_many_periods_is_refused_at_the_line(
    cli, tmp_path: Path, monkeypatch
) -> None:
    periods = [f"{1000 + n // 12}-{n % 12 + 1:02d}-{n % 28 + 1:02d}" for n in range(MAX_PERIODS)]
    periods += [f"P{n}" for n in range(5)]
    path = _rows(tmp_path / "periods.csv", [("KGZ", p) for p in periods])
    code, _, err = cli("validate", str(path), "--country", "KGZ")
    assert code == 2, err
    assert f"line {MAX_PERIODS + 2}" in err and "TIME_PERIOD" in err, err
    code, _, err = cli("--lang", "ru", "validate", str(path), "--country", "KGZ")
    assert code == 2 and "периодов" in err, err


def test_the_areas_a_file_may_name_are_enough_for_every_country(tmp_path: Path) -> None:
    """The bound is above what a real file names: every area of the registry in one file."""
    from migstat.model import default_registry

    assert len(default_registry().areas.codes) < MAX_AREAS


@pytest.mark.parametrize("megabytes", [24])
def test_the_tables_sent_are_read_from_disk_a_piece_at_a_time(
    tmp_path: Path, megabytes: int
) -> None:
    from migstat.cli.upload import multipart_body

    data = tmp_path / "tables.csv"
    with data.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        line = "F03,KGZ,2024,RUS,LT,M,12\n"
        out.write(line * (megabytes * 1024 * 1024 // len(line)))
    meta = tmp_path / "tables.csv.metadata.json"
    meta.write_text('{"country": "KGZ"}', encoding="utf-8")
    fields = [("file", data, "text/csv"), ("metadata", meta, "application/json")]
    tracemalloc.start()
    try:
        pieces, length, media = multipart_body(fields, note="first \u0440\u0430\u0443\u043d\u0434")
        sent = 0
        head = b""
        for piece in pieces:
            sent += len(piece)
            if len(head) < 400:
                head += piece[:400]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sent == length > data.stat().st_size
    assert peak < 4 * 1024 * 1024, peak  # a piece of 1 MiB, not the file's 24 MB
    boundary = media.split("boundary=")[1]
    assert head.startswith(f"--{boundary}\r\n".encode())
    assert b'name="file"; filename="tables.csv"' in head and HEADER.encode() in head
