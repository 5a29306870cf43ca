"""The questionnaire made by ``migstat template``, filled, then spoiled with planted errors —
at least one per rule — gets exactly those findings at exactly those cells, in English and
in Russian; the same file without them validates clean."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from migstat.api import check_file
from migstat.cli.main import main
from migstat.demo.synthetic import consistent_dataset
from migstat.formats.questionnaire import read_questionnaire, write_template
from migstat.model import Dataset, Observation
from migstat.store import Store


def template_cells(wb) -> dict[tuple[str, tuple[str, ...]], str]:
    """Every data cell of a blank questionnaire by (table, key), from its own code cells."""
    from openpyxl.utils import column_index_from_string, get_column_letter

    from migstat.model import default_registry

    facts = list(wb["_migstat"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(facts) if r[0] == "table")
    out: dict[tuple[str, tuple[str, ...]], str] = {}
    for row in facts[head + 1 :]:
        if not row[0]:
            continue
        table, sheet, _p, row_dims, col_dims, code_cols, code_rows, r0, c0, r1, c1 = row[:11]
        ws = wb[sheet]
        order = default_registry().table(table).dimension_ids
        dims = [*row_dims.split(","), *col_dims.split(",")]
        ccols = [column_index_from_string(c) for c in code_cols.split(",")]
        crows = [int(r) for r in str(code_rows).split(",")]
        first, last = column_index_from_string(c0), column_index_from_string(c1)
        for r in range(int(r0), int(r1) + 1):
            rcodes = [ws.cell(r, c).value for c in ccols]
            for c in range(first, last + 1):
                codes = dict(
                    zip(dims, [*rcodes, *(ws.cell(cr, c).value for cr in crows)], strict=True)
                )
                out[(table, tuple(codes[d] for d in order))] = f"{get_column_letter(c)}{r}"
    return out


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, Dataset]:
    """The CLI's blank questionnaire, filled cell by cell as a statistician would."""
    folder = tmp_path_factory.mktemp("golden")
    blank = folder / "blank.xlsx"
    try:
        main(["template", "--country", "KGZ", "--year", "2024", "-o", str(blank)])
    except SystemExit as stop:
        assert not stop.code
    data = consistent_dataset("KGZ", 2024)
    wb = load_workbook(blank)
    where = template_cells(wb)
    for o in data.observations:
        wb[o.table][where[(o.table, o.key)]].value = int(o.value)
    # The metadata sheet, as the statistician fills it (the reader tells where each field is).
    source = folder / "source.xlsx"  # same layout as the blank (not marked synthetic)
    write_template(source, country="KGZ", year=2024, data=data)
    src = read_questionnaire(source.read_bytes(), file_name=source.name)
    src_wb = load_workbook(source)
    places = [
        *src.metadata.where.values(),
        *(loc for t in src.metadata.tables.values() for loc in t.where.values()),
    ]
    for loc in places:
        wb[loc.sheet][loc.cell].value = src_wb[loc.sheet][loc.cell].value
    filled = folder / "KGZ_2024.xlsx"
    wb.save(filled)
    dataset = read_questionnaire(filled.read_bytes(), file_name=filled.name)
    return filled, dataset


def test_the_filled_template_validates_clean(cli, clean) -> None:
    filled, dataset = clean
    assert len(dataset.observations) > 10_000
    for lang in ("en", "ru"):
        code, out, _ = cli("--lang", lang, "validate", str(filled), "--no-history")
        assert code == 0, out
    assert check_file(filled).findings == []


