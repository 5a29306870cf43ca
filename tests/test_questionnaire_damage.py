"""The questionnaire survives what people do to it: each damage is one finding at its place.

Real workbooks: filled by the writer with consistent numbers, then damaged with openpyxl as a
user would in Excel (merging cells, deleting and inserting rows, typing a name where a code
belongs), and checked in English and Russian.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from migstat import api
from migstat.demo.synthetic import consistent_dataset, write_workbook
from migstat.validation.report import render_text


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("q") / "KGZ_2024.xlsx"
    write_workbook(path, consistent_dataset("KGZ", 2024))
    return path


def row_of(ws, *codes: str) -> int:
    """The row whose code cells hold ``codes``."""
    for row in ws.iter_rows(min_row=1, max_col=len(codes)):
        if tuple(c.value for c in row) == codes:
            return row[0].row
    raise AssertionError(codes)


def damaged(filled: Path, tmp_path: Path, damage, sheet: str = "S01") -> api.CheckedFile:
    wb = load_workbook(filled)
    damage(wb[sheet])
    out = tmp_path / "damaged.xlsx"
    wb.save(out)
    return api.check_file(out)


def only(checked: api.CheckedFile):
    assert len(checked.findings) == 1, [f.text("en") for f in checked.findings]
    return checked.findings[0]


def test_the_undamaged_workbook_has_no_findings(filled: Path) -> None:
    assert api.check_file(filled).findings == []


def test_a_deleted_country_block_is_one_finding_naming_the_row(filled, tmp_path) -> None:
    before = api.check_file(filled)
    ws = load_workbook(filled)["S01"]
    first = row_of(ws, "ARM", "_T")
    checked = damaged(filled, tmp_path, lambda ws: ws.delete_rows(first, 4))
    f = only(checked)
    assert (f.rule, f.severity, f.where.sheet, f.where.cell) == (
        "STRUCT_ROWS_MISSING",
        "error",
        "S01",
        f"A{first}",
    )
    assert f.params["n"] == 4
    assert "Armenia (ARM)" in f.text("en") and f"row {first}" in f.text("en")
    assert "Армения (ARM)" in f.text("ru") and f"строке {first}" in f.text("ru")
    # the world totals that no longer add up are filed under it, not beside it
    assert len(f.caused) > 40 and {g.rule for g in f.caused} == {"ARITH_TOTAL"}
    assert len(before.dataset.observations) - len(checked.dataset.observations) == 4 * 19
    text = render_text(checked.findings, lang="ru", file_name="damaged.xlsx")
    assert "1 ошибка" in text and f"S01!A{first}" in text and "из-за этого не проходят" in text


def test_one_deleted_row_is_named_by_its_codes(filled, tmp_path) -> None:
    ws = load_workbook(filled)["S01"]
    row = row_of(ws, "AZE", "F")
    f = only(damaged(filled, tmp_path, lambda ws: ws.delete_rows(row, 1)))
    assert f.rule == "STRUCT_ROWS_MISSING" and f.where.cell == f"A{row}"
    assert "AZE F" in f.text("en") and f.params["n"] == 1


def test_merged_code_cells_are_read_as_one_code_each(filled, tmp_path) -> None:
    ws = load_workbook(filled)["S01"]
    first = row_of(ws, "BLR", "_T")
    checked = damaged(filled, tmp_path, lambda ws: ws.merge_cells(f"A{first}:A{first + 3}"))
    f = only(checked)
    assert (f.rule, f.severity, f.where.cell) == ("STRUCT_MERGED_CELLS", "warning", f"A{first}")
    assert f"A{first}:A{first + 3}" in f.text("en") and "BLR" in f.text("ru")
    assert not checked.errors
    assert len(checked.dataset.observations) == len(api.check_file(filled).dataset.observations)


def test_merged_data_cells_are_one_error(filled, tmp_path) -> None:
    ws = load_workbook(filled)["S01"]
    row = row_of(ws, "GEO", "M")
    f = only(damaged(filled, tmp_path, lambda ws: ws.merge_cells(f"H{row}:J{row}")))
    assert (f.rule, f.severity, f.where.cell) == ("STRUCT_MERGED_CELLS", "error", f"H{row}")
    assert "объединены" in f.text("ru") and len(f.caused) >= 2


def test_an_inserted_row_with_figures_is_one_finding(filled, tmp_path) -> None:
    ws = load_workbook(filled)["S01"]
    row = row_of(ws, "GEO", "_T")

    def insert(ws) -> None:
        ws.insert_rows(row)
        for col in range(7, 12):
            ws.cell(row, col, 125)

    f = only(damaged(filled, tmp_path, insert))
    assert (f.rule, f.where.cell) == ("STRUCT_UNCODED_ROW", f"G{row}")
    assert f"G{row}:K{row}" in f.text("en") and f"A{row}:B{row}" in f.text("ru")


def test_an_inserted_empty_row_changes_nothing(filled, tmp_path) -> None:
    ws = load_workbook(filled)["S01"]
    row = row_of(ws, "GEO", "_T")
    checked = damaged(filled, tmp_path, lambda ws: ws.insert_rows(row, 2))
    assert checked.findings == []
    assert len(checked.dataset.observations) == len(api.check_file(filled).dataset.observations)


@pytest.mark.parametrize(
    ("name", "code", "label_ru"),
    [("Кыргызстан", "KGZ", "Кыргызстан"), ("Южная Корея", "KOR", "Республика Корея")],
)
def test_a_name_where_a_code_belongs_is_named_at_the_code_cell(
    filled, tmp_path, name, code, label_ru
) -> None:
    ws = load_workbook(filled)["S01"]
    row = row_of(ws, "ARM", "_T")

    def type_name(ws) -> None:
        ws[f"A{row}"] = name

    f = only(damaged(filled, tmp_path, type_name))
    assert (f.rule, f.severity, f.where.sheet, f.where.cell) == (
        "STRUCT_CODE_NOT_CODE",
        "error",
        "S01",
        f"A{row}",
    )
    assert f.params["code"] == code
    assert f"code {code}" in f.text("en") and f"S01!A{row}" in f.text("en")
    assert f"код {code} ({label_ru})" in f.text("ru")
    assert len(f.caused) > 10  # the world totals the row no longer feeds


def test_an_unknown_name_gets_the_closest_candidates(filled, tmp_path) -> None:
    ws = load_workbook(filled)["S01"]
    row = row_of(ws, "ARM", "_T")

    def type_name(ws) -> None:
        ws[f"A{row}"] = "Kazakstan Republik"

    f = only(damaged(filled, tmp_path, type_name))
    assert f.rule == "STRUCT_CODE_NOT_CODE" and "code" not in f.params
    assert "KAZ (Kazakhstan)" in f.text("en") and "KAZ (Казахстан)" in f.text("ru")


def test_a_deleted_column_is_one_finding(filled, tmp_path) -> None:
    f = only(damaged(filled, tmp_path, lambda ws: ws.delete_cols(10, 1)))
    assert f.rule == "STRUCT_COLUMNS_MISSING" and f.where.cell.startswith("J")
    assert "10-14 (Y10T14)" in f.text("en") and "всего 1" in f.text("ru")


def test_the_console_names_the_cell_of_text_and_formula_findings(cli, filled, tmp_path) -> None:
    wb = load_workbook(filled)
    ws = wb["S01"]
    row = row_of(ws, "ARM", "_T")
    ws[f"I{row}"] = "=1+2"
    ws[f"J{row}"] = "about 40"
    out_path = tmp_path / "t.xlsx"
    wb.save(out_path)
    code, out, _ = cli("--lang", "ru", "validate", str(out_path), "--no-history")
    assert code == 1
    formula = next(line for line in out.splitlines() if "STRUCT_FORMULA" in line)
    text = next(line for line in out.splitlines() if "STRUCT_NOT_NUMBER" in line)
    assert f"S01!I{row}: " in formula and "формула" in formula
    assert f"S01!J{row}: " in text and "about 40" in text


@pytest.mark.parametrize("mark", [",", "."])
def test_a_count_typed_as_text_with_thousands_marked_is_one_warning(filled, tmp_path, mark) -> None:
    ws = load_workbook(filled)["S01"]
    row = row_of(ws, "ARM", "_T")
    value = int(ws[f"G{row}"].value)
    assert value >= 1000

    def as_text(ws) -> None:
        ws[f"G{row}"] = f"{value // 1000}{mark}{value % 1000:03d}"

    checked = damaged(filled, tmp_path, as_text)
    f = only(checked)
    assert (f.rule, f.severity, f.where.cell) == ("STRUCT_TEXT_NUMBER", "warning", f"G{row}")
    assert not checked.errors
    read = next(
        o
        for o in checked.dataset.observations
        if (o.where.sheet, o.where.cell) == ("S01", f"G{row}")
    )
    assert read.value == value
    assert "прочитанный как" in f.text("ru")
