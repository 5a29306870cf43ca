"""The cell-key method (``tabulate --sdc cellkey``): the perturbation table's properties, and on
a seeded census of 3,000 persons: totals that add up, the same cell perturbed the same in
every table and every run, and the parameters in the metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from migstat.disclosure.cellkey import MODULUS, CellKeyRule, perturbation, ptable
from migstat.formats.csv_long import read_long_csv
from migstat.microdata import read_metadata, tabulate, write_tabulation
from migstat.model import InputError, MigstatError, Severity, default_registry
from migstat.validation import validate

COUNTRIES = {"417": "KGZ", "643": "RUS", "860": "UZB", "398": "KAZ", "762": "TJK"}
MAPPING = """variables: {sex: SEX, age: AGE, country_of_birth: COB, citizenship: CIT}
country: KGZ
reference_date: "2022-03-01"
tables: [S01, S02]
recode:
  SEX: {"1": M, "2": F}
  COB: {"417": KGZ, "643": RUS, "860": UZB, "398": KAZ, "762": TJK}
  CIT: {"417": KGZ, "643": RUS, "860": UZB, "398": KAZ, "762": TJK}
metadata: {source_type: census}
"""


def _census(path: Path, n: int = 3_000, seed: int = 11) -> Path:
    """Citizenship equals country of birth for everyone, so S01 and S02 have the same
    records in the same cells."""
    rng = np.random.default_rng(seed)
    codes = np.array(list(COUNTRIES))
    cob = codes[rng.choice(5, n, p=[0.7, 0.12, 0.08, 0.06, 0.04])]
    lines = ["ID,SEX,AGE,COB,CIT,RK"]
    for i in range(n):
        age, sex, key = int(rng.integers(0, 95)), int(rng.integers(1, 3)), int(rng.integers(256))
        lines.append(f"{i + 1},{sex},{age},{cob[i]},{cob[i]},{key}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def census(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cellkey")
    mapping = folder / "census.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return _census(folder / "census.csv"), mapping


@pytest.fixture(scope="module")
def runs(census):
    data, mapping = census
    return tabulate(data, mapping), tabulate(data, mapping, sdc="cellkey")


def test_the_ptable_keeps_zeros_never_goes_negative_and_is_unbiased() -> None:
    rule = CellKeyRule(max_perturbation=2, variance=1.0, max_count=20)
    table = ptable(rule)
    assert table.shape == (21, MODULUS)
    assert not table[0].any()
    counts = np.arange(21)[:, None]
    assert (counts + table >= 0).all() and (np.abs(table) <= 2).all()
    assert np.abs(table[1:].mean(axis=1)).max() < 2 / MODULUS
    assert np.abs(table[2:].var(axis=1) - 1.0).max() < 0.02
    big = perturbation(rule, np.array([1_000_000] * 3), np.array([0, 128, 255]))
    assert list(big) == list(table[20, [0, 128, 255]])
    with pytest.raises(MigstatError):
        CellKeyRule(max_perturbation=1, variance=4.0)


def _inner(result, table_id: str) -> dict[tuple[str, ...], int]:
    table = next(t for t in result.tables if t.table.id == table_id)
    totals = {d.total for d in table.table.dimensions}
    return {k: v for k, v in table.cells.items() if not totals & set(k)}


def assert_totals_add_up(table) -> None:
    """Every total over sex and over the partner country is the sum of its cells."""
    cells = table.cells
    partner, sex, _age = table.table.dimensions
    codes = {k[0] for k in cells} - {partner.total}
    for key, value in cells.items():
        if key[1] == sex.total:
            assert value == cells[(key[0], "M", key[2])] + cells[(key[0], "F", key[2])]
        if key[0] == partner.total:
            assert value == sum(cells[(c, key[1], key[2])] for c in codes)


def test_every_total_is_the_sum_of_its_perturbed_parts(runs) -> None:
    plain, protected = runs
    changed = 0
    for table in protected.tables:
        cells = table.cells
        assert_totals_add_up(table)
        before = next(t for t in plain.tables if t.table.id == table.table.id).cells
        assert set(before) == set(cells)
        for key in _inner(protected, table.table.id):
            assert abs(cells[key] - before[key]) <= 2 and cells[key] >= 0
            assert (before[key] == 0) <= (cells[key] == 0)
            changed += cells[key] != before[key]
    assert changed > 100


def test_the_same_cell_is_perturbed_the_same_in_every_table_and_run(runs, census) -> None:
    _plain, protected = runs
    s01, s02 = _inner(protected, "S01"), _inner(protected, "S02")
    assert s01 == s02  # the same records (citizenship = country of birth) in the same cells
    again = tabulate(*census, sdc="cellkey")
    assert [t.cells for t in again.tables] == [t.cells for t in protected.tables]
    s01_all = next(t for t in protected.tables if t.table.id == "S01").cells
    s02_all = next(t for t in protected.tables if t.table.id == "S02").cells
    assert s01_all == s02_all  # same inner breakdown: the margins agree too


def test_the_record_key_variable_decides_the_keys(census, tmp_path: Path) -> None:
    data, mapping = census
    with_keys = tmp_path / "keys.yaml"
    with_keys.write_text(
        mapping.read_text(encoding="utf-8")
        + "sdc: {record_key: RK, max_perturbation: 3, variance: 2}\n",
        encoding="utf-8",
    )
    result = tabulate(data, with_keys, sdc="cellkey")
    rule = result.metadata()["disclosure"]
    assert rule == {
        "rule": "cell_key",
        "parameters": {
            "max_perturbation": 3,
            "variance": 2,
            "max_count": 20,
            "key_modulus": 256,
            "additivity": "inner cells perturbed, every total summed from them",
            "record_key": "RK",
        },
    }
    # by hand: an inner cell is its count plus the ptable's entry for its keys' sum
    ages = default_registry().codelists["AGE"]
    plain = next(t for t in tabulate(data, mapping).tables if t.table.id == "S01").cells
    s01 = next(t for t in result.tables if t.table.id == "S01").cells
    rows = [line.split(",") for line in data.read_text(encoding="utf-8").splitlines()[1:]]
    rule_obj = CellKeyRule(max_perturbation=3, variance=2)
    checked = 0
    for (cob, sex, band), value in s01.items():
        code = ages.get(band)
        if "_T" in (cob, sex) or code is None or code.lower is None or band == "_T":
            continue
        if (code.upper or 200) - code.lower != 5 and code.upper is not None:
            continue  # a group of groups: a sum, not an inner cell
        members = [
            r
            for r in rows
            if COUNTRIES[r[3]] == cob
            and {"1": "M", "2": "F"}[r[1]] == sex
            and code.lower <= int(r[2]) < (code.upper or 200)
        ]
        assert len(members) == plain[(cob, sex, band)]
        key = sum(int(r[5]) for r in members) % 256
        step = perturbation(rule_obj, np.array([len(members)]), np.array([key]))[0]
        assert value == len(members) + step
        checked += 1
    assert checked > 50


def test_protected_tables_validate_and_carry_the_rule(runs, tmp_path: Path) -> None:
    _plain, protected = runs
    data, meta = write_tabulation(protected, tmp_path / "KGZ_census.csv")
    dataset = read_long_csv(data)
    dataset.metadata = read_metadata(meta)
    errors = [f for f in validate(dataset) if f.severity == Severity.ERROR]
    assert errors == []
    assert protected.metadata()["disclosure"]["rule"] == "cell_key"
    notes = dataset.metadata.tables["S01"].notes
    assert "cell-key method (perturbation at most 2, variance 1.0)" in notes


def test_cellkey_refuses_bad_keys(census, tmp_path: Path) -> None:
    data, mapping = census
    bad = tmp_path / "bad.csv"
    text = data.read_text(encoding="utf-8").splitlines()
    text[7] = text[7].rsplit(",", 1)[0] + ",x"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    keyed = tmp_path / "k.yaml"
    keyed.write_text(mapping.read_text(encoding="utf-8") + "sdc: {record_key: RK}\n")
    with pytest.raises(InputError) as caught:
        tabulate(bad, keyed, sdc="cellkey")
    assert caught.value.params["row"] == 7 and caught.value.where.line == 8


def test_inner_cells_equal_the_ons_package_given_the_same_ptable(census, tmp_path: Path) -> None:
    """ONS's cell-key-perturbation perturbs the cells of one cross-tabulation; given our
    perturbation table in its format and the same record keys, it gives our inner cells."""
    import pandas as pd
    from cell_key_perturbation.create_perturbed_table import create_perturbed_table

    from migstat.microdata.tables import band_of, leaf_bands

    data, mapping = census
    keyed = tmp_path / "keyed.yaml"
    keyed.write_text(mapping.read_text(encoding="utf-8") + "sdc: {record_key: RK}\n")
    ours = next(t for t in tabulate(data, keyed, sdc="cellkey").tables if t.table.id == "S01")
    rule = CellKeyRule()
    table = ptable(rule)
    ons_ptable = pd.DataFrame(
        [
            (pcv, key, int(table[min(pcv, rule.max_count), key]))
            for pcv in range(751)
            for key in range(MODULUS)
        ],
        columns=["pcv", "ckey", "pvalue"],
    )
    registry = default_registry()
    s01 = registry.tables["S01"]
    bands = leaf_bands(registry, s01, s01.dimensions[2])
    frame = pd.read_csv(data, dtype=str)
    frame["RK"] = frame["RK"].astype(int)
    frame["COB"] = frame["COB"].map(COUNTRIES)
    frame["SEX"] = frame["SEX"].map({"1": "M", "2": "F"})
    frame["BAND"] = [band_of((int(a), int(a) + 1), bands) for a in frame["AGE"]]
    theirs = create_perturbed_table(
        data=frame,
        ptable=ons_ptable,
        geog=[],
        tab_vars=["COB", "SEX", "BAND"],
        record_key="RK",
        threshold=0,
    )
    compared = 0
    for row in theirs.itertuples(index=False):
        assert ours.cells[(row.COB, row.SEX, row.BAND)] == int(row.count)
        compared += 1
    assert compared > 150


def test_the_command_protects_and_says_where_the_tables_go(census, tmp_path: Path, cli) -> None:
    data, mapping = census
    out = tmp_path / "KGZ_protected.csv"
    code, _text, err = cli("tabulate", str(data), "--mapping", str(mapping), "--sdc", "cellkey",
                           "-o", str(out))  # fmt: skip
    assert code == 0, err
    notes = read_metadata(str(out) + ".metadata.json").tables["S01"].notes
    assert notes.startswith("Disclosure control: cell-key method")
    code, _text, err = cli("tabulate", str(data), "--mapping", str(mapping))
    assert code == 2 and "-o FILE, or --submit" in err
    code, _text, err = cli("tabulate", str(data), "--mapping", str(mapping), "--submit")
    assert code == 2 and "--submit needs --country" in err
