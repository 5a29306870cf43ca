"""Survey estimates inside ``tabulate``: every cell of every table with its standard error,
CV, confidence interval and reliability flag, equal to R ``survey``'s on the same records.

A small seeded stratified cluster sample (with fpc), the same sample with jackknife replicate
weights, and the EU-LFS public-use sample for France (quarters as strata, each record its own
PSU: the file has no design variables) are tabulated; R estimates the domain totals of the
same records (``tests/survey_reference.R``, one Rscript run) and both must agree to 1e-8
relative. The written long CSV carries the precision as attributes (STD_ERROR, COEF_VAR,
CI_LEVEL, CI_LOWER, CI_UPPER, RELIABILITY) and the flag in OBS_STATUS.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from migstat.formats.csv_long import read_long_csv
from migstat.microdata import tabulate, write_tabulation
from migstat.microdata.estimates import FLAGGED, RELIABLE, SUPPRESSED
from migstat.model import InputError
from tests.test_microdata_lfs import EXAMPLE, lfs_csv  # noqa: F401 (a fixture)
from tests.test_microdata_survey import _read_result, _rscript

RTOL = 1e-8
COB = {"417": "KGZ", "643": "RUS", "860": "UZB"}
SEX = {"1": "M", "2": "F"}
N_REPS = 8

MAPPING = """country: KGZ
reference_date: "2022-03-01"
tables: [S01]
variables: {sex: SEX, age: AGE, country_of_birth: COB, weight: W, strata: STR,
            clusters: PSU, fpc: FPC}
recode:
  SEX: {"1": M, "2": F}
  COB: {"417": KGZ, "643": RUS, "860": UZB}
survey: {reliability: {flag_cv: 0.1, suppress_cv: 0.3}}
"""

REPLICATES = """country: KGZ
reference_date: "2022-03-01"
tables: [S01]
variables: {sex: SEX, age: AGE, country_of_birth: COB, weight: W}
recode:
  SEX: {"1": M, "2": F}
  COB: {"417": KGZ, "643": RUS, "860": UZB}
survey: {replicate_weights: {prefix: RW, method: JK1}}
"""


def _sample(seed: int = 7) -> list[dict[str, str]]:
    """Four strata of 2-4 PSUs of 4-9 persons, PSU numbers repeating across strata."""
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(4):
        n_h = int(rng.integers(2, 5))
        population = n_h * int(rng.integers(4, 12))
        for psu in range(1, n_h + 1):
            for _ in range(int(rng.integers(4, 10))):
                w = float(rng.uniform(20, 300))
                row = {
                    "STR": f"h{h}",
                    "PSU": str(psu),
                    "FPC": str(population),
                    "SEX": str(rng.choice(["1", "2"])),
                    "AGE": str(int(rng.integers(0, 90))),
                    "COB": str(rng.choice(list(COB), p=[0.6, 0.3, 0.1])),
                    "W": repr(w),
                }
                rows.append(row)
    # jackknife replicates: drop each of N_REPS groups of records in turn (JK1)
    for i, row in enumerate(rows):
        w = float(row["W"])
        for r in range(N_REPS):
            row[f"RW{r + 1}"] = repr(0.0 if i % N_REPS == r else w * N_REPS / (N_REPS - 1))
    return rows


def _write_records(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _r_folder(
    folder: Path, rows: list[dict], domain, params: dict[str, str], weight, reps=None
) -> None:
    """Records for tests/survey_reference.R: y = 1 (persons), ``dom`` the cell."""
    folder.mkdir()
    header = ["stratum", "psu", "fpc", "w", "y", "dom"]
    header += [f"rep{r + 1}" for r in range(len(reps(rows[0])) if reps else 0)]
    with (folder / "data.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i, row in enumerate(rows):
            line = [row.get("STR", row.get("QUARTER")), row.get("PSU", i + 1), row.get("FPC", 0)]
            line += [repr(weight(row)), "1", domain(row)]
            writer.writerow(line + ([repr(v) for v in reps(row)] if reps else []))
    with (folder / "params.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "value"])
        writer.writerows(params.items())


def _cob_sex(row: dict) -> str:
    return f"{COB[row['COB']]}|{SEX[row['SEX']]}"


LFS_GROUPS = {"000-OWN COUNTRY": "FRA", "005-EU28": "EU28_FOR", "NO ANSWER": "_U"}


def _lfs_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["REFYEAR"] == "2013"]


def _lfs_mapping(tmp: Path) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("  weight: COEFF\n", "  weight: COEFF\n  strata: QUARTER\n")
    out = tmp / "eulfs_fr_survey.yaml"
    out.write_text(text + "survey: {lonely_psu: fail}\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory, lfs_csv):  # noqa: F811 (the fixture imported above)
    """The three tabulations and R's estimates of their domains, from one Rscript run."""
    root = tmp_path_factory.mktemp("tabsurvey")
    rows = _sample()
    data = root / "sample.csv"
    _write_records(data, rows)
    (root / "taylor.yaml").write_text(MAPPING, encoding="utf-8")
    (root / "reps.yaml").write_text(REPLICATES, encoding="utf-8")
    lfs_rows = _lfs_rows(lfs_csv)
    taylor = {"kind": "taylor", "ids": "~psu", "strata": "~stratum", "fpc": "~fpc"}
    _r_folder(root / "r_taylor", rows, _cob_sex, taylor, lambda r: float(r["W"]))
    _r_folder(
        root / "r_reps",
        rows,
        _cob_sex,
        {"kind": "replicate", "type": "JK1"},
        lambda r: float(r["W"]),
        lambda r: [float(r[f"RW{k + 1}"]) for k in range(N_REPS)],
    )
    _r_folder(
        root / "r_lfs",
        lfs_rows,
        lambda r: f"{LFS_GROUPS[r['COUNTRYB']]}|{SEX[r['SEX']]}",
        {"kind": "taylor", "ids": "~psu", "strata": "~stratum"},
        lambda r: float(r["COEFF"]) * 250.0,
    )
    _rscript(*(str(root / name) for name in ("r_taylor", "r_reps", "r_lfs")))
    return {
        "taylor": (
            tabulate(data, root / "taylor.yaml"),
            _read_result(root / "r_taylor/result.csv"),
        ),
        "reps": (tabulate(data, root / "reps.yaml"), _read_result(root / "r_reps/result.csv")),
        "lfs": (
            tabulate(lfs_csv, _lfs_mapping(root)),
            _read_result(root / "r_lfs/result.csv"),
        ),
    }


