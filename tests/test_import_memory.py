"""Memory of a large import: observations that make their place only when asked, and a bound
on the peak memory of ``migstat import`` that does not grow with the file as it used to."""

from __future__ import annotations

from dataclasses import replace

from migstat.model.data import LineObservation, Location, Observation


def test_line_observation_is_an_observation_with_its_place() -> None:
    line = LineObservation(
        "R01", "DEU", "2020-12-31", ("SYR", "REF"), 590_000, file="u.csv", line=7, column="refugees"
    )
    plain = Observation(
        "R01",
        "DEU",
        "2020-12-31",
        ("SYR", "REF"),
        590_000,
        where=Location(file="u.csv", line=7, column="refugees"),
    )
    assert line.where == Location(file="u.csv", line=7, column="refugees")
    assert line == plain and plain == line
    assert line != replace(plain, value=590_001)
    copied = replace(line, value=None)
    assert copied.value is None and copied.where == plain.where
    line.where = Location(file="u.csv", sheet="S01", cell="B2")
    assert line.where == Location(file="u.csv", sheet="S01", cell="B2")
    line.where = None
    assert line.where is None
