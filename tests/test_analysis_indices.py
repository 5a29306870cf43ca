"""Migration indices against the values migest's documentation prints for the South Korean
regional flows (``shared/data/reference/indices``), the values migration.indices documents
for its hypothetical matrices, and hand-computed cases."""

from __future__ import annotations

import csv
from functools import cache

import numpy as np
import pytest

from migstat.analysis import indices as ix
from migstat.model import MigstatError
from tests.shared import SHARED_DATA

INDICES = SHARED_DATA / "reference" / "indices"
# migration.indices' hypothetical systems (R fills matrix(...) by column)
HYP = np.array([0, 20, 30, 10, 0, 30, 10, 20, 0], dtype=float).reshape(3, 3).T
HYP2 = np.array([0, 30, 20, 20, 0, 20, 20, 50, 0], dtype=float).reshape(3, 3).T


@cache
def korea(year: str) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Flows (diagonal included, as published), centroid distances and populations (millions)
    of one year, areas in alphabetical order as migest sorts them."""
    with (INDICES / "migest_korea_gravity.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["year"] == year]
    orig, dest = [r["orig"] for r in rows], [r["dest"] for r in rows]
    codes, flows = ix.matrix_from_long(orig, dest, [float(r["flow"]) for r in rows])
    _, dist = ix.matrix_from_long(orig, dest, [float(r["dist_cent"]) for r in rows])
    pop = {r["dest"]: float(r["dest_pop"]) for r in rows}
    return codes, flows, dist, np.array([pop[c] for c in codes])


def expected_rows() -> list[dict[str, str]]:
    with (INDICES / "migest_index_korea_expected.csv").open(encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["function"] != "index_age"]


def significant(printed: str) -> int:
    digits = printed.replace("-", "").replace(".", "").lstrip("0")
    return max(len(digits), 1)


def computed(row: dict[str, str]) -> float:
    codes, flows, dist, pop = korea(row["year"])
    measure = row["measure"]
    if row["function"] == "index_intensity":
        moves = ix.out_flows(flows).sum()
        return ix.intensity(moves, pop.sum() * 1e6, len(codes))[measure]
    if row["function"] == "index_impact":
        name = "effectiveness" if measure == "effectivness" else measure
        return ix.impact(flows, pop)[name]
    if row["function"] == "index_connectivity":
        return ix.connectivity(flows)[measure]
    return ix.distance(flows, dist)[measure]


@pytest.mark.parametrize(
    "row", expected_rows(), ids=lambda r: f"{r['function']}-{r['measure']}-{r['year']}"
)
def test_reproduces_migest_korea(row: dict[str, str]) -> None:
    """Equal to every digit migest prints (3 significant digits, more for large numbers)."""
    value = computed(row)
    printed = row["expected_as_printed"]
    assert float(f"{value:.{significant(printed)}g}") == pytest.approx(float(printed)), value


def test_korea_2020_known_totals() -> None:
    """The totals the expected file states: 2,534,114 moves between 17 areas, 51,829,023
    people; 2020 CMP = 4.889...%."""
    codes, flows, _, pop = korea("2020")
    assert len(codes) == 17
    assert ix.out_flows(flows).sum() == 2_534_114
    assert round(pop.sum() * 1e6) == 51_829_023
    assert ix.intensity(2_534_114, 51_829_023, 17)["cmp"] == pytest.approx(
        100 * 2_534_114 / 51_829_023
    )
    net = ix.net_migration(flows)
    assert net.sum() == pytest.approx(0)
    assert ix.turnover(flows).sum() == pytest.approx(2 * 2_534_114)
    seoul = codes.index("Seoul")
    arrivals = flows[:, seoul].sum() - flows[seoul, seoul]
    departures = flows[seoul].sum() - flows[seoul, seoul]
    assert net[seoul] == pytest.approx(arrivals - departures)


def test_gini_family_on_the_documented_hypothetical_systems() -> None:
    assert ix.gini_total(HYP) == pytest.approx(0.2666667, abs=1e-7)
    assert ix.gini_total(HYP2) == pytest.approx(0.225)
    assert ix.gini_total(HYP, corrected=False) == pytest.approx(0.2222222, abs=1e-7)
    assert ix.gini_total(HYP2, corrected=False) == pytest.approx(0.1875)
    out_hyp2, in_hyp = ix.gini_fields(HYP2)[0], ix.gini_fields(HYP)[1]
    assert out_hyp2 == pytest.approx([0.0, 0.25, 0.0])
    assert in_hyp == pytest.approx([0.2, 0.5, 1 / 3])
    assert ix.gini_fields(HYP, corrected=False)[1] == pytest.approx([0.1, 0.25, 1 / 6])
    hyp, hyp2 = ix.connectivity(HYP), ix.connectivity(HYP2)
    assert hyp["mwg_dest"] == pytest.approx(0.1222222, abs=1e-7)
    assert hyp2["mwg_orig"] == pytest.approx(0.02083333, abs=1e-8)
    assert hyp["mwg_mean"] == pytest.approx(0.06111111, abs=1e-8)
    assert hyp2["mwg_mean"] == pytest.approx(0.03660714, abs=1e-8)
    assert hyp["acv"] == pytest.approx(1 / 3)
    assert hyp2["acv"] == pytest.approx(0.375)
    assert hyp["gini_orig_standardized"] == pytest.approx(0.0)
    assert hyp2["gini_orig_standardized"] == pytest.approx(0.1111111, abs=1e-7)
    assert hyp["gini_dest_standardized"] == pytest.approx(0.25)
    assert hyp["connectivity"] == 1.0


def test_rates_and_net_migration_by_hand() -> None:
    flows = np.array([[0, 10, 5], [2, 0, 3], [8, 0, 0]], dtype=float)
    # arrivals 10, 10, 8; departures 15, 5, 8
    assert ix.net_migration(flows).tolist() == [-5, 5, 0]
    assert ix.turnover(flows).tolist() == [25, 15, 16]
    rates = ix.crude_rates(flows, [1000, 500, 2000])
    assert rates["in"] == pytest.approx([10, 20, 4])
    assert rates["net"] == pytest.approx([-5, 10, 0])
    assert rates["gross"] == pytest.approx([25, 30, 8])
    impact = ix.impact(flows, [1000, 500, 2000])
    assert impact["effectiveness"] == pytest.approx(100 * 10 / 56)
    assert impact["anmr"] == pytest.approx(50 * 10 / 3500)
    with pytest.raises(MigstatError):
        ix.crude_rates(flows, [1000, 0, 2000])
    assert ix.net_from_balance(
        np.array([100.0]), np.array([110.0]), np.array([8.0]), np.array([5.0])
    ).tolist() == [7.0]
    forward = ix.net_survival_ratio([1000, 800], [990, 700], [0.98, 0.9])
    assert forward == pytest.approx([10, -20])
    reverse = ix.net_survival_ratio([1000, 800], [990, 700], [0.98, 0.9], method="reverse")
    assert reverse == pytest.approx([990 / 0.98 - 1000, 700 / 0.9 - 800])


def test_weighted_median_interpolates_like_matrixstats() -> None:
    assert ix.weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0])) == 2.0
    assert ix.weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 1.0])) == 2.0
    # centred cumulative weights 0.5 and 2.5 against 2: three quarters of the way from 1 to 3
    assert ix.weighted_median(np.array([1.0, 3.0]), np.array([1.0, 3.0])) == pytest.approx(2.5)
    assert ix.weighted_median(np.array([5.0, 1.0]), np.array([0.0, 2.0])) == 1.0


def test_distance_decay_recovers_a_known_gravity_model() -> None:
    """Flows made exactly by exp(a_i + b_j) * d^-1.5 give a decay of -1.5."""
    rng = np.random.default_rng(7)
    n = 8
    dist = rng.uniform(10, 500, size=(n, n))
    dist = (dist + dist.T) / 2
    a, b = rng.uniform(5, 8, size=n), rng.uniform(5, 8, size=n)
    flows = np.exp(a[:, None] + b[None, :]) * dist**-1.5
    result = ix.distance(flows * 1e3, dist)
    assert result["decay"] == pytest.approx(-1.5, abs=1e-3)


def test_age_profile_by_hand() -> None:
    """A profile rising fastest into age 18, peaking at 25 and falling fastest into age 30."""
    ages = np.arange(0, 81)
    rise = np.array([1, 2, 6, 4, 3, 2, 1, 1, 0.5, 0.5]) * 1e-3  # into ages 16..25
    fall = np.array([0.5, 1, 2, 3, 5, 3, 2, 1, 0.5, 0.5]) * 1e-3  # into ages 26..35
    mi = np.full(ages.size, 0.01)
    mi[16:26] += np.cumsum(rise)
    mi[26:36] = mi[25] - np.cumsum(fall)
    mi[36:] = mi[35]
    profile = ix.age_profile(ages, mi)
    assert profile["peak_age"] == 25
    assert profile["peak_mi"] == pytest.approx(100 * 0.031)
    assert profile["gmr"] == pytest.approx(mi.sum())
    assert profile["peak_breadth"] == pytest.approx(100 * mi[20:31].sum())
    assert profile["peak_share"] == pytest.approx(100 * mi[20:31].sum() / mi.sum())
    assert profile["murc"] == 18 and profile["mdrc"] == 30
    assert profile["asymmetry"] == pytest.approx(18 / 30)
    shifted = ix.age_profile(ages, mi, window="migest")
    assert shifted["peak_breadth"] == pytest.approx(100 * mi[19:30].sum())
