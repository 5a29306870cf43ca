"""The command line end to end: template, validate, submit, query, revisions, bad input."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from migstat.demo.synthetic import consistent_dataset, write_workbook


def store_digest(path: Path) -> str:
    """A digest of everything in a SQLite store (to prove bad input changed nothing)."""
    import sqlite3

    if not path.exists():
        return "absent"
    con = sqlite3.connect(path)
    h = hashlib.sha256()
    for (name,) in con.execute("select name from sqlite_master where type='table' order by 1"):
        for row in con.execute(f'select * from "{name}" order by 1'):
            h.update(repr(row).encode())
    con.close()
    return h.hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("q") / "KGZ_2024.xlsx"
    write_workbook(path, consistent_dataset("KGZ", 2024))
    return path


def test_tables_lists_the_registry(cli) -> None:
    code, out, _ = cli("tables")
    assert code == 0
    lines = out.strip().splitlines()
    ids = [line.split("\t")[0] for line in lines]
    for table in ("S01", "S02", "S03", "S04", "F01", "F02", "F03", "F04", "A01", "A03"):
        assert table in ids
    s01 = next(line for line in lines if line.startswith("S01\t"))
    assert s01.split("\t")[1] == "stock"
    code, out, _ = cli("--lang", "ru", "tables")
    assert "Население по стране рождения, полу и возрасту" in out


def test_template_validate_submit_query(cli, tmp_path: Path, db: Path, filled: Path) -> None:
    blank = tmp_path / "blank.xlsx"
    code, out, _ = cli(
        "template", "--country", "KGZ", "--year", "2024", "--tables", "S01,F01", "-o", str(blank)
    )
    assert code == 0 and blank.exists()
    assert {"S01", "F01"} <= set(load_workbook(blank, read_only=True).sheetnames)

    code, out, _ = cli("validate", str(filled), "--no-history")
    assert code == 0, out
    code, out, err = cli("--db", str(db), "submit", str(filled), "--country", "KGZ")
    assert code == 0, out + err
    assert "accepted" in out

    code, out, _ = cli("--db", str(db), "query", "S01", "--country", "KGZ", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    expected = consistent_dataset("KGZ", 2024)
    total = next(
        o.value for o in expected.observations if o.table == "S01" and o.key == ("_T", "_T", "_T")
    )
    got = next(r for r in rows if (r["COUNTRY_BIRTH"], r["SEX"], r["AGE"]) == ("_T", "_T", "_T"))
    assert float(got["OBS_VALUE"]) == total
    assert got["SYNTHETIC"] == "True"
    assert got["REF_AREA_LABEL"] == "Kyrgyzstan"
    assert len(rows) == sum(1 for o in expected.observations if o.table == "S01")

    code, out, _ = cli(
        "--db",
        str(db),
        "--lang",
        "ru",
        "query",
        "S01",
        "--country",
        "KGZ",
        "--partner",
        "RUS",
        "--filter",
        "SEX=_T",
        "--filter",
        "AGE=_T",
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert doc["count"] == 1
    assert doc["observations"][0]["REF_AREA_LABEL"] == "Кыргызстан"
    assert doc["observations"][0]["COUNTRY_BIRTH_LABEL"] == "Российская Федерация"


def test_revision_keeps_both_vintages_and_as_of(
    cli, tmp_path: Path, db: Path, filled: Path
) -> None:
    code, *_ = cli("--db", str(db), "submit", str(filled), "--country", "KGZ")
    assert code == 0
    code, out, _ = cli("--db", str(db), "submissions")
    first_time = out.strip().splitlines()[-1].split("\t")[1]

    revised = tmp_path / "KGZ_2024_rev.xlsx"
    data = consistent_dataset("KGZ", 2024)
    wb_cells = {o.key: o for o in data.observations if o.table == "F03"}
    # A corrected figure: 10 more long-term immigrants with Russian citizenship, men.
    for key in (("RUS", "LT", "M"), ("RUS", "LT", "_T"), ("_T", "LT", "M"), ("_T", "LT", "_T")):
        wb_cells[key].value += 10
    f01 = {o.key: o for o in data.observations if o.table == "F01"}
    for partner in ("RUS", "_T"):
        for sex in ("M", "_T"):
            for age in ("Y25T29", "_T"):
                f01[(partner, "LT", sex, age)].value += 10
    write_workbook(revised, data)
    code, out, err = cli(
        "--db", str(db), "submit", str(revised), "--country", "KGZ", "--note", "corrected F01/F03"
    )
    assert code == 0, out + err

    def f03_rus(*extra: str) -> float:
        code, out, _ = cli(
            "--db",
            str(db),
            "query",
            "F03",
            "--country",
            "KGZ",
            "--partner",
            "RUS",
            "--filter",
            "DURATION=LT",
            "--filter",
            "SEX=M",
            "--format",
            "json",
            *extra,
        )
        assert code == 0
        return json.loads(out)["observations"][0]["OBS_VALUE"]

    original = next(
        o.value
        for o in consistent_dataset("KGZ", 2024).observations
        if o.table == "F03" and o.key == ("RUS", "LT", "M")
    )
    assert f03_rus() == original + 10
    assert f03_rus("--as-of", first_time) == original
    code, out, _ = cli("--db", str(db), "submissions", "--country", "KGZ")
    assert len(out.strip().splitlines()) == 2


def _latin1_csv(path: Path) -> None:
    path.write_bytes(
        "TABLE,REF_AREA,TIME_PERIOD,CITIZENSHIP,DURATION,SEX,OBS_VALUE,COMMENT\n"
        "F03,KGZ,2024,RUS,LT,M,12,Émigré\n".encode("latin-1")
    )


def _corrupt_zip(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>" * 100)
    path.write_bytes(buffer.getvalue()[:-40])


def _formula(path: Path, filled: Path) -> None:
    wb = load_workbook(filled)
    ws = wb["A01"]
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, int | float) and cell.value > 3:
                cell.value = "=2+2"
                wb.save(path)
                return


BAD = {
    "text.xlsx": lambda p, f: p.write_text("this is not a workbook"),
    "corrupt.xlsx": lambda p, f: _corrupt_zip(p),
    "empty.xlsx": lambda p, f: p.write_bytes(b""),
    "latin1.csv": lambda p, f: _latin1_csv(p),
}


@pytest.mark.parametrize("name", sorted(BAD))
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_bad_input_is_refused_clearly(
    cli, tmp_path: Path, db: Path, filled: Path, name: str, lang: str
) -> None:
    cli("--db", str(db), "submit", str(filled), "--country", "KGZ")
    before = store_digest(db)
    bad = tmp_path / name
    BAD[name](bad, filled)
    code, out, err = cli("--db", str(db), "--lang", lang, "submit", str(bad), "--country", "KGZ")
    assert code == 2, out + err
    assert name in err
    assert "Traceback" not in err + out
    assert store_digest(db) == before
    if lang == "ru":
        assert any("а" <= ch <= "я" for ch in err.lower()), err


def test_formula_is_a_finding_at_its_cell(cli, tmp_path: Path, db: Path, filled: Path) -> None:
    bad = tmp_path / "formula.xlsx"
    _formula(bad, filled)
    code, out, _ = cli("validate", str(bad), "--no-history", "--json", "-")
    assert code == 1
    found = [f for f in json.loads(out)["findings"] if f["rule"] == "STRUCT_FORMULA"]
    assert len(found) == 1 and found[0]["location"]["sheet"] == "A01"


def test_unknown_country_and_table(cli, tmp_path: Path, db: Path, filled: Path) -> None:
    code, _, err = cli("--db", str(db), "submit", str(filled), "--country", "XYZ")
    assert code == 2 and "XYZ" in err and "Traceback" not in err
    code, _, err = cli("--db", str(db), "query", "Z99")
    assert code == 2 and "Z99" in err
    code, _, err = cli(
        "--lang",
        "ru",
        "template",
        "--country",
        "XYZ",
        "--year",
        "2024",
        "-o",
        str(tmp_path / "x.xlsx"),
    )
    assert code == 2 and "Неизвестная страна" in err
    code, _, err = cli("validate", str(tmp_path / "missing.xlsx"))
    assert code == 2 and "missing.xlsx" in err
