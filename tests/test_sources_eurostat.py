"""Eurostat: legacy CSV exports and JSON-stat answers, checked cell by cell against the files.

Expected numbers are read from the published files here with the csv and json modules, apart
from the importer; variants (other separators, code pages, column and dimension orders) are
made from the real files.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from pathlib import Path

import pytest

from migstat import api
from migstat.model import InputError, default_registry
from migstat.sources import detect_source, read_source
from migstat.sources.eurostat import flag_status
from migstat.sources.eurostat_files import read
from tests.csvfiles import write_variant
from tests.shared import SHARED_DATA

DATA = SHARED_DATA / "eurostat"
ASY_APP = DATA / "migr_asyappctza_1_Data-2017-05-31-ADDED.csv"
ASY_DEC = DATA / "migr_asydcfsta_2017-04-26.csv"
PJAN = DATA / "demo_pjan_1_Data.csv"
RESFIRST = DATA / "eurostat_migr_resfirst_BY.json"
DURATION = DATA / "eurostat_migr_resfirst_BY_2019_duration.json"
pytestmark = pytest.mark.skipif(not ASY_APP.exists(), reason="shared data not available")

# The test's own reading of a few Eurostat labels and codes (independent of the importer).
COUNTRIES = {
    "Belgium": "BEL",
    "Bulgaria": "BGR",
    "Netherlands": "NLD",
    "Greece": "GRC",
    "Germany (until 1990 former territory of the FRG)": "DEU",
    "Sweden": "SWE",
    "United Kingdom": "GBR",
    "Czech Republic": "CZE",
    "Norway": "NOR",
}
GEO2 = {
    "BE": "BEL",
    "EL": "GRC",
    "ES": "ESP",
    "IE": "IRL",
    "IT": "ITA",
    "LT": "LTU",
    "PL": "POL",
    "DE": "DEU",
}


def _rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


def _number(text: str) -> int | None:
    return None if text.strip() == ":" else int(text.replace(",", ""))


def _index(dataset):
    return {(o.table, o.ref_area, o.time_period, o.key): o for o in dataset.observations}


@pytest.fixture(scope="module")
def registry():
    return default_registry()


@pytest.fixture(scope="module")
def asy_app(registry):
    return read(ASY_APP, registry=registry)


# -- legacy CSV exports ----------------------------------------------------------------------


def test_asylum_applications_cell_by_cell(asy_app) -> None:
    index = _index(asy_app)
    kinds = {"Asylum applicant": "_T", "First time applicant": "FIRST"}
    checked = 0
    for line, row in enumerate(_rows(ASY_APP), start=2):
        code = COUNTRIES.get(row["GEO"])
        if code is None or row["CITIZEN"] != "Total":
            continue
        obs = index[("A05", code, row["TIME"], ("_T", "_T", "_T", kinds[row["ASYL_APP"]]))]
        assert obs.value == _number(row["Value"]), (line, row)
        assert obs.where.line == line and obs.where.file == ASY_APP.name
        if obs.value is None:
            assert obs.obs_status == "O"
        checked += 1
    assert checked > 100
    # Germany 2015, all asylum applicants, as published
    obs = index[("A05", "DEU", "2015", ("_T", "_T", "_T", "_T"))]
    row = next(
        r
        for r in _rows(ASY_APP)
        if r["TIME"] == "2015"
        and r["GEO"].startswith("Germany")
        and r["CITIZEN"] == "Total"
        and r["ASYL_APP"] == "Asylum applicant"
    )
    assert obs.value == int(row["Value"].replace(",", "")) > 400_000


def test_missing_and_flags(asy_app, registry) -> None:
    index = _index(asy_app)
    obs = index[("A05", "BGR", "2008", ("_T", "_T", "_T", "FIRST"))]
    assert obs.value is None and obs.obs_status == "O"
    rows = _rows(ASY_DEC)
    line, row = next(
        (n, r)
        for n, r in enumerate(rows, start=2)
        if r["Flag and Footnotes"] == "p" and r["GEO"] in COUNTRIES and r["CITIZEN"] == "Total"
    )
    decisions = read(ASY_DEC, registry=registry)
    found = [o for o in decisions.observations if o.where.line == line]
    assert len(found) == 1
    [obs] = found
    assert obs.value == _number(row["Value"]) and obs.obs_status == "P"
    assert obs.comment == "Eurostat flag p"
    # aggregates are never reporting countries: skipped and said so
    skipped = {
        f.params["name"]: f.params["count"]
        for f in decisions.findings
        if f.rule == "IMPORT_AGGREGATE"
    }
    assert skipped["European Union (28 countries)"] == sum(
        r["GEO"] == "European Union (28 countries)" for r in rows
    )
    assert "Extra-EU-28" in skipped and "Total" in skipped


def test_flag_letters() -> None:
    assert flag_status("bep", False) == ("B", "F", "Eurostat flag bep")
    assert flag_status("ep", False)[0] == "E"
    assert flag_status("u", False)[0] == "U"
    assert flag_status("c", True)[:2] == ("Q", "C")
    assert flag_status("z", True)[0] == "M"
    assert flag_status("", True) == ("O", "F", None)
    assert flag_status(None, False) == ("A", "F", None)


def test_decisions_codes(registry) -> None:
    index = _index(read(ASY_DEC, registry=registry))
    names = {"Total": "_T", "Total positive decisions": "POS", "Rejected": "REJ"}
    for row in _rows(ASY_DEC):
        if row["GEO"] == "Sweden" and row["CITIZEN"] == "Total" and row["TIME"] == "2016":
            obs = index[("A06", "SWE", "2016", ("_T", "_T", "_T", names[row["DECISION"]]))]
            assert obs.value == _number(row["Value"])


def test_population_on_first_january(registry) -> None:
    dataset = read(PJAN, registry=registry)
    index = _index(dataset)
    rows = _rows(PJAN)
    for row in rows:
        code = COUNTRIES.get(row["GEO"])
        if code is None:
            continue
        obs = index[("S01", code, f"{row['TIME']}-01-01", ("_T", "_T", "_T"))]
        assert obs.value == _number(row["Value"])
        flags = row["Flag and Footnotes"]
        assert obs.comment == (f"Eurostat flag {flags}" if flags else None)
    # Germany: the FRG-territory series is DEU; the one including the former GDR is the same
    # country and is not stored twice.
    skipped = {f.params["name"] for f in dataset.findings}
    assert "Germany (including former GDR)" in skipped
    assert "France (metropolitan)" in skipped
    assert {o.ref_area for o in dataset.observations} >= {"XKX", "MKD", "RUS", "MDA"}
    meta = dataset.metadata.tables["S01"]
    assert meta.reference_date == "2007-01-01/2016-01-01" and meta.population_covered


def test_provenance(asy_app) -> None:
    assert asy_app.provider == "ESTAT" and asy_app.format == "eurostat_csv"
    prov = asy_app.provenance
    assert prov.publisher == "Eurostat" and prov.dataset.startswith("MIGR_ASYAPPCTZA")
    assert prov.edition == "2017-05-31"  # the date in the export's name
    assert hashlib.sha256(ASY_APP.read_bytes()).hexdigest() in prov.notes


def _legacy_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _values(dataset):
    return {
        (o.table, o.ref_area, o.time_period, o.key): (o.value, o.obs_status, o.comment)
        for o in dataset.observations
    }


def test_variants_read_alike(tmp_path, registry) -> None:
    rows = _legacy_rows(ASY_APP)
    base = _values(read(ASY_APP, registry=registry))
    # a country with a non-ASCII name, to tell the code pages apart
    extra = [
        "2016",
        "Belgium",
        "Côte d'Ivoire",
        "Total",
        "Total",
        "Asylum applicant",
        "Person",
        "1,160",
        "",
    ]
    rows = [*rows, extra]
    variants = [
        write_variant(tmp_path / "semi.csv", rows, delimiter=";"),
        write_variant(tmp_path / "tab.csv", rows, delimiter="\t"),
        write_variant(tmp_path / "bom.csv", rows, encoding="utf-8-sig"),
        write_variant(tmp_path / "latin1.csv", rows, encoding="latin-1"),
        write_variant(tmp_path / "order.csv", rows, order=[8, 7, 3, 1, 0, 5, 2, 4, 6]),
    ]
    for path in variants:
        assert detect_source(path, path.read_bytes()[:8192]) == "eurostat", path.name
        dataset = read_source(path, registry=registry, dataset="migr_asyappctza")
        got = _values(dataset)
        extra_key = ("A05", "BEL", "2016", ("CIV", "_T", "_T", "_T"))
        assert got.pop(extra_key) == (1160, "A", None), path.name
        assert got == base, path.name


def test_number_formats(tmp_path, registry) -> None:
    """The export's number formats: 1,234.5 / 1.234,5 / 1 234,5 / 1234.5."""
    rows = _legacy_rows(PJAN)
    base = _values(read(PJAN, registry=registry))
    for name, fmt in (
        ("dots.csv", lambda v: v.replace(",", ".")),
        ("spaces.csv", lambda v: v.replace(",", "\u00a0")),
        ("plain.csv", lambda v: v.replace(",", "")),
    ):
        changed = [rows[0]] + [[*r[:5], fmt(r[5]), r[6]] for r in rows[1:]]
        path = write_variant(tmp_path / name, changed, delimiter=";")
        assert _values(read(path, registry=registry)) == base, name


