"""Questionnaire workbook: template, filling with openpyxl, reading back, metadata, layout."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from migstat.formats.notation import read_text
from migstat.formats.questionnaire import HIDDEN_SHEET, read_questionnaire, write_template
from migstat.model import Dataset, InputError, Observation, default_registry

REG = default_registry()


def _facts(wb: openpyxl.Workbook) -> dict[str, dict[str, str]]:
    ws = wb[HIDDEN_SHEET]
    rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(rows) if row and row[0] == "table")
    header = rows[start]
    return {row[0]: dict(zip(header, row, strict=False)) for row in rows[start + 1 :] if row[0]}


def _settings(wb: openpyxl.Workbook) -> dict[str, object]:
    out = {}
    for key, value, *_rest in wb[HIDDEN_SHEET].iter_rows(values_only=True):
        if key == "table":
            break
        if key:
            out[key] = value
    return out


def _find_row(ws, codes: tuple[str, ...], code_cols: list[str], first_row: int) -> int:
    for r in range(first_row, ws.max_row + 1):
        if tuple(ws[f"{c}{r}"].value for c in code_cols) == codes:
            return r
    raise AssertionError(codes)


def _find_col(ws, code: str, code_row: int) -> str:
    for cell in ws[code_row]:
        if cell.value == code:
            return cell.column_letter
    raise AssertionError(code)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "kgz_2024.xlsx"
    return write_template(path, country="KGZ", year=2024, tables=["S01", "F03"])


def test_template_layout_hidden_facts(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames[:2] == ["Instructions", "Metadata"]
    assert "S01" in wb.sheetnames and "F03" in wb.sheetnames
    assert wb[HIDDEN_SHEET].sheet_state == "veryHidden"
    facts = _facts(wb)
    s01 = facts["S01"]
    assert s01["row_dims"] == "COUNTRY_BIRTH,SEX" and s01["col_dims"] == "AGE"
    ws = wb["S01"]
    code_row = int(s01["code_rows"])
    first = int(s01["first_data_row"])
    assert first == code_row + 1
    assert [ws[f"{c}{code_row}"].value for c in s01["code_cols"].split(",")] == [
        "COUNTRY_BIRTH",
        "SEX",
    ]
    assert ws[f"{s01['first_data_col']}{code_row}"].value == "_T"
    assert ws[f"A{first}"].value == "_T" and ws[f"B{first}"].value == "_T"
    # labels in both languages
    row_values = [c.value for c in ws[first + 4]]
    assert "Armenia" in row_values and "Армения" in row_values
    # F03 has two column dimensions: two code rows
    f03 = facts["F03"]
    rows = [int(r) for r in f03["code_rows"].split(",")]
    ws3 = wb["F03"]
    col = f03["first_data_col"]
    assert [ws3[f"{col}{r}"].value for r in rows] == ["LT", "_T"]
    assert ws.freeze_panes == f"{s01['first_data_col']}{first}"


def test_protection_and_unlocked_data_columns(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    s01 = _facts(wb)["S01"]
    ws = wb["S01"]
    assert ws.protection.sheet is True
    assert not ws.protection.password
    first_col = s01["first_data_col"]
    # data columns carry an unlocked column style; labels and codes are locked
    assert ws.column_dimensions[first_col].protection.locked is False
    assert ws[f"A{s01['first_data_row']}"].protection.locked is True
    assert ws[f"C{s01['first_data_row']}"].protection.locked is True
    # header rows keep a locked row style over the unlocked columns
    code_row = int(s01["code_rows"])
    assert ws.row_dimensions[code_row].protection.locked is True
    assert wb["Metadata"].protection.sheet is True


def test_metadata_dropdowns(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    ws = wb["Metadata"]
    key_row = next(r for r in range(1, ws.max_row + 1) if ws[f"A{r}"].value == "table")
    cols = {
        ws.cell(key_row, c).value: ws.cell(key_row, c).column_letter
        for c in range(1, ws.max_column + 1)
    }
    s01_row = next(r for r in range(key_row, ws.max_row + 1) if ws[f"A{r}"].value == "S01")
    validations = ws.data_validations.dataValidation

    def rule_for(ref: str):
        return next(dv for dv in validations if ref in dv.sqref)

    source = rule_for(f"{cols['source_type']}{s01_row}")
    assert source.type == "list" and "_lists" in source.formula1
    lists = wb["_lists"]
    entries = [c.value for c in lists["A"][1:] if c.value]
    assert len(entries) == 11
    assert entries[0] == "census — Population census / Перепись населения"
    assert rule_for(f"{cols['residence_rule']}{s01_row}").type == "list"
    assert rule_for(f"{cols['reference_date']}{s01_row}").type == "date"
    # stock table: reference date prefilled with 1 January
    value = ws[f"{cols['reference_date']}{s01_row}"].value
    assert value.date() == date(2024, 1, 1)
    f03_row = next(r for r in range(key_row, ws.max_row + 1) if ws[f"A{r}"].value == "F03")
    assert ws[f"{cols['reference_date']}{f03_row}"].value == 2024
    assert rule_for(f"{cols['reference_date']}{f03_row}").type == "whole"


def _fill(template: Path, out: Path) -> dict[str, str]:
    """Fill S01 with numbers and every flag notation; return cell → what was written."""
    wb = openpyxl.load_workbook(template)
    s01 = _facts(wb)["S01"]
    ws = wb["S01"]
    code_row = int(s01["code_rows"])
    first = int(s01["first_data_row"])
    arm_m = _find_row(ws, ("ARM", "M"), ["A", "B"], first)
    arm_f = _find_row(ws, ("ARM", "F"), ["A", "B"], first)
    total = _find_col(ws, "_T", code_row)
    y0 = _find_col(ws, "Y0T4", code_row)
    y5 = _find_col(ws, "Y5T9", code_row)
    y10 = _find_col(ws, "Y10T14", code_row)
    y15 = _find_col(ws, "Y15T19", code_row)
    y20 = _find_col(ws, "Y20T24", code_row)
    written = {
        f"{total}{arm_m}": 1520,
        f"{y0}{arm_m}": "1\u00a0234",
        f"{y5}{arm_m}": "..",
        f"{y10}{arm_m}": "…",
        f"{y15}{arm_m}": "x",
        f"{y20}{arm_m}": "х",  # Cyrillic
        f"{total}{arm_f}": "-",
        f"{y0}{arm_f}": "123 e",
        f"{y5}{arm_f}": "45p",
        f"{y10}{arm_f}": "7 р",  # Cyrillic er
        f"{y15}{arm_f}": "12\u202f345 е",  # thin space, Cyrillic ie
        f"{y20}{arm_f}": 17.0,
    }
    for ref, value in written.items():
        ws[ref] = value
    meta = wb["Metadata"]
    key_row = next(r for r in range(1, meta.max_row + 1) if meta[f"A{r}"].value == "table")
    cols = {
        meta.cell(key_row, c).value: meta.cell(key_row, c).column_letter
        for c in range(1, meta.max_column + 1)
    }
    s01_row = next(r for r in range(key_row, meta.max_row + 1) if meta[f"A{r}"].value == "S01")
    meta[f"{cols['source_type']}{s01_row}"] = "census — Population census / Перепись населения"
    meta[f"{cols['reference_date']}{s01_row}"] = date(2023, 10, 1)
    meta[f"{cols['residence_rule']}{s01_row}"] = "Постоянная регистрация по месту жительства"
    meta[f"{cols['population_covered']}{s01_row}"] = "Постоянное население"
    meta[f"{cols['rounding_base']}{s01_row}"] = 5
    meta[f"{cols['notes']}{s01_row}"] = "Перепись 2022 г."
    agency_row = next(r for r in range(1, meta.max_row + 1) if meta[f"A{r}"].value == "agency")
    value_col = _settings(wb)["metadata_value_col"]
    assert meta[f"{value_col}{agency_row - 2}"].value == "KGZ"
    meta[f"{value_col}{agency_row}"] = "Нацстатком"
    meta[f"{value_col}{agency_row + 2}"] = "stat@example.kg"
    wb.save(out)
    return {ref: str(value) for ref, value in written.items()}


def test_fill_and_read_back_values_flags_and_cells(template: Path, tmp_path: Path) -> None:
    out = tmp_path / "filled.xlsx"
    written = _fill(template, out)
    ds = read_questionnaire(out, file_name="filled.xlsx")
    assert ds.format == "questionnaire" and ds.provider == "KGZ"
    assert not ds.findings
    by_cell = {o.where.cell: o for o in ds.observations}
    assert set(by_cell) == set(written)
    assert all(o.where.sheet == "S01" and o.where.file == "filled.xlsx" for o in ds.observations)
    # the reference date of the metadata sheet becomes TIME_PERIOD
    assert {o.time_period for o in ds.observations} == {"2023-10-01"}
    got = {(o.key, o.value, o.obs_status, o.conf_status) for o in ds.observations}
    assert got == {
        (("ARM", "M", "_T"), 1520.0, "A", "F"),
        (("ARM", "M", "Y0T4"), 1234.0, "A", "F"),
        (("ARM", "M", "Y5T9"), None, "L", "F"),
        (("ARM", "M", "Y10T14"), None, "L", "F"),
        (("ARM", "M", "Y15T19"), None, "A", "C"),
        (("ARM", "M", "Y20T24"), None, "A", "C"),
        (("ARM", "F", "_T"), 0.0, "A", "F"),
        (("ARM", "F", "Y0T4"), 123.0, "E", "F"),
        (("ARM", "F", "Y5T9"), 45.0, "P", "F"),
        (("ARM", "F", "Y10T14"), 7.0, "P", "F"),
        (("ARM", "F", "Y15T19"), 12345.0, "E", "F"),
        (("ARM", "F", "Y20T24"), 17.0, "A", "F"),
    }


def test_metadata_round_trip(template: Path, tmp_path: Path) -> None:
    out = tmp_path / "filled.xlsx"
    _fill(template, out)
    meta = read_questionnaire(out, file_name="filled.xlsx").metadata
    assert meta.country == "KGZ" and meta.year == 2024 and meta.language == "both"
    assert meta.agency == "Нацстатком" and meta.contact_email == "stat@example.kg"
    assert meta.where["agency"].sheet == "Metadata"
    s01 = meta.tables["S01"]
    assert s01.source_type == "census"
    assert s01.reference_date == "2023-10-01"
    assert s01.residence_rule == "permanent_registration"
    assert s01.population_covered == "Постоянное население"
    assert s01.rounding_base == 5 and s01.notes == "Перепись 2022 г."
    assert s01.where["source_type"].sheet == "Metadata"
    assert s01.where["source_type"].cell.startswith("C")
    f03 = meta.tables["F03"]
    assert f03.reference_date == "2024" and f03.source_type is None
    assert f03.where["residence_rule"].cell  # empty fields still say where they are


def test_reordered_rows_are_read_by_their_codes(template: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(template)
    f03 = _facts(wb)["F03"]
    ws = wb["F03"]
    first = int(f03["first_data_row"])
    rus = _find_row(ws, ("RUS",), ["A"], first)
    kaz = _find_row(ws, ("KAZ",), ["A"], first)
    col = f03["first_data_col"]  # LT, _T
    # swap the codes and labels of two rows, as a user sorting the rows would
    for c in range(1, ws.max_column + 1):
        a, b = ws.cell(rus, c).value, ws.cell(kaz, c).value
        ws.cell(rus, c).value, ws.cell(kaz, c).value = b, a
    ws[f"{col}{rus}"] = 11  # this row now says KAZ
    ws[f"{col}{kaz}"] = 22  # and this one RUS
    wb.save(tmp_path / "sorted.xlsx")
    ds = read_questionnaire(tmp_path / "sorted.xlsx")
    got = {o.key: (o.value, o.where.cell) for o in ds.observations}
    assert got == {
        ("KAZ", "LT", "_T"): (11.0, f"{col}{rus}"),
        ("RUS", "LT", "_T"): (22.0, f"{col}{kaz}"),
    }
    assert {o.time_period for o in ds.observations} == {"2024"}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_single_language_templates_read(tmp_path: Path, lang: str) -> None:
    path = write_template(
        tmp_path / f"t_{lang}.xlsx", country="ARM", year=2023, tables=["S02"], lang=lang
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[1] == ("Metadata" if lang == "en" else "Метаданные")
    s02 = _facts(wb)["S02"]
    ws = wb["S02"]
    first = int(s02["first_data_row"])
    row = _find_row(ws, ("RUS", "_T"), ["A", "B"], first)
    labels = [c.value for c in ws[row]]
    assert ("Russian Federation" in labels) == (lang == "en")
    assert ("Россия" in labels or "Российская Федерация" in labels) == (lang == "ru")
    ws[f"{s02['first_data_col']}{row}"] = "2 500"
    wb.save(path)
    ds = read_questionnaire(path)
    [obs] = ds.observations
    assert (obs.key, obs.value, obs.ref_area, obs.time_period) == (
        ("RUS", "_T", "_T"),
        2500.0,
        "ARM",
        "2023-01-01",
    )
    assert ds.metadata.language == lang


def test_not_numbers_and_formulas_are_findings(template: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(template)
    s01 = _facts(wb)["S01"]
    ws = wb["S01"]
    first = int(s01["first_data_row"])
    col = s01["first_data_col"]
    ws[f"{col}{first}"] = "=SUM(H12:H20)"
    ws[f"{col}{first + 1}"] = "about 5"
    ws[f"{col}{first + 2}"] = 40
    wb.save(tmp_path / "bad.xlsx")
    ds = read_questionnaire(tmp_path / "bad.xlsx")
    rules = {f.where.cell: (f.rule, f.params) for f in ds.findings}
    assert rules[f"{col}{first}"] == ("STRUCT_FORMULA", {"formula": "=SUM(H12:H20)"})
    assert rules[f"{col}{first + 1}"] == ("STRUCT_NOT_NUMBER", {"text": "about 5"})
    # Unreadable cells stay as cells without a value (flag O), so totals treat them as
    # parts not given rather than zeros.
    assert [(o.value, o.obs_status) for o in ds.observations if o.value is None] == [
        (None, "O"),
        (None, "O"),
    ]
    assert [o.value for o in ds.observations if o.value is not None] == [40.0]
    formula = next(f for f in ds.findings if f.rule == "STRUCT_FORMULA")
    assert "Special" in formula.text("en") and "Специальная вставка" in formula.text("ru")
    assert formula.key == {
        "COUNTRY_BIRTH": "_T",
        "SEX": "_T",
        "AGE": "_T",
        "REF_AREA": "KGZ",
        "TIME_PERIOD": "2024-01-01",
    }


def test_data_and_synthetic_banner_are_written(tmp_path: Path) -> None:
    data = Dataset(
        "demo",
        "test",
        "KGZ",
        observations=[
            Observation("F03", "KGZ", "2024", ("RUS", "LT", "M"), 1500.0),
            Observation("F03", "KGZ", "2024", ("RUS", "LT", "F"), 900.0, obs_status="E"),
            Observation("F03", "KGZ", "2024", ("UZB", "LT", "M"), None, obs_status="L"),
            Observation("F03", "KGZ", "2024", ("UZB", "LT", "F"), None, conf_status="C"),
        ],
    )
    path = write_template(
        tmp_path / "demo.xlsx", country="KGZ", year=2024, tables=["F03"], data=data, synthetic=True
    )
    wb = openpyxl.load_workbook(path)
    for name in ("Instructions", "Metadata", "F03"):
        assert "СИНТЕТИЧЕСКИЕ ДАННЫЕ" in wb[name]["A1"].value
    ds = read_questionnaire(path)
    assert ds.synthetic is True
    got = {(o.key, o.value, o.obs_status, o.conf_status) for o in ds.observations}
    assert got == {
        (("RUS", "LT", "M"), 1500.0, "A", "F"),
        (("RUS", "LT", "F"), 900.0, "E", "F"),
        (("UZB", "LT", "M"), None, "L", "F"),
        (("UZB", "LT", "F"), None, "A", "C"),
    }


def test_country_mismatch_and_blank_workbook(template: Path) -> None:
    with pytest.raises(InputError) as mismatch:
        read_questionnaire(template, country="TJK")
    assert "KGZ" in mismatch.value.text("en") and "TJK" in mismatch.value.text("ru")
    with pytest.raises(InputError) as blank:
        read_questionnaire(template)
    assert "kgz_2024.xlsx" in blank.value.text("ru")


@pytest.mark.parametrize(
    ("text", "value", "obs", "conf"),
    [
        ("1 234", 1234.0, "A", "F"),
        ("1\u00a0234\u00a0567", 1234567.0, "A", "F"),
        ("1,234,567", 1234567.0, "A", "F"),
        ("12,5", 12.5, "A", "F"),
        ("..", None, "L", "F"),
        ("…", None, "L", "F"),
        ("X", None, "A", "C"),
        ("х", None, "A", "C"),
        ("-", 0.0, "A", "F"),
        ("123 e", 123.0, "E", "F"),
        ("123E", 123.0, "E", "F"),
        ("5 р", 5.0, "P", "F"),
    ],
)
def test_notation(text: str, value: float | None, obs: str, conf: str) -> None:
    reading = read_text(text)
    assert (reading.value, reading.obs_status, reading.conf_status) == (value, obs, conf)


def test_metadata_of_the_data_is_written(tmp_path: Path) -> None:
    from migstat.model import SubmissionMetadata, TableMetadata

    meta = SubmissionMetadata(
        country="KGZ",
        year=2024,
        agency="Нацстатком",
        contact_email="stat@example.kg",
        tables={
            "S01": TableMetadata(
                "S01",
                source_type="register",
                reference_date="2024-01-01",
                population_covered="residents",
                origin_concept="BIRTH",
            ),
            "F03": TableMetadata(
                "F03", source_type="census", residence_rule="12_months", rounding_base=5
            ),
        },
    )
    data = Dataset(
        "demo",
        "test",
        "KGZ",
        observations=[
            Observation("S01", "KGZ", "2024-01-01", ("_T", "_T", "_T"), 7000000.0),
            Observation("F03", "KGZ", "2024", ("_T", "LT", "_T"), 3000.0),
        ],
        metadata=meta,
    )
    path = write_template(
        tmp_path / "m.xlsx", country="KGZ", year=2024, tables=["S01", "F03"], data=data
    )
    back = read_questionnaire(path).metadata
    assert back.agency == "Нацстатком" and back.contact_email == "stat@example.kg"
    assert back.tables["S01"].to_dict() == meta.tables["S01"].to_dict()
    assert back.tables["F03"].to_dict() == {
        **meta.tables["F03"].to_dict(),
        "reference_date": "2024",
    }


def test_a_layout_whose_code_columns_do_not_match_its_dimensions_is_damaged(
    template: Path, tmp_path: Path
) -> None:
    """The hidden sheet names a code column per row dimension; a row that lost one (a key
    shorter than the dimensions) is a damaged layout, said once, not a failure inside."""
    wb = openpyxl.load_workbook(template)
    ws = wb[HIDDEN_SHEET]
    header = next(row for row in ws.iter_rows() if row[0].value == "table")
    column = next(c.column for c in header if c.value == "code_cols")
    row = next(r for r in ws.iter_rows(min_row=header[0].row + 1) if r[0].value == "S01")
    cell = ws.cell(row=row[0].row, column=column)
    cell.value = ",".join(str(cell.value).split(",")[:-1])
    damaged = tmp_path / "damaged.xlsx"
    wb.save(damaged)
    with pytest.raises(InputError) as caught:
        read_questionnaire(damaged.read_bytes(), file_name="damaged.xlsx", registry=REG)
    assert "hidden sheet" in caught.value.text("en") and "S01" in caught.value.text("en")