def _close(ours: float, theirs: float) -> bool:
    return abs(ours - theirs) <= RTOL * max(abs(theirs), 1e-300)


@pytest.mark.parametrize("name", ["taylor", "reps", "lfs"])
def test_every_domain_and_the_total_equal_r(runs, name: str) -> None:
    result, r = runs[name]
    table = result.tables[0]
    dims = table.table.dimensions
    compared = 0
    for label, expected in r.items():
        if label == "ALL":
            key = tuple(d.total for d in dims)
        else:
            group, sex = label.split("|")
            key = (group, sex, "_T")
        cell = table.estimates[key]
        for field in ("total", "se", "cv", "ci_low", "ci_high"):
            assert _close(getattr(cell, field), expected[field]), (name, label, field)
        assert abs(table.cells[key] - expected["total"]) <= len(table.cells)
        compared += 1
    assert compared == len(r) >= 4


def test_every_cell_has_an_estimate_and_the_totals_are_consistent(runs) -> None:
    result, _ = runs["taylor"]
    table = result.tables[0]
    assert set(table.estimates) == set(table.cells)
    grand = table.estimates[("_T", "_T", "_T")]
    by_sex = sum(table.estimates[("_T", s, "_T")].total for s in ("M", "F"))
    assert grand.total == pytest.approx(by_sex, rel=1e-12)
    assert grand.records == result.records
    # every cell of the detailed breakdown counts its records
    detail = [k for k in table.estimates if "_T" not in k]
    assert sum(table.estimates[k].records for k in detail) == result.records


def test_reliability_thresholds_from_the_mapping_decide_the_flags(runs) -> None:
    result, _ = runs["taylor"]
    seen = set()
    for key, cell in result.tables[0].estimates.items():
        value, status, _comment = result.cell(result.tables[0], key)
        if cell.cv is None or cell.cv > 0.3:
            assert (cell.flag, status, value) == (SUPPRESSED, "Q", None)
        elif cell.cv >= 0.1:
            assert (cell.flag, status) == (FLAGGED, "U") and value is not None
        else:
            assert (cell.flag, status) == (RELIABLE, "A") and value is not None
        seen.add(cell.flag)
    assert seen == {RELIABLE, FLAGGED, SUPPRESSED}
    rule = result.metadata()["tabulation"]["survey"]["reliability"]
    assert (rule["flag_cv"], rule["suppress_cv"]) == (0.1, 0.3)