def test_bad_value_names_line_and_column(tmp_path, registry) -> None:
    rows = _legacy_rows(ASY_APP)
    rows[5][7] = "n/a"
    path = write_variant(tmp_path / "bad.csv", rows)
    with pytest.raises(InputError) as caught:
        read(path, registry=registry)
    error = caught.value
    assert error.where.line == 6 and error.where.column == "Value"
    assert "n/a" in error.text("en") and "bad.csv" in str(error.where)
    assert error.text("ru") != error.text("en") and "n/a" in error.text("ru")


def test_unknown_label_is_listed_never_guessed(tmp_path, registry) -> None:
    rows = _legacy_rows(ASY_APP)
    rows.append(
        ["2016", "Atlantis", "Total", "Total", "Total", "Asylum applicant", "Person", "5", ""]
    )
    path = write_variant(tmp_path / "atlantis.csv", rows)
    # a label that matches no country skips its rows with a warning, the file is read
    dataset = read(path, registry=registry)
    [finding] = [f for f in dataset.findings if f.rule == "IMPORT_UNMATCHED_NAME"]
    assert finding.params["name"] == "Atlantis" and finding.where.line == len(rows)
    assert "Atlantis" in finding.text("en") and "Atlantis" in finding.text("ru")
    assert dataset.observations and all(o.where.line != len(rows) for o in dataset.observations)


