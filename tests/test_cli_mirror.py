"""``migstat mirror``: matrix, report, factors and harmonise on the real CIS data."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from migstat.store import Store
from tests.mirror_stores import CIS_CSV, cis_database, cis_value, flows, put

pytestmark = pytest.mark.skipif(not CIS_CSV.exists(), reason="shared data not available")


@pytest.fixture(scope="module")
def cis_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return cis_database(tmp_path_factory)


def test_matrix_csv_has_both_sides(cli, cis_db: str) -> None:
    code, out, err = cli(
        "--db", cis_db, "mirror", "matrix", "--year", "2019", "--provider", "CISSTAT", "--two-sided"
    )
    assert code == 0, err
    rows = {(r["ORIGIN"], r["DESTINATION"]): r for r in csv.DictReader(io.StringIO(out))}
    assert len(rows) == 56
    row = rows[("KGZ", "RUS")]
    assert int(row["EMIGRATION"]) == cis_value("KGZ", "DEPARTURES.RUS", 2019) == 5335
    assert int(row["IMMIGRATION"]) == cis_value("RUS", "ARRIVALS.KGZ", 2019) == 53810
    assert row["DIFFERENCE"] == str(53810 - 5335)
    assert "2019: 56 of 56 corridors reported by both sides" in err


def test_report_in_russian(cli, cis_db: str, tmp_path) -> None:
    code, _out, err = cli(
        "--db",
        cis_db,
        "--lang",
        "ru",
        "mirror",
        "report",
        "--country",
        "KAZ",
        "--year",
        "2019",
        "--provider",
        "CISSTAT",
    )
    assert code == 0, err
    assert "KAZ, 2019: учтено выбывших 40\u202f797; страны-партнёры учли 88\u202f942" in err
    target = tmp_path / "kaz.xlsx"
    code, _out, err = cli(
        "--db",
        cis_db,
        "mirror",
        "report",
        "--country",
        "KAZ",
        "--year",
        "2019",
        "--provider",
        "CISSTAT",
        "--format",
        "xlsx",
        "-o",
        str(target),
    )
    assert code == 0, err
    wb = load_workbook(target)
    assert wb.sheetnames == ["Data", "Totals by year", "Metadata"]
    data = list(wb["Data"].values)
    header = data[0]
    kaz_rus = next(r for r in data[1:] if r[1] == "KAZ" and r[2] == "RUS")
    assert kaz_rus[header.index("EMIGRATION")] == 39774
    assert kaz_rus[header.index("IMMIGRATION")] == 86311
    years = {r[0]: r for r in list(wb["Totals by year"].values)[1:]}
    assert years["2019"][1:3] == (40797, 88942)
    meta = {r[0]: r[1] for r in wb["Metadata"].values}
    assert meta["Title"] == "Mirror report of KAZ, 2019"
    assert meta["Basis"] == "residence: F02 / F01"


def test_factors_json_and_harmonised_xlsx(cli, cis_db: str, tmp_path) -> None:
    code, out, err = cli(
        "--db",
        cis_db,
        "mirror",
        "factors",
        "--anchor",
        "RUS",
        "--from",
        "2016",
        "--to",
        "2019",
        "--provider",
        "CISSTAT",
        "--bootstrap",
        "200",
        "--format",
        "json",
    )
    assert code == 0, err
    doc = json.loads(out)
    rows = {r["COUNTRY"]: r for r in doc["rows"]}
    assert rows["RUS"]["ANCHOR"] and rows["RUS"]["EMIGRATION_FACTOR"] == 1.0
    kaz = rows["KAZ"]
    assert kaz["EMIGRATION_LOWER"] <= kaz["EMIGRATION_FACTOR"] <= kaz["EMIGRATION_UPPER"]
    assert kaz["OBS_STATUS"] == "E" and "Estimates" in doc["metadata"]["Status"]
    assert "Bootstrap replicates: 200/200" in err
    target = tmp_path / "h.xlsx"
    code, _out, err = cli(
        "--db",
        cis_db,
        "mirror",
        "harmonise",
        "--year",
        "2019",
        "--anchor",
        "RUS",
        "--provider",
        "CISSTAT",
        "--bootstrap",
        "100",
        "--duration-set",
        "imem_model",
        "--format",
        "xlsx",
        "-o",
        str(target),
    )
    assert code == 0, err
    wb = load_workbook(target)
    assert wb.sheetnames == ["Data", "Factors", "Metadata"]
    data = list(wb["Data"].values)
    header = data[0]
    assert {r[header.index("OBS_STATUS")] for r in data[1:]} == {"E"}
    arm_rus = next(r for r in data[1:] if r[1] == "ARM" and r[2] == "RUS")
    assert arm_rus[header.index("EMIGRATION_REPORTED")] == 903


def test_errors_are_clear(cli, cis_db: str, tmp_path) -> None:
    code, _out, err = cli("--db", cis_db, "--lang", "ru", "mirror", "report", "--country", "KAZ")
    assert code == 2 and "один год" in err
    code, _out, err = cli("--db", str(tmp_path / "none.db"), "mirror", "matrix")
    assert code == 2 and "There is no store" in err
    code, _out, err = cli("--db", cis_db, "mirror", "factors", "--anchor", "XXX", "--year", "2019")
    assert code == 2 and "XXX" in err


def test_outputs_are_safe_from_formulas(cli, tmp_path) -> None:
    path = tmp_path / "inj.db"
    with Store.open(str(path)) as store:
        put(
            store,
            flows("=1+1", "F02", "KGZ", 2020, {"KAZ": 5}),
            flows("KAZ", "F01", "KAZ", 2020, {"KGZ": 7}),
        )
    code, out, err = cli("--db", str(path), "mirror", "matrix", "--year", "2020")
    assert code == 0, err
    assert "'=1+1" in out
    target = tmp_path / "m.xlsx"
    cli(
        "--db",
        str(path),
        "mirror",
        "matrix",
        "--year",
        "2020",
        "--format",
        "xlsx",
        "-o",
        str(target),
    )
    data = list(load_workbook(target)["Data"].values)
    assert data[1][data[0].index("EMIGRATION_PROVIDER")] == "'=1+1"
