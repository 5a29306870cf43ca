"""A totals-only edition no longer hides another edition's detail of the same cells.

UN DESA publishes the same migrant stocks broken down differently: Table 1 of the total
workbook by sex (all origins together) and the matrix by origin (both sexes). The store keeps
the latest edition of each breakdown: a later Table 1 revises the earlier Table 1 only, a later
matrix the earlier matrix only, and a cell that two breakdowns both hold (the foreign-born of
both sexes) is read once, from the newer. Real files and real numbers: Georgia, 2015, whose
figures the revisions changed.
"""

from __future__ import annotations

from pathlib import Path

from migstat.api import import_file
from migstat.store.records import ObservationQuery
from tests.shared import SHARED_DATA

ASSETS = Path(__file__).parent / "assets" / "un_desa"
MATRIX_2015 = ASSETS / "UN_MigrantStockByOriginAndDestination_2015.xlsx"
TOTAL_2015 = SHARED_DATA / "un_desa" / "UN_MigrantStockTotal_2015.xlsx"
TOTAL_2019 = SHARED_DATA / "un_desa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
MATRIX_2019 = SHARED_DATA / "un_desa" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"


def _georgia_2015(store) -> dict[tuple[str, str], list[float]]:
    """(country of birth, sex) -> every value read for Georgia, mid-2015."""
    out: dict[tuple[str, str], list[float]] = {}
    query = ObservationQuery("S01", ref_areas=["GEO"], time_from=2015, time_to=2015)
    for obs in store.read(query):
        out.setdefault((obs.partner or obs.key[0], obs.key[1]), []).append(obs.value)
    return out


def test_each_breakdown_keeps_its_latest_edition(store) -> None:
    import_file(MATRIX_2015, store=store)
    seen = _georgia_2015(store)
    # Table 16!F129 (Total) and FW129 (Russian Federation) of the 2015 matrix
    assert seen[("FOR", "_T")] == [168802] and seen[("RUS", "_T")] == [92937]
    assert ("FOR", "M") not in seen

    # the 2019 Table 1 (by sex, all origins) used to supersede the whole slice
    import_file(TOTAL_2019, store=store)
    seen = _georgia_2015(store)
    assert seen[("RUS", "_T")] == [92937], "the matrix's detail is still read"
    assert seen[("FOR", "_T")] == [76685], "the cell both hold is read once, from the newer"
    assert seen[("FOR", "M")] and seen[("FOR", "F")]
    assert sum(seen[("FOR", "M")] + seen[("FOR", "F")]) == 76685

    # the 2019 matrix CSV is a revision of the matrix: it replaces the 2015 matrix's slices
    import_file(MATRIX_2019, store=store)
    seen = _georgia_2015(store)
    assert seen[("RUS", "_T")] == [35936]
    assert seen[("FOR", "_T")] == [76685]

    # an earlier Table 1 stored later revises Table 1, and only Table 1
    import_file(TOTAL_2015, store=store)
    seen = _georgia_2015(store)
    assert seen[("FOR", "_T")] == [168802]
    assert seen[("RUS", "_T")] == [35936]
    assert all(len(values) == 1 for values in seen.values())


def test_the_same_breakdown_has_one_current_slice(store) -> None:
    """Two editions of Table 1: the later replaces the earlier's slice for each key."""
    import_file(TOTAL_2019, store=store)
    import_file(TOTAL_2015, store=store)
    rows = [r for r in store.coverage() if r[1] == "GEO" and r[2] == "S01" and r[3] == "2015-07-01"]
    assert rows == [("UN_DESA", "GEO", "S01", "2015-07-01", 3)]
    assert _georgia_2015(store)[("FOR", "_T")] == [168802]


def test_explorer_and_profile_show_each_breakdown(tmp_path) -> None:
    """The portal reads both breakdowns: the explorer shows the matrix's origins and Table 1's
    total; the profile draws Table 1's foreign-born for every year of its edition and ranks
    the matrix's countries of birth."""
    import re

    from fastapi.testclient import TestClient

    from migstat.store import Store
    from migstat.web.app import create_app

    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        import_file(MATRIX_2015, store=store)
        import_file(TOTAL_2019, store=store)
        with TestClient(create_app(store=store)) as client:
            explore = client.get("/explore?table=S01&REF_AREA=GEO&lang=en")
            text = re.sub(r"[\u202f\xa0]", ",", re.sub(r"<[^>]+>", " ", explore.text))
            assert explore.status_code == 200
            assert "92,937" in text and "76,685" in text and "168,802" not in text
            profile = client.get("/country/GEO?lang=en").text
    series = dict(
        re.findall(
            r'"period": "(\d+)", "series": "Foreign-born population \(UN DESA\)", '
            r'"status": "[^"]*", "value": ([\d.]+)',
            profile,
        )
    )
    assert series == {
        "1990": "304470.0",
        "1995": "152235.0",
        "2000": "76117.0",
        "2005": "72311.0",
        "2010": "73034.0",
        "2015": "76685.0",
        "2019": "79035.0",
    }
    assert '"code": "RUS", "label": "Russian Federation", "value": 92937.0' in profile
