"""Downloads of views and whole tables, each read back by the reader people use for it:
Python's csv, openpyxl, migstat's own SDMX-CSV reader, sdmx1, pyjstat and pyaxis."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from migstat.formats.sdmx_csv import read_sdmx_csv
from migstat.store import ObservationQuery, Store
from migstat.web.app import create_app
from tests.webdata import CISSTAT, FORMULA, build_store, published

pytestmark = pytest.mark.skipif(not CISSTAT.exists(), reason="shared data not available")
VIEW = "REF_AREA=KAZ&COUNTRY_PREV_RES=RUS+UZB&start=2017&end=2019"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = build_store(tmp_path_factory.mktemp("downloads") / "store.db")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store=store)) as test_client:
        yield test_client


def expected(store: Store) -> dict[tuple[str, str, str], float | None]:
    query = ObservationQuery(
        table="F01",
        ref_areas=["KAZ"],
        time_from=2017,
        time_to=2019,
        filters={"COUNTRY_PREV_RES": ["RUS", "UZB"]},
    )
    return {(o.ref_area, o.key[0], o.time_period): o.value for o in store.read(query)}


def test_csv_has_labels_flags_unit_and_source(client: TestClient, store: Store) -> None:
    answer = client.get(f"/download/F01.csv?{VIEW}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "filename*=UTF-8''F01.csv" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    got = {
        (r["REF_AREA"], r["COUNTRY_PREV_RES"], r["TIME_PERIOD"]): float(r["OBS_VALUE"])
        for r in rows
    }
    assert got == expected(store) and len(got) == 6
    assert got[("KAZ", "RUS", "2019")] == published("KAZ", "ARRIVALS.RUS", "2019")
    first = rows[0]
    assert first["COUNTRY_PREV_RES_LABEL"] in ("Russian Federation", "Uzbekistan")
    assert first["OBS_STATUS"] == "A" and first["OBS_STATUS_LABEL"] == "Normal value"
    assert first["UNIT_MEASURE"] == "persons"
    assert "CIS-Stat" in first["SOURCE"]
    russian = list(
        csv.DictReader(io.StringIO(client.get(f"/download/F01.csv?{VIEW}&lang=ru").text))
    )
    assert {r["COUNTRY_PREV_RES_LABEL"] for r in russian} == {"Российская Федерация", "Узбекистан"}
    assert russian[0]["UNIT_MEASURE"] == "человек"


def test_csv_and_xlsx_neutralise_formulas(client: TestClient) -> None:
    text = client.get("/download/S01.csv?REF_AREA=KGZ&COUNTRY_BIRTH=RUS&SEX=_T&AGE=_T").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["COMMENT"] for r in rows] == ["'" + FORMULA]
    from openpyxl import load_workbook

    answer = client.get("/download/S01.xlsx?REF_AREA=KGZ&COUNTRY_BIRTH=RUS&SEX=_T")
    book = load_workbook(io.BytesIO(answer.content))
    data = book["Data"]
    header = [c.value for c in data[1]]
    comments = [row[header.index("COMMENT")] for row in data.iter_rows(min_row=2, values_only=True)]
    assert "'" + FORMULA in comments
    assert all(c.data_type != "f" for row in data.iter_rows() for c in row)


def test_xlsx_has_data_and_a_metadata_sheet(client: TestClient, store: Store) -> None:
    from openpyxl import load_workbook

    answer = client.get(f"/download/F01.xlsx?{VIEW}&lang=ru")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Данные", "Метаданные"]
    data = book["Данные"]
    header = [c.value for c in data[1]]
    got = {
        (
            r[header.index("REF_AREA")],
            r[header.index("COUNTRY_PREV_RES")],
            r[header.index("TIME_PERIOD")],
        ): r[header.index("OBS_VALUE")]
        for r in data.iter_rows(min_row=2, values_only=True)
    }
    assert got == expected(store)
    facts = {row[0]: row[1] for row in book["Метаданные"].iter_rows(values_only=True)}
    assert "CIS-Stat" in facts["Источник"]
    assert facts["Выборка"].startswith("REF_AREA=KAZ; COUNTRY_PREV_RES=RUS+UZB")
    assert "Прибывшие" in facts["Определение"]


def test_sdmx_csv_reads_back_into_migstat(client: TestClient, store: Store, tmp_path: Path) -> None:
    answer = client.get(f"/download/F01.sdmx.csv?{VIEW}")
    first = answer.text.splitlines()[1]
    assert first.startswith('"MIGSTAT:F01(1.0): Immigration by country of previous residence')
    assert "KAZ: Kazakhstan" in first
    path = tmp_path / "F01.sdmx.csv"
    path.write_bytes(answer.content)
    dataset = read_sdmx_csv(path)
    got = {(o.ref_area, o.key[0], o.time_period): o.value for o in dataset.observations}
    assert got == expected(store)


def test_sdmx_ml_download_reads_in_sdmx1(client: TestClient, store: Store) -> None:
    sdmx = pytest.importorskip("sdmx")
    structure = client.get("/sdmx/rest/datastructure/MIGSTAT/DSD_F01")
    dsd = sdmx.read_sdmx(io.BytesIO(structure.content)).structure["DSD_F01"]
    answer = client.get(f"/download/F01.sdmx.xml?{VIEW}")
    assert answer.headers["content-type"].startswith(
        "application/vnd.sdmx.structurespecificdata+xml"
    )
    message = sdmx.read_sdmx(io.BytesIO(answer.content), structure=dsd)
    assert "CIS-Stat" in str(message.header.source)
    frame = sdmx.to_pandas(message).reset_index()
    got = {
        (r["REF_AREA"], r["COUNTRY_PREV_RES"], r["TIME_PERIOD"]): r["value"]
        for _i, r in frame.iterrows()
    }
    assert got == expected(store)


def test_json_stat_reads_in_pyjstat(client: TestClient, store: Store) -> None:
    pyjstat = pytest.importorskip("pyjstat.pyjstat")
    for name in ("F01.json-stat.json", "F01.jsonstat"):
        answer = client.get(f"/download/{name}?{VIEW}")
        assert answer.status_code == 200
        dataset = pyjstat.Dataset.read(answer.text)
        frame = dataset.write("dataframe", naming="id")
        got = {
            (r["REF_AREA"], r["COUNTRY_PREV_RES"], r["TIME_PERIOD"]): r["value"]
            for _i, r in frame.iterrows()
            if r["value"] is not None
            and not (isinstance(r["value"], float) and math.isnan(r["value"]))
        }
        assert got == expected(store)
        assert "CIS-Stat" in dataset["source"]
        assert dataset["role"]["time"] == ["TIME_PERIOD"]
    labelled = pyjstat.Dataset.read(client.get(f"/download/F01.jsonstat?{VIEW}&lang=ru").text)
    assert labelled["dimension"]["REF_AREA"]["category"]["label"]["KAZ"] == "Казахстан"


def test_json_stat_carries_flags_of_missing_and_confidential_cells(client: TestClient) -> None:
    doc = client.get("/download/S01.jsonstat?REF_AREA=KGZ&COUNTRY_BIRTH=KAZ&AGE=Y_GE80").json()
    sexes = doc["dimension"]["SEX"]["category"]["index"]
    values = doc["value"]
    cells = values if isinstance(values, list) else [values.get(str(i)) for i in range(len(sexes))]
    by_sex = dict(zip(sexes, cells, strict=True))
    assert by_sex["M"] is None and by_sex["F"] is None and by_sex["_T"] > 0
    assert doc["status"] == {str(sexes.index("M")): "L"}
    assert doc["extension"]["conf_status"] == {str(sexes.index("F")): "C"}


def test_px_reads_in_pyaxis_in_english_and_russian(
    client: TestClient, store: Store, tmp_path: Path
) -> None:
    pyaxis = pytest.importorskip("pyaxis.pyaxis")
    answer = client.get(f"/download/F01.px?{VIEW}")
    assert answer.status_code == 200
    path = tmp_path / "F01.px"
    path.write_bytes(answer.content)
    parsed = pyaxis.parse(str(path), encoding="utf-8")
    meta, frame = parsed["METADATA"], parsed["DATA"]
    assert meta["LANGUAGE"] == ["en"] and meta["MATRIX"] == ["F01"]
    assert meta["CODES(Country of previous residence)"] == ["RUS", "UZB"]
    assert "CIS-Stat" in " ".join(meta["SOURCE"])
    got = {
        (r["Country of previous residence"], r["Time period"]): float(r["DATA"])
        for _i, r in frame.iterrows()
    }
    names = {"Russian Federation": "RUS", "Uzbekistan": "UZB"}
    assert {("KAZ", names[c], t): v for (c, t), v in got.items()} == expected(store)

    russian = client.get(f"/download/F01.px?{VIEW}&lang=ru")
    path.write_bytes(russian.content)
    parsed = pyaxis.parse(str(path), encoding="utf-8")
    assert parsed["METADATA"]["LANGUAGE"] == ["ru"]
    assert parsed["METADATA"]["VALUES(Страна или территория)"] == ["Казахстан"]
    rows = parsed["DATA"]
    rus = rows[
        (rows["Страна предыдущего проживания"] == "Российская Федерация")
        & (rows["Период"] == "2019")
    ]
    assert float(rus["DATA"].iloc[0]) == published("KAZ", "ARRIVALS.RUS", "2019")


def test_px_marks_missing_and_confidential_cells(client: TestClient) -> None:
    text = client.get("/download/S01.px?REF_AREA=KGZ&COUNTRY_BIRTH=KAZ&AGE=Y_GE80").text
    data = text.split("DATA=\n", 1)[1].rstrip(";\n").splitlines()
    stub = text.split('VALUES("Sex")=', 1)[1].split(";", 1)[0].replace('"', "").split(",")
    by_sex = dict(zip(stub, data, strict=True))
    assert by_sex["Male"] == '".."' and by_sex["Female"] == '"..."'
    assert by_sex["Total"].isdigit()
    assert 'DATASYMBOL2="not available";' in text and 'DATASYMBOL3="confidential";' in text


def test_a_whole_table_downloads(client: TestClient, store: Store) -> None:
    answer = client.get("/download/F02.csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == sum(1 for _ in store.read(ObservationQuery(table="F02")))
    assert {r["DATA_PROVIDER"] for r in rows} == {"CISSTAT", "KGZ"}


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/download/F01.docx", 404, "Unknown download format docx"),
        ("/download/F77.csv", 404, "Unknown table F77"),
        ("/download/F01.csv?AGEX=_T", 404, "has no dimension AGEX"),
        ("/download/F01.csv?SEX=Q", 404, "Q is not a code of SEX"),
        ("/download/F01.csv?start=20x9", 400, "must be a year"),
        ("/download/F01.csv?start=2020&end=2010", 400, "comes after the last year"),
        ("/download/F01.csv?as_of=yesterday", 400, "Cannot read the date"),
    ],
)
def test_bad_downloads_are_explained(client: TestClient, url: str, status: int, words: str) -> None:
    answer = client.get(url)
    assert answer.status_code == status
    assert words in answer.text


def test_bad_download_explained_in_russian(client: TestClient) -> None:
    answer = client.get("/download/F01.csv?AGEX=_T&lang=ru")
    assert answer.status_code == 404 and "нет измерения AGEX" in answer.text


def test_a_view_gives_its_download_address(client: TestClient, store: Store) -> None:
    from migstat.store.access import ANONYMOUS
    from migstat.web import selection
    from migstat.web.deps import Reader

    who = Reader(store, ANONYMOUS, "ru")
    view = selection.parse_view(who, "MCH3", {"REF_AREA": "KAZ+Kyrgyzstan", "start": "2017"})
    assert view.filters == {"REF_AREA": ["KAZ", "KGZ"]} and view.table.id == "F01"
    path = selection.download_path(view, "csv", "ru")
    assert path == "/download/F01.csv?REF_AREA=KAZ+KGZ&start=2017&lang=ru"
    rows = list(csv.DictReader(io.StringIO(client.get(path).text)))
    assert {r["REF_AREA"] for r in rows} == {"KAZ", "KGZ"}
    assert min(r["TIME_PERIOD"] for r in rows) == "2017"
