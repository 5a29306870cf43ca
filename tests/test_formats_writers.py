"""The writers of SDMX-ML, SDMX-CSV, SDMX-JSON, JSON-stat and PX on small hand-made tables,
read back by the libraries people use for them."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from migstat.formats import sdmx_layout as L
from migstat.formats.jsonstat.writer import write_jsonstat
from migstat.formats.px.writer import write_px
from migstat.formats.sdmx_csv import write_sdmx_csv
from migstat.formats.sdmxjson import write_sdmx_json
from migstat.formats.sdmxml.structure_writer import Structures, write_structures
from migstat.formats.sdmxml.writer import Header, write_data, write_error
from migstat.model import Code, CodeList, default_registry

REGISTRY = default_registry()
F03 = REGISTRY.table("F03")  # CITIZENSHIP, DURATION, SEX
TRICKY = 'said "<5" & =SUM(A1)'


@dataclass
class Obs:
    """An observation as the writers read it (the fields of a stored one)."""

    ref_area: str
    key: tuple[str, ...]
    time_period: str
    value: float | None
    obs_status: str = "A"
    conf_status: str = "F"
    comment: str | None = None
    provider: str = "KGZ"
    table: str = "F03"


def observations() -> list[Obs]:
    return [
        Obs("KGZ", ("RUS", "LT", "M"), "2023", 1200),
        Obs("KGZ", ("RUS", "LT", "F"), "2023", 800.5, obs_status="E"),
        Obs("KGZ", ("RUS", "LT", "M"), "2024", None, obs_status="L"),
        Obs("KGZ", ("RUS", "LT", "F"), "2024", None, conf_status="C", comment=TRICKY),
        Obs("KGZ", ("KAZ", "LT", "M"), "2024", 310, provider="CISSTAT"),
    ]


def codelists() -> dict[str, CodeList]:
    providers = CodeList(id=L.PROVIDER_CODELIST, name={"en": "Data providers"})
    providers.add(Code(id="KGZ", name={"en": "Kyrgyzstan", "ru": "Кыргызстан"}))
    providers.add(Code(id="CISSTAT", name={"en": "CIS-Stat"}))
    return {**REGISTRY.codelists, L.PROVIDER_CODELIST: providers}


def test_structure_message_of_the_whole_registry_reads_in_sdmx1() -> None:
    sdmx = pytest.importorskip("sdmx")
    lists = codelists()
    tables = list(REGISTRY.tables.values())
    xml = write_structures(
        Structures(
            dataflows=tables, datastructures=tables, codelists=list(lists.values()), concepts=True
        ),
        REGISTRY,
        lists,
    )
    message = sdmx.read_sdmx(io.BytesIO(xml.encode()))
    assert set(message.dataflow) == set(REGISTRY.tables)
    assert len(message.structure) == len(REGISTRY.tables)
    dsd = message.structure["DSD_F03"]
    assert [d.id for d in dsd.dimensions] == L.all_dimensions(F03)
    duration = dsd.dimensions.get("DURATION").local_representation.enumerated
    assert duration.id == "CL_DURATION" and "LT" in duration
    assert message.codelist["CL_AREA"]["KGZ"].name.localizations["ru"] == "Кыргызстан"
    assert str(message.dataflow["F03"].description) == F03.description["en"]


def test_sdmx_ml_escapes_text_and_groups_series() -> None:
    xml = write_data(observations(), F03, header=Header(source={"en": "A & B <test>"}))
    root = ET.fromstring(xml)
    series = root.findall(".//Series")
    assert len(series) == 3  # (RUS, M), (RUS, F), (KAZ, M, CISSTAT)
    obs = [o.attrib for o in root.findall(".//Obs")]
    assert {
        "TIME_PERIOD": "2024",
        "OBS_VALUE": "NaN",
        "OBS_STATUS": "A",
        "CONF_STATUS": "C",
        "COMMENT": TRICKY,
    } in obs
    assert {
        "TIME_PERIOD": "2023",
        "OBS_VALUE": "800.5",
        "OBS_STATUS": "E",
        "CONF_STATUS": "F",
    } in obs
    by_sex = ET.fromstring(write_data(observations(), F03, dimension_at_observation="SEX"))
    first = by_sex.find(".//Series")
    assert first is not None and "SEX" not in first.attrib and "TIME_PERIOD" in first.attrib
    keys_only = ET.fromstring(write_data(observations(), F03, detail="serieskeysonly"))
    assert len(keys_only.findall(".//Series")) == 3 and not keys_only.findall(".//Obs")
    with pytest.raises(ValueError):
        write_data(observations(), F03, dimension_at_observation="AGE")


def test_error_message_has_the_code_and_the_text() -> None:
    root = ET.fromstring(write_error(140, [("ru", "Ключ <неверен>")]))
    message = root[0]
    assert message.get("code") == "140"
    assert message[0].text == "Ключ <неверен>"
    assert message[0].get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"


def test_sdmx_csv_with_labels_guards_formulas() -> None:
    text = write_sdmx_csv(observations(), F03, labels="both", lang="ru", codelists=codelists())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:7] == [
        "DATAFLOW",
        "REF_AREA",
        "CITIZENSHIP",
        "DURATION",
        "SEX",
        "DATA_PROVIDER",
        "TIME_PERIOD",
    ]
    assert rows[0]["REF_AREA"] == "KGZ: Кыргызстан" and rows[0]["SEX"] == "M: Мужчины"
    assert rows[2]["OBS_VALUE"] == "" and rows[2]["OBS_STATUS"].startswith("L: ")
    assert rows[3]["COMMENT"] == TRICKY  # starts with a letter: left alone
    guarded = write_sdmx_csv([Obs("KGZ", ("RUS", "LT", "M"), "2023", 1, comment="=1+1")], F03)
    assert next(iter(csv.DictReader(io.StringIO(guarded))))["COMMENT"] == "'=1+1"
    bare = write_sdmx_csv(observations(), F03, attributes=False)
    assert bare.splitlines()[0].endswith("TIME_PERIOD,OBS_VALUE")


def test_sdmx_json_reads_in_sdmx1() -> None:
    sdmx = pytest.importorskip("sdmx")
    for at_obs in ("TIME_PERIOD", "AllDimensions"):
        text = write_sdmx_json(
            observations(), F03, codelists=codelists(), dimension_at_observation=at_obs
        )
        message = sdmx.read_sdmx(io.BytesIO(text.encode()))
        series = sdmx.to_pandas(message)
        frame = series.reset_index()
        got = {
            (r["CITIZENSHIP"], r["SEX"], r["DATA_PROVIDER"], r["TIME_PERIOD"]): r["value"]
            for _i, r in frame.iterrows()
        }
        assert got[("RUS", "M", "KGZ", "2023")] == 1200
        assert got[("RUS", "F", "KGZ", "2023")] == 800.5
        assert got[("KAZ", "M", "CISSTAT", "2024")] == 310


def test_json_stat_dense_and_sparse_read_in_pyjstat() -> None:
    pyjstat = pytest.importorskip("pyjstat.pyjstat")
    import json

    doc = json.loads(
        write_jsonstat(observations(), F03, codelists=codelists(), sources=["KGZ statistics"])
    )
    # 2 citizenships x 2 sexes x 2 providers x 2 years = 16 cells, 5 filled: sparse
    assert doc["size"] == [1, 2, 1, 2, 2, 2] and isinstance(doc["value"], dict)
    assert doc["status"] and set(doc["status"].values()) == {"E", "L"}
    assert list(doc["extension"]["conf_status"].values()) == ["C"]
    assert doc["extension"]["comment"] and doc["source"] == "KGZ statistics"
    frame = pyjstat.Dataset.read(json.dumps(doc)).write("dataframe", naming="id")
    filled = frame[frame["value"].notna()]
    assert sorted(filled["value"].tolist()) == [310, 800.5, 1200]
    dense = json.loads(write_jsonstat(observations()[:2], F03, codelists=codelists()))
    assert dense["value"] == [1200, 800.5]  # M before F, as in the SEX code list


def test_px_writes_symbols_notes_and_short_lines(tmp_path: Path) -> None:
    pyaxis = pytest.importorskip("pyaxis.pyaxis")
    text = write_px(
        observations(), F03, codelists=codelists(), lang="ru", sources=["Нацстатком " * 40]
    )
    assert max(len(line) for line in text.splitlines()) <= 256
    assert 'LANGUAGE="ru";' in text and 'CODEPAGE="utf-8";' in text
    assert "DECIMALS=1;" in text
    assert "DATANOTECELL(" in text and '"E: Оценочное значение"' in text
    assert 'TIMEVAL("Период")=TLIST(A1),"2023","2024";' in text
    path = tmp_path / "F03.px"
    path.write_text(text, encoding="utf-8")
    parsed = pyaxis.parse(str(path), encoding="utf-8")
    frame = parsed["DATA"]
    assert len(frame) == 16
    cell = frame[
        (frame["Пол"] == "Женщины")
        & (frame["Период"] == "2024")
        & (frame["Поставщик данных"] == "Кыргызстан")
        & (frame["Страна гражданства"] == "Российская Федерация")
    ]
    assert cell["DATA"].iloc[0] == '"..."'
    absent = frame[(frame["Страна гражданства"] == "Казахстан") & (frame["Период"] == "2023")]
    assert absent["DATA"].isna().all()  # ".." is pyaxis's "not available"
