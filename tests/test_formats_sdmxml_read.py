"""SDMX in: structure messages into tables, SDMX-ML data (generic, structure-specific, flat)
and SDMX-CSV, checked against the real messages read here with ElementTree."""

from __future__ import annotations

import csv
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from migstat import api
from migstat.formats.sdmxml.reader import read_data
from migstat.formats.sdmxml.structure import read_structures, table_from_dsd
from migstat.model import InputError, default_registry
from migstat.model.registry import DEFINITIONS, Registry
from migstat.sources import detect_source, read_source
from migstat.store import Store
from tests.shared import SHARED_DATA

SDMX = SHARED_DATA / "sdmx"
STRUCTURE = SDMX / "ESTAT_demography-structure.xml"
DATA = SDMX / "ESTAT_demography-xs.xml"
CL_FREQ = SDMX / "ESTAT_CL_FREQ.xml"
RESFIRST = SHARED_DATA / "eurostat" / "eurostat_migr_resfirst_BY.json"
pytestmark = pytest.mark.skipif(not STRUCTURE.exists(), reason="shared data not available")

XSI = "{http://www.w3.org/2001/XMLSchema-instance}type"
COUNTRY = {"BE": "BEL", "EL": "GRC", "LU": "LUX", "UK": "GBR"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _published_obs(path: Path) -> list[dict[str, str]]:
    """Every observation of the structure-specific message, read with ElementTree."""
    out = []
    for series in ET.parse(path).getroot().iter():
        if _local(series.tag) != "Series":
            continue
        for obs in series:
            attrs = {k: v for k, v in obs.attrib.items() if k != XSI}
            out.append({**series.attrib, **attrs, "DEMO": obs.attrib[XSI].split(":")[1]})
    return out


@pytest.fixture
def folder(tmp_path) -> Path:
    table_from_dsd([STRUCTURE], folder=tmp_path / "registry")
    return tmp_path / "registry"


@pytest.fixture
def registry(folder) -> Registry:
    return Registry([DEFINITIONS, folder])


# -- structures --------------------------------------------------------------------------------


def test_table_from_the_data_structure(folder, registry) -> None:
    table = registry.table("ESTAT_DEMOGRAPHY")
    assert registry.table("DEMOGRAPHY") is table  # the DSD id is an alias
    assert table.dimension_ids == ("SEX", "DEMO")
    assert table.kind == "event" and table.period_type == "year"
    root = ET.parse(STRUCTURE).getroot()
    sexes = [
        c.get("id")
        for cl in root.iter()
        if _local(cl.tag) == "Codelist" and cl.get("id") == "CL_SEX"
        for c in cl
        if _local(c.tag) == "Code"
    ]
    measures = [
        c.get("id")
        for cs in root.iter()
        if _local(cs.tag) == "ConceptScheme" and cs.get("id") == "DEMO_MEASURES"
        for c in cs
        if _local(c.tag) == "Concept"
    ]
    assert list(registry.codelist("ESTAT_CL_SEX").codes) == sexes == ["F", "M", "T"]
    assert list(registry.codelist("ESTAT_DEMO_MEASURES").codes) == measures
    assert registry.codelist("ESTAT_DEMO_MEASURES").label("LBIRTHST") == "Births in Year X"
    assert table.dimension("SEX").total == "T" and table.dimension("DEMO").total is None
    assert sorted(p.name for p in (folder / "codelists").iterdir()) == [
        "ESTAT_CL_SEX.yaml",
        "ESTAT_DEMO_MEASURES.yaml",
    ]


def test_code_list_from_another_file(tmp_path) -> None:
    text = STRUCTURE.read_text(encoding="utf-8")
    start = text.index('<structure:Codelist id="CL_SEX"')
    end = text.index("</structure:Codelist>", start) + len("</structure:Codelist>")
    stub = (
        '<structure:Codelist id="CL_SEX" agencyID="ESTAT" version="1.0" '
        'isExternalReference="true"><common:Name xml:lang="en">Sex codelist</common:Name>'
        "</structure:Codelist>"
    )
    without = tmp_path / "dsd.xml"
    without.write_text(text[:start] + stub + text[end:], encoding="utf-8")
    with pytest.raises(InputError) as caught:
        table_from_dsd(without)
    assert "CL_SEX" in caught.value.text("en") and "CL_SEX" in caught.value.text("ru")
    assert caught.value.text("en") != caught.value.text("ru")
    assert caught.value.where.file == "dsd.xml"
    head = text[: text.index("<message:Structures>")]
    codes = tmp_path / "codes.xml"
    codes.write_text(
        head
        + "<message:Structures><structure:Codelists>"
        + text[start:end]
        + "</structure:Codelists></message:Structures></message:Structure>",
        encoding="utf-8",
    )
    derived = table_from_dsd([without, codes])
    assert [c["id"] for c in derived.codelists[0]["codes"]] == ["F", "M", "T"]


def test_sdmx_3_code_list() -> None:
    found = read_structures([CL_FREQ])
    [freq] = found.codelists.values()
    root = ET.parse(CL_FREQ).getroot()
    ids = [c.get("id") for c in root.iter() if _local(c.tag) == "Code"]
    assert [c.id for c in freq.codes] == ids == ["P"]  # the specimen holds one code
    assert freq.codes[0].names == {"en": "Pluri-annual", "de": "Mehrjährig", "fr": "Pluri-annuel"}
    assert (freq.agency, freq.id, freq.version) == ("ESTAT", "FREQ", "3.9")
    assert freq.names["en"] == "Time frequency"
    with pytest.raises(InputError) as caught:  # a code list alone makes no table
        table_from_dsd(CL_FREQ)
    assert caught.value.where.file == CL_FREQ.name


def test_data_message_is_not_a_structure() -> None:
    with pytest.raises(InputError) as caught:
        read_structures([DATA])
    assert "StructureSpecificData" in caught.value.text("en")


# -- data --------------------------------------------------------------------------------------


def test_structure_specific_cell_by_cell(registry) -> None:
    published = _published_obs(DATA)
    message = read_data(DATA)
    assert message.header.structure.id == "DEMOGRAPHY"
    assert message.header.dimension_at_observation == "DEMO"
    assert [
        {k: r.values[k] for k in p} for r, p in zip(message.records, published, strict=True)
    ] == published
    assert detect_source(DATA, DATA.read_bytes()[:8192]) == "sdmx"
    dataset = read_source(DATA, registry=registry)
    assert len(dataset.observations) == len(published) == 60
    for obs, pub in zip(dataset.observations, published, strict=True):
        assert obs.table == "ESTAT_DEMOGRAPHY"
        assert obs.ref_area == COUNTRY[pub["COUNTRY"]] and obs.time_period == pub["TIME_PERIOD"]
        assert obs.key == (pub["SEX"], pub["DEMO"])
        expected = float(pub["OBS_VALUE"]) if "OBS_VALUE" in pub else None
        assert obs.value == expected and obs.obs_status == pub["OBS_STATUS"]
    missing = [o for o in dataset.observations if o.value is None]
    assert len(missing) == 5 and {o.obs_status for o in missing} == {"M"}
    assert dataset.provider == "ESTAT" and dataset.provenance.edition == "2011-11-25"


def _generic(path: Path, out: Path, *, flat: bool = False) -> Path:
    """The message as SDMX 2.1 generic data (series or flat), written here."""
    msg = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
    gen = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
    com = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
    root = ET.Element(f"{{{msg}}}GenericData")
    header = ET.SubElement(root, f"{{{msg}}}Header")
    ET.SubElement(header, f"{{{msg}}}ID").text = "GENERIC"
    ET.SubElement(header, f"{{{msg}}}Prepared").text = "2011-11-25T00:21:49"
    structure = ET.SubElement(
        header,
        f"{{{msg}}}Structure",
        structureID="STR1",
        dimensionAtObservation="AllDimensions" if flat else "TIME_PERIOD",
    )
    inner = ET.SubElement(structure, f"{{{com}}}Structure")
    ET.SubElement(inner, "Ref", agencyID="ESTAT", id="DEMOGRAPHY", version="1.0")
    dataset = ET.SubElement(root, f"{{{msg}}}DataSet")
    dims = ("FREQ", "COUNTRY", "SEX", "DEMO")
    for pub in _published_obs(path):
        attrs = {k: pub[k] for k in ("OBS_STATUS", "UNIT_MEASURE")}
        if flat:
            obs = ET.SubElement(dataset, f"{{{gen}}}Obs")
            key = ET.SubElement(obs, f"{{{gen}}}ObsKey")
            for d in (*dims, "TIME_PERIOD"):
                ET.SubElement(key, f"{{{gen}}}Value", id=d, value=pub[d])
        else:
            series = ET.SubElement(dataset, f"{{{gen}}}Series")
            key = ET.SubElement(series, f"{{{gen}}}SeriesKey")
            for d in dims:
                ET.SubElement(key, f"{{{gen}}}Value", id=d, value=pub[d])
            obs = ET.SubElement(series, f"{{{gen}}}Obs")
            ET.SubElement(obs, f"{{{gen}}}ObsDimension", value=pub["TIME_PERIOD"])
        if "OBS_VALUE" in pub:
            ET.SubElement(obs, f"{{{gen}}}ObsValue", value=pub["OBS_VALUE"])
        values = ET.SubElement(obs, f"{{{gen}}}Attributes")
        for k, v in attrs.items():
            ET.SubElement(values, f"{{{gen}}}Value", id=k, value=v)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return out


def _same(dataset) -> list[tuple]:
    return sorted(
        (o.ref_area, o.time_period, o.key, o.value, o.obs_status) for o in dataset.observations
    )


def test_generic_and_flat_read_alike(tmp_path, registry) -> None:
    base = _same(read_source(DATA, registry=registry))
    for flat in (False, True):
        path = _generic(DATA, tmp_path / f"generic{int(flat)}.xml", flat=flat)
        assert detect_source(path, path.read_bytes()[:8192]) == "sdmx"
        assert _same(read_source(path, registry=registry)) == base


def test_bad_xml_names_the_line(tmp_path, registry) -> None:
    text = DATA.read_text(encoding="utf-8").splitlines()
    at = [i for i, line in enumerate(text) if "<Obs " in line][5]
    text[at] = text[at].replace("/>", ">")
    path = tmp_path / "broken.xml"
    path.write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_source(path, registry=registry)
    assert caught.value.where.file == "broken.xml" and caught.value.where.line > at + 1
    assert caught.value.text("ru") != caught.value.text("en")


def test_no_table_for_the_dataflow() -> None:
    with pytest.raises(InputError) as caught:
        read_source(DATA, registry=default_registry())
    assert "DEMOGRAPHY" in caught.value.text("en") and "from-sdmx" in caught.value.text("ru")
    example = SDMX / "v3_csv_example-01.csv"
    assert detect_source(example, example.read_bytes()) == "sdmx"
    with pytest.raises(InputError) as caught:
        read_source(example, registry=default_registry())
    assert caught.value.where.file == example.name


def test_import_then_query_through_a_table_made_from_the_structure(db_url, registry) -> None:
    """Counts (births, deaths) and indicators (fertility rate, life expectancy) alike come
    back exactly as published: a table made from a structure keeps values as published."""
    published = _published_obs(DATA)
    assert {p["DEMO"] for p in published} >= {"LBIRTHST", "DEATHST", "TFRNSI", "LEXPNSIT"}
    dataset = read_source(DATA, registry=registry)
    with Store.open(db_url, registry=registry) as store:
        record, findings = api.submit_dataset(store, dataset, DATA.read_bytes(), registry=registry)
        assert record.status == "accepted", [f.text() for f in findings]
        result = api.query(store, "ESTAT_DEMOGRAPHY", registry=registry)
    assert result.columns[2:6] == ["REF_AREA", "TIME_PERIOD", "SEX", "DEMO"]
    got = {(r["REF_AREA"], r["TIME_PERIOD"], r["SEX"], r["DEMO"]): r for r in result.rows}
    assert len(got) == len(published)
    for pub in published:
        row = got[(COUNTRY[pub["COUNTRY"]], pub["TIME_PERIOD"], pub["SEX"], pub["DEMO"])]
        assert row["OBS_VALUE"] == (float(pub["OBS_VALUE"]) if "OBS_VALUE" in pub else None)
        assert row["OBS_STATUS"] == pub["OBS_STATUS"]
        assert row["DEMO_LABEL"]
    assert any(float(p["OBS_VALUE"]) % 1 for p in published if "OBS_VALUE" in p)


def test_counts_stay_whole_in_a_table_of_counts(registry) -> None:
    """The standard tables still refuse a fraction of a person; derived tables do not."""
    assert registry.table("F01").counts and not registry.table("ESTAT_DEMOGRAPHY").counts


# -- Eurostat's own dataflows over SDMX ----------------------------------------------------------


def _resfirst_cells() -> list[dict[str, object]]:
    raw = json.loads(RESFIRST.read_text(encoding="utf-8"))
    ids, sizes = raw["id"], raw["size"]
    codes = [
        sorted(
            raw["dimension"][d]["category"]["index"],
            key=raw["dimension"][d]["category"]["index"].get,
        )
        for d in ids
    ]
    out = []
    for pos in range(math.prod(sizes)):
        value = raw["value"].get(str(pos))
        if value is None:
            continue
        rest, cell = pos, {}
        for i, d in enumerate(ids):
            stride = math.prod(sizes[i + 1 :])
            cell[d] = codes[i][rest // stride]
            rest %= stride
        cell["value"] = value
        cell["flag"] = (raw.get("status") or {}).get(str(pos), "")
        out.append(cell)
    return out


def _keyed(dataset) -> dict[tuple, tuple]:
    return {
        (o.table, o.ref_area, o.time_period, o.key): (o.value, o.obs_status, o.comment)
        for o in dataset.observations
    }


def test_eurostat_sdmx_csv_reads_like_json_stat(tmp_path) -> None:
    registry = default_registry()
    base = _keyed(read_source(RESFIRST, registry=registry))
    header = [
        "DATAFLOW",
        "LAST UPDATE",
        "freq",
        "reason",
        "citizen",
        "duration",
        "unit",
        "geo",
        "TIME_PERIOD",
        "OBS_VALUE",
        "OBS_FLAG",
    ]
    rows = [
        [
            "ESTAT:MIGR_RESFIRST(1.0)",
            "09/07/26 23:00:00",
            c["freq"],
            c["reason"],
            c["citizen"],
            c["duration"],
            c["unit"],
            c["geo"],
            c["time"],
            c["value"],
            c["flag"],
        ]
        for c in _resfirst_cells()
    ]
    for name, delimiter in (("comma.csv", ","), ("semi.csv", ";"), ("tab.csv", "\t")):
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, delimiter=delimiter).writerows([header, *rows[::-1]])
        assert detect_source(path, path.read_bytes()[:8192]) == "sdmx"
        dataset = read_source(path, registry=registry)
        assert _keyed(dataset) == base, name
        assert dataset.provenance.edition == "2026-07-09"
        assert dataset.provider == "ESTAT"


def test_eurostat_sdmx_ml_reads_like_json_stat(tmp_path) -> None:
    registry = default_registry()
    base = _keyed(read_source(RESFIRST, registry=registry))
    series: dict[tuple, list[dict[str, object]]] = {}
    for cell in _resfirst_cells():
        key = tuple(cell[d] for d in ("freq", "reason", "citizen", "duration", "unit", "geo"))
        series.setdefault(key, []).append(cell)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<m:StructureSpecificData xmlns:m="http://www.sdmx.org/resources/sdmxml/schemas/'
        'v2_1/message" xmlns:c="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">'
        "<m:Header><m:ID>X</m:ID><m:Prepared>2026-07-10T08:00:00</m:Prepared>"
        '<m:Structure structureID="ESTAT_MIGR_RESFIRST_1_0" '
        'dimensionAtObservation="TIME_PERIOD"><c:Structure><Ref agencyID="ESTAT" '
        'id="MIGR_RESFIRST" version="1.0"/></c:Structure></m:Structure></m:Header>'
        "<m:DataSet>",
    ]
    for (freq, reason, citizen, duration, unit, geo), cells in series.items():
        parts.append(
            f'<Series freq="{freq}" reason="{reason}" citizen="{citizen}" '
            f'duration="{duration}" unit="{unit}" geo="{geo}">'
        )
        for cell in cells:
            flag = f' OBS_FLAG="{cell["flag"]}"' if cell["flag"] else ""
            parts.append(f'<Obs TIME_PERIOD="{cell["time"]}" OBS_VALUE="{cell["value"]}"{flag}/>')
        parts.append("</Series>")
    parts.append("</m:DataSet></m:StructureSpecificData>")
    path = tmp_path / "resfirst.xml"
    path.write_text("\n".join(parts), encoding="utf-8")
    upper = tmp_path / "resfirst_upper.xml"  # dimension ids as SDMX-ML 2.1 answers give them
    upper.write_text(
        "\n".join(parts).replace(' freq="', ' FREQ="').replace(' geo="', ' GEO="'), encoding="utf-8"
    )
    for source in (path, upper):
        dataset = read_source(source, registry=registry)
        assert _keyed(dataset) == base
        assert dataset.provenance.edition == "2026-07-10"
        assert dataset.observations[0].where.line > 1


