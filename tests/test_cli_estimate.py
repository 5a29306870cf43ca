"""``migstat estimate flows-from-stocks`` on the published examples, and its error messages."""

from __future__ import annotations

import csv
import math

import pytest

from migstat.sources.matrix import orientation
from tests.shared import SHARED_DATA

FFS = SHARED_DATA / "reference" / "ffs_demo"
CASES = {
    "e0_abel2013_science_nobd": [],
    "e1_imr2018_nobd": [],
    "e3_demres2013_bd_open_dr": ["--birthplace-totals", "open-dr"],
    "e5_science2014_bd_rescale": [],
}


def _table(path) -> list[list[str]]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("case", sorted(CASES))
def test_command_reproduces_the_published_table(cli, tmp_path, case: str) -> None:
    out = tmp_path / "flows.csv"
    code, stdout, stderr = cli(
        "--lang",
        "en",
        "estimate",
        "flows-from-stocks",
        "--start",
        str(FFS / f"{case}__stock_start.csv"),
        "--end",
        str(FFS / f"{case}__stock_end.csv"),
        "--births-deaths",
        str(FFS / f"{case}__births_deaths.csv"),
        *CASES[case],
        "-o",
        str(out),
    )
    assert code == 0, stderr
    assert "These are estimates, not reported data." in stdout
    got = _table(out)
    expected = _table(FFS / f"{case}__expected_sum_od.csv")
    assert got[0][1:] == expected[0][1:-1]  # destinations, no Sum column
    # the header says what the file is, the direction first (as the published corner cell)
    assert got[0][0].startswith(expected[0][0] + " ESTIMATE: flows from stocks (")
    assert got[0][0].endswith("model), not reported data")
    assert orientation(got[0][0]) == "origin"  # migstat's matrix reader still reads it
    assert len(got) == len(expected) - 1  # no Sum row
    for row, want in zip(got[1:], expected[1:-1], strict=True):
        assert row[0] == want[0]
        for value, printed in zip(row[1:], want[1:-1], strict=True):
            assert math.isclose(float(value), float(printed), rel_tol=1e-6, abs_tol=1e-6)


def test_births_and_deaths_are_optional(cli, tmp_path) -> None:
    out = tmp_path / "flows.csv"
    case = "e0_abel2013_science_nobd"
    code, _, stderr = cli(
        "estimate",
        "flows-from-stocks",
        "--start",
        str(FFS / f"{case}__stock_start.csv"),
        "--end",
        str(FFS / f"{case}__stock_end.csv"),
        "-o",
        str(out),
    )
    assert code == 0, stderr
    assert _table(out)[1] == ["A", "0", "0", "50", "0"]


def test_independence_and_blend_options(cli, tmp_path) -> None:
    case = "e0_abel2013_science_nobd"
    args = [
        "estimate",
        "flows-from-stocks",
        "--start",
        str(FFS / f"{case}__stock_start.csv"),
        "--end",
        str(FFS / f"{case}__stock_end.csv"),
    ]
    code, stdout, _ = cli(*args, "--no-stayer-assumption", "-o", str(tmp_path / "i.csv"))
    assert code == 0 and "independence" in stdout
    # A -> C under independence: sum over birthplaces of start(k, A) * end(k, C) / born in k
    a_to_c = 1000 * 60 / 1110 + 55 * 75 / 665 + 80 * 800 / 960 + 20 * 0 / 265
    assert float(_table(tmp_path / "i.csv")[1][3]) == pytest.approx(a_to_c)
    code, stdout, _ = cli(*args, "--pseudo-bayesian", "-o", str(tmp_path / "b.csv"))
    assert code == 0 and "pseudo-bayesian" in stdout
    assert float(_table(tmp_path / "b.csv")[1][3]) == pytest.approx(0.87 * 50 + 0.13 * a_to_c)


def test_negative_stock_is_refused_in_both_languages(cli, tmp_path) -> None:
    bad = tmp_path / "start.csv"
    bad.write_text("pob\\por,A,B\nA,100,5\nB,-3,50\n", encoding="utf-8")
    end = tmp_path / "end.csv"
    end.write_text("pob\\por,A,B\nA,95,10\nB,2,50\n", encoding="utf-8")
    args = [
        "estimate",
        "flows-from-stocks",
        "--start",
        str(bad),
        "--end",
        str(end),
        "-o",
        str(tmp_path / "f.csv"),
    ]
    code, _, stderr = cli("--lang", "en", *args)
    assert code == 2
    assert "start.csv, line 3, A: The number -3 is negative" in stderr
    code, _, stderr = cli("--lang", "ru", *args)
    assert code == 2
    assert "start.csv, строка 3, A: Число -3 отрицательно" in stderr
    assert not (tmp_path / "f.csv").exists()


def test_totals_that_do_not_match_are_refused(cli, tmp_path) -> None:
    start = tmp_path / "start.csv"
    start.write_text("pob\\por,A,B,Sum\nA,100,5,105\nB,3,50,53\nSum,103,55,158\n", encoding="utf-8")
    end = tmp_path / "end.csv"
    end.write_text("pob\\por,A,B,Sum\nA,95,10,105\nB,2,50,52\nSum,97,61,157\n", encoding="utf-8")
    code, _, stderr = cli(
        "estimate",
        "flows-from-stocks",
        "--start",
        str(start),
        "--end",
        str(end),
        "-o",
        str(tmp_path / "f.csv"),
        "--lang",
        "ru",
    )
    assert code == 2
    assert "end.csv, строка 4, B: Итог 61 для B не равен сумме его ячеек (60)" in stderr
    # a world total that births and deaths cannot explain, without global balancing
    end.write_text("pob\\por,A,B\nA,95,10\nB,2,60\n", encoding="utf-8")
    code, _, stderr = cli(
        "estimate",
        "flows-from-stocks",
        "--start",
        str(start),
        "--end",
        str(end),
        "--match-global",
        "none",
        "-o",
        str(tmp_path / "f.csv"),
    )
    assert code == 2
    assert "The start and end tables differ in total by -9" in stderr


def test_births_deaths_file_must_cover_the_areas(cli, tmp_path) -> None:
    case = "e3_demres2013_bd_open_dr"
    bd = tmp_path / "bd.csv"
    bd.write_text("region,births,deaths\nA,80,70\nB,20,30\nC,40,50\n", encoding="utf-8")
    code, _, stderr = cli(
        "estimate",
        "flows-from-stocks",
        "--start",
        str(FFS / f"{case}__stock_start.csv"),
        "--end",
        str(FFS / f"{case}__stock_end.csv"),
        "--births-deaths",
        str(bd),
        "-o",
        str(tmp_path / "f.csv"),
    )
    assert code == 2
    assert "bd.csv: Births and deaths are missing for D." in stderr


def test_missing_file_is_named_in_russian(cli, tmp_path) -> None:
    code, _, stderr = cli(
        "--lang",
        "ru",
        "estimate",
        "flows-from-stocks",
        "--start",
        str(tmp_path / "nope.csv"),
        "--end",
        str(tmp_path / "nope.csv"),
        "-o",
        str(tmp_path / "f.csv"),
    )
    assert code == 2
    assert "nope.csv" in stderr and "Файл не найден" in stderr
