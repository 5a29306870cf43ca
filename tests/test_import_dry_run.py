"""What a dry run of ``migstat import`` says must be what the import would do: a file from
which no row reaches a table is not "can be accepted"; a category without a mapping is listed
with the table it was meant for. English and Russian."""

from __future__ import annotations

from pathlib import Path

from tests.shared import SHARED_DATA
from tests.test_mapping import reasons_px

TPS00191 = SHARED_DATA / "eurostat" / "estat_tps00191_sdmxcsv_labels__jatofi.csv"
"""Eurostat's asylum applicants, every row's citizenship the "Extra-EU27" aggregate: nothing
in the file is a country's figure, so nothing reaches A05."""


def test_a_dry_run_with_nothing_to_store_is_not_acceptable(cli, tmp_path: Path) -> None:
    code, out, err = cli("import", str(TPS00191), "--dry-run")
    assert code == 1, err
    assert "No observations were read." in out
    assert "Nothing to store: no row of the file reached a migstat table" in out
    assert "can be accepted" not in out and "Errors block acceptance" in out
    code, out, _ = cli("--lang", "ru", "import", str(TPS00191), "--dry-run")
    assert code == 1 and "Сохранять нечего" in out and "Ошибок нет" not in out
    # the import itself stops the same way (and stores nothing)
    db = tmp_path / "s.db"
    code, _, err = cli("--db", str(db), "import", str(TPS00191))
    assert code == 2 and "Nothing to store" in err


def test_an_unmapped_category_names_its_table(cli, tmp_path: Path) -> None:
    path = reasons_px(tmp_path / "reasons.px")
    args = ("import", str(path), "--country", "KGZ", "--year", "2024", "--dry-run")
    code, out, err = cli(*args)
    assert code == 0, err
    listed = [line for line in out.splitlines() if line.startswith("  - ")]
    work = [line for line in listed if "работа" in line and "переменой" not in line]
    assert len(work) == 1, listed
    assert work[0].startswith("  - A01 (First residence permits issued to foreigners"), work[0]
    assert "has no mapping" in work[0]
    code, out, _ = cli("--lang", "ru", *args)
    work = [line for line in out.splitlines() if "работа" in line and line.startswith("  - ")]
    assert any(line.startswith("  - A01 (Разрешения на проживание") for line in work), work
    assert "Would store" in cli(*args)[1]  # the rest of the file is stored: no refusal
