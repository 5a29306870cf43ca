"""``migstat import`` and ``migstat mapping`` end to end: dry runs, vintages by edition,
options for what a file does not say, errors in English and Russian."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.csvfiles import write_variant
from tests.pxfiles import COUNTRIES, px_text
from tests.shared import SHARED_DATA

WORKBOOK = SHARED_DATA / "un_desa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"


def _px(path: Path, *, edition: str = "20240315 09:00", change: int | None = None) -> Path:
    text = px_text("windows-1251").replace(
        'LAST-UPDATED="20240315 09:00"', f'LAST-UPDATED="{edition}"'
    )
    if change is not None:  # Russia, males, 2021: 1210 -> change
        text = text.replace("\n1210 1105 998\n", f"\n{change} 1105 998\n")
    path.write_bytes(text.replace("\n", "\r\n").encode("cp1251"))
    return path


def _rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def test_dry_run_shows_what_maps_and_stores_nothing(cli, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    path = _px(tmp_path / "arrivals.px")
    code, out, err = cli("--db", str(db), "import", str(path), "--country", "KGZ", "--dry-run")
    assert code == 0, err
    assert "Table F01: 54 observations, 1 reporting areas (KGZ), periods 2021 to 2023" in out
    assert "Country names that match no code: 0." in out
    assert "Dry run: nothing was stored." in out
    assert not db.exists()
    code, out, _ = cli(
        "--db", str(db), "--lang", "ru", "import", str(path), "--country", "KGZ", "--dry-run"
    )
    assert code == 0 and "Таблица F01: наблюдений 54" in out and "ничего не сохранено" in out


def test_unmatched_names_are_listed_and_skipped(cli, tmp_path: Path) -> None:
    text = px_text("utf-8", partners=[*COUNTRIES[:-1], ("999", "Страна Оз", "Land of Oz")])
    path = tmp_path / "oz.px"
    path.write_text(text, encoding="utf-8")
    code, out, _ = cli("import", str(path), "--country", "KGZ", "--dry-run")
    assert code == 0
    assert "Country names that match no code: 1." in out and "Страна Оз" in out
    assert "45 observations" in out  # the 9 cells of the unmatched partner are left out
    # a real import stores the rest of the file and reports the name left out
    code, out, err = cli("--db", str(tmp_path / "s.db"), "import", str(path), "--country", "KGZ")
    assert code == 0, err
    assert "Страна Оз" in out and "Closest codes" in out and "stored (accepted): 45" in out


def test_a_later_edition_is_a_new_vintage(cli, tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    first = _px(tmp_path / "arrivals_2024.px")
    code, out, err = cli("--db", db, "import", str(first), "--country", "KGZ")
    assert code == 0, err
    assert "Storing observations: 54/54" in err and "stored (accepted): 54" in out
    code, out, _ = cli("--db", db, "submissions")
    stored_at = out.strip().splitlines()[0].split("\t")[1]
    second = _px(tmp_path / "arrivals_2025.px", edition="20250310 08:00", change=1250)
    code, out, err = cli("--db", db, "import", str(second), "--country", "KGZ", "--edition", "2025")
    assert code == 0, err
    assert "edition 2025" in out

    def russia_males_2021(*extra: str) -> float:
        code, out, err = cli(
            "--db",
            db,
            "query",
            "F01",
            "--country",
            "KGZ",
            "--partner",
            "RUS",
            "--filter",
            "SEX=M",
            *extra,
        )
        assert code == 0, err
        return next(float(r["OBS_VALUE"]) for r in _rows(out) if r["TIME_PERIOD"] == "2021")

    assert russia_males_2021() == 1250
    assert russia_males_2021("--as-of", stored_at) == 1210
    code, out, _ = cli("--db", db, "submissions")
    providers = [line.split("\t")[2] for line in out.strip().splitlines()]
    assert providers == ["NSO_KGZ", "NSO_KGZ"]


def test_matrix_needs_table_and_year(cli, tmp_path: Path) -> None:
    rows = [
        ["orig\\dest", "Россия", "Казахстан"],
        ["Россия", "", "24 105"],
        ["Казахстан", "41 296", ""],
    ]
    path = write_variant(tmp_path / "cis.csv", rows, delimiter=";")
    code, _, err = cli("import", str(path), "--year", "2013")
    assert code == 2 and "--table" in err
    code, _, err = cli("--lang", "ru", "import", str(path), "--table", "F01")
    assert code == 2 and "--year" in err and "матрице" in err
    db = str(tmp_path / "s.db")
    code, out, err = cli(
        "--db",
        db,
        "import",
        str(path),
        "--table",
        "F01",
        "--year",
        "2013",
        "--provider",
        "CISSTAT",
        "--residence-rule",
        "permanent_registration",
        "--source-type",
        "register",
    )
    assert code == 0, out + err
    code, out, _ = cli("--db", db, "query", "F01", "--country", "RUS")
    (row,) = _rows(out)
    assert row["COUNTRY_PREV_RES"] == "KAZ" and float(row["OBS_VALUE"]) == 41_296


def test_bad_cells_and_unknown_sources(cli, tmp_path: Path) -> None:
    rows = [
        ["orig\\dest", "Россия", "Казахстан"],
        ["Россия", "", "24 1O5"],
        ["Казахстан", "41 296", ""],
    ]
    path = write_variant(tmp_path / "bad.csv", rows)
    code, _, err = cli("import", str(path), "--table", "F01", "--year", "2013")
    assert code == 2 and "bad.csv, line 2" in err and "24 1O5" in err
    code, _, err = cli("import", str(path), "--source", "nosuch")
    assert code == 2
    code, _, err = cli("import", str(tmp_path / "absent.px"))
    assert code == 2 and "absent.px" in err


def test_mapping_commands(cli, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    code, out, err = cli(
        "--db",
        db,
        "mapping",
        "set",
        "KGZ",
        "REASON",
        "по семейным обстоятельствам",
        "FAM=0.8",
        "OTH=0.2",
        "--source",
        "px",
    )
    assert code == 0, err
    assert "REASON KGZ/px v1" in out
    code, out, _ = cli(
        "--db", db, "mapping", "set", "KGZ", "REASON", "учёба", "EDUC", "--source", "px"
    )
    assert "v2" in out and "2 national categories" in out
    code, out, _ = cli("--db", db, "mapping", "list", "--all")
    assert [line.split("\t")[3] for line in out.strip().splitlines()] == ["v1", "v2"]
    code, out, _ = cli(
        "--db", db, "mapping", "show", "KGZ", "REASON", "--source", "px", "--version", "1"
    )
    assert "по семейным обстоятельствам\t\tFAM\t0.8" in out and "учёба" not in out
    exported = tmp_path / "maps.csv"
    code, _, _ = cli("--db", db, "mapping", "export", "-o", str(exported))
    assert code == 0
    text = exported.read_text(encoding="utf-8")
    assert text.splitlines()[0] == (
        "country,source,codelist,national_code,national_label,target,share"
    )
    code, out, _ = cli("--db", db, "mapping", "import", str(exported))
    assert code == 0 and "v3" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace("0.2", "0.3"), encoding="utf-8")
    code, _, err = cli("--db", db, "--lang", "ru", "mapping", "import", str(bad))
    assert code == 2 and "bad.csv" in err
    assert "1.1" in err and "Traceback" not in err
    code, _, err = cli("--db", db, "mapping", "set", "KGZ", "REASON", "x", "NOPE")
    assert code == 2 and "NOPE" in err
    code, _, err = cli("--db", db, "mapping", "show", "KAZ", "REASON")
    assert code == 2 and "KAZ" in err


@pytest.mark.skipif(not WORKBOOK.exists(), reason="shared data not available")
def test_undesa_workbook_import(cli, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    code, out, err = cli("--db", db, "import", str(WORKBOOK), "--dry-run")
    assert code == 0, err
    assert "source undesa, provider UN_DESA, edition 2019" in out
    assert "Table S01: 4872 observations, 232 reporting areas" in out
    code, out, err = cli("--db", db, "import", str(WORKBOOK))
    assert code == 0 and "stored (accepted): 4872 observations" in out
    # Table 1!F269, Andorra 1990, both sexes: 38891.00000000001 in the workbook
    code, out, _ = cli(
        "--db",
        db,
        "query",
        "S01",
        "--country",
        "AND",
        "--from",
        "1990",
        "--to",
        "1990",
        "--filter",
        "SEX=_T",
    )
    (row,) = _rows(out)
    assert row["OBS_VALUE"] in ("38891", "38891.0") and row["COUNTRY_BIRTH"] == "FOR"


def test_the_publishers_estimates_are_not_called_mapping_splits(cli) -> None:
    """Eurostat's immigration file flags 20 values ``e``: they are the publisher's estimates,
    status E, and no mapping split anything."""
    path = SHARED_DATA / "eurostat" / "estat_tps00176_en.csv"
    code, out, err = cli("import", str(path), "--dry-run")
    assert code == 0, err
    assert "Table F03: 414 observations, 37 reporting areas" in out
    assert "20 marked as estimates (status E)." in out
    assert "mapping shares" not in out
    code, out, _ = cli("--lang", "ru", "import", str(path), "--dry-run")
    assert code == 0 and "помечено как оценка (статус E): 20." in out


def test_values_split_by_mapping_shares_are_counted_apart(cli, tmp_path: Path) -> None:
    """Reason 05 of the PX file is split 0.6/0.4 by the stored mapping: its 4 cells (two
    citizenships, two sexes) become 8 estimates, all of them made here."""
    from tests.test_mapping import MAPPING_CSV, reasons_px

    db = str(tmp_path / "s.db")
    mapping = tmp_path / "reasons.csv"
    mapping.write_text(MAPPING_CSV, encoding="utf-8")
    code, _, err = cli("--db", db, "mapping", "import", str(mapping))
    assert code == 0, err
    path = reasons_px(tmp_path / "kgz_permits.px")
    args = ("import", str(path), "--country", "KGZ", "--year", "2024", "--dry-run")
    code, out, err = cli("--db", db, *args)
    assert code == 0, err
    assert "8 marked as estimates (status E)." in out
    assert "Values estimated here by splitting with mapping shares: 8." in out
