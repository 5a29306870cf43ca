"""A survey estimate's precision as first-class attributes (schema revision 0008).

A seeded stratified cluster sample is tabulated with survey estimates (CV from 10 % flagged,
above 30 % suppressed), written as the long CSV with the attribute columns STD_ERROR, COEF_VAR,
CI_LEVEL, CI_LOWER, CI_UPPER and RELIABILITY, submitted, and read back: from the store, through
every download and SDMX format, and in the explorer. Rows stored before 0008 (the precision in
the comment) read the same; a hidden cell's precision is hidden with its value.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from fastapi.testclient import TestClient

from migstat.api import submit_file
from migstat.formats.csv_long import read_long_csv
from migstat.formats.sdmx_csv import read_sdmx_csv
from migstat.microdata import tabulate, write_tabulation
from migstat.microdata.estimates import FLAGGED, SUPPRESSED
from migstat.model import Dataset, InputError, Observation, SubmissionMetadata
from migstat.model.precision import ATTRIBUTES, Precision
from migstat.store import ObservationQuery, Store
from migstat.store.access import COORDINATOR, Principal
from migstat.web.app import create_app
from tests.test_microdata_tabulate_survey import MAPPING, _sample, _write_records

RELIABILITY = ("reliable", "flagged", "suppressed")


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    """The tabulation, the written CSV and a store holding it as an accepted submission."""
    root = tmp_path_factory.mktemp("precision")
    data = root / "sample.csv"
    _write_records(data, _sample())
    mapping = root / "m.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    result = tabulate(data, mapping)
    written, _meta = write_tabulation(result, root / "KGZ_2022.csv")
    store = Store.open(f"sqlite:///{root / 'store.db'}")
    record, checked = submit_file(store, written, country="KGZ")
    assert record.status == "accepted", [f.message for f in checked.findings]
    yield result, written, store
    store.close()


def _expected(result) -> dict[tuple[str, ...], tuple[float | None, object]]:
    [table] = result.tables
    return {key: (table.cells[key], table.estimates[key]) for key in table.cells}


def _check(precision: Precision | None, estimate) -> None:
    """The precision read back equals the estimator's, exactly (no rounding anywhere)."""
    assert precision is not None
    assert precision.reliability == RELIABILITY[estimate.flag]
    assert precision.cv == estimate.cv
    if estimate.flag == SUPPRESSED:  # the standard error and interval would give it away
        assert (precision.se, precision.low, precision.high) == (None, None, None)
    else:
        assert (precision.se, precision.level) == (estimate.se, 95)
        assert (precision.low, precision.high) == (estimate.ci_low, estimate.ci_high)


def test_the_sample_has_reliable_flagged_and_suppressed_cells(survey) -> None:
    result, _, _ = survey
    flags = [e.flag for _, e in _expected(result).values()]
    assert flags.count(FLAGGED) >= 2 and flags.count(SUPPRESSED) >= 2
    assert len(flags) == len(result.tables[0].cells) == 216


def test_the_long_csv_carries_the_attributes_and_reads_back_exactly(survey) -> None:
    result, written, _ = survey
    header = next(csv.reader(io.StringIO(written.read_text(encoding="utf-8"))))
    assert header[-7:] == ["OBS_STATUS", *ATTRIBUTES]
    read = {o.key: o for o in read_long_csv(written).observations}
    for key, (_value, estimate) in _expected(result).items():
        assert read[key].comment is None
        _check(read[key].precision, estimate)


def test_the_store_keeps_the_precision_in_its_own_columns(survey) -> None:
    result, _, store = survey
    stored = {o.key: o for o in store.read(ObservationQuery("S01"))}
    expected = _expected(result)
    assert set(stored) == set(expected)
    for key, (value, estimate) in expected.items():
        _check(stored[key].precision, estimate)
        assert stored[key].value == (None if estimate.flag == SUPPRESSED else value)
    with store.reading() as conn:
        rows = conn.exec_driver_sql(
            "SELECT reliability, count(*), count(std_error), count(coef_var) "
            "FROM observation GROUP BY reliability ORDER BY reliability"
        ).all()
    counts = {flag: [0, 0, 0] for flag in RELIABILITY}
    for _, estimate in expected.values():
        count = counts[RELIABILITY[estimate.flag]]
        count[0] += 1
        count[1] += estimate.flag != SUPPRESSED
        count[2] += estimate.cv is not None  # a zero estimate has no CV
    assert [tuple(r) for r in rows] == [(flag, *counts[flag]) for flag in sorted(RELIABILITY)]


