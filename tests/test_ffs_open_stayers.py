"""Flows from stocks by the open method carries on, as migest does, when matching the
birthplace totals leaves only stayers (born and living in the same place) negative."""

from __future__ import annotations

import csv
import warnings

import numpy as np
import pytest

from migstat.analysis.ffs_accounts import NegativeStayers
from migstat.analysis.flows_from_stocks import estimate_flows
from migstat.model import MigstatError

CODES = ("KGZ", "KAZ", "RUS")
# born in KGZ: 1 000 at home and 99 000 in Kazakhstan at the start, 50 000 at home at the end
START = np.array([[1_000.0, 99_000, 0], [0, 100_000, 0], [0, 0, 50_000]])
END = np.array([[50_000.0, 0, 0], [0, 100_000, 0], [49_000, 1_000, 50_000]])


def test_only_negative_stayers_warn_and_the_flows_are_non_negative() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = estimate_flows(START, END, CODES, birthplace_totals="open")
    [warned] = [w.message for w in caught if isinstance(w.message, NegativeStayers)]
    assert warned.params["birth"] == "KGZ" and warned.params["start"] == -49_000
    assert (result.od >= 0).all() and result.od.sum() == 149_000
    assert result.od[1, 0] == 99_000 and result.stayers[0] == -49_000


def test_a_negative_cell_off_the_diagonal_still_stops() -> None:
    start = START.copy()
    start[0] = [60_000, 0, 40_000]
    end = END.copy()
    end[0] = [0, 50_000, 0]
    with pytest.raises(MigstatError, match="living in"):
        estimate_flows(start, end, CODES, birthplace_totals="open")


def _write(path, table) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["pob\\por", *CODES])
        for code, row in zip(CODES, table, strict=True):
            writer.writerow([code, *(int(v) for v in row)])


def test_the_command_warns_in_the_users_language(cli, tmp_path) -> None:
    _write(tmp_path / "start.csv", START)
    _write(tmp_path / "end.csv", END)
    args = ["estimate", "flows-from-stocks", "--start", str(tmp_path / "start.csv")]
    args += ["--end", str(tmp_path / "end.csv"), "--birthplace-totals", "open"]
    code, _out, err = cli("--lang", "ru", *args, "-o", str(tmp_path / "f.csv"))
    assert code == 0, err
    assert "Предупреждение:" in err and "KGZ" in err and "неотрицательны" in err
    rows = list(csv.reader((tmp_path / "f.csv").open(encoding="utf-8")))
    assert all(float(v) >= 0 for row in rows[1:] for v in row[1:])
