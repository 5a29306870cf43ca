"""Flows from stocks against the tables migest publishes for the papers' examples, and the
method's own accounting identities on them."""

from __future__ import annotations

import csv
import math
from functools import partial

import numpy as np
import pytest

from migstat.analysis.ffs_io import read_births_deaths, read_stock_table, same_areas
from migstat.analysis.flows_from_stocks import estimate_flows
from migstat.model import InputError, MigstatError
from tests.shared import SHARED_DATA

FFS = SHARED_DATA / "reference" / "ffs_demo"
CASES = {
    "e0_abel2013_science_nobd": {},
    "e1_imr2018_nobd": {},
    "e3_demres2013_bd_open_dr": {"birthplace_totals": "open-dr"},
    "e5_science2014_bd_rescale": {},
}


def published(case: str) -> tuple[list[str], list[list[str]]]:
    """The published origin x destination table as printed (text), without its Sum margins."""
    with (FFS / f"{case}__expected_sum_od.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0][1:-1], [row[1:-1] for row in rows[1:-1]]


def inputs(case: str):
    start = read_stock_table(FFS / f"{case}__stock_start.csv")
    end = read_stock_table(FFS / f"{case}__stock_end.csv")
    births, deaths = read_births_deaths(FFS / f"{case}__births_deaths.csv", start.codes)
    return start, same_areas(start, end), births, deaths


def assert_as_printed(value: float, printed: str) -> None:
    """Equal to 1e-6 (relative, for the 7 significant digits R prints) and, rounded to the
    printed digits, the very number printed."""
    expected = float(printed)
    assert math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-6), (value, printed)
    digits = len(printed.split(".")[1]) if "." in printed else 0
    assert round(value, digits) == pytest.approx(expected, abs=10 ** -(digits + 3)), (
        value,
        printed,
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_reproduces_the_published_table(case: str) -> None:
    start, end, births, deaths = inputs(case)
    result = estimate_flows(
        start.values, end, start.codes, births=births, deaths=deaths, **CASES[case]
    )
    codes, table = published(case)
    assert list(result.codes) == codes
    for i, row in enumerate(table):
        for j, printed in enumerate(row):
            assert_as_printed(result.od[i, j], printed)
    assert result.converged


def test_abel_2013_known_cells_and_total() -> None:
    """The Demographic Research / Science example: 150 moves, 50 of them from A to C."""
    start, end, births, deaths = inputs("e0_abel2013_science_nobd")
    result = estimate_flows(start.values, end, start.codes, births=births, deaths=deaths)
    assert result.total == pytest.approx(150.0)
    assert result.od[0, 2] == pytest.approx(50.0)  # A -> C
    assert result.od[1, 0] == pytest.approx(35.0)  # B -> A
    # without births and deaths in a closed world, net migration is the change in population
    net = result.od.sum(axis=0) - result.od.sum(axis=1)
    assert net == pytest.approx(end.sum(axis=0) - start.values.sum(axis=0))


def test_by_birthplace_adds_up_to_the_table_and_the_stocks() -> None:
    start, end, births, deaths = inputs("e5_science2014_bd_rescale")
    result = estimate_flows(start.values, end, start.codes, births=births, deaths=deaths)
    flows = result.by_birthplace()
    summed = flows.sum(axis=2)
    assert np.diag(summed) == pytest.approx(result.stayers)
    np.fill_diagonal(summed, 0.0)
    assert summed == pytest.approx(result.od)
    # flows out of each place by birthplace are the adjusted start stocks, into it the end ones
    assert flows.sum(axis=1) == pytest.approx(result.start.T, abs=1e-9)
    assert flows.sum(axis=0) == pytest.approx(result.end.T, abs=2e-3)


def test_independence_model_is_the_product_of_the_stocks() -> None:
    start, end, _, _ = inputs("e0_abel2013_science_nobd")
    result = estimate_flows(start.values, end, start.codes, stayer_assumption=False)
    p0, p1 = start.values, end
    expected = sum(p0[k, 0] * p1[k, 2] / p0[k].sum() for k in range(4))  # A -> C
    assert result.od[0, 2] == pytest.approx(expected)
    assert result.options.effective_model == "independence"
    # a uniform seed changes nothing
    seeded = estimate_flows(
        start.values, end, start.codes, stayer_assumption=False, seed=np.ones((4, 4)), tol=1e-10
    )
    assert seeded.od == pytest.approx(result.od, abs=1e-7)
    assert seeded.by_birthplace() == pytest.approx(result.by_birthplace(), abs=1e-7)


def test_a_distance_seed_moves_flows_to_near_places() -> None:
    start, end, _, _ = inputs("e1_imr2018_nobd")
    distance = np.array(
        [[0, 5, 50, 500], [5, 0, 45, 495], [50, 45, 0, 450], [500, 495, 450, 0]], dtype=float
    )
    near = 1 / np.where(distance == 0, 1.0, distance)
    plain = estimate_flows(start.values, end, start.codes, stayer_assumption=False)
    seeded = estimate_flows(
        start.values, end, start.codes, stayer_assumption=False, seed=near, tol=1e-9
    )
    assert seeded.converged
    share = seeded.od[0] / seeded.od[0].sum()
    plain_share = plain.od[0] / plain.od[0].sum()
    assert share[1] > plain_share[1]  # of those leaving A, more go to B (5 apart)
    assert share[3] < plain_share[3]  # and fewer to D (500 apart)
    flows = seeded.by_birthplace()
    assert flows.sum(axis=1) == pytest.approx(seeded.start.T, abs=1e-6)
    assert flows.sum(axis=0) == pytest.approx(seeded.end.T, abs=1e-6)


def test_pseudo_bayesian_blend() -> None:
    start, end, births, deaths = inputs("e5_science2014_bd_rescale")
    common = {"births": births, "deaths": deaths}
    minimum = estimate_flows(start.values, end, start.codes, **common)
    independence = estimate_flows(start.values, end, start.codes, stayer_assumption=False, **common)
    blend = estimate_flows(start.values, end, start.codes, model="pseudo-bayesian", **common)
    assert blend.od == pytest.approx(0.87 * minimum.od + 0.13 * independence.od)
    other = estimate_flows(
        start.values, end, start.codes, model="pseudo-bayesian", blend_weight=0.5, **common
    )
    assert other.od == pytest.approx(0.5 * minimum.od + 0.5 * independence.od)


def test_open_method_sends_the_surplus_outside() -> None:
    start, end, births, deaths = inputs("e3_demres2013_bd_open_dr")
    result = estimate_flows(
        start.values, end, start.codes, births=births, deaths=deaths, birthplace_totals="open"
    )
    assert result.start.sum(axis=1) == pytest.approx(result.end.sum(axis=1))
    gap = (start.values - result.deaths).sum(axis=1) - (end - result.births).sum(axis=1)
    assert result.left_system.sum(axis=1) == pytest.approx(np.maximum(gap, 0))
    assert result.entered_system.sum(axis=1) == pytest.approx(np.maximum(-gap, 0))
    assert (result.od >= 0).all()


def test_births_and_deaths_methods() -> None:
    start, end, births, deaths = inputs("e5_science2014_bd_rescale")
    native = estimate_flows(start.values, end, start.codes, births=births, deaths=deaths)
    assert native.births == pytest.approx(np.diag(births))
    assert native.deaths.sum(axis=0) == pytest.approx(deaths)
    # deaths in proportion to the start stocks: A's 70 deaths, 1000 native-born of its 1155
    assert native.deaths[0, 0] == pytest.approx(70 * 1000 / 1155)
    spread = estimate_flows(
        start.values, end, start.codes, births=births, deaths=deaths, birth_method="proportion"
    )
    assert spread.births.sum(axis=0) == pytest.approx(births)
    assert spread.births[1, 0] == pytest.approx(80 * 45 / 1205)
    accounting = estimate_flows(
        start.values, end, start.codes, births=births, deaths=deaths, death_method="accounting"
    )
    implied = start.values.sum(axis=1) + births - end.sum(axis=1)
    assert accounting.deaths.sum(axis=1) == pytest.approx(implied, abs=1e-4)
    assert accounting.deaths.sum(axis=0) == pytest.approx(deaths, abs=1e-4)


def test_world_total_balanced_before_demographic_change() -> None:
    """End stocks 30 higher than births minus deaths allow: 15 come off the start and 15 go on
    the end native-born, in whole people."""
    start, end, births, deaths = inputs("e5_science2014_bd_rescale")
    end = end.copy()
    end[2, 2] += 30
    result = estimate_flows(start.values, end, start.codes, births=births, deaths=deaths)
    assert result.global_adjustment == pytest.approx(-30)
    assert result.start.sum() == pytest.approx(result.end.sum(), abs=1e-6)
    after = estimate_flows(
        start.values,
        end,
        start.codes,
        births=births,
        deaths=deaths,
        match_global="after-demo-adjust",
    )
    assert after.global_adjustment == pytest.approx(30)
    with pytest.raises(MigstatError) as stop:
        estimate_flows(
            start.values, end, start.codes, births=births, deaths=deaths, match_global="none"
        )
    assert "differ in total by" in stop.value.text("en")
    assert "различаются на" in stop.value.text("ru")


def test_inputs_the_method_cannot_honour() -> None:
    start, end, births, deaths = inputs("e5_science2014_bd_rescale")
    bad = start.values.copy()
    bad[1, 2] = -5
    with pytest.raises(MigstatError) as stop:
        estimate_flows(bad, end, start.codes)
    assert "born in B living in C is negative (-5)" in stop.value.text("en")
    assert "родившихся в B и проживающих в C отрицательна" in stop.value.text("ru")
    many_deaths = deaths.copy()
    many_deaths[3] = 10_000
    with pytest.raises(MigstatError) as stop:
        estimate_flows(
            start.values,
            end,
            start.codes,
            births=births,
            deaths=many_deaths,
            birthplace_totals="open",
        )
    assert "deaths in D" in stop.value.text("en")
    with pytest.raises(MigstatError):
        estimate_flows(start.values, end, start.codes, birthplace_totals="closed")


def test_a_birthplace_empty_in_one_table_cannot_be_rescaled() -> None:
    """Nobody born in C at the start, 8 at the end: migest's IPF leaves the totals unmatched
    and carries on; migstat says so, and the open-dr method takes the 8 as arrivals."""
    start = np.array([[100.0, 5, 0], [3, 50, 0], [0, 0, 0]])
    end = np.array([[95.0, 5, 0], [3, 45, 0], [4, 4, 0]])
    with pytest.raises(MigstatError) as stop:
        estimate_flows(start, end, ["A", "B", "C"])
    assert "People born in C number 0 in the start table and 8 in the end table" in (
        stop.value.text("en")
    )
    assert "Родившихся в C" in stop.value.text("ru")
    result = estimate_flows(start, end, ["A", "B", "C"], birthplace_totals="open-dr")
    assert result.entered_system[2].sum() == pytest.approx(8)


def test_negative_native_born_error_or_migest_repair() -> None:
    start, end, _, _ = inputs("e0_abel2013_science_nobd")
    bad = start.values.copy()
    bad[3, 3] = -20
    with pytest.raises(MigstatError) as stop:
        estimate_flows(bad, end, start.codes, birthplace_totals="open-dr")
    assert "native-born population of D in the start table is negative" in stop.value.text()
    repaired = estimate_flows(
        bad, end, start.codes, birthplace_totals="open-dr", negative_native_born="rescale"
    )
    assert repaired.start[3, 3] == 0
    assert repaired.start[:, 3].sum() == pytest.approx(bad[:, 3].sum())


def test_files_with_totals_and_their_errors(tmp_path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("pob\\por;A;B;Total\nA;10;2;12\nB;3;5;8\nTotal;13;7;20\n", encoding="utf-8")
    table = read_stock_table(good)
    assert table.codes == ("A", "B") and table.values.tolist() == [[10, 2], [3, 5]]
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("pob\\por,A,B,Sum\nA,10,2,12\nB,3,5,9\nSum,13,7,21\n", encoding="utf-8")
    with pytest.raises(InputError) as stop:
        read_stock_table(wrong)
    assert str(stop.value.where) == "wrong.csv, line 3, Sum"
    assert "total 9 of B does not equal the sum of its cells (8)" in stop.value.text("en")
    assert "Итог 9 для B не равен сумме его ячеек (8)" in stop.value.text("ru")
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("x,B,A\nA,10,2\nB,3,5\n", encoding="utf-8")
    assert read_stock_table(shuffled).values.tolist() == [[2, 10], [5, 3]]
    other = tmp_path / "other.csv"
    other.write_text("x,A,C\nA,1,2\nB,3,4\n", encoding="utf-8")
    with pytest.raises(InputError):
        read_stock_table(other)
    empty = tmp_path / "empty.csv"
    empty.write_text("x,A,B\nA,1,\nB,3,4\n", encoding="utf-8")
    with pytest.raises(InputError) as stop:
        read_stock_table(empty)
    assert str(stop.value.where) == "empty.csv, line 2, B"


def test_newton_fit_is_the_limit_of_the_migest_iterations() -> None:
    """Newton's method reaches the fit that migest's IPF approaches: within IPF's own remaining
    error of the published (IPF-stopped) table, and equal to IPF run to a tight tolerance."""
    start, end, births, deaths = inputs("e5_science2014_bd_rescale")
    common = {"births": births, "deaths": deaths}
    newton = estimate_flows(start.values, end, start.codes, fit="newton", **common)
    assert newton.converged and newton.iterations < 20
    tight = estimate_flows(start.values, end, start.codes, tol=1e-11, **common)
    assert newton.od == pytest.approx(tight.od, abs=1e-7)
    published = estimate_flows(start.values, end, start.codes, **common)
    assert np.abs(newton.od - published.od).max() < 1e-3
    assert newton.start.sum(axis=1) == pytest.approx(newton.end.sum(axis=1), abs=1e-6)


REGION = ("ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB")


def test_demo_region_flows_from_un_desa_stocks(tmp_path, cli) -> None:
    """The demo's 13 x 13 tables come from the UN DESA cells as published; the flows are
    written as labelled estimates and never enter the store."""
    from migstat import api
    from migstat.analysis.ffs_stocks import region_stocks
    from migstat.demo.flows import estimate_region_flows
    from migstat.model import default_registry
    from migstat.sources import read_source

    source = SHARED_DATA / "un_desa" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    subset = tmp_path / source.name  # the two years needed, to keep the import short
    subset.write_text(
        lines[0] + "".join(x for x in lines[1:] if x[:4] in ("2015", "2019")), encoding="utf-8"
    )
    published = {row[1]: row for row in csv.reader(lines[1:]) if row[0] == "2015"}
    names = next(csv.reader(lines[:1]))
    workbook = SHARED_DATA / "un_desa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
    with api.open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        dataset = read_source(subset, source="undesa", registry=default_registry())
        api.submit_dataset(store, dataset, subset.read_bytes(), imported=True, submitted_by="test")
        people = read_source(workbook, source="undesa", table="P01")
        api.submit_dataset(store, people, workbook.read_bytes(), imported=True, submitted_by="test")
        before = store.submissions()
        stocks = region_stocks(partial(api.query, store), REGION)
        result = estimate_region_flows(store, tmp_path, countries=REGION, echo=lambda _: None)
        after = store.submissions()
    assert stocks is not None and result is not None
    assert stocks.codes == (*REGION, "_O")
    kaz, rus = REGION.index("KAZ"), REGION.index("RUS")
    # born in Russia, living in Kazakhstan, mid-2015: the published cell
    cell = published["Kazakhstan"][names.index("Russian Federation")]
    assert stocks.start[rus, kaz] == float(cell.replace(" ", ""))
    assert stocks.start.sum() == pytest.approx(7_379_797_139, abs=1)  # world, Table 2
    assert (stocks.start >= 0).all() and (stocks.end >= 0).all()
    assert [r.id for r in after] == [r.id for r in before]  # estimates are not stored
    folder = tmp_path / "flows"
    assert (
        (folder / "README.txt")
        .read_text(encoding="utf-8")
        .startswith("ESTIMATES - NOT REPORTED DATA")
    )
    flows = list(csv.reader((folder / "flows_2015_2019_ESTIMATES.csv").open()))
    assert flows[0][1:] == [*REGION, "_O"]
    assert flows[0][0].startswith("orig\\dest ESTIMATE: flows from stocks")
    assert result.od[rus, kaz] > 0 and result.total > 0
    # the command reproduces the demo's numbers from the files it wrote
    code, _, stderr = cli(
        "estimate",
        "flows-from-stocks",
        "--start",
        str(folder / "stocks_2015.csv"),
        "--end",
        str(folder / "stocks_2019.csv"),
        "--births-deaths",
        str(folder / "births_deaths.csv"),
        "-o",
        str(tmp_path / "again.csv"),
    )
    assert code == 0, stderr
    again = list(csv.reader((tmp_path / "again.csv").open()))
    assert np.array([[float(v) for v in row[1:]] for row in again[1:]]) == pytest.approx(
        result.od, rel=1e-6, abs=1e-3
    )