def test_missing_column(tmp_path, registry) -> None:
    rows = [[c for i, c in enumerate(r) if i != 7] for r in _legacy_rows(ASY_APP)]
    path = write_variant(tmp_path / "novalue.csv", rows)
    assert detect_source(path, path.read_bytes()) is None
    with pytest.raises(InputError) as caught:
        read(path, registry=registry)
    assert caught.value.where.line == 1 and "Value" in caught.value.text("en")


# -- JSON-stat ---------------------------------------------------------------------------------


def _cells(path: Path) -> dict[tuple[str, ...], tuple[object, object]]:
    """Every cell of a JSON-stat file by its codes, computed here with the strides."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    ids, sizes = raw["id"], raw["size"]
    codes = [
        sorted(
            raw["dimension"][d]["category"]["index"],
            key=raw["dimension"][d]["category"]["index"].get,
        )
        for d in ids
    ]
    values = raw["value"]
    status = raw.get("status") or {}
    out = {}
    for pos in range(math.prod(sizes)):
        rest, key = pos, []
        for i in range(len(ids)):
            stride = int(math.prod(sizes[i + 1 :]))
            key.append(codes[i][rest // stride])
            rest %= stride
        out[tuple(key)] = (values.get(str(pos)), status.get(str(pos)))
    return out


def test_jsonstat_permits_cell_by_cell(registry) -> None:
    dataset = read(RESFIRST, registry=registry)
    index = _index(dataset)
    cells = _cells(RESFIRST)
    checked = 0
    for (_f, _r, _c, _d, _u, geo, time), (value, status) in cells.items():
        code = GEO2.get(geo)
        if code is None or (value is None and status is None):
            continue
        obs = index[("A01", code, time, ("BLR", "_T", "_T"))]
        assert obs.value == value
        assert obs.comment == (f"Eurostat flag {status}" if status else None)
        checked += 1
    assert checked > 50
    greece = index[("A01", "GRC", "2021", ("BLR", "_T", "_T"))]
    assert (greece.value, greece.obs_status) == (62, "B")
    ireland = index[("A01", "IRL", "2016", ("BLR", "_T", "_T"))]
    assert ireland.obs_status == "U"
    assert dataset.tables == ["A01"]  # no breakdown by length of validity here
    assert dataset.provenance.edition == "2026-07-09"
    assert "2026-07-09T23:00:00+0200" in dataset.provenance.notes
    assert not [o for o in dataset.observations if o.ref_area == "EU27_2020"]


def test_jsonstat_validity_breakdown(registry) -> None:
    dataset = read(DURATION, registry=registry)
    index = _index(dataset)
    codes = {"TOTAL": "_T", "M3-5": "M3T5", "M6-11": "M6T11", "M_GE12": "M_GE12"}
    for (_f, _r, _c, duration, _u, geo, time), (value, _s) in _cells(DURATION).items():
        obs = index[("A01V", GEO2[geo], time, ("BLR", "_T", "_T", codes[duration]))]
        assert obs.value == value
        if duration == "TOTAL":
            assert index[("A01", GEO2[geo], time, ("BLR", "_T", "_T"))].value == value
    assert sorted(dataset.tables) == ["A01", "A01V"]


def _reordered(path: Path, order: list[int], tmp: Path, *, dense: bool = False) -> Path:
    """The same JSON-stat dataset with its dimensions in another order."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    ids, sizes = raw["id"], raw["size"]
    cells = _cells(path)
    new_ids = [ids[i] for i in order]
    new_sizes = [sizes[i] for i in order]
    codes = {
        d: sorted(
            raw["dimension"][d]["category"]["index"],
            key=raw["dimension"][d]["category"]["index"].get,
        )
        for d in ids
    }
    values: dict[str, object] = {}
    status: dict[str, object] = {}
    for key, (value, flag) in cells.items():
        by_dim = dict(zip(ids, key, strict=True))
        pos = 0
        for d, size in zip(new_ids, new_sizes, strict=True):
            pos = pos * size + codes[d].index(by_dim[d])
        if value is not None:
            values[str(pos)] = value
        if flag is not None:
            status[str(pos)] = flag
    raw["id"], raw["size"] = new_ids, new_sizes
    if dense:
        total = int(math.prod(new_sizes))
        raw["value"] = [values.get(str(i)) for i in range(total)]
        raw["status"] = [status.get(str(i)) for i in range(total)]
        for d in ids:  # categories as an array instead of an object of positions
            raw["dimension"][d]["category"]["index"] = codes[d]
    else:
        raw["value"], raw["status"] = values, status
    out = tmp / f"reordered{'_dense' if dense else ''}.json"
    out.write_text(json.dumps(raw), encoding="utf-8")
    return out


