"""Datasets of Eurostat and the OECD that the first importers did not know, read from the real
files in ``shared/data`` (their README gives where each came from), checked against the
numbers read from the same files with the csv module."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from migstat.model import InputError, default_registry
from migstat.sources import detect_source, read_source
from migstat.sources.sdmx import _flow_of
from tests.shared import SHARED_DATA

EUROSTAT = SHARED_DATA / "eurostat"
EIPRE = EUROSTAT / "estat_migr_eipre_sdmxcsv_labels__natix.csv"
TPS00171 = EUROSTAT / "estat_tps00171_sdmxcsv_labels__jatofi.csv"
TPS00176 = EUROSTAT / "estat_tps00176_en.csv"
OECD = SHARED_DATA / "oecd" / "oecd_DSD_MIG_DF_MIG_B11_inflows_sdmxcsv_labels__melanie-vera.csv"


@pytest.fixture(scope="module")
def registry():
    return default_registry()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _index(dataset):
    return {(o.table, o.ref_area, o.time_period, o.key): o for o in dataset.observations}


def test_dataflow_references_as_agencies_write_them() -> None:
    assert _flow_of("ESTAT:MIGR_EIPRE$DEFAULTVIEW(1.0)") == ("ESTAT", "MIGR_EIPRE")
    assert _flow_of("OECD.ELS.IMD:DSD_MIG@DF_MIG(1.0)") == ("OECD.ELS.IMD", "DSD_MIG")
    assert _flow_of("ESTAT:MIGR_RESFIRST(1.0): First permits") == ("ESTAT", "MIGR_RESFIRST")
    assert _flow_of("NOAGENCY") == ("", "NOAGENCY")


def test_found_illegally_present_from_labels(registry) -> None:
    """migr_eipre with labels: the totals over reason and place of apprehension go to E02."""
    assert detect_source(EIPRE, EIPRE.read_bytes()[:8192]) == "sdmx"
    data = read_source(EIPRE, registry=registry)
    index = _index(data)
    assert {o.table for o in data.observations} == {"E02"}
    totals = [
        r
        for r in _rows(EIPRE)
        if r["reason"] == "Total" and r["apprehen"] == "Total" and r["OBS_VALUE"]
    ]
    countries = [r for r in totals if not r["geo"].startswith("European Union")]
    assert len([o for o in data.observations if o.value is not None]) == len(countries)
    assert index[("E02", "AUT", "2015", ("_T", "_T"))].value == 86220
    for row in countries[:40]:
        found = [
            o
            for o in data.observations
            if o.time_period == row["TIME_PERIOD"] and o.value == int(row["OBS_VALUE"])
        ]
        assert found, row
    assert data.provenance is not None and data.provenance.dataset.startswith("MIGR_EIPRE")
    assert data.provider == "ESTAT"


def test_first_permits_main_table_from_labels(registry) -> None:
    data = read_source(TPS00171, registry=registry)
    index = _index(data)
    assert {o.table for o in data.observations} == {"A01"}
    assert index[("A01", "AUT", "2019", ("_T", "_T", "EDUC"))].value == 19662
    assert index[("A01", "ALB", "2019", ("_T", "_T", "_T"))] is not None
    published = {
        "Education reasons": 19662,
        "Family reasons": 90958,
        "Remunerated activities reasons": None,  # empty in the file: not available
        "Other reason": 389166,
        "Total": 510718,
    }
    codes = {"Education reasons": "EDUC", "Family reasons": "FAM", "Other reason": "OTH"}
    codes |= {"Remunerated activities reasons": "OCC", "Total": "_T"}
    for label, value in published.items():
        obs = index[("A01", "AUT", "2019", ("_T", "_T", codes[label]))]
        assert obs.value == value
        assert (obs.obs_status == "O") is (value is None)
    assert data.provenance is not None and data.provenance.edition == "2025-01-27"


def test_immigration_main_table_is_long_term_immigration_by_citizenship(registry) -> None:
    data = read_source(TPS00176, registry=registry)
    index = _index(data)
    assert {o.table for o in data.observations} == {"F03"}
    published = {
        (r["geo"], r["TIME_PERIOD"]): int(r["OBS_VALUE"])
        for r in _rows(TPS00176)
        if r["agedef"] == "COMPLET" and r["OBS_VALUE"]
    }
    assert index[("F03", "AUT", "2011", ("_T", "LT", "_T"))].value == published[("AT", "2011")]
    assert index[("F03", "GRC", "2015", ("_T", "LT", "_T"))].value == published[("EL", "2015")]
    countries = {k: v for k, v in published.items() if not k[0].startswith("EU")}
    assert len(data.observations) == len(countries)  # one age definition, not both
    assert data.metadata.tables["F03"].residence_rule == "12_months"


def test_oecd_inflows(registry) -> None:
    data = read_source(OECD, registry=registry)
    index = _index(data)
    assert data.provider == "OECD.ELS.IMD"
    rows = _rows(OECD)
    assert len(data.observations) == len(rows)
    for row in rows:
        obs = index[("F03", row["REF_AREA"], row["TIME_PERIOD"], ("_T", "LT", "_T"))]
        published = float(row["OBS_VALUE"])
        assert obs.value == round(published)
        if published.is_integer():
            assert obs.obs_status == "A"
        else:  # the OECD's estimates with decimals: rounded, flagged, published value kept
            assert obs.obs_status == "E"
            assert row["OBS_VALUE"].rstrip("0") in (obs.comment or "")
    assert index[("F03", "NOR", "2018", ("_T", "LT", "_T"))].value == 44406
    assert data.metadata.tables["F03"].residence_rule == "other"


def test_oecd_measure_without_a_table_stops_at_its_line(registry, tmp_path) -> None:
    lines = OECD.read_text(encoding="utf-8").splitlines()
    stock = lines[2].replace(
        ",B11,Inflows of foreign population,", ",B21,Inflows of foreign workers,"
    )
    path = tmp_path / "oecd_mig.csv"
    path.write_text("\n".join([lines[0], lines[1], stock]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_source(path, registry=registry)
    assert caught.value.where.line == 3
    assert "B21" in str(caught.value)


def test_no_agency_is_said_plainly(registry, tmp_path) -> None:
    path = tmp_path / "flow.csv"
    path.write_text("DATAFLOW,geo,TIME_PERIOD,OBS_VALUE\nSOMETHING,AT,2020,5\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_source(path, registry=registry)
    text = str(caught.value)
    assert "does not say which agency" in text and " of  " not in text
    assert "не называет ведомство" in caught.value.text("ru")


# -- UNHCR: both header styles ------------------------------------------------------------

UNHCR_EXPORT = SHARED_DATA / "unhcr" / "unhcr_ukraine_origin_1992_export__jatofi.csv"


def _unhcr_published(path: Path) -> dict[tuple[str, str, str], tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        at = {h: i for i, h in enumerate(header)}
        return {
            (r[at["Year"]], r[at["Country of origin (ISO)"]], r[at["Country of asylum (ISO)"]]): (
                r[at["Refugees under UNHCR's mandate"]],
                r[at["Asylum-seekers"]],
            )
            for r in reader
        }


def test_unhcr_export_with_labelled_header(registry) -> None:
    assert detect_source(UNHCR_EXPORT, UNHCR_EXPORT.read_bytes()[:8192]) == "unhcr"
    data = read_source(UNHCR_EXPORT, registry=registry)
    index = _index(data)
    published = _unhcr_published(UNHCR_EXPORT)
    assert index[("R01", "CAN", "1994-12-31", ("UKR", "_T", "REF"))].value == 462
    checked = 0
    for (year, origin, asylum), (refugees, asylum_seekers) in published.items():
        if asylum == "UNK":
            continue
        key = ("R01", asylum, f"{year}-12-31")
        assert index[(*key, (origin, "_T", "REF"))].value == int(refugees)
        assert index[(*key, (origin, "_T", "ASY"))].value == int(asylum_seekers)
        checked += 1
    assert len(data.observations) == 2 * checked
    rules = {f.rule for f in data.findings}
    assert {"IMPORT_NOT_STORED", "IMPORT_NO_REF_AREA"} <= rules
    not_stored = next(f for f in data.findings if f.rule == "IMPORT_NOT_STORED")
    assert "Returned refugees" in not_stored.params["columns"]
    assert "не хранятся" in not_stored.text("ru")


def test_unhcr_export_after_a_preamble(registry, tmp_path) -> None:
    """The Refugee Data Finder puts a title and the date of extraction above the header."""
    preamble = b"Extracted from UNHCR's Refugee Data Finder\nDate extracted: 2025-01-15\n\n"
    path = tmp_path / "query_data.csv"
    path.write_bytes(preamble + UNHCR_EXPORT.read_bytes())
    assert detect_source(path, path.read_bytes()[:8192]) == "unhcr"
    plain = read_source(UNHCR_EXPORT, registry=registry)
    shifted = read_source(path, registry=registry)
    assert [(o.key, o.value) for o in shifted.observations] == [
        (o.key, o.value) for o in plain.observations
    ]
    assert shifted.observations[0].where.line == plain.observations[0].where.line + 3


# -- PX: the table from the file's content -------------------------------------------------

PX = SHARED_DATA / "px"


def _five_year_ages(source: Path, tmp_path: Path) -> Path:
    """The SCB example with its single years of age (20, 21, 22: no breakdown of F01 or F02)
    relabelled as five-year groups, so that its numbers reach a table."""
    text = source.read_bytes().decode("latin-1")
    for old, new in (
        ('"20","21","22"', '"20-24","25-29","30-34"'),
        ('("*","20","*"', '("*","20-24","*"'),
    ):
        text = text.replace(old, new)
    path = tmp_path / source.name
    path.write_bytes(text.encode("latin-1"))
    return path


def test_px_content_variable_gives_both_directions(registry, tmp_path) -> None:
    """EXEMPEL1: CONTVARIABLE "type" holds Inmigrated and Outmigrated: F01 and F02, without
    --table; the region "00 Sweden" (CODES 00) is Sweden."""
    path = _five_year_ages(PX / "scb_pxweb_example__NPM_EXEMPEL1.PX", tmp_path)
    data = read_source(path, registry=registry)
    index = _index(data)
    assert {o.table for o in data.observations} == {"F01", "F02"}
    assert {o.ref_area for o in data.observations} == {"SWE"}
    assert index[("F01", "SWE", "2003", ("_T", "LT", "M", "Y20T24"))].value == 456
    assert index[("F02", "SWE", "2003", ("_T", "LT", "M", "Y20T24"))].value == 223
    assert index[("F02", "SWE", "2003", ("_T", "LT", "F", "Y20T24"))].value == 327
    missing = index[("F01", "SWE", "2003", ("_T", "LT", "F", "Y20T24"))]
    assert missing.value is None and missing.obs_status == "M"  # "." cannot exist
    # the counties and municipalities are not countries: named, and left out
    assert not [f for f in data.findings if f.rule == "IMPORT_UNMATCHED_NAME"]
    regions = [f for f in data.findings if f.rule == "IMPORT_NOT_STORED"]
    assert len(regions) == 1 and regions[0].params["country"] == "SWE"
    assert "01 Stockholm county" in regions[0].params["values"]
    assert "регионы страны SWE" in regions[0].text("ru")


def test_px_multilingual_and_contents(registry, tmp_path) -> None:
    """Three languages (LANGUAGES="en","sv","fi"; VALUES[sv] ...): the same tables."""
    path = _five_year_ages(
        PX / "scb_pxweb_example__AttributesCellnotes_BE0101F1langensvfiolikacelln.px", tmp_path
    )
    data = read_source(path, registry=registry)
    index = _index(data)
    assert index[("F01", "SWE", "2003", ("_T", "LT", "M", "Y20T24"))].value == 456
    assert index[("F01", "SWE", "2003", ("_T", "LT", "F", "Y20T24"))].value == 938
    assert index[("F02", "SWE", "2003", ("_T", "LT", "F", "Y20T24"))].value == 327
    # cell notes: in English where the file has one, else in its next language (Swedish)
    notes = {(o.table, o.key[2], o.key[3]): o.comment for o in data.observations}
    assert notes["F01", "M", "Y20T24"] == "Cellnote inmigrated 20 years"
    assert notes["F02", "F", "Y20T24"] == "Cellnot för utflyttade 20 år."
    assert notes["F01", "M", "Y25T29"] is None
    one = read_source(path, registry=registry, table="F02")
    assert {o.table for o in one.observations} == {"F02"}


def test_px_contents_name_the_table(registry, tmp_path) -> None:
    """No measure variable: CONTENTS "Inmigrated" says F01."""
    path = _five_year_ages(PX / "scb_pxweb_example__NPM_BE0101F1datasymbols.px", tmp_path)
    data = read_source(path, registry=registry)
    index = _index(data)
    assert index[("F01", "SWE", "2003", ("_T", "LT", "M", "Y20T24"))].value == 456
    assert {o.table for o in data.observations} == {"F01"}


def test_px_single_years_are_kept_national_not_guessed(registry) -> None:
    """Single years of age are no breakdown of F01: they stay national categories (for a
    classification mapping; without one the import leaves them out with a warning)."""
    data = read_source(PX / "scb_pxweb_example__NPM_EXEMPEL1.PX", registry=registry)
    assert {o.key[3] for o in data.observations} == {"20", "21", "22"}
    assert {o.ref_area for o in data.observations} == {"SWE"}


# -- the Russian Interior Ministry's form 2-RD (.xls) -------------------------------------

RD = (
    SHARED_DATA
    / "cis_admin"
    / "ru_mvd_2RD_migration_situation_2016_regions_countries__GeorgyGol.xls"
)


@pytest.fixture(scope="module")
def form_2rd(registry):
    return read_source(RD, registry=registry)


def _sheet_by_country():
    import xlrd

    return xlrd.open_workbook(str(RD)).sheet_by_name("САЙТ (2-РД страны)")


def test_2rd_is_detected_and_read_by_content(form_2rd) -> None:
    assert detect_source(RD, RD.read_bytes()[:8192]) == "mvd"
    index = _index(form_2rd)
    assert {o.table for o in form_2rd.observations} == {"A01", "A02", "C01"}
    assert {o.ref_area for o in form_2rd.observations} == {"RUS"}
    assert {o.time_period for o in form_2rd.observations if o.table != "A02"} == {"2016"}
    sheet = _sheet_by_country()
    rows = {str(sheet.cell_value(r, 0)).strip(): r for r in range(12, sheet.nrows)}
    # column 17 acquisitions of citizenship (R), column 13 decisions on temporary permits (N)
    for label, code in (("Азербайджан", "AZE"), ("Украина", "UKR"), ("Киргизия", "KGZ")):
        row = sheet.row_values(rows[label])
        assert index[("C01", "RUS", "2016", (code, "_T"))].value == int(row[17])
        assert index[("A01", "RUS", "2016", (code, "_T", "_T"))].value == int(row[13])
    stateless = sheet.row_values(rows["ЛИЦА БЕЗ ГРАЖДАНСТВА"])
    assert index[("C01", "RUS", "2016", ("STATELESS", "_T"))].value == int(stateless[17])
    total = index[("C01", "RUS", "2016", ("_T", "_T"))]
    assert total.value == 265319 and total.where.cell == "R13"


def test_2rd_permit_holders_are_the_valid_permits_at_the_end_of_the_year(form_2rd) -> None:
    """Columns 14 (living on a temporary residence permit) and 16 (on a residence permit):
    their sum is A02, on 31 December of the year the title names."""
    sheet = _sheet_by_country()
    rows = {str(sheet.cell_value(r, 0)).strip(): r for r in range(12, sheet.nrows)}
    index = _index(form_2rd)
    assert {o.time_period for o in form_2rd.observations if o.table == "A02"} == {"2016-12-31"}
    for label, code in (("ВСЕГО по странам", "_T"), ("Узбекистан", "UZB"), ("Абхазия", "XAB")):
        row = sheet.row_values(rows[label])
        obs = index[("A02", "RUS", "2016-12-31", (code, "_T", "_T"))]
        assert obs.value == int(row[14]) + int(row[16])
        r = rows[label] + 1
        assert obs.where.cell == f"O{r}" and obs.comment == f"sum of cells O{r} + Q{r}"
    assert index[("A02", "RUS", "2016-12-31", ("_T", "_T", "_T"))].value == 1115644
    meta = form_2rd.metadata.tables["A02"]
    assert meta.reference_date == "2016-12-31" and "ВнЖ" in (meta.notes or "")
    left = next(f for f in form_2rd.findings if "columns" in f.params)
    assert "Принято решений о выдаче ВнЖ" in left.params["columns"]
    assert "по РВП" not in left.params["columns"] and "по ВнЖ" not in left.params["columns"]


def test_2rd_places_every_row_and_says_what_it_leaves_out(form_2rd) -> None:
    sheet = _sheet_by_country()
    unmatched = {f.params["name"] for f in form_2rd.findings if f.rule == "IMPORT_UNMATCHED_NAME"}
    assert unmatched == set()
    # the disputed territories under codes of their own, so the world total is exactly the
    # sum of the partners stored
    rows = {str(sheet.cell_value(r, 0)).strip(): r for r in range(12, sheet.nrows)}
    index = _index(form_2rd)
    for label, code in (("Абхазия", "XAB"), ("Приднестровская Молдавская Республика", "XTR")):
        value = sheet.cell_value(rows[label], 17)
        assert index[("C01", "RUS", "2016", (code, "_T"))].value == int(value)
    stored = sum(o.value for o in form_2rd.observations if o.table == "C01" and o.key[0] != "_T")
    assert stored == 265319
    rules = [f for f in form_2rd.findings if f.rule == "IMPORT_NOT_STORED"]
    assert any("регион" in f.params.get("sheet", "") for f in rules)  # the sheet by region
    assert any("Оформлено виз" in f.params.get("columns", "") for f in rules)
    twice = [f for f in rules if "row" in f.params]
    assert [(f.params["first"], f.params["row"]) for f in twice] == [(202, 206)]
    assert "сохранено один раз" in twice[0].text("ru")


def test_2rd_part_of_a_year_is_refused(registry, tmp_path) -> None:
    import xlrd  # the fixture is the real file with its title changed in a copy

    book = xlrd.open_workbook(str(RD))
    assert "январь - декабрь 2016" in book.sheet_by_index(0).cell_value(2, 0)
    raw = RD.read_bytes()
    old = "январь - декабрь".encode("utf-16-le")
    assert old in raw
    path = tmp_path / "2rd_half.xls"
    path.write_bytes(raw.replace(old, "январь - июнь   ".encode("utf-16-le")))
    with pytest.raises(InputError) as caught:
        read_source(path, registry=registry)
    assert caught.value.where.cell == "A3"
    assert "not a full year" in str(caught.value)


def test_px_data_symbols_mean_what_the_file_says(registry, tmp_path) -> None:
    """DATASYMBOL1="n.a." (.), DATASYMBOL2="unknown" (..), DATASYMBOL3="hidden" (...),
    DATASYMBOLNIL="nothing" (-): not available, not available, confidential, zero."""
    path = _five_year_ages(PX / "scb_pxweb_example__NPM_BE0101F1nildotsymbols.px", tmp_path)
    index = _index(read_source(path, registry=registry))
    young = ("Y20T24",)
    cells = {
        (t, sex): index[(t, "SWE", "2003", ("_T", "LT", sex, *young))]
        for t in ("F01", "F02")
        for sex in ("M", "F")
    }
    assert (cells["F01", "M"].value, cells["F01", "M"].obs_status) == (0, "A")  # "-"
    assert (cells["F01", "F"].value, cells["F01", "F"].obs_status) == (None, "L")  # "."
    assert (cells["F02", "M"].value, cells["F02", "M"].obs_status) == (None, "L")  # ".."
    assert (cells["F02", "F"].value, cells["F02", "F"].conf_status) == (None, "C")  # "..."


def test_an_import_that_reaches_no_table_stores_nothing(registry, tmp_path) -> None:
    """tps00191 as published here holds only the partner aggregate Extra-EU27: the dry run
    says so, and a real import refuses to store an empty vintage as accepted."""
    from migstat import api
    from migstat.store import Store

    path = EUROSTAT / "estat_tps00191_sdmxcsv_labels__jatofi.csv"
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        dry = api.import_file(path, store=store, dry_run=True)
        assert dry.dataset.observations == []
        rules = {f.rule for f in dry.findings}
        assert rules == {"IMPORT_AGGREGATE", "IMPORT_NOTHING_TO_STORE"}
        with pytest.raises(InputError) as caught:
            api.import_file(path, store=store)
        assert "Nothing to store" in str(caught.value)
        assert "Сохранять нечего" in caught.value.text("ru")
        assert store.submissions() == []


def _as_bulk_tsv(path: Path, target: Path) -> Path:
    """The same SDMX-CSV data as Eurostat's bulk-download TSV (codes, one row per series,
    one column per year, flags after the value), the other dialect of the same dataset."""
    rows = _rows(path)
    dims = [k for k in rows[0] if k not in ("DATAFLOW", "LAST UPDATE", "TIME_PERIOD")]
    dims = [k for k in dims if k not in ("OBS_VALUE", "OBS_FLAG", "CONF_STATUS")]
    years = sorted({r["TIME_PERIOD"] for r in rows})
    series: dict[tuple[str, ...], dict[str, str]] = {}
    for r in rows:
        cell = (r["OBS_VALUE"] or ":") + (" " + r["OBS_FLAG"] if r["OBS_FLAG"] else " ")
        series.setdefault(tuple(r[d] for d in dims), {})[r["TIME_PERIOD"]] = cell
    lines = [",".join(dims) + "\\TIME_PERIOD\t" + "\t".join(f"{y} " for y in years)]
    for key, cells in series.items():
        lines.append(",".join(key) + "\t" + "\t".join(cells.get(y, ": ") for y in years))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def test_immigration_main_table_as_bulk_tsv_reads_alike(registry, tmp_path) -> None:
    tsv = _as_bulk_tsv(TPS00176, tmp_path / "estat_tps00176.tsv")
    from_tsv = read_source(tsv, registry=registry)
    from_csv = read_source(TPS00176, registry=registry)
    assert from_tsv.format == "eurostat_tsv"

    def cells(data):
        return {
            (o.table, o.ref_area, o.time_period, o.key): (o.value, o.obs_status)
            for o in data.observations
        }

    tsv_cells, csv_cells = cells(from_tsv), cells(from_csv)
    assert {k: tsv_cells[k] for k in csv_cells} == csv_cells
    # the TSV's grid writes ":" where the SDMX-CSV has no row: not available, nothing else
    assert {tsv_cells[k] for k in set(tsv_cells) - set(csv_cells)} == {(None, "O")}
