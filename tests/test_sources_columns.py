"""Long tables with named columns (``--source columns``): UN DESA's population totals as P01
and a third party's foreign-born totals as S01, checked against the files themselves."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from migstat import api
from migstat.i18n import gettext_
from migstat.model import InputError, default_registry
from migstat.sources import detect_source, read_source
from tests.shared import SHARED_DATA

DATA = SHARED_DATA / "un_desa"
POP = DATA / "pop_totals_2020.csv"
STOCK = DATA / "stock_totals_2020.csv"
pytestmark = pytest.mark.skipif(
    not (POP.exists() and STOCK.exists()), reason="shared data not available"
)

POP_OPTIONS = {
    "table": "P01",
    "area_column": "country_code",
    "time_column": "year",
    "value_column": "pop",
    "scale": "1000",
    "dimensions": ["SEX=_T"],
    "reference_date": "07-01",
    "provider": "UN_DESA_2020_TOTALS",
    "source_type": "estimate",
    "edition": "2020",
}
STOCK_OPTIONS = {
    "table": "S01",
    "area_column": "alpha3",
    "time_column": "year",
    "value_column": "fb",
    "reference_date": "07-01",
    "dimensions": ["COUNTRY_BIRTH=FOR", "SEX=_T", "AGE=_T"],
    "provider": "UN_DESA_2020_FB",
    "source_type": "estimate",
}


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The file's records with their line numbers, read with the csv module alone."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return [(reader.line_num, row) for row in reader]


@pytest.fixture(scope="module")
def population():
    return read_source(POP, source="columns", registry=default_registry(), **POP_OPTIONS)


@pytest.fixture(scope="module")
def stock():
    return read_source(STOCK, source="columns", registry=default_registry(), **STOCK_OPTIONS)


def test_never_detected() -> None:
    for path in (POP, STOCK):
        assert detect_source(path, path.read_bytes()[:8192]) is None


def test_population_in_persons_as_published(population) -> None:
    [(line, row)] = [(n, r) for n, r in _rows(POP) if r["alpha3"] == "KGZ" and r["year"] == "2020"]
    assert row["pop"] == "6524.191"
    index = {(o.ref_area, o.time_period): o for o in population.observations}
    kgz = index[("KGZ", "2020-07-01")]
    assert kgz.value == 6_524_191 and kgz.key == ("_T",) and kgz.table == "P01"
    assert kgz.comment == "published in thousands" and kgz.obs_status == "A"
    assert kgz.where.line == line and kgz.where.column == "pop"
    # every country row of the file, thousands to persons
    for _, r in _rows(POP):
        if r["alpha3"] in ("RUS", "KAZ", "USA") and r["year"] in ("1990", "2020"):
            assert index[(r["alpha3"], f"{r['year']}-07-01")].value == round(float(r["pop"]) * 1000)
    # the Channel Islands have no alpha-3 in the file, but M49 830 is an area
    assert index[("CHI", "2020-07-01")].value == 173_859
    assert population.provider == "UN_DESA_2020_TOTALS"
    assert population.provenance.edition == "2020"
    meta = population.metadata.tables["P01"]
    assert meta.reference_date == "1990-07-01/2020-07-01" and meta.source_type == "estimate"


def test_world_and_regions_are_skipped_and_counted(population) -> None:
    rows = _rows(POP)
    groups = [r for _, r in rows if int(r["country_code"]) >= 900]
    assert len(groups) == 336 and len(rows) == 1981
    assert len(population.observations) == len(rows) - len(groups) == 1645
    areas = {o.ref_area for o in population.observations}
    assert "_T" not in areas and len(areas) == 235
    [skipped] = [f for f in population.findings if f.rule == "IMPORT_COLUMNS_NOT_COUNTRY"]
    assert skipped.severity.value == "warning" and skipped.params["count"] == 336
    assert skipped.params["names"].startswith("900 (7), 947 (7)")
    assert skipped.where.line == 2  # WORLD, 1990
    # the world is the sum of its countries, as UN DESA publishes it
    world = next(r for _, r in rows if r["country_code"] == "900" and r["year"] == "2020")
    total = sum(o.value for o in population.observations if o.time_period == "2020-07-01")
    assert abs(total - float(world["pop"]) * 1000) < 1000


def test_area_columns_that_disagree_are_not_trusted() -> None:
    """The file gives the group "Less developed regions, excluding China" (M49 948) the
    alpha-3 code CHN: by alpha-3 alone China would be there twice."""
    options = dict(POP_OPTIONS, area_column="alpha3|country_code")
    dataset = read_source(POP, source="columns", **options)
    found = {f.message: f for f in dataset.findings if f.rule == "IMPORT_COLUMNS_NOT_COUNTRY"}
    [disagree] = [f for m, f in found.items() if "different areas" in m]
    lines = [n for n, r in _rows(POP) if r["country_code"] == "948"]
    assert disagree.params["count"] == 7 and disagree.where.line == lines[0]
    china = [o for o in dataset.observations if o.ref_area == "CHN"]
    assert len(china) == 7 and {o.where.line for o in china}.isdisjoint(lines)
    assert next(o for o in china if o.time_period == "2020-07-01").value == 1_439_323_774
    by_alpha3 = read_source(POP, source="columns", **dict(POP_OPTIONS, area_column="alpha3"))
    [skipped] = [f for f in by_alpha3.findings if f.rule == "IMPORT_COLUMNS_NOT_COUNTRY"]
    assert skipped.params["names"] == "NA (336)"  # never read as Namibia
    assert "NAM" in {o.ref_area for o in by_alpha3.observations}
    assert len([o for o in by_alpha3.observations if o.ref_area == "CHN"]) == 14
    result = api.import_file(
        POP, source="columns", dry_run=True, **dict(POP_OPTIONS, area_column="alpha3")
    )
    assert any(f.rule == "STRUCT_DUPLICATE" for f in result.findings)


def test_foreign_born_totals_as_s01(stock) -> None:
    rows = _rows(STOCK)
    index = {(o.ref_area, o.time_period): o for o in stock.observations}
    assert all(o.key == ("FOR", "_T", "_T") and o.table == "S01" for o in stock.observations)
    assert "FOR" in default_registry().areas and stock.provider == "UN_DESA_2020_FB"
    for line, r in rows:
        if r["alpha3"] in ("KGZ", "RUS", "DEU") or r["fb"] in ("~", "NA"):
            obs = index.get((r["alpha3"], f"{r['year']}-07-01"))
            if r["alpha3"] == "NA":
                assert obs is None
            elif r["fb"] in ("~", "NA", ""):
                assert obs.value is None and obs.obs_status == "O" and obs.where.line == line
            else:
                assert obs.value == int(r["fb"]) and obs.comment is None
    assert index[("KGZ", "2020-07-01")].value == 199_011
    assert index[("SSD", "1990-07-01")].value is None  # NA before South Sudan existed
    missing = sum(1 for _, r in rows if r["fb"] in ("~", "NA") and r["alpha3"] != "NA")
    assert sum(1 for o in stock.observations if o.value is None) == missing > 0
    [skipped] = [f for f in stock.findings if f.rule == "IMPORT_COLUMNS_NOT_COUNTRY"]
    assert skipped.params == {"count": 7, "names": "NA (7)"}  # the Channel Islands
    assert len(stock.observations) == len(rows) - 7
    assert stock.metadata.tables["S01"].population_covered


def test_round_trip_through_the_store(db_url: str) -> None:
    with api.open_store(db_url) as store:
        pop = api.import_file(POP, store=store, source="columns", **POP_OPTIONS)
        fb = api.import_file(STOCK, store=store, source="columns", **STOCK_OPTIONS)
        assert not pop.errors and not fb.errors
        people = api.query(store, "P01", countries=["KGZ"], providers=["UN_DESA_2020_TOTALS"]).rows
        born = api.query(
            store, "S01", countries=["KGZ"], providers=["UN_DESA_2020_FB"], start=2020, end=2020
        ).rows
    values = {r["TIME_PERIOD"]: r["OBS_VALUE"] for r in people}
    published = {
        f"{r['year']}-07-01": round(float(r["pop"]) * 1000)
        for _, r in _rows(POP)
        if r["alpha3"] == "KGZ"
    }
    assert values == published and len(values) == 7 and values["2020-07-01"] == 6_524_191
    [row] = born
    assert row["OBS_VALUE"] == 199_011 and row["COUNTRY_BIRTH"] == "FOR"


def test_a_workbook_reads_the_same(tmp_path: Path, population) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    with POP.open(encoding="utf-8", newline="") as handle:
        for i, row in enumerate(csv.reader(handle)):
            sheet.append(
                row if i == 0 else [row[0], int(row[1]), int(row[2]), float(row[3]), row[4]]
            )
    path = tmp_path / "pop.xlsx"
    book.save(path)
    dataset = read_source(path, source="columns", **POP_OPTIONS)
    got = {(o.ref_area, o.time_period): o.value for o in dataset.observations}
    assert got == {(o.ref_area, o.time_period): o.value for o in population.observations}
    kgz = next(o for o in dataset.observations if o.ref_area == "KGZ")
    assert kgz.where.sheet == sheet.title and kgz.where.cell.startswith("D")


def _error(path: Path, lang: str = "en", **changes: object) -> InputError:
    options = dict(STOCK_OPTIONS, **changes)
    with pytest.raises(InputError) as stop:
        read_source(path, source="columns", **options)
    return stop.value


def test_an_unknown_column_lists_the_file_columns() -> None:
    stop = _error(STOCK, value_column="foreign_born")
    text = stop.text("en") if hasattr(stop, "text") else str(stop)
    assert "foreign_born" in text and "alpha3, name, country_code, year, fb, pop" in text
    assert stop.where.file == STOCK.name and stop.where.line == 1
    russian = gettext_(stop.message, "ru", **stop.params)
    assert "Столбца foreign_born" in russian and "fb, pop" in russian


def test_a_bad_value_names_its_line(tmp_path: Path) -> None:
    lines = STOCK.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[420] = lines[420].replace(",199011,", ",199 011 persons,")
    path = tmp_path / STOCK.name
    path.write_text("".join(lines), encoding="utf-8")
    stop = _error(path)
    assert stop.where.line == 421 and stop.where.column == "fb"
    assert "199 011 persons" in str(stop) and "421" in str(stop)


def test_a_dimension_left_unfixed_says_what_to_fix() -> None:
    stop = _error(STOCK, dimensions=["COUNTRY_BIRTH=FOR"])
    assert "SEX, AGE" in str(stop) and "--dimension SEX=_T --dimension AGE=_T" in str(stop)
    assert "SEX, AGE" in gettext_(stop.message, "ru", **stop.params)
    assert "code list AREA" in str(
        _error(STOCK, dimensions=["COUNTRY_BIRTH=XYZ", "SEX=_T", "AGE=_T"])
    )
    assert "no dimension CITIZENSHIP" in str(
        _error(STOCK, dimensions=["CITIZENSHIP=FOR", "SEX=_T", "AGE=_T", "COUNTRY_BIRTH=FOR"])
    )


def test_options_nothing_is_assumed() -> None:
    assert "--reference-date" in str(_error(STOCK, reference_date=None))
    assert "MM-DD" in str(_error(STOCK, reference_date="7/1"))
    assert "--provider" in str(_error(STOCK, provider=None))
    assert "--scale" in str(_error(STOCK, scale="thousand"))


def test_dates_in_a_stated_format(tmp_path: Path) -> None:
    path = tmp_path / "census.tsv"
    path.write_text(
        "country\tdate\tpersons\nKyrgyzstan\t25.03.2009\t5 362 793\n"
        "Казахстан\t25.02.2009\t16 009 597\nNA\t01.01.2009\t12\n",
        encoding="utf-8",
    )
    dataset = read_source(
        path,
        source="columns",
        table="P01",
        area_column="country",
        time_column="date",
        value_column="persons",
        date_format="%d.%m.%Y",
        dimensions={"SEX": "_T"},
        provider="NSO_CENSUS_ROUND_2010",
    )
    got = {(o.ref_area, o.time_period): o.value for o in dataset.observations}
    assert got == {("KGZ", "2009-03-25"): 5_362_793, ("KAZ", "2009-02-25"): 16_009_597}
    with pytest.raises(InputError) as stop:
        read_source(
            path,
            source="columns",
            table="P01",
            area_column="country",
            time_column="date",
            value_column="persons",
            date_format="%Y-%m-%d",
            dimensions=["SEX=_T"],
            provider="X",
        )
    assert stop.value.where.line == 2 and "format %Y-%m-%d" in str(stop.value)


def test_the_command(cli, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    code, out, err = cli(
        "--db",
        str(db),
        "import",
        str(POP),
        "--source",
        "columns",
        "--table",
        "P01",
        "--area",
        "country_code",
        "--time",
        "year",
        "--value",
        "pop",
        "--scale",
        "1000",
        "--dimension",
        "SEX=_T",
        "--reference-date",
        "07-01",
        "--provider",
        "UN_DESA_2020_TOTALS",
        "--source-type",
        "estimate",
    )
    assert code == 0, err
    assert "1645 observations" in out and "336 rows" in out
    code, _, err = cli(
        "--db",
        str(db),
        "--lang",
        "ru",
        "import",
        str(STOCK),
        "--source",
        "columns",
        "--table",
        "S01",
        "--area",
        "alpha3",
        "--time",
        "year",
        "--value",
        "fb",
        "--reference-date",
        "07-01",
        "--provider",
        "X",
    )
    assert code == 2 and "--dimension COUNTRY_BIRTH=_T" in err and "измерения" in err
