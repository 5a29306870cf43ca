"""Survey totals, domain totals and their standard errors against R's survey package.

Small seeded designs (strata, clusters, weights, replicate weights) and the classic ``api``
designs of R are estimated here and by R (``tests/survey_reference.R`` through ``Rscript``, the
data passed as CSV in a temporary folder); totals, standard errors, CVs and confidence
intervals must agree to 1e-8 relative for every design type.
"""

from __future__ import annotations

import csv
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from migstat.microdata.cells import cell_matrix_sums, membership
from migstat.microdata.survey import (
    FLAGGED,
    RELIABLE,
    SUPPRESSED,
    Estimates,
    ReliabilityRule,
    ReplicateDesign,
    TaylorDesign,
    degrees_of_freedom,
    domains,
    survey_totals,
)
from migstat.model import MigstatError

R_SCRIPT = Path(__file__).with_name("survey_reference.R")
RTOL = 1e-8
N_REPLICATES = 16


@dataclass
class Case:
    """One design estimated on both sides: the records (columns), R's parameters and the
    design built in Python."""

    name: str
    columns: dict[str, np.ndarray]
    params: dict[str, str]
    design: TaylorDesign | ReplicateDesign
    counts: bool = False
    rscales: np.ndarray | None = None


def _sample(seed: int, lonely: bool = False) -> dict[str, np.ndarray]:
    """Six strata of 2-5 PSUs (one PSU in stratum s2 when ``lonely``), 3-8 persons per PSU,
    PSU numbers repeating across strata (nested), a numeric y and a five-way domain."""
    rng = np.random.default_rng(seed)
    strata, psus, fpc = [], [], []
    for h in range(6):
        n_h = 1 if lonely and h == 2 else int(rng.integers(2, 6))
        population = n_h * int(rng.integers(3, 20))
        for i in range(n_h):
            size = int(rng.integers(3, 9))
            strata += [f"s{h}"] * size
            psus += [i + 1] * size
            fpc += [population] * size
    n = len(strata)
    return {
        "stratum": np.array(strata),
        "psu": np.array(psus),
        "fpc": np.array(fpc, dtype=float),
        "w": rng.uniform(10, 200, n),
        "y": rng.poisson(3, n).astype(float),
        "dom": rng.choice(list("abcde"), n, p=[0.4, 0.25, 0.15, 0.12, 0.08]),
        "reps": rng.uniform(0.3, 1.7, (n, N_REPLICATES)),
    }


def _taylor_cases() -> list[Case]:
    base = {"kind": "taylor", "ids": "~psu", "strata": "~stratum"}
    plain, lonely = _sample(1), _sample(2, lonely=True)
    cases = [
        Case("taylor", plain, base, TaylorDesign(plain["w"], plain["stratum"], plain["psu"])),
        Case(
            "taylor_counts",
            {**plain, "y": np.ones(plain["w"].size)},
            base,
            TaylorDesign(plain["w"], plain["stratum"], plain["psu"]),
            counts=True,
        ),
        Case(
            "taylor_fpc",
            plain,
            {**base, "fpc": "~fpc"},
            TaylorDesign(plain["w"], plain["stratum"], plain["psu"], fpc=plain["fpc"]),
        ),
        Case(
            "taylor_unstratified",
            plain,
            {"kind": "taylor", "ids": "~psu2"},
            TaylorDesign(plain["w"], clusters=_psu2(plain)),
        ),
    ]
    for rule in ("remove", "certainty", "adjust", "average"):
        design = TaylorDesign(lonely["w"], lonely["stratum"], lonely["psu"], lonely_psu=rule)
        cases.append(Case(f"taylor_lonely_{rule}", lonely, {**base, "lonely": rule}, design))
    # The stratum of one PSU is all its population has (fpc 1): no variance, nothing lonely.
    census = {**lonely, "fpc": np.where(lonely["stratum"] == "s2", 1.0, lonely["fpc"])}
    for rule in ("fail", "average"):
        design = TaylorDesign(
            census["w"], census["stratum"], census["psu"], fpc=census["fpc"], lonely_psu=rule
        )
        params = {**base, "fpc": "~fpc", "lonely": rule}
        cases.append(Case(f"taylor_enumerated_{rule}", census, params, design))
    return cases


