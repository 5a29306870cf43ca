"""Detection of submitted files and every kind of bad input: an InputError naming the file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from migstat.formats.detect import read_submission
from migstat.formats.questionnaire import HIDDEN_SHEET, read_questionnaire, write_template
from migstat.formats.questionnaire.annotate import annotate_workbook
from migstat.model import Finding, InputError, Location, Severity


def _expect_input_error(path: Path, **kwargs) -> InputError:
    with pytest.raises(InputError) as problem:
        read_submission(path, **kwargs)
    for lang in ("en", "ru"):
        assert path.name in problem.value.text(lang)
    assert problem.value.text("en") != problem.value.text("ru")
    return problem.value


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wb")
    path = write_template(folder / "kgz.xlsx", country="KGZ", year=2024, tables=["F03"])
    wb = openpyxl.load_workbook(path)
    ws = wb["F03"]
    facts = [row for row in wb[HIDDEN_SHEET].iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(facts) if row[0] == "table")
    spec = dict(zip(facts[header], facts[header + 1], strict=False))
    first, col = int(spec["first_data_row"]), spec["first_data_col"]
    ws[f"{col}{first}"] = 4200
    ws[f"{col}{first + 1}"] = "=1+1"
    wb.save(path)
    return path


def test_questionnaire_is_detected_by_content(filled: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "upload.bin"
    renamed.write_bytes(filled.read_bytes())
    ds, raw = read_submission(renamed)
    assert ds.format == "questionnaire" and raw == filled.read_bytes()
    # The formula's cell is kept without a value (flag O) beside its finding.
    assert [(o.value, o.obs_status) for o in ds.observations] == [(4200.0, "A"), (None, "O")]
    assert [f.rule for f in ds.findings] == ["STRUCT_FORMULA"]


def test_csv_kinds_are_detected(tmp_path: Path) -> None:
    long_csv = tmp_path / "long.txt"
    long_csv.write_text(
        "TABLE;REF_AREA;TIME_PERIOD;CITIZENSHIP;DURATION;SEX;OBS_VALUE\nF03;KGZ;2023;RUS;LT;_T;5\n",
        encoding="utf-8",
    )
    assert read_submission(long_csv)[0].format == "long_csv"
    sdmx = tmp_path / "sdmx.csv"
    sdmx.write_text(
        "DATAFLOW,REF_AREA,TIME_PERIOD,CITIZENSHIP,DURATION,SEX,OBS_VALUE\n"
        "MIGSTAT:F03(1.0),KGZ,2023,RUS,LT,_T,5\n",
        encoding="utf-8",
    )
    assert read_submission(sdmx)[0].format == "sdmx_csv"


def test_text_file_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "numbers.xlsx"
    path.write_text("TABLE,REF_AREA\nS01,KGZ\n", encoding="utf-8")
    assert ".xlsx" in _expect_input_error(path).text("en")


def test_corrupt_zip(tmp_path: Path, filled: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(filled.read_bytes()[:3000])
    assert "damaged" in _expect_input_error(path).text("en")


def test_workbook_that_is_not_a_questionnaire(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active["A1"] = 5
    wb.save(path)
    text = _expect_input_error(path).text("en")
    assert HIDDEN_SHEET in text and "Data" in text


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    _expect_input_error(path)


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _expect_input_error(empty)
    header = tmp_path / "header.csv"
    header.write_text("TABLE,REF_AREA,TIME_PERIOD,OBS_VALUE\n", encoding="utf-8")
    _expect_input_error(header)


def test_empty_table_sheet(tmp_path: Path, filled: Path) -> None:
    path = tmp_path / "wiped.xlsx"
    wb = openpyxl.load_workbook(filled)
    ws = wb["F03"]
    ws.protection.sheet = False
    ws.delete_rows(1, ws.max_row)
    wb.save(path)
    assert "F03" in _expect_input_error(path).text("en")


def test_blank_questionnaire(tmp_path: Path) -> None:
    path = write_template(tmp_path / "blank.xlsx", country="KGZ", year=2024, tables=["F03"])
    _expect_input_error(path)


def test_huge_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "huge.csv"
    path.write_bytes(b"TABLE,REF_AREA,TIME_PERIOD,OBS_VALUE\n" + b"S01,KGZ,2024,1\n" * 80000)
    monkeypatch.setenv("MIGSTAT_MAX_FILE_MB", "1")
    assert "MIGSTAT_MAX_FILE_MB" in _expect_input_error(path).text("en")
    _expect_input_error(path, max_bytes=1000)


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path, monkeypatch) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 1024 * 1024
    monkeypatch.setenv("MIGSTAT_MAX_FILE_MB", "10")
    assert "30" in _expect_input_error(path).text("en")


def test_latin1_csv(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(
        "TABLE,REF_AREA,TIME_PERIOD,OBS_VALUE,COMMENT\nS01,KGZ,2024,1,Côte\n".encode("latin-1")
    )
    problem = _expect_input_error(path)
    assert problem.where.line == 2 and "UTF-8" in problem.text("ru")


def test_unknown_country(tmp_path: Path, filled: Path) -> None:
    path = tmp_path / "xyz.csv"
    path.write_text(
        "TABLE,REF_AREA,TIME_PERIOD,CITIZENSHIP,DURATION,SEX,OBS_VALUE\nF03,XYZ,2023,RUS,LT,_T,5\n",
        encoding="utf-8",
    )
    assert "XYZ" in _expect_input_error(path).text("en")
    assert "QQQ" in _expect_input_error(filled, country="QQQ").text("ru")
    assert "TJK" in _expect_input_error(filled, country="TJK").text("en")


def test_annotated_return(filled: Path, tmp_path: Path) -> None:
    ds = read_questionnaire(filled)
    [formula] = ds.findings
    obs = ds.observations[0]
    warning = Finding(
        rule="YOY_JUMP",
        severity=Severity.WARNING,
        message="Value {value} jumped",
        params={"value": 4200},
        table="F03",
        where=obs.where,
        values={"observed": 4200.0, "expected": 700.0},
    )
    listed_only = Finding(
        rule="MIRROR",
        severity=Severity.INFO,
        message="Mirror differs",
        table="F03",
        where=Location(file=filled.name),
    )
    out = annotate_workbook(
        filled.read_bytes(), [formula, warning, listed_only], tmp_path / "back.xlsx"
    )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Findings - Замечания"
    ws = wb["F03"]
    red = ws[formula.where.cell]
    assert red.fill.fgColor.rgb.endswith("FFC7CE")
    assert "STRUCT_FORMULA" in red.comment.text and "Специальная вставка" in red.comment.text
    amber = ws[obs.where.cell]
    assert amber.fill.fgColor.rgb.endswith("FFEB9C")
    assert "4\u202f200" in amber.comment.text and "700" in amber.comment.text
    listing = wb.worksheets[0]
    rules = [row[2] for row in listing.iter_rows(values_only=True)]
    assert {"STRUCT_FORMULA", "YOY_JUMP", "MIRROR"} <= set(rules)
    link_row = rules.index("STRUCT_FORMULA") + 1
    assert listing.cell(link_row, 5).hyperlink.location == f"'F03'!{formula.where.cell}"
    # the returned workbook can still be read (hidden sheet, layout kept)
    again = read_questionnaire(out)
    assert [o.value for o in again.observations if o.value is not None] == [4200.0]
    en = annotate_workbook(filled, [formula], tmp_path / "en.xlsx", lang="en")
    assert openpyxl.load_workbook(en).sheetnames[0] == "Findings"