def test_the_written_tables_carry_se_and_cv_as_attributes(runs, tmp_path: Path) -> None:
    result, _ = runs["lfs"]
    data, _meta = write_tabulation(result, tmp_path / "FRA_lfs.csv")
    dataset = read_long_csv(data)
    read = {(o.table, o.key): o for o in dataset.observations}
    for table in result.tables:
        for key, cell in table.estimates.items():
            obs = read[(table.table.id, key)]
            precision = obs.precision
            assert precision is not None and obs.comment is None
            assert precision.reliability == ("reliable", "flagged", "suppressed")[cell.flag]
            if cell.cv is not None:
                assert precision.cv == cell.cv  # written and read back exactly
            assert (obs.value is None) == (cell.flag == SUPPRESSED)
            if cell.flag == SUPPRESSED:  # the interval would give the withheld value away
                assert (precision.se, precision.low, precision.high) == (None, None, None)
                continue
            assert (precision.se, precision.level) == (cell.se, 95)
            assert (precision.low, precision.high) == (cell.ci_low, cell.ci_high)
    survey = result.metadata()["tabulation"]["survey"]
    assert survey["strata"] == "QUARTER" and survey["clusters"] == "each record its own PSU"
    assert sum(survey["cells"]["S01"].values()) == len(result.tables[0].cells)


def test_a_replicate_prefix_naming_no_column_is_an_error(tmp_path: Path) -> None:
    rows = _sample()
    data = tmp_path / "s.csv"
    _write_records(data, rows)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(REPLICATES.replace("prefix: RW", "prefix: REPW"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        tabulate(data, mapping)
    assert "survey.replicate_weights.prefix" in str(caught.value)


def test_a_missing_replicate_weight_names_the_record(tmp_path: Path) -> None:
    rows = _sample()
    rows[4]["RW3"] = ""
    data = tmp_path / "s.csv"
    _write_records(data, rows)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(REPLICATES, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        tabulate(data, mapping)
    assert caught.value.params["variable"] == "RW3" and caught.value.params["row"] == 5
    assert caught.value.where.line == 6


def test_a_lonely_psu_under_the_fail_rule_is_an_error_naming_the_file(tmp_path: Path) -> None:
    rows = [r for r in _sample() if not (r["STR"] == "h0" and r["PSU"] != "1")]
    data = tmp_path / "lonely.csv"
    _write_records(data, rows)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING.replace("fpc: FPC}", "}"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        tabulate(data, mapping)
    assert caught.value.where.file == "lonely.csv"
    mapping.write_text(
        MAPPING.replace("fpc: FPC}", "}").replace("survey: {", "survey: {lonely_psu: adjust, "),
        encoding="utf-8",
    )
    assert tabulate(data, mapping).tables[0].estimates


def test_submit_stores_the_tables_and_the_portal_shows_the_se(
    runs,
    tmp_path: Path,
    cli,
    lfs_csv,  # noqa: F811 (the fixture imported above)
) -> None:
    from fastapi.testclient import TestClient

    from migstat.api import open_store
    from migstat.web.app import create_app

    db = tmp_path / "store.db"
    mapping = _lfs_mapping(tmp_path)
    code, out, err = cli(
        "--db",
        str(db),
        "tabulate",
        str(lfs_csv),
        "--mapping",
        str(mapping),
        "--submit",
        "--country",
        "FRA",
    )
    assert code == 0, err
    assert "(accepted): 48 observations" in out
    result, _ = runs["lfs"]
    store = open_store(f"sqlite:///{db}")
    try:
        [record] = store.submissions(country="FRA")
        stored = record.metadata["tables"]["S01"]
        assert "CV from 16.6% flagged" in stored["notes"]
        grand = result.tables[0].estimates[("_T", "_T", "_T")]
        with TestClient(create_app(store=store)) as client:
            page = client.get("/explore?table=S01&REF_AREA=FRA&lang=en").text
            russian = client.get("/explore?table=S01&REF_AREA=FRA&lang=ru").text
    finally:
        store.close()
    assert f'<small class="se">±{round(grand.se):,}</small>' in page
    assert "Standard error" in page and "CV 0.9 %" in page
    assert "Стандартная ошибка" in russian
