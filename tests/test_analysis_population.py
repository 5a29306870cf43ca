"""Total population from the store (P01) as the denominator of crude migration rates."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from migstat import api
from migstat.analysis import indices
from migstat.analysis.population import WORLD, at_risk, totals
from migstat.model import MigstatError, default_registry
from migstat.sources import read_source
from tests.shared import SHARED_DATA

XLSX = SHARED_DATA / "un_desa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
pytestmark = pytest.mark.skipif(not XLSX.exists(), reason="shared data not available")


@pytest.fixture(scope="module")
def query(tmp_path_factory):
    db = tmp_path_factory.mktemp("population") / "store.db"
    with api.open_store(f"sqlite:///{db}") as store:
        people = read_source(XLSX, source="undesa", table="P01", registry=default_registry())
        api.submit_dataset(store, people, XLSX.read_bytes(), imported=True, submitted_by="test")
        yield partial(api.query, store)


def test_totals_and_the_world(query) -> None:
    people = totals(query, ["KGZ", "KAZ"], [2015, 2019])
    assert people[("KGZ", 2015)] == 5_959_121 and people[("KGZ", 2019)] == 6_415_850
    assert people[(WORLD, 2015)] == 7_379_797_139  # Table 2's World row, J17
    assert people[(WORLD, 2019)] == 7_713_468_100
    assert ("RUS", 2015) not in people  # only the codes asked for, besides the world


def test_crude_rates_per_mid_period_population(query) -> None:
    """1,000 moves from Kyrgyzstan to Kazakhstan over 2015-2019: the out-rate of Kyrgyzstan
    is 1,000 per thousand of its mean population of the two dates."""
    codes = ["KGZ", "KAZ"]
    population = at_risk(query, codes, (2015, 2019))
    assert population[0] == pytest.approx((5_959_121 + 6_415_850) / 2)
    rates = indices.crude_rates(np.array([[0.0, 1000.0], [0.0, 0.0]]), population)
    assert rates["out"][0] == pytest.approx(1000 * 1000 / 6_187_485.5)
    assert rates["net"][1] == pytest.approx(1000 * 1000 / population[1])


def test_a_missing_population_is_named(query) -> None:
    with pytest.raises(MigstatError) as stop:
        at_risk(query, ["KGZ", "XKX"], (2015, 2019))
    assert "XKX" in stop.value.text("en") and "--table P01" in stop.value.text("en")
