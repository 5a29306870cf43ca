"""JSON-stat read as a stream (``migstat/sources/jsonstat_stream.py``): on Eurostat's real
answers and on variants of them in every shape JSON-stat allows (values as an array with
nulls or as an object in any order, flags as an object, an array or one for every cell,
flagged cells without a value, a byte-order mark), the stream gives exactly what the file
parsed whole gives, with the same findings, metadata and errors; memory of a streamed import
does not grow with the file; what cannot be streamed is read whole under its limit."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

import migstat.importing as importing
import migstat.sources.coded_stream as coded_stream
import migstat.store.spill as spill
from migstat.api import import_file
from migstat.model import MigstatError, default_registry
from migstat.sources import jsonstat, read_source, stream_source
from migstat.sources.coded import read_jsonstat
from migstat.sources.eurostat import AGENCY
from tests.shared import SHARED_DATA

ANSWERS = ("eurostat_migr_resfirst_BY.json", "eurostat_migr_resfirst_BY_2019_duration.json")


def _whole(path: Path, source: str, allow_unmatched: bool):
    """The file parsed at once, as both readers did before they streamed."""
    registry = default_registry()
    if source == "eurostat":
        return read_jsonstat(
            path.read_bytes(),
            file_name=path.name,
            registry=registry,
            agency=AGENCY,
            allow_unmatched=allow_unmatched,
        )
    return jsonstat._read_whole(path, registry, allow_unmatched, None, None, None, None)


def _said(call) -> tuple[Any, Any]:
    try:
        return call(), None
    except MigstatError as problem:
        return None, (problem.text("en"), problem.text("ru"), problem.where)


def _same(path: Path, source: str, allow_unmatched: bool = True, *, in_order: bool = True) -> int:
    """Both reads of ``path`` say the same; the count of observations. ``in_order``: the
    values are in position order (else a finding names the first cell the stream met, which
    the whole read, going by position, may not)."""
    whole, failed = _said(lambda: _whole(path, source, allow_unmatched))
    read, read_failed = _said(
        lambda: read_source(path, source=source, allow_unmatched=allow_unmatched)
    )
    assert read_failed == failed
    if whole is None:
        return 0
    dataset, batches = stream_source(path, source=source, allow_unmatched=allow_unmatched)
    streamed = [o for batch in batches for o in batch]
    for got in (streamed, read.observations):
        assert sorted(map(repr, got)) == sorted(map(repr, whole.observations))
    for got in (dataset, read):
        assert [
            (f.rule, f.where if in_order else None, f.text("en"), f.text("ru"))
            for f in got.findings
        ] == [
            (f.rule, f.where if in_order else None, f.text("en"), f.text("ru"))
            for f in whole.findings
        ]
        assert got.metadata == whole.metadata and got.provenance == whole.provenance
        assert (got.format, got.provider) == (whole.format, whole.provider)
    return len(streamed)


@pytest.mark.parametrize("allow_unmatched", [False, True])
@pytest.mark.parametrize("source", ["eurostat", "jsonstat"])
@pytest.mark.parametrize("name", ANSWERS)
def test_real_answers_stream_as_they_read(name: str, source: str, allow_unmatched: bool) -> None:
    assert _same(SHARED_DATA / "eurostat" / name, source, allow_unmatched) > 0


def _answer() -> dict[str, Any]:
    return json.loads((SHARED_DATA / "eurostat" / ANSWERS[0]).read_text("utf-8"))


def _dense(answer: dict[str, Any]) -> list[Any]:
    size = 1
    for n in answer["size"]:
        size *= n
    return [answer["value"].get(str(i)) for i in range(size)]


def _variants() -> dict[str, dict[str, Any]]:
    """The real answer in the other shapes JSON-stat allows."""
    base = _answer()
    dense = _dense(base)
    out: dict[str, dict[str, Any]] = {}
    out["value array with nulls"] = {**base, "value": dense}
    out["status array"] = {
        **base,
        "value": dense,
        "status": [base["status"].get(str(i)) for i in range(len(dense))],
    }
    out["one flag for every cell"] = {**base, "value": dense, "status": "p"}
    out["one-item flag array"] = {**base, "value": dense, "status": ["e"]}
    unflagged = {k: v for k, v in base["value"].items() if k not in ("5", "6")}
    out["flagged cells without a value"] = {
        **base,
        "value": unflagged,
        "status": {**base["status"], "5": "c", "6": ":"},
    }
    out["value keys in any order"] = {**base, "value": dict(reversed(base["value"].items()))}
    out["values after the dimensions"] = {
        k: base[k] for k in [*(k for k in base if k not in ("value", "status")), "status", "value"]
    }
    return out


@pytest.mark.parametrize("source", ["eurostat", "jsonstat"])
@pytest.mark.parametrize("variant", list(_variants()))
def test_every_shape_streams_as_it_reads(tmp_path: Path, variant: str, source: str) -> None:
    path = tmp_path / "estat_migr_resfirst.json"
    path.write_text(json.dumps(_variants()[variant]), "utf-8")
    assert _same(path, source, in_order=variant != "value keys in any order") > 0


def test_a_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    path = tmp_path / "answer.json"
    path.write_bytes(b"\xef\xbb\xbf" + (SHARED_DATA / "eurostat" / ANSWERS[0]).read_bytes())
    assert _same(path, "eurostat") == 318


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda a: {**a, "value": _dense(a)[:-3]}, "value has 338 items but the dimensions"),
        (lambda a: {**a, "value": {**a["value"], "x1": 5}}, "value has the key x1"),
        (lambda a: {**a, "value": {**a["value"], "99999": 5}}, "value has the key 99999"),
        (lambda a: {**a, "status": {**a["status"], "-1": "b"}}, "status has the key -1"),
        (lambda a: {**a, "value": 12}, "value is neither an array nor an object"),
    ],
)
def test_damage_is_reported_as_the_whole_read_reports_it(tmp_path: Path, damage, said) -> None:
    path = tmp_path / "estat_migr_resfirst.json"
    path.write_text(json.dumps(damage(_answer())), "utf-8")
    for source in ("eurostat", "jsonstat"):
        _same(path, source)
        with pytest.raises(MigstatError) as caught:
            read_source(path, source=source, allow_unmatched=True)
        assert said in caught.value.text("en") and caught.value.where.file == path.name


def test_a_file_cut_short_is_not_valid_json(tmp_path: Path) -> None:
    path = tmp_path / "estat_migr_resfirst.json"
    text = json.dumps({**_answer(), "value": _dense(_answer())})
    path.write_text(text[: len(text) * 2 // 3], "utf-8")
    for read in (read_source, stream_source):
        with pytest.raises(MigstatError) as caught:
            read(path, source="eurostat")
        assert "not valid JSON" in caught.value.text("en") and caught.value.where.file == path.name


def test_a_collection_is_read_whole_under_its_limit(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "collection.json"
    collection = {"class": "collection", "link": {"item": [_answer()]}}
    path.write_text(json.dumps(collection), "utf-8")
    assert len(read_source(path, source="eurostat", allow_unmatched=True).observations) == 318
    monkeypatch.setenv("MIGSTAT_MAX_JSONSTAT_MB", str(path.stat().st_size / 2 / 1024 / 1024))
    for source in ("eurostat", "jsonstat"):
        with pytest.raises(MigstatError) as caught:
            stream_source(path, source=source)
        assert "MIGSTAT_MAX_JSONSTAT_MB" in caught.value.text("en")
    # a dataset streams: the limit of what is held whole does not touch it
    streamed = tmp_path / "answer.json"
    answer = _answer()
    answer["extension"]["pad"] = "x" * 20_000
    streamed.write_text(json.dumps(answer), "utf-8")
    monkeypatch.setenv("MIGSTAT_MAX_JSONSTAT_MB", "0.01")
    assert _same(streamed, "eurostat") == 318


def write_answer(path: Path, citizens: int) -> int:
    """Eurostat's answer for its countries (not the EU's aggregate), eleven years and
    ``citizens`` citizenships (the registry's countries by their alpha-2 codes, as Eurostat
    writes them), a value for each cell and a flag for some; the cells. The periods stay
    few, as in a real answer, so that only the cells grow."""
    answer = _answer()
    geo = [g for g in answer["dimension"]["geo"]["category"]["index"] if not g.startswith("EU")]
    areas = default_registry().areas.codes.values()
    codes = [a.attributes.get("alpha2") for a in areas if a.attributes.get("kind") == "country"]
    codes = [c for c in codes if c]
    codes = [c for c in codes if c not in ("GR", "GB")][:citizens]
    for dim, listed in (("geo", geo), ("citizen", codes)):
        answer["dimension"][dim]["category"] = {
            "index": {c: i for i, c in enumerate(listed)},
            "label": {c: c for c in listed},
        }
    answer["size"] = [1, 1, len(codes), 1, 1, len(geo), 11]
    cells = len(codes) * len(geo) * 11
    answer["value"] = {str(i): 1000 + i % 9000 for i in range(cells)}
    answer["status"] = {str(i): "p" for i in range(0, cells, 97)}
    path.write_text(json.dumps(answer), "utf-8")
    return cells


def test_memory_of_a_streamed_answer_does_not_grow_with_the_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(spill, "CHUNK", 2_000)
    monkeypatch.setattr(importing, "KEPT", 1_000)
    monkeypatch.setattr(coded_stream, "BATCH", 2_000)
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    cells = (write_answer(small, 50), write_answer(large, 200))
    import_file(small, source="eurostat", dry_run=True)  # every module and code list loaded
    peaks = []
    for path, count in zip((small, large), cells, strict=True):
        tracemalloc.start()
        try:
            result = import_file(path, source="eurostat", dry_run=True)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert result.observations == count
    assert cells[1] == 4 * cells[0] > 30_000
    assert peaks[1] < 1.2 * peaks[0], peaks
