"""The SDMX 2.1 REST API, read by a real SDMX client (sdmx1) from a real server.

The store holds CIS-Stat's published arrivals and departures (real numbers, checked against
the file itself) and one consistent national submission of Kyrgyzstan (stocks with dates, the
breakdowns of every standard table). A uvicorn server on a free loopback port serves the app;
sdmx1 has it as a source and reads dataflows, structures and data.
"""

from __future__ import annotations

import csv
import io
import math
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from migstat.store import ObservationQuery, Store
from migstat.store.access import AccessPolicy, Principal
from migstat.web import deps
from migstat.web.app import create_app
from tests.liveserver import serving
from tests.webdata import CISSTAT, build_store, published

sdmx = pytest.importorskip("sdmx")

pytestmark = pytest.mark.skipif(not CISSTAT.exists(), reason="shared data not available")
NS = {
    "message": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "common": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = build_store(tmp_path_factory.mktemp("sdmx") / "store.db")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[str]:
    """The app on a uvicorn server in a background thread; yields its SDMX base URL."""
    with serving(create_app(store=store)) as base:
        url = f"{base}/sdmx/rest"
        sdmx.add_source(
            {
                "id": "MIGSTAT",
                "url": url,
                "name": "migstat",
                "supports": {"availableconstraint": True},
            },
            override=True,
        )
        yield url


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store=store)) as test_client:
        yield test_client


def stored(store: Store, table: str, **filters: list[str]) -> dict[tuple[str, ...], float]:
    query = ObservationQuery(
        table=table, ref_areas=filters.pop("REF_AREA", None), filters=filters or None
    )
    return {(o.ref_area, *o.key, o.provider, o.time_period): o.value for o in store.read(query)}


def frame_values(series) -> dict[tuple[str, ...], float]:  # type: ignore[no-untyped-def]
    """A pandas series from sdmx.to_pandas as {(key..., period): value}."""
    names = [n for n in series.index.names if n not in ("OBS_STATUS", "CONF_STATUS", "COMMENT")]
    order = [n for n in names if n != "TIME_PERIOD"] + ["TIME_PERIOD"]
    frame = series.reset_index()
    return {
        tuple(str(row[n]) for n in order): None
        if math.isnan(float(row["value"]))
        else float(row["value"])
        for _i, row in frame.iterrows()
    }


# -- a real client -----------------------------------------------------------------------------


def test_sdmx1_reads_dataflows_and_structures(server: str, store: Store) -> None:
    client = sdmx.Client("MIGSTAT")
    flows = client.dataflow()
    assert sorted(flows.dataflow) == sorted(store.registry.tables)
    assert str(flows.dataflow["F01"].name) == store.registry.table("F01").label("en")
    structure = client.dataflow("S01", params={"references": "all"})
    dsd = structure.structure["DSD_S01"]
    assert [d.id for d in dsd.dimensions] == [
        "REF_AREA",
        "COUNTRY_BIRTH",
        "SEX",
        "AGE",
        "DATA_PROVIDER",
        "TIME_PERIOD",
    ]
    assert {a.id for a in dsd.attributes} == {
        "OBS_STATUS",
        "CONF_STATUS",
        "COMMENT",
        *("STD_ERROR", "COEF_VAR", "CI_LEVEL", "CI_LOWER", "CI_UPPER", "RELIABILITY"),
    }
    sex = structure.codelist["CL_SEX"]
    assert {c.id for c in sex} == {"_T", "M", "F", "_U"}
    assert sex["F"].name.localizations["ru"] == "Женщины"
    codes = client.codelist("CL_AGE")
    assert "Y_GE80" in codes.codelist["CL_AGE"]


def test_sdmx1_reads_real_flows_equal_to_the_file_and_the_store(server: str, store: Store) -> None:
    client = sdmx.Client("MIGSTAT")
    message = client.data(
        "F01",
        key={"REF_AREA": "KAZ", "COUNTRY_PREV_RES": ["RUS", "UZB"]},
        params={"startPeriod": "2017", "endPeriod": "2019"},
    )
    got = frame_values(sdmx.to_pandas(message))
    assert (
        got[("KAZ", "RUS", "LT", "_T", "_T", "CISSTAT", "2019")]
        == published("KAZ", "ARRIVALS.RUS", "2019")
        == 3378
    )
    assert got[("KAZ", "UZB", "LT", "_T", "_T", "CISSTAT", "2017")] == published(
        "KAZ", "ARRIVALS.UZB", "2017"
    )
    expected = {
        k: v
        for k, v in stored(store, "F01", REF_AREA=["KAZ"], COUNTRY_PREV_RES=["RUS", "UZB"]).items()
        if "2017" <= k[-1] <= "2019"
    }
    assert got == expected and len(got) == 6
    emigration = client.data(
        "F02", key="RUS.KAZ....", params={"startPeriod": "2019", "endPeriod": "2019"}
    )
    values = frame_values(sdmx.to_pandas(emigration))
    assert list(values.values()) == [published("RUS", "DEPARTURES.KAZ", "2019")] == [47145]


