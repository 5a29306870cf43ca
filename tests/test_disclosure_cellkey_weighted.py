"""The cell-key method on weighted counts, and its refusal of survey estimates.

The seeded census of tests/test_disclosure_cellkey.py gets a weight per record (1-40, as a
register extract grossed up, or a sample without a design). Each inner cell's unweighted
count is perturbed by the perturbation table and its weighted count scaled by the same ratio,
``w * (n + p) / n`` (sdcTools' cellKey ``pwc = puwc * wc / uwc``; the ABS's average cell
weight), rounded to whole persons; every total is the sum of its perturbed parts. The test
computes each inner cell from the records itself, with the record keys the file carries.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from migstat.disclosure.cellkey import CellKeyRule, perturbation
from migstat.microdata import tabulate
from migstat.model import InputError
from tests.test_disclosure_cellkey import MAPPING, _census, assert_totals_add_up
from tests.test_microdata_tabulate_survey import MAPPING as SURVEY
from tests.test_microdata_tabulate_survey import _sample, _write_records

WEIGHTED = MAPPING.replace("citizenship: CIT}", "citizenship: CIT, weight: W}") + (
    "sdc: {record_key: RK}\n"
)
SEX = {"1": "M", "2": "F"}


def _weighted_census(folder: Path) -> Path:
    plain = _census(folder / "plain.csv")
    rng = np.random.default_rng(5)
    lines = plain.read_text(encoding="utf-8").splitlines()
    out = [lines[0] + ",W"]
    out += [f"{line},{rng.uniform(1, 40):.3f}" for line in lines[1:]]
    path = folder / "weighted.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def weighted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckweighted")
    data = _weighted_census(folder)
    mapping = folder / "w.yaml"
    mapping.write_text(WEIGHTED, encoding="utf-8")
    return data, tabulate(data, mapping), tabulate(data, mapping, sdc="cellkey")


def _by_hand(data: Path) -> dict[tuple[str, str, str], tuple[int, int, float]]:
    """S01's inner cells (country of birth x sex x age band) from the records:
    (count, sum of record keys, weighted count)."""
    cells: dict[tuple[str, str, str], list] = defaultdict(lambda: [0, 0, 0.0])
    with data.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            age = int(row["AGE"])
            band = "Y_GE80" if age >= 80 else f"Y{age // 5 * 5}T{age // 5 * 5 + 4}"
            cell = cells[(COUNTRIES[row["COB"]], SEX[row["SEX"]], band)]
            cell[0] += 1
            cell[1] += int(row["RK"])
            cell[2] += float(row["W"])
    return {k: (n, rk, w) for k, (n, rk, w) in cells.items()}


COUNTRIES = {"417": "KGZ", "643": "RUS", "860": "UZB", "398": "KAZ", "762": "TJK"}


def test_weighted_inner_cells_are_scaled_by_the_perturbed_count(weighted) -> None:
    data, plain, protected = weighted
    rule = CellKeyRule()
    s01 = next(t for t in protected.tables if t.table.id == "S01").cells
    before = next(t for t in plain.tables if t.table.id == "S01").cells
    hand = _by_hand(data)
    keys = list(hand)
    counts = np.array([hand[k][0] for k in keys])
    moved = perturbation(rule, counts, np.array([hand[k][1] for k in keys]))
    changed = 0
    for key, p in zip(keys, moved.tolist(), strict=True):
        n, _rk, w = hand[key]
        expected = round(w * (n + p) / n)  # half to even, as the tool rounds
        assert s01[key] == expected, key
        assert abs(s01[key] - w * (n + p) / n) <= 0.5 + 1e-6
        if p == 0:
            assert abs(s01[key] - before[key]) <= 1  # rounded once instead of per record group
        changed += p != 0
    assert changed > 50 and len(keys) > 100


def test_weighted_totals_add_up(weighted) -> None:
    _data, _plain, protected = weighted
    for table in protected.tables:
        assert_totals_add_up(table)


def test_the_metadata_says_how_weighted_counts_were_perturbed(weighted) -> None:
    _data, _plain, protected = weighted
    meta = protected.metadata()
    parameters = meta["disclosure"]["parameters"]
    assert parameters["weighted"].startswith("the unweighted count perturbed")
    assert meta["tables"]["S01"]["disclosure"] == meta["disclosure"]
    assert (
        "scaled by each inner cell's perturbed / unweighted count"
        in (meta["tables"]["S01"]["notes"])
    )


def test_survey_estimates_are_refused_with_the_reason(tmp_path: Path) -> None:
    data = tmp_path / "sample.csv"
    _write_records(data, _sample())
    mapping = tmp_path / "survey.yaml"
    mapping.write_text(SURVEY, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        tabulate(data, mapping, sdc="cellkey")
    assert "would no longer match its standard error" in str(caught.value)
    assert "survey.reliability" in str(caught.value)
    assert "несовместим с выборочными оценками" in caught.value.text("ru")