def test_jsonstat_other_dimension_orders(tmp_path, registry) -> None:
    base = _values(read(RESFIRST, registry=registry))
    for path in (
        _reordered(RESFIRST, [6, 5, 4, 3, 2, 1, 0], tmp_path),
        _reordered(RESFIRST, [5, 0, 6, 2, 1, 4, 3], tmp_path, dense=True),
    ):
        assert detect_source(path, path.read_bytes()[:8192]) == "eurostat"
        assert _values(read_source(path, registry=registry)) == base


# -- through the store -------------------------------------------------------------------------


def test_import_then_query_returns_the_published_numbers(store, registry) -> None:
    dataset = read_source(ASY_APP, registry=registry)
    record, findings = api.submit_dataset(store, dataset, ASY_APP.read_bytes())
    assert record.status == "accepted", [f.text() for f in findings if f.severity == "error"]
    result = api.query(store, "A05", countries=["DEU", "BGR"], start=2008, end=2016)
    assert result.columns[:8] == [
        "TABLE",
        "DATA_PROVIDER",
        "REF_AREA",
        "TIME_PERIOD",
        "CITIZENSHIP",
        "SEX",
        "AGE",
        "APPLICANT_TYPE",
    ]
    got = {(r["REF_AREA"], r["TIME_PERIOD"], r["APPLICANT_TYPE"]): r for r in result.rows}
    published = 0
    for row in _rows(ASY_APP):
        code = COUNTRIES.get(row["GEO"])
        if code in ("DEU", "BGR") and row["CITIZEN"] == "Total":
            kind = "_T" if row["ASYL_APP"] == "Asylum applicant" else "FIRST"
            stored = got[(code, row["TIME"], kind)]
            assert stored["OBS_VALUE"] == _number(row["Value"])
            assert stored["DATA_PROVIDER"] == "ESTAT"
            if stored["OBS_VALUE"] is None:
                assert stored["OBS_STATUS"] == "O"
            published += 1
    assert published == len(result.rows) == 36
    # flags carried over
    dataset = read_source(RESFIRST, registry=registry)
    api.submit_dataset(store, dataset, RESFIRST.read_bytes())
    [greece] = api.query(store, "A01", countries=["GRC"], start=2021, end=2021).rows
    assert (greece["OBS_VALUE"], greece["OBS_STATUS"], greece["COMMENT"]) == (
        62,
        "B",
        "Eurostat flag b",
    )