def test_cli_tables_from_sdmx(cli, tmp_path) -> None:
    out = tmp_path / "reg"
    code, stdout, stderr = cli("tables", "from-sdmx", str(STRUCTURE), "-o", str(out))
    assert code == 0, stderr
    assert stdout.split() == [
        str(out / "codelists" / "ESTAT_CL_SEX.yaml"),
        str(out / "codelists" / "ESTAT_DEMO_MEASURES.yaml"),
        str(out / "tables" / "ESTAT_DEMOGRAPHY.yaml"),
    ]
    assert (out / "tables" / "ESTAT_DEMOGRAPHY.yaml").exists()
    assert "ESTAT_DEMOGRAPHY" in stderr and "MIGSTAT_REGISTRY_PATH" in stderr
    code, listing, _ = cli("tables")
    assert code == 0 and "S01" in listing and "ESTAT_DEMOGRAPHY" not in listing
    code, _, stderr = cli("--lang", "ru", "tables", "from-sdmx", str(CL_FREQ), "-o", str(out))
    assert code == 2 and "ESTAT_CL_FREQ.xml" in stderr and "DSD" in stderr
    assert "Ошибка" in stderr


def test_sdmx_csv_with_labels(tmp_path) -> None:
    """Eurostat's SDMX-CSV with labels: ``freq:Time frequency`` headers, ``A:Annual`` cells."""
    registry = default_registry()
    base = _keyed(read_source(RESFIRST, registry=registry))
    names = {
        "freq": "Time frequency",
        "reason": "Reason",
        "citizen": "Country of citizenship",
        "duration": "Duration",
        "unit": "Unit of measure",
        "geo": "Geopolitical entity",
    }
    header = [
        "STRUCTURE",
        "STRUCTURE_ID",
        "ACTION",
        *(f"{k}:{v}" for k, v in names.items()),
        "TIME_PERIOD:Time",
        "OBS_VALUE:Observation value",
        "OBS_FLAG:Observation flag",
    ]
    rows = [
        [
            "dataflow",
            "ESTAT:MIGR_RESFIRST(1.0)",
            "I",
            *(f"{c[k]}:Label of {c[k]}" for k in names),
            c["time"],
            c["value"],
            c["flag"],
        ]
        for c in _resfirst_cells()
    ]
    path = tmp_path / "labels.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    assert detect_source(path, path.read_bytes()[:8192]) == "sdmx"
    assert _keyed(read_source(path, registry=registry)) == base
    rows[3][2] = "D"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    with pytest.raises(InputError) as caught:
        read_source(path, registry=registry)
    assert caught.value.where.line == 5