def _psu2(sample: dict[str, np.ndarray]) -> np.ndarray:
    """Globally unique PSU numbers, for a design without strata."""
    return np.unique(
        np.char.add(sample["stratum"], sample["psu"].astype(str)), return_inverse=True
    )[1]


def _replicate_cases() -> list[Case]:
    s = _sample(3)
    reps = s["w"][:, None] * s["reps"]
    rscales = np.random.default_rng(4).uniform(0.5, 0.95, N_REPLICATES)
    rscales[3] = 0.0

    def case(name: str, method: str, params: dict[str, str], **options) -> Case:
        design = ReplicateDesign(s["w"], reps, method, **options)
        return Case(name, s, {"kind": "replicate", "type": method, **params}, design)

    jkn = case("jkn", "JKn", {}, rscales=rscales)
    jkn.rscales = rscales
    counts = case("sdr_counts", "successive-difference", {})
    counts.columns = {**s, "y": np.ones(s["w"].size)}
    counts.counts = True
    return [
        case("sdr", "successive-difference", {}),
        counts,
        case("jk1", "JK1", {}),
        case("jk1_scale", "JK1", {"scale": "0.8125"}, scale=0.8125),
        jkn,
        case("bootstrap", "bootstrap", {}),
        case("bootstrap_mse", "bootstrap", {"mse": "TRUE"}, mse=True),
        case("brr", "BRR", {}),
        case("brr_mse", "BRR", {"mse": "TRUE"}, mse=True),
        case("fay", "Fay", {"rho": "0.5"}, rho=0.5),
        case("other", "other", {"scale": "0.3"}, scale=0.3),
    ]


