"""Microdata to the standard tables: exact tables with every total on records checked by hand,
CSV and Parquet alike, and the errors that name the file, the variable and the record."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from migstat.formats.csv_long import read_long_csv
from migstat.microdata import read_metadata, sidecar_path, tabulate, write_tabulation
from migstat.model import InputError, Severity
from migstat.validation import validate

# Six persons. By hand, S01 (country of birth x sex x age):
#   1 M  3 KGZ w2 | 2 F 34 RUS w3 | 3 M 81 UZB w1 | 4 F ?? _U w1 | 5 M 34 RUS w2 | 6 F 17 RUS w1
RECORDS = """ID,SEX,AGE,COB,CIT,EDU,W
1,1,3,417,KGZ,,2
2,2,34,643,KGZ,3,3
3,1,81,860,UZB,1,1
4,2,,999,KGZ,6,1
5,1,34,643,RUS,3,2
6,2,17,643,RUS,2,1
"""

# The minimal mapping file of the issue, as is.
MINIMAL = """variables: {sex: SEX, age: AGE, country_of_birth: COB, citizenship: CIT, weight: W}
recode:
  SEX: {"1": M, "2": F}
  COB: {"417": KGZ, "643": RUS, "860": UZB, "999": _U}
"""

WITH_EDUCATION = MINIMAL.replace("weight: W}", "weight: W, education: EDU}") + (
    '  EDU: {"1": ED1, "2": ED2, "3": ED3, "6": ED6, "": _U}\n'
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def as_parquet(csv_path: Path) -> Path:
    out = csv_path.with_suffix(".parquet")
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar = true)) "
        f"TO '{out}' (FORMAT parquet)"
    )
    con.close()
    return out


def run(tmp_path: Path, records: str = RECORDS, mapping: str = MINIMAL, **options):
    data = write(tmp_path, "persons.csv", records)
    mapped = write(tmp_path, "map.yaml", mapping)
    options.setdefault("country", "KGZ")
    options.setdefault("reference_date", "2022-03-01")
    return tabulate(data, mapped, **options)


def cells(result, table_id: str) -> dict[tuple[str, ...], int]:
    return next(t for t in result.tables if t.table.id == table_id).cells


def test_minimal_mapping_gives_s01_and_s02_with_every_total(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert [t.table.id for t in result.tables] == ["S01", "S02"]
    s01 = cells(result, "S01")
    assert s01[("_T", "_T", "_T")] == 10
    assert s01[("_T", "M", "_T")] == 5 and s01[("_T", "F", "_T")] == 5
    assert s01[("_T", "_T", "Y30T34")] == 5
    assert s01[("RUS", "_T", "_T")] == 6
    assert s01[("RUS", "F", "Y30T34")] == 3 and s01[("RUS", "M", "Y30T34")] == 2
    assert s01[("RUS", "F", "Y15T19")] == 1 and s01[("RUS", "F", "_T")] == 4
    assert s01[("KGZ", "M", "Y0T4")] == 2 and s01[("UZB", "M", "Y_GE80")] == 1
    assert s01[("_U", "F", "_U")] == 1 and s01[("_T", "_T", "_U")] == 1
    assert s01[("RUS", "M", "Y0T4")] == 0  # a true zero, written as such
    # every partner row present x {_T, M, F} x {_T, 17 five-year groups, _U}
    assert len(s01) == 5 * 3 * 19
    s02 = cells(result, "S02")
    assert s02[("KGZ", "_T", "_T")] == 6 and s02[("RUS", "_T", "_T")] == 3
    assert s02[("UZB", "M", "Y_GE80")] == 1 and s02[("_T", "_T", "_T")] == 10
    assert result.records == 6 and result.weighted == 10


def test_parquet_gives_the_same_tables_as_csv(tmp_path: Path) -> None:
    from_csv = run(tmp_path)
    parquet = as_parquet(tmp_path / "persons.csv")
    from_parquet = tabulate(
        parquet, tmp_path / "map.yaml", country="KGZ", reference_date="2022-03-01"
    )
    assert [t.cells for t in from_parquet.tables] == [t.cells for t in from_csv.tables]


def test_written_tables_validate_without_errors(tmp_path: Path, cli) -> None:
    result = run(tmp_path, mapping=WITH_EDUCATION)
    assert [t.table.id for t in result.tables] == ["S01", "S02", "S03", "S04"]
    out, meta = write_tabulation(result, tmp_path / "KGZ_2022.csv")
    assert meta == sidecar_path(out) and meta.name == "KGZ_2022.csv.metadata.json"
    dataset = read_long_csv(out)
    dataset.metadata = read_metadata(meta)
    errors = [f for f in validate(dataset) if f.severity == Severity.ERROR]
    assert errors == []
    # the command reads the same file with its sidecar beside it: no finding at all
    code, text, _err = cli("validate", str(out), "--no-history", "--json", "-")
    assert code == 0, text
    report = json.loads(text)
    assert report["summary"]["by_rule"] == {}, text
    assert report["summary"]["observations"] == sum(len(t.cells) for t in result.tables)


def test_universes_of_s03_and_s04(tmp_path: Path) -> None:
    result = run(tmp_path, mapping=WITH_EDUCATION)
    s03 = cells(result, "S03")  # born abroad, known birthplace, 15 and over: 2, 3, 5, 6
    assert s03[("_T", "_T", "_T")] == 7 and s03[("RUS", "_T", "_T")] == 6
    assert s03[("RUS", "F", "ED3")] == 3 and s03[("RUS", "F", "ED2")] == 1
    assert s03[("UZB", "M", "ED1")] == 1 and ("KGZ", "_T", "_T") not in s03
    s04 = cells(result, "S04")  # not citizens, 15 and over: 3, 5, 6
    assert s04[("_T", "_T", "_T")] == 4 and s04[("RUS", "M", "ED3")] == 2
    assert s04[("UZB", "_T", "_T")] == 1 and ("KGZ", "_T", "_T") not in s04


def test_a_universe_with_no_one_gives_zeros(tmp_path: Path) -> None:
    records = "".join(line for line in RECORDS.splitlines(True) if ",417," in line or "ID" in line)
    result = run(tmp_path, records=records, mapping=WITH_EDUCATION, tables=["S03"])
    [s03] = result.tables
    assert s03.records == 0 and set(s03.cells.values()) == {0}
    assert ("_T", "M", "_T") in s03.cells


def test_weighted_cells_are_whole_and_tables_agree(tmp_path: Path) -> None:
    records = RECORDS.replace(",2\n", ",1.5\n").replace(",3\n", ",2.5\n").replace(",1\n", ",0.5\n")
    result = run(tmp_path, records=records)
    s01, s02 = cells(result, "S01"), cells(result, "S02")
    assert s01[("_T", "_T", "_T")] == s02[("_T", "_T", "_T")]
    assert abs(s01[("_T", "_T", "_T")] - result.weighted) <= 0.5 * 6
    out, meta = write_tabulation(result, tmp_path / "w.csv")
    dataset = read_long_csv(out)
    dataset.metadata = read_metadata(meta)
    assert [f for f in validate(dataset) if f.severity == Severity.ERROR] == []


def test_date_of_birth_gives_completed_years(tmp_path: Path) -> None:
    records = "SEX,COB,DOB\n1,643,2002-03-02\n2,643,2002-03-01\n1,643,\n"
    mapping = (
        "variables: {sex: SEX, country_of_birth: COB, date_of_birth: DOB}\n"
        'recode:\n  SEX: {"1": M, "2": F}\n  COB: {"643": RUS}\n'
    )
    result = run(tmp_path, records=records, mapping=mapping, tables=["S01"])
    s01 = cells(result, "S01")  # on 2022-03-01 the first is 19, the second just 20
    assert s01[("RUS", "M", "Y15T19")] == 1 and s01[("RUS", "F", "Y20T24")] == 1
    assert s01[("RUS", "M", "_U")] == 1 and s01[("_T", "_T", "_T")] == 3


def test_a_birth_after_the_reference_date_names_the_record(tmp_path: Path) -> None:
    records = "SEX,COB,DOB\n1,643,2002-03-02\n2,643,2023-05-01\n"
    mapping = (
        "variables: {sex: SEX, country_of_birth: COB, date_of_birth: DOB}\n"
        'recode:\n  SEX: {"1": M, "2": F}\n  COB: {"643": RUS}\n'
    )
    with pytest.raises(InputError) as problem:
        run(tmp_path, records=records, mapping=mapping, tables=["S01"])
    assert (problem.value.where.line, problem.value.where.column) == (3, "DOB")
    assert "record 2" in problem.value.text("en") and "'-2'" in problem.value.text("en")


def test_coarse_age_groups_count_in_the_total_only(tmp_path: Path) -> None:
    records = "SEX,AGE,COB\n1,7.0,643\n2,47.0,643\n2,,643\n"
    mapping = (
        "variables: {sex: SEX, age: AGE, country_of_birth: COB}\n"
        'recode:\n  SEX: {"1": M, "2": F}\n  COB: {"643": RUS}\n'
        '  AGE: {"7.0": Y_LT15, "47.0": [40, 55]}\n'
    )
    result = run(tmp_path, records=records, mapping=mapping)
    [s01] = result.tables
    assert s01.cells[("RUS", "_T", "_T")] == 3 and s01.cells[("RUS", "F", "_U")] == 1
    assert {key[2] for key in s01.cells} == {"_T", "_U"}
    assert s01.total_only == [("AGE", "47.0, 7.0", 2)]
    # mixed with exact ages, the five-year groups could not add up: refused
    with pytest.raises(InputError, match="records are in its groups"):
        run(tmp_path, records=records + "1,33,643\n", mapping=mapping)


def test_unmapped_values_are_all_reported_at_once(tmp_path: Path) -> None:
    records = RECORDS + "7,3,40,398,KAZ,,1\n8,3,41,398,XX,,1\n9,1,42,,KGZ,,1\n"
    with pytest.raises(InputError) as problem:
        run(tmp_path, records=records)
    text = problem.value.text("en")
    assert "4 values have no code" in text
    assert "CIT = 'XX' (1)" in text and "COB = '398' (2)" in text
    assert "COB = '' (1)" in text and "SEX = '3' (2)" in text
    assert problem.value.where.file == "map.yaml"
    assert "нет кода" in problem.value.text("ru")


def test_a_variable_missing_from_the_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as problem:
        run(tmp_path, records=RECORDS.replace("COB", "BIRTH"))
    where = problem.value.where
    assert (where.file, where.line, where.column) == ("persons.csv", 1, "COB")
    assert "variables.country_of_birth" in problem.value.text("en")


@pytest.mark.parametrize(
    ("weight", "shown"),
    [("-1", "the weight -1 is negative"), ("", "the weight is missing"), ("n/a", "n/a")],
)
def test_a_bad_weight_names_the_record(tmp_path: Path, weight: str, shown: str) -> None:
    records = RECORDS.replace("5,1,34,643,RUS,3,2", f"5,1,34,643,RUS,3,{weight}")
    with pytest.raises(InputError) as problem:
        run(tmp_path, records=records)
    where = problem.value.where
    assert (where.file, where.line, where.column) == ("persons.csv", 6, "W")
    assert "record 5" in problem.value.text("en") and shown in problem.value.text("en")


def test_a_negative_weight_in_parquet_names_the_record(tmp_path: Path) -> None:
    data = write(tmp_path, "p.csv", RECORDS.replace("6,2,17,643,RUS,2,1", "6,2,17,643,RUS,2,-3"))
    mapped = write(tmp_path, "map.yaml", MINIMAL)
    with pytest.raises(InputError) as problem:
        tabulate(as_parquet(data), mapped, country="KGZ", reference_date="2022-03-01")
    assert problem.value.where.file == "p.parquet" and problem.value.where.column == "W"
    assert "record 6" in problem.value.text("en")


def test_an_age_that_is_not_a_number_names_the_record(tmp_path: Path) -> None:
    records = RECORDS.replace("6,2,17,", "6,2,seventeen,")
    with pytest.raises(InputError) as problem:
        run(tmp_path, records=records)
    where = problem.value.where
    assert (where.line, where.column) == (7, "AGE")
    assert "record 6" in problem.value.text("en") and "'seventeen'" in problem.value.text("en")


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        (MINIMAL.replace("sex: SEX", "sex: SEX, colour: C"), "variables"),
        (MINIMAL.replace('"2": F', '"2": FEMALE'), 'recode.SEX."2"'),
        (MINIMAL.replace('"999": _U', '"999": SOVIET'), 'recode.COB."999"'),
        (MINIMAL + "weight_scale: -2\n", "weight_scale"),
        (MINIMAL.replace('"999": _U', '"999": _T'), 'recode.COB."999"'),
        (MINIMAL.replace("SEX: {", "XX: {"), "recode.XX"),
        (MINIMAL.replace("COB: {", 'AGE: {"7.0": [20, 10]}\n  COB: {'), 'recode.AGE."7.0"'),
    ],
)
def test_a_bad_mapping_names_its_key(tmp_path: Path, mapping: str, key: str) -> None:
    with pytest.raises(InputError) as problem:
        run(tmp_path, mapping=mapping)
    assert problem.value.where.file == "map.yaml"
    assert problem.value.where.column == key or key in problem.value.text("en")


def test_the_command_writes_the_tables_and_says_what_it_did(tmp_path: Path, cli) -> None:
    data = write(tmp_path, "persons.csv", RECORDS)
    mapped = write(tmp_path, "map.yaml", MINIMAL)
    out = tmp_path / "out.csv"
    code, text, err = cli(
        "tabulate", str(data), "--mapping", str(mapped), "--tables", "S02",
        "--country", "KGZ", "--reference-date", "2022-03-01", "-o", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert "S02: 228 cells, total 10 from 6 records." in text
    assert out.read_text().splitlines()[0] == (
        "TABLE,REF_AREA,TIME_PERIOD,CITIZENSHIP,SEX,AGE,OBS_VALUE"
    )
    assert sidecar_path(out).exists()
    code, _text, err = cli(
        "--lang", "ru", "tabulate", str(data), "--mapping", str(mapped), "-o", str(out),
    )  # fmt: skip
    assert code == 2 and "Укажите страну" in err


def test_unreadable_or_empty_input_is_an_input_error(tmp_path: Path) -> None:
    header = RECORDS.splitlines()[0] + "\n"
    with pytest.raises(InputError, match="no record to tabulate"):
        run(tmp_path, records=header)
    with pytest.raises(InputError, match="no record to tabulate"):
        run(tmp_path, mapping=MINIMAL + 'select: {ID: ["99"]}\n')
    latin = tmp_path / "latin.csv"
    latin.write_bytes((RECORDS + "7,1,50,643,RUS,,1\n").encode().replace(b"RUS,,1", b"R\xffS,,1"))
    with pytest.raises(InputError) as problem:
        tabulate(
            latin, write(tmp_path, "m.yaml", MINIMAL), country="KGZ", reference_date="2022-01-01"
        )
    assert problem.value.where.file == "latin.csv" and "CSV" in problem.value.text("en")
    with pytest.raises(InputError, match="not a size"):
        run(tmp_path, memory_limit="lots")
    with pytest.raises(InputError, match=r"Stata \(\.dta\)"):
        tabulate(write(tmp_path, "x.xlsx", "no"), tmp_path / "m.yaml", country="KGZ",
                 reference_date="2022-01-01")  # fmt: skip