def test_planted_errors_are_found_at_their_cells(cli, tmp_path: Path, clean) -> None:
    filled, dataset = clean
    value = {(o.table, o.key): o.value for o in dataset.observations}
    spoiled = tmp_path / "KGZ_2024_spoiled.xlsx"
    shutil.copy(filled, spoiled)
    wb = load_workbook(spoiled)
    at = template_cells(wb)
    expected: set[tuple[str, str, str]] = set()

    def put(table: str, key: tuple[str, ...], new: object) -> str:
        cell = at[(table, key)]
        wb[table][cell].value = new
        return cell

    # STRUCT_NOT_NUMBER: "n/a" typed instead of "..". The unreadable cell counts as a part
    # not given, so its totals (still at least the sum of the rest) raise nothing more.
    expected.add(("STRUCT_NOT_NUMBER", "S02", put("S02", ("RUS", "F", "Y30T34"), "n/a")))
    # STRUCT_FORMULA: a formula where a number belongs; likewise one finding only.
    expected.add(("STRUCT_FORMULA", "A01", put("A01", ("KAZ", "F", "EDUC"), "=2+2")))
    # STRUCT_NEGATIVE: a count entered with a minus sign; its three totals no longer add up.
    key = ("RUS", "M", "OCC")
    expected.add(("STRUCT_NEGATIVE", "A01", put("A01", key, -value[("A01", key)])))
    for total in (("RUS", "M", "_T"), ("RUS", "_T", "OCC"), ("_T", "M", "OCC")):
        expected.add(("ARITH_TOTAL", "A01", at[("A01", total)]))
    # STRUCT_NOT_INTEGER: a fraction of a person.
    key = ("UZB", "F", "FAM")
    expected.add(("STRUCT_NOT_INTEGER", "A01", put("A01", key, value[("A01", key)] + 0.5)))
    for total in (("UZB", "F", "_T"), ("UZB", "_T", "FAM"), ("_T", "F", "FAM")):
        expected.add(("ARITH_TOTAL", "A01", at[("A01", total)]))
    # ARITH_TOTAL: a typing slip in a total (1,234 -> 1,324).
    key = ("RUS", "LT", "_T", "_T")
    put("F01", key, value[("F01", key)] + 90)
    expected.add(("ARITH_TOTAL", "F01", at[("F01", key)]))
    expected.add(("ARITH_TOTAL", "F01", at[("F01", ("_T", "LT", "_T", "_T"))]))
    # CROSS: the non-citizens aged 15+ of S04 no longer equal those of S02.
    key = ("_T", "_T", "_T")
    put("S04", key, value[("S04", key)] + 7)
    expected.add(("ARITH_TOTAL", "S04", at[("S04", key)]))
    expected.add(("CROSS_*", "S04", at[("S04", key)]))
    # META_SELF_PARTNER: the country's own row filled in a table of the foreign-born.
    expected.add(("META_SELF_PARTNER", "S03", put("S03", ("KGZ", "_T", "_T"), 5)))
    expected.add(("ARITH_TOTAL", "S03", at[("S03", ("_T", "_T", "_T"))]))
    # STRUCT_MISSING_METADATA and META_RESIDENCE_RULE: cleared metadata cells.
    agency = dataset.metadata.where["agency"]
    wb[agency.sheet][agency.cell].value = None
    expected.add(("STRUCT_MISSING_METADATA", agency.sheet, agency.cell))
    rule = dataset.metadata.tables["F02"].where["residence_rule"]
    wb[rule.sheet][rule.cell].value = None
    expected.add(("META_RESIDENCE_RULE", rule.sheet, rule.cell))
    source = dataset.metadata.tables["S03"].where["source_type"]
    wb[source.sheet][source.cell].value = None
    expected.add(("STRUCT_MISSING_METADATA", source.sheet, source.cell))
    wb.save(spoiled)

    found_by_lang = {}
    for lang in ("en", "ru"):
        code, out, _ = cli("--lang", lang, "validate", str(spoiled), "--no-history", "--json", "-")
        assert code == 1
        found_by_lang[lang] = json.loads(out)["findings"]
    findings = found_by_lang["en"]
    got = {
        (
            f["rule"] if not f["rule"].startswith("CROSS_") else "CROSS_*",
            f["location"].get("sheet"),
            f["location"].get("cell"),
        )
        for f in findings
    }
    assert got == expected

    # The human report names the cells and the numbers, in both languages.
    code, text_en, _ = cli("--lang", "en", "validate", str(spoiled), "--no-history")
    code, text_ru, _ = cli("--lang", "ru", "validate", str(spoiled), "--no-history")
    negative_cell = at[("A01", ("RUS", "M", "OCC"))]
    assert f"A01!{negative_cell}" in text_en and f"A01!{negative_cell}" in text_ru
    f01_cell = at[("F01", ("RUS", "LT", "_T", "_T"))]
    typo = next(
        f
        for f in findings
        if f["location"].get("cell") == f01_cell and f["location"].get("sheet") == "F01"
    )
    assert typo["values"]["difference"] == 90
    assert "90" in typo["message"]["en"] and "90" in typo["message"]["ru"]
    assert any("а" <= ch <= "я" for ch in typo["message"]["ru"].lower())

    # The annotated workbook to send back carries a comment on each offending cell.
    returned = tmp_path / "returned.xlsx"
    code, *_ = cli("validate", str(spoiled), "--no-history", "--annotate", str(returned))
    wb = load_workbook(returned)
    assert wb["A01"][negative_cell].comment is not None
    assert wb["F01"][f01_cell].comment is not None


def test_year_on_year_jump_is_a_warning(tmp_path: Path, clean) -> None:
    """A figure a tenth of last year's stored one is flagged, as a warning, at its cell."""
    filled, dataset = clean
    largest = max(
        (o for o in dataset.observations if o.table == "F01" and "_T" not in o.key),
        key=lambda o: o.value,
    )
    key, this_year = largest.key, largest.value
    assert this_year >= 50  # above the table's floor for year-on-year checks
    previous = [
        Observation(
            o.table,
            o.ref_area,
            "2023",
            o.key,
            (o.value * 10 if o.key == key else o.value),
            o.obs_status,
        )
        for o in dataset.observations
        if o.table == "F01"
    ]
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        store.submit(
            Dataset("KGZ_2023.csv", "long_csv", "KGZ", previous),
            b"2023",
            findings=[],
            accepted=True,
        )
        checked = check_file(filled, store=store)
    jumps = [f for f in checked.findings if f.rule == "TIME_YOY_JUMP"]
    assert [(f.where.sheet, f.where.cell) for f in jumps] == [
        (
            "F01",
            next(o.where.cell for o in dataset.observations if o.table == "F01" and o.key == key),
        )
    ]
    assert jumps[0].severity == "warning"
    assert jumps[0].values["observed"] == this_year
    assert not checked.errors