def test_sdmx1_reads_stocks_with_dates_and_every_observation(server: str, store: Store) -> None:
    client = sdmx.Client("MIGSTAT")
    message = client.data("S01", key="KGZ..F.Y20T24+Y25T29.KGZ")
    got = frame_values(sdmx.to_pandas(message))
    expected = stored(store, "S01", REF_AREA=["KGZ"], SEX=["F"], AGE=["Y20T24", "Y25T29"])
    assert got == expected and len(got) > 20
    assert {k[-1] for k in got} == {"2024-01-01"}
    flat = client.data(
        "S01", key="KGZ.RUS+KAZ...", params={"dimensionAtObservation": "AllDimensions"}
    )
    assert frame_values(sdmx.to_pandas(flat)) == stored(
        store, "S01", REF_AREA=["KGZ"], COUNTRY_BIRTH=["RUS", "KAZ"]
    )
    flags = sdmx.to_pandas(flat, attributes="o").reset_index()
    missing = flags[(flags["COUNTRY_BIRTH"] == "KAZ") & (flags["AGE"] == "Y_GE80")]
    assert sorted(
        zip(missing["SEX"], missing["OBS_STATUS"], missing["CONF_STATUS"], strict=True)
    ) == [("F", "A", "C"), ("M", "L", "F"), ("_T", "A", "F"), ("_U", "A", "F")]


