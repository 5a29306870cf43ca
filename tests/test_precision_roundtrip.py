"""A survey estimate's precision read back from migstat's own SDMX-ML and JSON-stat.

The seeded survey of tests/test_precision_attributes.py (reliable, flagged and suppressed
cells) is submitted, downloaded from the portal as SDMX-ML and JSON-stat, and read by
``migstat import``'s readers: every cell's value, status and precision come back exactly as
the long CSV gave them. The sdmx1 library reads the same SDMX-ML with the data structure the
portal serves and finds the same attributes. A bad attribute is an error naming the
observation (XML line or JSON-stat position, and its codes), in English and Russian.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest
import sdmx
from fastapi.testclient import TestClient

from migstat.formats.csv_long import read_long_csv
from migstat.model import InputError, default_registry
from migstat.sources import jsonstat
from migstat.sources import sdmx as sdmx_source
from migstat.web.app import create_app
from tests.test_precision_attributes import _check, _expected, survey  # noqa: F401 (a fixture)

REGISTRY = default_registry()


@pytest.fixture(scope="module")
def downloads(survey, tmp_path_factory):  # noqa: F811 (the fixture imported above)
    """The portal's SDMX-ML, JSON-stat and data structure of the submitted table."""
    _result, _written, store = survey
    root = tmp_path_factory.mktemp("roundtrip")
    with TestClient(create_app(store=store)) as client:
        xml = client.get("/download/S01.sdmx.xml?REF_AREA=KGZ").content
        stat = client.get("/download/S01.json-stat.json?REF_AREA=KGZ").content
        dsd = client.get("/sdmx/rest/datastructure/MIGSTAT/DSD_S01/1.0").content
    (root / "S01.xml").write_bytes(xml)
    (root / "S01.json").write_bytes(stat)
    return root, dsd


def _same_as_submitted(read, survey) -> None:  # noqa: F811
    result, written, _store = survey
    submitted = {o.key: o for o in read_long_csv(written).observations}
    back = {o.key: o for o in read.observations}
    assert set(back) == set(submitted) and len(back) == 216
    for key, (_value, estimate) in _expected(result).items():
        _check(back[key].precision, estimate)
        mine, theirs = back[key], submitted[key]
        assert (mine.value, mine.obs_status, mine.conf_status, mine.precision) == (
            theirs.value,
            theirs.obs_status,
            theirs.conf_status,
            theirs.precision,
        )
    assert {o.ref_area for o in read.observations} == {"KGZ"} and read.provider == "KGZ"


def test_sdmx_ml_reads_back_every_precision_attribute(downloads, survey) -> None:  # noqa: F811
    root, _dsd = downloads
    read = sdmx_source.read(root / "S01.xml", registry=REGISTRY)
    _same_as_submitted(read, survey)
    assert read.format == "sdmx_ml"


def test_json_stat_reads_back_its_precision_extension(downloads, survey) -> None:  # noqa: F811
    root, _dsd = downloads
    read = jsonstat.read(root / "S01.json", registry=REGISTRY)
    _same_as_submitted(read, survey)
    assert read.format == "jsonstat"


def test_sdmx1_reads_the_same_attributes(downloads, survey) -> None:  # noqa: F811
    root, dsd_xml = downloads
    dsd = sdmx.read_sdmx(io.BytesIO(dsd_xml)).structure["DSD_S01"]
    message = sdmx.read_sdmx(root / "S01.xml", structure=dsd)
    frame = sdmx.to_pandas(message.data[0], attributes="o").reset_index()
    expected = _expected(survey[0])
    assert len(frame) == len(expected) == 216
    for row in frame.to_dict("records"):
        key = (row["COUNTRY_BIRTH"], row["SEX"], row["AGE"])
        estimate = expected[key][1]
        assert row["RELIABILITY"] == ("reliable", "flagged", "suppressed")[estimate.flag]
        if estimate.cv is not None:
            assert float(row["COEF_VAR"]) == estimate.cv
        if estimate.flag == 2:  # suppressed: no standard error or interval
            assert all(_absent(row[a]) for a in ("STD_ERROR", "CI_LOWER", "CI_UPPER"))
        else:
            assert float(row["STD_ERROR"]) == estimate.se
            assert (float(row["CI_LOWER"]), float(row["CI_UPPER"])) == (
                estimate.ci_low,
                estimate.ci_high,
            )


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def test_a_bad_attribute_in_sdmx_ml_names_the_observation(downloads, tmp_path: Path) -> None:
    root, _dsd = downloads
    text = (root / "S01.xml").read_text(encoding="utf-8")
    at = text.index('<Series REF_AREA="KGZ" COUNTRY_BIRTH="RUS" SEX="F" AGE="_T"')
    head, series = text[:at], text[at:]
    start = series.index('STD_ERROR="') + len('STD_ERROR="')
    series = series[:start] + "-3" + series[series.index('"', start) :]
    broken = head + series.replace("<Obs ", "\n<Obs ", 1)  # the observation on a line of its own
    bad = tmp_path / "bad.xml"
    bad.write_text(broken, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        sdmx_source.read(bad, registry=REGISTRY)
    line = head.count("\n") + 2
    assert (caught.value.where.line, caught.value.where.column) == (line, "STD_ERROR")
    message = str(caught.value)
    assert "STD_ERROR “-3”" in message and f"line {line}" in message
    assert "COUNTRY_BIRTH=RUS, SEX=F, AGE=_T" in message
    assert "недопустимо" in caught.value.text("ru") and "COUNTRY_BIRTH=RUS" in caught.value.text(
        "ru"
    )


@pytest.mark.parametrize(("name", "value"), [("CI_LEVEL", 95.5), ("RELIABILITY", "good")])
def test_a_bad_precision_in_json_stat_names_the_cell(
    downloads, tmp_path: Path, name: str, value: object
) -> None:
    root, _dsd = downloads
    doc = json.loads((root / "S01.json").read_text(encoding="utf-8"))
    position = sorted(doc["extension"]["precision"], key=int)[5]
    doc["extension"]["precision"][position][name] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        jsonstat.read(bad, registry=REGISTRY)
    assert caught.value.where.column == f"value[{position}] extension.precision.{name}"
    assert f"value[{position}] (REF_AREA=KGZ" in str(caught.value)
    assert f"{name} “{value}”" in str(caught.value)
    assert "недопустимо" in caught.value.text("ru")
