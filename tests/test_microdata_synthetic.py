"""The synthetic census: seeded, marked synthetic, with UN DESA 2019's margins for Kyrgyzstan
(../shared/data) within sampling error, and tabulated into tables whose totals are its count."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from scipy.stats import chi2

from migstat.__main__ import cli as migstat_main
from migstat.cli.synthesize import published_margins
from migstat.microdata import tabulate
from migstat.microdata.synthetic import Margins, mapping_text, synthesize
from migstat.model import InputError
from tests.shared import SHARED_DATA

PERSONS = 200_000


@pytest.fixture(scope="module")
def margins() -> Margins:
    return published_margins("KGZ", SHARED_DATA)


@pytest.fixture(scope="module")
def census(tmp_path_factory, margins: Margins) -> Path:
    path = tmp_path_factory.mktemp("census") / "kgz.parquet"
    synthesize(path, margins, persons=PERSONS, seed=7)
    return path


def rows(path: Path) -> list[tuple]:
    return duckdb.sql(f"SELECT * FROM '{path}'").fetchall()


def test_the_margins_are_un_desa_2019_for_kyrgyzstan(margins: Margins) -> None:
    # Workbook Table 2 (mid-2019, thousands) and the origin-destination matrix, as published.
    assert margins.population == 6_415_850
    assert margins.born_abroad["RUS"] == 109_511
    assert margins.born_abroad["UKR"] == 26_231
    assert sum(margins.born_abroad.values()) == 195_949
    assert "KGZ" not in margins.born_abroad
    assert 0.49 < margins.male_share < 0.50


def test_the_same_seed_gives_the_same_records(tmp_path: Path, margins: Margins) -> None:
    first, again, other = (tmp_path / n for n in ("a.parquet", "b.parquet", "c.parquet"))
    synthesize(first, margins, persons=5_000, seed=1)
    synthesize(again, margins, persons=5_000, seed=1)
    synthesize(other, margins, persons=5_000, seed=2)
    assert rows(first) == rows(again)
    assert rows(first) != rows(other)


def test_the_file_and_its_sidecar_say_synthetic(census: Path) -> None:
    kv = dict(
        duckdb.sql(
            f"SELECT decode(key), decode(value) FROM parquet_kv_metadata('{census}')"
        ).fetchall()
    )
    assert kv["synthetic"] == "true"
    about = json.loads(kv["migstat.synthetic"])
    assert about["synthetic"] is True and about["persons"] == PERSONS and about["seed"] == 7
    sidecar = json.loads(census.with_name(census.name + ".json").read_text(encoding="utf-8"))
    assert sidecar == about
    assert "SYNTHETIC" in sidecar["warning"]
    assert sidecar["margins"]["sources"][0].startswith("UN DESA International Migrant Stock 2019")


def test_the_foreign_born_share_matches_within_sampling_error(
    census: Path, margins: Margins
) -> None:
    (foreign,) = duckdb.sql(f"SELECT count(*) FROM '{census}' WHERE COB <> 'KGZ'").fetchall()[0]
    p = margins.foreign_share  # 195,949 / 6,415,850 = 3.05 %
    assert abs(foreign / PERSONS - p) < 4 * math.sqrt(p * (1 - p) / PERSONS)


def test_the_countries_of_birth_follow_the_published_stock(census: Path, margins: Margins) -> None:
    counts = dict(duckdb.sql(f"SELECT COB, count(*) FROM '{census}' GROUP BY COB").fetchall())
    assert set(counts) <= {"KGZ", *margins.born_abroad}
    foreign = PERSONS - counts["KGZ"]
    stock = sum(margins.born_abroad.values())
    # Pearson's chi-square over the foreign-born by country of birth, countries expected
    # fewer than 5 times pooled: the published shares are not rejected at 0.1 %.
    statistic, pooled_observed, pooled_expected, cells = 0.0, 0, 0.0, 0
    for code, published in margins.born_abroad.items():
        expected = foreign * published / stock
        if expected < 5:
            pooled_observed += counts.get(code, 0)
            pooled_expected += expected
            continue
        statistic += (counts.get(code, 0) - expected) ** 2 / expected
        cells += 1
    if pooled_expected:
        statistic += (pooled_observed - pooled_expected) ** 2 / pooled_expected
        cells += 1
    assert cells > 10
    assert statistic < chi2.ppf(0.999, cells - 1)
    share = counts["RUS"] / foreign  # Russia: 109,511 of 195,949 foreign-born
    assert abs(share - 109_511 / stock) < 4 * math.sqrt(share * (1 - share) / foreign)


def test_tabulating_it_gives_totals_equal_to_the_persons(
    tmp_path: Path, census: Path, margins: Margins
) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text(mapping_text(margins), encoding="utf-8")
    result = tabulate(census, mapping)
    totals = {t.table.id: t.cells[("_T", "_T", "_T")] for t in result.tables}
    (adult_foreign,) = duckdb.sql(
        f"SELECT count(*) FROM '{census}' WHERE AGE >= 15 AND COB <> 'KGZ'"
    ).fetchall()[0]
    (adult_alien,) = duckdb.sql(
        f"SELECT count(*) FROM '{census}' WHERE AGE >= 15 AND CIT <> 'KGZ'"
    ).fetchall()[0]
    assert totals == {"S01": PERSONS, "S02": PERSONS, "S03": adult_foreign, "S04": adult_alien}


def test_the_command_writes_census_sidecar_and_mapping(tmp_path: Path) -> None:
    output = tmp_path / "kgz.parquet"
    args = ["synthesize-census", "--country", "KGZ", "--persons", "1000", "--seed", "3"]
    result = CliRunner().invoke(
        migstat_main, [*args, "--data", str(SHARED_DATA), "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert "1 000 SYNTHETIC persons" in result.output.replace("\u202f", " ")
    assert duckdb.sql(f"SELECT count(*) FROM '{output}'").fetchall()[0] == (1000,)
    assert "not real data" in output.with_name("kgz.parquet.map.yaml").read_text(encoding="utf-8")


def test_a_country_without_published_margins_is_refused() -> None:
    with pytest.raises(InputError, match="no population or no foreign-born for XYZ"):
        published_margins("XYZ", SHARED_DATA)


def test_an_awkward_file_name_is_written_whole(tmp_path: Path, margins: Margins) -> None:
    folder = tmp_path / "o'brien"
    folder.mkdir()
    output = folder / "census's.parquet"
    synthesize(output, margins, persons=1_500, seed=4)
    assert sorted(p.name for p in folder.iterdir()) == ["census's.parquet", "census's.parquet.json"]
    assert duckdb.sql(
        f"SELECT count(*) FROM '{str(output).replace(chr(39), chr(39) * 2)}'"
    ).fetchall() == [(1_500,)]
