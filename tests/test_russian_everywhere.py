"""Russian everywhere a person reads: the global ``--lang ru`` gives a Russian-first workbook
(rows in Russian order, print set-up), Russian-first findings and comments, Russian ``--help``
and statuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from migstat import api
from migstat.demo.synthetic import consistent_dataset
from migstat.formats.questionnaire import write_template
from migstat.model import default_registry


@pytest.fixture(scope="module")
def ru_filled(tmp_path_factory) -> Path:
    """A Russian-first workbook filled with consistent numbers."""
    path = tmp_path_factory.mktemp("ru") / "KGZ_2024_ru.xlsx"
    data = consistent_dataset("KGZ", 2024)
    tables = sorted({o.table for o in data.observations})
    write_template(path, country="KGZ", year=2024, tables=tables, lang="ru+en", data=data)
    return path


def test_the_global_lang_gives_a_russian_first_workbook(cli, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    code, text, _ = cli(
        "--lang", "ru", "template", "--country", "KGZ", "--year", "2024", "-o", str(out)
    )
    assert code == 0 and "Вопросник записан" in text
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["Инструкция", "Метаданные"]
    ws = wb["S01"]
    header = [c.value for c in ws[10]][:6]
    assert header[2] == "Страна рождения" and header[4] == "Country of birth", header
    # the CIS block first, then the other countries in Russian alphabetical order
    reg = default_registry()
    codes = [ws.cell(r, 1).value for r in range(11, ws.max_row + 1) if ws.cell(r, 2).value == "_T"]
    cis = list(reg.areas.subsets["partner_first"])
    assert codes[1 : 1 + len(cis)] == cis
    rest = [c for c in codes[1 + len(cis) :] if c not in reg.areas.subsets["partner_last"]]
    names = [reg.areas.label(c, "ru").casefold().replace("ё", "е") for c in rest]
    assert names == sorted(names) and rest[:2] == ["AUS", "AUT"]  # Австралия, Австрия
    # the English-first workbook keeps the English order
    en = tmp_path / "en.xlsx"
    assert (
        cli("--lang", "en", "template", "--country", "KGZ", "--year", "2024", "-o", str(en))[0] == 0
    )
    en_codes = [c.value for c in load_workbook(en)["S01"]["A"] if c.value]
    assert en_codes.index("AFG") < en_codes.index("AUS")


def test_every_sheet_prints_one_page_wide_with_its_header(cli, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    cli("--lang", "ru", "template", "--country", "KGZ", "--year", "2024", "-o", str(out))
    wb = load_workbook(out)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        setup = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert ws.print_area, ws.title
    s01 = wb["S01"]
    assert s01.page_setup.orientation == "landscape"
    assert s01.print_title_rows == "$8:$10"
    assert s01.print_area.endswith(f"$Y${s01.max_row}")


def test_a_russian_workbook_reads_back_and_survives_a_deleted_block(ru_filled, tmp_path) -> None:
    checked = api.check_file(ru_filled)
    assert checked.findings == []
    wb = load_workbook(ru_filled)
    ws = wb["S01"]
    row = next(
        r
        for r in range(1, ws.max_row)
        if ws.cell(r, 1).value == "RUS" and ws.cell(r, 2).value == "_T"
    )
    ws.delete_rows(row, 4)
    damaged = tmp_path / "d.xlsx"
    wb.save(damaged)
    [f] = api.check_file(damaged).findings
    assert f.rule == "STRUCT_ROWS_MISSING" and f.where.cell == f"A{row}"
    assert "Российская Федерация (RUS)" in f.text("ru") and len(f.caused) > 40
    assert f.severity == "error"


def test_findings_and_comments_put_russian_first(cli, ru_filled, tmp_path) -> None:
    wb = load_workbook(ru_filled)
    ws = wb["S01"]
    ws["H16"] = "=1+2"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    out = tmp_path / "back.xlsx"
    code, _, _ = cli("--lang", "ru", "validate", str(bad), "--no-history", "--annotate", str(out))
    assert code == 1
    back = load_workbook(out)
    assert back.sheetnames[0] == "Замечания - Findings"
    comment = back["S01"]["H16"].comment.text
    first, second = comment.splitlines()[:2]
    assert first.startswith("[ошибка / error]") and second.startswith("В ячейке формула")
    listing = back.worksheets[0]
    header = [c.value for c in listing[4]]
    assert header[5].endswith("/ Message") and not header[5].startswith("Message"), header


def test_help_and_statuses_in_russian(cli, tmp_path, ru_filled) -> None:
    code, out, _ = cli("--lang", "ru", "submit", "--help")
    assert code == 0 and "Проверить и сохранить представление" in out
    assert "Метаданные таблиц файла CSV" in out
    assert out.startswith("Использование: migstat submit") and "Показать эту справку" in out
    code, out, _ = cli("--lang", "ru", "--help")
    assert "Команды:" in out and "Создать книгу вопросника" in out
    code, out, _ = cli("--lang", "en", "submit", "--help")
    assert "Validate and store a submission" in out  # English again in the same process
    assert out.startswith("Usage: migstat submit") and "Show this message" in out
    db = tmp_path / "s.db"
    code, out, _ = cli(
        "--db", str(db), "--lang", "ru", "submit", str(ru_filled), "--country", "KGZ"
    )
    assert code == 0 and "(принято)" in out
    code, out, _ = cli("--db", str(db), "--lang", "ru", "submissions")
    assert out.split("\t")[3] == "принято"


def test_usage_errors_in_russian(cli) -> None:
    """Click's own messages follow ``--lang`` too: a missing option, a misspelt command, a value
    outside the choices, and "[required]" in the help."""
    code, _, err = cli("--lang", "ru", "template", "--country", "KGZ")
    assert code == 2
    assert "Ошибка: Отсутствует параметр '--year'." in err
    assert "Справка: 'migstat template --help'." in err and "Использование:" in err
    code, _, err = cli("--lang", "ru", "tempalte")
    assert "Нет такой команды: 'tempalte'. Возможно, имелось в виду 'template'?" in err
    code, _, err = cli("--lang", "ru", "query", "S01", "--format", "xyz")
    assert "Недопустимое значение '--format'" in err and "возможны 'csv', 'xlsx'" in err
    code, out, _ = cli("--lang", "ru", "template", "--help")
    assert "[обязательный]" in out and "required" not in out
    code, _, err = cli("--lang", "en", "template", "--country", "KGZ")
    assert "Error: Missing option '--year'." in err  # English again in the same process