def test_every_output_format_carries_the_precision(survey) -> None:
    result, _, store = survey
    expected = _expected(result)
    grand = expected[("_T", "_T", "_T")][1]
    with TestClient(create_app(store=store)) as client:
        sdmx_csv = client.get("/download/S01.sdmx.csv?REF_AREA=KGZ").text
        sdmx_ml = client.get("/download/S01.sdmx.xml?REF_AREA=KGZ").text
        jsonstat = json.loads(client.get("/download/S01.json-stat.json?REF_AREA=KGZ").text)
        tidy = client.get("/download/S01.csv?REF_AREA=KGZ").text
        xlsx = client.get("/download/S01.xlsx?REF_AREA=KGZ").content
        titled = client.get("/download/S01.csv?REF_AREA=KGZ&labels=1&lang=ru").text
    # SDMX-CSV: the attribute columns, read back as submitted
    back = {o.key: o for o in read_sdmx_csv(sdmx_csv.encode()).observations}
    for key, (_value, estimate) in expected.items():
        _check(back[key].precision, estimate)
    # SDMX-ML: attributes of each observation
    root = ElementTree.fromstring(sdmx_ml)
    attrs = [obs.attrib for obs in root.iter() if obs.tag.endswith("Obs")]
    assert len(attrs) == 216
    assert {a.get("RELIABILITY") for a in attrs} == set(RELIABILITY)
    assert sorted(float(a["STD_ERROR"]) for a in attrs if "STD_ERROR" in a) == sorted(
        e.se for _, e in expected.values() if e.flag != SUPPRESSED
    )
    # JSON-stat: the precision extension, numbers as numbers
    precision = jsonstat["extension"]["precision"]
    assert len(precision) == 216
    assert grand.se in [p.get("STD_ERROR") for p in precision.values()]
    assert jsonstat["extension"]["precision_legend"]["COEF_VAR"] == "Coefficient of variation"
    # tidy CSV and XLSX: the same six columns
    rows = list(csv.DictReader(io.StringIO(tidy)))
    total = next(r for r in rows if (r["COUNTRY_BIRTH"], r["SEX"], r["AGE"]) == ("_T",) * 3)
    assert float(total["STD_ERROR"]) == grand.se and float(total["COEF_VAR"]) == grand.cv
    assert (total["CI_LEVEL"], total["RELIABILITY"]) == ("95", RELIABILITY[grand.flag])
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    head = next(i for i, row in enumerate(values) if row and "STD_ERROR" in row)
    at = values[head].index("STD_ERROR")
    # a spreadsheet holds 15 significant digits
    assert pytest.approx(grand.se, rel=1e-14) in [row[at] for row in values[head + 1 :]]
    assert "Стандартная ошибка" in titled.splitlines()[0]
    assert "Коэффициент вариации" in titled.splitlines()[0]


def test_the_explorer_shows_the_cv_marks_the_flags_and_explains_them(survey) -> None:
    result, _, store = survey
    grand = _expected(result)[("_T", "_T", "_T")][1]
    with TestClient(create_app(store=store)) as client:
        page = client.get("/explore?table=S01&REF_AREA=KGZ&lang=en").text
        russian = client.get("/explore?table=S01&REF_AREA=KGZ&lang=ru").text
    assert f'<small class="cv">CV: {grand.cv * 100:.1f} %</small>' in page
    assert f'<small class="se">±{round(grand.se):,}</small>' in page
    assert 'class="flagged"' in page and 'class="suppressed"' in page
    assert '<sup class="grade">E</sup>' in page and '<sup class="grade">F</sup>' in page
    assert 'id="precision-legend"' in page and "use them with caution" in page
    assert "КВ: " in russian and "Выборочные оценки" in russian


def _old_dataset() -> Dataset:
    """Two S01 cells as stored before revision 0008: the precision in the comment."""
    cells = [
        (("_T", "_T", "_T"), 5000.0, "A", "SE=250;CV=0.05;CI95=4510.0..5490.0"),
        (("RUS", "_T", "_T"), 400.0, "U", "SE=80;CV=0.2;CI95=243.2..556.8"),
    ]
    return Dataset(
        file_name="old.csv",
        format="csv",
        provider="KAZ",
        observations=[
            Observation("S01", "KAZ", "2021-01-01", key, value, status, comment=comment)
            for key, value, status, comment in cells
        ],
        metadata=SubmissionMetadata(country="KAZ"),
    )


