"""Every reader that holds its file whole has a size limit of its own, checked before the file
is read: over it, the file is refused with an error naming the file, its size, the limit, why
(the reader holds the file) and the setting that raises it, in English and Russian, and the
store is left as it was (``migstat/formats/limits.py``, ``WHOLE_READERS``)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from migstat.formats.limits import WHOLE_READERS, max_whole_bytes
from migstat.formats.questionnaire import write_template
from migstat.model import MigstatError
from migstat.sources import read_source, stream_source
from tests.shared import SHARED_DATA

FIRST = SHARED_DATA / "unhcr" / "unhcr_ukraine_origin_1992_export__jatofi.csv"
"""A streamed file imported first, so that the store has something to keep."""

COLLECTION = "collection of eurostat/eurostat_migr_resfirst_BY.json"
"""A JSON-stat collection holding Eurostat's real answer: a collection is read whole (a
dataset alone streams)."""

# (file of shared/data, --source, key of WHOLE_READERS)
WHOLE_FILES = [
    (COLLECTION, "eurostat", "jsonstat"),
    (COLLECTION, "jsonstat", "jsonstat"),
    ("belstat/belstat_arrivals_oblast_2010-2019.json", "belstat", "belstat"),
    ("cisstat/cis_migration.csv", "cisstat", "cisstat"),
    ("reference/ffs_demo/e5_science2014_bd_rescale__expected_sum_od.csv", "matrix", "matrix"),
    ("un_desa/UN_MigrantStockByOriginAndDestination_2019_clean.csv", "undesa", "undesa"),
    ("un_desa/UN_MigrantStockTotal_2017.xlsx", "undesa", "xlsx"),
    (
        "cis_admin/ru_mvd_2RD_migration_situation_2016_regions_countries__GeorgyGol.xls",
        "mvd",
        "mvd",
    ),
]


def _file(rel: str, folder: Path) -> Path:
    if rel != COLLECTION:
        return SHARED_DATA / rel
    answer = json.loads((SHARED_DATA / rel.split()[-1]).read_text("utf-8"))
    path = folder / "collection.json"
    path.write_text(json.dumps({"class": "collection", "link": {"item": [answer]}}), "utf-8")
    return path


def _half(path: Path) -> str:
    """A limit in MB of half the file's size."""
    return str(path.stat().st_size / 2 / 1024 / 1024)


def _rows(db: Path) -> dict[str, int]:
    """Every table of the store with its row count."""
    with sqlite3.connect(db) as con:
        names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def test_every_whole_reader_has_a_limit_under_a_gibibyte() -> None:
    """The documented bound: the limit times the measured memory per MB stays under 1 GiB."""
    for key, whole in WHOLE_READERS.items():
        assert whole.default_mb * whole.per_mb <= 900, key
        assert max_whole_bytes(key) == int(whole.default_mb * 1024 * 1024)


@pytest.mark.parametrize(("rel", "source", "key"), WHOLE_FILES)
def test_a_file_over_its_readers_limit_is_refused_and_nothing_stored(
    cli, tmp_path: Path, monkeypatch, rel: str, source: str, key: str
) -> None:
    path = _file(rel, tmp_path)
    variable = WHOLE_READERS[key].variable
    db = tmp_path / "store.db"
    code, _, err = cli("--db", str(db), "import", str(FIRST))
    assert code == 0, err
    before = _rows(db)
    monkeypatch.setenv(variable, _half(path))
    size = f"{path.stat().st_size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")
    code, _, err = cli("--db", str(db), "import", str(path), "--source", source)
    assert code == 2, err
    assert path.name in err and variable in err and f"{size} MB" in err, err
    assert "holds the whole file in memory" in err and "Split the file" in err, err
    code, _, err = cli("--lang", "ru", "--db", str(db), "import", str(path), "--source", source)
    assert code == 2, err
    assert path.name in err and variable in err and "держит в памяти весь файл" in err, err
    assert _rows(db) == before
    # the reader's own entry points refuse it the same way, the stream too
    for read in (read_source, stream_source):
        with pytest.raises(MigstatError) as caught:
            read(path, source=source)
        assert variable in caught.value.text("en") and caught.value.where.file == path.name


def test_the_limit_is_per_reader(monkeypatch) -> None:
    """Another reader's limit does not touch a file: the Belstat answer reads with the
    JSON-stat limit at nothing."""
    path = SHARED_DATA / "belstat" / "belstat_arrivals_oblast_2010-2019.json"
    monkeypatch.setenv("MIGSTAT_MAX_JSONSTAT_MB", "0.001")
    assert read_source(path).observations


def test_a_questionnaire_over_its_limit_is_refused_before_it_is_read(
    cli, tmp_path: Path, monkeypatch
) -> None:
    path = write_template(tmp_path / "kgz.xlsx", country="KGZ", year=2024, tables=["F03"])
    variable = WHOLE_READERS["questionnaire"].variable
    db = tmp_path / "store.db"
    monkeypatch.setenv(variable, _half(path))
    for command in ("validate", "submit"):
        args = (command, str(path), "--country", "KGZ")
        code, _, err = cli("--db", str(db), *args)
        assert code == 2, err
        assert path.name in err and variable in err and "holds the whole file" in err, err
        code, _, err = cli("--lang", "ru", "--db", str(db), *args)
        assert code == 2 and variable in err and "держит в памяти весь файл" in err, err
    if db.exists():  # nothing of the file was stored
        assert (_rows(db)["submission"], _rows(db)["observation"]) == (0, 0)


def test_a_questionnaire_that_unpacks_over_its_limit_is_refused(
    cli, tmp_path: Path, monkeypatch
) -> None:
    """A workbook small on disk but large unpacked: the unpacked parts are what is held."""
    import zipfile

    path = write_template(tmp_path / "kgz.xlsx", country="KGZ", year=2024, tables=["F03"])
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(i.file_size for i in archive.infolist())
    assert unpacked > 2 * path.stat().st_size
    variable = WHOLE_READERS["questionnaire"].variable
    monkeypatch.setenv(variable, str((path.stat().st_size + unpacked) / 2 / 1024 / 1024))
    code, _, err = cli("validate", str(path), "--country", "KGZ")
    assert code == 2 and "The workbook unpacks to" in err and variable in err, err
    code, _, err = cli("--lang", "ru", "validate", str(path), "--country", "KGZ")
    assert code == 2 and "В распакованном виде книга" in err and variable in err, err
