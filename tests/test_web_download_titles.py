"""The tidy CSV and XLSX downloads offer their column titles in the page's language
(``labels=1``): the same columns, rows and values as the coded download, one header row of
titles; the default and SDMX-CSV keep their codes, so SDMX-CSV still reads back as SDMX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from migstat.demo.synthetic import consistent_dataset
from migstat.formats.sdmx_csv import read_sdmx_csv
from migstat.model import default_registry
from migstat.store import Store
from migstat.web.app import create_app

URL = "/download/F01.{fmt}?REF_AREA=KGZ&lang={lang}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('titles') / 'store.db'}")
    store.submit(consistent_dataset("KGZ", 2024), b"KGZ 2024", findings=[], accepted=True)
    with TestClient(create_app(store=store)) as web:
        yield web
    store.close()


def _csv(client: TestClient, url: str) -> list[list[str]]:
    answer = client.get(url)
    assert answer.status_code == 200, url
    return list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))


def test_csv_titles_in_russian_over_the_same_rows(client: TestClient) -> None:
    coded = _csv(client, URL.format(fmt="csv", lang="ru"))
    titled = _csv(client, URL.format(fmt="csv", lang="ru") + "&labels=1")
    assert coded[0][:4] == ["TABLE", "DATA_PROVIDER", "REF_AREA", "TIME_PERIOD"]
    header = dict(zip(coded[0], titled[0], strict=True))
    assert header["REF_AREA"] == "Страна (код)"
    assert header["REF_AREA_LABEL"] == "Страна"
    assert header["OBS_VALUE"] == "Значение"
    assert header["SEX"] == "Пол (код)" and header["SEX_LABEL"] == "Пол"
    assert header["TIME_PERIOD"] == "Период"
    assert titled[1:] == coded[1:] and len(coded) > 100
    # the values themselves: Kyrgyzstan's 2024 rows, labelled in Russian
    assert all(row[2] == "KGZ" for row in titled[1:])
    assert "Кыргызстан" in titled[1]
    english = _csv(client, URL.format(fmt="csv", lang="en") + "&labels=1")
    assert dict(zip(coded[0], english[0], strict=True))["REF_AREA"] == "Country (code)"


def test_xlsx_titles_in_russian(client: TestClient) -> None:
    def sheet(url: str) -> list[tuple]:
        book = load_workbook(io.BytesIO(client.get(url).content), read_only=True)
        return list(book.worksheets[0].iter_rows(values_only=True))

    coded = sheet(URL.format(fmt="xlsx", lang="ru"))
    titled = sheet(URL.format(fmt="xlsx", lang="ru") + "&labels=1")
    header = dict(zip(coded[0], titled[0], strict=True))
    assert header["OBS_VALUE"] == "Значение" and header["REF_AREA"] == "Страна (код)"
    assert titled[1:] == coded[1:]


def test_sdmx_csv_keeps_its_codes_and_reads_back(client: TestClient) -> None:
    url = URL.format(fmt="sdmx.csv", lang="ru")
    plain, asked = client.get(url), client.get(url + "&labels=1")
    assert plain.content == asked.content
    assert asked.text.startswith("DATAFLOW,REF_AREA,")
    registry = default_registry()
    found = read_sdmx_csv(asked.content, file_name="F01.sdmx.csv", registry=registry)
    assert found.observations and {o.ref_area for o in found.observations} == {"KGZ"}


def test_the_explorer_offers_the_titled_downloads(client: TestClient) -> None:
    page = client.get("/explore?table=F01&REF_AREA=KGZ&lang=ru").text
    assert "CSV с заголовками столбцов" in page and "labels=1" in page