def test_sdmx_csv_and_sdmx_json_by_accept_header(client: TestClient, store: Store) -> None:
    url = "/sdmx/rest/data/F01/KAZ.RUS....?startPeriod=2015&endPeriod=2019"
    answer = client.get(url, headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert {r["TIME_PERIOD"]: float(r["OBS_VALUE"]) for r in rows}["2019"] == 3378
    assert rows[0]["DATAFLOW"] == "MIGSTAT:F01(1.0)" and rows[0]["OBS_STATUS"] == "A"
    answer = client.get(url, headers={"Accept": "application/vnd.sdmx.data+json"})
    assert answer.headers["content-type"].startswith("application/vnd.sdmx.data+json")
    message = sdmx.read_sdmx(io.BytesIO(answer.content))
    got = frame_values(sdmx.to_pandas(message))
    assert got == {
        k: v
        for k, v in stored(store, "F01", REF_AREA=["KAZ"], COUNTRY_PREV_RES=["RUS"]).items()
        if "2015" <= k[-1] <= "2019"
    }
    # the format parameter wins over the header
    answer = client.get(url + "&format=csv", headers={"Accept": "application/json"})
    assert answer.text.startswith("DATAFLOW,")
    labelled = client.get(url + "&format=csv&labels=both&lang=ru")
    assert "KAZ: Казахстан" in labelled.text


def test_detail_and_updated_after(client: TestClient) -> None:
    url = "/sdmx/rest/data/F01/KAZ.RUS+UZB...."
    keys_only = client.get(url + "?detail=serieskeysonly")
    root = ET.fromstring(keys_only.content)
    series = root.findall(".//Series")
    assert len(series) == 2 and not root.findall(".//Obs")
    data_only = client.get(url + "?detail=dataonly&startPeriod=2019&endPeriod=2019")
    obs = ET.fromstring(data_only.content).findall(".//Obs")
    assert len(obs) == 2 and all("OBS_STATUS" not in o.attrib for o in obs)
    assert client.get(url + "?updatedAfter=2000-01-01T00:00:00Z").status_code == 200
    future = client.get(url + "?updatedAfter=2999-01-01T00:00:00Z")
    assert future.status_code == 404 and _error(future)[0] == "100"
    last = client.get(url + "?lastNObservations=2&format=csv")
    periods = [r["TIME_PERIOD"] for r in csv.DictReader(io.StringIO(last.text))]
    assert sorted(set(periods)) == ["2024", "2025"] and len(periods) == 4


def test_available_constraint(server: str, client: TestClient) -> None:
    answer = sdmx.Client("MIGSTAT").get("availableconstraint", "F01", key="KAZ.....")
    constraint = next(iter(answer.constraint.values()))
    region = constraint.data_content_region[0]
    values = {
        dim.id: {getattr(v, "value", None) for v in member.values}
        for dim, member in region.member.items()
    }
    assert values["REF_AREA"] == {"KAZ"}
    assert {"RUS", "UZB", "KGZ"} <= values["COUNTRY_PREV_RES"]
    wide = client.get("/sdmx/rest/availableconstraint/F01/KAZ...../all/REF_AREA?mode=available")
    root = ET.fromstring(wide.content)
    areas = {v.text for v in root.iter(f"{{{NS['common']}}}Value")}
    assert {"ARM", "AZE", "BLR", "KAZ", "KGZ", "MDA", "RUS", "TJK", "UKR", "UZB"} <= areas


def test_structures_by_id(client: TestClient) -> None:
    dsd = client.get("/sdmx/rest/datastructure/MIGSTAT/DSD_F01/1.0")
    assert dsd.status_code == 200 and 'id="DURATION" position="3"' in dsd.text
    scheme = client.get("/sdmx/rest/conceptscheme/MIGSTAT/CS_MIGSTAT")
    assert 'id="COUNTRY_PREV_RES"' in scheme.text and "Страна предыдущего проживания" in scheme.text
    providers = client.get("/sdmx/rest/codelist/MIGSTAT/CL_DATA_PROVIDER")
    assert 'id="CISSTAT"' in providers.text and 'id="KGZ"' in providers.text
    assert client.get("/sdmx/rest/codelist/MIGSTAT/CL_NOPE").status_code == 404
    assert client.get("/sdmx/rest/dataflow/MIGSTAT/S01/9.9").status_code == 404
    assert client.get("/sdmx/rest/dataflow/OTHER").status_code == 404
    etag = dsd.headers["etag"]
    again = client.get(
        "/sdmx/rest/datastructure/MIGSTAT/DSD_F01/1.0", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304


# -- errors ------------------------------------------------------------------------------------


def _error(answer) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    root = ET.fromstring(answer.content)
    message = root.find("message:ErrorMessage", NS)
    assert message is not None, answer.text
    return message.get("code") or "", message.findtext("common:Text", "", NS)


@pytest.mark.parametrize(
    ("url", "status", "code", "words"),
    [
        ("/sdmx/rest/data/F01/KAZ.RUS", 400, "140", "has 2 positions; dataflow F01 has 6"),
        ("/sdmx/rest/data/F01/KAZ.R<S....", 400, "140", "is not a code"),
        ("/sdmx/rest/data/F99", 404, "100", "There is no dataflow F99"),
        ("/sdmx/rest/data/OTHER,F01", 404, "100", "no agency OTHER"),
        ("/sdmx/rest/data/F01?startPeriod=2020&endPeriod=2010", 400, "150", "comes after"),
        ("/sdmx/rest/data/F01?startPeriod=20x9", 400, "140", "is not a period"),
        ("/sdmx/rest/data/F01?startPeriod=0012", 400, "150", "not a year anyone"),
        ("/sdmx/rest/data/F01?endPeriod=2019-13", 400, "140", "is not a period"),
        ("/sdmx/rest/data/F01?detail=most", 400, "140", "detail=most"),
        ("/sdmx/rest/data/F01?dimensionAtObservation=AGEX", 400, "140", "not a dimension"),
        ("/sdmx/rest/data/F01?updatedAfter=yesterday", 400, "140", "not a moment"),
        ("/sdmx/rest/data/F01?format=genericdata", 406, "406", "format=genericdata"),
        (
            "/sdmx/rest/data/F01/ZZZ.....",
            404,
            "100",
            "ZZZ in the key ZZZ..... is not a code of REF_AREA",
        ),
        ("/sdmx/rest/data/F01/FRA.....", 404, "100", "No data match"),
        ("/sdmx/rest/metadataflow", 404, "100", "not a resource"),
    ],
)
def test_bad_requests_get_sdmx_errors(
    client: TestClient, url: str, status: int, code: str, words: str
) -> None:
    answer = client.get(url)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    assert _error(answer)[0] == code
    assert words in _error(answer)[1]


def test_errors_speak_russian_and_unknown_media_types_are_refused(client: TestClient) -> None:
    answer = client.get("/sdmx/rest/data/F99", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert _error(answer)[1].startswith("Потока данных F99 нет")
    refused = client.get(
        "/sdmx/rest/data/F01", headers={"Accept": "application/vnd.sdmx.genericdata+xml"}
    )
    assert refused.status_code == 406 and "SDMX-CSV" in _error(refused)[1]


def test_an_oversized_request_is_refused_with_413(store: Store) -> None:
    app = create_app(store=store)
    app.state.sdmx_max_observations = 100
    with TestClient(app) as small:
        answer = small.get("/sdmx/rest/data/F01")
        assert answer.status_code == 413
        code, text = _error(answer)
        assert code == "510" and "more than 100 observations" in text
        assert small.get("/sdmx/rest/data/F01/KAZ.RUS....").status_code == 200


# -- the access gate ---------------------------------------------------------------------------


class CoordinatorOnly(AccessPolicy):
    """A policy under which only the coordinator reads any data."""

    def data_clause(self, principal: Principal, submission: sa.Table) -> sa.ColumnElement[bool]:
        return sa.true() if principal.is_coordinator else sa.false()

    def observation_clause(
        self, principal: Principal, observation: sa.Table
    ) -> sa.ColumnElement[bool]:
        return sa.true() if principal.is_coordinator else sa.false()


def test_nothing_bypasses_the_access_gate(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "policy", CoordinatorOnly())
    with TestClient(create_app(store=store)) as anonymous:
        answer = anonymous.get("/sdmx/rest/data/F01/KAZ.RUS....")
        assert answer.status_code == 404 and _error(answer)[0] == "100"
        assert anonymous.get("/sdmx/rest/data/S01?format=csv").status_code == 404
        for fmt in ("csv", "sdmx.csv", "sdmx.xml", "jsonstat", "px", "xlsx"):
            download = anonymous.get(f"/download/F01.{fmt}?REF_AREA=KAZ")
            assert download.status_code == 200
            assert b"3378" not in download.content and b"<Obs" not in download.content
        assert anonymous.get("/download/F01.jsonstat").json()["value"] == {}
        assert len(anonymous.get("/download/F01.csv").text.splitlines()) == 1  # header only
        constraint = anonymous.get("/sdmx/rest/availableconstraint/F01")
        assert "<common:Value>" not in constraint.text
    coordinator = Principal(user_id="c", roles=frozenset({"coordinator"}))
    monkeypatch.setattr(deps, "principal", lambda request: coordinator)
    with TestClient(create_app(store=store)) as trusted:
        assert "3378" in trusted.get("/sdmx/rest/data/F01/KAZ.RUS....").text
        assert "3378" in trusted.get("/download/F01.csv?REF_AREA=KAZ").text


def test_the_store_fixture_holds_both_providers(store: Store) -> None:
    providers = {r.provider for r in store.submissions()}
    assert providers == {"CISSTAT", "KGZ"}
    assert Path(CISSTAT).stat().st_size > 0


@pytest.mark.parametrize(
    "url",
    [
        "/sdmx/rest/data/,,",
        "/sdmx/rest/data/F01/%00.....",
        "/sdmx/rest/data/F01/all/%3Cx%3E",
        "/sdmx/rest/data/F01/" + "+".join(f"A{i:04d}" for i in range(3000)) + ".....",
        "/sdmx/rest/data/F01/KAZ.RUS....?startPeriod=2019-02-30",
        "/sdmx/rest/data/F01?startPeriod=99999",
        "/sdmx/rest/data/F01?lastNObservations=0",
        "/sdmx/rest/data/F01?updatedAfter=2024-13-01",
        "/sdmx/rest/dataflow/MIGSTAT/S01/abc",
        "/sdmx/rest/availableconstraint/F01/KAZ...../all/NOPE",
        "/download/.csv",
        "/download/F01.csv?REF_AREA=%3Cscript%3E",
    ],
)
def test_odd_requests_never_end_in_a_server_error(store: Store, url: str) -> None:
    with TestClient(create_app(store=store), raise_server_exceptions=False) as careful:
        answer = careful.get(url, headers={"Accept": "*/*"})
    assert 400 <= answer.status_code < 500, answer.text
    # an echoed value is escaped in HTML; text and JSON are never read as HTML (nosniff)
    assert "<script>" not in answer.text or (
        answer.headers["content-type"].startswith(("text/plain", "application/json"))
        and answer.headers["x-content-type-options"] == "nosniff"
    )


def test_a_burst_of_the_same_query_is_answered_by_one_reading() -> None:
    from migstat.web.sdmx.cache import Answer, AnswerCache

    cache = AnswerCache(ttl=60)
    made: list[int] = []
    gate = threading.Event()

    def make() -> Answer:
        made.append(1)
        gate.wait(5)
        return Answer(b"<x/>", "application/xml", 200, '"x"')

    answers: list[Answer] = []
    threads = [
        threading.Thread(target=lambda: answers.append(cache.get_or_make("k", make)))
        for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert len(made) == 1 and len(answers) == 10 and {a.body for a in answers} == {b"<x/>"}
    assert AnswerCache(ttl=0).get_or_make("k", make) is not None and len(made) == 2
