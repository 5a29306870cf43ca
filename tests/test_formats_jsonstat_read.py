"""JSON-stat as a cube: positions, sparse and dense values, statuses, collections, bundles,
errors; and JSON-stat of another publisher into a table made from a data structure."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from migstat.formats.jsonstat.reader import looks_like, parse
from migstat.formats.sdmxml.structure import table_from_dsd
from migstat.model import InputError
from migstat.model.registry import DEFINITIONS, Registry
from migstat.sources import detect_source, read_source
from tests.shared import SHARED_DATA

RESFIRST = SHARED_DATA / "eurostat" / "eurostat_migr_resfirst_BY.json"
DURATION = SHARED_DATA / "eurostat" / "eurostat_migr_resfirst_BY_2019_duration.json"
STRUCTURE = SHARED_DATA / "sdmx" / "ESTAT_demography-structure.xml"
pytestmark = pytest.mark.skipif(not RESFIRST.exists(), reason="shared data not available")


def _raw(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_cells_of_the_published_answer() -> None:
    raw = _raw(RESFIRST)
    cube = parse(RESFIRST.read_bytes(), RESFIRST.name)
    assert cube.ids == raw["id"] and cube.size == math.prod(raw["size"])
    assert cube.source == "ESTAT" and cube.updated == raw["updated"]
    assert cube.extension["id"] == "MIGR_RESFIRST"
    cells = list(cube.cells())
    with_value = {k for k, v in raw["value"].items() if v is not None}
    assert {str(c.position) for c in cells} == with_value | set(raw["status"])
    geo = list(raw["dimension"]["geo"]["category"]["index"])
    time = list(raw["dimension"]["time"]["category"]["index"])
    for cell in cells:  # geo and time are the last two dimensions, all others of size 1
        assert cell.codes["geo"] == geo[cell.position // len(time)]
        assert cell.codes["time"] == time[cell.position % len(time)]
        assert cell.value == raw["value"].get(str(cell.position))
        assert cell.status == raw["status"].get(str(cell.position))
    assert cube.dimension("GEO").labels["EL"] == "Greece"


def test_dense_arrays_and_one_status(tmp_path) -> None:
    raw = _raw(DURATION)
    sparse = parse(json.dumps(raw), "sparse.json")
    dense = dict(raw, value=[raw["value"].get(str(i)) for i in range(8)], status="e")
    cube = parse(json.dumps(dense), "dense.json")
    assert [(c.codes, c.value) for c in cube.cells()] == [
        (c.codes, c.value) for c in sparse.cells()
    ]
    assert {c.status for c in cube.cells()} == {"e"}
    # categories listed as an array rather than an object of positions
    for dim in raw["id"]:
        index = raw["dimension"][dim]["category"]["index"]
        raw["dimension"][dim]["category"]["index"] = sorted(index, key=index.get)
    assert [c.value for c in parse(json.dumps(raw), "list.json").cells()] == [
        c.value for c in sparse.cells()
    ]


def test_collection_and_bundle() -> None:
    raw = _raw(DURATION)
    collection = {"version": "2.0", "class": "collection", "link": {"item": [raw]}}
    bundle = {"permits": {k: v for k, v in raw.items() if k not in ("id", "size")}}
    bundle["permits"]["dimension"] = dict(raw["dimension"], id=raw["id"], size=raw["size"])
    expected = [(c.codes, c.value) for c in parse(json.dumps(raw), "x").cells()]
    for doc in (collection, bundle):
        assert [(c.codes, c.value) for c in parse(json.dumps(doc), "x").cells()] == expected
    assert looks_like(DURATION.read_bytes()[:200])
    assert not looks_like(b'{"year": 2020}')


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda r: r.update(size=[1, 1, 1, 4, 1, 2, 2]), "size"),
        (lambda r: r.update(value=[1, 2, 3]), "value"),
        (lambda r: r.update(value={"99": 5}), "99"),
        (lambda r: r.pop("dimension"), "dimension"),
    ],
)
def test_broken_answers(change, words) -> None:
    raw = _raw(DURATION)
    change(raw)
    with pytest.raises(InputError) as caught:
        parse(json.dumps(raw), "broken.json")
    error = caught.value
    assert error.where.file == "broken.json" and words in error.text("en")
    assert error.text("ru") != error.text("en") and "broken.json" in error.text("ru")


def test_not_json_names_the_line() -> None:
    with pytest.raises(InputError) as caught:
        parse(b'{"class": "dataset",\n "value": [1,,2]}', "bad.json")
    assert caught.value.where.line == 2


def _demography_jsonstat(path: Path, countries: list[str], *, order: list[int]) -> Path:
    """Births by country, sex and year as JSON-stat from another publisher (dimension ids as
    the data structure's)."""
    dims = {
        "COUNTRY": countries,
        "SEX": ["F", "M", "T"],
        "DEMO": ["LBIRTHST"],
        "TIME_PERIOD": ["2007", "2008"],
    }
    ids = [list(dims)[i] for i in order]
    sizes = [len(dims[d]) for d in ids]
    values = {}
    for pos in range(math.prod(sizes)):
        rest, codes = pos, {}
        for i, d in enumerate(ids):
            stride = math.prod(sizes[i + 1 :])
            codes[d] = dims[d][rest // stride]
            rest %= stride
        values[str(pos)] = (
            1000 * (1 + dims["COUNTRY"].index(codes["COUNTRY"]))
            + 10 * (1 + dims["SEX"].index(codes["SEX"]))
            + int(codes["TIME_PERIOD"])
            - 2000
        )
    doc = {
        "version": "2.0",
        "class": "dataset",
        "source": "Some Office",
        "updated": "2024-03-01",
        "extension": {"agencyId": "ESTAT2"},
        "id": ids,
        "size": sizes,
        "value": values,
        "status": {"0": "P"},
        "dimension": {d: {"label": d, "category": {"index": dims[d]}} for d in ids},
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_other_publishers_json_stat_into_a_structure_table(tmp_path) -> None:
    table_from_dsd(STRUCTURE, folder=tmp_path / "reg")
    registry = Registry([DEFINITIONS, tmp_path / "reg"])
    datasets = []
    for n, order in enumerate(([0, 1, 2, 3], [3, 2, 0, 1])):
        path = _demography_jsonstat(tmp_path / f"births{n}.json", ["BE", "LU"], order=order)
        assert detect_source(path, path.read_bytes()) == "jsonstat"
        dataset = read_source(path, registry=registry, table="ESTAT_DEMOGRAPHY")
        datasets.append({(o.ref_area, o.time_period, o.key): o.value for o in dataset.observations})
        assert dataset.provider == "ESTAT2" and dataset.provenance.edition == "2024-03-01"
    assert datasets[0] == datasets[1]
    assert datasets[0][("LUX", "2008", ("M", "LBIRTHST"))] == 2028
    assert len(datasets[0]) == 12
    # "EL" is Eurostat's code for Greece, not ISO's: from another publisher it is not guessed
    path = _demography_jsonstat(tmp_path / "greece.json", ["BE", "EL"], order=[0, 1, 2, 3])
    with pytest.raises(InputError) as caught:
        read_source(path, registry=registry, table="ESTAT_DEMOGRAPHY")
    assert "EL" in caught.value.text("en")
