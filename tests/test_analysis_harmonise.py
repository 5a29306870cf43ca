"""Harmonisation: published duration coefficients, anchored correction factors, bootstrap."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from migstat.analysis.harmonise import (
    estimate_factors,
    harmonise,
    load_coefficients,
    side_coefficients,
    undercount_ratios,
)
from migstat.analysis.mirror import BASES, MirrorMatrix, Side
from migstat.model import InputError
from tests.shared import SHARED_DATA

PUBLISHED = SHARED_DATA / "reference" / "indices" / "duration_of_stay_correction_coefficients.csv"


def matrix(
    emi: np.ndarray, imm: np.ndarray, countries: list[str], rules: dict[str, str] | None = None
) -> MirrorMatrix:
    years = list(range(2000, 2000 + emi.shape[0]))
    sides = {
        (y, c): Side("X", 1, False, {"residence_rule": (rules or {}).get(c, "12_months")})
        for y in years
        for c in countries
    }
    return MirrorMatrix(
        BASES["residence"], years, countries, {"SEX": "_T"}, emi, imm, sides, dict(sides), {}
    )


def truth(n: int = 6, years: int = 3, seed: int = 1, noise: float = 0.0):
    """True flows, true factors (anchor = country 0) and the two reports they imply."""
    rng = np.random.default_rng(seed)
    flows = rng.uniform(100, 5000, size=(years, n, n))
    s = np.exp(rng.normal(0, 0.5, n))
    r = np.exp(rng.normal(0, 0.5, n))
    s[0] = r[0] = 1.0
    emi = flows / s[None, :, None] * np.exp(rng.normal(0, noise, flows.shape))
    imm = flows / r[None, None, :] * np.exp(rng.normal(0, noise, flows.shape))
    eye = np.eye(n, dtype=bool)[None].repeat(years, 0)
    emi[eye] = np.nan
    imm[eye] = np.nan
    return flows, s, r, emi, imm


@pytest.mark.skipif(not PUBLISHED.exists(), reason="shared data not available")
def test_shipped_coefficients_are_the_published_ones() -> None:
    shipped = load_coefficients()
    published = load_coefficients(PUBLISHED)
    assert shipped.sets == published.sets and shipped.permanent == published.permanent
    with PUBLISHED.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert shipped.coefficient("imem_model", "no_time_limit") == float(rows[0]["imem_model"])
    assert (
        shipped.coefficient("willekens2019_expert", "6_months_1_day")
        == float(rows[2]["willekens2019_expert"])
        == 0.81
    )
    assert shipped.coefficient("imem_model", "permanent_registration") == 2.26
    assert shipped.coefficient("willekens2019_mixture", "12_months") == 1.0
    # 9 months: half-way between the 6- and 12-month coefficients
    assert shipped.coefficient("imem_model", "9_months") == pytest.approx((0.73 + 1.0) / 2)
    assert shipped.coefficient("imem_model", "other", 4) == pytest.approx(0.63 + (0.73 - 0.63) / 3)
    assert shipped.coefficient("imem_model", None) is None


def test_user_coefficients_and_their_errors(tmp_path) -> None:
    good = tmp_path / "mine.csv"
    good.write_text("duration_threshold_months,national\n0,0.5\n12,1\npermanent,3\n")
    mine = load_coefficients(good)
    assert mine.coefficient("national", "6_months_1_day") == pytest.approx(0.75)
    assert mine.coefficient("national", "permanent_registration") == 3.0
    bad = tmp_path / "bad.csv"
    bad.write_text("duration_threshold_months,national\n0,0.5\n12,one\n")
    with pytest.raises(InputError) as err:
        load_coefficients(bad)
    assert str(err.value.where) == "bad.csv, line 3, national"
    assert "не является числом" in err.value.text("ru")
    bad.write_text("months,national\n12,1\n")
    with pytest.raises(InputError):
        load_coefficients(bad)
    with pytest.raises(InputError):
        mine.coefficient("imem_model", "12_months")


def test_duration_correction_scales_each_side_by_its_own_rule() -> None:
    emi = np.array([[[np.nan, 100.0], [50.0, np.nan]]])
    imm = np.array([[[np.nan, 80.0], [40.0, np.nan]]])
    m = matrix(emi, imm, ["AAA", "BBB"], {"AAA": "permanent_registration"})
    c_emi, c_imm = side_coefficients(m, load_coefficients(), "imem_model")
    assert c_emi.tolist() == [[2.26, 1.0]] and c_imm.tolist() == [[2.26, 1.0]]


@pytest.mark.parametrize("space", ["log", "level"])
def test_factors_recover_the_truth_without_noise(space: str) -> None:
    flows, s, r, emi, imm = truth()
    m = matrix(emi, imm, [f"C{k}" for k in range(6)])
    fit = estimate_factors(m, ["C0"], space=space, bootstrap=0)
    # r_j·I_ij = s_i·E_ij = true flow: the factors are the true ones
    assert fit.emigration == pytest.approx(s, rel=1e-9)
    assert fit.immigration == pytest.approx(r, rel=1e-9)
    assert fit.diagnostics["rms_log_ratio_after"] == pytest.approx(0, abs=1e-9)
    h = harmonise(m, fit, 2001)
    off = ~np.eye(6, dtype=bool)
    assert h.values[off] == pytest.approx(flows[1][off], rel=1e-9)


def _naive_log_fit(
    emi: np.ndarray, imm: np.ndarray, anchor: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """The textbook estimate: a dense design matrix and ``lstsq``, one fit at a time."""
    n = emi.shape[1]
    rows, ys, ws = [], [], []
    for y, o, d in zip(*np.nonzero(~np.isnan(emi) & ~np.isnan(imm)), strict=True):
        x = np.zeros(2 * n)
        x[o], x[n + d] = 1.0, -1.0
        rows.append(x)
        ys.append(np.log(imm[y, o, d] / emi[y, o, d]))
        ws.append(np.sqrt(emi[y, o, d] * imm[y, o, d]) if weights is None else weights[len(ws)])
    x, yv, w = np.array(rows), np.array(ys), np.sqrt(np.array(ws))
    free = [k for k in range(2 * n) if k not in (anchor, n + anchor)]
    beta = np.linalg.lstsq(x[:, free] * w[:, None], yv * w, rcond=None)[0]
    out = np.zeros(2 * n)
    out[free] = beta
    return np.exp(out)


def test_factors_equal_the_textbook_weighted_least_squares() -> None:
    _, _, _, emi, imm = truth(n=7, years=4, seed=3, noise=0.3)
    emi[1, 2, 5] = np.nan  # a one-sided corridor is left out
    m = matrix(emi, imm, [f"C{k}" for k in range(7)])
    fit = estimate_factors(m, ["C3"], bootstrap=0)
    naive = _naive_log_fit(emi, imm, anchor=3)
    assert np.concatenate([fit.emigration, fit.immigration]) == pytest.approx(naive, rel=1e-9)


def test_bootstrap_intervals_cover_the_truth_and_are_reproducible() -> None:
    _, s, r, emi, imm = truth(n=8, years=5, seed=5, noise=0.2)
    m = matrix(emi, imm, [f"C{k}" for k in range(8)])
    fit = estimate_factors(m, ["C0"], bootstrap=400, seed=7)
    assert fit.draws.shape == (400, 16)
    lo, hi = fit.emigration_interval
    assert (lo <= fit.emigration + 1e-12).all() and (fit.emigration <= hi + 1e-12).all()
    inside = ((lo <= s) & (s <= hi)).mean() + (
        (fit.immigration_interval[0] <= r) & (r <= fit.immigration_interval[1])
    ).mean()
    assert inside / 2 >= 0.75
    again = estimate_factors(m, ["C0"], bootstrap=400, seed=7)
    assert np.array_equal(again.draws, fit.draws, equal_nan=True)
    # each replicate equals a refit on its resampled corridor-years
    rng = np.random.default_rng(7)
    ok = ~np.isnan(emi) & ~np.isnan(imm)
    counts = rng.multinomial(int(ok.sum()), np.full(int(ok.sum()), 1 / ok.sum()), size=1)[0]
    w = np.sqrt(emi[ok] * imm[ok]) * counts
    keep = counts > 0
    e2, i2 = np.full_like(emi, np.nan), np.full_like(imm, np.nan)
    idx = tuple(a[keep] for a in np.nonzero(ok))
    e2[idx], i2[idx] = emi[ok][keep], imm[ok][keep]
    naive = _naive_log_fit(e2, i2, anchor=0, weights=w[keep])
    assert fit.draws[0] == pytest.approx(naive, rel=1e-8)


def test_group_anchor_trimming_and_unidentified_countries() -> None:
    _, _, _, emi, imm = truth(n=6, years=2, seed=9, noise=0.1)
    emi[:, 5, :] = np.nan  # country C5 never reports emigration ...
    imm[:, :, 5] = np.nan  # ... nor immigration: nothing identifies its factors
    emi[0, 1, 2], imm[0, 1, 2] = 10.0, 10000.0  # one wildly discordant corridor-year
    m = matrix(emi, imm, [f"C{k}" for k in range(6)])
    fit = estimate_factors(m, ["C0", "C1"], bootstrap=50, trim=3.0)
    assert fit.diagnostics["trimmed"] >= 1
    assert fit.emigration[0] == fit.emigration[1] == fit.immigration[1] == 1.0
    assert np.isnan(fit.emigration[5]) and np.isnan(fit.immigration[5])
    assert "C5 E" in fit.diagnostics["not_identified"]
    rows = {row["COUNTRY"]: row for row in fit.rows()}
    assert rows["C0"]["ANCHOR"] and rows["C2"]["OBS_STATUS"] == "E"
    with pytest.raises(InputError) as err:
        estimate_factors(m, ["ZZZ"])
    assert "ZZZ" in err.value.text("en")


def test_harmonised_rules_and_undercount_ratios() -> None:
    emi = np.array([[[np.nan, 100.0, 30.0], [50.0, np.nan, np.nan], [20.0, 10.0, np.nan]]])
    imm = np.array([[[np.nan, 300.0, 60.0], [100.0, np.nan, 5.0], [40.0, 20.0, np.nan]]])
    m = matrix(emi, imm, ["AAA", "BBB", "CCC"])
    fit = estimate_factors(m, ["AAA"], bootstrap=0)
    mean = harmonise(m, fit, 2000)
    s, r = fit.emigration, fit.immigration
    assert mean.values[0, 1] == pytest.approx((s[0] * 100 + r[1] * 300) / 2)
    assert mean.values[1, 2] == pytest.approx(r[2] * 5)  # one side only: that side adjusted
    receiver = harmonise(m, fit, 2000, rule="receiver")
    assert receiver.values[0, 1] == pytest.approx(r[1] * 300)
    assert {row["OBS_STATUS"] for row in mean.rows()} == {"E"}
    ratios = {row["COUNTRY"]: row for row in undercount_ratios(m, ["AAA"])}
    # BBB's emigration to AAA: 50 recorded by BBB, 100 by AAA
    assert ratios["BBB"]["EMIGRATION_RATIO"] == 0.5
    assert ratios["BBB"]["LN_EMIGRATION_RATIO"] == round(float(np.log(0.5)), 4)
    assert ratios["CCC"]["IMMIGRATION_RATIO"] == round(60 / 30, 4)
