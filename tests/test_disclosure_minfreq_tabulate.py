"""``tabulate --sdc minfreq``: counts under the minimum frequency suppressed, with the
complementary cells that keep them from being worked out, on the seeded census of
tests/test_disclosure_cellkey.py (600 persons, so many small cells).

Every count 1-2 of the unprotected tables is hidden (CONF_STATUS C), complementary cells are
hidden as D, and the attacker's linear programme, given every published cell of the written
tables, narrows no hidden cell below its protection width. The written file is accepted as a
submission, the public sees no hidden value, and the explorer quotes the rule.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from migstat.api import submit_file
from migstat.disclosure import Rule, audit
from migstat.microdata import tabulate, write_tabulation
from migstat.model import InputError, default_registry
from migstat.store import ObservationQuery, Store
from migstat.web.app import create_app
from tests.test_disclosure_cellkey import MAPPING, _census

REGISTRY = default_registry()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("minfreq")
    data = _census(root / "census.csv", n=600)
    mapping = root / "census.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return root, tabulate(data, mapping), tabulate(data, mapping, sdc="minfreq")


def test_small_counts_and_their_complements_are_hidden(runs) -> None:
    _root, plain, protected = runs
    for before, after in zip(plain.tables, protected.tables, strict=True):
        table = before.table.id
        small = {k for k, v in before.cells.items() if 0 < v < 3}
        hidden = {k: s for (t, k), s in protected.hidden.items() if t == table}
        assert small and {k for k, s in hidden.items() if s == "C"} == small
        assert any(s == "D" for s in hidden.values())
        assert after.cells == before.cells  # the values are kept; the output leaves them out
    meta = protected.metadata()
    assert meta["disclosure"]["rule"] == "min_frequency"
    assert meta["disclosure"]["parameters"]["min_frequency"] == 3
    assert meta["tables"]["S01"]["disclosure"] == meta["disclosure"]
    assert "counts under 3 suppressed" in meta["tables"]["S01"]["notes"]


def test_the_attacker_recovers_no_hidden_cell(runs) -> None:
    _root, plain, protected = runs
    published = protected.observations()
    values = {(o.table, o.key): o.value for o in plain.observations()}
    rule = Rule()
    checked = 0
    for table_id in ("S01", "S02"):
        table = REGISTRY.table(table_id)
        for interval in audit(published, table, registry=REGISTRY):
            status = protected.hidden[(table_id, interval.key)]
            need = rule.width(values[(table_id, interval.key)], status == "C")
            assert interval.upper - interval.lower >= need - 1e-6, interval
            checked += 1
    assert checked == len(protected.hidden) > 100


def test_the_written_tables_are_accepted_and_hide_their_cells(runs) -> None:
    root, _plain, protected = runs
    written, _meta = write_tabulation(protected, root / "KGZ.csv")
    rows = list(csv.DictReader(written.open(encoding="utf-8")))
    hidden = [r for r in rows if r["CONF_STATUS"] != "F"]
    assert len(hidden) == len(protected.hidden) and all(r["OBS_VALUE"] == "" for r in hidden)
    with Store.open(f"sqlite:///{root / 'store.db'}") as store:
        record, checked = submit_file(store, written, country="KGZ")
        assert record.status == "accepted", [f.message for f in checked.findings]
        public = store.read(ObservationQuery("S01", ref_areas=["KGZ"]))
        shown = {o.key: o for o in public}
        for (table, key), status in protected.hidden.items():
            if table == "S01":
                assert shown[key].value is None and shown[key].conf_status == status
        with TestClient(create_app(store=store)) as client:
            page = client.get("/explore?table=S01&REF_AREA=KGZ&lang=en").text
    assert "Kyrgyzstan: cells under 3 suppressed, and further cells with them" in page


def test_weighted_counts_are_refused(runs, tmp_path: Path) -> None:
    root, _plain, _protected = runs
    mapping = tmp_path / "w.yaml"
    mapping.write_text(
        MAPPING.replace("citizenship: CIT}", "citizenship: CIT, weight: RK}"), encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        tabulate(root / "census.csv", mapping, sdc="minfreq")
    assert "--sdc cellkey" in str(caught.value)
    assert "Правило минимальной частоты" in caught.value.text("ru")
