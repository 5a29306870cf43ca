"""Every reader, on damaged real files and on any bytes, fails only with migstat's own errors,
each naming the file (issue: bounded and total).

The inputs are real seeds (tests/fuzzing.py) damaged at random by Hypothesis. The profile
``ci`` (the default, and the one with ``CI=true``) tries a fixed number of inputs per reader
in a fixed order (``derandomize``), so a run takes well under a minute and is repeatable;
``HYPOTHESIS_PROFILE=long`` tries far more. The long run of a million inputs is
bench/fuzz_readers.py.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import (
    LONG_CSV,
    READERS,
    SDMX_CSV,
    mutate,
    mutate_zip,
    questionnaire,
    run_import,
    run_source,
    run_submission,
    text_seeds,
    undesa_workbook,
)

_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("ci", max_examples=150, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=5000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SUFFIXES = [".csv", ".px", ".json", ".tsv", ".txt", ".xlsx", ""]


def _seeds_for(reader: str) -> list[tuple[str, bytes]]:
    """The seeds meant for ``reader`` first, then every other seed (a reader must also stop
    cleanly on another publisher's file)."""
    mine = [(suffix, data) for name, suffix, data in text_seeds() if name == reader]
    return mine + [(suffix, data) for name, suffix, data in text_seeds() if name != reader]


def test_every_reader_has_a_seed() -> None:
    have = {name for name, _, _ in text_seeds()}
    assert have >= set(READERS) - {"columns"}, set(READERS) - have


@pytest.mark.parametrize("reader", [*READERS, None])
@given(st.randoms(use_true_random=False), st.data())
def test_importer_on_damaged_files(reader: str | None, rng, data) -> None:
    seeds = _seeds_for(reader) if reader else [(s, d) for _, s, d in text_seeds()]
    own = rng.random() < 0.7
    suffix, seed = seeds[rng.randrange(min(len(seeds), 3) if own else len(seeds))]
    run_source(reader, mutate(rng, seed), suffix)


@pytest.mark.parametrize("reader", [*READERS, None])
@given(st.binary(max_size=600), st.sampled_from(SUFFIXES))
def test_importer_on_any_bytes(reader: str | None, blob: bytes, suffix: str) -> None:
    run_source(reader, blob, suffix)


@settings(max_examples=60)
@given(st.randoms(use_true_random=False))
def test_columnar_import_on_damaged_files(rng) -> None:
    """The whole dry import of a damaged UNHCR file, through DuckDB (a file the columnar path
    declines goes the row path): only migstat's errors, naming the file."""
    seeds = _seeds_for("unhcr")
    suffix, seed = seeds[0] if rng.random() < 0.8 else rng.choice(seeds)
    run_import(mutate(rng, seed), suffix)


@given(st.randoms(use_true_random=False))
def test_submission_readers_on_damaged_files(rng) -> None:
    kind = rng.choice(["xlsx", "long", "sdmx"])
    if kind == "xlsx":
        run_submission(mutate_zip(rng, questionnaire()), ".xlsx")
    else:
        run_submission(mutate(rng, LONG_CSV if kind == "long" else SDMX_CSV), ".csv")


@given(st.binary(max_size=600), st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_submission_readers_on_any_bytes(blob: bytes, suffix: str) -> None:
    run_submission(blob, suffix)


@settings(max_examples=6)
@given(st.randoms(use_true_random=False))
def test_workbook_importer_on_damaged_files(rng) -> None:
    run_source(rng.choice(["undesa", None]), mutate_zip(rng, undesa_workbook()), ".xlsx")