def test_rows_stored_with_the_precision_in_the_comment_read_the_same(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'old.db'}") as store:
        store.submit(_old_dataset(), b"old", findings=[], accepted=True)
        read = {o.key: o for o in store.read(ObservationQuery("S01", ref_areas=["KAZ"]))}
        with TestClient(create_app(store=store)) as client:
            page = client.get("/explore?table=S01&REF_AREA=KAZ&lang=en").text
            sdmx_csv = client.get("/download/S01.sdmx.csv?REF_AREA=KAZ").text
    assert read[("_T", "_T", "_T")].precision == Precision(250, 0.05, 95, 4510, 5490, "reliable")
    assert read[("RUS", "_T", "_T")].precision == Precision(80, 0.2, 95, 243.2, 556.8, "flagged")
    assert read[("RUS", "_T", "_T")].comment == "SE=80;CV=0.2;CI95=243.2..556.8"
    assert '<small class="cv">CV: 20.0 %</small>' in page and 'class="flagged"' in page
    assert "STD_ERROR" in sdmx_csv.splitlines()[0]


def test_a_hidden_cell_hides_its_precision_with_its_value(store) -> None:
    """On SQLite and PostgreSQL (written there by COPY)."""
    dataset = _old_dataset()
    for obs in dataset.observations:
        obs.comment = None
        obs.precision = Precision(80, 0.2, 95, 243.2, 556.8, "flagged")
    dataset.observations[1].conf_status = "C"
    store.submit(dataset, b"conf", findings=[], accepted=True)
    query = ObservationQuery("S01", ref_areas=["KAZ"])
    public = {o.key: o for o in store.read(query)}
    own = {o.key: o for o in store.read(query, principal=Principal("k", country="KAZ"))}
    boss = Principal("c", roles=frozenset({COORDINATOR}))
    coordinator = {o.key: o for o in store.read(query, principal=boss)}
    hidden = public[("RUS", "_T", "_T")]
    assert hidden.value is None
    assert hidden.precision == Precision(None, None, 95, None, None, "flagged")
    assert public[("_T", "_T", "_T")].precision.se == 80
    for reader in (own, coordinator):
        assert reader[("RUS", "_T", "_T")].precision.se == 80
        assert reader[("RUS", "_T", "_T")].value == 400


@pytest.mark.parametrize(
    ("column", "text"),
    [("STD_ERROR", "-3"), ("COEF_VAR", "abc"), ("CI_LEVEL", "95.5"), ("RELIABILITY", "good")],
)
def test_a_bad_attribute_names_its_line_and_column(tmp_path: Path, column: str, text: str) -> None:
    values = {"STD_ERROR": "10", "COEF_VAR": "0.1", "CI_LEVEL": "95", "RELIABILITY": "reliable"}
    values[column] = text
    lines = [
        "TABLE,REF_AREA,TIME_PERIOD,COUNTRY_BIRTH,SEX,AGE,OBS_VALUE," + ",".join(values),
        "S01,KGZ,2022-03-01,_T,_T,_T,100,10,0.1,95,reliable",
        "S01,KGZ,2022-03-01,RUS,_T,_T,40," + ",".join(values.values()),
    ]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_long_csv(path)
    assert (caught.value.where.line, caught.value.where.column) == (3, column)
    assert f"“{text}”" in str(caught.value)
    assert "недопустимо" in caught.value.text("ru")


def test_the_json_stat_of_a_table_without_estimates_is_unchanged(tmp_path: Path) -> None:
    dataset = _old_dataset()
    for obs in dataset.observations:
        obs.comment = None
    with Store.open(f"sqlite:///{tmp_path / 'plain.db'}") as store:
        store.submit(dataset, b"plain", findings=[], accepted=True)
        with TestClient(create_app(store=store)) as client:
            found = client.get("/download/S01.json-stat.json?REF_AREA=KAZ").json()
            sdmx_csv = client.get("/download/S01.sdmx.csv?REF_AREA=KAZ").text
    assert "precision" not in found["extension"]
    # SDMX-CSV has every attribute of the data structure, empty where there is none
    rows = list(csv.DictReader(io.StringIO(sdmx_csv)))
    assert len(rows) == 2 and {r["STD_ERROR"] + r["RELIABILITY"] for r in rows} == {""}