def test_lower_case_dimension_ids(tmp_path) -> None:
    """Eurostat's own structures name dimensions in lower case (freq, geo, citizen)."""
    text = STRUCTURE.read_text(encoding="utf-8")
    for concept in ("FREQ", "COUNTRY", "SEX", "DEMO"):
        text = text.replace(f'id="{concept}"/>', f'id="{concept.lower()}"/>')
    path = tmp_path / "lower.xml"
    path.write_text(text, encoding="utf-8")
    derived = table_from_dsd(path, folder=tmp_path / "reg")
    assert derived.area_dimension == "COUNTRY"
    assert [d["id"] for d in derived.table["dimensions"]] == ["SEX", "DEMO"]
    assert derived.table["dimensions"][0]["name"] == {"en": "Sex"}
    registry = Registry([DEFINITIONS, tmp_path / "reg"])
    data = (
        DATA.read_text(encoding="utf-8").replace('SEX="', 'sex="').replace('COUNTRY="', 'country="')
    )
    (tmp_path / "lower_data.xml").write_text(data, encoding="utf-8")
    assert _same(read_source(tmp_path / "lower_data.xml", registry=registry)) == _same(
        read_source(DATA, registry=registry)
    )


def test_sdmx_3_structure_specific(tmp_path, registry) -> None:
    """SDMX-ML 3.0 namespaces and a structure named by URN read as 2.1 does."""
    text = DATA.read_text(encoding="utf-8").replace("/v2_1/", "/v3_0/")
    start = text.index("<common:Structure>")
    end = text.index("</common:Structure>") + len("</common:Structure>")
    text = (
        text[:start] + "<common:Structure>urn:sdmx:org.sdmx.infomodel.datastructure."
        "DataStructure=ESTAT:DEMOGRAPHY(1.0)</common:Structure>" + text[end:]
    )
    path = tmp_path / "v3.xml"
    path.write_text(text, encoding="utf-8")
    message = read_data(path)
    assert (message.header.structure.agency, message.header.structure.id) == ("ESTAT", "DEMOGRAPHY")
    assert _same(read_source(path, registry=registry)) == _same(
        read_source(DATA, registry=registry)
    )