def _write_case(folder: Path, case: Case) -> None:
    folder.mkdir()
    s = case.columns
    header = ["stratum", "psu", "psu2", "fpc", "w", "y", "dom"]
    header += [f"rep{j + 1}" for j in range(N_REPLICATES)]
    design = case.design
    reps = design.replicate_weights if isinstance(design, ReplicateDesign) else s["reps"]
    psu2 = _psu2(s)
    with (folder / "data.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(s["w"].size):
            row = [
                s["stratum"][i],
                s["psu"][i],
                psu2[i],
                repr(float(s["fpc"][i])),
                repr(float(s["w"][i])),
            ]
            row += [repr(float(s["y"][i])), s["dom"][i]] + [repr(float(v)) for v in reps[i]]
            writer.writerow(row)
    with (folder / "params.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "value"])
        writer.writerows(case.params.items())
    if case.rscales is not None:
        with (folder / "rscales.csv").open("w", newline="") as handle:
            csv.writer(handle).writerows([["rscales"], *[[repr(float(v))] for v in case.rscales]])


def _read_result(path: Path) -> dict[str, dict[str, float]]:
    with path.open(newline="") as handle:
        return {
            row["cell"]: {k: float(v) for k, v in row.items() if k != "cell"}
            for row in csv.DictReader(handle)
        }


def _rscript(*args: str) -> None:
    done = subprocess.run(
        ["Rscript", str(R_SCRIPT), *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr


CASES = _taylor_cases() + _replicate_cases()


@pytest.fixture(scope="module")
def r_results(tmp_path_factory) -> dict[str, dict[str, dict[str, float]]]:
    """R's estimates of every case, from one Rscript run."""
    root = tmp_path_factory.mktemp("survey_r")
    for case in CASES:
        _write_case(root / case.name, case)
    _rscript(*(str(root / case.name) for case in CASES))
    return {case.name: _read_result(root / case.name / "result.csv") for case in CASES}


def _estimate(case: Case, y_column: str = "y") -> tuple[Estimates, list[str]]:
    """The case's domain totals and grand total in one call (two classifications)."""
    codes, labels = domains(case.columns["dom"])
    cells = np.column_stack([codes, np.full(codes.size, len(labels))])
    y = None if case.counts else case.columns[y_column]
    return survey_totals(case.design, cells, y), [label[0] for label in labels] + ["ALL"]


def _assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=0, err_msg=what)


def _compare(est: Estimates, names: list[str], reference: dict[str, dict[str, float]]) -> None:
    assert sorted(names) == sorted(reference)
    columns = {
        "total": est.total,
        "se": est.se,
        "cv": est.cv,
        "ci_low": est.ci_low,
        "ci_high": est.ci_high,
    }
    for what, ours in columns.items():
        theirs = np.array([reference[name][what] for name in names])
        _assert_close(ours, theirs, what)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_estimates_equal_r_survey(case: Case, r_results) -> None:
    est, names = _estimate(case)
    _compare(est, names, r_results[case.name])
    assert est.se.min() > 0


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Path:
    """R's api data, the replicate weights R derived from its designs and R's estimates."""
    folder = tmp_path_factory.mktemp("api")
    _rscript("--api", str(folder))
    return folder


def _api_columns(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = {key: np.array([row[key] for row in rows]) for key in rows[0]}
    for key in ("dnum", "pw", "fpc", "enroll", "api00"):
        columns[key] = columns[key].astype(float)
    return columns


def _api_replicates(folder: Path, name: str) -> tuple[np.ndarray, float, np.ndarray]:
    with (folder / f"{name}_weights.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    with (folder / f"{name}_scales.csv").open(newline="") as handle:
        scales = list(csv.DictReader(handle))
    rscales = np.array([float(row["rscales"]) for row in scales])
    return np.array(rows, dtype=float), float(scales[0]["scale"]), rscales


def _api_cases(folder: Path) -> list[Case]:
    strat = _api_columns(folder / "apistrat.csv")
    clus = _api_columns(folder / "apiclus1.csv")
    cases = []
    for name, data in (("apistrat", strat), ("apiclus1", clus)):
        columns = {**data, "w": data["pw"], "y": data["enroll"], "dom": data["stype"]}
        if name == "apistrat":
            design = TaylorDesign(data["pw"], strata=data["stype"], fpc=data["fpc"])
        else:
            design = TaylorDesign(data["pw"], clusters=data["dnum"], fpc=data["fpc"])
        cases.append(Case(name, columns, {}, design))
    for name, data, method in (
        ("apistrat_jkn", strat, "JKn"),
        ("apiclus1_jk1", clus, "JK1"),
        ("apiclus1_boot", clus, "bootstrap"),
    ):
        reps, scale, rscales = _api_replicates(folder, name)
        columns = {**data, "w": data["pw"], "y": data["enroll"], "dom": data["stype"]}
        design = ReplicateDesign(data["pw"], reps, method, scale=scale, rscales=rscales)
        cases.append(Case(name, columns, {}, design, rscales=rscales))
    return cases


def test_api_designs_equal_r_survey(api: Path) -> None:
    """apistrat (stratified, fpc), apiclus1 (one-stage cluster, fpc) and the JKn, JK1 and
    bootstrap replicate weights R builds from them: enrolment by school type."""
    for case in _api_cases(api):
        est, names = _estimate(case)
        _compare(est, names, _read_result(api / f"{case.name}_result.csv"))


def test_api_degrees_of_freedom(api: Path) -> None:
    strat = _api_columns(api / "apistrat.csv")
    clus = _api_columns(api / "apiclus1.csv")
    assert degrees_of_freedom(TaylorDesign(strat["pw"], strata=strat["stype"])) == 197
    assert degrees_of_freedom(TaylorDesign(clus["pw"], clusters=clus["dnum"])) == 14


def test_margins_add_up_and_match_separate_calls() -> None:
    """Several classifications in one call give the same numbers as one call each, and the
    domain totals add up to the grand total."""
    s = _sample(5)
    design = TaylorDesign(s["w"], s["stratum"], s["psu"])
    dom, labels = domains(s["dom"])
    sex, _ = domains(s["y"] > 2)
    both = survey_totals(design, np.column_stack([dom, sex + len(labels)]), s["y"])
    alone = survey_totals(design, sex, s["y"])
    np.testing.assert_allclose(both.se[len(labels) :], alone.se, rtol=1e-12)
    np.testing.assert_allclose(both.total[: len(labels)].sum(), (s["w"] * s["y"]).sum())


def test_replicate_sums_are_the_cell_by_replicate_product() -> None:
    """The blocked segment sums equal the dense indicator-matrix product."""
    rng = np.random.default_rng(6)
    n, cells, reps = 500, 37, 9
    index = rng.integers(-1, cells, (n, 2))
    y = rng.uniform(0, 5, n)
    matrix = rng.uniform(0, 100, (n, reps))
    dense = np.zeros((cells, n))
    for k in range(2):
        inside = index[:, k] >= 0
        dense[index[inside, k], np.flatnonzero(inside)] += 1
    got = cell_matrix_sums(membership(index, n, cells), y, matrix)
    np.testing.assert_allclose(got, dense @ (y[:, None] * matrix), rtol=1e-12)


def test_reliability_flags_per_cell() -> None:
    est = Estimates(
        total=np.array([1000.0, 1000.0, 1000.0, 1000.0, 0.0, 1000.0]),
        se=np.array([100.0, 166.0, 200.0, 334.0, 0.0, 10.0]),
        records=np.array([50, 50, 50, 50, 10, 3]),
    )
    assert est.flags().tolist() == [
        RELIABLE,
        FLAGGED,
        FLAGGED,
        SUPPRESSED,
        SUPPRESSED,
        RELIABLE,
    ]
    strict = ReliabilityRule(flag_cv=0.1, suppress_cv=0.2, min_records=5, suppress_zero=False)
    assert est.flags(strict).tolist() == [
        FLAGGED,
        FLAGGED,
        FLAGGED,
        SUPPRESSED,
        RELIABLE,
        SUPPRESSED,
    ]
    assert est.published()[:5] == [
        (1000.0, "A"),
        (1000.0, "U"),
        (1000.0, "U"),
        (None, "Q"),
        (None, "Q"),
    ]
    with pytest.raises(MigstatError, match="flag CV"):
        ReliabilityRule(flag_cv=0.5, suppress_cv=0.3)


def test_lonely_psu_fails_by_default_naming_the_stratum() -> None:
    s = _sample(2, lonely=True)
    design = TaylorDesign(s["w"], s["stratum"], s["psu"])
    with pytest.raises(MigstatError, match="Stratum s2 has only one PSU"):
        survey_totals(design, np.zeros(s["w"].size, dtype=int))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weights": "negative"}, "Record 4: the weight is -1"),
        ({"method": "JKn"}, "needs rscales"),
        ({"method": "Fay"}, "rho"),
        ({"method": "BRR", "scale": 2.0}, "fixes scale"),
        ({"method": "unknown"}, "Unknown replicate method"),
        ({"replicate_weights": "nan"}, "Record 2: replicate weight 3"),
    ],
)
def test_bad_designs_are_explained(change: dict, message: str) -> None:
    s = _sample(7)
    options = {"weights": s["w"].copy(), "replicate_weights": s["reps"].copy(), "method": "JK1"}
    options.update(change)
    if change.get("weights") == "negative":
        options["weights"] = s["w"].copy()
        options["weights"][3] = -1.0
    if change.get("replicate_weights") == "nan":
        options["replicate_weights"] = s["reps"].copy()
        options["replicate_weights"][1, 2] = np.nan
    with pytest.raises(MigstatError, match=message):
        survey_totals(ReplicateDesign(**options), np.zeros(s["w"].size, dtype=int))


def test_cell_numbers_out_of_range_are_refused() -> None:
    design = TaylorDesign(np.ones(4), clusters=np.arange(4))
    with pytest.raises(MigstatError, match="between -1 and 1"):
        survey_totals(design, np.array([0, 1, 2, 0]), n_cells=2)


def test_too_many_cell_replicates_are_refused_before_any_work() -> None:
    s = _sample(8)
    design = ReplicateDesign(s["w"], s["w"][:, None] * s["reps"], "JK1")
    with pytest.raises(MigstatError, match="smaller groups"):
        survey_totals(design, np.zeros(s["w"].size, dtype=int), n_cells=10_000_000)
