"""SPSS (.sav) and Stata (.dta) microdata: the EU-LFS sample written by pyreadstat with value
labels, tabulated in chunks, gives exactly the tables of the CSV file it was made from."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyreadstat
import pytest

from migstat.microdata import tabulate
from migstat.microdata.readstat import column_sql
from migstat.model import InputError
from tests.test_microdata_lfs import EXAMPLE, lfs_csv  # noqa: F401 (a fixture)

GROUP_CODES = {"000-OWN COUNTRY": 0, "005-EU28": 5, "NO ANSWER": 99}
GROUP_LABELS = {code: label for label, code in GROUP_CODES.items()}
SEX_LABELS = {1: "Male", 2: "Female"}


def _frame(path: Path) -> pd.DataFrame:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return pd.DataFrame(
        {
            "REFYEAR": [int(r["REFYEAR"]) for r in rows],
            "QUARTER": [r["QUARTER"] for r in rows],
            "SEX": [int(r["SEX"]) for r in rows],
            "AGE": [float(r["AGE"]) if r["AGE"] else np.nan for r in rows],
            "COUNTRYB": [GROUP_CODES[r["COUNTRYB"]] for r in rows],
            "NATIONAL": [GROUP_CODES[r["NATIONAL"]] for r in rows],
            "COEFF": [float(r["COEFF"]) for r in rows],
        }
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory, lfs_csv):  # noqa: F811 (the fixture imported above)
    folder = tmp_path_factory.mktemp("readstat")
    frame = _frame(lfs_csv)
    labels = {"SEX": SEX_LABELS, "COUNTRYB": GROUP_LABELS, "NATIONAL": GROUP_LABELS}
    sav, dta = folder / "lfs_fr.sav", folder / "lfs_fr.dta"
    pyreadstat.write_sav(frame, str(sav), variable_value_labels=labels)
    pyreadstat.write_dta(frame, str(dta), variable_value_labels=labels)
    return {"csv": lfs_csv, "sav": sav, "dta": dta, "folder": folder}


def _mapping(folder: Path, name: str, *, labels: bool) -> Path:
    """The shipped example, its ages written as whole numbers (``7`` for the CSV's
    ``7.0``), and with ``labels`` the sex and groups recoded by their value labels."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for age in ("7", "20", "32", "47", "65", "75"):
        text = text.replace(f'"{age}.0":', f'"{age}":')
    if labels:
        text = text.replace('SEX: {"1": M, "2": F}', 'SEX: {"Male": M, "Female": F}')
        text += "value_labels: true\n"
    else:
        for label, code in GROUP_CODES.items():
            text = text.replace(f'"{label}":', f'"{code}":')
    out = folder / name
    out.write_text(text, encoding="utf-8")
    return out


def _tables(result) -> dict:
    return {r.table.id: r.cells for r in result.tables}


@pytest.fixture(scope="module")
def from_csv(files):
    return tabulate(files["csv"], EXAMPLE)


def test_spss_with_value_labels_in_recodes_gives_the_csv_tables(files, from_csv) -> None:
    mapping = _mapping(files["folder"], "sav_labels.yaml", labels=True)
    result = tabulate(files["sav"], mapping, chunk_rows=7_000)
    assert _tables(result) == _tables(from_csv)
    assert (result.records, result.weighted) == (from_csv.records, pytest.approx(from_csv.weighted))
    conversion = result.metadata()["tabulation"]["conversion"]
    assert conversion == {
        "format": "SPSS",
        "records": 50_000,
        "chunk_rows": 7_000,
        "chunks": math.ceil(50_000 / 7_000),
        "value_labels": True,
    }


def test_stata_with_codes_in_recodes_gives_the_csv_tables(files, from_csv) -> None:
    mapping = _mapping(files["folder"], "dta_codes.yaml", labels=False)
    result = tabulate(files["dta"], mapping, chunk_rows=20_000)
    assert _tables(result) == _tables(from_csv)
    assert result.metadata()["tabulation"]["conversion"]["chunks"] == 3


def test_unmapped_labels_are_reported_with_their_records(files) -> None:
    mapping = _mapping(files["folder"], "sav_codes.yaml", labels=True)
    mapping.write_text(
        mapping.read_text(encoding="utf-8").replace('"Female": F', '"Woman": F'),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        tabulate(files["sav"], mapping)
    assert "Female" in str(caught.value)


def test_a_negative_weight_names_its_record_across_chunks(files, tmp_path: Path) -> None:
    frame = pd.read_csv(files["csv"], usecols=["REFYEAR", "SEX", "AGE", "COUNTRYB", "COEFF"])
    frame["COUNTRYB"] = frame["COUNTRYB"].map(GROUP_CODES)
    frame.loc[12_344, "COEFF"] = -1.5
    frame.loc[12_344, "REFYEAR"] = 2013
    bad = tmp_path / "bad.dta"
    pyreadstat.write_dta(frame, str(bad))
    mapping = _mapping(files["folder"], "dta_s01.yaml", labels=False)
    mapping.write_text(
        mapping.read_text(encoding="utf-8")
        .replace("tables: [S01, S02]", "tables: [S01]")
        .replace("  citizenship: NATIONAL\n", ""),
        encoding="utf-8",
    )
    text = mapping.read_text(encoding="utf-8").split("  NATIONAL:")[0]
    mapping.write_text(text + "metadata: {source_type: survey}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        tabulate(bad, mapping, chunk_rows=5_000)
    assert caught.value.params["row"] == 12_345
    assert caught.value.params["variable"] == "COEFF"
    assert caught.value.where.file == "bad.dta"


def test_values_read_as_text_keep_zeros_and_digits_and_take_labels() -> None:
    con = duckdb.connect()
    con.register(
        "chunk",
        {
            "T": np.array(["007", None, "Q1"], dtype=object),
            "N": np.array([1.0, 0.5798337798, np.nan]),
            "L": np.array([1.0, 2.0, 3.0]),
        },
    )
    select = ", ".join(
        [
            column_sql("T", False, None),
            column_sql("N", True, None),
            column_sql("L", True, {1.0: "Male", 2: "Female"}),
        ]
    )
    rows = con.execute(f"SELECT {select} FROM chunk").fetchall()
    assert rows == [("007", "1", "Male"), (None, "0.5798337798", "Female"), ("Q1", None, "3")]
    big = f"SELECT {column_sql('x', True, None)} FROM (SELECT 1e20::DOUBLE AS x UNION ALL "
    big += "SELECT -3.0 UNION ALL SELECT 2.5)"
    assert sorted(con.execute(big).fetchall()) == [("-3",), ("1e+20",), ("2.5",)]


def test_a_damaged_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sav"
    broken.write_bytes(b"$FL2@(#) not really SPSS" + bytes(200))
    mapping = tmp_path / "m.yaml"
    mapping.write_text("variables: {sex: SEX, age: AGE, country_of_birth: COB}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        tabulate(broken, mapping, country="FRA", reference_date="2013-07-01")
    assert caught.value.where.file == "broken.sav"
    assert "SPSS" in str(caught.value)