def test_a_later_edition_is_a_new_vintage(store, registry, tmp_path) -> None:
    rows = _legacy_rows(ASY_APP)
    first = write_variant(tmp_path / "migr_asyappctza_2017-05-31.csv", rows)
    at = next(
        i
        for i, r in enumerate(rows)
        if r[0] == "2016" and r[1] == "Belgium" and r[2] == "Total" and r[5] == "Asylum applicant"
    )
    old = int(rows[at][7].replace(",", ""))
    rows[at] = [*rows[at][:7], f"{old + 5:,}", "p"]
    second = write_variant(tmp_path / "migr_asyappctza_2017-06-30.csv", rows)
    one = read_source(first, registry=registry)
    two = read_source(second, registry=registry)
    assert (one.provenance.edition, two.provenance.edition) == ("2017-05-31", "2017-06-30")
    rec1, _ = api.submit_dataset(store, one, first.read_bytes())
    rec2, _ = api.submit_dataset(store, two, second.read_bytes())
    assert rec2.id != rec1.id

    def belgium(**kw):
        rows = api.query(
            store,
            "A05",
            countries=["BEL"],
            start=2016,
            end=2016,
            filters={"APPLICANT_TYPE": ["_T"]},
            **kw,
        ).rows
        [row] = rows
        return row["OBS_VALUE"], row["OBS_STATUS"], row["SUBMISSION"]

    assert belgium() == (old + 5, "P", rec2.id)
    assert belgium(as_of=rec1.submitted_at) == (old, "A", rec1.id)


def _tsv_from_jsonstat(path: Path, out: Path) -> Path:
    """The JSON-stat answer as Eurostat's bulk-download TSV (codes; value and flags per cell)."""
    cells = _cells(path)
    series: dict[tuple[str, ...], dict[str, str]] = {}
    times = json.loads(path.read_text(encoding="utf-8"))["dimension"]["time"]["category"]
    periods = sorted(times["index"], key=times["index"].get)
    for key, (value, flag) in cells.items():
        text = (": " if value is None else f"{value} ") + (flag or "")
        series.setdefault(key[:-1], {})[key[-1]] = text
    lines = [
        "freq,reason,citizen,duration,unit,geo\\TIME_PERIOD\t" + "\t".join(f"{p} " for p in periods)
    ]
    for key, by_time in series.items():
        lines.append(",".join(key) + "\t" + "\t".join(by_time[p] for p in periods))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def test_bulk_tsv_reads_like_json_stat(tmp_path, registry) -> None:
    base = _values(read(RESFIRST, registry=registry))
    path = _tsv_from_jsonstat(RESFIRST, tmp_path / "estat_migr_resfirst.tsv")
    assert detect_source(path, path.read_bytes()[:8192]) == "eurostat"
    dataset = read_source(path, registry=registry)
    got = _values(dataset)
    # the TSV writes ':' where the JSON-stat answer leaves the cell out
    missing = {k: v for k, v in got.items() if v[0] is None and k not in base}
    assert all(v == (None, "O", None) for v in missing.values()) and missing
    assert {k: v for k, v in got.items() if k not in missing} == base
    assert dataset.format == "eurostat_tsv" and dataset.provenance.dataset.startswith(
        "MIGR_RESFIRST"
    )
    bad = path.read_text(encoding="utf-8").replace("\t85 ", "\t8x5 ", 1)
    (tmp_path / "migr_resfirst.tsv").write_text(bad, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read(tmp_path / "migr_resfirst.tsv", registry=registry)
    assert caught.value.where.column == "2016" and caught.value.where.line == 3


def test_population_ages(tmp_path, registry) -> None:
    """Five-year age groups go to S01 through the AGE code list; single years of age are not
    a breakdown of S01 and are skipped with a warning, never summed or guessed."""
    header = ["TIME", "GEO", "AGE", "SEX", "UNIT", "Value", "Flag and Footnotes"]
    rows = [
        header,
        ["2016", "Belgium", "Less than 5 years", "Males", "Number", "331,520", ""],
        ["2016", "Belgium", "From 5 to 9 years", "Females", "Number", "318,004", "p"],
        ["2016", "Belgium", "1 year", "Total", "Number", "127,001", ""],
        ["2016", "Belgium", "Less than 1 year", "Total", "Number", "122,003", ""],
    ]
    path = write_variant(tmp_path / "demo_pjan_ages.csv", rows, encoding="latin-1")
    dataset = read(path, registry=registry)
    index = _index(dataset)
    assert index[("S01", "BEL", "2016-01-01", ("_T", "M", "Y0T4"))].value == 331520
    assert index[("S01", "BEL", "2016-01-01", ("_T", "F", "Y5T9"))].obs_status == "P"
    assert len(dataset.observations) == 2
    skipped = {
        f.params["code"]: f.params["count"]
        for f in dataset.findings
        if f.rule == "IMPORT_NOT_STORED"
    }
    assert skipped == {"Y1": 1, "Y_LT1": 1}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("EL", "GRC"),
        ("UK", "GBR"),
        ("XK", "XKX"),
        ("BE", "BEL"),
        ("EU27_2020", "EU27_2020"),
        ("Greece", "GRC"),
        ("Czech Republic", "CZE"),
        ("Czechia", "CZE"),
        ("Kosovo*", "XKX"),
        ("Former Yugoslav Republic of Macedonia, the", "MKD"),
        ("Türkiye", "TUR"),
        ("Côte d’Ivoire", "CIV"),
        ("STLS", "STATELESS"),
        ("UNK", "_U"),
        ("CN_X_HK", "CHN"),
    ],
)
def test_eurostat_areas(text, code) -> None:
    from migstat.sources.eurostat import resolve_geo

    assert resolve_geo(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "EA19",
        "EU28",
        "EXT_EU27_2020",
        "EFTA",
        "European Union (28 countries)",
        "Extra-EU-28",
        "Euro area - 20 countries (from 2023)",
        "DE_TOT",
    ],
)
def test_eurostat_aggregates_are_skipped(text) -> None:
    from migstat.sources.cube import SKIP
    from migstat.sources.eurostat import resolve_geo

    assert resolve_geo(text) == SKIP


def test_unknown_eurostat_areas_are_not_guessed() -> None:
    from migstat.sources.eurostat import resolve_geo

    assert resolve_geo("RNC") == "RNC" and resolve_geo("Atlantis") is None
